//! LDAP clients' server lists: OpenLDAP's ldap.conf(5) (`/etc/ldap/ldap.conf`,
//! `/etc/openldap/ldap.conf`), nslcd.conf(5) and the older pam_ldap /
//! nss_ldap `/etc/ldap.conf`. Keys are case-insensitive; `URI` takes one or
//! more URLs, the deprecated `HOST` takes names with optional ports (and
//! `PORT` their default). `ldapi://` is a local socket, not a dependency.
//!
//! Sample (nslcd.conf, as nslcd's examples ship it):
//!
//! ```text
//! #uri ldap://127.0.0.1/
//! uri ldap://127.0.0.1/
//! base dc=example,dc=com
//! ```

use super::{host_port, lines, url, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn parse(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut hosts: Vec<(usize, String, Option<u16>)> = Vec::new();
    let mut default_port = None;
    for (n, line) in lines(&text, &['#']) {
        let mut words = line.split_whitespace();
        let key = words.next().unwrap_or("").to_ascii_lowercase();
        match key.as_str() {
            "uri" => {
                for u in words.filter_map(url).filter(|u| u.scheme != "ldapi") {
                    found.push(Declared::new(n, Kind::Ldap, u.host, u.port.or(Some(389))));
                }
            }
            "host" => {
                for w in words {
                    if hosts.len() < super::MAX_PER_FILE {
                        let (h, p) = host_port(w);
                        hosts.push((n, h, p));
                    } else {
                        found.dropped += 1;
                    }
                }
            }
            "port" => default_port = words.next().and_then(|p| p.parse().ok()),
            _ => {}
        }
    }
    for (n, h, p) in hosts {
        found.push(Declared::new(
            n,
            Kind::Ldap,
            h,
            p.or(default_port).or(Some(389)),
        ));
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample;

    fn targets(f: &Found) -> Vec<(usize, &str, Option<u16>)> {
        f.value
            .iter()
            .map(|d| (d.line, d.target.as_str(), d.port))
            .collect()
    }

    #[test]
    fn nslcd_example_names_its_one_server() {
        let f = parse(&host_sample(
            "debian12-deps/usr/share/doc/nslcd/examples/nslcd.conf",
        ))
        .unwrap()
        .value;
        assert_eq!(targets(&f), [(18, "127.0.0.1", Some(389))]);
    }

    #[test]
    fn openldap_shipped_file_declares_nothing_until_uri_is_set() {
        let shipped = host_sample("debian12-deps/etc/ldap/ldap.conf");
        assert!(parse(&shipped).unwrap().value.value.is_empty());
        let mut set = String::from_utf8(shipped).unwrap();
        set = set.replace(
            "#URI\tldap://ldap.example.com ldap://ldap-provider.example.com:666",
            "URI\tldap://ldap.example.com ldaps://ldap-provider.example.com:666 ldapi:///",
        );
        assert_eq!(
            targets(&parse(set.as_bytes()).unwrap().value),
            [
                (9, "ldap.example.com", Some(389)),
                (9, "ldap-provider.example.com", Some(666))
            ]
        );
    }

    #[test]
    fn pam_ldap_host_and_port() {
        let f = parse(b"host 10.1.2.3 ldap2.corp:3389\nport 1389\nbase dc=corp\n")
            .unwrap()
            .value;
        assert_eq!(
            targets(&f),
            [(1, "10.1.2.3", Some(1389)), (1, "ldap2.corp", Some(3389))]
        );
    }
}
