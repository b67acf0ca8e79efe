//! `/proc/net/if_inet6`: the IPv6 addresses of each interface, for kernels
//! and probes that have no `getifaddrs` fact.
//!
//! Sample:
//!
//! ```text
//! 00000000000000000000000000000001 01 80 10 80       lo
//! fe80000000000000505400fffe123456 02 40 20 80     eth0
//! ```
//!
//! Fields: address (32 hex digits), ifindex, prefix length, scope, flags
//! (all hex), name. Malformed lines are skipped, by line.

use std::net::Ipv6Addr;

use super::{shown, ParseError, Parsed, Partial};

/// (interface name, `ADDR/PREFIX`) in file order.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<(String, String)>> {
    let mut errors = Vec::new();
    let value = String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .filter_map(|(i, line)| {
            let address = || -> Option<(String, String)> {
                let f: Vec<&str> = line.split_whitespace().collect();
                let [hex, _, prefix, _, _, name] = f.as_slice() else {
                    return None;
                };
                let bits = u128::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 32)?;
                let prefix = u8::from_str_radix(prefix, 16).ok()?;
                Some((
                    name.to_string(),
                    format!("{}/{prefix}", Ipv6Addr::from(bits)),
                ))
            };
            let found = address();
            if found.is_none() {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("not an address line: {}", shown(line)),
                ));
            }
            found
        })
        .collect();
    Ok(Partial::new(value, errors))
}

#[cfg(test)]
mod tests {
    #[test]
    fn sample() {
        let got = super::parse(
            b"00000000000000000000000000000001 01 80 10 80       lo\n\
              fe80000000000000505400fffe123456 02 40 20 80     eth0\nshort line\n",
        )
        .unwrap();
        assert_eq!(got.errors.len(), 1);
        assert_eq!(got.errors[0].line, Some(3));
        assert_eq!(
            got.value,
            [
                ("lo".to_string(), "::1/128".to_string()),
                ("eth0".to_string(), "fe80::5054:ff:fe12:3456/64".to_string())
            ]
        );
    }
}
