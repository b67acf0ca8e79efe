//! The dependency map: the remote end of each established TCP connection is
//! matched against the addresses of the other hosts in the fleet. A
//! connection whose local port this host listens on is inbound; otherwise it
//! is outbound, to a fleet host (an edge) or to something outside the fleet
//! (an external dependency). The dependencies each host's configuration
//! declares are matched too ([`super::declared`]). Every edge and external
//! dependency says `via` which: `observed`, `declared`, or both. Connected
//! hosts, by either kind of edge, form candidate move groups.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;

use serde::Serialize;

use super::declared::Resolver;
use super::summary::{normalize, HostSummary};
pub use crate::report::fleet::{Edge, External, Via};

/// Serialized as `groups.json` (see [`DependencyMap::with_ids`]).
/// `external` is a list in memory, or the batch's list on disk
/// ([`super::store::JsonLines`]), which a fleet of thousands of hosts
/// makes long.
#[derive(Debug, Default)]
pub struct DependencyMap<X = Vec<External>> {
    pub edges: Vec<Edge>,
    pub groups: Groups,
    pub external: X,
}

/// The connected components: the move groups (two hosts or more, their
/// ids sorted, largest group first), and the hosts alone, as host indices
/// (4 bytes a host, not a list with a String: most hosts of a fleet are
/// alone), in id order.
#[derive(Debug, Default, PartialEq)]
pub struct Groups {
    pub moves: Vec<Vec<String>>,
    pub alone: Vec<u32>,
}

impl Groups {
    /// Every component, as groups.json lists them: largest first, then
    /// by ids; singletons included.
    pub fn all<'a>(
        &'a self,
        id: impl Fn(usize) -> &'a str + 'a,
    ) -> impl Iterator<Item = Vec<&'a str>> + 'a {
        self.moves
            .iter()
            .map(|g| g.iter().map(String::as_str).collect())
            .chain(self.alone.iter().map(move |&i| vec![id(i as usize)]))
    }
}

/// A map as groups.json has it: the groups' hosts named by `id`.
#[derive(Serialize)]
pub struct Named<'a, X> {
    edges: &'a [Edge],
    groups: NamedGroups<'a>,
    external: &'a X,
}

struct NamedGroups<'a>(&'a Groups, &'a dyn Fn(usize) -> &'a str);

impl Serialize for NamedGroups<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.all(self.1))
    }
}

impl<X: Serialize> DependencyMap<X> {
    /// What groups.json holds, the hosts alone named by `id`.
    pub fn with_ids<'a>(&'a self, id: &'a dyn Fn(usize) -> &'a str) -> Named<'a, X> {
        Named {
            edges: &self.edges,
            groups: NamedGroups(&self.groups, id),
            external: &self.external,
        }
    }
}

/// The hosts a map is built from, in host id order: in memory, or the
/// batch's summaries on disk, read one at a time.
pub trait Hosts {
    fn len(&self) -> usize;
    fn id(&self, i: usize) -> &str;
    /// Calls `f` with each host in `which` (increasing indices), or with
    /// every host.
    fn visit(
        &self,
        which: Option<&[usize]>,
        f: &mut dyn FnMut(usize, &HostSummary) -> io::Result<()>,
    ) -> io::Result<()>;
}

impl<H: std::borrow::Borrow<HostSummary>> Hosts for [H] {
    fn len(&self) -> usize {
        <[H]>::len(self)
    }

    fn id(&self, i: usize) -> &str {
        &self[i].borrow().id
    }

    fn visit(
        &self,
        which: Option<&[usize]>,
        f: &mut dyn FnMut(usize, &HostSummary) -> io::Result<()>,
    ) -> io::Result<()> {
        match which {
            Some(which) => which.iter().try_for_each(|&i| f(i, self[i].borrow())),
            None => self
                .iter()
                .enumerate()
                .try_for_each(|(i, h)| f(i, h.borrow())),
        }
    }
}

/// The map of hosts in memory.
#[cfg(test)]
pub fn build<H: std::borrow::Borrow<HostSummary>>(hosts: &[H]) -> DependencyMap {
    let resolver = Resolver::new(hosts);
    let mut external = Vec::new();
    let (edges, groups) = build_with(hosts, &resolver, &mut |x| {
        external.push(x);
        Ok(())
    })
    .expect("hosts in memory cannot fail to read");
    DependencyMap {
        edges,
        groups,
        external,
    }
}

/// The edges and groups, handing each external dependency to `external`
/// as each host is done (in host, address and port order). Memory holds
/// the edges between fleet hosts, not the hosts: `hosts` is read once in
/// order, then only the hosts that edges lead to, for their services.
/// `resolver` knows every host's addresses and names.
pub fn build_with(
    hosts: &(impl Hosts + ?Sized),
    resolver: &Resolver,
    external: &mut dyn FnMut(External) -> io::Result<()>,
) -> io::Result<(Vec<Edge>, Groups)> {
    let mut edges: Merged<(usize, usize, Option<u16>)> = Merged::default();
    hosts.visit(None, &mut |i, h| {
        // An address two hosts claim (a VIP, a cloned image) belongs to
        // the first by id, which keeps the result stable across runs.
        let mut outside: Merged<(String, Option<u16>)> = Merged::default();
        for c in &h.links {
            let Some(remote) = normalize(&c.remote_address) else {
                continue;
            };
            let owner = resolver.owner(&remote);
            let peer = owner.filter(|&p| p != i);
            let inbound = h
                .listening
                .binary_search_by_key(&c.local_port, |x| x.0)
                .is_ok();
            if inbound {
                // A client in the fleet depends on us; one outside is not
                // a dependency of ours.
                if let Some(p) = peer {
                    edges.add((p, i, Some(c.local_port)), Via::Observed, None);
                }
                continue;
            }
            match peer {
                Some(p) => edges.add((i, p, Some(c.remote_port)), Via::Observed, None),
                None if owner.is_some() => {}
                None => outside.add((remote, Some(c.remote_port)), Via::Observed, None),
            }
        }
        for d in &h.declared.list {
            match resolver.find(&d.target, d.address.as_deref()) {
                Some(p) if p == i => {}
                Some(p) => edges.add((i, p, d.port), Via::Declared, Some(&d.kind)),
                None => outside.add((d.target.clone(), d.port), Via::Declared, Some(&d.kind)),
            }
        }
        for ((address, port), m) in outside.0 {
            external(External {
                host: h.id.clone(),
                address,
                port,
                via: m.via.into_iter().collect(),
                kinds: m.kinds.into_iter().collect(),
            })?;
        }
        Ok(())
    })?;
    // The service on `to:port`, from `to`'s listening sockets, whichever
    // end saw the edge.
    let mut targets: Vec<usize> = edges.0.keys().map(|k| k.1).collect();
    targets.sort_unstable();
    targets.dedup();
    let mut services: HashMap<(usize, u16), Option<String>> = HashMap::new();
    hosts.visit(Some(&targets), &mut |i, h| {
        services.extend(h.listening.iter().map(|(p, s)| ((i, *p), s.clone())));
        Ok(())
    })?;
    let groups = components(hosts, edges.0.keys().map(|k| (k.0, k.1)));
    let edges: Vec<Edge> = edges
        .0
        .into_iter()
        .map(|((from, to, port), m)| Edge {
            from: hosts.id(from).to_owned(),
            to: hosts.id(to).to_owned(),
            port,
            service: port.and_then(|p| services.get(&(to, p)).cloned().flatten()),
            via: m.via.into_iter().collect(),
            kinds: m.kinds.into_iter().collect(),
        })
        .collect();
    Ok((edges, groups))
}

/// What is known of one edge or external dependency: how, which kinds.
#[derive(Default)]
struct Marks {
    via: BTreeSet<Via>,
    kinds: BTreeSet<String>,
}

struct Merged<K>(BTreeMap<K, Marks>);

impl<K> Default for Merged<K> {
    fn default() -> Self {
        Merged(BTreeMap::new())
    }
}

impl<K: Ord> Merged<K> {
    fn add(&mut self, key: K, via: Via, kind: Option<&str>) {
        let m = self.0.entry(key).or_default();
        m.via.insert(via);
        m.kinds.extend(kind.map(str::to_owned));
    }
}

/// The connected components of the hosts joined by `pairs` (host
/// indices): the groups of two or more, each sorted by id, largest first,
/// and the hosts alone, in id order.
fn components(
    hosts: &(impl Hosts + ?Sized),
    pairs: impl Iterator<Item = (usize, usize)>,
) -> Groups {
    // Union-find over u32 indices: 4 bytes a host.
    let mut parent: Vec<u32> = (0..hosts.len() as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut joined = false;
    for (a, b) in pairs {
        let (ra, rb) = (find(&mut parent, a as u32), find(&mut parent, b as u32));
        parent[ra.max(rb) as usize] = ra.min(rb);
        joined = true;
    }
    let mut size: Vec<u32> = Vec::new();
    if joined {
        size = vec![0; hosts.len()];
        for i in 0..hosts.len() as u32 {
            let r = find(&mut parent, i);
            size[r as usize] += 1;
        }
    }
    let mut moves: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut alone: Vec<u32> = Vec::new();
    for i in 0..hosts.len() as u32 {
        let r = find(&mut parent, i);
        if size.get(r as usize).is_some_and(|&n| n > 1) {
            moves
                .entry(r)
                .or_default()
                .push(hosts.id(i as usize).to_owned());
        } else {
            alone.push(i);
        }
    }
    let mut moves: Vec<Vec<String>> = moves.into_values().collect();
    for g in &mut moves {
        g.sort();
    }
    moves.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    // Stable: hosts of one id stay in index order, as in a group.
    alone.sort_by(|&a, &b| hosts.id(a as usize).cmp(hosts.id(b as usize)));
    Groups { moves, alone }
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
            identity: Default::default(),
            form: "bundle".into(),
            reasons: Vec::new(),
            required_unknowns: 0,
            aliases: Vec::new(),
            hosts_file: Vec::new(),
            provision: Default::default(),
            input: String::new(),
            started_secs: 0,
            started_at: String::new(),
            os: String::new(),
            os_support: String::new(),
            os_support_ends: None,
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
        assert_eq!(named(&m, &hosts), vec![vec!["app", "db"], vec!["lone"]]);
        assert_eq!(m.groups.alone, [2], "one host alone, by index");
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

    /// Every group, as groups.json lists them.
    fn named<'a, H: std::borrow::Borrow<HostSummary>>(
        m: &'a DependencyMap,
        hosts: &'a [H],
    ) -> Vec<Vec<&'a str>> {
        let id = |i: usize| hosts[i].borrow().id.as_str();
        m.groups.all(id).collect()
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
            named(&m, &[&app, &infra, &lone, &web]),
            vec![vec!["app", "infra", "web"], vec!["lone"]]
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
        assert_eq!(m.groups.moves[0], ["app", "db", "dns", "files", "web"]);
    }

    /// Issue 24: names resolve through every host's /etc/hosts and the
    /// names a host's own /etc/hosts gives it. web declares `nfs` by a name
    /// only db's hosts file pins; infra claims that address on its own line
    /// and has no interface facts. app reaches infra by an alias.
    #[test]
    fn names_resolve_through_every_hosts_file() {
        let mut web = host("web", "10.20.0.21", &[], &[]);
        declare(&mut web, "nfs", "nfs.corp.acme.com", Some(2049), None);
        let mut db = host("db", "10.20.0.30", &[], &[]);
        db.hosts_file = vec![("nfs.corp.acme.com".into(), "10.20.0.10".into())];
        let mut infra = host("infra", "10.20.0.10", &[], &[]);
        infra.aliases = vec!["ldap.corp.acme.com".into()];
        let mut app = host("app", "10.20.0.22", &[], &[]);
        declare(&mut app, "ldap", "ldap.corp.acme.com", Some(389), None);
        let m = build(&[&app, &db, &infra, &web]);
        use Via::Declared as D;
        assert_eq!(
            edges(&m),
            vec![
                ("app", "infra", Some(389), vec![D], vec!["ldap"]),
                ("web", "infra", Some(2049), vec![D], vec!["nfs"]),
            ]
        );
        assert!(m.external.is_empty(), "{:?}", m.external);
    }
}
