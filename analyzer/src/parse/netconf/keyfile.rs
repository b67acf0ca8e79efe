//! NetworkManager keyfiles (/etc/NetworkManager/system-connections/*).
//!
//! Sample (as nmcli writes a static connection):
//!
//! ```text
//! [connection]
//! id=Wired connection 1
//! type=ethernet
//! interface-name=enp1s0
//!
//! [ipv4]
//! address1=192.0.2.50/24,192.0.2.1
//! method=manual
//! ```
//!
//! `method=auto` is DHCP, `manual` is static; a connection bound to no
//! interface (no `interface-name`) is named by its `id`.

use super::{ini, Addressing, IfaceConfig};
use crate::parse::Parsed;

/// The `cloned-mac-address` settings of a keyfile (a connection's
/// `[ethernet]`/`[wifi]` one) or of NetworkManager.conf
/// (`ethernet.cloned-mac-address=` as a default), with their lines. Read
/// line by line like NetworkManager's key files, so any text reads.
pub fn cloned_macs(bytes: &[u8]) -> Parsed<Vec<(usize, String)>> {
    let mut out = Vec::new();
    for (i, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        if k.trim().ends_with("cloned-mac-address") && !k.trim_start().starts_with('#') {
            out.push((i + 1, v.trim().to_string()));
        }
    }
    crate::parse::whole(out)
}

pub fn parse(bytes: &[u8]) -> Parsed<IfaceConfig> {
    let mut id = String::new();
    let mut iface = String::new();
    let mut c = IfaceConfig::new("", Addressing::Other, None);
    let (lines, errors) = ini(bytes);
    for (line, section, key, value) in lines {
        match (section.as_str(), key.as_str()) {
            ("connection", "id") => id = value,
            ("connection", "interface-name") => iface = value,
            ("ipv4", "method") => {
                c.line = Some(line);
                c.addressing = match value.as_str() {
                    "auto" => Addressing::Dhcp,
                    "manual" => Addressing::Static,
                    _ => Addressing::Other,
                };
            }
            ("ipv4" | "ipv6", k) if k.starts_with("address") => {
                // `address1=ADDR/PREFIX,GATEWAY`; the old `addresses=` takes
                // `;`-separated entries.
                c.addresses.extend(
                    value
                        .split(';')
                        .filter_map(|a| a.split(',').next())
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(String::from),
                );
            }
            _ => {}
        }
    }
    c.name = if iface.is_empty() { id } else { iface };
    Ok(crate::parse::Partial::new(c, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture, parsed};

    #[test]
    fn cloned_mac_settings_with_their_lines() {
        let real = std::fs::read(fixture(
            "netconf/keyfile/static/etc/NetworkManager/system-connections/enp1s0.nmconnection",
        ))
        .unwrap();
        assert_eq!(cloned_macs(&real).unwrap().value, []);
        let mut with = real.clone();
        with.extend_from_slice(
            b"\n[ethernet]\ncloned-mac-address=random\n#cloned-mac-address=stable\n",
        );
        let lines = real.iter().filter(|b| **b == b'\n').count();
        assert_eq!(
            cloned_macs(&with).unwrap().value,
            [(lines + 3, "random".to_string())]
        );
        let conf = b"[device]\nwifi.scan-rand-mac-address=no\n[connection]\nethernet.cloned-mac-address=preserve\n";
        assert_eq!(
            cloned_macs(conf).unwrap().value,
            [(4, "preserve".to_string())]
        );
    }

    #[test]
    fn manual_is_static() {
        let c = parsed(
            parse,
            "netconf/keyfile/static/etc/NetworkManager/system-connections/enp1s0.nmconnection",
        );
        assert_eq!(
            (c.name.as_str(), c.addressing),
            ("enp1s0", Addressing::Static)
        );
        assert_eq!(c.addresses, ["192.0.2.50/24"]);
    }

    #[test]
    fn auto_is_dhcp_and_unbound_is_named_by_id() {
        let c = parsed(parse, "netconf/keyfile/dhcp/etc/NetworkManager/system-connections/Wired connection 1.nmconnection");
        assert_eq!(c.addressing, Addressing::Dhcp);
        assert_eq!(c.name, "Wired connection 1");
    }
}
