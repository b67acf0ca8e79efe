//! Interface addresses from `ip -o addr` (sos: `sos_commands/networking/
//! ip_-o_addr`, linked as `ip_addr`) and `ip addr` (`ip_-d_address`, sos 3's
//! `ip_address`). One line per address, or one block per interface:
//!
//! ```text
//! 4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\       valid_lft forever preferred_lft forever
//!
//! 5: bond1.57@bond1: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP
//!     link/ether 00:11:3f:e2:f5:9e brd ff:ff:ff:ff:ff:ff
//!     inet 10.192.4.171/27 brd 10.192.4.191 scope global bond1.57
//! ```
//!
//! A point-to-point address (`inet 172.30.0.1 peer 172.30.0.2/32`) is the
//! local address with the peer's prefix.

use crate::parse::{whole, ParseError, Parsed};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Without the `@parent` of a VLAN or veth.
    pub interface: String,
    /// `inet` or `inet6`.
    pub family: String,
    /// `ADDR/PREFIX`.
    pub address: String,
}

/// `inet ADDR/P ...` or `inet ADDR peer PEER/P ...`, from its family word on.
fn address(interface: &str, words: &[&str]) -> Option<Address> {
    let family = *words.first()?;
    if family != "inet" && family != "inet6" {
        return None;
    }
    let local = *words.get(1)?;
    let address = match (local.contains('/'), words.get(2), words.get(3)) {
        (true, _, _) => local.to_string(),
        (false, Some(&"peer"), Some(peer)) => {
            format!("{local}/{}", peer.split_once('/')?.1)
        }
        _ => format!("{local}/{}", if family == "inet" { 32 } else { 128 }),
    };
    Some(Address {
        interface: interface.split('@').next().unwrap_or(interface).to_string(),
        family: family.to_string(),
        address,
    })
}

/// Either format; lines of neither kind (`Message truncated`) are skipped.
/// Broken when text is there but no line names an interface (`N: NAME`).
pub fn parse(bytes: &[u8]) -> Parsed<Vec<Address>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut named = false;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !line.starts_with(char::is_whitespace) {
            // `N: NAME: <FLAGS> ...` (a block) or `N: NAME inet ...` (-o).
            let (Some(index), Some(name)) = (words.first(), words.get(1)) else {
                current = None;
                continue;
            };
            if !index.ends_with(':') || index[..index.len() - 1].parse::<u32>().is_err() {
                current = None;
                continue;
            }
            named = true;
            match name.strip_suffix(':') {
                Some(block) => current = Some(block.to_string()),
                None => {
                    current = None;
                    out.extend(address(name, &words[2..]));
                }
            }
        } else if let Some(iface) = &current {
            out.extend(address(iface, &words));
        }
    }
    if !named && !text.trim().is_empty() {
        return Err(ParseError::new(
            "no interface line (`N: NAME ...`): not ip addr's output",
        ));
    }
    whole(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_text_is_broken() {
        super::super::refuses(super::parse, b"Message truncated\n");
    }

    fn v4(list: &[Address]) -> Vec<String> {
        list.iter()
            .filter(|a| a.family == "inet")
            .map(|a| format!("{} {}", a.interface, a.address))
            .collect()
    }

    #[test]
    fn one_line_and_block_forms_agree_on_a_sos_capture() {
        let o = super::super::read(
            super::parse,
            "debian12-sos4.0/sos_commands/networking/ip_-o_addr",
        );
        let d = super::super::read(
            super::parse,
            "debian12-sos4.0/sos_commands/networking/ip_-d_address",
        );
        assert_eq!(v4(&o), ["lo 127.0.0.1/8", "eth0 192.0.2.2/24"]);
        assert_eq!(o, d);
        assert_eq!(o.len(), 5);
    }

    #[test]
    fn insights_core_sample_with_peers_and_vlans() {
        let a = super::super::read(super::parse, "insights-core/ip_address.IP_ADDR_TEST");
        assert_eq!(
            v4(&a),
            [
                "lo 127.0.0.1/8",
                "tunl1 172.30.0.1/32",
                "bond1.57 10.192.4.171/27",
                "ip.tun2 192.168.112.5/32"
            ]
        );
        assert_eq!(a.iter().filter(|a| a.family == "inet6").count(), 3);
    }
}
