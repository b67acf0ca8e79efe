//! Monitoring and backup agents' servers: zabbix_agentd.conf
//! (`Server=` lists the servers that poll the agent on 10050;
//! `ServerActive=` those it sends to, 10051 by default), nrpe.cfg
//! (`allowed_hosts=`: the Nagios servers that poll it on 5666; a CIDR
//! range counts by its network address) and the bacula/bareos file
//! daemon's `Director` resources (the director that connects on 9102;
//! its `Address`, when the client connects to it, on 9101; monitor-only
//! directors are left out).
//!
//! Sample (zabbix-agent's shipped file, nrpe, bacula-fd):
//!
//! ```text
//! Server=127.0.0.1
//! ServerActive=127.0.0.1
//! allowed_hosts=127.0.0.1,::1
//! Director {
//!   Name = backup-dir
//!   Password = "<redacted>"
//! }
//! ```

use super::{host_port, key_value, lines, list, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn zabbix(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#']) {
        let (default, v) = match key_value(line) {
            Some(("Server", v)) => (10050, v),
            Some(("ServerActive", v)) => (10051, v),
            _ => continue,
        };
        // ServerActive separates clusters with `;`.
        for s in list(&v.replace(';', ",")) {
            let (h, p) = if default == 10050 {
                (s.to_string(), None)
            } else {
                host_port(s)
            };
            found.push(Declared::new(n, Kind::Monitoring, h, p.or(Some(default))));
        }
    }
    Ok(Partial::whole(found))
}

pub fn nrpe(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#']) {
        if let Some(("allowed_hosts", v)) = key_value(line) {
            for h in list(v) {
                let h = h.split('/').next().unwrap_or(h);
                found.push(Declared::new(n, Kind::Monitoring, h, Some(5666)));
            }
        }
    }
    Ok(Partial::whole(found))
}

/// An open `Director { ... }` resource: its name and address with their
/// lines, and whether it only monitors.
#[derive(Default)]
struct Director {
    name: Option<(usize, String)>,
    address: Option<(usize, String)>,
    monitor: bool,
}

/// bacula-fd.conf, bareos-fd.conf and bareos-fd.d/director/*.conf.
pub fn bacula_fd(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut director: Option<Director> = None;
    let mut depth = 0usize;
    for (n, line) in lines(&text, &['#']) {
        let opens = line.matches('{').count();
        if depth == 0
            && opens > 0
            && line
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("director")
        {
            director = Some(Director::default());
        }
        if let Some(Director {
            name,
            address,
            monitor,
        }) = director.as_mut()
        {
            for part in line.split([';', '{', '}']) {
                let Some((k, v)) = key_value(part) else {
                    continue;
                };
                let v = v.trim_matches('"').to_string();
                match k.to_ascii_lowercase().replace(' ', "").as_str() {
                    "name" => *name = Some((n, v)),
                    "address" => *address = Some((n, v)),
                    "monitor" => *monitor = v.eq_ignore_ascii_case("yes"),
                    _ => {}
                }
            }
        }
        depth += opens;
        depth = depth.saturating_sub(line.matches('}').count());
        if depth == 0 {
            if let Some(Director {
                name,
                address,
                monitor,
            }) = director.take()
            {
                match (address, name) {
                    _ if monitor => {}
                    (Some((n, a)), _) => found.push(Declared::new(n, Kind::Backup, a, Some(9101))),
                    (None, Some((n, name))) => {
                        found.push(Declared::new(n, Kind::Backup, name, Some(9102)))
                    }
                    (None, None) => {}
                }
            }
        }
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::deps::testing::got;
    use crate::parse::host_sample;

    #[test]
    fn zabbix_shipped_and_set() {
        let f = zabbix(&host_sample(
            "debian12-deps/usr/share/zabbix-agent/zabbix_agentd.conf",
        ))
        .unwrap()
        .value;
        assert_eq!(
            got(&f),
            [
                (117, "127.0.0.1", Some(10050)),
                (171, "127.0.0.1", Some(10051))
            ]
        );
        let f = zabbix(
            b"Server=10.1.0.40,zbx.corp.lan\nServerActive=zbx1.corp.lan:20051;zbx2.corp.lan\n",
        )
        .unwrap()
        .value;
        assert_eq!(
            got(&f),
            [
                (1, "10.1.0.40", Some(10050)),
                (1, "zbx.corp.lan", Some(10050)),
                (2, "zbx1.corp.lan", Some(20051)),
                (2, "zbx2.corp.lan", Some(10051))
            ]
        );
    }

    #[test]
    fn nrpe_shipped_allowed_hosts() {
        let f = nrpe(&host_sample("debian12-deps/etc/nagios/nrpe.cfg"))
            .unwrap()
            .value;
        assert_eq!(
            got(&f),
            [(106, "127.0.0.1", Some(5666)), (106, "::1", Some(5666))]
        );
        assert_eq!(
            nrpe(b"allowed_hosts=10.1.0.0/24\n").unwrap().value.value[0].target,
            "10.1.0.0"
        );
    }

    #[test]
    fn bacula_fd_default_config() {
        let f = bacula_fd(&host_sample(
            "debian12-deps/usr/share/bacula-common/defconfig/bacula-fd.conf",
        ))
        .unwrap()
        .value;
        // The -mon director only monitors.
        assert_eq!(got(&f), [(18, "@debian_basename@-dir", Some(9102))]);
        let f = bacula_fd(b"Director {\n  Name = backup-dir\n  Address = 10.1.0.60\n  Connect To Director = yes\n}\n").unwrap().value;
        assert_eq!(got(&f), [(3, "10.1.0.60", Some(9101))]);
    }
}
