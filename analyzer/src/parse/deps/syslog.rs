//! Remote log targets: rsyslog.conf(5) and sysklogd's syslog.conf legacy
//! actions (`*.* @host` UDP, `@@host` TCP, with `(o)`/`(z9)` options,
//! `host:port` or `[v6]:port`; `:omrelp:host:port`), rsyslog's
//! RainerScript `action(type="omfwd" target="..." port="...")` (over
//! several lines too), and syslog-ng.conf(5) destinations: `network()`,
//! `tcp()`, `udp()`, `tcp6()`, `udp6()` and `syslog()` drivers with a host
//! and an optional `port()`.
//!
//! Sample (rsyslog legacy and RainerScript, syslog-ng):
//!
//! ```text
//! *.* @@(o)logs.corp.lan:10514
//! action(type="omfwd" target="10.1.2.3" port="514" protocol="udp")
//! destination d_net { network("10.1.2.4" transport("tcp") port(601)); };
//! ```

use super::{host_port, lines, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

const SYSLOG: u16 = 514;

/// rsyslog.conf, rsyslog.d/*, syslog.conf.
pub fn rsyslog(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    // An open `action(`: its first line and the text so far.
    let mut action: Option<(usize, String)> = None;
    for (n, line) in lines(&text, &['#']) {
        if let Some((start, mut body)) = action.take() {
            body.push(' ');
            body.push_str(line);
            if body.len() > 64 * 1024 || body.contains(')') {
                omfwd(&body, start, &mut found);
            } else {
                action = Some((start, body));
            }
            continue;
        }
        if let Some(at) = line.to_ascii_lowercase().find("action(") {
            let body = line[at..].to_string();
            if body.contains(')') {
                omfwd(&body, n, &mut found);
            } else {
                action = Some((n, body));
            }
            continue;
        }
        legacy(line, n, &mut found);
    }
    Ok(Partial::whole(found))
}

/// `selector action`: the action is the last word.
fn legacy(line: &str, n: usize, found: &mut Found) {
    let Some(action) = line.split_whitespace().last() else {
        return;
    };
    let target = if let Some(rest) = action.strip_prefix(":omrelp:") {
        rest
    } else if let Some(rest) = action.strip_prefix('@') {
        let rest = rest.strip_prefix('@').unwrap_or(rest);
        // `(o)`, `(z9)`: options before the host.
        match rest.strip_prefix('(') {
            Some(r) => r.split_once(')').map_or("", |(_, h)| h),
            None => rest,
        }
    } else {
        return;
    };
    // `host:port;Template`
    let target = target.split(';').next().unwrap_or("");
    let (host, port) = host_port(target);
    found.push(Declared::new(n, Kind::Syslog, host, port.or(Some(SYSLOG))));
}

/// The value of `name="v"` in an action's parameters.
fn param(body: &str, name: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        let before = lower[..at].chars().last();
        let rest = lower[at + name.len()..].trim_start();
        if before.is_none_or(|c| c.is_whitespace() || c == '(') && rest.starts_with('=') {
            let v = body[body.len() - rest.len() + 1..].trim_start();
            let v = v.strip_prefix('"')?;
            return v.split_once('"').map(|(v, _)| v.to_string());
        }
        from = at + name.len();
    }
    None
}

fn omfwd(body: &str, n: usize, found: &mut Found) {
    let kind = param(body, "type").unwrap_or_default().to_ascii_lowercase();
    if kind != "omfwd" && kind != "omrelp" {
        return;
    }
    let Some(target) = param(body, "target") else {
        return;
    };
    let port = param(body, "port").and_then(|p| p.parse().ok());
    found.push(Declared::new(
        n,
        Kind::Syslog,
        target,
        port.or(Some(SYSLOG)),
    ));
}

/// syslog-ng.conf and conf.d/*: the drivers inside `destination` blocks.
pub fn syslog_ng(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut depth = 0usize;
    let mut destination = false;
    // The last driver seen in this destination, for a `port()` after it.
    let mut pending: Option<usize> = None;
    for (n, line) in lines(&text, &['#']) {
        if depth == 0 && line.starts_with("destination") {
            destination = true;
            pending = None;
        }
        if destination {
            for (driver, rest) in drivers(line) {
                let host = rest
                    .trim_start()
                    .strip_prefix('"')
                    .and_then(|r| r.split_once('"'))
                    .map(|(h, _)| h.to_string())
                    .or_else(|| {
                        let w: String = rest
                            .trim_start()
                            .chars()
                            .take_while(|c| !c.is_whitespace() && *c != ')' && *c != '(')
                            .collect();
                        (!w.is_empty() && !rest.trim_start()[w.len()..].starts_with('('))
                            .then_some(w)
                    });
                if let Some(h) = host {
                    let default = if driver == "syslog" { 601 } else { SYSLOG };
                    pending = (!found.full()).then_some(found.value.len());
                    found.push(Declared::new(n, Kind::Syslog, h, Some(default)));
                }
            }
            if let (Some(i), Some(p)) = (pending, port_in(line)) {
                if let Some(d) = found.value.get_mut(i) {
                    d.port = Some(p);
                }
            }
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
        if depth == 0 && line.contains('}') {
            destination = false;
        }
    }
    Ok(Partial::whole(found))
}

/// Each `driver(` in the line, with the text after its parenthesis.
fn drivers(line: &str) -> Vec<(&'static str, &str)> {
    const DRIVERS: &[&str] = &["network", "tcp6", "udp6", "tcp", "udp", "syslog"];
    let mut out = Vec::new();
    for d in DRIVERS {
        let mut from = 0;
        while let Some(i) = line[from..].find(d) {
            let at = from + i;
            let before = line[..at].chars().last();
            let rest = &line[at + d.len()..];
            if before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
                && rest.starts_with('(')
            {
                out.push((*d, &rest[1..]));
            }
            from = at + d.len();
        }
    }
    out
}

/// `port(N)`, not `transport(...)`.
fn port_in(line: &str) -> Option<u16> {
    let mut from = 0;
    while let Some(i) = line[from..].find("port(") {
        let at = from + i;
        if line[..at]
            .chars()
            .last()
            .is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            return line[at + 5..].split(')').next()?.trim().parse().ok();
        }
        from = at + 5;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::deps::testing::got;
    use crate::parse::host_sample;

    #[test]
    fn debian_shipped_files_forward_nowhere() {
        assert!(rsyslog(&host_sample("debian12-deps/etc/rsyslog.conf"))
            .unwrap()
            .value
            .value
            .is_empty());
        assert!(
            syslog_ng(&host_sample("debian12-deps/etc/syslog-ng/syslog-ng.conf"))
                .unwrap()
                .value
                .value
                .is_empty()
        );
    }

    #[test]
    fn rsyslog_legacy_forms() {
        let f = rsyslog(
            b"*.* @10.1.2.3\nauth.* @@(o)logs.corp:10514\n*.* @[fd00::9]:515\n\
              mail.* :omrelp:relp.corp:2514\n*.* /var/log/all\n",
        )
        .unwrap()
        .value;
        assert_eq!(
            got(&f),
            [
                (1, "10.1.2.3", Some(514)),
                (2, "logs.corp", Some(10514)),
                (3, "fd00::9", Some(515)),
                (4, "relp.corp", Some(2514))
            ]
        );
    }

    #[test]
    fn rsyslog_rainerscript_over_lines() {
        let mut conf = host_sample("debian12-deps/etc/rsyslog.conf");
        conf.extend_from_slice(
            b"action(type=\"omfwd\"\n       Target=\"logs.corp\" Port=\"6514\" Protocol=\"tcp\")\n\
              action(type=\"omfile\" file=\"/var/log/x\")\n",
        );
        assert_eq!(
            got(&rsyslog(&conf).unwrap().value),
            [(70, "logs.corp", Some(6514))]
        );
    }

    #[test]
    fn syslog_ng_destinations() {
        let mut conf = host_sample("debian12-deps/etc/syslog-ng/syslog-ng.conf");
        conf.extend_from_slice(
            b"destination d_net {\n  network(\"10.1.2.4\"\n    transport(\"tcp\") port(1601));\n  udp(logs.corp);\n};\n\
              source s_net { udp(ip(0.0.0.0) port(514)); };\n",
        );
        assert_eq!(
            got(&syslog_ng(&conf).unwrap().value),
            [(162, "10.1.2.4", Some(1601)), (164, "logs.corp", Some(514))]
        );
    }
}
