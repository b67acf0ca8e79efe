//! An OpenRC root (fixtures/alpine-openrc) through both programs: the probe
//! collects /etc/runlevels and the init scripts, and the analyzer lists
//! every service of every runlevel as enabled, in that runlevel.

use std::collections::BTreeMap;

use lift_tests::{fixture, probe, report_json, Scratch};

#[test]
fn probe_and_report_list_each_runlevel_enabled() {
    let dir = Scratch::new("openrc");
    let bundle = dir.join("alpine.lift");
    probe(Some(&fixture("alpine-openrc")), &bundle, &["-q"]);
    let report = report_json(&bundle, "generic");
    let host = &report["host"];
    assert_eq!(host["init"]["system"], "openrc", "{}", host["init"]);
    let mut by_level: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in host["services"].as_array().expect("services") {
        assert_eq!(s["init"], "openrc");
        let levels = s["runlevel_names"].as_array().unwrap();
        assert_eq!(s["enabled"], !levels.is_empty(), "{}", s["name"]);
        for l in levels {
            by_level
                .entry(l.as_str().unwrap().to_string())
                .or_default()
                .push(s["name"].as_str().unwrap().to_string());
        }
    }
    // What `ls /etc/runlevels/LEVEL` shows in the fixture.
    for (level, names) in &by_level {
        let mut want: Vec<String> =
            std::fs::read_dir(fixture("alpine-openrc/etc/runlevels").join(level))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| !n.starts_with('.'))
                .collect();
        want.sort();
        assert_eq!(names, &want, "{level}");
    }
    assert_eq!(
        by_level.keys().collect::<Vec<_>>(),
        ["boot", "default", "shutdown", "sysinit"]
    );
}
