//! systemd-networkd `.network` files (systemd.network(5)).
//!
//! Sample (static, as the systemd.network man page shows it):
//!
//! ```text
//! [Match]
//! Name=enp2s0
//!
//! [Network]
//! Address=192.0.2.60/24
//! Gateway=192.0.2.1
//! ```
//!
//! `DHCP=yes|ipv4|true|both` is DHCP for IPv4; any IPv4 `Address=` (in
//! [Network] or an [Address] section) without it is static. `Name=` may list
//! several names or globs, kept as written.

use super::{ini, Addressing, IfaceConfig};
use crate::parse::Parsed;

pub fn parse(bytes: &[u8]) -> Parsed<IfaceConfig> {
    let mut c = IfaceConfig::new("", Addressing::Other, None);
    let mut dhcp = None;
    let (lines, errors) = ini(bytes);
    for (line, section, key, value) in lines {
        match (section.as_str(), key.as_str()) {
            ("Match", "Name") => c.name = value,
            ("Network", "DHCP") => {
                let v4 = matches!(
                    value.as_str(),
                    "yes" | "true" | "ipv4" | "both" | "on" | "1"
                );
                dhcp = Some((line, v4));
            }
            ("Network" | "Address", "Address") => c
                .addresses
                .extend(value.split_whitespace().map(String::from)),
            _ => {}
        }
    }
    match dhcp {
        Some((line, true)) => {
            c.addressing = Addressing::Dhcp;
            c.line = Some(line);
        }
        _ if c.addresses.iter().any(|a| !a.contains(':')) => c.addressing = Addressing::Static,
        _ => {}
    }
    Ok(crate::parse::Partial::new(c, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parsed;

    /// A line that is neither a header nor key=value is skipped, by line.
    #[test]
    fn a_damaged_line_is_partial() {
        let p = parse(b"[Match]\nName=eth0\n[Network]\nDHCP=yes\ngarbage\n").unwrap();
        assert_eq!(p.errors[0].line, Some(5));
        assert_eq!(p.addressing, Addressing::Dhcp);
    }

    #[test]
    fn address_is_static() {
        let c = parsed(
            parse,
            "netconf/networkd/static/etc/systemd/network/50-static.network",
        );
        assert_eq!(
            (c.name.as_str(), c.addressing),
            ("enp2s0", Addressing::Static)
        );
        assert_eq!(c.addresses, ["192.0.2.60/24"]);
    }

    #[test]
    fn dhcp_yes_and_ipv6_only() {
        let c = parsed(
            parse,
            "netconf/networkd/dhcp/etc/systemd/network/80-dhcp.network",
        );
        assert_eq!((c.name.as_str(), c.addressing), ("en*", Addressing::Dhcp));
        let c = parse(b"[Match]\nName=eth9\n[Network]\nDHCP=ipv6\n")
            .unwrap()
            .value;
        assert_eq!(c.addressing, Addressing::Other);
    }
}
