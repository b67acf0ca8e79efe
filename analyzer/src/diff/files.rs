//! File categories: /etc/hosts by line, users and groups by name, cron by
//! line, and every other file under /etc by content (the probe's SHA-256
//! where it kept no content), like a scan compare.

use std::collections::BTreeMap;

use super::content::{self, Compared, FileState};
use super::hosts::pair;
use super::{Change, Expectations, NotComparable};

use crate::snapshot::Root;

/// Files compared by their own category, not as plain /etc files.
const OWN_CATEGORY: &[&str] = &[
    "/etc/hosts",
    "/etc/passwd",
    "/etc/group",
    "/etc/crontab",
    "/etc/fstab",
];

/// Network configuration that a DHCP interface's move may rewrite, besides
/// the interface formats of the sources table.
const NETWORK_FILES: &[&str] = &[
    "/etc/resolv.conf",
    "/etc/hostname",
    "/etc/sysconfig/network",
];

fn is_network_config(path: &str) -> bool {
    use crate::sources as s;
    NETWORK_FILES.contains(&path)
        || [
            &s::IFUPDOWN,
            &s::IFCFG,
            &s::NETPLAN,
            &s::NM_CONNECTIONS,
            &s::NETWORKD,
        ]
        .iter()
        .flat_map(|src| src.paths.iter())
        .any(|glob| {
            let (gd, gn) = glob.rsplit_once('/').unwrap_or(("", glob));
            let (pd, pn) = path.rsplit_once('/').unwrap_or(("", path));
            gd == pd && crate::snapshot::matches(gn.as_bytes(), pn.as_bytes())
        })
}

/// Budget on the /etc walk: far more than any real /etc holds.
const MAX_ETC_ENTRIES: usize = 200_000;

pub fn compare(
    a: &Root,
    b: &Root,
    ex: &Expectations,
    so_far: &[Change],
    unseen: &mut Vec<NotComparable>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let dhcp = ex.dhcp_addresses();
    let dhcp_ifaces = ex.dhcp_interfaces();
    for (line, x, y) in lines(a, b, "/etc/hosts", "hosts", unseen) {
        let old_dhcp = ex.cloud
            && line
                .split_whitespace()
                .next()
                .is_some_and(|ip| dhcp.iter().any(|d| d == ip));
        let r = if old_dhcp {
            Some("DHCP address changed".to_string())
        } else if ex.cloud && !dhcp_ifaces.is_empty() {
            Some(format!(
                "/etc/hosts may differ: {} gets its address by DHCP on the target",
                dhcp_ifaces.join(", ")
            ))
        } else {
            None
        };
        out.push(Change::new("hosts", line, x, y).because(r));
    }
    for (path, category) in [("/etc/passwd", "users"), ("/etc/group", "groups")] {
        if !readable(a, b, path, category, unseen) {
            continue;
        }
        let by_name = |r: &Root| -> Vec<(String, String)> {
            r.read_string(path)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| Some((l.split(':').next()?.to_string(), l.to_string())))
                .filter(|(n, _)| !n.is_empty())
                .collect()
        };
        for (name, x, y) in pair(by_name(a), by_name(b)) {
            out.push(Change::new(category, name, x, y));
        }
    }
    let mut cron = vec!["/etc/crontab".to_string()];
    cron.extend(a.glob("/etc/cron.d", "*"));
    cron.extend(b.glob("/etc/cron.d", "*"));
    cron.extend(a.glob("/var/spool/cron", "*"));
    cron.extend(b.glob("/var/spool/cron", "*"));
    cron.extend(a.glob("/var/spool/cron/crontabs", "*"));
    cron.extend(b.glob("/var/spool/cron/crontabs", "*"));
    cron.sort();
    cron.dedup();
    for path in &cron {
        for (line, x, y) in lines(a, b, path, "cron", unseen) {
            out.push(Change::new("cron", format!("{path}: {line}"), x, y));
        }
    }
    let (fa, fb) = (etc(a), etc(b));
    for (path, x, y) in pair(fa.into_iter().collect(), fb.into_iter().collect()) {
        if OWN_CATEGORY.contains(&path.as_str()) || cron.contains(&path) {
            continue;
        }
        let (x, y) = (
            x.unwrap_or(FileState::Absent),
            y.unwrap_or(FileState::Absent),
        );
        match content::compare(&x, &y) {
            Compared::Equal => {}
            Compared::NotComparable(why) => unseen.push(NotComparable {
                category: "etc",
                key: path,
                before: x.show(),
                after: y.show(),
                why,
            }),
            Compared::Changed => {
                let r = etc_reason(&path, ex, so_far);
                out.push(Change::new("etc", path, x.show(), y.show()).because(r));
            }
        }
    }
    out
}

/// Whether both sides' copies of a file compared line by line can be read:
/// equal content needs no lines, and a side that could not see the content
/// makes the file not comparable (said once, in `unseen`).
fn readable(
    a: &Root,
    b: &Root,
    path: &str,
    category: &'static str,
    unseen: &mut Vec<NotComparable>,
) -> bool {
    let (x, y) = (FileState::file(a, path), FileState::file(b, path));
    match content::compare(&x, &y) {
        Compared::Equal => false,
        Compared::NotComparable(why) => {
            unseen.push(NotComparable {
                category,
                key: path.to_owned(),
                before: x.show(),
                after: y.show(),
                why,
            });
            false
        }
        // Read line by line below; a side that is present but unreadable
        // with another size still cannot be, so it is said as such.
        Compared::Changed => {
            let hidden = |s: &FileState| matches!(s, FileState::Unseen { .. });
            if hidden(&x) || hidden(&y) {
                let why = [("before", &x), ("after", &y)]
                    .iter()
                    .filter_map(|(side, s)| match s {
                        FileState::Unseen { why, .. } => Some(format!("{side}: {why}")),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                unseen.push(NotComparable {
                    category,
                    key: path.to_owned(),
                    before: x.show(),
                    after: y.show(),
                    why: format!("its size changed, but {why}"),
                });
                return false;
            }
            true
        }
    }
}

/// Why a changed file under /etc is expected, if it is.
fn etc_reason(path: &str, ex: &Expectations, so_far: &[Change]) -> Option<String> {
    if !ex.cloud {
        return None;
    }
    if path == "/etc/adjtime" {
        return Some("/etc/adjtime is rewritten on new hardware".into());
    }
    if path == "/etc/default/grub" || path.starts_with("/etc/grub") {
        return Some("the boot configuration is rewritten for the target".into());
    }
    let dhcp = ex.dhcp_interfaces();
    if !dhcp.is_empty() && is_network_config(path) {
        return Some(format!(
            "network configuration may differ: {} uses DHCP, and the migration reconfigures it for the target",
            dhcp.join(", ")
        ));
    }
    // A link or file that follows an expected package or service change.
    so_far
        .iter()
        .filter(|c| c.expected && matches!(c.category, "services" | "packages"))
        .find(|c| {
            let name = c.key.split('.').next().unwrap_or(&c.key);
            path.rsplit('/')
                .next()
                .is_some_and(|leaf| leaf.contains(name))
                || (name == "cloud-init" && path.starts_with("/etc/cloud/"))
                || (name.eq_ignore_ascii_case("walinuxagent") && path.starts_with("/etc/waagent"))
        })
        .map(|c| format!("follows the expected change of {}", c.key))
}

/// Line-level differences of one file: (line, present before, present after).
fn lines(
    a: &Root,
    b: &Root,
    path: &str,
    category: &'static str,
    unseen: &mut Vec<NotComparable>,
) -> Vec<(String, Option<String>, Option<String>)> {
    if !readable(a, b, path, category, unseen) {
        return Vec::new();
    }
    let set = |r: &Root| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = r
            .read_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                (
                    l.split_whitespace().collect::<Vec<_>>().join(" "),
                    "present".to_string(),
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    pair(set(a), set(b))
}

/// Every object under /etc, by path.
fn etc(r: &Root) -> BTreeMap<String, FileState> {
    let mut out = BTreeMap::new();
    let mut todo = vec!["/etc".to_string()];
    while let Some(dir) = todo.pop() {
        for c in r.list(&dir).unwrap_or_default() {
            if out.len() >= MAX_ETC_ENTRIES {
                return out;
            }
            let path = format!("{dir}/{}", String::from_utf8_lossy(&c.name));
            let state = FileState::of(r, &path, c.kind, c.link_target.as_deref());
            match state {
                FileState::Dir => todo.push(path.clone()),
                FileState::Absent => continue,
                _ => {}
            }
            out.insert(path, state);
        }
    }
    out
}
