//! The dependency map: the remote end of each established TCP connection is
//! matched against the addresses of the other hosts in the fleet. A
//! connection whose local port this host listens on is inbound; otherwise it
//! is outbound, to a fleet host (an edge) or to something outside the fleet
//! (an external dependency). The dependencies each host's configuration
//! declares are matched too ([`super::declared`]). Every edge and external
//! dependency says `via` which: `observed`, `declared`, or both. Connected
//! hosts, by either kind of edge, form candidate move groups.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::declared::Resolver;
use super::summary::{normalize, HostSummary};

/// How an edge is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A configuration file of `from` names `to` (host.dependencies[]).
    Declared,
    /// A TCP connection between them was open when the probe ran.
    Observed,
}

/// `from` opens connections to `to:port`, or its configuration says it
/// will.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// None for a declared dependency whose port neither the file nor the
    /// protocol says.
    pub port: Option<u16>,
    /// The service (or program) listening on `to:port`, when known.
    pub service: Option<String>,
    /// `declared`, `observed`, or both (in that order): one edge per
    /// (from, to, port) however it is known.
    pub via: Vec<Via>,
    /// The declared dependencies' kinds (`nfs`, `ldap`, …); empty for an
    /// edge only observed.
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct External {
    pub host: String,
    /// The remote address of a connection, or the target (name or
    /// address) a configuration file names.
    pub address: String,
    pub port: Option<u16>,
    pub via: Vec<Via>,
    pub kinds: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct DependencyMap {
    pub edges: Vec<Edge>,
    /// Connected components, largest first; singletons included.
    pub groups: Vec<Vec<String>>,
    pub external: Vec<External>,
}

pub fn build(hosts: &[&HostSummary]) -> DependencyMap {
    // An address claimed by two hosts (a VIP, a cloned image) maps to the
    // first by id, which keeps the result stable across runs.
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, h) in hosts.iter().enumerate() {
        for a in &h.addresses {
            owner.entry(a).or_insert(i);
        }
    }
    let service = |i: usize, port: u16| -> Option<Option<String>> {
        let l = &hosts[i].listening;
        l.binary_search_by_key(&port, |x| x.0)
            .ok()
            .map(|k| l[k].1.clone())
    };
    let mut edges = Merged::default();
    let mut external = Merged::default();
    for (i, h) in hosts.iter().enumerate() {
        for c in &h.links {
            let Some(remote) = normalize(&c.remote_address) else {
                continue;
            };
            let peer = owner.get(remote.as_str()).copied().filter(|&p| p != i);
            if let Some(svc) = service(i, c.local_port) {
                // Inbound: a client in the fleet depends on us; one outside
                // is not a dependency of ours.
                if let Some(p) = peer {
                    let key = (hosts[p].id.clone(), h.id.clone(), Some(c.local_port));
                    edges.add(key, Via::Observed, None, svc);
                }
                continue;
            }
            match peer {
                Some(p) => {
                    let key = (h.id.clone(), hosts[p].id.clone(), Some(c.remote_port));
                    edges.add(
                        key,
                        Via::Observed,
                        None,
                        service(p, c.remote_port).flatten(),
                    );
                }
                None if owner.contains_key(remote.as_str()) => {}
                None => {
                    let key = (h.id.clone(), remote, Some(c.remote_port));
                    external.add(key, Via::Observed, None, None);
                }
            }
        }
    }
    let resolver = Resolver::new(hosts);
    for (i, h) in hosts.iter().enumerate() {
        for d in &h.declared.list {
            match resolver.find(&d.target, d.address.as_deref()) {
                Some(p) if p == i => {}
                Some(p) => {
                    let key = (h.id.clone(), hosts[p].id.clone(), d.port);
                    let svc = d.port.and_then(|port| service(p, port)).flatten();
                    edges.add(key, Via::Declared, Some(&d.kind), svc);
                }
                None => {
                    let key = (h.id.clone(), d.target.clone(), d.port);
                    external.add(key, Via::Declared, Some(&d.kind), None);
                }
            }
        }
    }
    let edges: Vec<Edge> = edges
        .0
        .into_iter()
        .map(|((from, to, port), m)| Edge {
            from,
            to,
            port,
            service: m.service,
            via: m.via.into_iter().collect(),
            kinds: m.kinds.into_iter().collect(),
        })
        .collect();
    DependencyMap {
        groups: components(hosts, &edges),
        edges,
        external: external
            .0
            .into_iter()
            .map(|((host, address, port), m)| External {
                host,
                address,
                port,
                via: m.via.into_iter().collect(),
                kinds: m.kinds.into_iter().collect(),
            })
            .collect(),
    }
}

/// What is known of one (from, to, port): how, which kinds, which service.
#[derive(Default)]
struct Marks {
    via: BTreeSet<Via>,
    kinds: BTreeSet<String>,
    service: Option<String>,
}

#[derive(Default)]
struct Merged(BTreeMap<(String, String, Option<u16>), Marks>);

impl Merged {
    fn add(
        &mut self,
        key: (String, String, Option<u16>),
        via: Via,
        kind: Option<&str>,
        service: Option<String>,
    ) {
        let m = self.0.entry(key).or_default();
        m.via.insert(via);
        m.kinds.extend(kind.map(str::to_owned));
        if m.service.is_none() {
            m.service = service;
        }
    }
}

fn components(hosts: &[&HostSummary], edges: &[Edge]) -> Vec<Vec<String>> {
    let index: HashMap<&str, usize> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..hosts.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for e in edges {
        let (a, b) = (index[e.from.as_str()], index[e.to.as_str()]);
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, h) in hosts.iter().enumerate() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(h.id.clone());
    }
    let mut groups: Vec<Vec<String>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort();
    }
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    groups
}

#[cfg(test)]
mod tests {
    use super::super::declared::{resolve, Declared};
    use super::super::summary::Link;
    use super::*;

    fn host(id: &str, addr: &str, listening: &[u16], links: &[(u16, &str, u16)]) -> HostSummary {
        HostSummary {
            id: id.into(),
            hostname: id.into(),
            machine_id_sha256: None,
            input: String::new(),
            started_secs: 0,
            started_at: String::new(),
            os: String::new(),
            kernel: String::new(),
            init: String::new(),
            virtualization: String::new(),
            readiness: String::new(),
            complete: true,
            findings: Vec::new(),
            packages: 0,
            addresses: vec![addr.into()],
            listening: listening
                .iter()
                .map(|&p| (p, Some(format!("svc{p}"))))
                .collect(),
            links: links
                .iter()
                .map(|&(local_port, remote, remote_port)| Link {
                    local_port,
                    remote_address: remote.into(),
                    remote_port,
                    connections: 1,
                })
                .collect(),
            declared: Default::default(),
            links_omitted: 0,
        }
    }

    fn declare(
        h: &mut HostSummary,
        kind: &str,
        target: &str,
        port: Option<u16>,
        pin: Option<&str>,
    ) {
        let mut pins = std::collections::HashMap::new();
        if let Some(p) = pin {
            pins.insert(target.to_ascii_lowercase(), p.to_owned());
        }
        let (target, address) = resolve(target, &pins).unwrap();
        h.declared.list.push(Declared {
            kind: kind.into(),
            target,
            port,
            lines: 1,
            address,
        });
    }

    #[test]
    fn both_ends_give_one_edge_and_outsiders_are_external() {
        let hosts = [
            host(
                "app",
                "10.0.0.1",
                &[],
                &[(40000, "10.0.0.2", 5432), (40001, "8.8.8.8", 53)],
            ),
            host(
                "db",
                "10.0.0.2",
                &[5432],
                &[(5432, "::ffff:10.0.0.1", 40000)],
            ),
            host("lone", "10.0.0.3", &[22], &[(22, "192.168.1.9", 50000)]),
        ];
        let m = build(&hosts.iter().collect::<Vec<_>>());
        assert_eq!(
            m.edges,
            vec![Edge {
                from: "app".into(),
                to: "db".into(),
                port: Some(5432),
                service: Some("svc5432".into()),
                via: vec![Via::Observed],
                kinds: vec![],
            }]
        );
        assert_eq!(
            m.groups,
            vec![vec!["app".to_string(), "db".into()], vec!["lone".into()]]
        );
        assert_eq!(
            m.external,
            vec![External {
                host: "app".into(),
                address: "8.8.8.8".into(),
                port: Some(53),
                via: vec![Via::Observed],
                kinds: vec![],
            }]
        );
    }

    type Row<'a> = (&'a str, &'a str, Option<u16>, Vec<Via>, Vec<&'a str>);

    fn edges(m: &DependencyMap) -> Vec<Row<'_>> {
        m.edges
            .iter()
            .map(|e| {
                let kinds = e.kinds.iter().map(String::as_str).collect();
                (e.from.as_str(), e.to.as_str(), e.port, e.via.clone(), kinds)
            })
            .collect()
    }

    /// Issue 16: two hosts that reach a third only through configuration
    /// (an NFS export by address, an LDAP server by full name) are one
    /// move group; the declared targets outside the fleet are external.
    #[test]
    fn declared_dependencies_join_groups() {
        let mut web = host("web", "10.0.0.1", &[], &[]);
        let mut app = host("app", "10.0.0.2", &[], &[]);
        let mut infra = host("infra", "10.0.0.9", &[2049], &[]);
        infra.hostname = "INFRA".into();
        declare(&mut web, "nfs", "10.0.0.9", Some(2049), None);
        declare(&mut web, "ntp", "ntp.example.org", Some(123), None);
        declare(&mut app, "ldap", "infra.corp.example.com", Some(389), None);
        // Its own address: no edge, not external.
        declare(&mut app, "syslog", "10.0.0.2", Some(514), None);
        let lone = host("lone", "10.0.0.7", &[], &[]);
        let m = build(&[&app, &infra, &lone, &web]);
        use Via::Declared as D;
        assert_eq!(
            edges(&m),
            vec![
                ("app", "infra", Some(389), vec![D], vec!["ldap"]),
                ("web", "infra", Some(2049), vec![D], vec!["nfs"]),
            ]
        );
        assert_eq!(m.edges[1].service.as_deref(), Some("svc2049"));
        assert_eq!(
            m.groups,
            vec![
                vec!["app".to_string(), "infra".into(), "web".into()],
                vec!["lone".into()]
            ]
        );
        assert_eq!(
            m.external,
            vec![External {
                host: "web".into(),
                address: "ntp.example.org".into(),
                port: Some(123),
                via: vec![D],
                kinds: vec!["ntp".into()],
            }]
        );
    }

    /// One edge seen both ways says both; names match by short name and
    /// full name, case-insensitively, and through the declaring host's pins.
    #[test]
    fn declared_and_observed_merge_and_names_match() {
        let mut app = host("app", "10.0.0.1", &[], &[(40000, "10.0.0.2", 5432)]);
        let mut db = host("db", "10.0.0.2", &[5432], &[]);
        db.hostname = "db.corp.example.com".into();
        let mut files = host("files", "10.0.0.3", &[], &[]);
        files.hostname = "files".into();
        let dns = host("dns", "10.0.0.4", &[], &[]);
        let other = host("other", "10.0.0.5", &[], &[]);
        declare(&mut app, "address", "10.0.0.2", Some(5432), None);
        declare(&mut app, "nfs", "FILES.corp.example.com.", Some(2049), None);
        declare(&mut app, "dns", "resolver", Some(53), Some("10.0.0.4"));
        // A full name in another domain is not db.corp.example.com.
        declare(&mut app, "ldap", "db.other.example.com", Some(389), None);
        // A short name matches a host known by its full name.
        let mut web = host("web", "10.0.0.6", &[], &[]);
        declare(&mut web, "smtp", "db", Some(25), None);
        let m = build(&[&app, &db, &dns, &files, &other, &web]);
        use Via::{Declared as D, Observed as O};
        assert_eq!(
            edges(&m),
            vec![
                ("app", "db", Some(5432), vec![D, O], vec!["address"]),
                ("app", "dns", Some(53), vec![D], vec!["dns"]),
                ("app", "files", Some(2049), vec![D], vec!["nfs"]),
                ("web", "db", Some(25), vec![D], vec!["smtp"]),
            ]
        );
        assert_eq!(m.external.len(), 1);
        assert_eq!(m.external[0].address, "db.other.example.com");
        assert_eq!(m.groups[0], vec!["app", "db", "dns", "files", "web"]);
    }
}
