//! What is never captured, and how secret-bearing lines and command lines
//! are blanked. The footer lists every redaction with its path.

/// The mark that replaces a secret value.
pub const MARK: &[u8] = b"<redacted>";

/// Paths never read, whatever a spec says (listed with metadata only).
pub fn never_capture(path: &[u8]) -> bool {
    const EXACT: &[&[u8]] = &[
        b"/etc/shadow",
        b"/etc/shadow-",
        b"/etc/gshadow",
        b"/etc/gshadow-",
        b"/etc/security/opasswd",
        b"/etc/.pwd.lock",
    ];
    if EXACT.contains(&path) {
        return true;
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    // ssh host keys: ssh_host_rsa_key and friends, but not the .pub files.
    if name.starts_with(b"ssh_host_") && name.ends_with(b"_key") {
        return true;
    }
    name.ends_with(b".key")
        || (path.starts_with(b"/proc/")
            && (name == b"environ" || name == b"mem" || name == b"kcore"))
}

/// A PEM private key block anywhere in the content.
pub fn holds_private_key(content: &[u8]) -> bool {
    find(content, b"-----BEGIN").is_some() && find(content, b"PRIVATE KEY-----").is_some()
}

/// Configuration keys whose values are secrets (NetworkManager keyfiles,
/// wpa_supplicant, ifcfg key files, netplan, dhclient).
fn is_secret_key(key: &[u8]) -> bool {
    let key = key.to_ascii_lowercase();
    let key = key.trim_ascii();
    let key = key.strip_prefix(b"\"").unwrap_or(key);
    let key = key.strip_suffix(b"\"").unwrap_or(key);
    const WORDS: &[&[u8]] = &[
        b"psk",
        b"password",
        b"passwd",
        b"secret",
        b"wep-key",
        b"wep_key",
        b"passphrase",
    ];
    // `key`, `key1`..`key4`: WEP keys in ifcfg key files.
    let wep = key.starts_with(b"key") && key.len() <= 4;
    WORDS.iter().any(|w| find(key, w).is_some()) || key == b"pin" || wep
}

/// Blanks the value of every `key=value` or `key: value` line whose key
/// names a secret. Returns the new content and how many lines changed.
pub fn redact_secret_lines(content: &[u8]) -> (Vec<u8>, u32) {
    let mut out = Vec::with_capacity(content.len());
    let mut count = 0;
    for line in content.split_inclusive(|&b| b == b'\n') {
        let sep = line.iter().position(|&b| b == b'=' || b == b':');
        match sep {
            Some(i) if is_secret_key(&line[..i]) && !line[i + 1..].trim_ascii().is_empty() => {
                out.extend_from_slice(&line[..=i]);
                out.extend_from_slice(MARK);
                if line.ends_with(b"\n") {
                    out.push(b'\n');
                }
                count += 1;
            }
            _ => out.extend_from_slice(line),
        }
    }
    (out, count)
}

/// Programs whose `-pSECRET` is a password (the MySQL family).
const MYSQL_LIKE: &[&[u8]] = &[
    b"mysql",
    b"mysqldump",
    b"mysqladmin",
    b"mysqlcheck",
    b"mariadb",
    b"mysqlimport",
];

/// Blanks passwords in a NUL-separated command line: `--password=x`,
/// `--password x`, `-px` after a MySQL-like program, and `user:pass@` in
/// URLs. Returns the new bytes and how many arguments changed.
pub fn redact_cmdline(cmdline: &[u8]) -> (Vec<u8>, u32) {
    let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
    let program = args
        .first()
        .map(|a| a.rsplit(|&b| b == b'/').next().unwrap_or(a))
        .unwrap_or(b"");
    let mysql = MYSQL_LIKE.contains(&program);
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(args.len());
    let mut count = 0;
    let mut blank_next = false;
    for arg in &args {
        if blank_next {
            blank_next = false;
            out.push(MARK.to_vec());
            count += 1;
            continue;
        }
        let (new, n) = redact_arg(arg, mysql);
        if n == 0 && is_secret_flag(arg) {
            blank_next = true;
        }
        count += n;
        out.push(new);
    }
    (out.join(&0u8), count)
}

/// Blanks passwords in shell text (crontabs): each line is taken as a
/// command line split on spaces and tabs, which are kept as they were.
pub fn redact_command_text(text: &[u8]) -> (Vec<u8>, u32) {
    let mut out = Vec::with_capacity(text.len());
    let mut count = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let tokens: Vec<&[u8]> = line.split(|&b| b == b' ' || b == b'\t').collect();
        let mysql = tokens
            .iter()
            .any(|t| MYSQL_LIKE.contains(&t.rsplit(|&b| b == b'/').next().unwrap_or(t)));
        let mut blank_next = false;
        let mut pos = 0;
        for (i, tok) in tokens.iter().enumerate() {
            if i > 0 {
                out.push(line[pos - 1]);
            }
            pos += tok.len() + 1;
            if blank_next && !tok.is_empty() {
                blank_next = false;
                out.extend_from_slice(MARK);
                if tok.ends_with(b"\n") {
                    out.push(b'\n');
                }
                count += 1;
                continue;
            }
            let (new, n) = redact_arg(tok, mysql);
            blank_next = n == 0 && is_secret_flag(tok);
            count += n;
            out.extend_from_slice(&new);
        }
    }
    (out, count)
}

/// A flag that takes the secret as the next argument.
fn is_secret_flag(arg: &[u8]) -> bool {
    let a = arg.to_ascii_lowercase();
    a.starts_with(b"--") && !a.contains(&b'=') && is_secret_word(&a[2..])
}

fn is_secret_word(a: &[u8]) -> bool {
    [
        &b"password"[..],
        b"passwd",
        b"secret",
        b"token",
        b"api-key",
        b"apikey",
        b"pass",
    ]
    .iter()
    .any(|w| a == *w || a.ends_with(&[b"-", *w].concat()) || a.ends_with(&[b"_", *w].concat()))
}

fn redact_arg(arg: &[u8], mysql: bool) -> (Vec<u8>, u32) {
    // --password=x, --db-password=x, PASSWORD=x
    if let Some(eq) = arg.iter().position(|&b| b == b'=') {
        let key = arg[..eq].to_ascii_lowercase();
        let key = key.trim_start_matches_dashes();
        if is_secret_word(key) && eq + 1 < arg.len() {
            return ([&arg[..=eq], MARK].concat(), 1);
        }
    }
    if mysql && arg.starts_with(b"-p") && arg.len() > 2 && !arg.starts_with(b"--") {
        return ([b"-p", MARK].concat(), 1);
    }
    // scheme://user:password@host
    if let Some(s) = find(arg, b"://") {
        let rest = &arg[s + 3..];
        let end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].iter().rposition(|&b| b == b'@') {
            if let Some(colon) = rest[..at].iter().position(|&b| b == b':') {
                let cut = s + 3 + colon + 1;
                return ([&arg[..cut], MARK, &arg[s + 3 + at..]].concat(), 1);
            }
        }
    }
    (arg.to_vec(), 0)
}

trait TrimDashes {
    fn trim_start_matches_dashes(&self) -> &[u8];
}

impl TrimDashes for Vec<u8> {
    fn trim_start_matches_dashes(&self) -> &[u8] {
        let n = self.iter().take_while(|&&b| b == b'-').count();
        &self[n..]
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_captured_paths() {
        assert!(never_capture(b"/etc/shadow"));
        assert!(never_capture(b"/etc/gshadow"));
        assert!(never_capture(b"/etc/ssh/ssh_host_ed25519_key"));
        assert!(!never_capture(b"/etc/ssh/ssh_host_ed25519_key.pub"));
        assert!(never_capture(b"/etc/pki/tls/private/server.key"));
        assert!(never_capture(b"/proc/42/environ"));
        assert!(!never_capture(b"/etc/passwd"));
    }

    #[test]
    fn networkmanager_keyfile_secrets() {
        // As NetworkManager writes a WPA-PSK keyfile.
        let keyfile = b"[connection]\nid=office\ntype=wifi\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=hunter2secret\n\n[802-1x]\npassword=alsosecret\nidentity=bob\n";
        let (out, n) = redact_secret_lines(keyfile);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(n, 2);
        assert!(!text.contains("hunter2secret") && !text.contains("alsosecret"));
        assert!(
            text.contains("psk=<redacted>\n")
                && text.contains("key-mgmt=wpa-psk")
                && text.contains("identity=bob")
        );
    }

    #[test]
    fn wpa_and_netplan_forms() {
        let (out, n) = redact_secret_lines(
            b"network={\n    ssid=\"x\"\n    psk=\"secret1\"\n}\n      password: \"secret2\"\n",
        );
        assert_eq!(n, 2);
        let t = String::from_utf8(out).unwrap();
        assert!(!t.contains("secret1") && !t.contains("secret2"), "{t}");
    }

    #[test]
    fn command_lines() {
        let r = |s: &str| {
            let (b, n) = redact_cmdline(&s.replace(' ', "\0").into_bytes());
            (String::from_utf8(b).unwrap().replace('\0', " "), n)
        };
        assert_eq!(
            r("mysqld --password=s3cret --port=3306"),
            ("mysqld --password=<redacted> --port=3306".into(), 1)
        );
        assert_eq!(
            r("app --db-password hunter2 -v"),
            ("app --db-password <redacted> -v".into(), 1)
        );
        assert_eq!(
            r("/usr/bin/mysql -uroot -ps3cret db"),
            ("/usr/bin/mysql -uroot -p<redacted> db".into(), 1)
        );
        assert_eq!(r("sshd -p 22"), ("sshd -p 22".into(), 0));
        assert_eq!(
            r("curl https://bob:pw@example.com/x?a=b"),
            ("curl https://bob:<redacted>@example.com/x?a=b".into(), 1)
        );
        assert_eq!(
            r("java -Dfoo=bar -jar x.jar"),
            ("java -Dfoo=bar -jar x.jar".into(), 0)
        );
    }

    #[test]
    fn crontab_lines() {
        let tab = b"# m h dom mon dow command\n0 2 * * *\troot mysqldump -uroot -pCronSecret --all-databases > /b.sql\n5 * * * * app --password hunter3\n";
        let (out, n) = redact_command_text(tab);
        let t = String::from_utf8(out).unwrap();
        assert_eq!(n, 2, "{t}");
        assert!(!t.contains("CronSecret") && !t.contains("hunter3"), "{t}");
        assert!(
            t.contains("0 2 * * *\troot mysqldump -uroot -p<redacted> --all-databases > /b.sql\n"),
            "{t}"
        );
        assert!(t.ends_with("--password <redacted>\n"), "{t}");
    }

    #[test]
    fn private_key_blocks() {
        assert!(holds_private_key(
            b"x\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
        ));
        assert!(holds_private_key(b"-----BEGIN RSA PRIVATE KEY-----"));
        assert!(!holds_private_key(b"-----BEGIN CERTIFICATE-----\n"));
    }
}
