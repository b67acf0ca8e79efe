//! `--catalog` and `--headroom` on the command line: the user's flavours
//! size an OpenStack target, and a catalog with a bad row is refused with
//! its file and line.

use lift_tests::{fixture, lift, Scratch};

#[test]
fn openstack_flavours_from_the_users_catalog() {
    let dir = Scratch::new("sizing");
    let flavours = dir.join("flavors.csv");
    std::fs::write(&flavours, "# our cloud's flavours\nname,vcpus,memory_gib,disk\nm1.small,1,2,20\nm1.medium,2,4,40\nm1.large,4,8,80\n").unwrap();
    let root = fixture("centos6-sysv");
    let o = lift(&[
        "report",
        root.to_str().unwrap(),
        "--target",
        "openstack",
        "--format",
        "json",
        "--catalog",
        flavours.to_str().unwrap(),
        "--headroom",
        "10",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sizing = &report["sizing"];
    assert_eq!(sizing["catalog"], flavours.display().to_string());
    assert_eq!(sizing["headroom_percent"], 10);
    // What /proc/cpuinfo and /proc/meminfo of the fixture say.
    let cpus = std::fs::read_to_string(root.join("proc/cpuinfo"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    assert_eq!(sizing["vcpus"], cpus as u64, "{sizing}");
    assert!(sizing["as_is"]["vcpus"].as_u64().unwrap() >= cpus as u64);
    // Without --catalog, OpenStack has none: no sizing at all.
    let o = lift(&[
        "report",
        root.to_str().unwrap(),
        "--target",
        "openstack",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["sizing"], serde_json::Value::Null);
}

#[test]
fn a_bad_catalog_row_is_named() {
    let dir = Scratch::new("sizing-bad");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "name,vcpus,memory_gib\nm1.small,1,2\nm1.huge,-4,8\n").unwrap();
    let root = fixture("centos6-sysv");
    let o = lift(&[
        "report",
        root.to_str().unwrap(),
        "--target",
        "ec2",
        "--catalog",
        bad.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv: line 3: vcpus"), "{err}");
}
