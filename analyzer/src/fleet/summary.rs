//! What the batch keeps of each host once its report is written: a few
//! strings for the charts and the table, finding ids, and the addresses and
//! sockets the dependency map needs. Everything else is streamed to disk.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use lift_bundle::Fact;

use super::identity::Identity;
use crate::report::Report;
use crate::rules::Severity;
use crate::snapshot::Snapshot;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRef {
    pub id: String,
    pub severity: Severity,
    pub title: String,
}

/// Established TCP connections between this host and one peer on one
/// port, as seen from this host: inbound to a port it listens on
/// (`local_port`; `remote_port` is the first connection's), or outbound to
/// the peer's `remote_port` (`local_port` is the first connection's).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    pub local_port: u16,
    /// Normalized (see [`normalize`]).
    pub remote_address: String,
    pub remote_port: u16,
    pub connections: usize,
}

/// Peer and port pairs kept per host: a summary stays a few KB whatever
/// the host's connection table holds.
pub const MAX_LINKS: usize = 4096;

/// Serialized too: a batch worker process hands it to the batch as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostSummary {
    /// The file-name-safe host name and a short hash of the host's identity
    /// (see [`host_id`]); also the key of every export row.
    pub id: String,
    pub hostname: String,
    /// What tells this machine from others (see [`super::identity`]).
    #[serde(default)]
    pub identity: Identity,
    pub input: String,
    /// The header's `started_at`: seconds for ordering, RFC 3339 for people.
    pub started_secs: i64,
    pub started_at: String,
    pub os: String,
    pub kernel: String,
    pub init: String,
    pub virtualization: String,
    pub readiness: String,
    pub complete: bool,
    pub findings: Vec<FindingRef>,
    /// The findings that put the host in its readiness state: its blockers
    /// (not-ready), its unknown required checks (unknown), its warnings
    /// (conditionally-ready); none for a ready host.
    #[serde(default)]
    pub reasons: Vec<String>,
    pub packages: usize,
    /// Addresses this host answers on (interfaces and its sockets' local
    /// ends), loopback excluded, normalized.
    pub addresses: Vec<String>,
    /// TCP ports listened on, with the service when known.
    pub listening: Vec<(u16, Option<String>)>,
    pub links: Vec<Link>,
    /// Peer and port pairs past [`MAX_LINKS`], left out of `links`.
    pub links_omitted: usize,
    /// The dependencies its configuration declares, bounded (see
    /// [`super::declared`]).
    #[serde(default)]
    pub declared: super::declared::Declarations,
}

/// Serialized enum values (`not-ready`, `systemd`) as plain strings.
fn name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// Letters, digits, `.`, `-` and `_`; anything else becomes `_`, so that a
/// hostile hostname cannot name a path outside hosts/.
pub fn file_id(hostname: &str) -> String {
    let id: String = hostname
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else if c == '.' {
                '.'
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() || id.starts_with('.') {
        format!("_{id}")
    } else {
        id
    }
}

/// `::ffff:10.0.0.1` and `10.0.0.1` are one address; loopback and
/// unspecified addresses name no other host.
pub fn normalize(addr: &str) -> Option<String> {
    let ip: IpAddr = addr.parse().ok()?;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    (!ip.is_loopback() && !ip.is_unspecified()).then(|| ip.to_string())
}

/// `NAME-HASH`: the file-name-safe name, and the first 8 hex digits of the
/// SHA-256 of the real host name and the machine's identity (and the input,
/// for a bundle that keeps no identity). Two hosts whose names differ only
/// in characters `file_id` replaces (`web/01`, `web_01`) get two ids; two
/// bundles of one host with nothing different, one id.
pub fn host_id(hostname: &str, identity: &Identity, input: &str) -> String {
    let mut h = Sha256::new();
    h.update(hostname.as_bytes());
    h.update(b"\n");
    h.update(identity.key().as_bytes());
    if identity.is_empty() {
        h.update(b"\ninput ");
        h.update(input.as_bytes());
    }
    let d = h.finalize();
    let hash: String = d[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", file_id(hostname))
}

/// A bundle that names no host is known by its file name, so that two such
/// bundles are not taken for one host.
fn stem(input: &str) -> String {
    let name = input.rsplit('/').next().unwrap_or(input);
    super::INPUT_SUFFIXES
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .min_by_key(|s| s.len())
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
        .to_owned()
}

/// The connections by peer and port, in first-seen order, at most
/// [`MAX_LINKS`] of them; and how many pairs were left out. Loopback and
/// unparsable peers name no other host and are dropped.
fn links(
    connections: &[crate::model::sockets::Connection],
    listening: &[(u16, Option<String>)],
) -> (Vec<Link>, usize) {
    let mut seen: std::collections::HashMap<(bool, u16, String), usize> = Default::default();
    let mut links: Vec<Link> = Vec::new();
    let mut omitted = 0;
    for c in connections {
        let Some(remote) = normalize(&c.remote_address) else {
            continue;
        };
        let inbound = listening
            .binary_search_by_key(&c.local_port, |l| l.0)
            .is_ok();
        let port = if inbound { c.local_port } else { c.remote_port };
        let key = (inbound, port, remote);
        if let Some(&i) = seen.get(&key) {
            if let Some(l) = links.get_mut(i) {
                l.connections += 1;
            }
        } else if links.len() < MAX_LINKS {
            seen.insert(key.clone(), links.len());
            links.push(Link {
                local_port: c.local_port,
                remote_address: key.2,
                remote_port: c.remote_port,
                connections: 1,
            });
        } else if seen.insert(key, usize::MAX).is_none() {
            omitted += 1;
        }
    }
    (links, omitted)
}

/// The finding ids behind the report's readiness, as `rules::evaluate`
/// decides it.
fn reasons(report: &Report) -> Vec<String> {
    use crate::rules::Readiness;
    let required = crate::profile::Profile::parse(report.target)
        .map(|p| p.required())
        .unwrap_or_default();
    let mut ids: Vec<String> = report
        .findings
        .iter()
        .filter(|f| match report.readiness {
            Readiness::NotReady => f.severity == Severity::Blocker,
            Readiness::Unknown => f.severity == Severity::Unknown && required.contains(&f.id),
            Readiness::ConditionallyReady => f.severity == Severity::Warning,
            Readiness::Ready => false,
        })
        .map(|f| f.id.to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

impl HostSummary {
    pub fn new(snap: &dyn Snapshot, report: &Report, input: &str) -> HostSummary {
        let prov = snap.provenance();
        let host = &report.host;
        let identity = Identity::of(snap, host);
        // A default name ("localhost") tells no one which machine it is.
        let hostname = identity.hostname.clone().unwrap_or_else(|| stem(input));
        let (started_secs, started_at) = prov
            .header
            .as_ref()
            .map(|h| (h.started_at.secs, h.started_at.rfc3339()))
            .unwrap_or((i64::MIN, String::new()));
        let os = match (&host.os.id, &host.os.version_id) {
            (Some(id), Some(v)) => format!("{id} {v}"),
            (Some(id), None) => id.clone(),
            _ => "unknown".into(),
        };
        let mut addresses: Vec<String> = prov
            .facts
            .iter()
            .filter_map(|f| match f {
                Fact::Interfaces(list) => Some(list),
                _ => None,
            })
            .flatten()
            .filter(|a| a.family == "inet" || a.family == "inet6")
            .filter_map(|a| normalize(&a.address))
            .collect();
        let connections = host.connections.as_deref().unwrap_or_default();
        addresses.extend(
            connections
                .iter()
                .filter_map(|c| normalize(&c.local_address)),
        );
        addresses.sort();
        addresses.dedup();
        let mut listening: Vec<(u16, Option<String>)> = host
            .listeners
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|l| l.proto.starts_with("tcp"))
            .filter_map(|l| Some((l.port?, l.service.clone().or_else(|| l.program.clone()))))
            .collect();
        listening.sort();
        listening.dedup_by_key(|l| l.0);
        let links = links(connections, &listening);
        HostSummary {
            id: host_id(&hostname, &identity, input),
            hostname,
            identity,
            input: input.to_owned(),
            started_secs,
            started_at,
            os,
            kernel: host
                .kernel
                .release
                .clone()
                .unwrap_or_else(|| "unknown".into()),
            init: host
                .init
                .system
                .map(|s| name(&s))
                .unwrap_or_else(|| "unknown".into()),
            virtualization: host.virtualization.kind.clone(),
            readiness: name(&report.readiness),
            complete: report.bundle.complete,
            findings: report
                .findings
                .iter()
                .filter(|f| !matches!(f.severity, Severity::Pass | Severity::Info))
                .map(|f| FindingRef {
                    id: f.id.to_string(),
                    severity: f.severity,
                    title: f.title.to_string(),
                })
                .collect(),
            reasons: reasons(report),
            packages: host.packages.as_ref().map_or(0, |p| p.list.len()),
            addresses,
            listening,
            links_omitted: links.1,
            links: links.0,
            declared: super::declared::summarize(&host.dependencies),
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_inside_hosts_dir() {
        assert_eq!(file_id("../../etc/passwd"), "_.._.._etc_passwd");
        assert_eq!(file_id("web-01.example.com"), "web-01.example.com");
        assert_eq!(file_id(""), "_");
    }

    /// Issue 14 C4: `web/01` and `web_01` were one id, and one host's
    /// report was hidden as "superseded".
    #[test]
    fn ids_differ_where_names_or_machines_do() {
        let none = Identity::default();
        let a = host_id("web/01", &none, "a.lift");
        let b = host_id("web_01", &none, "a.lift");
        assert!(
            a.starts_with("web_01-") && b.starts_with("web_01-"),
            "{a} {b}"
        );
        assert_ne!(a, b);
        let mid = |m: &str| Identity {
            machine_id: Some(m.into()),
            ..Identity::default()
        };
        assert_ne!(
            host_id("web01", &mid("aa"), "a.lift"),
            host_id("web01", &mid("bb"), "a.lift")
        );
        assert_eq!(
            host_id("web01", &mid("aa"), "a.lift"),
            host_id("web01", &mid("aa"), "b.lift")
        );
        // Bundles that keep nothing are told apart by their files.
        assert_ne!(
            host_id("x", &none, "a/x.lift"),
            host_id("x", &none, "b/x.lift")
        );
        assert_eq!(a.len(), "web_01-".len() + 8);
    }

    /// Issue 15: a host summary is bounded. 10,000 connections from
    /// clients to one listening port and 10,000 to one peer's port are two
    /// links; past MAX_LINKS distinct pairs, the rest are counted.
    #[test]
    fn links_aggregate_by_peer_and_port() {
        let conn = |local_port, remote: &str, remote_port| crate::model::sockets::Connection {
            proto: "tcp",
            local_address: "10.0.0.1".into(),
            local_port,
            remote_address: remote.into(),
            remote_port,
            pid: None,
            program: None,
            service: None,
        };
        let listening = [(22, None), (443, Some("nginx".to_string()))];
        let mut cs: Vec<_> = (0..10_000u16)
            .map(|i| conn(443, "::ffff:10.0.0.9", 30_000 + i))
            .collect();
        cs.extend((0..10_000u16).map(|i| conn(40_000 + i, "10.0.0.7", 5432)));
        cs.push(conn(50_000, "127.0.0.1", 5432));
        let (links, omitted) = links(&cs, &listening);
        assert_eq!(links.len(), 2, "{links:?}");
        assert_eq!(omitted, 0);
        assert_eq!(
            (links[0].local_port, links[0].remote_address.as_str()),
            (443, "10.0.0.9")
        );
        assert_eq!(links[0].connections, 10_000);
        assert_eq!(
            (links[1].remote_address.as_str(), links[1].remote_port),
            ("10.0.0.7", 5432)
        );
        assert_eq!(links[1].connections, 10_000);

        let many: Vec<_> = (0..MAX_LINKS as u32 + 10)
            .map(|i| conn(40_000, &format!("10.1.{}.{}", i / 250, i % 250 + 1), 80))
            .chain(std::iter::once(conn(40_000, "10.1.0.1", 80)))
            .collect();
        let (links, omitted) = super::links(&many, &listening);
        assert_eq!((links.len(), omitted), (MAX_LINKS, 10));
        assert_eq!(links[0].connections, 2);
    }

    #[test]
    fn mapped_and_loopback_addresses() {
        assert_eq!(normalize("::ffff:10.1.2.3").as_deref(), Some("10.1.2.3"));
        assert_eq!(normalize("127.0.0.1"), None);
        assert_eq!(normalize("::1"), None);
        assert_eq!(normalize("0.0.0.0"), None);
        assert_eq!(normalize("fe80::1").as_deref(), Some("fe80::1"));
    }
}
