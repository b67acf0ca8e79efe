//! The Host model's categories, matched by identity: packages by name and
//! arch, services by name (a SysV script and a systemd unit of one name are
//! one service), listeners by protocol and port, mounts by mount point,
//! interfaces by name.

use std::collections::BTreeMap;
use std::fmt::Debug;

use super::{Change, Expectations, NotComparable};
use crate::model::{DeviceSpec, FstabEntry};
use crate::model::{Host, Packages};
use crate::model::{InstalledPackage, PackageManager};
use crate::version::{dpkg_version_cmp, rpm_evr_cmp};

/// Pairs two keyed lists: (key, before, after) for every key whose values differ.
pub(super) fn pair<K: Ord + Clone, V: PartialEq + Clone>(
    a: Vec<(K, V)>,
    b: Vec<(K, V)>,
) -> Vec<(K, Option<V>, Option<V>)> {
    let mut m: BTreeMap<K, (Option<V>, Option<V>)> = BTreeMap::new();
    for (k, v) in a {
        m.entry(k).or_default().0 = Some(v);
    }
    for (k, v) in b {
        m.entry(k).or_default().1 = Some(v);
    }
    m.into_iter()
        .filter(|(_, (x, y))| x != y)
        .map(|(k, (x, y))| (k, x, y))
        .collect()
}

fn show<T: Debug>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|| "unknown".into())
}

pub fn compare(
    a: &Host,
    b: &Host,
    ex: &Expectations,
    unseen: &mut Vec<NotComparable>,
) -> Vec<Change> {
    let mut out = Vec::new();
    // A default host name ("unknown", "localhost") names nothing, and a
    // side that does not know a value is no change (the identity block of
    // the report shows both sides).
    let name = |h: &Host| {
        h.hostname
            .clone()
            .filter(|n| !crate::model::identity::is_default_hostname(n))
    };
    for (key, x, y) in [
        ("os", a.os.pretty_name.clone(), b.os.pretty_name.clone()),
        ("kernel", a.kernel.release.clone(), b.kernel.release.clone()),
        ("hostname", name(a), name(b)),
    ] {
        if x.is_some() && y.is_some() && x != y {
            let reason = (key == "kernel"
                && ex.cloud
                && a.virtualization.kind == crate::model::VirtKind::XenPv)
                .then(|| "a paravirtualized source boots a new kernel on the target".to_string());
            out.push(Change::new("os", key, x, y).because(reason));
        }
    }
    packages(a, b, ex, &mut out);
    services(a, b, ex, &mut out);
    let listeners = |h: &Host| {
        h.listeners
            .iter()
            .flatten()
            .filter(|l| l.proto != "unix")
            .map(|l| {
                (
                    format!("{}/{}", l.proto, l.port.unwrap_or(0)),
                    l.program.clone().unwrap_or_else(|| "listening".into()),
                )
            })
            .collect::<Vec<_>>()
    };
    if a.listeners.is_some() && b.listeners.is_some() {
        for (k, x, y) in pair(dedup(listeners(a)), dedup(listeners(b))) {
            out.push(Change::new("listeners", k, x, y));
        }
    }
    let mounts = |h: &Host| {
        h.mounts
            .iter()
            .flatten()
            .map(|m| {
                (
                    m.mount_point.clone(),
                    format!("{} {}", m.source.clone().unwrap_or_default(), m.fs_type),
                )
            })
            .collect::<Vec<_>>()
    };
    if a.mounts.is_some() && b.mounts.is_some() {
        for (k, x, y) in pair(mounts(a), mounts(b)) {
            let nfs = x
                .as_deref()
                .is_some_and(|v| v.ends_with(" nfs") || v.ends_with(" nfs4"))
                && y.is_none();
            let reason = (ex.cloud && nfs)
                .then(|| "NFS mounts are dropped in a cloud migration".to_string());
            out.push(Change::new("mounts", k, x, y).because(reason));
        }
    }
    fstab(a, b, ex, &mut out, unseen);
    interfaces(a, b, ex, &mut out);
    out
}

/// /etc/fstab by mount point: which lines went, came or changed (source,
/// type, options). A dropped NFS line is what a cloud migration does; any
/// other change to how a filesystem is found can leave the target unable to
/// mount it, and the migration does not rewrite fstab.
/// Whether two lines are one but for values the probe scrubbed on one
/// side (`credentials=<redacted>`).
fn equal_but_scrubbed(x: &str, y: &str) -> bool {
    const SCRUBBED: &str = "<redacted>";
    let words = |s: &str| -> Vec<String> { s.split([' ', ',']).map(str::to_owned).collect() };
    let (wx, wy) = (words(x), words(y));
    (x.contains(SCRUBBED) || y.contains(SCRUBBED))
        && wx.len() == wy.len()
        && wx.iter().zip(&wy).all(|(p, q)| {
            p == q
                || [(p, q), (q, p)].iter().any(|(r, o)| {
                    r.strip_suffix(SCRUBBED)
                        .is_some_and(|key| key.ends_with('=') && o.starts_with(key))
                })
        })
}

fn fstab(
    a: &Host,
    b: &Host,
    ex: &Expectations,
    out: &mut Vec<Change>,
    unseen: &mut Vec<NotComparable>,
) {
    let (Some(ea), Some(eb)) = (&a.fstab.entries, &b.fstab.entries) else {
        return;
    };
    let lines = |entries: &[FstabEntry]| {
        entries
            .iter()
            .map(|e| {
                let key = if e.is_swap() {
                    format!("swap {}", device(&e.device))
                } else {
                    e.mount_point.clone()
                };
                let opts: Vec<String> = e
                    .options
                    .iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{k}={v}"),
                        None => k.clone(),
                    })
                    .collect();
                (
                    key,
                    (
                        format!("{} {} {}", device(&e.device), e.fs_type, opts.join(",")),
                        e.is_network(),
                    ),
                )
            })
            .collect::<Vec<_>>()
    };
    for (key, x, y) in pair(lines(ea), lines(eb)) {
        if let (Some(p), Some(q)) = (&x, &y) {
            if equal_but_scrubbed(&p.0, &q.0) {
                unseen.push(NotComparable {
                    category: "fstab",
                    key,
                    before: Some(p.0.clone()),
                    after: Some(q.0.clone()),
                    why: "the probe scrubbed a secret from one side's line; the rest is the same"
                        .into(),
                });
                continue;
            }
        }
        let reason = match (&x, &y) {
            (Some((_, true)), None) if ex.cloud => {
                Some("NFS lines are dropped in a cloud migration".to_string())
            }
            _ => None,
        };
        let mut c =
            Change::new("fstab", key.clone(), x.map(|v| v.0), y.map(|v| v.0)).because(reason);
        if !c.expected && key == "/" {
            c = c.unexpected(format!(
                "the root filesystem's line changed, and no profile rewrites {}: the target may not find its root",
                crate::sources::FSTAB.path()
            ));
        }
        out.push(c);
    }
}

/// Packages new on the target that an injected package needs, directly or
/// through other new packages, each with the injected package that brought
/// it (dependencies resolved by package name in the target's database).
fn brought_in<'p>(
    pa: &'p Packages,
    pb: &'p Packages,
    ex: &Expectations,
) -> BTreeMap<&'p str, &'p str> {
    let installed = |l: &'p [InstalledPackage]| l.iter().filter(|p| p.is_installed());
    let before: std::collections::BTreeSet<&str> =
        installed(&pa.list).map(|p| p.name.as_str()).collect();
    let by_name: BTreeMap<&str, &InstalledPackage> =
        installed(&pb.list).map(|p| (p.name.as_str(), p)).collect();
    let mut brought: BTreeMap<&str, &str> = BTreeMap::new();
    let mut todo: Vec<(&str, &str)> = installed(&pb.list)
        .filter(|p| !before.contains(p.name.as_str()) && ex.added_package(&p.name).is_some())
        .map(|p| (p.name.as_str(), p.name.as_str()))
        .collect();
    while let Some((name, root)) = todo.pop() {
        let Some(p) = by_name.get(name) else { continue };
        for d in &p.depends {
            let Some((dep, _)) = by_name.get_key_value(d.as_str()) else {
                continue;
            };
            if before.contains(dep) || brought.contains_key(dep) || *dep == root {
                continue;
            }
            brought.insert(dep, root);
            todo.push((dep, root));
        }
    }
    brought
}

fn device(d: &DeviceSpec) -> String {
    match d {
        DeviceSpec::Uuid(v) => format!("UUID={v}"),
        DeviceSpec::Label(v) => format!("LABEL={v}"),
        DeviceSpec::PartUuid(v) => format!("PARTUUID={v}"),
        DeviceSpec::PartLabel(v) => format!("PARTLABEL={v}"),
        DeviceSpec::Path(v) | DeviceSpec::Network(v) | DeviceSpec::Other(v) => v.clone(),
    }
}

fn dedup<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

fn packages(a: &Host, b: &Host, ex: &Expectations, out: &mut Vec<Change>) {
    let (Some(pa), Some(pb)) = (&a.packages, &b.packages) else {
        return;
    };
    let keyed = |l: &[InstalledPackage]| {
        l.iter()
            .filter(|p| p.is_installed())
            .map(|p| {
                (
                    (p.name.clone(), p.arch.clone().unwrap_or_default()),
                    p.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let brought = brought_in(pa, pb, ex);
    for ((name, arch), x, y) in pair(keyed(&pa.list), keyed(&pb.list)) {
        let key = if arch.is_empty() {
            name.clone()
        } else {
            format!("{name}.{arch}")
        };
        let evr = |p: &InstalledPackage| match &p.release {
            Some(r) => format!("{}-{r}", p.version),
            None => p.version.clone(),
        };
        let mut c = Change::new("packages", key, x.as_ref().map(evr), y.as_ref().map(evr));
        match (&x, &y) {
            (None, Some(_)) => {
                c = c.because(ex.added_package(&name).or_else(|| {
                    brought
                        .get(name.as_str())
                        .map(|by| format!("a dependency of {by}, which the migration installs"))
                }))
            }
            (Some(p), Some(q)) => {
                let order = if p.manager == PackageManager::Dpkg {
                    dpkg_version_cmp(&p.version, &q.version)
                } else {
                    rpm_evr_cmp(
                        (p.epoch, &p.version, p.release.as_deref()),
                        (q.epoch, &q.version, q.release.as_deref()),
                    )
                };
                c.category = match order {
                    std::cmp::Ordering::Less => "packages upgraded",
                    std::cmp::Ordering::Greater => "packages downgraded",
                    std::cmp::Ordering::Equal => "packages",
                };
            }
            _ => {}
        }
        out.push(c);
    }
}

fn services(a: &Host, b: &Host, ex: &Expectations, out: &mut Vec<Change>) {
    let (Some(sa), Some(sb)) = (&a.services, &b.services) else {
        return;
    };
    // By name alone: the init system that runs it may change with the move.
    // Whether it runs is compared only where both inputs saw processes: a
    // tree or an image has no live state, and that is not a change.
    let live = |l: &[crate::model::Service]| l.iter().any(|s| s.running.is_some());
    let both_live = live(sa) && live(sb);
    let state = |s: &crate::model::Service| {
        let e = match s.enabled {
            Some(true) => "enabled",
            Some(false) => "disabled",
            None => "static",
        };
        let r = match s.running.filter(|_| both_live) {
            Some(true) => ", running",
            Some(false) => ", not running",
            None => "",
        };
        (e.to_string(), format!("{e}{r}"))
    };
    let keyed = |l: &[crate::model::Service]| {
        l.iter()
            .map(|s| (s.name.clone(), state(s)))
            .collect::<Vec<_>>()
    };
    for (name, x, y) in pair(keyed(sa), keyed(sb)) {
        let enabled_after = sb.iter().find(|s| s.name == name).and_then(|s| s.enabled);
        let enablement_changed = x.as_ref().map(|v| &v.0) != y.as_ref().map(|v| &v.0);
        let reason = if enablement_changed {
            ex.service_state(&name, enabled_after)
        } else {
            None
        };
        out.push(Change::new("services", name, x.map(|v| v.1), y.map(|v| v.1)).because(reason));
    }
}

fn interfaces(a: &Host, b: &Host, ex: &Expectations, out: &mut Vec<Change>) {
    let (Some(ia), Some(ib)) = (&a.interfaces, &b.interfaces) else {
        return;
    };
    let addrs = |l: &[crate::model::Interface]| {
        l.iter()
            .map(|i| {
                (
                    i.name.clone(),
                    (i.addresses.join(" "), i.mac.clone(), show(&Some(i.config))),
                )
            })
            .collect::<Vec<_>>()
    };
    for (name, x, y) in pair(addrs(ia), addrs(ib)) {
        if let (Some(x), Some(y)) = (&x, &y) {
            if x.0 != y.0 {
                let r = (ex.cloud && ex.dhcp(&name)).then(|| "DHCP address changed".to_string());
                out.push(
                    Change::new(
                        "interfaces",
                        format!("{name} addresses"),
                        Some(x.0.clone()),
                        Some(y.0.clone()),
                    )
                    .because(r),
                );
            }
            if x.1 != y.1 {
                let r = ex
                    .cloud
                    .then(|| "the target's network card has its own MAC".to_string());
                out.push(
                    Change::new(
                        "interfaces",
                        format!("{name} mac"),
                        x.1.clone(),
                        y.1.clone(),
                    )
                    .because(r),
                );
            }
            if x.2 != y.2 {
                out.push(Change::new(
                    "interfaces",
                    format!("{name} config"),
                    Some(x.2.clone()),
                    Some(y.2.clone()),
                ));
            }
            continue;
        }
        out.push(Change::new(
            "interfaces",
            name,
            x.map(|v| v.0),
            y.map(|v| v.0),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::equal_but_scrubbed;

    /// Issue 24: deps-office against its own bundle showed its CIFS line
    /// changed, the probe having scrubbed `credentials=` on one side.
    #[test]
    fn a_scrubbed_option_is_not_a_change() {
        let root = "//10.1.2.41/scans cifs _netdev,credentials=/root/.smbcred,uid=1000";
        let probe = "//10.1.2.41/scans cifs _netdev,credentials=<redacted>,uid=1000";
        assert!(equal_but_scrubbed(root, probe));
        assert!(equal_but_scrubbed(probe, root));
        let other = "//10.1.2.42/scans cifs _netdev,credentials=<redacted>,uid=1000";
        assert!(!equal_but_scrubbed(root, other));
        assert!(!equal_but_scrubbed(root, root));
    }
}
