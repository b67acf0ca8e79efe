//! The dependency map: the remote end of each established TCP connection is
//! matched against the addresses of the other hosts in the fleet. A
//! connection whose local port this host listens on is inbound; otherwise it
//! is outbound, to a fleet host (an edge) or to something outside the fleet
//! (an external dependency). Connected hosts form candidate move groups.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::summary::{normalize, HostSummary};

/// `from` opens connections to `to:port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub port: u16,
    /// The service (or program) listening on `to:port`, when known.
    pub service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct External {
    pub host: String,
    pub address: String,
    pub port: u16,
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
    let mut edges = BTreeSet::new();
    let mut external = BTreeSet::new();
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
                    edges.insert(Edge {
                        from: hosts[p].id.clone(),
                        to: h.id.clone(),
                        port: c.local_port,
                        service: svc,
                    });
                }
                continue;
            }
            match peer {
                Some(p) => {
                    edges.insert(Edge {
                        from: h.id.clone(),
                        to: hosts[p].id.clone(),
                        port: c.remote_port,
                        service: service(p, c.remote_port).flatten(),
                    });
                }
                None if owner.contains_key(remote.as_str()) => {}
                None => {
                    external.insert(External {
                        host: h.id.clone(),
                        address: remote,
                        port: c.remote_port,
                    });
                }
            }
        }
    }
    let edges: Vec<Edge> = edges.into_iter().collect();
    DependencyMap {
        groups: components(hosts, &edges),
        edges,
        external: external.into_iter().collect(),
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
            links_omitted: 0,
        }
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
                port: 5432,
                service: Some("svc5432".into())
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
                port: 53
            }]
        );
    }
}
