//! Where a target sits as seen from the host: inside one of its own
//! subnets, in another private range, public, or unresolved offline. A
//! name is looked up in the host's /etc/hosts pins first.

use std::collections::HashMap;
use std::net::IpAddr;

use super::super::interfaces::Interface;
use super::Scope;

/// The host's own addresses and subnets, and its /etc/hosts pins.
#[derive(Debug, Default)]
pub struct Place {
    /// Each own address with its prefix length, live or configured.
    nets: Vec<(IpAddr, u8)>,
    pins: HashMap<String, IpAddr>,
}

/// What a target is, as seen from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Loopback, unspecified, multicast, or one of the host's own
    /// addresses: not a dependency on the network.
    Local,
    At(Scope),
}

impl Place {
    pub fn new(interfaces: Option<&[Interface]>) -> Self {
        let nets = interfaces
            .into_iter()
            .flatten()
            .flat_map(|i| i.addresses.iter().chain(&i.configured_addresses))
            .filter_map(|a| {
                let (addr, prefix) = a.split_once('/').unwrap_or((a, ""));
                let addr: IpAddr = addr.split('%').next()?.parse().ok()?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                Some((addr, prefix.parse().unwrap_or(max).min(max)))
            })
            .collect();
        Place {
            nets,
            pins: HashMap::new(),
        }
    }

    /// Pins `name` to `address` (the first pin of a name wins, as in
    /// /etc/hosts).
    pub fn pin(&mut self, name: &str, address: IpAddr) {
        self.pins
            .entry(name.to_ascii_lowercase())
            .or_insert(address);
    }

    pub fn is_own(&self, a: IpAddr) -> bool {
        self.nets.iter().any(|(n, _)| *n == a)
    }

    pub fn seen(&self, target: &str) -> Seen {
        let bare = target.trim_start_matches('[').trim_end_matches(']');
        let addr = bare
            .parse::<IpAddr>()
            .ok()
            .or_else(|| self.pins.get(&bare.to_ascii_lowercase()).copied());
        match addr {
            Some(a) => self.address(a),
            None if bare.eq_ignore_ascii_case("localhost") => Seen::Local,
            None => Seen::At(Scope::Unresolved),
        }
    }

    pub fn address(&self, a: IpAddr) -> Seen {
        if a.is_loopback() || a.is_unspecified() || a.is_multicast() || self.is_own(a) {
            return Seen::Local;
        }
        if let IpAddr::V6(v6) = a {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return self.address(IpAddr::V4(v4));
            }
        }
        if self
            .nets
            .iter()
            .any(|(n, p)| !a.is_loopback() && !n.is_loopback() && contains(*n, *p, a))
        {
            return Seen::At(Scope::OwnSubnet);
        }
        Seen::At(if private(a) {
            Scope::Private
        } else {
            Scope::Public
        })
    }
}

fn contains(net: IpAddr, prefix: u8, a: IpAddr) -> bool {
    match (net, a) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// RFC 1918, RFC 6598 (carrier-grade NAT), link-local, and IPv6 unique
/// local (fc00::/7) and link-local (fe80::/10).
pub fn private(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || v4.is_link_local() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments()[0];
            (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::interfaces::ConfigKind;

    fn place() -> Place {
        let mut p = Place::new(Some(&[Interface {
            name: "eth0".into(),
            mac: None,
            addresses: vec!["10.1.2.5/24".into(), "fe80::5/64".into()],
            config: ConfigKind::Static,
            config_source: None,
            configured_addresses: vec!["10.9.0.5/16".into()],
            not_live: vec![],
            lease: None,
        }]));
        p.pin("files.corp.lan", "10.1.2.40".parse().unwrap());
        p.pin("Remote", "192.168.50.1".parse().unwrap());
        p
    }

    #[test]
    fn scopes() {
        let p = place();
        let at = |t: &str| p.seen(t);
        assert_eq!(at("10.1.2.3"), Seen::At(Scope::OwnSubnet));
        assert_eq!(
            at("10.9.200.1"),
            Seen::At(Scope::OwnSubnet),
            "configured subnet"
        );
        assert_eq!(at("10.2.0.1"), Seen::At(Scope::Private));
        assert_eq!(at("100.64.0.1"), Seen::At(Scope::Private));
        assert_eq!(at("fd00::1"), Seen::At(Scope::Private));
        assert_eq!(at("fe80::9"), Seen::At(Scope::OwnSubnet));
        assert_eq!(at("8.8.8.8"), Seen::At(Scope::Public));
        assert_eq!(at("2001:4860::8888"), Seen::At(Scope::Public));
        assert_eq!(at("FILES.corp.lan"), Seen::At(Scope::OwnSubnet), "pinned");
        assert_eq!(at("remote"), Seen::At(Scope::Private));
        assert_eq!(at("ntp.corp.lan"), Seen::At(Scope::Unresolved));
        for local in [
            "127.0.0.1",
            "::1",
            "10.1.2.5",
            "0.0.0.0",
            "localhost",
            "224.0.1.1",
        ] {
            assert_eq!(at(local), Seen::Local, "{local}");
        }
    }

    #[test]
    fn no_interfaces_means_no_own_subnet() {
        let p = Place::new(None);
        assert_eq!(p.seen("10.1.2.3"), Seen::At(Scope::Private));
        assert_eq!(p.seen("172.32.0.1"), Seen::At(Scope::Public));
    }
}
