//! Interface addressing, one parser per configuration format: what each
//! file says about an interface (static or DHCP, and which addresses). The
//! model decides which file the host really uses and cross-checks the live
//! addresses.

pub mod dhclient;
pub mod ifcfg;
pub mod ifupdown;
pub mod keyfile;
pub mod netplan;
pub mod networkd;

use serde::Serialize;

/// How a file says an interface gets its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Addressing {
    Static,
    Dhcp,
    /// Anything else (`manual`, `loopback`, `link-local`, `disabled`, no
    /// IPv4 method at all): the migration neither keeps nor renews it.
    Other,
}

/// One interface as one file configures it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IfaceConfig {
    /// The interface name; empty when the file does not say (an ifcfg file
    /// without DEVICE is named by its file name, which the caller knows).
    pub name: String,
    pub addressing: Addressing,
    /// Configured addresses as `ADDR/PREFIX` (or bare when no prefix given).
    pub addresses: Vec<String>,
    /// 1-based line that decided the addressing, when the format has lines.
    pub line: Option<usize>,
}

impl IfaceConfig {
    fn new(name: &str, addressing: Addressing, line: Option<usize>) -> Self {
        IfaceConfig {
            name: name.to_string(),
            addressing,
            addresses: Vec::new(),
            line,
        }
    }
}

/// The prefix length of a dotted IPv4 netmask (`255.255.255.0` is 24);
/// None when it is not a contiguous mask.
pub fn netmask_prefix(mask: &str) -> Option<u8> {
    let ip: std::net::Ipv4Addr = mask.trim().parse().ok()?;
    let bits = u32::from(ip);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

/// `key=value` lines under `[section]` headers (NetworkManager keyfiles,
/// systemd-networkd): (line, section, key, value), comments dropped; a
/// line that is neither a header nor `key=value` is skipped, by line.
type IniLine = (usize, String, String, String);
fn ini(bytes: &[u8]) -> (Vec<IniLine>, Vec<crate::parse::ParseError>) {
    let text = String::from_utf8_lossy(bytes);
    let mut section = String::new();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((i + 1, section.clone(), k.trim().into(), v.trim().into()));
        } else {
            errors.push(crate::parse::ParseError::at_line(
                i + 1,
                format!("not [section] or key=value: {}", crate::parse::shown(line)),
            ));
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmasks() {
        assert_eq!(netmask_prefix("255.255.255.0"), Some(24));
        assert_eq!(netmask_prefix("255.255.0.0"), Some(16));
        assert_eq!(netmask_prefix("0.0.0.0"), Some(0));
        assert_eq!(netmask_prefix("255.255.255.255"), Some(32));
        assert_eq!(netmask_prefix("255.0.255.0"), None);
        assert_eq!(netmask_prefix("junk"), None);
    }
}
