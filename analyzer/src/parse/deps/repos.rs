//! Package repositories: apt's sources.list(5) in both forms (one-line
//! `deb [options] URI suite components`, and deb822 `.sources` stanzas with
//! `URIs:` and `Enabled: no`), and the INI repository files of yum/dnf
//! (yum.conf(5)) and zypper (`baseurl=`, `mirrorlist=`, `metalink=`, with
//! `baseurl` continuation lines; a section with `enabled=0` is skipped).
//! `file:`, `cdrom:` and `copy:` URLs are local.
//!
//! Sample (sources.list; a yum repo):
//!
//! ```text
//! deb http://deb.debian.org/debian bookworm main
//! deb [signed-by=/usr/share/keyrings/corp.gpg] https://apt.corp.lan/debian bookworm main
//!
//! [internal]
//! baseurl=http://repo.corp.lan/el8/$basearch/
//! enabled=1
//! ```

use super::{key_value, lines, list, url, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

fn push_url(found: &mut Found, n: usize, u: &str) {
    if let Some(u) = url(u).filter(|u| !matches!(u.scheme.as_str(), "file" | "cdrom" | "copy")) {
        found.push(Declared::new(n, Kind::Repository, u.host, u.port));
    }
}

/// sources.list and sources.list.d/*.list, or (by content) *.sources.
pub fn apt(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let deb822 = lines(&text, &['#'])
        .next()
        .is_some_and(|(_, l)| l.contains(':') && !l.starts_with("deb"));
    if deb822 {
        return Ok(Partial::whole(apt_deb822(&text)));
    }
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#']) {
        let mut words = line.split_whitespace();
        if !matches!(words.next(), Some("deb" | "deb-src")) {
            continue;
        }
        let mut rest = words.peekable();
        // `[ option=value ... ]`, possibly over several words.
        if rest.peek().is_some_and(|w| w.starts_with('[')) {
            for w in rest.by_ref() {
                if w.ends_with(']') {
                    break;
                }
            }
        }
        if let Some(u) = rest.next() {
            push_url(&mut found, n, u);
        }
    }
    Ok(Partial::whole(found))
}

fn apt_deb822(text: &str) -> Found {
    let mut found = Found::default();
    // The current stanza's URIs and whether it is enabled.
    let mut uris: Vec<(usize, String)> = Vec::new();
    let mut enabled = true;
    let flush = |uris: &mut Vec<(usize, String)>, enabled: &mut bool, found: &mut Found| {
        if *enabled {
            for (n, u) in uris.drain(..) {
                push_url(found, n, &u);
            }
        }
        uris.clear();
        *enabled = true;
    };
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            flush(&mut uris, &mut enabled, &mut found);
            continue;
        }
        if raw.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = raw
            .split_once(':')
            .filter(|_| !raw.starts_with([' ', '\t']))
        else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "uris" if uris.len() < super::MAX_PER_FILE => {
                uris.extend(value.split_whitespace().map(|u| (i + 1, u.to_string())))
            }
            "enabled" => enabled = !value.trim().eq_ignore_ascii_case("no"),
            _ => {}
        }
    }
    flush(&mut uris, &mut enabled, &mut found);
    found
}

/// yum.repos.d/*.repo and zypp/repos.d/*.repo.
pub fn ini(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut section: Vec<(usize, String)> = Vec::new();
    let mut enabled = true;
    let mut in_baseurl = false;
    let flush = |section: &mut Vec<(usize, String)>, enabled: bool, found: &mut Found| {
        for (n, u) in section.drain(..) {
            if enabled {
                push_url(found, n, &u);
            }
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            flush(&mut section, enabled, &mut found);
            (enabled, in_baseurl) = (true, false);
            continue;
        }
        if section.len() >= super::MAX_PER_FILE {
            continue;
        }
        // A baseurl's further URLs, one per line, without a key.
        if in_baseurl && !line.contains('=') {
            section.push((n, line.to_string()));
            continue;
        }
        in_baseurl = false;
        match key_value(line) {
            Some(("baseurl", v)) => {
                in_baseurl = true;
                section.extend(list(v).map(|u| (n, u.to_string())));
            }
            Some(("mirrorlist" | "metalink", v)) => section.push((n, v.to_string())),
            Some(("enabled", v)) => enabled = !matches!(v, "0" | "no" | "false"),
            _ => {}
        }
    }
    flush(&mut section, enabled, &mut found);
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;

    fn hosts(f: &Found) -> Vec<(usize, &str, Option<u16>)> {
        f.value
            .iter()
            .map(|d| (d.line, d.target.as_str(), d.port))
            .collect()
    }

    #[test]
    fn debian_one_line_sources() {
        let f =
            apt(&std::fs::read(fixture("debian12-systemd").join("etc/apt/sources.list")).unwrap())
                .unwrap()
                .value;
        assert!(!f.value.is_empty());
        assert!(
            f.value
                .iter()
                .all(|d| d.target == "deb.debian.org" && d.port == Some(80)),
            "{:?}",
            f.value
        );
        let f = apt(b"deb [arch=amd64 signed-by=/k.gpg] https://apt.corp.lan:8443/debian bookworm main\ndeb cdrom:[Debian]/ bookworm main\n").unwrap().value;
        assert_eq!(hosts(&f), [(1, "apt.corp.lan", Some(8443))]);
    }

    #[test]
    fn deb822_stanzas() {
        // Debian 12's /etc/apt/sources.list.d/debian.sources form (apt 2.6).
        let f = apt(b"Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\
                     Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n\
                     Types: deb\nURIs: https://mirror.corp.lan/debian-security\nSuites: bookworm-security\nEnabled: no\n").unwrap().value;
        assert_eq!(hosts(&f), [(2, "deb.debian.org", Some(80))]);
    }

    #[test]
    fn yum_and_zypper_repos() {
        let f = ini(b"[base]\nname=CentOS-$releasever - Base\nmirrorlist=http://mirrorlist.centos.org/?release=$releasever\n\
                      #baseurl=http://mirror.centos.org/centos/$releasever/os/$basearch/\n\
                      [internal]\nbaseurl=http://repo.corp.lan/el8/\n        http://10.1.0.30/el8/\nenabled=1\n\
                      [off]\nbaseurl=http://off.corp.lan/\nenabled=0\n").unwrap().value;
        assert_eq!(
            hosts(&f),
            [
                (3, "mirrorlist.centos.org", Some(80)),
                (6, "repo.corp.lan", Some(80)),
                (7, "10.1.0.30", Some(80))
            ]
        );
    }
}
