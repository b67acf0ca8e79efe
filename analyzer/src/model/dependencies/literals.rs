//! IPv4 address literals in configuration text: the dotted quads, each
//! octet at most 255, not inside a longer run of digits and dots (a
//! version number such as 1.2.3.4.5 is not an address).

use std::net::Ipv4Addr;

/// Each literal's 1-based line and address, in order, at most `cap`.
pub fn ipv4(bytes: &[u8], cap: usize) -> Vec<(usize, Ipv4Addr)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() && out.len() < cap {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if !b.is_ascii_digit() || (i > 0 && part_of_word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|c| !(c.is_ascii_digit() || *c == b'.'))
            .map_or(bytes.len(), |n| i + n);
        let run = bytes[i..end].strip_suffix(b".").unwrap_or(&bytes[i..end]);
        let glued = end < bytes.len() && part_of_word(bytes[end]) && bytes[end] != b'.';
        if !glued {
            if let Some(a) = std::str::from_utf8(run).ok().and_then(|s| s.parse().ok()) {
                out.push((line, a));
            }
        }
        i = end;
    }
    out
}

fn part_of_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_look_alikes() {
        let got = ipv4(
            b"GATEWAY=10.1.2.1\nroute 192.168.5.0/24 via 10.1.2.254.\nversion 1.2.3.4.5 v10.0.0.1 999.1.1.1\nhost-10.0.0.9 x\n",
            10,
        );
        let got: Vec<_> = got.into_iter().map(|(l, a)| (l, a.to_string())).collect();
        assert_eq!(
            got,
            [
                (1, "10.1.2.1".into()),
                (2, "192.168.5.0".into()),
                (2, "10.1.2.254".into())
            ]
        );
        assert_eq!(ipv4(b"1.1.1.1 2.2.2.2 3.3.3.3", 2).len(), 2);
    }
}
