//! What the batch keeps of each host once its report is written: a few
//! strings for the charts and the table, finding ids, and the addresses and
//! sockets the dependency map needs. Everything else is streamed to disk.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::model::identity::Identity;
use crate::report::Report;
use crate::rules::Severity;
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
    /// What the input was (see [`form`]): `bundle`, `json`,
    /// `sosreport-archive`, `root-tarball`, `sosreport-directory`,
    /// `root-directory`.
    #[serde(default)]
    pub form: String,
    /// The header's `started_at`: seconds for ordering, RFC 3339 for people.
    pub started_secs: i64,
    pub started_at: String,
    pub os: String,
    /// Where the distribution stands in its vendor's support on the
    /// report's date: `standard`, `extended`, `ended`, or `unknown` (the
    /// OS or its row in lift's table is unknown); see `gen.os-support`.
    #[serde(default)]
    pub os_support: String,
    /// The last day of its standard support, when the table has one.
    #[serde(default)]
    pub os_support_ends: Option<String>,
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
    /// Required checks that could not be judged (what makes a host
    /// unknown): the host table's second sort key after blockers.
    #[serde(default)]
    pub required_unknowns: usize,
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
    /// Other names its /etc/hosts gives it (on the lines naming the host
    /// itself), cleaned, at most [`MAX_NAMES`].
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The rest of its /etc/hosts: (name, address), loopback left out, at
    /// most [`MAX_NAMES`]; what other hosts' names resolve through.
    #[serde(default)]
    pub hosts_file: Vec<(String, String)>,
    /// What it asks of the target (sizes, use, disks, rows chosen).
    #[serde(default)]
    pub provision: super::provision::Provision,
}

/// Names a summary keeps from /etc/hosts: a summary stays a few KB even
/// where a fleet ships one hosts file listing every server.
pub const MAX_NAMES: usize = 256;

/// /etc/hosts lines read for names, at most.
const MAX_HOSTS_LINES: usize = 10_000;

/// What a host's own /etc/hosts says: the addresses and other names on the
/// lines naming the host itself (`10.20.0.10 infra1.corp infra1`), and
/// every other (name, address), bounded.
fn hosts_file(
    text: &str,
    hostname: Option<&str>,
) -> (Vec<String>, Vec<String>, Vec<(String, String)>) {
    let me = hostname.map(super::declared::clean);
    let short = |n: &str| n.split('.').next().unwrap_or(n).to_owned();
    let is_me = |n: &str| {
        me.as_deref().is_some_and(|m| {
            n == m || (short(n) == short(m) && (!n.contains('.') || !m.contains('.')))
        })
    };
    let (mut own, mut aliases, mut others) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().take(MAX_HOSTS_LINES) {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(addr) = words.next().and_then(normalize) else {
            continue;
        };
        let names: Vec<String> = words.map(super::declared::clean).collect();
        if names.iter().any(|n| is_me(n)) {
            own.push(addr);
            aliases.extend(names.into_iter().filter(|n| Some(n) != me.as_ref()));
        } else {
            others.extend(names.into_iter().map(|n| (n, addr.clone())));
        }
    }
    aliases.sort();
    aliases.dedup();
    aliases.truncate(MAX_NAMES);
    others.truncate(MAX_NAMES);
    (own, aliases, others)
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
    let hash = crate::model::files::hex(&d[..4]);
    format!("{}-{hash}", file_id(hostname))
}

/// A bundle that names no host is known by its file name, so that two such
/// bundles are not taken for one host.
fn stem(input: &str) -> String {
    /// What a bundle's or an archive's name ends with, dropped.
    const SUFFIXES: &[&str] = &[
        ".lift",
        ".lift.age",
        ".lift.json",
        ".tar",
        ".tar.gz",
        ".tgz",
        ".tar.xz",
        ".txz",
        ".tar.bz2",
        ".tbz2",
    ];
    let name = input.rsplit('/').next().unwrap_or(input);
    SUFFIXES
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

fn required_unknowns(report: &Report) -> usize {
    let required = crate::profile::Profile::parse(report.target)
        .map(|p| p.required())
        .unwrap_or_default();
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Unknown && required.contains(&f.id))
        .count()
}

/// The input's form, for the index: the snapshot's kind, and for an
/// archive or a directory whether it is a sosreport.
pub fn form(kind: &str, sosreport: bool) -> &'static str {
    match (kind, sosreport) {
        ("bundle", _) => "bundle",
        ("json", _) => "json",
        ("archive", true) => "sosreport-archive",
        ("archive", false) => "root-tarball",
        ("directory", true) => "sosreport-directory",
        ("directory", false) => "root-directory",
        _ => "other",
    }
}

impl HostSummary {
    pub fn new(report: &Report, input: &str) -> HostSummary {
        let host = &report.host;
        let identity = Identity::of(host);
        // A default name ("localhost") tells no one which machine it is.
        let hostname = identity.hostname.clone().unwrap_or_else(|| stem(input));
        let c = &host.collection;
        let started_secs = c.collected_secs.unwrap_or(i64::MIN);
        let started_at = c.collected_at.clone().unwrap_or_default();
        let os = match (&host.os.id, &host.os.version_id) {
            (Some(id), Some(v)) => format!("{id} {v}"),
            (Some(id), None) => id.clone(),
            _ => "unknown".into(),
        };
        // Its live addresses (the probe's getifaddrs, else the kernel's
        // IPv6 list), without their prefix lengths.
        let mut addresses: Vec<String> = host
            .interfaces
            .iter()
            .flatten()
            .flat_map(|i| i.addresses.iter())
            .filter_map(|a| normalize(a.split('/').next().unwrap_or(a)))
            .collect();
        let connections = host.connections.as_deref().unwrap_or_default();
        addresses.extend(
            connections
                .iter()
                .filter_map(|c| normalize(&c.local_address)),
        );
        // Addresses the host declares as its own: its configured ones, and
        // those of the /etc/hosts lines that name it.
        addresses.extend(
            host.interfaces
                .iter()
                .flatten()
                .flat_map(|i| i.configured_addresses.iter())
                .filter_map(|a| normalize(a.split('/').next().unwrap_or(a))),
        );
        let etc_hosts = host.files.hosts.text.as_deref().unwrap_or_default();
        let (own, aliases, others) = hosts_file(etc_hosts, identity.hostname.as_deref());
        addresses.extend(own);
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
            form: form(c.kind.name(), c.sosreport.is_some()).to_string(),
            started_secs,
            started_at,
            os,
            os_support: report
                .os_support
                .as_ref()
                .map(|s| name(&s.phase))
                .unwrap_or_else(|| "unknown".into()),
            os_support_ends: report
                .os_support
                .as_ref()
                .and_then(|s| s.release.standard_end)
                .map(|d| d.to_string()),
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
            virtualization: host.virtualization.kind.name().to_string(),
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
            required_unknowns: required_unknowns(report),
            packages: host.packages.as_ref().map_or(0, |p| p.list.len()),
            addresses,
            listening,
            links_omitted: links.1,
            links: links.0,
            declared: super::declared::summarize(&host.dependencies),
            aliases,
            hosts_file: others,
            provision: super::provision::Provision::new(report),
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

    /// Issue 24: infra1's /etc/hosts names 10.20.0.10 as itself; that is
    /// an address of infra1 whatever its interfaces say.
    #[test]
    fn hosts_file_lines_naming_the_host() {
        let text = "127.0.0.1 localhost\n127.0.1.1 infra1.corp.acme.com infra1\n\
                    10.20.0.10\tinfra1.corp.acme.com infra1 nfs.corp.acme.com # NFS\n\
                    10.20.0.22 app1.corp.acme.com app1\n::1 localhost ip6-localhost\n";
        let (own, aliases, others) = hosts_file(text, Some("infra1"));
        assert_eq!(own, ["10.20.0.10"]);
        assert_eq!(aliases, ["infra1.corp.acme.com", "nfs.corp.acme.com"]);
        assert_eq!(
            others,
            [
                ("app1.corp.acme.com".to_string(), "10.20.0.22".to_string()),
                ("app1".to_string(), "10.20.0.22".to_string())
            ]
        );
        // No name of its own: nothing is the host's.
        assert!(hosts_file(text, None).0.is_empty());
        // infra1 is not infra10, nor infra1.other.com by its full name.
        assert!(hosts_file("10.0.0.1 infra10\n", Some("infra1"))
            .0
            .is_empty());
        assert!(
            hosts_file("10.0.0.1 infra1.other.com\n", Some("infra1.corp.acme.com"))
                .0
                .is_empty()
        );
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
