//! Line rules: private key blocks, `key = value` forms by key pattern,
//! mount options, boot loader passwords, cloud-init.

use std::ops::Range;

use super::find;

// Private key blocks: a file holding every marker of one is withheld.
pub const PEM_PRIVATE_KEY: &[&[u8]] = &[b"-----BEGIN", b"PRIVATE KEY-----"];
pub const PGP_PRIVATE_KEY: &[&[u8]] = &[b"-----BEGIN PGP PRIVATE KEY BLOCK-----"];
pub const PUTTY_PRIVATE_KEY: &[&[u8]] = &[b"PuTTY-User-Key-File-", b"Private-Lines:"];
pub const OPENVPN_STATIC_KEY: &[&[u8]] = &[b"-----BEGIN OpenVPN Static key"];

/// A key lowercased with `-`, `_`, `.`, quotes and spaces dropped.
fn normal(key: &[u8]) -> Vec<u8> {
    key.iter()
        .filter(|b| !matches!(b, b'-' | b'_' | b'.' | b'"' | b'\'' | b' ' | b'\t'))
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// Keys that carry a setting about a secret, not the secret.
fn about_a_secret(k: &[u8]) -> bool {
    ["flags", "file", "type", "length", "mgmt"]
        .iter()
        .any(|s| k.ends_with(s.as_bytes()))
        || k.starts_with(b"lock")
}

fn network_key(key: &[u8]) -> bool {
    let k = normal(key);
    if k.is_empty() || about_a_secret(&k) {
        return false;
    }
    const HOLDS: &[&str] = &[
        "psk",
        "password",
        "passwd",
        "secret",
        "passphrase",
        "privatekey",
        "presharedkey",
        "certpass",
        "wepkey",
        "wirelesskey",
    ];
    const IS: &[&str] = &[
        "pin", "key", "key1", "key2", "key3", "key4", "private", "shared",
    ];
    HOLDS.iter().any(|w| find(&k, w.as_bytes()).is_some()) || IS.iter().any(|w| k == w.as_bytes())
}

/// The secret value ranges of a `KEY=v`, `KEY: v` or `KEY v` line (also
/// commented out, or a YAML list item), and of `{KEY: v, ...}` flow maps.
fn key_values(line: &[u8], secret: fn(&[u8]) -> bool) -> Vec<Range<usize>> {
    let lead = line
        .iter()
        .take_while(|&&b| b.is_ascii_whitespace() || matches!(b, b'#' | b';' | b'-'))
        .count();
    if let Some(sep) = line[lead..].iter().position(|&b| b == b'=' || b == b':') {
        let sep = lead + sep;
        let key = line[lead..sep].trim_ascii_end();
        if !key.is_empty() && !key.iter().any(|b| b.is_ascii_whitespace()) {
            let value = trimmed(line, sep + 1, line.len());
            return match value {
                Some(v) if secret(key) => vec![v],
                Some(v) if line[v.start] == b'{' => flow_map(line, v.start + 1, secret),
                _ => Vec::new(),
            };
        }
    }
    // `wpa-psk SECRET`, `secret "SECRET";`
    let key_end = line[lead..]
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .map_or(line.len(), |n| lead + n);
    match trimmed(line, key_end, line.len()) {
        // `key NAME {` opens a dhclient key block: its name is no secret.
        Some(v) if secret(&line[lead..key_end]) && !line[..v.end].ends_with(b"{") => vec![v],
        _ => Vec::new(),
    }
}

/// `a: x, b: y}` from `from`: the values whose key is secret.
fn flow_map(line: &[u8], from: usize, secret: fn(&[u8]) -> bool) -> Vec<Range<usize>> {
    let end = line[from..]
        .iter()
        .position(|&b| b == b'}')
        .map_or(line.len(), |n| from + n);
    let mut out = Vec::new();
    let mut at = from;
    for pair in line[from..end].split(|&b| b == b',') {
        if let Some(colon) = pair.iter().position(|&b| b == b':') {
            if secret(&pair[..colon]) {
                out.extend(trimmed(line, at + colon + 1, at + pair.len()));
            }
        }
        at += pair.len() + 1;
    }
    out
}

/// `from..to` without surrounding spaces and a trailing `;`, or None if empty.
fn trimmed(line: &[u8], mut from: usize, mut to: usize) -> Option<Range<usize>> {
    while from < to && line[from].is_ascii_whitespace() {
        from += 1;
    }
    while to > from && (line[to - 1].is_ascii_whitespace() || line[to - 1] == b';') {
        to -= 1;
    }
    (from < to).then_some(from..to)
}

pub fn network_secret(line: &[u8]) -> Vec<Range<usize>> {
    key_values(line, network_key)
}

/// Every value of a `[vpn-secrets]` section.
pub fn nm_vpn_secrets(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let body = super::line_body(line);
        let t = body.trim_ascii();
        if t.starts_with(b"[") {
            inside = t == b"[vpn-secrets]";
        } else if inside && !t.starts_with(b"#") {
            if let Some(eq) = body.iter().position(|&b| b == b'=') {
                out.extend(trimmed(body, eq + 1, body.len()).map(|r| r.start + at..r.end + at));
            }
        }
        at += line.len();
    }
    out
}

/// cifs credentials in a mount option list.
pub fn mount_credentials(line: &[u8]) -> Vec<Range<usize>> {
    const KEYS: &[&[u8]] = &[
        b"password=",
        b"password2=",
        b"pass=",
        b"passwd=",
        b"credentials=",
        b"cred=",
    ];
    let mut out = Vec::new();
    let lower = line.to_ascii_lowercase();
    let mut i = 0;
    while i < line.len() {
        let starts = i == 0 || matches!(line[i - 1], b',' | b' ' | b'\t' | b'-' | b'"');
        let value_end = |from: usize| {
            line[from..]
                .iter()
                .position(|&b| matches!(b, b',' | b' ' | b'\t' | b'"'))
                .map_or(line.len(), |n| from + n)
        };
        if starts {
            if let Some(k) = KEYS.iter().find(|k| lower[i..].starts_with(k)) {
                let from = i + k.len();
                let end = value_end(from);
                if end > from {
                    out.push(from..end);
                }
                i = end.max(from);
                continue;
            }
            for k in [&b"user="[..], b"username="] {
                if lower[i..].starts_with(k) {
                    let end = value_end(i + k.len());
                    if let Some(p) = line[i + k.len()..end].iter().position(|&b| b == b'%') {
                        let from = i + k.len() + p + 1;
                        if end > from {
                            out.push(from..end);
                        }
                    }
                }
            }
        }
        i += 1;
    }
    out
}

fn words(line: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let end = line[i..]
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .map_or(line.len(), |n| i + n);
        out.push(i..end);
        i = end;
    }
    out
}

fn boot_key(key: &[u8]) -> bool {
    let k = normal(key);
    k == b"password" || k == b"grub2password" || k == b"passwd"
}

pub fn boot_password(line: &[u8]) -> Vec<Range<usize>> {
    let w = words(line);
    let word = |i: usize| w.get(i).map(|r| line[r.clone()].to_ascii_lowercase());
    let first = word(0).unwrap_or_default();
    let command = first == b"password"
        || first == b"password_pbkdf2"
        || (first == b"menu"
            && (word(1).as_deref() == Some(b"passwd") || word(2).as_deref() == Some(b"passwd")));
    if command && w.len() >= 2 {
        return vec![w[w.len() - 1].clone()];
    }
    if first.starts_with(b"#") {
        return Vec::new();
    }
    key_values(line, boot_key)
}

fn cloud_key(key: &[u8]) -> bool {
    let k = normal(key);
    !about_a_secret(&k) && (find(&k, b"password").is_some() || find(&k, b"passwd").is_some())
}

/// Redis ACL users (redis.conf and its aclfile): `user NAME on >PASSWORD
/// #SHA256 ~* +@all`. A rule starting with `>` adds a password, one with
/// `#` its SHA-256 (a guessable password confirmed offline); both are
/// blanked, the other rules kept.
pub fn redis_acl(line: &[u8]) -> Vec<Range<usize>> {
    let start = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    if !line[start..].starts_with(b"user ") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut at = start;
    while at < line.len() {
        let end = line[at..]
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .map_or(line.len(), |i| at + i);
        if end > at + 1 && matches!(line[at], b'>' | b'#' | b'<' | b'!') {
            out.push(at + 1..end);
        }
        at = end + 1;
    }
    out
}

pub fn cloud_password(line: &[u8]) -> Vec<Range<usize>> {
    key_values(line, cloud_key)
        .into_iter()
        .filter(|r| line[r.start] != b'|' && line[r.start] != b'>')
        .collect()
}

/// `chpasswd:` ... `list:` then `user:password` lines (a block scalar or
/// a YAML list). The newer `users:` entries with `password:` are
/// [`cloud_password`]'s.
pub fn chpasswd_list(text: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut chpasswd: Option<usize> = None;
    let mut list: Option<usize> = None;
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let body = super::line_body(line);
        let n = body.iter().take_while(|&&b| b == b' ').count();
        let t = body.trim_ascii();
        at += line.len();
        let at = at - line.len();
        if t.is_empty() || t.starts_with(b"#") {
            continue;
        }
        let item = t.starts_with(b"- ");
        if list.is_some_and(|l| n < l || (n == l && !item)) {
            list = None;
        }
        if chpasswd.is_some_and(|c| n <= c) {
            (chpasswd, list) = (None, None);
        }
        if list.is_some() {
            let from = n + if item { 2 } else { 0 };
            out.extend(entry_password(body, from).map(|r| r.start + at..r.end + at));
        } else if t.starts_with(b"chpasswd:") {
            chpasswd = Some(n);
        } else if chpasswd.is_some() && t.starts_with(b"list:") {
            list = Some(n);
            let rest = n + 5;
            let inline = body[rest..].trim_ascii();
            if !inline.is_empty() && inline != b"|" && inline != b">" {
                out.extend(entry_password(body, rest).map(|r| r.start + at..r.end + at));
            }
        }
    }
    out
}

/// The password of a `user:password` entry starting at `from`.
fn entry_password(body: &[u8], from: usize) -> Option<Range<usize>> {
    let colon = from + body[from..].iter().position(|&b| b == b':')?;
    let mut end = body.len();
    while end > colon + 1 && matches!(body[end - 1], b'"' | b'\'' | b' ' | b'\t') {
        end -= 1;
    }
    (end > colon + 1).then_some(colon + 1..end)
}

/// Keys of service configuration (sssd, nslcd, ldap.conf, smb.conf,
/// ssmtp, msmtp, iSCSI, bacula/bareos, zabbix, yum repos) that hold a
/// secret. Keys naming a setting about one (`..._type`, `..._maps`,
/// smb.conf's `passwd program`, `unix password sync`) are kept.
fn service_key(key: &[u8]) -> bool {
    let k = normal(key);
    const ABOUT: &[&str] = &[
        "maps",
        "program",
        "chat",
        "sync",
        "change",
        "passwords",
        "backend",
        "timeout",
        "expiry",
        "policy",
        "prompt",
        "level",
        "offline",
        "method",
        "identity",
        "server",
    ];
    const HOLDS: &[&str] = &[
        "password",
        "passwd",
        "authtok",
        "bindpw",
        "rootpwmodpw",
        "authpass",
        "secret",
        "tlspsk",
    ];
    !k.is_empty()
        && !about_a_secret(&k)
        && !ABOUT.iter().any(|s| k.ends_with(s.as_bytes()))
        && HOLDS.iter().any(|w| find(&k, w.as_bytes()).is_some())
}

/// `key = value` (the key may hold spaces, as in smb.conf and bacula) or
/// `key value` (ldap.conf, nslcd, msmtp): the value when the key holds a
/// secret, without the quotes around it.
pub fn service_secret(line: &[u8]) -> Vec<Range<usize>> {
    let lead = line
        .iter()
        .take_while(|&&b| b.is_ascii_whitespace() || matches!(b, b'#' | b';'))
        .count();
    let eq = line[lead..]
        .iter()
        .position(|&b| b == b'=')
        .map(|n| lead + n);
    let first_space = line[lead..]
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .map_or(line.len(), |n| lead + n);
    let (key, from) = match eq {
        // `key = v` when the key is words without quotes or colons.
        Some(eq)
            if !line[lead..eq]
                .iter()
                .any(|b| matches!(b, b'"' | b'\'' | b':' | b'/')) =>
        {
            (&line[lead..eq], eq + 1)
        }
        _ => (&line[lead..first_space], first_space),
    };
    if !service_key(key) {
        return Vec::new();
    }
    let Some(mut v) = trimmed(line, from, line.len()) else {
        return Vec::new();
    };
    if v.len() >= 2 && matches!(line[v.start], b'"' | b'\'') && line[v.end - 1] == line[v.start] {
        v = v.start + 1..v.end - 1;
    }
    if v.is_empty() {
        return Vec::new();
    }
    vec![v]
}

/// postfix `smtp_sasl_password_maps = static:user:pass` and
/// `inline:{ [relay]:587=user:pass, ... }`: the credentials. (The key is
/// about a map, so the generic layer keeps its value.)
pub fn postfix_password_map(line: &[u8]) -> Vec<Range<usize>> {
    let Some(eq) = line.iter().position(|&b| b == b'=') else {
        return Vec::new();
    };
    let key = normal(&line[..eq]);
    if find(&key, b"password").is_none() || !key.ends_with(b"maps") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let value = eq + 1;
    let mut at = value;
    while let Some(s) = find(&line[at..], b"static:") {
        let from = at + s + 7;
        let end = line[from..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b == b',')
            .map_or(line.len(), |n| from + n);
        if end > from {
            out.push(from..end);
        }
        at = end;
    }
    if let Some(s) = find(&line[value..], b"inline:{") {
        let from = value + s + 8;
        let end = line[from..]
            .iter()
            .position(|&b| b == b'}')
            .map_or(line.len(), |n| from + n);
        let mut at = from;
        for entry in line[from..end].split(|&b| b == b',') {
            if let Some(e) = entry.iter().position(|&b| b == b'=') {
                out.extend(trimmed(line, at + e + 1, at + entry.len()));
            }
            at += entry.len() + 1;
        }
    }
    out
}
