//! ISC dhclient lease files (dhclient.leases(5)): /var/lib/dhcp/*.leases on
//! Debian, /var/lib/dhclient/*.lease(s) on Red Hat. A lease shows that an
//! interface took its address by DHCP, and which address.
//!
//! Sample:
//!
//! ```text
//! lease {
//!   interface "eth0";
//!   fixed-address 192.0.2.70;
//!   option subnet-mask 255.255.255.0;
//!   expire 4 2024/01/11 10:00:00;
//! }
//! ```
//!
//! The file is appended to; the last lease per interface is the current one.

use super::{netmask_prefix, Addressing, IfaceConfig};
use crate::parse::{Parsed, Partial};

pub fn parse(bytes: &[u8]) -> Parsed<Vec<IfaceConfig>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<IfaceConfig> = Vec::new();
    let mut cur: Option<(usize, String, Option<String>, Option<u8>)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_end_matches(';').trim();
        if line.starts_with("lease") && line.ends_with('{') {
            cur = Some((i + 1, String::new(), None, None));
        } else if line == "}" {
            if let Some((at, name, addr, prefix)) = cur.take() {
                if name.is_empty() {
                    continue;
                }
                let mut c = IfaceConfig::new(&name, Addressing::Dhcp, Some(at));
                c.addresses.extend(addr.map(|a| match prefix {
                    Some(p) => format!("{a}/{p}"),
                    None => a,
                }));
                out.retain(|o| o.name != name);
                out.push(c);
            }
        } else if let Some((_, name, addr, prefix)) = cur.as_mut() {
            if let Some(v) = line.strip_prefix("interface ") {
                *name = v.trim().trim_matches('"').to_string();
            } else if let Some(v) = line.strip_prefix("fixed-address ") {
                *addr = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("option subnet-mask ") {
                *prefix = netmask_prefix(v);
            }
        }
    }
    Ok(Partial::whole(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;

    #[test]
    fn last_lease_per_interface_wins() {
        let bytes = std::fs::read(fixture(
            "netconf/dhclient/dhcp/var/lib/dhcp/dhclient.eth0.leases",
        ))
        .unwrap();
        let l = parse(&bytes).unwrap().value;
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].name, "eth0");
        assert_eq!(l[0].addresses, ["192.0.2.71/24"]);
    }

    #[test]
    fn unterminated_lease_is_dropped() {
        assert!(
            parse(b"lease {\n interface \"eth0\";\n fixed-address 1.2.3.4;\n")
                .unwrap()
                .value
                .is_empty()
        );
    }
}
