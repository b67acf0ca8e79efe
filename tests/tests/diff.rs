//! `lift diff` end to end (issue 24 items 5 and 6).

use std::path::{Path, PathBuf};
use std::process::Command;

use lift_tests::{fixture, lift, probe, Scratch};
use serde_json::Value;

/// Every fixture root (a directory under fixtures/, or one level below,
/// holding etc/, usr/ or var/).
fn roots() -> Vec<PathBuf> {
    let is_root = |p: &Path| ["etc", "usr", "var"].iter().any(|d| p.join(d).is_dir());
    let mut out = Vec::new();
    for e in std::fs::read_dir(fixture("")).unwrap() {
        let p = e.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        if is_root(&p) {
            out.push(p);
            continue;
        }
        for e in std::fs::read_dir(&p).unwrap() {
            let q = e.unwrap().path();
            if q.is_dir() && is_root(&q) {
                out.push(q);
            }
        }
    }
    out.sort();
    out
}

fn diff_json(a: &Path, b: &Path) -> Value {
    let o = lift(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        o.status.success(),
        "lift diff {} {}: {}",
        a.display(),
        b.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Issue 24 item 5: debian12-systemd against its own bundle gave 8
/// "unexpected" changes (an empty file recorded as 0 bytes on one side and
/// by the hash of no bytes on the other; a service with no live state on
/// one side). Each root against its probe bundle, its tarball and itself:
/// no change, either way round.
#[test]
fn every_root_against_itself_has_no_changes() {
    let s = Scratch::new("diff-self");
    let roots = roots();
    assert!(roots.len() >= 20, "{roots:?}");
    let mut wrong = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        let bundle = s.join(&format!("{i}.lift"));
        probe(Some(root), &bundle, &["-q"]);
        let tarball = s.join(&format!("{i}.tar.gz"));
        let o = Command::new("tar")
            .arg("-czf")
            .arg(&tarball)
            .arg("-C")
            .arg(root)
            .arg(".")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (a, b) in [
            (root.as_path(), bundle.as_path()),
            (bundle.as_path(), root.as_path()),
            (root.as_path(), tarball.as_path()),
            (root.as_path(), root.as_path()),
        ] {
            let j = diff_json(a, b);
            let changes = j["changes"].as_array().unwrap();
            if !changes.is_empty() {
                wrong.push(format!(
                    "{} vs {}: {}",
                    a.display(),
                    b.display(),
                    serde_json::to_string(&changes[..changes.len().min(4)]).unwrap()
                ));
            }
            // Not comparable is never a change, and says why.
            for n in j["not_comparable"].as_array().unwrap() {
                assert!(!n["why"].as_str().unwrap().is_empty(), "{n}");
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
