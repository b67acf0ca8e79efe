//! Time servers: ntp.conf(5) (ntpd and NTPsec: `server`, `pool`, `peer`),
//! chrony.conf(5) (`server`, `pool`, `peer`, with `port N`) and
//! timesyncd.conf(5) (`NTP=` and `FallbackNTP=` in `[Time]`, space
//! separated). ntpd's reference clocks (`127.127.t.u`) are local drivers.
//! chrony also takes `!`, `%` and `;` as comment marks.
//!
//! Sample (NTPsec's /etc/ntpsec/ntp.conf, as Debian ships it):
//!
//! ```text
//! pool 0.debian.pool.ntp.org iburst
//! pool 1.debian.pool.ntp.org iburst
//! restrict 127.0.0.1
//! ```

use super::{key_value, lines, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

const NTP: u16 = 123;

/// ntp.conf and chrony.conf (one grammar for the lines that matter).
pub fn parse(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#', '!', '%', ';']) {
        let mut words = line.split_whitespace();
        if !matches!(words.next(), Some("server" | "pool" | "peer")) {
            continue;
        }
        let mut words = words.skip_while(|w| w.starts_with('-'));
        let Some(host) = words.next() else { continue };
        if host.starts_with("127.127.") {
            continue;
        }
        let rest: Vec<&str> = words.collect();
        let port = rest
            .windows(2)
            .find(|w| w[0] == "port")
            .and_then(|w| w[1].parse().ok())
            .unwrap_or(NTP);
        found.push(Declared::new(n, Kind::Ntp, host, Some(port)));
    }
    Ok(Partial::whole(found))
}

/// timesyncd.conf and its drop-ins.
pub fn timesyncd(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut time = false;
    for (n, line) in lines(&text, &['#', ';']) {
        if line.starts_with('[') {
            time = line == "[Time]";
            continue;
        }
        match key_value(line) {
            Some(("NTP" | "FallbackNTP", v)) if time => {
                for host in v.split_whitespace() {
                    found.push(Declared::new(n, Kind::Ntp, host, Some(NTP)));
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

    fn hosts(f: &Found) -> Vec<(usize, &str)> {
        f.value
            .iter()
            .map(|d| (d.line, d.target.as_str()))
            .collect()
    }

    #[test]
    fn ntpsec_debian_pools() {
        let f = parse(&host_sample("debian12-deps/etc/ntpsec/ntp.conf"))
            .unwrap()
            .value;
        assert_eq!(
            hosts(&f),
            [
                (34, "0.debian.pool.ntp.org"),
                (35, "1.debian.pool.ntp.org"),
                (36, "2.debian.pool.ntp.org"),
                (37, "3.debian.pool.ntp.org")
            ]
        );
        assert!(f.value.iter().all(|d| d.port == Some(123)));
    }

    #[test]
    fn chrony_debian_and_upstream_examples() {
        let f = parse(&host_sample("debian12-deps/usr/share/chrony/chrony.conf"))
            .unwrap()
            .value;
        assert_eq!(hosts(&f), [(8, "2.debian.pool.ntp.org")]);
        let f = parse(&host_sample(
            "debian12-deps/usr/share/doc/chrony/examples/chrony.conf.example1",
        ))
        .unwrap()
        .value;
        assert_eq!(hosts(&f), [(2, "pool.ntp.org")]);
        // example3 holds only `!`-commented servers.
        let f = parse(&host_sample(
            "debian12-deps/usr/share/doc/chrony/examples/chrony.conf.example3",
        ))
        .unwrap()
        .value;
        assert!(f.value.is_empty(), "{:?}", f.value);
    }

    #[test]
    fn ports_flags_and_reference_clocks() {
        let f = parse(
            b"server -4 10.0.0.1 iburst\nserver 127.127.1.0\nserver ntp.corp port 1123 iburst\n",
        )
        .unwrap()
        .value;
        let got = crate::parse::deps::testing::targets(&f);
        assert_eq!(got, [("10.0.0.1", Some(123)), ("ntp.corp", Some(1123))]);
    }

    #[test]
    fn timesyncd_shipped_and_set() {
        assert!(
            timesyncd(&host_sample("debian12-deps/etc/systemd/timesyncd.conf"))
                .unwrap()
                .value
                .value
                .is_empty()
        );
        let f = timesyncd(b"[Time]\nNTP=10.0.0.1 ntp.corp\nFallbackNTP=0.debian.pool.ntp.org\n")
            .unwrap()
            .value;
        assert_eq!(
            hosts(&f),
            [
                (2, "10.0.0.1"),
                (2, "ntp.corp"),
                (3, "0.debian.pool.ntp.org")
            ]
        );
    }
}
