//! `--catalog` and `--headroom` on the command line: the user's flavours
//! size an OpenStack target, and a catalog with a bad row is refused with
//! its file and line; a root without /proc is sized from its sa history.

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

/// A root with no /proc (a disk image read with --root) but a day of
/// sysstat history: sized from what the newest sa file recorded of the
/// machine (sadf's number-of-cpus), and the why says so.
#[test]
fn a_root_without_proc_is_sized_from_its_history() {
    let dir = Scratch::new("sizing-history");
    let root = dir.join("root");
    lift_tests::copy_tree(&fixture("storage-lvm"), &root);
    std::fs::create_dir_all(root.join("var/log/sysstat")).unwrap();
    std::fs::copy(
        fixture("sysstat/data-debian12-12.6.1"),
        root.join("var/log/sysstat/sa07"),
    )
    .unwrap();
    let sadf: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("sysstat/data-debian12-12.6.1.sadf-j.json")).unwrap(),
    )
    .unwrap();
    let o = lift(&[
        "report",
        root.to_str().unwrap(),
        "--target",
        "ec2",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sizing = &report["sizing"];
    assert_eq!(
        sizing["vcpus"], sadf["sysstat"]["hosts"][0]["number-of-cpus"],
        "{sizing}"
    );
    assert_eq!(sizing["arch"], "x86_64");
    let why = sizing["as_is"]["why"].as_str().unwrap();
    assert!(
        why.contains("as /var/log/sysstat/sa07 recorded it"),
        "{why}"
    );
    assert!(sizing["right_sized"]["name"].is_string(), "{sizing}");
}
