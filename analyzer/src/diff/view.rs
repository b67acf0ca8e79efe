//! What a person reads first: which machines the two inputs are (a loud
//! warning where they are different machines), their systems side by side,
//! then a count per category, then each category with its reason said once.
//! The JSON keeps every change with its own reason (`DiffReport`); this is
//! the templates' context on top of it.

use serde::Serialize;

use super::{Change, DiffReport, NotComparable};
use crate::fleet::identity::{is_default_hostname, Identity};
use crate::model::{Host, Loader};

/// One input as a machine: what tells it from others.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub hostname: Option<String>,
    /// The first 12 hex digits of the machine-id's SHA-256.
    pub machine_id: Option<String>,
    pub product_uuid: Option<String>,
    pub macs: Vec<String>,
}

/// Both inputs as machines, and whether they are one.
#[derive(Debug, Clone, Serialize)]
pub struct Identities {
    pub before: Side,
    pub after: Side,
    /// `same machine`, `different machines` or `cannot tell`.
    pub verdict: &'static str,
    /// What differs between the two: `hostname`, `machine-id`, `MACs`.
    pub differs: Vec<&'static str>,
}

impl Identities {
    /// A migration keeps the disk, so the machine-id; its MACs change and
    /// the host name may. So: the machine-id where both have one, else the
    /// host name where both have one (not a default), else cannot tell.
    pub fn new(a: &Host, b: &Host) -> Identities {
        let (x, y) = (Identity::of(a), Identity::of(b));
        let name = |h: &Host, i: &Identity| {
            i.hostname
                .clone()
                .or_else(|| h.hostname.clone().filter(|n| !is_default_hostname(n)))
        };
        let side = |h: &Host, i: &Identity| Side {
            hostname: name(h, i),
            machine_id: i.machine_id.as_ref().map(|m| m.chars().take(12).collect()),
            product_uuid: i.product_uuid.clone(),
            macs: i.macs.clone(),
        };
        let (before, after) = (side(a, &x), side(b, &y));
        let differ = |p: Option<&String>, q: Option<&String>| p.zip(q).map(|(p, q)| p != q);
        let mid = differ(x.machine_id.as_ref(), y.machine_id.as_ref());
        let host = differ(before.hostname.as_ref(), after.hostname.as_ref());
        let macs = (!x.macs.is_empty() && !y.macs.is_empty()).then(|| x.macs != y.macs);
        let verdict = match mid.or(host) {
            Some(true) => "different machines",
            Some(false) => "same machine",
            None => "cannot tell",
        };
        let differs = [(host, "hostname"), (mid, "machine-id"), (macs, "MACs")]
            .iter()
            .filter(|(d, _)| *d == Some(true))
            .map(|(_, n)| *n)
            .collect();
        Identities {
            before,
            after,
            verdict,
            differs,
        }
    }
}

/// One line of the system table.
#[derive(Debug, Clone, Serialize)]
pub struct SystemRow {
    pub what: &'static str,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

fn os(h: &Host) -> Option<String> {
    h.os.pretty_name
        .clone()
        .or_else(|| match (&h.os.id, &h.os.version_id) {
            (Some(i), Some(v)) => Some(format!("{i} {v}")),
            (Some(i), None) => Some(i.clone()),
            _ => None,
        })
}

fn init(h: &Host) -> Option<String> {
    h.init.system.and_then(|s| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    })
}

fn loader(h: &Host) -> Option<String> {
    (h.boot.loader != Loader::Unknown).then(|| format!("{} ({})", h.boot.loader, h.boot.firmware))
}

/// Whether the boot differs: the loaders where both are known, the
/// firmware (bios, uefi) where both are known. An image or a tree has no
/// /sys/firmware, so its firmware is unknown: that is no change.
fn boot_differs(a: &Host, b: &Host) -> bool {
    let known = |v: &str| v != "unknown";
    let differ = |x: &str, y: &str| known(x) && known(y) && x != y;
    differ(a.boot.loader.name(), b.boot.loader.name())
        || differ(a.boot.firmware.name(), b.boot.firmware.name())
}

/// One line of the system table: its label, and how to read it off a host.
type SystemFact = (&'static str, fn(&Host) -> Option<String>);

/// OS, kernel, init system, boot loader and architecture of both sides;
/// `changed` only where both are known and differ.
pub fn system(a: &Host, b: &Host) -> Vec<SystemRow> {
    let rows: [SystemFact; 5] = [
        ("OS", os),
        ("Kernel", |h| h.kernel.release.clone()),
        ("Init system", init),
        ("Boot loader", loader),
        ("Architecture", |h| h.kernel.arch.clone()),
    ];
    rows.iter()
        .map(|(what, f)| {
            let (x, y) = (f(a), f(b));
            SystemRow {
                what,
                changed: if *what == "Boot loader" {
                    boot_differs(a, b)
                } else {
                    x.is_some() && y.is_some() && x != y
                },
                before: x.unwrap_or_else(|| "unknown".into()),
                after: y.unwrap_or_else(|| "unknown".into()),
            }
        })
        .collect()
}

/// The `os` category's rows for init system, boot loader and architecture
/// (OS, kernel and host name are compared in `hosts`).
pub fn system_changes(a: &Host, b: &Host) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, x, y) in [
        ("init system", init(a), init(b)),
        ("boot loader", loader(a), loader(b)),
        ("architecture", a.kernel.arch.clone(), b.kernel.arch.clone()),
    ] {
        let changed = if key == "boot loader" {
            boot_differs(a, b)
        } else {
            x.is_some() && y.is_some() && x != y
        };
        if changed {
            out.push(Change::new("os", key, x, y));
        }
    }
    out
}

/// A change as its category's table shows it: its reason only where it is
/// not the category's common one.
#[derive(Debug, Serialize)]
struct Row<'r> {
    key: &'r str,
    before: Option<&'r str>,
    after: Option<&'r str>,
    expected: bool,
    reason: Option<&'r str>,
}

#[derive(Debug, Serialize)]
struct Category<'r> {
    name: &'r str,
    unexpected: usize,
    expected: usize,
    not_comparable: usize,
    /// The reason most unexpected (expected) rows share, said once.
    unexpected_reason: Option<&'r str>,
    expected_reason: Option<&'r str>,
    /// Rows of the category that give a reason of their own instead.
    own_reasons: usize,
    rows: Vec<Row<'r>>,
    unseen: Vec<&'r NotComparable>,
}

/// The order categories are shown in: the system, then software, then
/// network, then files. Others follow by name.
const ORDER: &[&str] = &[
    "os",
    "packages",
    "packages upgraded",
    "packages downgraded",
    "services",
    "listeners",
    "mounts",
    "fstab",
    "interfaces",
    "hosts",
    "users",
    "groups",
    "cron",
    "etc",
];

/// The reason most rows share (the first of equals), said once for the
/// category: every row's where there is one row, else one at least two
/// rows give. Rows with another reason keep theirs (fstab: the root line's
/// own reason beside the profile's on the others).
fn common<'r>(rows: impl Iterator<Item = &'r Change>) -> Option<&'r str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut total = 0;
    for r in rows {
        total += 1;
        let Some(reason) = r.reason.as_deref() else {
            continue;
        };
        match counts.iter_mut().find(|(x, _)| *x == reason) {
            Some(c) => c.1 += 1,
            None => counts.push((reason, 1)),
        }
    }
    let mut best: Option<(&str, usize)> = None;
    for (reason, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((reason, n));
        }
    }
    best.filter(|&(_, n)| n >= 2 || n == total).map(|(r, _)| r)
}

fn categories(r: &DiffReport) -> Vec<Category<'_>> {
    let mut names: Vec<&str> = r
        .changes
        .iter()
        .map(|c| c.category)
        .chain(r.not_comparable.iter().map(|n| n.category))
        .collect();
    names.sort_by_key(|n| (ORDER.iter().position(|o| o == n).unwrap_or(ORDER.len()), *n));
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let of = |expected: bool| {
                r.changes
                    .iter()
                    .filter(move |c| c.category == name && c.expected == expected)
            };
            let (unexpected_reason, expected_reason) = (common(of(false)), common(of(true)));
            let rows: Vec<Row> = of(false)
                .chain(of(true))
                .map(|c| {
                    let shared = if c.expected {
                        expected_reason
                    } else {
                        unexpected_reason
                    };
                    Row {
                        key: &c.key,
                        before: c.before.as_deref(),
                        after: c.after.as_deref(),
                        expected: c.expected,
                        reason: c.reason.as_deref().filter(|r| Some(*r) != shared),
                    }
                })
                .collect();
            let unseen: Vec<&NotComparable> = r
                .not_comparable
                .iter()
                .filter(|n| n.category == name)
                .collect();
            Category {
                name,
                unexpected: of(false).count(),
                expected: of(true).count(),
                not_comparable: unseen.len(),
                own_reasons: rows.iter().filter(|r| r.reason.is_some()).count(),
                unexpected_reason,
                expected_reason,
                rows,
                unseen,
            }
        })
        .collect()
}

/// The templates' context: the report, and its changes by category.
pub fn context(r: &DiffReport) -> minijinja::Value {
    let unexpected = r.changes.iter().filter(|c| !c.expected).count();
    minijinja::context! {
        source => &r.source,
        target => &r.target,
        profile => r.profile,
        identity => minijinja::Value::from_serialize(&r.identity),
        system => minijinja::Value::from_serialize(&r.system),
        unexpected => unexpected,
        expected => r.changes.len() - unexpected,
        not_comparable => r.not_comparable.len(),
        categories => minijinja::Value::from_serialize(categories(r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(category: &'static str, key: &str, expected: bool, reason: &str) -> Change {
        Change {
            category,
            key: key.into(),
            before: Some("a".into()),
            after: None,
            expected,
            reason: Some(reason.into()),
        }
    }

    /// Issue 24: the same 170-character reason on each of 1,815 rows.
    #[test]
    fn a_shared_reason_is_said_once() {
        let r = DiffReport {
            source: "a".into(),
            target: "b".into(),
            profile: "generic",
            identity: None,
            system: Vec::new(),
            changes: vec![
                change("etc", "/etc/a", false, "the profile expects no change"),
                change("etc", "/etc/b", false, "the profile expects no change"),
                change("os", "kernel", false, "kernel changed"),
                change("os", "hostname", false, "host renamed"),
            ],
            not_comparable: Vec::new(),
        };
        let cats = categories(&r);
        assert_eq!(
            cats.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["os", "etc"]
        );
        assert_eq!(
            cats[1].unexpected_reason,
            Some("the profile expects no change")
        );
        assert!(cats[1].rows.iter().all(|r| r.reason.is_none()));
        assert_eq!(cats[0].unexpected_reason, None);
        assert!(cats[0].rows.iter().all(|r| r.reason.is_some()));
    }

    /// Issue 24: fstab between two hosts gave the generic profile's
    /// 170-character reason on six rows, the root line having its own.
    #[test]
    fn the_most_shared_reason_is_said_once_and_others_keep_theirs() {
        let generic = "the generic profile expects no change";
        let mut changes: Vec<Change> = ["/boot", "/tmp", "/proc"]
            .iter()
            .map(|k| change("fstab", k, false, generic))
            .collect();
        changes.insert(0, change("fstab", "/", false, "the root line changed"));
        changes.push(change("fstab", "swap", false, "the root line changed"));
        changes.push(change("etc", "/etc/x", false, "one"));
        changes.push(change("etc", "/etc/y", false, "two"));
        let r = DiffReport {
            source: "a".into(),
            target: "b".into(),
            profile: "generic",
            identity: None,
            system: Vec::new(),
            changes,
            not_comparable: Vec::new(),
        };
        let cats = categories(&r);
        let fstab = cats.iter().find(|c| c.name == "fstab").unwrap();
        assert_eq!(fstab.unexpected_reason, Some(generic));
        let own: Vec<(&str, Option<&str>)> = fstab.rows.iter().map(|r| (r.key, r.reason)).collect();
        assert_eq!(
            own,
            [
                ("/", Some("the root line changed")),
                ("/boot", None),
                ("/tmp", None),
                ("/proc", None),
                ("swap", Some("the root line changed"))
            ]
        );
        assert_eq!(fstab.own_reasons, 2);
        // Two rows, two reasons: neither is the category's.
        let etc = cats.iter().find(|c| c.name == "etc").unwrap();
        assert_eq!(etc.unexpected_reason, None);
        assert_eq!(etc.own_reasons, 2);
    }
}
