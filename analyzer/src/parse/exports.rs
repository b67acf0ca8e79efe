//! `/etc/exports` and `/etc/exports.d/*.exports` (exports(5)): what this
//! host serves over NFS, and to whom.
//!
//! Sample (the examples of Debian's nfs-kernel-server 2.6.2 file, made
//! live):
//!
//! ```text
//! /srv/homes       hostname1(rw,sync,no_subtree_check) hostname2(ro,sync,no_subtree_check)
//! /srv/nfs4        gss/krb5i(rw,sync,fsid=0,crossmnt,no_subtree_check)
//! "/srv/with space" -ro 10.0.0.0/24 @backup *.corp.example(rw)
//! ```
//!
//! A line is a path (quoted, or with `\040` for a space), an optional
//! `-options` default, and client specifications `who(options)`; a `\` at
//! the end of a line continues it. A client is a host (a name or an
//! address), a network (`10.0.0.0/24`), a wildcard (`*.corp.example`, `*`),
//! a netgroup (`@backup`) or a Kerberos flavour (`gss/krb5i`).

use super::mountinfo::decode_octal;
use super::{shown, ParseError, Parsed, Partial};
pub use crate::vocab::exports::{Client, ClientKind};

/// Most exports kept from one file, and clients from one export.
pub const MAX_EXPORTS: usize = 10_000;
pub const MAX_CLIENTS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Export {
    /// 1-based line where the export starts.
    pub line: usize,
    pub path: String,
    pub clients: Vec<Client>,
}

/// What a client specification names: a netgroup, a Kerberos flavour, a
/// wildcard, a network, or else one host.
pub fn client_kind(who: &str) -> ClientKind {
    if who.starts_with('@') {
        ClientKind::Netgroup
    } else if who.starts_with("gss/") {
        ClientKind::Kerberos
    } else if who.contains(['*', '?', '[']) {
        ClientKind::Wildcard
    } else if who.contains('/') {
        ClientKind::Network
    } else {
        ClientKind::Host
    }
}

/// Joins `\`-continued lines: (first line number, the joined text).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                pending = Some((start, acc));
            }
            None => {
                acc.push_str(raw);
                out.push((start, acc));
            }
        }
        if out.len() > MAX_EXPORTS * 4 {
            break;
        }
    }
    out.extend(pending);
    out
}

/// The export path: a quoted string, or up to the first blank.
fn split_path(line: &str) -> Option<(String, &str)> {
    if let Some(rest) = line.strip_prefix('"') {
        let end = rest.find('"')?;
        return Some((rest[..end].to_string(), &rest[end + 1..]));
    }
    let end = line.find(char::is_whitespace).unwrap_or(line.len());
    Some((decode_octal(&line[..end]), &line[end..]))
}

pub fn parse(bytes: &[u8]) -> Parsed<Vec<Export>> {
    let text = super::text(bytes);
    let mut value = Vec::new();
    let mut errors = Vec::new();
    for (line, raw) in logical_lines(&text) {
        let body = raw.split('#').next().unwrap_or("").trim();
        if body.is_empty() {
            continue;
        }
        if value.len() >= MAX_EXPORTS {
            errors.push(ParseError::at_line(
                line,
                format!("more exports past the first {MAX_EXPORTS} not read"),
            ));
            break;
        }
        let Some((path, rest)) = split_path(body) else {
            errors.push(ParseError::at_line(
                line,
                format!("an unclosed quote: {}", shown(body)),
            ));
            continue;
        };
        if !path.starts_with('/') {
            errors.push(ParseError::at_line(
                line,
                format!("not an absolute path: {}", shown(&path)),
            ));
            continue;
        }
        let mut default = String::new();
        let mut clients = Vec::new();
        for word in rest.split_whitespace() {
            if let Some(opts) = word.strip_prefix('-') {
                default = opts.to_string();
                continue;
            }
            if clients.len() >= MAX_CLIENTS {
                errors.push(ParseError::at_line(
                    line,
                    format!("clients past the first {MAX_CLIENTS} not read"),
                ));
                break;
            }
            let (who, options) = match word.split_once('(') {
                Some((who, opts)) => (who, opts.trim_end_matches(')').to_string()),
                None => (word, default.clone()),
            };
            // `(rw)` alone exports to every host (exports(5) warns of it).
            let who = if who.is_empty() { "*" } else { who };
            clients.push(Client {
                who: who.to_string(),
                kind: client_kind(who),
                options,
            });
        }
        value.push(Export {
            line,
            path,
            clients,
        });
    }
    Ok(Partial { value, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian's shipped file (nfs-kernel-server 2.6.2-4+deb12u1,
    /// /usr/share/nfs-kernel-server/conffiles/etc.exports): comments only.
    const DEBIAN: &str = include_str!("../../../fixtures/host-samples/nfs-server/usr/share/nfs-kernel-server/conffiles/etc.exports");

    #[test]
    fn debians_file_exports_nothing() {
        let p = parse(DEBIAN.as_bytes()).unwrap();
        assert!(p.value.is_empty() && p.errors.is_empty(), "{p:?}");
    }

    #[test]
    fn every_client_kind() {
        let text = "/srv/homes       hostname1(rw,sync,no_subtree_check) hostname2(ro,sync,no_subtree_check)\n\
                    /srv/nfs4        gss/krb5i(rw,sync,fsid=0,crossmnt,no_subtree_check)\n\
                    \"/srv/with space\" -ro 10.0.0.0/24 @backup *.corp.example(rw) \\\n  192.0.2.7\n\
                    /srv/all (rw)\n\
                    relative host(rw)\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        // The continued line counts twice.
        assert_eq!(p.errors[0].line, Some(6));
        let e = &p.value;
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].clients[1].who, "hostname2");
        assert_eq!(e[0].clients[1].options, "ro,sync,no_subtree_check");
        assert_eq!(e[1].clients[0].kind, ClientKind::Kerberos);
        assert_eq!(e[2].path, "/srv/with space");
        let kinds: Vec<(&str, ClientKind, &str)> = e[2]
            .clients
            .iter()
            .map(|c| (c.who.as_str(), c.kind, c.options.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("10.0.0.0/24", ClientKind::Network, "ro"),
                ("@backup", ClientKind::Netgroup, "ro"),
                ("*.corp.example", ClientKind::Wildcard, "rw"),
                ("192.0.2.7", ClientKind::Host, "ro"),
            ]
        );
        assert_eq!(e[3].clients[0].who, "*");
    }

    #[test]
    fn bounded() {
        let many = "/srv/x h(rw)\n".repeat(MAX_EXPORTS + 5);
        let p = parse(many.as_bytes()).unwrap();
        assert_eq!(p.value.len(), MAX_EXPORTS);
        assert_eq!(p.errors.len(), 1);
        let wide = format!("/srv/x {}\n", "h ".repeat(MAX_CLIENTS + 1));
        assert_eq!(
            parse(wide.as_bytes()).unwrap().value[0].clients.len(),
            MAX_CLIENTS
        );
        assert!(parse(b"\"/unclosed h(rw)\n").unwrap().errors.len() == 1);
    }
}
