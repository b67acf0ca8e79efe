//! netplan YAML (/etc/netplan/*.yaml), the subset that says how addresses
//! are assigned: `network.{ethernets,bonds,bridges,vlans,wifis}.<name>`
//! with `dhcp4` and `addresses`. A small indentation reader, not a YAML
//! parser: flow lists (`[a, b]`) and block lists (`- a`) are read; anchors,
//! multi-line scalars and other YAML features are not used by netplan files.
//!
//! Sample (Ubuntu 22.04, as subiquity writes a static interface):
//!
//! ```text
//! network:
//!   ethernets:
//!     ens3:
//!       addresses:
//!       - 192.0.2.40/24
//!       routes:
//!       - to: default
//!         via: 192.0.2.1
//!   version: 2
//! ```

use super::{Addressing, IfaceConfig};
use crate::parse::{Parsed, Partial};

const DEVICE_KINDS: &[&str] = &["ethernets", "bonds", "bridges", "vlans", "wifis"];

pub fn parse(bytes: &[u8]) -> Parsed<Vec<IfaceConfig>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<IfaceConfig> = Vec::new();
    // (indent, key) of the mappings enclosing the current line.
    let mut path: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let body = raw.split(" #").next().unwrap_or("");
        let content = body.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        let item = content.strip_prefix("- ").map(str::trim);
        // A list item belongs to the key above it even at the same indent.
        while path
            .last()
            .is_some_and(|(n, _)| *n > indent || (*n == indent && item.is_none()))
        {
            path.pop();
        }
        let keys: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).collect();
        let device = match keys.as_slice() {
            ["network", kind, name, ..] if DEVICE_KINDS.contains(kind) => Some(*name),
            _ => None,
        };
        if let Some(v) = item {
            if let (Some(name), Some(&"addresses")) = (device, keys.get(3)) {
                if keys.len() == 4 {
                    entry(&mut out, name).addresses.push(unquote(v).to_string());
                }
            }
            continue;
        }
        let (key, value) = match content.split_once(':') {
            Some((k, v)) => (unquote(k.trim()), v.trim()),
            None => continue,
        };
        if keys.len() == 2 {
            if let ["network", kind] = keys.as_slice() {
                if DEVICE_KINDS.contains(kind) {
                    entry(&mut out, key);
                }
            }
        }
        if let (Some(name), 3) = (device, keys.len()) {
            match key {
                "dhcp4" if matches!(value, "true" | "yes" | "on") => {
                    let c = entry(&mut out, name);
                    c.addressing = Addressing::Dhcp;
                    c.line = Some(i + 1);
                }
                "addresses" if value.starts_with('[') => {
                    let list = value.trim_start_matches('[').trim_end_matches(']');
                    let c = entry(&mut out, name);
                    c.addresses.extend(
                        list.split(',')
                            .map(|a| unquote(a.trim()).to_string())
                            .filter(|a| !a.is_empty()),
                    );
                }
                _ => {}
            }
        }
        if value.is_empty() {
            path.push((indent, key.to_string()));
        }
    }
    // Static: addresses given (IPv4 ones) and no DHCP for IPv4.
    for c in &mut out {
        if c.addressing != Addressing::Dhcp && c.addresses.iter().any(|a| !a.contains(':')) {
            c.addressing = Addressing::Static;
        }
    }
    Ok(Partial::whole(out))
}

fn entry<'a>(out: &'a mut Vec<IfaceConfig>, name: &str) -> &'a mut IfaceConfig {
    match out.iter().position(|c| c.name == name) {
        Some(at) => &mut out[at],
        None => {
            out.push(IfaceConfig::new(name, Addressing::Other, None));
            out.last_mut().expect("just pushed")
        }
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parsed;

    #[test]
    fn static_block_list() {
        let c = parsed(
            parse,
            "netconf/netplan/static/etc/netplan/00-installer-config.yaml",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].name.as_str(), c[0].addressing),
            ("ens3", Addressing::Static)
        );
        assert_eq!(c[0].addresses, ["192.0.2.40/24"]);
    }

    #[test]
    fn dhcp_and_flow_list() {
        let c = parsed(parse, "netconf/netplan/dhcp/etc/netplan/50-cloud-init.yaml");
        let e = c.iter().find(|c| c.name == "eth0").unwrap();
        assert_eq!(e.addressing, Addressing::Dhcp);
        let b = c.iter().find(|c| c.name == "br0").unwrap();
        assert_eq!(b.addressing, Addressing::Static);
        assert_eq!(b.addresses, ["198.51.100.5/24", "2001:db8::5/64"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        assert!(parse(b"network:\n- x\n  ethernets:\n:\n   - :\n\xff")
            .unwrap()
            .value
            .is_empty());
    }
}
