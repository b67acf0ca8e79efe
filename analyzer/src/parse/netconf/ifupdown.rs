//! Debian's `/etc/network/interfaces` (interfaces(5), ifupdown).
//!
//! Sample (as debian-installer writes it for a static address):
//!
//! ```text
//! source /etc/network/interfaces.d/*
//! auto lo
//! iface lo inet loopback
//! allow-hotplug ens3
//! iface ens3 inet static
//!     address 192.0.2.10/24
//!     gateway 192.0.2.1
//! ```
//!
//! Only `inet` stanzas decide the addressing; `inet6` stanzas add their
//! addresses. `source` and `source-directory` are returned for the caller to
//! follow, since only it can list directories.

use super::{netmask_prefix, Addressing, IfaceConfig};
use crate::parse::{Parsed, Partial};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Interfaces {
    pub ifaces: Vec<IfaceConfig>,
    /// `source` arguments: paths or globs, as written.
    pub sources: Vec<String>,
    /// `source-directory` arguments.
    pub source_dirs: Vec<String>,
}

pub fn parse(bytes: &[u8]) -> Parsed<Interfaces> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Interfaces::default();
    // The stanza being read: its index in `ifaces`, whether inet6, and a
    // netmask seen before or after the address.
    let mut cur: Option<(usize, bool)> = None;
    let mut netmask: Option<u8> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(key), rest) = (words.next(), words.collect::<Vec<_>>()) else {
            continue;
        };
        match key {
            "iface" => {
                netmask = None;
                let (Some(name), Some(family), Some(method)) =
                    (rest.first(), rest.get(1), rest.get(2))
                else {
                    cur = None;
                    continue;
                };
                let v6 = *family == "inet6";
                let addressing = match (*family, *method) {
                    ("inet", "static") => Addressing::Static,
                    ("inet", "dhcp") => Addressing::Dhcp,
                    _ => Addressing::Other,
                };
                let at = match out.ifaces.iter().position(|c| c.name == *name) {
                    Some(at) => {
                        if !v6 {
                            out.ifaces[at].addressing = addressing;
                            out.ifaces[at].line = Some(i + 1);
                        }
                        at
                    }
                    None => {
                        out.ifaces
                            .push(IfaceConfig::new(name, addressing, Some(i + 1)));
                        out.ifaces.len() - 1
                    }
                };
                cur = Some((at, v6));
            }
            "source" => out.sources.extend(rest.iter().map(|s| s.to_string())),
            "source-directory" => out.source_dirs.extend(rest.iter().map(|s| s.to_string())),
            "auto" | "mapping" | "rename" | "no-auto-down" | "no-scripts" => cur = None,
            k if k.starts_with("allow-") => cur = None,
            "address" => {
                if let (Some((at, _)), Some(a)) = (cur, rest.first()) {
                    out.ifaces[at].addresses.push(a.to_string());
                    apply_mask(&mut out.ifaces[at], netmask);
                }
            }
            "netmask" => {
                if let (Some((at, v6)), Some(m)) = (cur, rest.first()) {
                    netmask = if v6 {
                        m.parse().ok()
                    } else {
                        netmask_prefix(m).or(m.parse().ok())
                    };
                    apply_mask(&mut out.ifaces[at], netmask);
                }
            }
            _ => {}
        }
    }
    Ok(Partial::whole(out))
}

/// Adds the prefix to the last address when it has none yet.
fn apply_mask(c: &mut IfaceConfig, prefix: Option<u8>) {
    if let (Some(p), Some(last)) = (prefix, c.addresses.last_mut()) {
        if !last.contains('/') {
            *last = format!("{last}/{p}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parsed;

    #[test]
    fn static_stanza_with_netmask_and_sources() {
        let i = parsed(parse, "netconf/ifupdown/static/etc/network/interfaces");
        assert_eq!(i.sources, ["/etc/network/interfaces.d/*"]);
        let e = i.ifaces.iter().find(|c| c.name == "ens3").unwrap();
        assert_eq!(e.addressing, Addressing::Static);
        assert_eq!(e.addresses, ["192.0.2.10/24"]);
        let lo = i.ifaces.iter().find(|c| c.name == "lo").unwrap();
        assert_eq!(lo.addressing, Addressing::Other);
    }

    #[test]
    fn dhcp_stanza_keeps_inet6_addresses_apart_from_the_method() {
        let i = parsed(parse, "netconf/ifupdown/dhcp/etc/network/interfaces");
        assert_eq!(i.source_dirs, ["/etc/network/interfaces.d"]);
        let e = i.ifaces.iter().find(|c| c.name == "eth0").unwrap();
        assert_eq!(e.addressing, Addressing::Dhcp);
        assert_eq!(e.addresses, ["2001:db8::10/64"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let i = parse(b"iface\naddress 1.2.3.4\niface x inet static\nnetmask\n\xff\xfe")
            .unwrap()
            .value;
        assert_eq!(i.ifaces.len(), 1);
        assert!(i.ifaces[0].addresses.is_empty());
    }
}
