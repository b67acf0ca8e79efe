//! Which machines the two inputs are (a loud warning where they are
//! different machines), and their systems side by side: what
//! `report::diff::DiffReport` shows before the changes.

use serde::Serialize;

use super::Change;
use crate::model::identity::{is_default_hostname, Identity};
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
