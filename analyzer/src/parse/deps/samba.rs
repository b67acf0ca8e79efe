//! smb.conf(5), `[global]` only: the Active Directory `realm` (when
//! `security = ads`, the host is a domain member and its DCs are found
//! through the realm's DNS), `password server` (named DCs, `*` meaning
//! "ask DNS"), `wins server` (name resolution, port 137) and an `ldapsam`
//! passdb's LDAP URLs. Keys ignore case and spaces; `#` and `;` comment.
//!
//! Sample (samba-common's smb.conf.default, `realm` uncommented):
//!
//! ```text
//! [global]
//!    workgroup = MYGROUP
//!    realm = MY_REALM
//! ```

use super::{host_port, key_value, lines, list, url, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn parse(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut global = true;
    for (n, line) in lines(&text, &['#', ';']) {
        if line.starts_with('[') {
            global = line.eq_ignore_ascii_case("[global]");
            continue;
        }
        let Some((key, value)) = key_value(line).filter(|_| global) else {
            continue;
        };
        let key: String = key
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "realm" => found.push(Declared::new(n, Kind::ActiveDirectory, value, None)),
            "passwordserver" => {
                for s in list(value).filter(|s| *s != "*") {
                    let (h, p) = host_port(s);
                    found.push(Declared::new(n, Kind::ActiveDirectory, h, p.or(Some(445))));
                }
            }
            "winsserver" => {
                for s in list(value) {
                    let (h, _) = host_port(s);
                    found.push(Declared::new(n, Kind::Dns, h, Some(137)));
                }
            }
            "passdbbackend" => {
                let urls = value.split_once(':').map_or("", |(_, u)| u);
                for u in list(urls).filter_map(url) {
                    found.push(Declared::new(n, Kind::Ldap, u.host, u.port.or(Some(389))));
                }
            }
            _ => {}
        }
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample;

    #[test]
    fn debian_standalone_server_declares_nothing() {
        assert!(
            parse(&host_sample("debian12-deps/usr/share/samba/smb.conf"))
                .unwrap()
                .value
                .value
                .is_empty()
        );
    }

    #[test]
    fn the_default_example_with_realm_and_wins_set() {
        let text = String::from_utf8(host_sample(
            "debian12-deps/usr/share/doc/samba-common/examples/smb.conf.default",
        ))
        .unwrap()
        .replace(";   realm = MY_REALM", "   realm = CORP.LAN")
        .replace(";   wins server = w.x.y.z", "   wins server = 10.1.0.2");
        let got = super::super::testing::declared(parse(text.as_bytes()));
        assert_eq!(
            got,
            [
                (61, Kind::ActiveDirectory, "CORP.LAN".into(), None),
                (91, Kind::Dns, "10.1.0.2".into(), Some(137)),
            ]
        );
    }

    #[test]
    fn password_servers_and_ldapsam() {
        let f = parse(
            b"[global]\n password server = dc1.corp *  10.1.0.3:1445\n\
              passdb backend = ldapsam:\"ldap://ldap1.corp ldaps://ldap2.corp\"\n[share]\n realm = X\n",
        ).unwrap().value;
        let got = super::super::testing::kinds(&f);
        assert_eq!(
            got,
            [
                (Kind::ActiveDirectory, "dc1.corp", Some(445)),
                (Kind::ActiveDirectory, "10.1.0.3", Some(1445)),
                (Kind::Ldap, "ldap1.corp", Some(389)),
                (Kind::Ldap, "ldap2.corp", Some(636)),
            ]
        );
    }
}
