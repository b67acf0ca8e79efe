//! Security frameworks and shares (issue 28 item 4) end to end: an NFS
//! server's export clients join its move group, and the report's section
//! says what SELinux and AppArmor do on the host.

use lift_tests::{copy_tree, fixture, lift, probe, report_json, Scratch};
use serde_json::Value;

/// nfs1 exports /srv/backup to app1.corp.example (Debian's example file,
/// made live): app1 mounts from it, so the two move together, though
/// nothing else ties them.
#[test]
fn an_exports_client_joins_the_servers_move_group() {
    let dir = Scratch::new("shares-fleet");
    let bundles = dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    for (i, host) in ["nfs1", "app1", "other1"].iter().enumerate() {
        let root = dir.join(&format!("roots/{i}"));
        copy_tree(&fixture("debian12-systemd"), &root);
        std::fs::write(root.join("etc/hostname"), format!("{host}\n")).unwrap();
        std::fs::write(root.join("proc/sys/kernel/hostname"), format!("{host}\n")).unwrap();
        std::fs::write(root.join("etc/machine-id"), format!("{:032x}\n", i + 11)).unwrap();
        if *host == "nfs1" {
            std::fs::copy(
                fixture("host-samples/nfs-server/etc/exports"),
                root.join("etc/exports"),
            )
            .unwrap();
        }
        probe(Some(&root), &bundles.join(format!("{i}.lift")), &["-q"]);
    }
    let out = dir.join("fleet");
    let o = lift(&[
        "batch",
        bundles.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let groups: Value =
        serde_json::from_slice(&std::fs::read(out.join("groups.json")).unwrap()).unwrap();
    let edge = groups["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kinds"] == serde_json::json!(["nfs-client"]))
        .unwrap_or_else(|| panic!("no nfs-client edge: {}", groups["edges"]));
    assert!(
        edge["from"].as_str().unwrap().starts_with("nfs1")
            && edge["to"].as_str().unwrap().starts_with("app1"),
        "{edge}"
    );
    assert_eq!(edge["via"], serde_json::json!(["declared"]));
    let sizes: Vec<usize> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_array().unwrap().len())
        .collect();
    assert!(sizes.contains(&2), "{}", groups["groups"]);
    // hostname1 and hostname2 are not in the fleet: external, not edges.
    let deps = std::fs::read_to_string(out.join("dependencies.jsonl")).unwrap();
    assert!(deps.contains("\"kind\":\"nfs-client\""), "{deps}");
}

#[test]
fn the_report_says_selinux_and_exports() {
    let r = report_json(&fixture("host-samples/selinux-debian"), "ec2");
    let s = &r["host"]["security"]["selinux"];
    assert_eq!(s["configured"], "enforcing");
    assert_eq!(s["running"], "permissive");
    assert_eq!(s["relabel_pending"], true);
    let md = lift(&[
        "report",
        fixture("host-samples/nfs-server").to_str().unwrap(),
    ]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("## Security frameworks and shares"), "{md}");
    assert!(
        md.contains("| `/srv/backup` | app1.corp.example (rw,sync,no_subtree_check), 10.20.0.0/24 (ro) | `/etc/exports:11` |"),
        "{md}"
    );
}
