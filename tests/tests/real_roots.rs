//! Roots nobody here wrote, each held against what owns its facts: Alpine's
//! published 32-bit minirootfs (as its tarball and extracted, against apk's
//! own database), `lift-probe --root` of a tree, and this machine's own
//! disks (against /sys's driver links).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use lift_tests::{bin, fixture, is_root, report_json, Scratch};

const ALPINE: &str = "alpine-minirootfs/alpine-minirootfs-3.20.3-x86.tar.gz";

fn finding<'r>(report: &'r serde_json::Value, id: &str) -> &'r serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn extract(archive: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .status()
        .expect("tar runs");
    assert!(st.success());
}

/// `P:name` / `V:version` of each stanza of apk's database.
fn apk_db(root: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root.join("lib/apk/db/installed")).unwrap();
    text.split("\n\n")
        .filter_map(|s| {
            let field = |k: &str| s.lines().find_map(|l| l.strip_prefix(k));
            Some(format!("{} {}", field("P:")?, field("V:")?))
        })
        .collect()
}

/// Issue 26, items 5, 6 and 10: one root whichever way it arrives; no
/// kernel, so no bootable server; openrc is called from inittab but not
/// installed; and a 32-bit host is a finding of its own on every cloud.
#[test]
fn alpine_minirootfs_as_tarball_and_tree() {
    let dir = Scratch::new("alpine");
    let tree = dir.join("root");
    extract(&fixture(ALPINE), &tree);
    let archive = report_json(&fixture(ALPINE), "ec2");
    let extracted = report_json(&tree, "ec2");
    assert_eq!(archive["bundle"]["kind"], "archive");
    assert_eq!(
        archive["host"], extracted["host"],
        "the tarball and its tree give one host"
    );
    let host = &archive["host"];

    let pkgs: BTreeSet<String> = host["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(pkgs, apk_db(&tree), "apk's database");
    assert!(!pkgs.iter().any(|p| p.starts_with("openrc ")));
    assert!(!tree.join("sbin/openrc").exists());
    assert_eq!(host["init"]["system"], serde_json::Value::Null);
    assert!(
        host["init"]["decided_by"]
            .as_str()
            .unwrap()
            .contains("openrc is not installed"),
        "{}",
        host["init"]
    );
    assert_eq!(host["boot"]["kernels"], serde_json::json!([]));
    assert!(
        !tree.join("boot").exists()
            || std::fs::read_dir(tree.join("boot"))
                .unwrap()
                .next()
                .is_none()
    );
    // The ELF header of /bin/sh (busybox) says i686, as apk's arch x86 means.
    assert_eq!(host["kernel"]["arch"], "i686", "{}", host["kernel"]);

    for (target, arch) in [
        ("ec2", "warning"),
        ("azure", "warning"),
        ("openstack", "info"),
    ] {
        let r = report_json(&fixture(ALPINE), target);
        let boot = finding(&r, "cloud.bootloader");
        assert_eq!(boot["severity"], "blocker", "{target}: {boot}");
        assert!(boot["detail"]
            .as_str()
            .unwrap()
            .contains("not a bootable server"));
        assert_eq!(finding(&r, "cloud.drivers")["severity"], "info", "{target}");
        let a = finding(&r, "cloud.architecture");
        assert_eq!(a["severity"], arch, "{target}: {a}");
        assert!(
            a["detail"].as_str().unwrap().contains("a 32-bit i686 host"),
            "{a}"
        );
        assert_eq!(r["readiness"], "not-ready", "{target}");
    }
    let mgn = report_json(&fixture(ALPINE), "aws-mgn");
    assert_eq!(finding(&mgn, "mgn.bootloader")["severity"], "blocker");
    assert_eq!(finding(&mgn, "mgn.kernel-headers")["severity"], "info");
    let os = finding(&mgn, "mgn.os-supported");
    assert_eq!(os["severity"], "blocker", "{os}");
    assert!(os["detail"].as_str().unwrap().contains("32-bit"), "{os}");
    let privileges = finding(&mgn, "mgn.privileges");
    assert_eq!(privileges["severity"], "unknown");
    assert!(
        privileges["detail"]
            .as_str()
            .unwrap()
            .contains("no probe ran on the source"),
        "{privileges}"
    );
}

/// Issue 26, item 7: under `--root` the probe's own uid says nothing of
/// the source, and the hostname is the tree's (here none), not `unknown`.
#[test]
fn probe_root_bundles_judge_the_source_not_the_scanner() {
    if !is_root() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and the --root test needs root"
        );
        println!("skipped: not root");
        return;
    }
    let root = fixture("ubuntu1404-upstart").canonicalize().unwrap();
    assert!(!root.join("etc/hostname").exists());
    let dir = Scratch::new("probe-root");
    let out = dir.join("b.lift");
    let st = Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(&root)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let bundle = report_json(&out, "aws-mgn");
    let tree = report_json(&root, "aws-mgn");
    assert_eq!(bundle["host"]["hostname"], tree["host"]["hostname"]);
    assert_eq!(bundle["host"]["hostname"], serde_json::Value::Null);
    assert_eq!(
        bundle["collection"]["scanned_root"],
        root.to_str().unwrap(),
        "{}",
        bundle["collection"]
    );
    let p = finding(&bundle, "mgn.privileges");
    assert_ne!(p["severity"], "pass", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("--root"), "{p}");
}

/// Issue 26, item 9: a disk on the virtio bus (this machine's vda, on
/// virtio_blk) rules out a Xen PV guest, whose disks are xvd* on
/// xen_blkfront. Held against the driver link /sys gives.
#[test]
fn virtio_disks_rule_out_xen_pv() {
    let virtio: Vec<String> = std::fs::read_dir("/sys/block")
        .map(|d| {
            d.filter_map(|e| {
                let e = e.ok()?;
                let driver = std::fs::read_link(e.path().join("device/driver")).ok()?;
                (driver.file_name()? == "virtio_blk")
                    .then(|| e.file_name().to_string_lossy().into_owned())
            })
            .collect()
        })
        .unwrap_or_default();
    if virtio.is_empty() || !is_root() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and this machine has no virtio_blk disk or is not root"
        );
        println!("skipped: no virtio_blk disk here, or not root");
        return;
    }
    let dir = Scratch::new("virtio");
    let out = dir.join("live.lift");
    let st = Command::new(bin("lift-probe"))
        .args(["--max-seconds", "60", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let r = report_json(&out, "aws-mgn");
    let v = &r["host"]["virtualization"];
    assert_eq!(v["pv_guest"], false, "{v}");
    let said = v["evidence"].to_string();
    assert!(
        virtio
            .iter()
            .any(|d| said.contains(&format!("/sys/block/{d} ->"))),
        "{virtio:?}: {said}"
    );
    assert_eq!(finding(&r, "mgn.not-paravirtualized")["severity"], "pass");
}
