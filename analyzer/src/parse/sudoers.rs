//! /etc/sudoers and the files it includes: who may run every command as
//! root. Defaults lines are ignored; aliases, `%group`, runas lists and
//! tags are understood well enough to tell a full grant from a narrow one.
//!
//! Sample (sudo's own sudoers on CentOS 6, plus an include and an alias):
//!
//! ```text
//! Defaults    requiretty
//! User_Alias  ADMINS = alice, %ops
//! root        ALL=(ALL)       ALL
//! ADMINS      ALL=(ALL:ALL) NOPASSWD: ALL
//! bob         ALL=/usr/bin/systemctl restart httpd
//! #includedir /etc/sudoers.d
//! ```
//!
//! gives full rights to root, alice and %ops, not to bob, and one include.

use std::collections::HashMap;

use super::{ParseError, Parsed, Partial};
pub use crate::vocab::sudo::Grant;

/// One `#include`/`@include` (a file) or `#includedir`/`@includedir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub path: String,
    pub dir: bool,
    pub line: usize,
}

/// One `who where = (runas) tags: commands` grant, per host group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub users: Vec<String>,
    pub hosts: Vec<String>,
    /// Each command with the runas users in effect for it (empty: root).
    pub commands: Vec<(Vec<String>, String)>,
    pub line: usize,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sudoers {
    pub includes: Vec<Include>,
    /// `User_Alias`, `Runas_Alias`, `Host_Alias`, `Cmnd_Alias` names to members.
    pub aliases: HashMap<String, Vec<String>>,
    pub specs: Vec<UserSpec>,
}

const TAGS: &[&str] = &[
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
];
const OPTIONS: &[&str] = &[
    "ROLE=",
    "TYPE=",
    "CWD=",
    "CHROOT=",
    "TIMEOUT=",
    "NOTBEFORE=",
    "NOTAFTER=",
];
const ALIAS_KINDS: &[&str] = &[
    "User_Alias",
    "Runas_Alias",
    "Host_Alias",
    "Cmnd_Alias",
    "Cmd_Alias",
];

pub fn parse(bytes: &[u8]) -> Parsed<Sudoers> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Sudoers::default();
    let mut errors = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        if let Some(head) = raw.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        let line = std::mem::take(&mut logical);
        if let Err(e) = directive(&line, start, &mut out) {
            errors.push(e);
        }
    }
    if !logical.is_empty() {
        let _ = directive(&logical, start, &mut out);
    }
    Ok(Partial { value: out, errors })
}

fn directive(line: &str, n: usize, out: &mut Sudoers) -> Result<(), ParseError> {
    let t = line.trim();
    for (kw, dir) in [
        ("#includedir", true),
        ("@includedir", true),
        ("#include", false),
        ("@include", false),
    ] {
        if let Some(rest) = t.strip_prefix(kw) {
            if rest.starts_with(char::is_whitespace) {
                let path = rest.trim().trim_matches('"').to_string();
                out.includes.push(Include { path, dir, line: n });
                return Ok(());
            }
        }
    }
    let t = strip_comment(t).trim();
    if t.is_empty() || t.starts_with("Defaults") {
        return Ok(());
    }
    let first = t.split_whitespace().next().unwrap_or("");
    if ALIAS_KINDS.contains(&first) {
        for def in split_top(t[first.len()..].trim(), ':') {
            let (name, members) = def
                .split_once('=')
                .ok_or_else(|| ParseError::at_line(n, format!("alias without '=': {def}")))?;
            out.aliases.insert(name.trim().to_string(), list(members));
        }
        return Ok(());
    }
    let (users, rest) = t
        .split_once(char::is_whitespace)
        .ok_or_else(|| ParseError::at_line(n, format!("not a sudoers line: {t}")))?;
    let users = list(users);
    for group in split_top(rest, ':') {
        let (hosts, cmnds) = group
            .split_once('=')
            .ok_or_else(|| ParseError::at_line(n, format!("no '=' in {group:?}")))?;
        let mut runas: Vec<String> = Vec::new();
        let mut commands = Vec::new();
        for item in split_top(cmnds, ',') {
            let mut s = item.trim();
            if let Some(r) = s.strip_prefix('(') {
                let (spec, after) = r.split_once(')').unwrap_or((r, ""));
                let users_part = spec.split(':').next().unwrap_or("");
                runas = list(users_part);
                s = after.trim();
            }
            loop {
                let word_end = s.find(':').unwrap_or(0);
                let opt = OPTIONS.iter().find(|o| s.starts_with(*o));
                if word_end > 0 && TAGS.contains(&s[..word_end].trim()) {
                    s = s[word_end + 1..].trim();
                } else if let Some(_o) = opt {
                    s = s.split_once(char::is_whitespace).map_or("", |x| x.1).trim();
                } else {
                    break;
                }
            }
            commands.push((runas.clone(), s.to_string()));
        }
        out.specs.push(UserSpec {
            users: users.clone(),
            hosts: list(hosts),
            commands,
            line: n,
            text: t.split_whitespace().collect::<Vec<_>>().join(" "),
        });
    }
    Ok(())
}

/// `#` starts a comment unless a uid or gid follows it (`#0`, `%#10`).
fn strip_comment(s: &str) -> &str {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return &s[..i];
        }
    }
    s
}

/// Splits at `sep` outside parentheses and not escaped; a `:` that ends a
/// tag (`NOPASSWD:`) is not a separator.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0u32;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                cur.extend(chars.next());
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            c if c == sep && depth == 0 => {
                let last_word = cur
                    .rsplit(|ch: char| ch.is_whitespace() || ch == ')' || ch == ',')
                    .next()
                    .unwrap_or("");
                if sep == ':' && TAGS.contains(&last_word) {
                    cur.push(c);
                } else {
                    parts.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn list(s: &str) -> Vec<String> {
    split_top(s, ',')
        .into_iter()
        .map(|x| x.trim().to_string())
        .collect()
}

/// Users and groups that may run any command as root on this host, across
/// the parsed files in include order (aliases are shared between them).
pub fn full_rights(files: &[(String, Sudoers)], hostname: Option<&str>) -> Vec<Grant> {
    let mut aliases = HashMap::new();
    for (_, f) in files {
        aliases.extend(f.aliases.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let short = hostname.map(|h| h.split('.').next().unwrap_or(h));
    let mut out = Vec::new();
    for (path, f) in files {
        for spec in &f.specs {
            let host_ok = expand(&spec.hosts, &aliases)
                .iter()
                .any(|h| h == "ALL" || Some(h.as_str()) == hostname || Some(h.as_str()) == short);
            let cmd_ok = spec.commands.iter().any(|(runas, cmd)| {
                let as_root = runas.is_empty()
                    || expand(runas, &aliases)
                        .iter()
                        .any(|u| u == "ALL" || u == "root" || u == "#0");
                as_root
                    && expand(std::slice::from_ref(cmd), &aliases)
                        .iter()
                        .any(|c| c == "ALL")
            });
            if host_ok && cmd_ok {
                for who in expand(&spec.users, &aliases) {
                    out.push(Grant {
                        principal: who,
                        path: path.clone(),
                        line: spec.line,
                        text: spec.text.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Members with aliases replaced by theirs; negated members dropped.
fn expand(items: &[String], aliases: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, u8)> = items.iter().rev().map(|i| (i.clone(), 0)).collect();
    // Aliases of aliases can multiply: a fixed number of steps bounds the work.
    let mut steps = 0u32;
    while let Some((item, depth)) = stack.pop() {
        steps += 1;
        if steps > 100_000 {
            break;
        }
        if item.starts_with('!') {
            continue;
        }
        match aliases.get(&item) {
            Some(members) if depth < 16 => {
                stack.extend(members.iter().rev().map(|m| (m.clone(), depth + 1)));
            }
            _ => out.push(item),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Defaults    requiretty\n\
User_Alias  ADMINS = alice, %ops\n\
root        ALL=(ALL)       ALL\n\
ADMINS      ALL=(ALL:ALL) NOPASSWD: ALL\n\
bob         ALL=/usr/bin/systemctl restart httpd\n\
#includedir /etc/sudoers.d\n";

    fn who(text: &str, host: Option<&str>) -> Vec<String> {
        let p = parse(text.as_bytes()).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        full_rights(&[("/etc/sudoers".into(), p.value)], host)
            .into_iter()
            .map(|g| g.principal)
            .collect()
    }

    #[test]
    fn sample() {
        let p = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(
            p.value.includes,
            vec![Include {
                path: "/etc/sudoers.d".into(),
                dir: true,
                line: 6
            }]
        );
        assert_eq!(who(SAMPLE, None), ["root", "alice", "%ops"]);
    }

    #[test]
    fn centos6_shipped_file_gives_only_root() {
        let b = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/centos6-sysv/etc/sudoers"
        ))
        .unwrap();
        let p = parse(&b).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let g = full_rights(&[("/etc/sudoers".into(), p.value)], None);
        assert_eq!(g.len(), 1);
        assert_eq!((g[0].principal.as_str(), g[0].line), ("root", 98));
    }

    #[test]
    fn narrow_grants_are_not_full() {
        assert!(who("carol ALL=(postgres) ALL\n", None).is_empty());
        assert!(who("dave ALL=(ALL) ALL, !/bin/su\n", None) == ["dave"]);
        assert!(who("erin db01=(ALL) ALL\n", Some("web01")).is_empty());
        assert_eq!(
            who("erin db01=(ALL) ALL\n", Some("db01.example.com")),
            ["erin"]
        );
        assert!(who("# %wheel ALL=(ALL) ALL\n", None).is_empty());
        assert!(who("!frank ALL=(ALL) ALL\n", None).is_empty());
    }

    #[test]
    fn tags_aliases_continuations_and_uids() {
        let t = "Cmnd_Alias EVERYTHING = ALL\n\
Runas_Alias ROOTISH = root, #0\n\
%wheel ALL = (ROOTISH) NOPASSWD: SETENV: EVERYTHING\n\
#1000 ALL=(ALL) \\\n    ALL\n\
gina ALL = (ALL) NOPASSWD: /bin/ls : web01 = (ALL) ALL\n\
@include /etc/sudoers.local\n";
        let p = parse(t.as_bytes()).unwrap();
        assert_eq!(p.value.includes[0].path, "/etc/sudoers.local");
        assert!(!p.value.includes[0].dir);
        assert_eq!(who(t, Some("web01")), ["%wheel", "#1000", "gina"]);
        assert_eq!(who(t, Some("other")), ["%wheel", "#1000"]);
    }

    #[test]
    fn hostile_input_never_panics() {
        for t in [
            "(",
            "a b=(",
            "User_Alias",
            "x ALL=(ALL",
            "\\",
            "A=B",
            "%\u{ff}# ALL=ALL:",
            "a (=)",
        ] {
            let _ = who_lossy(t);
        }
        let loop_ = "User_Alias A = B\nUser_Alias B = A\nA ALL=(ALL) ALL\n";
        assert!(who_lossy(loop_).len() <= 100_000);
        let wide = format!(
            "User_Alias A = {}\nUser_Alias B = {}\nA ALL=(ALL) ALL\n",
            vec!["B"; 64].join(","),
            vec!["A"; 64].join(",")
        );
        assert!(who_lossy(&wide).len() <= 100_000);
    }

    fn who_lossy(t: &str) -> Vec<Grant> {
        full_rights(&[("/x".into(), parse(t.as_bytes()).unwrap().value)], None)
    }
}
