//! What SECURITY.md promises, checked on a real run: every path the probe
//! opens is one it records under a spec of its table (or one of the few
//! documented exceptions), and the never-captured files are never opened.

use std::collections::BTreeSet;
use std::process::Command;

use lift_bundle::{Fact, Record};
use lift_tests::*;

/// Paths opened (successfully or not) in an strace log of open/openat.
fn opened(log: &str) -> Vec<(String, bool)> {
    log.lines()
        .filter_map(|l| {
            let start = l.find("open")?;
            let q1 = l[start..].find('"')? + start + 1;
            let q2 = l[q1..].find('"')? + q1;
            let dir = l[q2..].contains("O_DIRECTORY");
            Some((l[q1..q2].to_string(), dir))
        })
        .collect()
}

#[test]
fn every_opened_path_is_in_the_spec_table() {
    if !is_root() || Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: needs root and strace");
        return;
    }
    let probe = release_probe();
    let s = Scratch::new("strace");
    let out = s.join("live.lift");
    let log = s.join("strace.log");
    let o = run(Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat", "-o"])
        .arg(&log)
        .arg(&probe)
        .arg("-q")
        .arg("-o")
        .arg(&out));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let specs = run(Command::new(&probe).arg("--list-specs"));
    let ids: BTreeSet<String> = String::from_utf8_lossy(&specs.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 15, "{ids:?}");

    let recs = records(&out);
    let mut recorded = std::collections::HashMap::new();
    let mut devices = BTreeSet::new();
    for r in &recs {
        match r {
            Record::Entry(e) => {
                recorded.insert(e.path.to_string_lossy(), e.spec.clone());
            }
            Record::Fact(Fact::BootSector(b)) => {
                devices.insert(b.device.to_string_lossy());
            }
            _ => {}
        }
    }
    for spec in recorded.values() {
        assert!(ids.contains(spec), "an entry under unknown spec {spec}");
    }
    let partial = format!("{}.partial", out.display());
    let mut unexplained = Vec::new();
    for (path, dir) in opened(&std::fs::read_to_string(&log).unwrap()) {
        for secret in ["/etc/shadow", "/etc/gshadow"] {
            assert_ne!(path, secret, "opened {secret}");
        }
        assert!(
            !(path.contains("/ssh_host_") && path.ends_with("_key")),
            "opened a host key: {path}"
        );
        assert!(
            !path.ends_with("/environ") && !path.ends_with("/mem"),
            "opened {path}"
        );
        let explained = recorded.contains_key(&path)
            || path == partial
            // Read once at start to find network filesystems to avoid.
            || path == "/proc/self/mountinfo"
            // The ELF summary of each running program's executable.
            || (path.starts_with("/proc/") && path.ends_with("/exe"))
            // The boot sector of the disks holding / and /boot.
            || devices.contains(&path)
            // Listing a directory on the way to what was recorded below it
            // (glob expansion, /sys/block/*/slaves while finding boot disks).
            || (dir && (recorded.keys().any(|r| r.starts_with(&format!("{path}/"))) || path.starts_with("/sys/")));
        if !explained {
            unexplained.push(path);
        }
    }
    assert!(
        unexplained.is_empty(),
        "opened outside the spec table: {unexplained:?}"
    );
}
