//! What to provision, across a fleet: fleet.csv's size columns,
//! utilization.jsonl and volumes.jsonl, and the index's totals, which must
//! equal the same sums over the exports (DuckDB).

use lift_tests::{copy_tree, fixture, lift, probe, Scratch};
use serde_json::Value;

/// Two probed hosts: CentOS 6 with a day of sysstat history, and the LVM
/// and md RAID root.
fn fleet(dir: &Scratch) -> std::path::PathBuf {
    let bundles = dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    let c6 = dir.join("c6");
    copy_tree(&fixture("centos6-sysv"), &c6);
    std::fs::create_dir_all(c6.join("var/log/sa")).unwrap();
    std::fs::copy(
        fixture("sysstat/data-debian12-12.6.1"),
        c6.join("var/log/sa/sa07"),
    )
    .unwrap();
    probe(Some(&c6), &bundles.join("c6.lift"), &["-q"]);
    probe(
        Some(&fixture("storage-lvm")),
        &bundles.join("lvm.lift"),
        &["-q"],
    );
    let out = dir.join("fleet");
    let o = lift(&[
        "batch",
        bundles.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target",
        "ec2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn provision_exports_and_totals_agree() {
    let dir = Scratch::new("fleet-provision");
    let out = fleet(&dir);
    let utilization: Vec<Value> = std::fs::read_to_string(out.join("utilization.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(utilization.len(), 1, "one host keeps history");
    assert_eq!(utilization[0]["source"], "sysstat 12.6.1");
    let volumes = std::fs::read_to_string(out.join("volumes.jsonl")).unwrap();
    assert!(volumes.contains("\"source\":\"vg liftvg\""), "{volumes}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let attr = |id: &str, name: &str| -> String {
        let at = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id}"));
        let rest = &html[at..];
        let key = format!("{name}=\"");
        let v = &rest[rest.find(&key).unwrap() + key.len()..];
        v[..v.find('"').unwrap()].to_string()
    };
    let script = r#"
import duckdb, json, sys
csv = sys.argv[1]
q = lambda s: duckdb.sql(s).fetchall()[0]
row = q(f"select count(*), sum(vcpus), round(sum(memory_bytes) / 1073741824, 1), count(recommended_right_sized), round(sum(disks_allocated_bytes) / 1073741824, 1) from read_csv('{csv}', all_varchar=false)")
print(json.dumps([row[0], row[1], row[2], row[3], row[4]]))
"#;
    let Some(stdout) =
        lift_tests::duckdb_script(script, &[out.join("fleet.csv").to_str().unwrap()])
    else {
        return;
    };
    let want: Vec<Value> = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(attr("provision", "data-hosts"), want[0].to_string());
    assert_eq!(attr("provision-as-is", "data-vcpus"), want[1].to_string());
    let memory: f64 = attr("provision-as-is", "data-memory-gib").parse().unwrap();
    assert!(
        (memory - want[2].as_f64().unwrap()).abs() < 0.11,
        "{memory} vs {}",
        want[2]
    );
    // The CentOS host has history and cpuinfo: it gets a right size.
    assert_eq!(want[3], 1);
    let allocated: f64 = attr("provision-storage", "data-allocated-gib")
        .parse()
        .unwrap();
    assert!(
        (allocated - want[4].as_f64().unwrap()).abs() < 0.11,
        "{allocated} vs {}",
        want[4]
    );
}

/// `lift batch --catalog` reaches the workers: an OpenStack fleet is sized
/// from the user's flavours.
#[test]
fn batch_sizes_from_the_users_catalog() {
    let dir = Scratch::new("fleet-catalog");
    let bundles = dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    probe(
        Some(&fixture("centos6-sysv")),
        &bundles.join("c6.lift"),
        &["-q"],
    );
    let flavours = dir.join("flavors.csv");
    std::fs::write(
        &flavours,
        "name,vcpus,memory_gib\nm1.small,1,2\nm1.large,4,8\nm1.huge,64,512\n",
    )
    .unwrap();
    let out = dir.join("fleet");
    let o = lift(&[
        "batch",
        bundles.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target",
        "openstack",
        "--catalog",
        flavours.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert!(col("recommended_as_is").starts_with("m1."), "{csv}");
}
