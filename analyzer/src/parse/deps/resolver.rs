//! Name resolution: resolv.conf(5) (`nameserver` addresses, port 53;
//! `search` and `domain` names, which resolve only inside) and hosts(5)
//! (an address and the names pinned to it).
//!
//! Sample (/etc/resolv.conf, /etc/hosts):
//!
//! ```text
//! search corp.lan
//! nameserver 10.1.0.2
//!
//! 10.1.0.50   files.corp.lan files
//! ```

use std::net::IpAddr;

use super::{lines, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn resolv_conf(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#', ';']) {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => {
                if let Some(a) = words.next() {
                    // `fe80::1%eth0`: the zone is the host's own.
                    let a = a.split('%').next().unwrap_or(a);
                    found.push(Declared::new(n, Kind::Dns, a, Some(53)));
                }
            }
            Some("search" | "domain") => {
                for d in words.take(64) {
                    found.push(Declared::new(
                        n,
                        Kind::DnsSearch,
                        d.trim_end_matches('.'),
                        None,
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(Partial::whole(found))
}

/// One /etc/hosts line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub line: usize,
    pub address: IpAddr,
    pub names: Vec<String>,
}

/// The lines of /etc/hosts whose first word is an address, up to the cap,
/// and how many more there were; a line that starts with no address is
/// skipped, by line (the resolver ignores it).
pub fn hosts(bytes: &[u8]) -> Parsed<(Vec<Pin>, usize)> {
    let text = String::from_utf8_lossy(bytes);
    let mut pins = Vec::new();
    let mut dropped = 0;
    let mut errors = Vec::new();
    for (n, line) in lines(&text, &['#']) {
        let mut words = line.split_whitespace();
        let Some(address) = words.next().and_then(|a| a.parse().ok()) else {
            if !line.trim().is_empty() {
                errors.push(crate::parse::ParseError::at_line(
                    n,
                    format!("no address first: {}", crate::parse::shown(line.trim())),
                ));
            }
            continue;
        };
        if pins.len() == super::MAX_PER_FILE {
            dropped += 1;
            continue;
        }
        pins.push(Pin {
            line: n,
            address,
            names: words.take(64).map(str::to_ascii_lowercase).collect(),
        });
    }
    Ok(Partial::new((pins, dropped), errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;

    #[test]
    fn resolv_conf_servers_and_search() {
        let centos = std::fs::read(fixture("centos6-sysv").join("etc/resolv.conf")).unwrap();
        let got: Vec<_> = resolv_conf(&centos)
            .unwrap()
            .value
            .value
            .into_iter()
            .map(|d| (d.line, d.target))
            .collect();
        assert_eq!(
            got,
            [(2, "example.lan".into()), (3, "192.168.122.1".into())]
        );
        let f = resolv_conf(b"# by hand\nsearch corp.lan. lab.corp.lan\nnameserver 10.1.0.2\nnameserver fe80::1%eth0\noptions edns0\n").unwrap().value;
        let got: Vec<_> = f
            .value
            .iter()
            .map(|d| (d.line, d.kind, d.target.as_str(), d.port))
            .collect();
        assert_eq!(
            got,
            [
                (2, Kind::DnsSearch, "corp.lan", None),
                (2, Kind::DnsSearch, "lab.corp.lan", None),
                (3, Kind::Dns, "10.1.0.2", Some(53)),
                (4, Kind::Dns, "fe80::1", Some(53)),
            ]
        );
    }

    #[test]
    fn debian_hosts_file() {
        let debian =
            hosts(&std::fs::read(fixture("debian12-systemd").join("etc/hosts")).unwrap()).unwrap();
        assert_eq!(debian.errors, []);
        let (pins, _) = debian.value;
        assert_eq!(pins.len(), 5);
        assert_eq!(pins[1].address.to_string(), "127.0.1.1");
        assert_eq!(pins[1].names, ["deb12-web.example.lan", "deb12-web"]);
        assert_eq!(pins[4].line, 7);
        let p = hosts(b"10.1.0.50 Files.corp.lan files # the filer\nbad line\n").unwrap();
        assert_eq!(p.errors[0].line, Some(2));
        let (pins, dropped) = p.value;
        assert_eq!(dropped, 0);
        assert_eq!(pins[0].names, ["files.corp.lan", "files"]);
        assert_eq!(pins.len(), 1);
    }
}
