//! Mail relays: postfix main.cf (`relayhost`, `smtp_fallback_relay`,
//! `fallback_relay`: `host`, `[host]`, `[host]:port`, comma lists;
//! continuation lines start with white space; `$name` values are
//! parameters, not hosts), ssmtp.conf(5) `mailhub=host[:port]`, and
//! msmtprc (`host` and `port` per `account`, `defaults` for all).
//! SMTP's default port is 25.
//!
//! Sample (postfix main.cf, as an admin sets a relay):
//!
//! ```text
//! relayhost = [smtp.corp.lan]:587
//! smtp_sasl_auth_enable = yes
//! ```

use super::{host_port, key_value, lines, list, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

const SMTP: u16 = 25;

pub fn postfix(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    // Joined logical lines: (first line, text).
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim_start().starts_with('#') || raw.trim().is_empty() {
            continue;
        }
        match logical.last_mut() {
            Some((_, l)) if raw.starts_with([' ', '\t']) && l.len() < 64 * 1024 => {
                l.push(' ');
                l.push_str(raw.trim());
            }
            _ => logical.push((i + 1, raw.trim().to_string())),
        }
    }
    for (n, line) in logical {
        if let Some(("relayhost" | "smtp_fallback_relay" | "fallback_relay", v)) = key_value(&line)
        {
            for h in list(v).filter(|h| !h.starts_with('$')) {
                let (host, port) = host_port(h);
                found.push(Declared::new(n, Kind::Smtp, host, port.or(Some(SMTP))));
            }
        }
    }
    Ok(Partial::whole(found))
}

pub fn ssmtp(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#']) {
        if let Some((k, v)) = key_value(line) {
            if k.eq_ignore_ascii_case("mailhub") {
                let (host, port) = host_port(v);
                found.push(Declared::new(n, Kind::Smtp, host, port.or(Some(SMTP))));
            }
        }
    }
    Ok(Partial::whole(found))
}

pub fn msmtp(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut default_port = None;
    let mut in_defaults = false;
    // Accounts' (line, host, own port), in order.
    let mut accounts: Vec<(usize, String, Option<u16>)> = Vec::new();
    let mut current: Option<usize> = None;
    for (n, line) in lines(&text, &['#']) {
        let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let value = value.trim();
        match key {
            "defaults" => (in_defaults, current) = (true, None),
            "account" => (in_defaults, current) = (false, None),
            "host" if !in_defaults && accounts.len() < super::MAX_PER_FILE => {
                accounts.push((n, value.to_string(), None));
                current = Some(accounts.len() - 1);
            }
            "port" => {
                let p = value.parse().ok();
                match current {
                    Some(i) => accounts[i].2 = p,
                    None if in_defaults => default_port = p,
                    None => {}
                }
            }
            _ => {}
        }
    }
    for (n, host, port) in accounts {
        found.push(Declared::new(
            n,
            Kind::Smtp,
            host,
            port.or(default_port).or(Some(SMTP)),
        ));
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::deps::testing::got;
    use crate::parse::host_sample;

    #[test]
    fn postfix_dist_has_no_relay_until_set() {
        let dist = host_sample("debian12-deps/usr/share/postfix/main.cf.dist");
        assert!(postfix(&dist).unwrap().value.value.is_empty());
        let set = String::from_utf8(dist)
            .unwrap()
            .replace(
                "#relayhost = [gateway.my.domain]",
                "relayhost = [gateway.my.domain]:587,\n    backup.my.domain",
            )
            .replace("#relayhost = $mydomain", "fallback_relay = $mydomain");
        assert_eq!(
            got(&postfix(set.as_bytes()).unwrap().value),
            [
                (344, "gateway.my.domain", Some(587)),
                (344, "backup.my.domain", Some(25))
            ]
        );
    }

    #[test]
    fn msmtp_examples() {
        let f = msmtp(&host_sample(
            "debian12-deps/usr/share/doc/msmtp/examples/msmtprc-system.example",
        ))
        .unwrap()
        .value;
        assert_eq!(got(&f), [(9, "mail.oursite.example", Some(465))]);
        let f = msmtp(&host_sample(
            "debian12-deps/usr/share/doc/msmtp/examples/msmtprc-user.example",
        ))
        .unwrap()
        .value;
        let hosts = crate::parse::deps::testing::targets(&f);
        assert_eq!(
            hosts,
            [
                ("smtp.freemail.example", Some(587)),
                ("mail.company.example", Some(587))
            ]
        );
    }

    #[test]
    fn ssmtp_mailhub() {
        let f = ssmtp(b"root=postmaster\nmailhub=mail.corp.lan:587\nAuthPass=<redacted>\n")
            .unwrap()
            .value;
        assert_eq!(got(&f), [(2, "mail.corp.lan", Some(587))]);
        assert_eq!(
            ssmtp(b"mailhub=10.0.0.25\n").unwrap().value.value[0].port,
            Some(25)
        );
    }
}
