//! sssd.conf(5): each `[domain/NAME]` section names its servers by
//! provider: `ldap_uri`/`ldap_backup_uri`/`ldap_chpass_uri` (URLs),
//! `krb5_server`/`krb5_backup_server`/`krb5_kpasswd` (`host[:port]`),
//! `ad_server`/`ad_backup_server` and `ad_domain`, `ipa_server` and
//! `ipa_domain`. `_srv_` asks DNS for SRV records: the domain is then the
//! dependency. Comments start with `#` or `;`.
//!
//! Sample (sssd-common's example, its AD domain uncommented):
//!
//! ```text
//! [domain/AD]
//! id_provider = ldap
//! auth_provider = krb5
//! ldap_uri = ldap://your.ad.example.com
//! krb5_server = your.ad.example.com
//! krb5_realm = EXAMPLE.COM
//! ```

use super::{host_port, key_value, lines, list, url, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn parse(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut in_domain = false;
    for (n, line) in lines(&text, &['#', ';']) {
        if line.starts_with('[') {
            in_domain = line.trim_start_matches('[').starts_with("domain/");
            continue;
        }
        let Some((key, value)) = key_value(line).filter(|_| in_domain) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        let (kind, port) = match key.as_str() {
            "ldap_uri" | "ldap_backup_uri" | "ldap_chpass_uri" | "ldap_chpass_backup_uri" => {
                for u in list(value).filter_map(url).filter(|u| u.scheme != "ldapi") {
                    found.push(Declared::new(n, Kind::Ldap, u.host, u.port.or(Some(389))));
                }
                continue;
            }
            "krb5_server" | "krb5_backup_server" => (Kind::Kerberos, 88),
            "krb5_kpasswd" | "krb5_backup_kpasswd" => (Kind::Kerberos, 464),
            "ad_server" | "ad_backup_server" | "ad_domain" => (Kind::ActiveDirectory, 389),
            "ipa_server" | "ipa_backup_server" | "ipa_domain" => (Kind::Ldap, 389),
            _ => continue,
        };
        for s in list(value).filter(|s| *s != "_srv_") {
            let (h, p) = host_port(s);
            let p = if key.ends_with("_domain") {
                None
            } else {
                p.or(Some(port))
            };
            found.push(Declared::new(n, kind, h, p));
        }
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample;

    #[test]
    fn the_shipped_example_is_all_commented_out() {
        let f = parse(&host_sample(
            "debian12-deps/usr/share/doc/sssd-common/examples/sssd-example.conf",
        ))
        .unwrap()
        .value;
        assert!(f.value.is_empty(), "{:?}", f.value);
    }

    #[test]
    fn the_example_ad_domain_uncommented() {
        let text = String::from_utf8(host_sample(
            "debian12-deps/usr/share/doc/sssd-common/examples/sssd-example.conf",
        ))
        .unwrap();
        let on: String = text
            .lines()
            .map(|l| l.strip_prefix("; ").unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let got = super::super::testing::declared(parse(on.as_bytes()));
        assert_eq!(
            got,
            [
                (23, Kind::Ldap, "ldap.mydomain.org".into(), Some(389)),
                (42, Kind::Ldap, "your.ad.example.com".into(), Some(389)),
                (53, Kind::Kerberos, "your.ad.example.com".into(), Some(88)),
            ]
        );
    }

    #[test]
    fn servers_lists_srv_and_sections() {
        let f = parse(
            b"[sssd]\nldap_uri = ldap://not-a-domain\n[domain/corp.lan]\n\
              ad_server = _srv_, dc1.corp.lan, 10.1.2.10\nad_domain = corp.lan\n\
              krb5_server = kdc.corp.lan:8888\n",
        )
        .unwrap()
        .value;
        let got = super::super::testing::kinds(&f);
        assert_eq!(
            got,
            [
                (Kind::ActiveDirectory, "dc1.corp.lan", Some(389)),
                (Kind::ActiveDirectory, "10.1.2.10", Some(389)),
                (Kind::ActiveDirectory, "corp.lan", None),
                (Kind::Kerberos, "kdc.corp.lan", Some(8888)),
            ]
        );
    }
}
