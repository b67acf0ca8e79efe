//! `ifcfg-*` files: Red Hat's /etc/sysconfig/network-scripts and SUSE's
//! /etc/sysconfig/network (shell variable assignments, read without a shell).
//!
//! Sample (CentOS 7, as anaconda writes a static interface):
//!
//! ```text
//! TYPE="Ethernet"
//! BOOTPROTO="none"
//! DEVICE="eth0"
//! ONBOOT="yes"
//! IPADDR="192.0.2.20"
//! PREFIX="24"
//! ```
//!
//! Red Hat: BOOTPROTO `dhcp`/`bootp` is DHCP, `none`/`static` (or absent)
//! with an IPADDR is static. SUSE: `dhcp`, `dhcp4`, `dhcp+autoip` are DHCP,
//! `static` is static, and IPADDR may carry its prefix (`10.0.0.5/24`);
//! numbered IPADDR_0, IPADDR1 ... add addresses on both.

use super::{netmask_prefix, Addressing, IfaceConfig};
use crate::parse::{ParseError, Parsed, Partial};
use std::collections::HashMap;

/// An ifcfg file's interface; a line that is no `KEY=value` is skipped,
/// by line (the network scripts source the file: the shell would run it).
pub fn parse(bytes: &[u8]) -> Parsed<IfaceConfig> {
    let text = String::from_utf8_lossy(bytes);
    let mut vars: Vec<(usize, String, String)> = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("not KEY=value: {}", crate::parse::shown(line)),
            ));
            continue;
        };
        let v = v.split(" #").next().unwrap_or("").trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        vars.push((i + 1, k.trim().to_string(), v.to_string()));
    }
    // The last assignment wins, as in the shell. An index by name keeps a
    // hostile file of many IPADDR<n> lines linear (a scan per lookup took
    // minutes on 4 MiB).
    let last: HashMap<&str, usize> = vars
        .iter()
        .enumerate()
        .map(|(at, (_, k, _))| (k.as_str(), at))
        .collect();
    let get = |k: &str| last.get(k).map(|&at| &vars[at]);
    let name = get("DEVICE").map(|v| v.2.as_str()).unwrap_or("");
    let proto = get("BOOTPROTO");
    let proto_value = proto.map(|v| v.2.to_ascii_lowercase()).unwrap_or_default();
    let mut c = IfaceConfig::new(name, Addressing::Other, proto.map(|v| v.0));
    // IPADDR, then IPADDR<suffix> with its own PREFIX<suffix>/NETMASK<suffix>.
    for (at, (_, k, v)) in vars.iter().enumerate() {
        let Some(suffix) = k.strip_prefix("IPADDR") else {
            continue;
        };
        if v.is_empty() || last[k.as_str()] != at {
            continue;
        }
        let prefix = get(&format!("PREFIX{suffix}"))
            .and_then(|p| p.2.parse::<u8>().ok())
            .or_else(|| get(&format!("NETMASK{suffix}")).and_then(|m| netmask_prefix(&m.2)));
        c.addresses.push(match prefix {
            Some(p) if !v.contains('/') => format!("{v}/{p}"),
            _ => v.clone(),
        });
    }
    c.addressing = match proto_value.as_str() {
        p if p.starts_with("dhcp") || p == "bootp" => Addressing::Dhcp,
        "static" | "none" | "" if !c.addresses.is_empty() => Addressing::Static,
        _ => Addressing::Other,
    };
    Ok(Partial::new(c, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parsed;

    /// A line the shell would not read as an assignment is skipped, by
    /// line; the rest still configures the interface.
    #[test]
    fn a_damaged_line_is_partial() {
        let p = parse(b"DEVICE=eth0\nBOOTPROTO=dhcp\nthis is no assignment\n").unwrap();
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, Some(3));
        assert_eq!((p.name.as_str(), p.addressing), ("eth0", Addressing::Dhcp));
    }

    #[test]
    fn red_hat_static_and_dhcp() {
        let s = parsed(
            parse,
            "netconf/ifcfg/static/etc/sysconfig/network-scripts/ifcfg-eth0",
        );
        assert_eq!(
            (s.name.as_str(), s.addressing),
            ("eth0", Addressing::Static)
        );
        assert_eq!(s.addresses, ["192.0.2.20/24"]);
        let d = parsed(
            parse,
            "netconf/ifcfg/dhcp/etc/sysconfig/network-scripts/ifcfg-eth0",
        );
        assert_eq!(d.addressing, Addressing::Dhcp);
        assert!(d.addresses.is_empty());
    }

    #[test]
    fn suse_static_with_prefix_in_ipaddr_and_dhcp() {
        let s = parsed(
            parse,
            "netconf/ifcfg-suse/static/etc/sysconfig/network/ifcfg-eth0",
        );
        assert_eq!(s.name, "", "SUSE names the interface by the file name");
        assert_eq!(s.addressing, Addressing::Static);
        assert_eq!(s.addresses, ["192.0.2.30/24", "192.0.2.31/24"]);
        let d = parsed(
            parse,
            "netconf/ifcfg-suse/dhcp/etc/sysconfig/network/ifcfg-eth0",
        );
        assert_eq!(d.addressing, Addressing::Dhcp);
    }

    #[test]
    fn a_reassigned_address_counts_once() {
        let c = parse(b"IPADDR=10.0.0.1\nPREFIX=8\nIPADDR=10.0.0.2\n")
            .unwrap()
            .value;
        assert_eq!(c.addresses, ["10.0.0.2/8"]);
    }

    #[test]
    fn netmask_and_none_without_address() {
        let c = parse(b"DEVICE=eth1\nBOOTPROTO=none\nIPADDR=10.1.2.3\nNETMASK=255.255.0.0\n")
            .unwrap()
            .value;
        assert_eq!(c.addresses, ["10.1.2.3/16"]);
        let c = parse(b"DEVICE=eth2\nBOOTPROTO=none\nONBOOT=no\n")
            .unwrap()
            .value;
        assert_eq!(c.addressing, Addressing::Other);
    }
}
