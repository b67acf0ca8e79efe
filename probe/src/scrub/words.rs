//! Command-line rules: the words of a shell line (quotes respected) or of
//! a NUL-separated `/proc/PID/cmdline`, and the secrets among them.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use super::find;

/// One command line and its words, as byte ranges into it.
pub struct Command<'a> {
    pub line: &'a [u8],
    pub words: Vec<Range<usize>>,
    /// Each word's program name (`program`), found once: every tool asks
    /// for it, and a word can be a whole long line.
    programs: Vec<&'a [u8]>,
    /// The first word that runs any program a rule names (`known`): most
    /// lines (a file list, a config line) run none, and then no tool's
    /// programs need comparing.
    first_known: Option<usize>,
}

impl<'a> Command<'a> {
    /// Shell words (split on unquoted blanks) or, with `nul`, arguments.
    pub fn new(line: &'a [u8], nul: bool) -> Self {
        let mut words = Vec::new();
        if nul {
            let mut at = 0;
            for arg in line.split(|&b| b == 0) {
                if !arg.is_empty() {
                    words.push(at..at + arg.len());
                }
                at += arg.len() + 1;
            }
            return Command::of(line, words);
        }
        let mut i = 0;
        while i < line.len() {
            if line[i] == b' ' || line[i] == b'\t' {
                i += 1;
                continue;
            }
            let start = i;
            let mut quote = None;
            while i < line.len() {
                match (quote, line[i]) {
                    (None, b' ' | b'\t') => break,
                    (None, q @ (b'"' | b'\'')) => quote = Some(q),
                    (Some(q), c) if c == q => quote = None,
                    (_, b'\\') => i += 1,
                    _ => {}
                }
                i += 1;
            }
            let end = i.min(line.len());
            words.push(start..end);
        }
        Command::of(line, words)
    }

    fn of(line: &'a [u8], words: Vec<Range<usize>>) -> Self {
        let programs: Vec<&[u8]> = words.iter().map(|w| program(&line[w.clone()])).collect();
        let known = known();
        let first_known = programs.iter().position(|p| known.contains(p));
        Command {
            line,
            words,
            programs,
            first_known,
        }
    }

    fn first(&self, programs: &[&[u8]]) -> usize {
        self.first_at(programs).unwrap_or(usize::MAX)
    }

    /// The first word that runs one of `programs` (each of them `known`).
    pub fn first_at(&self, programs: &[&[u8]]) -> Option<usize> {
        debug_assert!(programs.iter().all(|p| known().contains(p)));
        (self.first_known?..self.words.len()).find(|&j| programs.contains(&self.programs[j]))
    }
}

const SSHPASS: &[&[u8]] = &[b"sshpass"];
const CURL: &[&[u8]] = &[b"curl"];

/// Every program a rule looks for: the tools' table and the three rules
/// here.
fn known() -> &'static HashSet<&'static [u8]> {
    static KNOWN: OnceLock<HashSet<&'static [u8]>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        super::tools::TOOLS
            .iter()
            .flat_map(|t| t.programs.iter().copied())
            .chain(MYSQL_LIKE.iter().copied())
            .chain(SSHPASS.iter().copied())
            .chain(CURL.iter().copied())
            .collect()
    })
}

/// Whether `word`, as a command's first word, runs a program a rule
/// names.
pub fn runs_a_known_program(word: &[u8]) -> bool {
    known().contains(program(word))
}

/// The program name of a word: its last path component, quotes, a `KEY=`
/// before it (systemd `ExecStart=`, nrpe `command[x]=`, zabbix
/// `UserParameter=key,`) and systemd's prefixes dropped.
fn program(w: &[u8]) -> &[u8] {
    let w = match w.iter().rposition(|&b| b == b'=' || b == b',') {
        Some(eq) => &w[eq + 1..],
        None => w,
    };
    let w = w.trim_ascii_start();
    let n = w
        .iter()
        .take_while(|&&b| matches!(b, b'-' | b'@' | b':' | b'+' | b'!' | b'"' | b'\''))
        .count();
    let w = &w[n..];
    w.rsplit(|&b| b == b'/').next().unwrap_or(w)
}

/// A line's command and the commands inside it, each with the offset of
/// its text in the line: a quoted word holding blanks (`sh -c "..."`,
/// `su -c '...'`, `alias x='...'`) and, in a process's arguments, an
/// argument holding blanks (setproctitle, `sh -c`).
pub fn commands(line: &[u8], nul: bool) -> Vec<(usize, Command<'_>)> {
    let mut out = vec![(0, Command::new(line, nul))];
    let mut at = 0;
    while at < out.len() {
        let (offset, depth_nul) = (out[at].0, at == 0 && nul);
        let inner: Vec<Range<usize>> = out[at]
            .1
            .words
            .iter()
            .filter_map(|r| {
                let w = &out[at].1.line[r.clone()];
                let q = if depth_nul {
                    r.clone()
                } else {
                    let start = w.iter().position(|&b| b == b'"' || b == b'\'')?;
                    let close = w.iter().rposition(|&b| b == w[start])?;
                    (close > start).then_some(r.start + start + 1..r.start + close)?
                };
                let body = &out[at].1.line[q.clone()];
                body.iter().any(|&b| b == b' ' || b == b'\t').then_some(q)
            })
            .collect();
        // Breadth first, at most 64 commands a line (`sh -c "su -c '...'"`).
        if out.len() < 64 {
            let line_of = out[at].1.line;
            for q in inner {
                out.push((offset + q.start, Command::new(&line_of[q], false)));
            }
        }
        at += 1;
    }
    out
}

/// `range` inside word bounds with a surrounding pair of quotes left out.
pub fn unquoted(line: &[u8], r: Range<usize>) -> Range<usize> {
    let v = &line[r.clone()];
    if v.len() >= 2 && (v[0] == b'"' || v[0] == b'\'') && v[v.len() - 1] == v[0] {
        return r.start + 1..r.end - 1;
    }
    r
}

/// Programs whose `-pSECRET` is a password (the MySQL family).
const MYSQL_LIKE: &[&[u8]] = &[
    b"mysql",
    b"mysqldump",
    b"mysqladmin",
    b"mysqlcheck",
    b"mysqlimport",
    b"mysqlshow",
    b"mysqlpump",
    b"mysql_upgrade",
    b"mariadb",
    b"mariadb-dump",
    b"mariadb-admin",
    b"mariadb-check",
    b"mariadb-import",
];

/// `mysql -uroot -pSECRET`.
pub fn mysql_p(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let program = c.first(MYSQL_LIKE);
    for (i, r) in c.words.iter().enumerate() {
        let w = &c.line[r.clone()];
        if w.starts_with(b"-p") && w.len() > 2 && i > program {
            out.push(unquoted(c.line, r.start + 2..r.end));
        }
    }
    out
}

/// `sshpass -p SECRET`, `sshpass -pSECRET`.
pub fn sshpass_p(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let program = c.first(SSHPASS);
    for (i, r) in c.words.iter().enumerate() {
        let w = &c.line[r.clone()];
        if !w.starts_with(b"-p") || i <= program {
            continue;
        }
        if w.len() > 2 {
            out.push(unquoted(c.line, r.start + 2..r.end));
        } else if let Some(next) = c.words.get(i + 1) {
            out.push(unquoted(c.line, next.clone()));
        }
    }
    out
}

/// `curl -u user:pw` (and `-uuser:pw`, `--user`, `-U`, `--proxy-user`):
/// the part after the first colon.
pub fn curl_user(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let password = |r: Range<usize>| {
        let r = unquoted(c.line, r);
        let colon = c.line[r.clone()].iter().position(|&b| b == b':')?;
        (r.start + colon + 1 < r.end).then(|| r.start + colon + 1..r.end)
    };
    let program = c.first(CURL);
    for (i, r) in c.words.iter().enumerate().skip(program.saturating_add(1)) {
        let w = &c.line[r.clone()];
        let value = match w {
            b"-u" | b"-U" | b"--user" | b"--proxy-user" => c.words.get(i + 1).cloned(),
            _ if w.starts_with(b"--user=") => Some(r.start + 7..r.end),
            _ if w.starts_with(b"--proxy-user=") => Some(r.start + 13..r.end),
            _ if (w.starts_with(b"-u") || w.starts_with(b"-U")) && w.len() > 2 => {
                Some(r.start + 2..r.end)
            }
            _ => None,
        };
        out.extend(value.and_then(password));
    }
    out
}

/// `scheme://user:password@host`: the password; `https://TOKEN@host`
/// and `https://TOKEN:@host`: the token; dracut's
/// `netroot=iscsi:user:password@host`: the password.
pub fn url_password(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for r in &c.words {
        let w = &c.line[r.clone()];
        let mut from = 0;
        while let Some(s) = find(&w[from..], b"://") {
            let auth = from + s + 3;
            let scheme_start = w[..from + s]
                .iter()
                .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
                .map_or(0, |n| n + 1);
            let scheme = w[scheme_start..from + s].to_ascii_lowercase();
            let end = w[auth..]
                .iter()
                .position(|&b| matches!(b, b'/' | b'"' | b'\'' | b' ' | b'?' | b'#' | 0))
                .map_or(w.len(), |n| auth + n);
            if let Some(at) = w[auth..end].iter().rposition(|&b| b == b'@') {
                let userinfo = auth..auth + at;
                match w[userinfo.clone()].iter().position(|&b| b == b':') {
                    Some(colon) if colon + 1 < at => {
                        out.push(r.start + auth + colon + 1..r.start + auth + at);
                    }
                    // `TOKEN:@host`
                    Some(colon) if colon > 0 => out.push(r.start + auth..r.start + auth + colon),
                    // `https://TOKEN@host`; `ssh://git@host` names a user.
                    None if at > 0 && token_scheme(&scheme) => {
                        out.push(r.start + userinfo.start..r.start + userinfo.end)
                    }
                    _ => {}
                }
            }
            from = end.max(auth);
        }
        if let Some(s) = find(w, b"iscsi:") {
            let rest = s + 6;
            let end = w[rest..]
                .iter()
                .position(|&b| matches!(b, b' ' | b'"' | b'\'' | 0))
                .map_or(w.len(), |n| rest + n);
            if let Some(at) = w[rest..end].iter().rposition(|&b| b == b'@') {
                if let Some(colon) = w[rest..rest + at].iter().position(|&b| b == b':') {
                    if colon + 1 < at {
                        out.push(r.start + rest + colon + 1..r.start + rest + at);
                    }
                }
            }
        }
    }
    out
}

/// Schemes whose user part alone is a token, not a login name.
fn token_scheme(scheme: &[u8]) -> bool {
    matches!(
        scheme,
        b"http"
            | b"https"
            | b"ftp"
            | b"ftps"
            | b"git+https"
            | b"hg+https"
            | b"svn+https"
            | b"wss"
            | b"ws"
    )
}
