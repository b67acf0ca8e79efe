//! Tools that take a secret under a name that says nothing (`-w`, `-a`,
//! `-P`, `user%pass`, `user/pass@db`, `pass:`), or through a pipe. One row
//! per tool: the programs it matches and the forms after them. The words
//! are a command's ([`Command`]); quoted sub-commands and arguments holding
//! a whole command line are read again as commands (`words::commands`).

use std::ops::Range;

use super::words::{unquoted, Command};

/// Where a tool's secret is, among the words after its program.
pub enum Form {
    /// A flag's value: the next word, `-fVALUE` for a one-letter flag,
    /// `--flag=VALUE` for a long one.
    Flag(&'static [u8]),
    /// The part of a flag's value after the first `byte` (`user%pass`).
    FlagAfter(&'static [u8], u8),
    /// The rest of any word starting with this (`pass:SECRET`).
    Prefix(&'static [u8]),
    /// The word after this plain word (`password SECRET`).
    Word(&'static [u8]),
    /// The part after `byte` of the word after this plain word.
    WordAfter(&'static [u8], u8),
    /// The `n`th word after this one (`add_user NAME PASSWORD`).
    Nth(&'static [u8], usize),
    /// `user/password@db` and `userid=user/password@db` (Oracle).
    Oracle,
    /// What `echo`/`printf` pipe into it, or a `<<<` string.
    Stdin,
    /// The fourth field of `:ommysql:host,db,user,password`.
    Field(&'static [u8], usize),
}

pub struct Tool {
    /// The tool, as the footer and SECURITY.md name it.
    pub name: &'static str,
    /// Program names (last path component). Empty: the forms apply to
    /// any word (SQL statements, HTTP headers in any file).
    pub programs: &'static [&'static [u8]],
    pub forms: &'static [Form],
}

use Form::*;

const LDAP: &[&[u8]] = &[
    b"ldapsearch",
    b"ldapmodify",
    b"ldapadd",
    b"ldapdelete",
    b"ldapwhoami",
    b"ldapcompare",
    b"ldapmodrdn",
    b"ldapexop",
    b"ldappasswd",
];

const SMB: &[&[u8]] = &[
    b"smbclient",
    b"rpcclient",
    b"smbcacls",
    b"smbcquotas",
    b"smbget",
    b"smbtree",
    b"net",
    b"wbinfo",
    b"smbmap",
];

const ORACLE: &[&[u8]] = &[
    b"sqlplus", b"rman", b"expdp", b"impdp", b"exp", b"imp", b"sqlldr", b"dgmgrl", b"sqlcl",
];

/// The table.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "openssl",
        programs: &[b"openssl"],
        forms: &[Prefix(b"pass:"), Flag(b"-k")],
    },
    Tool {
        name: "keytool",
        programs: &[b"keytool"],
        forms: &[
            Flag(b"-storepass"),
            Flag(b"-keypass"),
            Flag(b"-srcstorepass"),
            Flag(b"-deststorepass"),
            Flag(b"-srckeypass"),
            Flag(b"-destkeypass"),
            Flag(b"-new"),
        ],
    },
    Tool {
        name: "ldap-utils",
        programs: LDAP,
        forms: &[Flag(b"-w")],
    },
    Tool {
        name: "ldappasswd",
        programs: &[b"ldappasswd"],
        forms: &[Flag(b"-a"), Flag(b"-s")],
    },
    Tool {
        name: "redis",
        programs: &[b"redis-cli", b"redis-server", b"redis-benchmark"],
        forms: &[Flag(b"-a"), Flag(b"--requirepass"), Flag(b"--masterauth")],
    },
    Tool {
        name: "sshpass",
        programs: &[b"sshpass"],
        forms: &[Flag(b"-p")],
    },
    Tool {
        name: "samba",
        programs: SMB,
        forms: &[FlagAfter(b"-U", b'%'), FlagAfter(b"--user", b'%')],
    },
    Tool {
        name: "ipmitool",
        programs: &[b"ipmitool"],
        forms: &[Flag(b"-P"), Flag(b"-k"), Flag(b"-y")],
    },
    Tool {
        name: "oracle",
        programs: ORACLE,
        forms: &[Oracle],
    },
    Tool {
        name: "curl",
        programs: &[b"curl"],
        forms: &[
            FlagAfter(b"-u", b':'),
            FlagAfter(b"--user", b':'),
            FlagAfter(b"-U", b':'),
            FlagAfter(b"--proxy-user", b':'),
        ],
    },
    Tool {
        name: "lftp",
        programs: &[b"lftp"],
        forms: &[FlagAfter(b"-u", b',')],
    },
    Tool {
        name: "password-stdin",
        programs: &[
            b"chpasswd",
            b"passwd",
            b"chgpasswd",
            b"smbpasswd",
            b"htpasswd",
            b"kinit",
            b"cryptsetup",
            b"vncpasswd",
            b"ldappasswd",
        ],
        forms: &[Stdin],
    },
    Tool {
        name: "sudo-S",
        programs: &[b"sudo"],
        forms: &[Stdin],
    },
    Tool {
        name: "mysqladmin",
        programs: &[b"mysqladmin", b"mariadb-admin"],
        forms: &[Word(b"password")],
    },
    Tool {
        name: "mssql",
        programs: &[b"sqlcmd", b"bcp", b"isql", b"osql"],
        forms: &[Flag(b"-P")],
    },
    Tool {
        name: "mongo",
        programs: &[
            b"mongo",
            b"mongosh",
            b"mongodump",
            b"mongorestore",
            b"mongoexport",
        ],
        forms: &[Flag(b"-p")],
    },
    Tool {
        name: "check_mysql",
        programs: &[b"check_mysql", b"check_mysql_query", b"check_pgsql"],
        forms: &[Flag(b"-p")],
    },
    Tool {
        name: "check_ldap",
        programs: &[b"check_ldap", b"check_ldaps", b"check_smtp"],
        forms: &[Flag(b"-P")],
    },
    Tool {
        name: "check_http",
        programs: &[b"check_http", b"check_curl"],
        forms: &[FlagAfter(b"-a", b':')],
    },
    Tool {
        name: "check_snmp",
        programs: &[b"check_snmp"],
        forms: &[Flag(b"-C"), Flag(b"-A"), Flag(b"-X")],
    },
    Tool {
        name: "net-snmp",
        programs: &[
            b"snmpwalk",
            b"snmpget",
            b"snmpbulkwalk",
            b"snmpset",
            b"snmptrap",
            b"snmpgetnext",
            b"snmptable",
        ],
        forms: &[Flag(b"-c"), Flag(b"-A"), Flag(b"-X")],
    },
    Tool {
        name: "snmpd.conf",
        programs: &[b"com2sec", b"com2sec6", b"createUser"],
        forms: &[
            Nth(b"com2sec", 3),
            Nth(b"com2sec6", 3),
            Nth(b"createUser", 3),
            Nth(b"createUser", 5),
        ],
    },
    Tool {
        name: "ntp",
        programs: &[b"crypto"],
        forms: &[Word(b"pw")],
    },
    Tool {
        name: "netrc",
        programs: &[b"machine", b"default"],
        forms: &[Word(b"password"), Word(b"account")],
    },
    Tool {
        name: "haproxy",
        programs: &[b"stats", b"user"],
        forms: &[
            WordAfter(b"auth", b':'),
            Word(b"password"),
            Word(b"insecure-password"),
        ],
    },
    Tool {
        name: "rabbitmqctl",
        programs: &[b"rabbitmqctl"],
        forms: &[Nth(b"add_user", 2), Nth(b"change_password", 2)],
    },
    Tool {
        name: "docker-login",
        programs: &[b"login"],
        forms: &[Flag(b"-p")],
    },
    Tool {
        name: "useradd",
        programs: &[b"useradd", b"usermod", b"adduser"],
        forms: &[Flag(b"-p")],
    },
    Tool {
        name: "htpasswd-b",
        programs: &[b"htpasswd"],
        forms: &[
            Nth(b"-b", 3),
            Nth(b"-bc", 3),
            Nth(b"-cb", 3),
            Nth(b"-bB", 3),
            Nth(b"-Bb", 3),
        ],
    },
    Tool {
        name: "wpa",
        programs: &[b"wpa_passphrase", b"wpa_cli", b"iwconfig", b"nmcli"],
        forms: &[
            Nth(b"wpa_passphrase", 2),
            Word(b"psk"),
            Word(b"key"),
            Word(b"password"),
            Word(b"wifi-sec.psk"),
            Word(b"802-11-wireless-security.psk"),
        ],
    },
    Tool {
        name: "rsyslog",
        programs: &[],
        forms: &[Field(b":ommysql:", 3), Field(b":ompgsql:", 3)],
    },
    Tool {
        name: "sql",
        programs: &[],
        forms: &[WordAfter(b"BY", 0), Word(b"PASSWORD")],
    },
    Tool {
        name: "bearer",
        programs: &[],
        // HTTP's credential schemes: `Bearer TOKEN`, `Basic BASE64`
        // (nginx `proxy_set_header Authorization "Basic ..."`, found
        // reviewing stop 36).
        forms: &[Word(b"Bearer"), Word(b"Basic")],
    },
];

/// The secret values among one command's words.
pub fn secret_values(c: &Command) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for tool in TOOLS {
        let after = if tool.programs.is_empty() {
            0
        } else {
            match c.first_at(tool.programs) {
                Some(p) => p + 1,
                None => continue,
            }
        };
        for form in tool.forms {
            find(c, after, form, tool.programs.is_empty(), &mut out);
        }
    }
    out
}

fn find(c: &Command, after: usize, form: &Form, anywhere: bool, out: &mut Vec<Range<usize>>) {
    let n = c.words.len();
    let word = |i: usize| &c.line[c.words[i].clone()];
    let next = |i: usize| (i + 1 < n).then(|| unquoted(c.line, c.words[i + 1].clone()));
    if let Stdin = form {
        if after > 0 {
            stdin_values(c, after - 1, out);
        }
        return;
    }
    // From the program's own word: `com2sec NAME SOURCE COMMUNITY`.
    for i in after.saturating_sub(1)..n {
        let w = word(i);
        match *form {
            Flag(f) | FlagAfter(f, _) => {
                let value = if w == f {
                    next(i).filter(|r| c.line.get(r.start) != Some(&b'-') || f == b"-new")
                } else if f.len() == 2 && w.starts_with(f) && w.len() > 2 {
                    Some(unquoted(c.line, c.words[i].start + 2..c.words[i].end))
                } else if w.starts_with(f) && w.get(f.len()) == Some(&b'=') {
                    Some(unquoted(
                        c.line,
                        c.words[i].start + f.len() + 1..c.words[i].end,
                    ))
                } else {
                    None
                };
                let value = match (value, form) {
                    (Some(v), FlagAfter(_, sep)) => after_byte(c.line, v, *sep),
                    (v, _) => v,
                };
                out.extend(value.filter(|r| r.start < r.end));
            }
            Prefix(p) => {
                let r = unquoted(c.line, c.words[i].clone());
                if c.line[r.clone()].starts_with(p) && r.len() > p.len() {
                    out.push(r.start + p.len()..r.end);
                }
            }
            Word(key) | WordAfter(key, _) => {
                // A rule of no program's matches its word also as an
                // assignment's value (`AUTH=Bearer TOKEN`,
                // `auth: "Bearer TOKEN"`).
                let hit = if anywhere {
                    w.eq_ignore_ascii_case(key) || assigned(w).eq_ignore_ascii_case(key)
                } else {
                    w == key
                };
                if !hit {
                    continue;
                }
                let Some(v) = next(i) else { continue };
                let v = match form {
                    WordAfter(b"BY", _) => {
                        // `IDENTIFIED [WITH plugin] BY 'pw'`
                        let back = i.saturating_sub(3);
                        if !(back..i).any(|j| word(j).eq_ignore_ascii_case(b"IDENTIFIED")) {
                            continue;
                        }
                        Some(v)
                    }
                    WordAfter(_, sep) => after_byte(c.line, v, *sep),
                    // `Basic` is also prose (`# Basic settings`): only
                    // before what looks like base64 credentials.
                    Word(b"Basic") => basic_credentials(&c.line[v.clone()]).then_some(v),
                    // SQL's `PASSWORD 'pw'` only when quoted.
                    Word(b"PASSWORD") if anywhere => {
                        let raw = &c.line[c.words[i + 1].clone()];
                        matches!(raw.first(), Some(b'\'' | b'"')).then_some(v)
                    }
                    _ => Some(v),
                };
                out.extend(v.filter(|r| r.start < r.end));
            }
            Nth(key, k) => {
                if w == key && i + k < n {
                    out.push(unquoted(c.line, c.words[i + k].clone()));
                }
            }
            Oracle => out.extend(oracle_password(c.line, c.words[i].clone())),
            Stdin => {}
            Field(prefix, k) => {
                let r = unquoted(c.line, c.words[i].clone());
                if let Some(rest) = c.line[r.clone()].strip_prefix(prefix) {
                    let mut at = r.start + prefix.len();
                    for (j, field) in rest.split(|&b| b == b',').enumerate() {
                        if j == k {
                            let end = field
                                .iter()
                                .position(|&b| b == b';')
                                .map_or(field.len(), |n| n);
                            if end > 0 {
                                out.push(at..at + end);
                            }
                        }
                        at += field.len() + 1;
                    }
                }
            }
        }
    }
}

/// `user:password` in base64, as HTTP Basic sends it: at least 8 of
/// base64's characters, and a digit, `+`, `/`, `=` or a capital past the
/// first letter (a word of prose has none of them).
fn basic_credentials(v: &[u8]) -> bool {
    let v = v.strip_suffix(b";").unwrap_or(v);
    v.len() >= 8
        && v.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && v[1..].iter().any(|&b| {
            b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'+' | b'/' | b'=')
        })
}

/// A word's part after its last `=` or `:`, without an opening quote
/// (`AUTH="Bearer` is `Bearer`); the word itself when it has neither.
fn assigned(w: &[u8]) -> &[u8] {
    let tail = match w.iter().rposition(|&b| b == b'=' || b == b':') {
        Some(at) => &w[at + 1..],
        None => w,
    };
    tail.strip_prefix(b"\"")
        .or_else(|| tail.strip_prefix(b"'"))
        .unwrap_or(tail)
}

/// The part of `r` after the first `sep` (all of it when `sep` is 0).
fn after_byte(line: &[u8], r: Range<usize>, sep: u8) -> Option<Range<usize>> {
    if sep == 0 {
        return Some(r);
    }
    let p = line[r.clone()].iter().position(|&b| b == sep)?;
    Some(r.start + p + 1..r.end)
}

/// `scott/tiger@orcl`, `userid=scott/tiger`: `tiger`. Not a path (`/`,
/// `/u01/app`) nor `/ as sysdba`.
fn oracle_password(line: &[u8], r: Range<usize>) -> Option<Range<usize>> {
    let r = unquoted(line, r);
    let w = &line[r.clone()];
    let start = match w.iter().position(|&b| b == b'=') {
        Some(eq) if w[..eq].eq_ignore_ascii_case(b"userid") => eq + 1,
        _ => 0,
    };
    let w = &w[start..];
    if w.first()
        .is_none_or(|&b| b == b'/' || b == b'-' || b == b'@')
    {
        return None;
    }
    let slash = w.iter().position(|&b| b == b'/')?;
    let end = w.iter().position(|&b| b == b'@').unwrap_or(w.len());
    if end <= slash + 1 || w[slash + 1..end].contains(&b'/') {
        return None;
    }
    Some(r.start + start + slash + 1..r.start + start + end)
}

/// The words `echo`/`printf` write into the pipe that ends at word
/// `program` (`echo 'u:pw' | chpasswd`), or the `<<<` string after it.
fn stdin_values(c: &Command, program: usize, out: &mut Vec<Range<usize>>) {
    let word = |i: usize| &c.line[c.words[i].clone()];
    let n = c.words.len();
    if let Some(h) = (program + 1..n).find(|&i| word(i) == b"<<<") {
        if h + 1 < n {
            out.push(unquoted(c.line, c.words[h + 1].clone()));
        }
    }
    // `sudo -S` reads its password; plain `sudo` a terminal.
    if word(program).ends_with(b"sudo") && !(program + 1..n).any(|i| word(i) == b"-S") {
        return;
    }
    let Some(pipe) = (0..program).rev().find(|&i| word(i) == b"|") else {
        return;
    };
    let start = (0..pipe)
        .rev()
        .find(|&i| matches!(word(i), b"|" | b";" | b"&&" | b"||"))
        .map_or(0, |i| i + 1);
    let echo = |w: &[u8]| matches!(w, b"echo" | b"printf" | b"(echo" | b"(printf" | b"{");
    if !(start..pipe).any(|i| echo(word(i))) {
        return;
    }
    for i in start..pipe {
        let w = word(i);
        if w.starts_with(b"-") || echo(w) || w == b";" {
            continue;
        }
        let r = unquoted(c.line, c.words[i].clone());
        let end = if c.line[..r.end].ends_with(b")") || c.line[..r.end].ends_with(b";") {
            r.end - 1
        } else {
            r.end
        };
        if r.start < end {
            out.push(r.start..end);
        }
    }
}

/// The table as comment lines for `--list-specs`.
pub fn table() -> String {
    let mut out = String::from("# tool secrets (rule tool-secret): tool\tprograms\n");
    for t in TOOLS {
        let programs: Vec<String> = t
            .programs
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        let programs = if programs.is_empty() {
            "(any line)".to_string()
        } else {
            programs.join(",")
        };
        out.push_str(&format!("# {}\t{programs}\n", t.name));
    }
    out
}
