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
            // strace escapes a backslash as two.
            Some((l[q1..q2].replace("\\\\", "\\"), dir))
        })
        .collect()
}

/// A symlink's target as an absolute, normalized path.
fn absolute(link: &str, target: &str) -> String {
    let base = if target.starts_with('/') {
        ""
    } else {
        link.rsplit_once('/').map_or("", |(d, _)| d)
    };
    let joined = format!("{base}/{target}");
    let mut parts: Vec<&str> = Vec::new();
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Shell-style match of one name against one pattern component.
fn glob(p: &[u8], n: &[u8]) -> bool {
    match (p.first(), n.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], n) || (!n.is_empty() && glob(p, &n[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &n[1..]),
        (Some(b'['), Some(&c)) => match p.iter().position(|&b| b == b']') {
            Some(end) => p[1..end].contains(&c) && glob(&p[end + 1..], &n[1..]),
            None => false,
        },
        (Some(a), Some(b)) => a == b && glob(&p[1..], &n[1..]),
        _ => false,
    }
}

/// The directory is one a pattern's expansion walks through.
fn prefix_matches(pattern: &str, dir: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let d: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    d.len() <= p.len()
        && d.iter()
            .zip(&p)
            .all(|(d, p)| glob(p.as_bytes(), d.as_bytes()))
}

#[test]
fn every_opened_path_is_in_the_spec_table() {
    if !require(is_root(), "needs root") || !require(on_path("strace"), "needs strace") {
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
    let table = String::from_utf8_lossy(&specs.stdout).to_string();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    let ids: BTreeSet<String> = rows.iter().map(|r| r[0].to_string()).collect();
    let patterns: Vec<&str> = rows
        .iter()
        .filter(|r| r[3].starts_with('/'))
        .map(|r| r[3])
        .collect();
    assert_eq!(ids.len(), 20, "{ids:?}");

    let recs = records(&out);
    let mut recorded = std::collections::HashMap::new();
    let mut devices = BTreeSet::new();
    // Data directories the apps spec sized by a metadata-only walk.
    let mut walked = BTreeSet::new();
    // Directories reached through a recorded symlink (/run/shm -> /dev/shm).
    let mut link_targets = BTreeSet::new();
    for r in &recs {
        match r {
            Record::Entry(e) => {
                recorded.insert(e.path.to_string_lossy(), e.spec.clone());
                if let Some(t) = &e.link_target {
                    link_targets.insert(absolute(&e.path.to_string_lossy(), &t.to_string_lossy()));
                }
            }
            Record::Fact(Fact::DirUsage(d)) => {
                walked.insert(d.path.to_string_lossy());
            }
            Record::Fact(Fact::BootSector(b) | Fact::PartitionSector(b)) => {
                devices.insert(b.device.to_string_lossy());
            }
            // A boot sector that could not be read is noted with its device.
            Record::Note(n) if n.message.starts_with("boot sector") => {
                devices.extend(n.path.as_ref().map(|p| p.to_string_lossy()));
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
            // The first sector of the disks and partitions holding / and /boot.
            || devices.contains(&path)
            // Listing a directory on the way to what was recorded below it
            // (glob expansion, /sys/block/*/slaves while finding boot disks).
            || (dir
                && (recorded.keys().any(|r| r.starts_with(&format!("{path}/")))
                    || path.starts_with("/sys/")
                    || link_targets.contains(&path)
                    // The walk of a data directory lists every directory in it.
                    || walked.iter().any(|w| path == *w || path.starts_with(&format!("{w}/")))
                    || patterns.iter().any(|p| prefix_matches(p, &path))));
        if !explained {
            unexplained.push(path);
        }
    }
    assert!(
        unexplained.is_empty(),
        "opened outside the spec table: {unexplained:?}"
    );
}
