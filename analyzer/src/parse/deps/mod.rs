//! Parsers for the configuration files that name a host's dependencies on
//! its network (issue 16): one module per family, each turning one file's
//! bytes into the [`Declared`] endpoints it names, with their lines. The
//! model (`model::dependencies`) binds them to paths, classifies each
//! target and builds `host.dependencies[]`.
//!
//! Every parser is bounded: it keeps at most [`MAX_PER_FILE`] endpoints of
//! one file, so a hostile file of a million `server` lines costs one pass
//! and a thousand entries.

pub mod agents;
pub mod exports;
pub mod iscsi;
pub mod jobs;
pub mod krb5;
pub mod ldap;
pub mod mail;
pub mod multipath;
pub mod ntp;
pub mod repos;
pub mod resolver;
pub mod samba;
pub mod sssd;
pub mod syslog;

/// Most endpoints kept from one file.
pub const MAX_PER_FILE: usize = 1000;

pub use crate::vocab::dependencies::Kind;

/// One endpoint a file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// 1-based line of the declaring text.
    pub line: usize,
    pub kind: Kind,
    /// A host name, an address, a domain or realm, or a WWID.
    pub target: String,
    /// The port the file gives, or the protocol's default.
    pub port: Option<u16>,
}

impl Declared {
    pub fn new(line: usize, kind: Kind, target: impl Into<String>, port: Option<u16>) -> Self {
        Declared {
            line,
            kind,
            target: target.into(),
            port,
        }
    }
}

/// Collects endpoints up to [`MAX_PER_FILE`]; the rest are counted.
#[derive(Debug, Default)]
pub struct Found {
    pub value: Vec<Declared>,
    /// Endpoints past the cap, not kept.
    pub dropped: usize,
}

impl Found {
    pub fn push(&mut self, d: Declared) {
        if d.target.is_empty() {
            return;
        }
        if self.value.len() < MAX_PER_FILE {
            self.value.push(d);
        } else {
            self.dropped += 1;
        }
    }

    pub fn full(&self) -> bool {
        self.value.len() >= MAX_PER_FILE
    }
}

/// The file's lines, numbered from 1, with comments after `marks` removed
/// (a mark must open the line or follow a space) and blank lines skipped.
pub fn lines<'a>(text: &'a str, marks: &'a [char]) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    text.lines().enumerate().filter_map(move |(i, l)| {
        let l = strip_comment(l, marks).trim();
        (!l.is_empty()).then_some((i + 1, l))
    })
}

fn strip_comment<'a>(l: &'a str, marks: &[char]) -> &'a str {
    let mut prev_space = true;
    for (i, c) in l.char_indices() {
        if prev_space && marks.contains(&c) {
            return &l[..i];
        }
        prev_space = c.is_whitespace();
    }
    l
}

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
pub fn host_port(s: &str) -> (String, Option<u16>) {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host.to_string(), port);
        }
    }
    match s.rsplit_once(':') {
        // Two colons or more: an IPv6 address without brackets.
        Some((host, _)) if host.contains(':') => (s.to_string(), None),
        Some((host, port)) => match port.parse() {
            Ok(p) => (host.to_string(), Some(p)),
            Err(_) => (host.to_string(), None),
        },
        None => (s.to_string(), None),
    }
}

/// The parts of `scheme://[user[:pw]@]host[:port][/path]` that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
}

pub fn url(s: &str) -> Option<Url> {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'');
    let (scheme, rest) = s.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = host_port(hostport);
    if host.is_empty() {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let port = port.or(match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        "ftp" => Some(21),
        "ldap" => Some(389),
        "ldaps" => Some(636),
        _ => None,
    });
    Some(Url {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// `key = value` or `key=value`: the trimmed key and value.
pub fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once('=')?;
    Some((k.trim(), v.trim()))
}

/// A list split on commas and white space.
pub fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|s| s.trim_matches(|c| c == '"' || c == '\''))
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_forms() {
        assert_eq!(host_port("ntp1:123"), ("ntp1".into(), Some(123)));
        assert_eq!(host_port("[fd00::1]:88"), ("fd00::1".into(), Some(88)));
        assert_eq!(host_port("fd00::1"), ("fd00::1".into(), None));
        assert_eq!(host_port("10.0.0.1"), ("10.0.0.1".into(), None));
        assert_eq!(host_port("host:bad"), ("host".into(), None));
    }

    #[test]
    fn urls_with_users_and_default_ports() {
        let u = url("https://apt:pw@Apt.Corp.lan/debian").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("apt.corp.lan", Some(443)));
        let u = url("ldaps://[fd00::5]/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("fd00::5", Some(636)));
        assert_eq!(url("ldap://dc1:3268").unwrap().port, Some(3268));
        assert_eq!(url("file:///srv/repo"), None);
        assert_eq!(url("not a url"), None);
    }

    #[test]
    fn comments_need_a_space_or_the_line_start() {
        let got: Vec<_> = lines("a # c\n#x\nurl=h#frag\n\n", &['#']).collect();
        assert_eq!(got, [(1, "a"), (3, "url=h#frag")]);
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::Found;

    /// Each endpoint a parser found, as (line, target, port).
    pub fn got(f: &Found) -> Vec<(usize, &str, Option<u16>)> {
        f.value
            .iter()
            .map(|d| (d.line, d.target.as_str(), d.port))
            .collect()
    }

    /// Each endpoint a parser found, as (target, port).
    pub fn targets(f: &Found) -> Vec<(&str, Option<u16>)> {
        f.value
            .iter()
            .map(|d| (d.target.as_str(), d.port))
            .collect()
    }

    /// Each endpoint a parser found whole, as (line, kind, target, port).
    pub fn declared(
        f: crate::parse::Parsed<Found>,
    ) -> Vec<(usize, super::Kind, String, Option<u16>)> {
        let f = f.unwrap();
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        f.value
            .value
            .into_iter()
            .map(|d| (d.line, d.kind, d.target, d.port))
            .collect()
    }

    /// Each endpoint a parser found, as (kind, target, port).
    pub fn kinds(f: &Found) -> Vec<(super::Kind, &str, Option<u16>)> {
        f.value
            .iter()
            .map(|d| (d.kind, d.target.as_str(), d.port))
            .collect()
    }
}
