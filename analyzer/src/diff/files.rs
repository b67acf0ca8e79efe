//! File categories: /etc/hosts by line, users and groups by name, cron by
//! line, and every other file under /etc by content (the probe's SHA-256
//! where it kept no content), like a scan compare.

use super::content::{self, Compared, FileState};
use super::hosts::pair;
use super::{Change, Expectations, NotComparable};

use crate::model::{EtcTree, Files, TextFile};
use crate::sources::{self as src, marks};

/// Files compared by their own category, not as plain /etc files.
fn own_category(path: &str) -> bool {
    [
        &src::ETC_HOSTS,
        &src::ETC_PASSWD,
        &src::ETC_GROUP,
        &src::CRONTAB,
        &src::FSTAB,
    ]
    .iter()
    .any(|s| s.path() == path)
}

/// Network configuration that a DHCP interface's move may rewrite: the
/// resolver, the host name, and the interface formats of the sources table.
fn is_network_config(path: &str) -> bool {
    path == src::RESOLV_CONF.path()
        || path == src::ETC_HOSTNAME.path()
        || path == src::marks::NETWORK_FILE
        || [
            &src::IFUPDOWN,
            &src::IFCFG,
            &src::NETPLAN,
            &src::NM_CONNECTIONS,
            &src::NETWORKD,
        ]
        .iter()
        .flat_map(|s| s.paths.iter())
        .any(|glob| {
            let (gd, gn) = glob.rsplit_once('/').unwrap_or(("", glob));
            let (pd, pn) = path.rsplit_once('/').unwrap_or(("", path));
            gd == pd && lift_bundle::paths::matches(gn.as_bytes(), pn.as_bytes())
        })
}

pub fn compare(
    (a, b): (&Files, &Files),
    (ta, tb): (&EtcTree, &EtcTree),
    ex: &Expectations,
    so_far: &[Change],
    unseen: &mut Vec<NotComparable>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let dhcp = ex.dhcp_addresses();
    let dhcp_ifaces = ex.dhcp_interfaces();
    let absent = TextFile {
        state: FileState::Absent,
        text: None,
    };
    let hosts = src::ETC_HOSTS.path();
    for (line, x, y) in lines(&a.hosts, &b.hosts, hosts, "hosts", unseen) {
        let old_dhcp = ex.cloud
            && line
                .split_whitespace()
                .next()
                .is_some_and(|ip| dhcp.iter().any(|d| d == ip));
        let r = if old_dhcp {
            Some("DHCP address changed".to_string())
        } else if ex.cloud && !dhcp_ifaces.is_empty() {
            Some(format!(
                "{hosts} may differ: {} gets its address by DHCP on the target",
                dhcp_ifaces.join(", ")
            ))
        } else {
            None
        };
        out.push(Change::new("hosts", line, x, y).because(r));
    }
    for (x, y, path, category) in [
        (&a.passwd, &b.passwd, src::ETC_PASSWD.path(), "users"),
        (&a.group, &b.group, src::ETC_GROUP.path(), "groups"),
    ] {
        // A host has its users and groups: a side without the file did
        // not see it, and shows no user as removed.
        if !readable(x, y, path, category, false, unseen) {
            continue;
        }
        let by_name = |t: &TextFile| -> Vec<(String, String)> {
            t.text
                .as_deref()
                .unwrap_or_default()
                .lines()
                .filter_map(|l| Some((l.split(':').next()?.to_string(), l.to_string())))
                .filter(|(n, _)| !n.is_empty())
                .collect()
        };
        for (name, x, y) in pair(by_name(x), by_name(y)) {
            out.push(Change::new(category, name, x, y));
        }
    }
    let mut cron: Vec<&str> = a
        .cron
        .iter()
        .chain(&b.cron)
        .map(|(p, _)| p.as_str())
        .collect();
    cron.sort();
    cron.dedup();
    let side = |f: &'_ Files, path: &str| {
        f.cron
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| absent.clone())
    };
    for path in &cron {
        let (x, y) = (side(a, path), side(b, path));
        for (line, x, y) in lines(&x, &y, path, "cron", unseen) {
            out.push(Change::new("cron", format!("{path}: {line}"), x, y));
        }
    }
    for (path, x, y) in pair(
        ta.files.clone().into_iter().collect(),
        tb.files.clone().into_iter().collect(),
    ) {
        if own_category(&path) || cron.contains(&path.as_str()) {
            continue;
        }
        // A side whose directory above the file was not listed does not
        // know whether the file is there.
        let (x, y) = (
            x.unwrap_or_else(|| not_listed(ta, &path)),
            y.unwrap_or_else(|| not_listed(tb, &path)),
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
    // A whole side without /etc's listing: said once, not file by file.
    for (side, t) in [("before", ta), ("after", tb)] {
        if let Some((dir, why)) = t.unlisted.iter().find(|(d, _)| d == src::ETC_TREE.path()) {
            unseen.push(NotComparable {
                category: "etc",
                key: dir.clone(),
                before: None,
                after: None,
                why: format!("{side}: {why}"),
            });
        }
    }
    out
}

fn not_listed(t: &EtcTree, path: &str) -> FileState {
    match t.unknown(path) {
        Some(why) => FileState::Unseen {
            size: None,
            why: why.to_string(),
        },
        None => FileState::Absent,
    }
}

/// Whether both sides' copies of a file compared line by line can be read:
/// equal content needs no lines, and a side that could not see the content
/// makes the file not comparable (said once, in `unseen`). A side without
/// the file is compared as empty only where a host may lack it (`absent_ok`).
fn readable(
    a: &TextFile,
    b: &TextFile,
    path: &str,
    category: &'static str,
    absent_ok: bool,
    unseen: &mut Vec<NotComparable>,
) -> bool {
    let (x, y) = (&a.state, &b.state);
    let mut not_comparable = |why: String| {
        unseen.push(NotComparable {
            category,
            key: path.to_owned(),
            before: x.show(),
            after: y.show(),
            why,
        });
        false
    };
    match content::compare(x, y) {
        Compared::Equal => false,
        Compared::NotComparable(why) => not_comparable(why),
        // Read line by line below: each side needs its text, or to be
        // absent where a host may lack the file.
        Compared::Changed => {
            let why = [("before", a), ("after", b)]
                .iter()
                .filter_map(|(side, t)| match (&t.state, &t.text) {
                    (_, Some(_)) => None,
                    (FileState::Absent, None) if absent_ok => None,
                    (FileState::Absent, None) => Some(format!("{side}: {path} is absent")),
                    (FileState::Unseen { why, .. }, None) => Some(format!("{side}: {why}")),
                    (FileState::Content { .. }, None) => {
                        Some(format!("{side}: only its SHA-256 was captured"))
                    }
                    (s, None) => Some(format!(
                        "{side}: {}",
                        s.show().unwrap_or_else(|| "not a file".into())
                    )),
                })
                .collect::<Vec<_>>()
                .join("; ");
            if why.is_empty() {
                return true;
            }
            let is = |f: fn(&FileState) -> bool| f(x) || f(y);
            let what = if is(|s| matches!(s, FileState::Absent)) {
                "it is on one side only"
            } else if is(|s| matches!(s, FileState::Unseen { .. })) {
                "its size changed"
            } else {
                "it changed"
            };
            not_comparable(format!("{what}, but {why}"))
        }
    }
}

/// Why a changed file under /etc is expected, if it is.
fn etc_reason(path: &str, ex: &Expectations, so_far: &[Change]) -> Option<String> {
    if !ex.cloud {
        return None;
    }
    if path == marks::ADJTIME {
        return Some(format!("{path} is rewritten on new hardware"));
    }
    if path == marks::BOOT_CONFIG[0] || path.starts_with(marks::BOOT_CONFIG[1]) {
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
                || (name == "cloud-init" && path.starts_with(marks::CLOUD_INIT_DIR))
                || (name.eq_ignore_ascii_case("walinuxagent") && path.starts_with(marks::WAAGENT))
        })
        .map(|c| format!("follows the expected change of {}", c.key))
}

/// Line-level differences of one file: (line, present before, present after).
fn lines(
    a: &TextFile,
    b: &TextFile,
    path: &str,
    category: &'static str,
    unseen: &mut Vec<NotComparable>,
) -> Vec<(String, Option<String>, Option<String>)> {
    if !readable(a, b, path, category, true, unseen) {
        return Vec::new();
    }
    let set = |t: &TextFile| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = t
            .text
            .as_deref()
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
