//! Each interface's addressing: what its configuration says (static or
//! DHCP, from whichever format the host uses) next to the addresses it
//! really had when the probe ran. A blackbox migration keeps a static
//! address and renews a DHCP one.

use std::collections::BTreeMap;

use lift_bundle::Fact;
use serde::Serialize;

use super::facts::Facts;
use super::links::Links;
use crate::parse::if_inet6;
use crate::parse::netconf::{dhclient, ifcfg, ifupdown, keyfile, netplan, networkd};
use crate::parse::netconf::{Addressing, IfaceConfig};
use crate::sources as src;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigKind {
    Static,
    Dhcp,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interface {
    pub name: String,
    pub mac: Option<String>,
    /// Live addresses (`ADDR/PREFIX`) when the probe ran.
    pub addresses: Vec<String>,
    pub config: ConfigKind,
    /// The file that decided `config` (`path:line` when it has lines).
    pub config_source: Option<String>,
    pub configured_addresses: Vec<String>,
    /// Configured IPv4 addresses that were not live: the file and the
    /// running state disagree (edited and not applied, or not in use).
    pub not_live: Vec<String>,
    /// The address of the last dhclient lease, which shows DHCP in use.
    pub lease: Option<String>,
}

/// Configuration files in the order that decides: the first file that
/// names an interface with a static or DHCP method wins. netplan renders
/// into networkd or NetworkManager, so it goes first.
fn configs(f: &Facts) -> Vec<(String, IfaceConfig)> {
    let mut out = Vec::new();
    let mut add = |path: &str, list: Vec<IfaceConfig>| {
        out.extend(list.into_iter().map(|c| (path.to_string(), c)));
    };
    for p in f.glob(&src::NETPLAN) {
        add(
            &p,
            f.parse_at(&src::NETPLAN, &p, netplan::parse)
                .unwrap_or_default(),
        );
    }
    for p in f.glob(&src::NM_CONNECTIONS) {
        add(
            &p,
            f.parse_at(&src::NM_CONNECTIONS, &p, keyfile::parse)
                .map(|c| vec![c])
                .unwrap_or_default(),
        );
    }
    for p in f.glob(&src::NETWORKD) {
        add(
            &p,
            f.parse_at(&src::NETWORKD, &p, networkd::parse)
                .map(|c| vec![c])
                .unwrap_or_default(),
        );
    }
    let main = src::IFUPDOWN.path();
    let mut todo = vec![main.to_string()];
    let mut seen = 0;
    // `source` can loop; 64 files is far more than any real host has.
    while let Some(p) = todo.pop().filter(|_| seen < 64) {
        seen += 1;
        let Some(i) = f.parse_at(&src::IFUPDOWN, &p, ifupdown::parse) else {
            continue;
        };
        for s in &i.sources {
            // A relative `source` is relative to the main file's directory.
            let here = main.rsplit_once('/').map_or("", |x| x.0);
            let (dir, pat) = s.rsplit_once('/').unwrap_or((here, s));
            todo.extend(
                f.glob_at(&src::IFUPDOWN, &format!("{dir}/{pat}"))
                    .into_iter()
                    .rev(),
            );
        }
        for d in &i.source_dirs {
            // run-parts names: letters, digits, `_` and `-` only.
            todo.extend(
                f.glob_at(&src::IFUPDOWN, &format!("{d}/*"))
                    .into_iter()
                    .rev()
                    .filter(|p| {
                        p.rsplit('/').next().is_some_and(|n| {
                            n.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                        })
                    }),
            );
        }
        add(&p, i.ifaces);
    }
    for p in f.glob(&src::IFCFG) {
        let Some(mut c) = f.parse_at(&src::IFCFG, &p, ifcfg::parse) else {
            continue;
        };
        if c.name.is_empty() {
            c.name = p
                .rsplit_once("ifcfg-")
                .map(|x| x.1)
                .unwrap_or("")
                .to_string();
        }
        add(&p, vec![c]);
    }
    out
}

fn leases(f: &Facts) -> Vec<(String, IfaceConfig)> {
    f.glob(&src::DHCP_LEASES)
        .into_iter()
        .flat_map(|p| {
            let list = f
                .parse_at(&src::DHCP_LEASES, &p, dhclient::parse)
                .unwrap_or_default();
            list.into_iter().map(move |c| (p.clone(), c))
        })
        .collect()
}

/// Live addresses by interface: the probe's getifaddrs fact, else the IPv6
/// ones of /proc/net/if_inet6. None when neither was collected.
fn live(f: &Facts) -> Option<BTreeMap<String, Vec<String>>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let lists = f.all_facts(&src::IFADDRS, |x| match x {
        Fact::Interfaces(list) => Some(list),
        _ => None,
    });
    for list in &lists {
        for a in list.iter().filter(|a| a.family.starts_with("inet")) {
            let addr = match a.prefix_len {
                Some(p) => format!("{}/{p}", a.address),
                None => a.address.clone(),
            };
            map.entry(a.name.clone()).or_default().push(addr);
        }
    }
    if lists.is_empty() {
        for (name, addr) in f.parse(&src::IF_INET6, if_inet6::parse)? {
            map.entry(name).or_default().push(addr);
        }
    }
    Some(map)
}

/// None when nothing about interfaces was collected.
pub fn interfaces(f: &Facts, links: &Links) -> Option<Vec<Interface>> {
    let live = live(f);
    let configs = configs(f);
    let leases = leases(f);
    let nics = links.nics.as_deref().unwrap_or_default();
    if live.is_none() && links.nics.is_none() && configs.is_empty() && leases.is_empty() {
        return None;
    }
    let mut names: Vec<String> = nics.iter().map(|n| n.name.clone()).collect();
    names.extend(live.iter().flat_map(|m| m.keys().cloned()));
    // A networkd `Name=en*` or several names apply to live names; literal
    // names from the other formats add interfaces that were not up.
    names.extend(
        configs
            .iter()
            .map(|(_, c)| c.name.clone())
            .filter(|n| !n.is_empty() && !n.contains(['*', '?', '[', ' '])),
    );
    names.extend(leases.iter().map(|(_, c)| c.name.clone()));
    names.sort();
    names.dedup();
    names.retain(|n| n != "lo");
    let matches = |c: &IfaceConfig, name: &str| {
        c.name == name
            || c.name
                .split_whitespace()
                .any(|p| crate::snapshot::matches(p.as_bytes(), name.as_bytes()))
    };
    let list = names
        .into_iter()
        .map(|name| {
            let addresses = live
                .as_ref()
                .and_then(|m| m.get(&name).cloned())
                .unwrap_or_default();
            let decided = configs
                .iter()
                .find(|(_, c)| matches(c, &name) && c.addressing != Addressing::Other);
            let lease = leases.iter().rev().find(|(_, c)| c.name == name);
            let (config, config_source, configured) = match (decided, lease) {
                (Some((p, c)), _) => (
                    match c.addressing {
                        Addressing::Static => ConfigKind::Static,
                        _ => ConfigKind::Dhcp,
                    },
                    Some(match c.line {
                        Some(l) => format!("{p}:{l}"),
                        None => p.clone(),
                    }),
                    c.addresses.clone(),
                ),
                // Only a lease: DHCP was used, from a file we did not read
                // or a configuration tool we do not know.
                (None, Some((p, _))) => (ConfigKind::Dhcp, Some(p.clone()), Vec::new()),
                (None, None) => (ConfigKind::Unknown, None, Vec::new()),
            };
            let host_part = |a: &str| a.split('/').next().unwrap_or("").to_string();
            let not_live = if live.is_some() {
                configured
                    .iter()
                    .filter(|a| !a.contains(':'))
                    .filter(|a| !addresses.iter().any(|l| host_part(l) == host_part(a)))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            Interface {
                mac: nics
                    .iter()
                    .find(|n| n.name == name)
                    .and_then(|n| n.mac.clone()),
                lease: lease.and_then(|(_, c)| c.addresses.first().cloned()),
                name,
                addresses,
                config,
                config_source,
                configured_addresses: configured,
                not_live,
            }
        })
        .collect();
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Root};
    use crate::testing::{fixture, TempRoot};

    fn build(dir: &std::path::Path) -> Vec<Interface> {
        let snap = DirSnapshot::new(dir);
        let f = Facts::new(Root::new(&snap));
        interfaces(&f, &Links::default()).unwrap()
    }

    #[test]
    fn every_format_gives_its_kind() {
        for (case, name, kind) in [
            ("ifupdown/static", "ens3", ConfigKind::Static),
            ("ifupdown/dhcp", "eth0", ConfigKind::Dhcp),
            ("ifupdown/dhcp", "eth1", ConfigKind::Static),
            ("ifcfg/static", "eth0", ConfigKind::Static),
            ("ifcfg/dhcp", "eth0", ConfigKind::Dhcp),
            ("ifcfg-suse/static", "eth0", ConfigKind::Static),
            ("ifcfg-suse/dhcp", "eth0", ConfigKind::Dhcp),
            ("netplan/static", "ens3", ConfigKind::Static),
            ("netplan/dhcp", "eth0", ConfigKind::Dhcp),
            ("keyfile/static", "enp1s0", ConfigKind::Static),
            ("networkd/static", "enp2s0", ConfigKind::Static),
            ("dhclient/dhcp", "eth0", ConfigKind::Dhcp),
        ] {
            let list = build(&fixture(&format!("netconf/{case}")));
            let i = list.iter().find(|i| i.name == name);
            assert_eq!(i.map(|i| i.config), Some(kind), "{case} {name}: {list:?}");
        }
    }

    /// networkd's `Name=en*` applies to live names it matches.
    #[test]
    fn networkd_glob_applies_to_live_names() {
        let r = TempRoot::new();
        let src = fixture("netconf/networkd/dhcp/etc/systemd/network/80-dhcp.network");
        r.write(
            "etc/systemd/network/80-dhcp.network",
            &std::fs::read(src).unwrap(),
        );
        r.write(
            "proc/net/if_inet6",
            b"fe80000000000000505400fffe123456 02 40 20 80   enp3s0\n",
        );
        let list = build(r.path());
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name, "enp3s0");
        assert_eq!(list[0].config, ConfigKind::Dhcp);
        assert_eq!(list[0].addresses, ["fe80::5054:ff:fe12:3456/64"]);
    }

    #[test]
    fn nothing_collected_is_none() {
        let r = TempRoot::with(&[("etc/hostname", "x\n")]);
        let snap = DirSnapshot::new(r.path());
        let f = Facts::new(Root::new(&snap));
        assert_eq!(interfaces(&f, &Links::default()), None);
    }
}
