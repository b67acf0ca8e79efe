//! krb5.conf(5): the KDCs (`kdc`, `master_kdc`, port 88), `admin_server`
//! (749) and `kpasswd_server` (464) of the default realm, from
//! `[libdefaults] default_realm` and its `[realms]` block. A krb5.conf
//! often lists many realms (Debian's template lists thirty) of which the
//! host uses one: only the default realm's servers are its dependencies.
//! A default realm without a `[realms]` block is found through DNS: the
//! realm itself is then the dependency. Without a default realm, every
//! realm's servers are listed.
//!
//! Sample (Debian's krb5-config template):
//!
//! ```text
//! [libdefaults]
//!     default_realm = ATHENA.MIT.EDU
//! [realms]
//!     ATHENA.MIT.EDU = {
//!         kdc = kerberos.mit.edu
//!         kdc = kerberos-2.mit.edu:88
//!         admin_server = kerberos.mit.edu
//!     }
//! ```

use super::{host_port, key_value, lines, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn parse(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut default_realm: Option<(usize, String)> = None;
    let mut servers: Vec<(String, Declared)> = Vec::new();
    let mut section = String::new();
    let mut realm: Option<String> = None;
    let mut depth = 0usize;
    for (n, line) in lines(&text, &['#', ';']) {
        if line.starts_with('[') && depth == 0 {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        if line.starts_with('}') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                realm = None;
            }
            continue;
        }
        let Some((key, value)) = key_value(line) else {
            continue;
        };
        if value.ends_with('{') {
            depth += 1;
            if depth == 1 && section == "realms" {
                realm = Some(key.to_string());
            }
            continue;
        }
        match (section.as_str(), key, &realm) {
            ("libdefaults", "default_realm", _) => default_realm = Some((n, value.to_string())),
            ("realms", "kdc" | "master_kdc" | "admin_server" | "kpasswd_server", Some(r))
                if depth == 1 && servers.len() < 10 * super::MAX_PER_FILE =>
            {
                let (h, p) = host_port(value);
                let port = match key {
                    "admin_server" => 749,
                    "kpasswd_server" => 464,
                    _ => 88,
                };
                servers.push((
                    r.clone(),
                    Declared::new(n, Kind::Kerberos, h, p.or(Some(port))),
                ));
            }
            _ => {}
        }
    }
    let mut found = Found::default();
    match default_realm {
        Some((n, realm)) if !servers.iter().any(|(r, _)| *r == realm) => {
            found.push(Declared::new(n, Kind::Kerberos, realm, Some(88)));
        }
        Some((_, realm)) => {
            for (_, d) in servers.into_iter().filter(|(r, _)| *r == realm) {
                found.push(d);
            }
        }
        None => {
            for (_, d) in servers {
                found.push(d);
            }
        }
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample;

    #[test]
    fn debian_template_default_realm_only() {
        let f = parse(&host_sample(
            "debian12-deps/usr/share/kerberos-configs/krb5.conf.template",
        ))
        .unwrap()
        .value;
        let got: Vec<_> = f
            .value
            .iter()
            .map(|d| (d.line, d.target.as_str(), d.port))
            .collect();
        assert_eq!(
            got,
            [
                (17, "kerberos.mit.edu", Some(88)),
                (18, "kerberos-1.mit.edu", Some(88)),
                (19, "kerberos-2.mit.edu", Some(88)),
                (20, "kerberos.mit.edu", Some(749)),
            ]
        );
    }

    #[test]
    fn a_realm_found_through_dns_and_no_default() {
        let f = parse(b"[libdefaults]\n default_realm = CORP.LAN\n dns_lookup_kdc = true\n")
            .unwrap()
            .value;
        assert_eq!(f.value[0].target, "CORP.LAN");
        let f = parse(b"[realms]\n A = {\n  kdc = 10.0.0.5\n }\n B = {\n  kdc = kdc.b:750\n }\n")
            .unwrap()
            .value;
        let got = crate::parse::deps::testing::targets(&f);
        assert_eq!(got, [("10.0.0.5", Some(88)), ("kdc.b", Some(750))]);
    }
}
