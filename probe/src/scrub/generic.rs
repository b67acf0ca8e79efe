//! The default-deny layer: a value is blanked wherever its key names a
//! secret ([`keys::secret_key`]), whatever the file and whatever the
//! separator or quoting: `k=v`, `k = v`, `k: v`, `k v` (a key starting its
//! line), `-k v`, `--k=v`, `-Dk=v`, `"k": "v"`, `'k' => 'v'`, `<k>v</k>`,
//! `k("v")`, `define('K', 'v')`, env-style `K=v` anywhere in a shell line,
//! and `?k=v&` in a URL. Every position of a line is looked at once, so a
//! form inside a quoted sub-command (`su -c "... --password=x"`) or inside
//! one argument of a process (setproctitle) is found like any other.

use std::ops::Range;

use super::keys::{harmless, secret_key, words};

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

fn blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0)
}

/// Where the first key of a line starts: after indentation, comment
/// marks, a YAML list dash and `export`/`set`/`setenv`/`declare -x`.
fn line_start(line: &[u8]) -> usize {
    let mut i = 0;
    loop {
        while i < line.len() && (blank(line[i]) || matches!(line[i], b'#' | b';' | b'!')) {
            i += 1;
        }
        if line[i..].starts_with(b"- ") || line[i..].starts_with(b"//") {
            i += 2;
            continue;
        }
        let mut advanced = false;
        for w in [
            &b"export "[..],
            b"set ",
            b"setenv ",
            b"declare -x ",
            b"local ",
            b"readonly ",
        ] {
            if line[i..].starts_with(w) {
                i += w.len();
                advanced = true;
            }
        }
        if !advanced {
            return i;
        }
    }
}

/// The secret values of one line (or of a NUL-separated command line).
/// Without `keyed_lines` (tables whose lines start with a name), a key
/// starting the line is read only with a separator (`k=v`, `k: v`).
pub fn secret_values(line: &[u8], keyed_lines: bool) -> Vec<Range<usize>> {
    if let Some(word) = bare_credential(line) {
        return vec![word];
    }
    let first = if keyed_lines {
        line_start(line)
    } else {
        usize::MAX
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let starts = key_byte(line[i]) && (i == 0 || !key_byte(line[i - 1]));
        if !starts {
            i += 1;
            continue;
        }
        let quoted = i > 0 && matches!(line[i - 1], b'"' | b'\'');
        let xml = i > 0 && line[i - 1] == b'<';
        let key_end = line[i..]
            .iter()
            .position(|&b| !key_byte(b))
            .map_or(line.len(), |n| i + n);
        if i == first {
            // smb.conf's and bacula's keys of several words.
            if let Some((eq, secret)) = words_key(line, i) {
                match value_after(line, eq, Form::of(false, false, 0, true)) {
                    Some(v) if secret && !harmless(&line[v.clone()]) => {
                        i = v.end;
                        out.push(v);
                    }
                    _ => i = eq,
                }
                continue;
            }
        }
        let dashes = line[i..key_end].iter().take_while(|&&b| b == b'-').count();
        let key = &line[i + dashes..key_end];
        // `-pSECRET`: a flag with its value attached, not a key.
        if dashes == 1 && mixed_case(key) && line.get(key_end) != Some(&b'=') {
            i = key_end;
            continue;
        }
        // A key in quotes, or a variable's name after its `$` (nginx
        // `set $apikey v;`, after `set` as `line_start` skips it).
        let sigil = quoted || line.get(first) == Some(&b'$');
        let at_start = i == first
            || (sigil && Some(i) == first.checked_add(1))
            || directive_argument(line, first, i);
        match value_after(line, key_end, Form::of(quoted, xml, dashes, at_start)) {
            Some(v)
                if (is_secret(key, dashes)
                    || token_shaped(&line[v.clone()])
                    || (assigned(&line[key_end..v.start])
                        && hex_secret(key, &line[v.clone()])))
                    && !harmless(&line[v.clone()]) =>
            {
                i = v.end.max(key_end);
                out.push(v);
            }
            _ => i = key_end.max(i + 1),
        }
    }
    out
}

/// Whether the key at `at` follows one or two plain words that start the
/// line, as a configuration directive's argument does: nginx
/// `proxy_set_header X-Auth-Token v;` and `fastcgi_param DB_PASSWORD v;`,
/// Apache `SetEnv API_KEY v` and `RequestHeader set X-Api-Key v`: then
/// `k v` is read as at a line's start. Only a key of several parts.
fn directive_argument(line: &[u8], first: usize, at: usize) -> bool {
    // Two words of a directive are short: a bound keeps a long line (one
    // key after another) linear.
    if first >= at || at > line.len() || at - first > 96 {
        return false;
    }
    let before = &line[first..at];
    if !before.last().is_some_and(|&b| blank(b)) {
        return false;
    }
    let words: Vec<&[u8]> = before
        .split(|&b| blank(b))
        .filter(|w| !w.is_empty())
        .collect();
    // The key is a header's or a variable's name, of several parts
    // (`X-Auth-Token`, `DB_PASSWORD`): a lone word after others is prose
    // or a table's column (`crypto pw hunter2` stays).
    let key_len = line[at..].iter().take_while(|&&b| key_byte(b)).count();
    let key = &line[at..at + key_len];
    let named = key.iter().any(|&b| b == b'-' || b == b'_');
    named
        && (1..=2).contains(&words.len())
        && words.iter().all(|w| {
            w.iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// A key of several words before ` = ` at `from` (`ldap admin password =
/// x`, `passwd program = ...`): where its `=` is, and whether it names a
/// secret.
fn words_key(line: &[u8], from: usize) -> Option<(usize, bool)> {
    let eq = from + line[from..].iter().position(|&b| b == b'=')?;
    let key = line[from..eq].trim_ascii_end();
    let several = key.iter().any(|&b| b == b' ' || b == b'\t');
    let plain = key.iter().all(|&b| key_byte(b) || b == b' ' || b == b'\t');
    (several && plain).then(|| (eq, secret_key(key)))
}

fn mixed_case(key: &[u8]) -> bool {
    key.iter().any(u8::is_ascii_lowercase) && key.iter().any(u8::is_ascii_uppercase)
}

/// Programs named like a key: at a line's start they run, with arguments.
const PROGRAMS: &[&[u8]] = &[
    b"passwd",
    b"chpasswd",
    b"gpasswd",
    b"sshpass",
    b"htpasswd",
    b"smbpasswd",
    b"vncpasswd",
    b"kpasswd",
    b"ldappasswd",
    b"yppasswd",
    b"mkpasswd",
];

/// A line that is one issued credential and nothing else (a token file, a
/// bare token in an environment file): no key says it, its shape does.
/// Only the issuers' shapes (`issued`), not `random_looking`: a
/// certificate's base64 lines look generated too.
pub fn bare_credential(line: &[u8]) -> Option<Range<usize>> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
    let word = &line[start..end];
    (!word.iter().any(u8::is_ascii_whitespace) && issued(word)).then_some(start..end)
}

/// The lines of a YAML value that starts below its key, where the key
/// names a secret: a block scalar (`password: |`, `>-`, `|2`), every line
/// more indented than the key; or an empty value (`token:`) continued by
/// more-indented lines, up to a `key:` entry (then it is a nested mapping,
/// whose own keys judge their values). The per-line layer sees only the
/// key's line.
pub fn block_values(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // The open key's indentation, and whether its value is a block scalar.
    let mut open: Option<(usize, bool)> = None;
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        let indent = body
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let rest = &body[indent..];
        if let Some((key_indent, block)) = open {
            if rest.is_empty() {
                at += line.len();
                continue;
            }
            // Under an empty value, a `key:` entry makes it a nested
            // mapping: its own keys judge their values from here on.
            if indent > key_indent && (block || !yaml_entry(rest)) {
                out.push(at + indent..at + body.len());
                at += line.len();
                continue;
            }
            open = None;
        }
        let item = rest.strip_prefix(b"- ").unwrap_or(rest);
        if let Some(colon) = item.iter().position(|&b| b == b':') {
            let key = unquoted(item[..colon].trim_ascii());
            let value = item[colon + 1..].trim_ascii();
            let value = match value.iter().position(|&b| b == b'#') {
                Some(h) if h == 0 || value[h - 1] == b' ' => value[..h].trim_ascii(),
                _ => value,
            };
            let block = matches!(value.first(), Some(b'|' | b'>'))
                && value[1..]
                    .iter()
                    .all(|b| matches!(b, b'-' | b'+') || b.is_ascii_digit());
            if (block || value.is_empty()) && secret_key(key) {
                open = Some((indent, block));
            }
        }
        at += line.len();
    }
    out
}

/// `key:` or `key: value`, a mapping entry (not a plain scalar's words).
fn yaml_entry(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"- ").unwrap_or(line);
    match line.iter().position(|&b| b == b':') {
        Some(c) => {
            c > 0
                && line[..c]
                    .iter()
                    .all(|&b| key_byte(b) || b == b'"' || b == b'\'')
                && matches!(line.get(c + 1), None | Some(b' ' | b'\t'))
        }
        None => false,
    }
}

/// `-Dname.password=` names its key after the `D`.
/// Prefixes that issuers put on credentials so that scanners find them
/// (GitHub, GitLab, Slack, Stripe, npm, PyPI, Hugging Face, DigitalOcean,
/// Google, AWS access key ids, and the `tok_`/`sk-` conventions).
const TOKEN_PREFIXES: &[&[u8]] = &[
    b"ghp_",
    b"gho_",
    b"ghu_",
    b"ghs_",
    b"ghr_",
    b"github_pat_",
    b"glpat-",
    b"xoxb-",
    b"xoxp-",
    b"xoxa-",
    b"xoxs-",
    b"xapp-",
    b"sk_live_",
    b"sk_test_",
    b"rk_live_",
    b"sk-",
    b"npm_",
    b"pypi-",
    b"hf_",
    b"dop_v1_",
    b"AIza",
    b"AKIA",
    b"ASIA",
    b"tok_",
];

/// A value shaped like an issued credential, whatever key it stands under
/// (`X_API=tok_...`): a known prefix followed by at least 16 token
/// characters, or a JWT (`eyJ...` in three base64url parts). Quotes around
/// it do not matter.
fn token_shaped(value: &[u8]) -> bool {
    let v = unquoted(value);
    random_looking(v) || issued(v)
}

/// A credential by its issuer's shape alone: a known prefix and 16 token
/// characters or more, or a JWT.
fn issued(v: &[u8]) -> bool {
    let end = v
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .unwrap_or(v.len());
    let v = &v[..end];
    if v.starts_with(b"eyJ") {
        let parts: Vec<&[u8]> = v.split(|&b| b == b'.').collect();
        return parts.len() == 3 && parts.iter().all(|p| p.len() >= 8);
    }
    TOKEN_PREFIXES.iter().any(|p| {
        v.len() >= p.len() + 16
            && v.starts_with(p)
            && v[p.len()..]
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    })
}

/// Between a key and its value, an assignment (`=`, `:`), not `k v`
/// (multipath's bindings are `mpatha 3600a0b8...`).
fn assigned(between: &[u8]) -> bool {
    between.iter().any(|&b| b == b'=' || b == b':')
}

/// Last words of keys whose hex values are identifiers or digests that the
/// analyzer reads or a reader needs (container, machine and boot ids,
/// UUIDs, WWIDs, checksums, commits), not secrets. `md5` and `sha256` are
/// `md` and `sha` once a key's trailing digits are cut.
const HEX_NAMES: &[&[u8]] = &[
    b"id",
    b"ids",
    b"uuid",
    b"guid",
    b"wwid",
    b"wwn",
    b"machine",
    b"hash",
    b"sha",
    b"md",
    b"digest",
    b"checksum",
    b"sum",
    b"fingerprint",
    b"fpr",
    b"commit",
    b"rev",
    b"revision",
    b"etag",
    b"serial",
];

/// A secret written in hex or in small letters and digits under a key
/// that names none (`X_SIGNATURE=9f8e...`, `X_SIGNING=z9xk2lm4...`): 32 to
/// 256 of them (128 bits or more of hex), with at least four digits and
/// four letters, assigned to a key whose last word does not name an
/// identifier or a digest (`HEX_NAMES`, or ends with one of three letters
/// or more: `SHA256SUM`).
fn hex_secret(key: &[u8], value: &[u8]) -> bool {
    let v = unquoted(value);
    let count = |f: fn(&u8) -> bool| v.iter().filter(|b| f(b)).count();
    let hex = (32..=256).contains(&v.len())
        && v.iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b.is_ascii_hexdigit())
        && count(u8::is_ascii_digit) >= 4
        && count(u8::is_ascii_alphabetic) >= 4;
    hex && !words(key).last().is_some_and(|w| {
        HEX_NAMES
            .iter()
            .any(|n| w == n || (n.len() > 2 && w.ends_with(n)))
    })
}

/// A value without its blanks and the quotes around it.
fn unquoted(value: &[u8]) -> &[u8] {
    let v = value.trim_ascii();
    match v {
        [q @ (b'"' | b'\''), inner @ .., last] if last == q => inner,
        [b'"' | b'\'', rest @ ..] => rest,
        _ => v,
    }
}

/// A value that reads as generated, not written: one word of 16 to 256
/// letters and digits (base64's `+`, `/` and trailing `=`, or `_`/`-`
/// inside) with at least two capitals, two small letters and two digits,
/// like a key made by `openssl rand -base64` or a password generator.
/// Hex (`hex_secret` judges it by its key), dotted versions and names,
/// paths (a `/` first, or beside `_`, `-` or another `/`) and identifiers
/// without digits stay.
fn random_looking(v: &[u8]) -> bool {
    if !(16..=256).contains(&v.len()) || !v[0].is_ascii_alphanumeric() {
        return false;
    }
    // `=` only as base64's padding: `UUID=3f9c...` is a key and a value.
    let v = v.strip_suffix(b"==").or(v.strip_suffix(b"=")).unwrap_or(v);
    let (mut upper, mut lower, mut digit) = (0, 0, 0);
    for &b in v {
        match b {
            b'A'..=b'Z' => upper += 1,
            b'a'..=b'z' => lower += 1,
            b'0'..=b'9' => digit += 1,
            b'+' | b'_' | b'-' | b'/' => {}
            _ => return false,
        }
    }
    // base64 holds `/` but never `_` or `-` (base64url's), nor `//`.
    let slash = v.contains(&b'/');
    let base64 = !v.iter().any(|&b| b == b'_' || b == b'-') && !v.windows(2).any(|w| w == b"//");
    (!slash || base64) && upper >= 2 && lower >= 2 && digit >= 2
}

fn is_secret(key: &[u8], dashes: usize) -> bool {
    secret_key(key) || (dashes == 1 && key.len() > 1 && key[0] == b'D' && secret_key(&key[1..]))
}

#[derive(Clone, Copy)]
struct Form {
    /// The key was in quotes (JSON, PHP, Perl).
    quoted: bool,
    /// `<key>value</key>`.
    xml: bool,
    /// A `-k`/`--k` flag: its value may be the next word.
    flag: bool,
    /// The key starts its line: `k v` and `k = rest of line`.
    at_start: bool,
}

impl Form {
    fn of(quoted: bool, xml: bool, dashes: usize, at_start: bool) -> Self {
        Form {
            quoted,
            xml,
            flag: dashes > 0,
            at_start,
        }
    }
}

/// The value following a key that ends at `from`, by the separator found.
fn value_after(line: &[u8], from: usize, form: Form) -> Option<Range<usize>> {
    let mut i = from;
    if form.quoted {
        // The closing quote, and PHP's `['password']`.
        while i < line.len() && matches!(line[i], b'"' | b'\'' | b']') {
            i += 1;
        }
    }
    if form.xml {
        if line.get(i) != Some(&b'>') {
            return None;
        }
        let end = line[i + 1..]
            .iter()
            .position(|&b| b == b'<')
            .map_or(line.len(), |n| i + 1 + n);
        return nonempty(i + 1..end);
    }
    let spaced_before = i < line.len() && blank(line[i]);
    while i < line.len() && blank(line[i]) && line[i] != 0 {
        i += 1;
    }
    let rest = &line[i..];
    let (sep, len) = if rest.starts_with(b"=>") || rest.starts_with(b":=") {
        (b'=', 2)
    } else if rest.starts_with(b"==") || rest.starts_with(b"=~") {
        return None;
    } else {
        match rest.first() {
            Some(b'=') => (b'=', 1),
            Some(b':') => (b':', 1),
            Some(b'(') => (b'(', 1),
            Some(b',') if form.quoted => (b',', 1),
            _ => (b' ', 0),
        }
    };
    let after = i + len;
    let spaced_after = after < line.len() && blank(line[after]);
    match sep {
        b'=' | b'(' | b',' => {
            let v = skip_blanks(line, after);
            if let Some(q) = quoted_value(line, v) {
                return nonempty(q);
            }
            if sep == b'(' {
                return nonempty(v..until(line, v, b")"));
            }
            if sep == b',' {
                return None;
            }
            // `password = two words` configures; `K=v cmd` runs a command.
            if form.at_start && (spaced_before || spaced_after) {
                return nonempty(v..rest_of_line(line, v));
            }
            nonempty(v..until(line, v, b" \t\0,;&|)}]\"'<>`"))
        }
        b':' => {
            // YAML and JSON want a blank or a quote after the colon (so
            // `user:x:1000` and `http://u:p@h` are not keys).
            let v = skip_blanks(line, after);
            if !(spaced_after || form.quoted || matches!(line.get(after), Some(b'"' | b'\''))) {
                return None;
            }
            if let Some(q) = quoted_value(line, v) {
                return nonempty(q);
            }
            if form.at_start {
                let end = rest_of_line(line, v);
                // A block scalar or a nested map is not the value itself.
                if matches!(&line[v..end], b"|" | b">" | b"|-" | b">-" | b"{" | b"[") {
                    return None;
                }
                return nonempty(v..end);
            }
            nonempty(v..until(line, v, b"\0,}]\"'"))
        }
        _ => {
            if !spaced_before || !(form.at_start || form.flag) {
                return None;
            }
            // One NUL between a process's arguments.
            let v = skip_blanks(line, i + usize::from(line.get(i) == Some(&0)));
            if v >= line.len() {
                return None;
            }
            if let Some(q) = quoted_value(line, v) {
                return nonempty(q);
            }
            if form.flag {
                // `--password hunter2`, never `--password -v`.
                if line[v] == b'-' || line[v] == b'|' {
                    return None;
                }
                return nonempty(v..until(line, v, b" \t\0;&|)"));
            }
            let end = rest_of_line(line, v);
            // `key NAME {` opens a block (dhclient, bind): the name is no
            // secret; `sshpass -p x ...` runs a program.
            let key = &line[..from];
            let program = PROGRAMS.iter().any(|p| key.ends_with(p));
            if line[..end].ends_with(b"{") || line[v] == b'-' || program {
                return None;
            }
            nonempty(v..end)
        }
    }
}

fn skip_blanks(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && blank(line[i]) && line[i] != 0 {
        i += 1;
    }
    i
}

fn until(line: &[u8], from: usize, stops: &[u8]) -> usize {
    line[from..]
        .iter()
        .position(|b| stops.contains(b))
        .map_or(line.len(), |n| from + n)
}

/// To the line's (or argument's) end, without trailing blanks and `;`.
fn rest_of_line(line: &[u8], from: usize) -> usize {
    let mut end = until(line, from, b"\0");
    while end > from && (line[end - 1].is_ascii_whitespace() || line[end - 1] == b';') {
        end -= 1;
    }
    end
}

/// The inside of a quoted string starting at `at`, to its closing quote
/// (a backslash escapes), or to the end when it is not closed.
fn quoted_value(line: &[u8], at: usize) -> Option<Range<usize>> {
    let q = *line.get(at)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let mut i = at + 1;
    while i < line.len() && line[i] != q && line[i] != 0 {
        if line[i] == b'\\' && q == b'"' {
            i += 1;
        }
        i += 1;
    }
    Some(at + 1..i.min(line.len()))
}

fn nonempty(r: Range<usize>) -> Option<Range<usize>> {
    (r.start < r.end).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line with each secret value replaced by `#`.
    fn marked(line: &str) -> String {
        let b = line.as_bytes();
        let mut out = String::new();
        let mut at = 0;
        for r in secret_values(b, true) {
            out.push_str(&line[at..r.start]);
            out.push('#');
            at = r.end;
        }
        out.push_str(&line[at..]);
        out
    }

    #[test]
    fn every_separator_and_quoting() {
        for (line, expect) in [
            ("password=hunter2", "password=#"),
            ("password = two words", "password = #"),
            ("db.password: hunter2", "db.password: #"),
            ("  bindpw hunter2", "  bindpw #"),
            ("    set $apikey \"hunter2\";", "    set $apikey \"#\";"),
            ("    set $backend upstream1;", "    set $backend upstream1;"),
            ("app -token hunter2 -v", "app -token # -v"),
            (
                "app --dbPassword=hunter2 --port=80",
                "app --dbPassword=# --port=80",
            ),
            (
                "java -Dspring.datasource.password=hunter2 -jar a.jar",
                "java -Dspring.datasource.password=# -jar a.jar",
            ),
            (
                "{\"password\": \"hun ter2\", \"port\": 80}",
                "{\"password\": \"#\", \"port\": 80}",
            ),
            ("'password' => 'hunter2',", "'password' => '#',"),
            ("<password>hunter2</password>", "<password>#</password>"),
            ("password(\"hunter2\");", "password(\"#\");"),
            (
                "define('DB_PASSWORD', 'hunter2');",
                "define('DB_PASSWORD', '#');",
            ),
            (
                "$cfg['Servers'][$i]['password'] = 'hunter2';",
                "$cfg['Servers'][$i]['password'] = '#';",
            ),
            (
                "0 1 * * * root MYSQL_PWD=hunter2 mysqldump db",
                "0 1 * * * root MYSQL_PWD=# mysqldump db",
            ),
            (
                "curl 'https://x/api?a=1&access_token=hunter2&b=2'",
                "curl 'https://x/api?a=1&access_token=#&b=2'",
            ),
            (
                "su -c \"app --password=hunter2\" app",
                "su -c \"app --password=#\" app",
            ),
            (
                "curl -H 'Authorization: Bearer hunter2' x",
                "curl -H 'Authorization: #' x",
            ),
            (
                "Options=username=u,password=hunter2,uid=0",
                "Options=username=u,password=#,uid=0",
            ),
            (
                "rd.iscsi.password=hunter2 quiet",
                "rd.iscsi.password=# quiet",
            ),
            (
                "export BORG_PASSPHRASE='hunter 2'",
                "export BORG_PASSPHRASE='#'",
            ),
            ("requirepass hunter2", "requirepass #"),
            ("secret \"hunter2\";", "secret \"#\";"),
            ("app\0--password\0hunter2\0-v", "app\0--password\0#\0-v"),
            ("pwd=\"hunter2\" db=\"x\"", "pwd=\"#\" db=\"x\""),
            ("mka_cak=0123456789abcdef", "mka_cak=#"),
            ("crypto pw hunter2", "crypto pw hunter2"),
        ] {
            assert_eq!(marked(line), expect, "{line:?}");
        }
    }

    #[test]
    fn keys_and_values_that_stay() {
        for line in [
            "PasswordAuthentication no",
            "passwd:         files systemd",
            "password   required   pam_unix.so sha512 shadow",
            "password [success=1 default=ignore] pam_unix.so obscure",
            "tokenuser:x:1001:1001::/home/tokenuser:/bin/sh",
            "proxy_pass http://backend:8080;",
            "ProxyPass / http://app:8080/",
            "pg_dump --no-password db",
            "HostKey /etc/ssh/ssh_host_ed25519_key",
            "ExecStart=/usr/sbin/sshd -D $SSHD_OPTS",
            " /etc/pam.d/passwd 4d1e3e6e9a4f1b2c3d4e5f6a7b8c9d0e",
            "Description: a password manager",
            "key ddns {",
            "if [ \"$password\" == \"\" ]; then",
            "password: |",
            "AuthorizedKeysFile .ssh/authorized_keys",
        ] {
            assert_eq!(marked(line), line, "{line:?}");
        }
    }

    /// A value shaped like an issued token is a secret under any key
    /// (`X_API=tok_...` reached a bundle when tried as an attacker would);
    /// short or unprefixed values under keys that name no secret stay.
    #[test]
    fn token_shaped_values_under_any_key() {
        for (line, value) in [
            ("X_API=tok_4f9a8b7c6d5e4f3a2b1c", "tok_4f9a8b7c6d5e4f3a2b1c"),
            ("GH=ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
            ("slack: xoxb-1234567890-abcdefghijklmnop", "xoxb-1234567890-abcdefghijklmnop"),
            ("\"stripe\": \"sk_live_abcdefghijklmnop1234\"", "sk_live_abcdefghijklmnop1234"),
            ("--header=glpat-abcdefghij0123456789", "glpat-abcdefghij0123456789"),
            ("AWS_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
            ("export BACKUP_CRYPT=Zx9kLm2Qw8Rt5Yp7", "Zx9kLm2Qw8Rt5Yp7"),
            ("X_SEED='q8Rb2LxV0wT5nPz3mK7d+Q=='", "q8Rb2LxV0wT5nPz3mK7d+Q=="),
            ("X_SIGNATURE=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
            ("X_SIGNING=\"z9xk2lm4qw8rt5yp7ab3cd6ef0gh1ij2\"", "z9xk2lm4qw8rt5yp7ab3cd6ef0gh1ij2"),
            ("\"hmac\": \"3c6e0b8a9c15224a8228b9a98ca1531d3c6e0b8a9c15224a8228b9a98ca1531d\"", "3c6e0b8a9c15224a8228b9a98ca1531d"),
            ("BACKUP_CRYPT=Zx9k/Lm2Qw8Rt5Yp7+ab3Q==", "Zx9k/Lm2Qw8Rt5Yp7+ab3Q=="),
            ("session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
        ] {
            let m = marked(line);
            assert!(!m.contains(value), "{line:?} -> {m:?}");
        }
        for line in [
            "X_API=v2",
            "MODE=tok_short",
            "NAME=sk-learn",
            "IMAGE=ghp_",
            "URL=https://example.com/eyJ.not",
            "ExecStart=/usr/bin/akia-agent --config /etc/akia.conf",
            "UUID=4f9a8b7c-6d5e-4f3a-2b1c-9d8e7f6a5b4c / ext4 defaults 0 1",
            "linux /boot/vmlinuz-6.1.0-18-amd64 root=UUID=3f9c2a4e-8d1b-4c55-9e0f-6a7b8c9d0e1f ro quiet",
            "MACHINE=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "mpatha 360a98000324669436c2b45666c567946",
            "\"Id\": \"5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4\",",
            "\"SandboxID\":\"5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4\"",
            "SHA256SUM=5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4",
            "GIT_COMMIT=9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c",
            "X_COUNT=12345678901234567890123456789012",
            "X_NAME=averyverylongconfigurationword1",
            "SERVICE=ip-10-0-0-5.eu-west-1.compute.internal",
            "TZ=America/Argentina/Buenos_Aires",
            "LIBDIR=x86_64-linux-gnu/Qt5Core/Plugins2",
            "DocumentRoot=/srv/Www2/Site3A/Public9",
            "TZ=Etc/GMT+10",
            "Version: 1.2.3-4ubuntu5.6",
            "Package: libXcomposite1",
            "AuthorizedKeysFile .ssh/authorized_keys",
            "NAME=PasswordAuthentication",
        ] {
            assert_eq!(marked(line), line, "{line:?}");
        }
    }

    /// Each position is a key's start once: a long line is linear.
    #[test]
    fn a_long_line_is_linear() {
        // A ratio, not a time, so a loaded machine does not fail it: eight
        // times the pairs take at most 24 times as long (a quadratic scan,
        // 64), each the best of three.
        let took = |n: usize| {
            let line = "password=s3cret ".repeat(n);
            (0..3)
                .map(|_| {
                    let t = std::time::Instant::now();
                    assert_eq!(secret_values(line.as_bytes(), true).len(), n);
                    t.elapsed()
                })
                .min()
                .unwrap()
        };
        let (small, big) = (took(25_000), took(200_000));
        let ratio = big.as_secs_f64() / small.as_secs_f64().max(1e-6);
        assert!(ratio < 24.0, "{small:?} then {big:?}: {ratio:.1}x");
    }
}
