//! Command-line rules: the words of a shell line (quotes respected) or of
//! a NUL-separated `/proc/PID/cmdline`, and the secrets among them.

use std::ops::Range;

use super::find;

/// One command line and its words, as byte ranges into it.
pub struct Command<'a> {
    pub line: &'a [u8],
    pub words: Vec<Range<usize>>,
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
            return Command { line, words };
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
        Command { line, words }
    }

    fn word(&self, i: usize) -> &'a [u8] {
        &self.line[self.words[i].clone()]
    }

    /// The program name of word `i` (its last path component, quotes and
    /// a systemd `ExecStart=` and its prefixes dropped).
    fn program(&self, i: usize) -> &'a [u8] {
        let w = self.word(i);
        let w = match w.iter().position(|&b| b == b'=') {
            Some(eq) if w[..eq].starts_with(b"Exec") => &w[eq + 1..],
            _ => w,
        };
        let w = w.trim_ascii_start();
        let n = w
            .iter()
            .take_while(|&&b| matches!(b, b'-' | b'@' | b':' | b'+' | b'!' | b'"' | b'\''))
            .count();
        let w = &w[n..];
        w.rsplit(|&b| b == b'/').next().unwrap_or(w)
    }

    /// The first word that runs one of `programs` (words after it are its
    /// arguments, or a later command's), or past the end. Found once per
    /// rule, so a line of a million words costs a million steps.
    fn first(&self, programs: &[&[u8]]) -> usize {
        (0..self.words.len())
            .find(|&j| programs.contains(&self.program(j)))
            .unwrap_or(usize::MAX)
    }
}

/// `range` inside word bounds with a surrounding pair of quotes left out.
fn unquoted(line: &[u8], r: Range<usize>) -> Range<usize> {
    let v = &line[r.clone()];
    if v.len() >= 2 && (v[0] == b'"' || v[0] == b'\'') && v[v.len() - 1] == v[0] {
        return r.start + 1..r.end - 1;
    }
    r
}

/// A variable name that says it holds a secret.
pub fn secret_name(name: &[u8]) -> bool {
    let valid = !name.is_empty()
        && !name[0].is_ascii_digit()
        && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if !valid {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    upper.split(|&b| b == b'_').any(|seg| {
        ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL"]
            .iter()
            .any(|w| find(seg, w.as_bytes()).is_some())
            || seg.ends_with(b"KEY")
            || [&b"PWD"[..], b"PASS", b"PSK", b"PW"].contains(&seg)
    })
}

/// `NAME=value`, `export NAME=value`, `Environment="NAME=value" ...`.
pub fn secret_env(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for r in &c.words {
        let mut r = r.clone();
        if c.line[r.clone()].starts_with(b"Environment=") {
            r.start += b"Environment=".len();
        }
        let r = unquoted(c.line, r);
        let w = &c.line[r.clone()];
        // `"NAME=value"` quoted whole, or `NAME="value"`.
        let Some(eq) = w.iter().position(|&b| b == b'=') else {
            continue;
        };
        if secret_name(&w[..eq]) && eq + 1 < w.len() {
            out.push(unquoted(c.line, r.start + eq + 1..r.end));
        }
    }
    out
}

/// A flag whose value is a password: `password`, `db-password`, `token`...
fn password_flag_name(name: &[u8]) -> bool {
    let n = name.to_ascii_lowercase();
    if n.starts_with(b"no-") {
        return false;
    }
    [
        &b"password"[..],
        b"passwd",
        b"secret",
        b"token",
        b"api-key",
        b"apikey",
        b"pass",
        b"passphrase",
    ]
    .iter()
    .any(|w| n == *w || n.ends_with(&[b"-", *w].concat()) || n.ends_with(&[b"_", *w].concat()))
}

/// `--password=v`, `--password v`, `--db-password v`, `--token=v`...
pub fn password_flag(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (i, r) in c.words.iter().enumerate() {
        let w = c.line[r.clone()].to_vec();
        let Some(name) = w.strip_prefix(b"--") else {
            continue;
        };
        match name.iter().position(|&b| b == b'=') {
            Some(eq) if password_flag_name(&name[..eq]) && eq + 1 < name.len() => {
                out.push(unquoted(c.line, r.start + 2 + eq + 1..r.end));
            }
            None if password_flag_name(name) => {
                if let Some(next) = c.words.get(i + 1) {
                    out.push(unquoted(c.line, next.clone()));
                }
            }
            _ => {}
        }
    }
    out
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
    let program = c.first(&[b"sshpass"]);
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
    let program = c.first(&[b"curl"]);
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

/// `scheme://user:password@host`: the password.
pub fn url_password(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for r in &c.words {
        let w = &c.line[r.clone()];
        let mut from = 0;
        while let Some(s) = find(&w[from..], b"://") {
            let auth = from + s + 3;
            let end = w[auth..]
                .iter()
                .position(|&b| matches!(b, b'/' | b'"' | b'\'' | b' ' | b'?' | b'#'))
                .map_or(w.len(), |n| auth + n);
            if let Some(at) = w[auth..end].iter().rposition(|&b| b == b'@') {
                if let Some(colon) = w[auth..auth + at].iter().position(|&b| b == b':') {
                    if colon + 1 < at {
                        out.push(r.start + auth + colon + 1..r.start + auth + at);
                    }
                }
            }
            from = end.max(auth);
        }
    }
    out
}
