//! Fact provenance end to end: a check that lacks its facts says `unknown`
//! and which source was missing and in what state (absent, broken,
//! not-collected), and an input with no readable package database, or with
//! nothing in it, is never ready for any profile.

use std::path::Path;

use lift_tests::{copy_tree, fixture, lift, probe_bundle, report_json, statvfs, uname, Scratch};
use serde_json::Value;

const PROFILES: &[&str] = &["generic", "aws-mgn", "ec2", "openstack", "azure"];

fn finding<'v>(report: &'v Value, id: &str) -> &'v Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

fn missing_states(f: &Value) -> Vec<(String, String)> {
    f["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["source"].as_str().unwrap().to_string(),
                m["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A copy of the ready fixture with /proc/meminfo replaced (or removed).
fn with_meminfo(s: &Scratch, name: &str, meminfo: Option<&str>) -> std::path::PathBuf {
    let root = s.join(name);
    copy_tree(&fixture("mgn/ready-debian12"), &root);
    let path = root.join("proc/meminfo");
    match meminfo {
        Some(text) => std::fs::write(&path, text).unwrap(),
        None => std::fs::remove_file(&path).unwrap(),
    }
    root
}

#[test]
fn free_ram_says_broken_or_absent() {
    let s = Scratch::new("provenance-meminfo");
    let broken = with_meminfo(&s, "broken", Some("this is not a meminfo file\n\x00\x01\n"));
    let r = report_json(&broken, "aws-mgn");
    let f = finding(&r, "mgn.free-ram");
    assert_eq!(f["severity"], "unknown");
    assert_eq!(
        missing_states(f),
        [("/proc/meminfo".to_string(), "broken".to_string())]
    );
    assert_eq!(f["missing"][0]["spec"], "hw");
    assert!(
        !f["missing"][0]["detail"].as_str().unwrap().is_empty(),
        "{f}"
    );

    let absent = with_meminfo(&s, "absent", None);
    let r = report_json(&absent, "aws-mgn");
    let f = finding(&r, "mgn.free-ram");
    assert_eq!(f["severity"], "unknown");
    assert_eq!(
        missing_states(f),
        [("/proc/meminfo".to_string(), "absent".to_string())]
    );
}

#[test]
fn a_directory_tree_has_no_statvfs() {
    let r = report_json(&fixture("mgn/ready-debian12"), "aws-mgn");
    for id in ["mgn.root-free-space", "mgn.tmp-free-space"] {
        let f = finding(&r, id);
        assert_eq!(f["severity"], "unknown", "{f}");
        let states = missing_states(f);
        assert_eq!(states.len(), 1, "{f}");
        assert_eq!(states[0].1, "not-collected", "{f}");
    }
    // The same tree through the probe, with statvfs facts: no longer unknown.
    let s = Scratch::new("provenance-statvfs");
    let out = s.join("ready.json");
    probe_bundle(
        &fixture("mgn/ready-debian12"),
        vec![uname("h", "6.1.0-18-amd64"), statvfs("/", 8 << 30)],
        true,
        &out,
    );
    let r = report_json(&out, "aws-mgn");
    assert_eq!(finding(&r, "mgn.root-free-space")["severity"], "pass");
    assert!(finding(&r, "mgn.root-free-space")["missing"]
        .as_array()
        .unwrap()
        .is_empty());
}

fn check_code(input: &Path, profile: &str) -> i32 {
    let o = lift(&["check", input.to_str().unwrap(), "--target", profile]);
    o.status.code().unwrap_or(-1)
}

#[test]
fn nothing_readable_is_never_ready() {
    let s = Scratch::new("provenance-empty");
    let empty_dir = s.join("empty");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let empty_json = s.join("empty.json");
    std::fs::write(&empty_json, r#"{"format_version":1,"records":[]}"#).unwrap();
    let garbage = s.join("garbage-rpmdb");
    std::fs::create_dir_all(garbage.join("var/lib/rpm")).unwrap();
    // A root filesystem (etc/ at its top) whose only package database is garbage.
    std::fs::create_dir_all(garbage.join("etc")).unwrap();
    std::fs::write(
        garbage.join("var/lib/rpm/Packages"),
        b"\x00\x00\x00\x00 not a Berkeley DB hash file \xff\xfe".repeat(200),
    )
    .unwrap();
    for input in [&empty_json, &garbage] {
        for p in PROFILES {
            assert_eq!(check_code(input, p), 3, "{} for {p}", input.display());
        }
    }
    // An empty directory is no root filesystem at all: refused (exit 2),
    // not judged.
    for p in PROFILES {
        assert_eq!(
            check_code(&empty_dir, p),
            2,
            "{} for {p}",
            empty_dir.display()
        );
    }
    let r = report_json(&garbage, "ec2");
    assert_eq!(r["readiness"], "unknown");
    let f = finding(&r, "gen.packages");
    assert_eq!(f["severity"], "unknown");
    assert!(
        missing_states(f).contains(&("/var/lib/rpm/Packages".into(), "broken".into())),
        "{f}"
    );
}

/// Every unknown finding, on every fixture root and profile, names what it
/// lacked: an unknown without a reason is a guess in disguise.
#[test]
fn every_unknown_names_its_missing_sources() {
    for root in [
        "debian12-systemd",
        "centos6-sysv",
        "ubuntu1404-upstart",
        "mgn/ready-debian12",
    ] {
        for p in PROFILES {
            let r = report_json(&fixture(root), p);
            for f in r["findings"].as_array().unwrap() {
                if f["severity"] == "unknown" {
                    assert!(
                        !f["missing"].as_array().unwrap().is_empty(),
                        "{root} {p}: {f}"
                    );
                }
            }
        }
    }
}
