//! The dependencies a host declares survive the probe: the bundle of a
//! root holds every file the model reads for them (the `deps` spec, the
//! iSCSI node tree, fstab, resolv.conf, ...), so `lift report` lists the
//! same dependencies from the bundle as from the directory.
//! (Regression: the scrub rule once blanked smb.conf's `password server`.)

use std::process::Command;

use lift_tests::{bin, fixture, probe, run, Scratch};

fn dependencies(input: &std::path::Path) -> Vec<serde_json::Value> {
    let o = run(Command::new(bin("lift"))
        .arg("report")
        .arg(input)
        .args(["--format", "json", "--target", "ec2"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    json["host"]["dependencies"].as_array().unwrap().clone()
}

#[test]
fn the_bundle_declares_what_the_directory_declares() {
    let s = Scratch::new("dependencies");
    let root = fixture("deps-office");
    let bundle = s.join("office.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let from_dir = dependencies(&root);
    let from_bundle = dependencies(&bundle);
    assert!(from_dir.len() >= 30, "{}", from_dir.len());
    let kinds: std::collections::BTreeSet<&str> = from_bundle
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    for k in [
        "nfs",
        "cifs",
        "ldap",
        "kerberos",
        "iscsi",
        "san",
        "ntp",
        "syslog",
        "smtp",
        "repository",
        "monitoring",
        "backup",
        "proxy",
        "dns",
    ] {
        assert!(
            kinds.contains(k),
            "{k} missing from the bundle's dependencies: {kinds:?}"
        );
    }
    // The probe scrubs secrets on a declaring line (fstab's
    // `credentials=`): the evidence may differ, nothing else.
    let without_evidence = |v: &[serde_json::Value]| -> Vec<serde_json::Value> {
        v.iter()
            .map(|d| {
                let mut d = d.clone();
                d.as_object_mut().unwrap().remove("evidence");
                d
            })
            .collect()
    };
    assert_eq!(without_evidence(&from_bundle), without_evidence(&from_dir));
}
