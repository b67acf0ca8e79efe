//! Declared dependencies in the fleet (issue 16): what each host's
//! configuration says it reaches for (`host.dependencies[]`), kept in the
//! host summary bounded and aggregated, then matched against the other
//! hosts of the fleet by address and by name. A match is an edge marked
//! `declared` in the dependency map; a target outside the fleet is an
//! external dependency marked the same way.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::summary::{normalize, HostSummary};
use crate::model::dependencies::{Dependency, Kind};

/// Distinct (kind, target, port) a host summary keeps: about 100 bytes
/// each, so a summary stays a few kilobytes at most whatever the
/// configuration holds (a typical host declares a dozen). Dependencies come
/// ordered by kind, address literals last, so those are the first left
/// out; the rest are counted in [`Declarations::dropped`], and
/// `dependencies.jsonl` still has every row.
pub const MAX_PER_HOST: usize = 64;

/// One target a host's configuration names, for one kind and port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    /// The kind as the report writes it (`nfs`, `ldap`, …).
    pub kind: String,
    /// As the file gives it: a host name or an address.
    pub target: String,
    pub port: Option<u16>,
    /// How many declaring lines name this kind, target and port.
    pub lines: u32,
    /// The target as an address (normalized as connections are): itself
    /// when it is one, else the address the host's /etc/hosts pins the
    /// name to; None for a name only DNS could resolve.
    pub address: Option<String>,
}

/// What a host summary keeps of `host.dependencies[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declarations {
    pub list: Vec<Declared>,
    /// Distinct targets past [`MAX_PER_HOST`], not kept.
    pub dropped: usize,
}

/// Kinds whose target is a host the dependent host connects to. A search
/// domain names no host, a SAN WWID no address, and an /etc/hosts pin says
/// how a name resolves, not that the host uses it (fleets often ship one
/// hosts file listing every server): pins only resolve the other kinds'
/// names.
pub fn reaches_host(kind: Kind) -> bool {
    !matches!(kind, Kind::DnsSearch | Kind::HostsPin | Kind::San)
}

/// A serialized enum value (`nfs`, `own-subnet`) as a plain string.
pub fn label<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// A target as the fleet compares it: lowercase, without the DNS root's
/// dot or an IPv6 literal's brackets.
pub fn clean(target: &str) -> String {
    let t = target.trim().trim_end_matches('.');
    let t = t
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(t);
    t.to_ascii_lowercase()
}

/// Names that are this host whatever the fleet: never an edge.
fn is_local_name(name: &str) -> bool {
    name == "localhost" || name.starts_with("localhost.") || name.starts_with("ip6-")
}

/// The /etc/hosts pins among the dependencies: name -> address, read from
/// each pin's declaring line (`ADDRESS NAME...`), first line wins as in
/// the resolver.
pub fn pins(deps: &[Dependency]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for d in deps.iter().filter(|d| d.kind == Kind::HostsPin) {
        let line = d.evidence.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(addr) = words.next().and_then(normalize) else {
            continue;
        };
        for name in words {
            out.entry(clean(name)).or_insert_with(|| addr.clone());
        }
    }
    out
}

/// A target as the fleet compares it, and its address (itself, or the
/// pinned one); None for the host itself (loopback, `localhost`).
pub fn resolve(target: &str, pins: &HashMap<String, String>) -> Option<(String, Option<String>)> {
    let target = clean(target);
    if target.is_empty() || is_local_name(&target) {
        return None;
    }
    let address = match target.parse::<std::net::IpAddr>() {
        Ok(_) => Some(normalize(&target)?),
        Err(_) => pins.get(&target).cloned(),
    };
    Some((target, address))
}

/// The host's dependencies as its summary keeps them: only kinds that reach
/// a host, aggregated by (kind, target, port), loopback dropped, bounded.
pub fn summarize(deps: &[Dependency]) -> Declarations {
    let pins = pins(deps);
    let mut seen: BTreeMap<(Kind, String, Option<u16>), Declared> = BTreeMap::new();
    let mut dropped = 0;
    for d in deps.iter().filter(|d| reaches_host(d.kind)) {
        let Some((target, address)) = resolve(&d.target, &pins) else {
            continue;
        };
        let key = (d.kind, target, d.port);
        if let Some(known) = seen.get_mut(&key) {
            known.lines = known.lines.saturating_add(1);
            continue;
        }
        if seen.len() >= MAX_PER_HOST {
            dropped += 1;
            continue;
        }
        seen.insert(
            key.clone(),
            Declared {
                kind: label(&key.0),
                target: key.1,
                port: key.2,
                lines: 1,
                address,
            },
        );
    }
    Declarations {
        list: seen.into_values().collect(),
        dropped,
    }
}

/// Finds the fleet host a declared target names.
#[derive(Default)]
pub struct Resolver {
    /// Address -> host index; an address two hosts claim maps to the first
    /// by id, as for connections.
    by_address: HashMap<String, usize>,
    /// Full host name -> host index.
    by_fqdn: HashMap<String, usize>,
    /// First label -> host index, and the host's full name when it has one.
    by_short: HashMap<String, (usize, Option<String>)>,
    /// Name -> address, from every host's /etc/hosts (first host wins):
    /// a name the declaring host cannot resolve itself may be pinned on
    /// another, often on the server itself.
    hosts_files: HashMap<String, String>,
}

impl Resolver {
    #[cfg(test)]
    pub fn new<H: std::borrow::Borrow<HostSummary>>(hosts: &[H]) -> Resolver {
        let mut r = Resolver::default();
        for (i, h) in hosts.iter().enumerate() {
            r.add(i, h.borrow());
        }
        r
    }

    /// Host `i`, after hosts `0..i`: what an earlier host claims stays its.
    pub fn add(&mut self, i: usize, h: &HostSummary) {
        for a in &h.addresses {
            if !self.by_address.contains_key(a) {
                self.by_address.insert(a.clone(), i);
            }
        }
        for (name, address) in &h.hosts_file {
            if !is_local_name(name) {
                self.hosts_files
                    .entry(name.clone())
                    .or_insert_with(|| address.clone());
            }
        }
        for name in std::iter::once(&h.hostname).chain(&h.aliases) {
            let name = clean(name);
            if name.is_empty() || is_local_name(&name) {
                continue;
            }
            let (short, full) = match name.split_once('.') {
                Some((s, _)) => (s.to_owned(), Some(name.clone())),
                None => (name.clone(), None),
            };
            if let Some(f) = &full {
                self.by_fqdn.entry(f.clone()).or_insert(i);
            }
            self.by_short.entry(short).or_insert((i, full));
        }
    }

    /// The host that claims an address first (in host order).
    pub fn owner(&self, address: &str) -> Option<usize> {
        self.by_address.get(address).copied()
    }

    /// The host a target names: by its address (or the address the
    /// declaring host pins its name to), then by name. A full name matches
    /// a host of that full name, or a host that knows only its short name
    /// and has the same first label; a short name matches by first label.
    pub fn find(&self, target: &str, address: Option<&str>) -> Option<usize> {
        if let Some(i) = address.and_then(|a| self.by_address.get(a)) {
            return Some(*i);
        }
        if target.parse::<std::net::IpAddr>().is_ok() {
            return None;
        }
        if let Some(&i) = self.by_fqdn.get(target) {
            return Some(i);
        }
        let (short, full) = match target.split_once('.') {
            Some((s, _)) => (s, true),
            None => (target, false),
        };
        match self.by_short.get(short) {
            Some(&(i, None)) => Some(i),
            Some(&(i, Some(_))) if !full => Some(i),
            _ => self
                .hosts_files
                .get(target)
                .and_then(|a| self.by_address.get(a))
                .copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dependencies::Scope;

    fn dep(kind: Kind, target: &str, port: Option<u16>, line: usize, evidence: &str) -> Dependency {
        Dependency {
            kind,
            target: target.into(),
            port,
            declared_in: format!("/etc/f:{line}"),
            evidence: evidence.into(),
            scope: Scope::Private,
        }
    }

    #[test]
    fn aggregates_resolves_pins_and_bounds() {
        let mut deps = vec![
            dep(
                Kind::HostsPin,
                "10.1.2.3",
                None,
                3,
                "10.1.2.3  filer.corp.example.com filer # NAS",
            ),
            dep(Kind::Nfs, "filer", Some(2049), 1, "filer:/home /home nfs"),
            dep(Kind::Nfs, "FILER.", Some(2049), 2, "filer:/srv /srv nfs"),
            dep(Kind::Ntp, "127.0.0.1", Some(123), 1, "server 127.0.0.1"),
            dep(Kind::Syslog, "localhost", Some(514), 1, "*.* @localhost"),
            dep(
                Kind::DnsSearch,
                "corp.example.com",
                None,
                1,
                "search corp.example.com",
            ),
            dep(
                Kind::Ldap,
                "[::ffff:10.9.9.9]",
                Some(389),
                1,
                "uri ldap://[::ffff:10.9.9.9]",
            ),
        ];
        let d = summarize(&deps);
        type Row<'a> = (&'a str, &'a str, Option<u16>, u32, Option<&'a str>);
        let got: Vec<Row> = d
            .list
            .iter()
            .map(|x| {
                (
                    x.kind.as_str(),
                    x.target.as_str(),
                    x.port,
                    x.lines,
                    x.address.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("ldap", "::ffff:10.9.9.9", Some(389), 1, Some("10.9.9.9")),
                ("nfs", "filer", Some(2049), 2, Some("10.1.2.3")),
            ]
        );
        assert_eq!(d.dropped, 0);

        deps.extend((0..MAX_PER_HOST + 10).map(|i| {
            dep(
                Kind::Address,
                &format!("10.2.{}.{}", i / 200, i % 200 + 1),
                None,
                i,
                "",
            )
        }));
        let d = summarize(&deps);
        assert_eq!(d.list.len(), MAX_PER_HOST);
        assert_eq!(d.dropped, 12);
    }
}
