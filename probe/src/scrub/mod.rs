//! Scrubbing: what is never captured, and the one table of rules that
//! blank secret values in what is. (Pseudonymising names and addresses for
//! `--redact` is another job, done by `lift_bundle::redact`.)
//!
//! Scrubbing denies by default: every captured text goes through the
//! generic layer first, whatever its family: [`generic`] blanks the value
//! of any key that names a secret, in any separator or quoting;
//! [`tools`] knows the tools that take a secret under a name that says
//! nothing (`ldapsearch -w`, `smbclient -U user%pass`, `sqlplus
//! user/pass@db`); URL userinfo is blanked. The family rules are a second
//! layer for formats with secrets under innocent keys (netplan `key:`,
//! grub `password_pbkdf2`, cloud-init `chpasswd: list:`).
//!
//! Each [`Rule`] names the file [`Family`] it reads and how it finds a
//! secret. A file's families come from its path as found, its resolved
//! path, and its content where a path cannot tell ([`families`]). A value is replaced by [`MARK`] in place: the key, the quotes'
//! outside, the rest of the line and its end stay, so parsers still see
//! the same lines and keys. A file holding a private key block is withheld
//! whole. The collector records each rule that fired, with its count, in
//! the footer's redactions. SECURITY.md lists the table; a test holds the
//! two together.

mod generic;
mod keys;
mod lines;
pub mod tools;
mod words;

use std::ops::Range;

use lift_bundle::paths as glob;

/// The mark that replaces a secret value.
pub const MARK: &[u8] = b"<redacted>";

/// Which files a rule reads, by path (as seen from the scanned root).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Every file whose content is captured.
    Any,
    /// NetworkManager keyfiles, wpa_supplicant, ifcfg (Red Hat, SUSE),
    /// netplan, systemd-networkd, ifupdown, dhclient.
    Network,
    /// fstab and autofs maps.
    Mounts,
    /// systemd units and drop-ins.
    Units,
    /// Init scripts, rc.local, upstart jobs, crontabs.
    Scripts,
    /// Boot loader configuration.
    Boot,
    /// cloud-init configuration.
    CloudInit,
    /// Environment files and package managers' configuration, read for
    /// proxies: /etc/environment, profile.d, apt, yum, dnf.
    Environment,
    /// Configuration of the services a host depends on (issue 16): LDAP,
    /// sssd, Kerberos, Samba, mail relays, iSCSI nodes, package
    /// repositories, monitoring and backup agents.
    Services,
    /// `/proc/PID/cmdline`: arguments separated by NUL bytes.
    Cmdline,
    /// Tables whose lines start with a name, not a key (`passwd: files`,
    /// a user named `token`, a package's description): the generic layer
    /// reads keys only inside their lines.
    Tables,
}

/// The paths of each family. A pattern ending in `/` takes everything
/// below it; otherwise `*`, `?` and `[...]` match within one component.
pub const FAMILIES: &[(Family, &[&str])] = &[
    (
        Family::Network,
        &[
            "/etc/NetworkManager/system-connections/",
            "/run/NetworkManager/system-connections/",
            "/etc/wpa_supplicant/",
            "/etc/sysconfig/network-scripts/",
            "/etc/sysconfig/network/",
            "/etc/netplan/",
            "/etc/systemd/network/",
            "/run/systemd/network/",
            "/etc/network/interfaces",
            "/etc/network/interfaces.d/",
            "/etc/dhcp/",
            "/etc/dhclient*.conf",
            "/var/lib/dhclient/",
            "/var/lib/dhcp/",
        ],
    ),
    (
        Family::Mounts,
        &["/etc/fstab", "/etc/auto.*", "/etc/auto.master.d/"],
    ),
    (
        Family::Units,
        &[
            "/etc/systemd/system/",
            "/run/systemd/system/",
            "/lib/systemd/system/",
            "/usr/lib/systemd/system/",
        ],
    ),
    (
        Family::Scripts,
        &[
            "/etc/init.d/",
            "/etc/rc.d/",
            "/etc/rc.local",
            "/etc/init/",
            "/etc/crontab",
            "/etc/cron.d/",
            "/etc/anacrontab",
            "/var/spool/cron/",
        ],
    ),
    (
        Family::Boot,
        &[
            "/boot/grub/",
            "/boot/grub2/",
            "/boot/efi/EFI/",
            "/boot/extlinux/",
            "/boot/syslinux/",
            "/boot/loader/",
            "/etc/default/grub",
            "/etc/grub.d/",
            "/etc/lilo.conf",
        ],
    ),
    (Family::CloudInit, &["/etc/cloud/", "/var/lib/cloud/"]),
    (
        Family::Environment,
        &[
            "/etc/environment",
            "/etc/profile.d/",
            "/etc/apt/apt.conf",
            "/etc/apt/apt.conf.d/",
            "/etc/yum.conf",
            "/etc/dnf/dnf.conf",
        ],
    ),
    (
        Family::Services,
        &[
            "/etc/sssd/",
            "/etc/nslcd.conf",
            "/etc/ldap.conf",
            "/etc/ldap/",
            "/etc/openldap/",
            "/etc/krb5.conf",
            "/etc/krb5.conf.d/",
            "/etc/samba/",
            "/etc/postfix/",
            "/etc/ssmtp/",
            "/etc/msmtprc",
            "/etc/iscsi/",
            "/var/lib/iscsi/",
            "/etc/apt/sources.list",
            "/etc/apt/sources.list.d/",
            "/etc/yum.repos.d/",
            "/etc/zypp/repos.d/",
            "/etc/zabbix/",
            "/etc/zabbix_agentd.conf",
            "/etc/nagios/",
            "/etc/nrpe.d/",
            "/etc/bacula/",
            "/etc/bareos/",
        ],
    ),
    (
        Family::Tables,
        &[
            "/etc/passwd",
            "/etc/group",
            "/etc/nsswitch.conf",
            "/etc/hosts",
            "/var/lib/dpkg/status",
            "/var/lib/dpkg/status.d/",
            "/var/lib/dpkg/info/",
            "/lib/apk/db/installed",
            "/var/lib/pacman/local/",
        ],
    ),
];

/// The families of a file found at `found` (resolved to `canonical`)
/// holding `content`: by either path, and by content where a path cannot
/// tell (a configuration moved behind a symlink, a copy in another place).
pub fn families(found: &[u8], canonical: &[u8], content: &[u8]) -> Vec<Family> {
    let mut out: Vec<Family> = [family(found), family(canonical)]
        .into_iter()
        .flatten()
        .collect();
    out.extend(by_content(content));
    out.dedup();
    out
}

/// Families told by content: what each format says near its start.
fn by_content(content: &[u8]) -> Vec<Family> {
    let head = &content[..content.len().min(64 * 1024)];
    let has = |m: &[u8]| find(head, m).is_some();
    let mut out = Vec::new();
    if has(b"[wifi-security]") || has(b"[vpn-secrets]") || has(b"[WireGuard]") || has(b"network={")
    {
        out.push(Family::Network);
    }
    if has(b"wireguard:") || has(b"wifis:") {
        out.push(Family::Network);
    }
    if head.starts_with(b"#cloud-config") || has(b"chpasswd:") {
        out.push(Family::CloudInit);
    }
    if has(b"password_pbkdf2") || has(b"set superusers") || has(b"menu passwd") {
        out.push(Family::Boot);
    }
    if has(b"Director {") || has(b"FileDaemon {") || has(b"ldap_default_authtok") {
        out.push(Family::Services);
    }
    out
}

/// The family of a captured file, other than [`Family::Any`].
pub fn family(path: &[u8]) -> Option<Family> {
    if path.starts_with(b"/proc/") && path.ends_with(b"/cmdline") && path != b"/proc/cmdline" {
        return Some(Family::Cmdline);
    }
    FAMILIES
        .iter()
        .find(|(_, patterns)| patterns.iter().any(|p| path_matches(p.as_bytes(), path)))
        .map(|(f, _)| *f)
}

fn path_matches(pattern: &[u8], path: &[u8]) -> bool {
    if pattern.ends_with(b"/") {
        return path.starts_with(pattern);
    }
    // As many components, each matching (without collecting them: this
    // runs for every pattern and every captured file).
    let (mut p, mut n) = (glob::components(pattern), glob::components(path));
    loop {
        match (p.next(), n.next()) {
            (None, None) => return true,
            (Some(p), Some(n)) if glob::matches(p, n) => {}
            _ => return false,
        }
    }
}

/// How a rule finds a secret.
pub enum Finds {
    /// The whole content is withheld when this says it holds the secret.
    Block(&'static [&'static [u8]]),
    /// Secret values in one line (given without its end).
    Line(fn(&[u8]) -> Vec<Range<usize>>),
    /// Secret values among the words of one command line.
    Words(fn(&words::Command) -> Vec<Range<usize>>),
    /// Secret values found with the lines around them (a YAML block, an
    /// INI section); ranges are in the whole text.
    Text(fn(&[u8]) -> Vec<Range<usize>>),
    /// The generic layer's keys ([`generic`]), in one line.
    Keyed,
}

pub struct Rule {
    /// Stable kebab-case id: what the footer records.
    pub id: &'static str,
    pub families: &'static [Family],
    pub finds: Finds,
    /// What it catches, in a reviewer's words (SECURITY.md).
    pub catches: &'static str,
}

use Family::*;

/// The table: the family rules first, then the generic layer, so that
/// where both blank the same value the footer names the family rule.
pub const RULES: &[Rule] = &[
    Rule {
        id: "pem-private-key",
        families: &[Any],
        finds: Finds::Block(lines::PEM_PRIVATE_KEY),
        catches: "`-----BEGIN ... PRIVATE KEY-----` (PEM, OpenSSH): file withheld",
    },
    Rule {
        id: "pgp-private-key",
        families: &[Any],
        finds: Finds::Block(lines::PGP_PRIVATE_KEY),
        catches: "`-----BEGIN PGP PRIVATE KEY BLOCK-----`: file withheld",
    },
    Rule {
        id: "putty-private-key",
        families: &[Any],
        finds: Finds::Block(lines::PUTTY_PRIVATE_KEY),
        catches: "PuTTY `.ppk` keys (`PuTTY-User-Key-File-N:` with `Private-Lines:`): file withheld",
    },
    Rule {
        id: "openvpn-static-key",
        families: &[Any],
        finds: Finds::Block(lines::OPENVPN_STATIC_KEY),
        catches: "`-----BEGIN OpenVPN Static key`: file withheld",
    },
    Rule {
        id: "network-secret-key",
        families: &[Network, Environment],
        finds: Finds::Line(lines::network_secret),
        catches: "values of `KEY=v`, `KEY: v`, `KEY v` and YAML `{KEY: v}` whose key names a secret: \
                  psk, password, passwd, secret, passphrase, private-key, preshared-key, cert-pass, \
                  wep-key*, WIRELESS_KEY*, pin, key, key1..key4, netplan WireGuard `key`/`private`/`shared` \
                  (NetworkManager, wpa_supplicant, ifcfg, SUSE, netplan, .netdev, `wpa-psk`/`wpa-password` \
                  in interfaces, dhclient `secret`); keys ending in -flags, -file, -type, -length, -mgmt are kept",
    },
    Rule {
        id: "nm-vpn-secrets",
        families: &[Network],
        finds: Finds::Text(lines::nm_vpn_secrets),
        catches: "every value in a NetworkManager `[vpn-secrets]` section",
    },
    Rule {
        id: "mount-credentials",
        families: &[Mounts],
        finds: Finds::Line(lines::mount_credentials),
        catches: "mount options `password=`, `password2=`, `pass=`, `passwd=`, `credentials=`, `cred=`, \
                  and the password in `user=NAME%PASSWORD` (cifs in fstab and autofs maps)",
    },
    Rule {
        id: "mysql-p",
        families: &[Any],
        finds: Finds::Words(words::mysql_p),
        catches: "`-pSECRET` after a MySQL-family program",
    },
    Rule {
        id: "sshpass-p",
        families: &[Any],
        finds: Finds::Words(words::sshpass_p),
        catches: "`sshpass -p SECRET` and `sshpass -pSECRET`",
    },
    Rule {
        id: "curl-user",
        families: &[Any],
        finds: Finds::Words(words::curl_user),
        catches: "the password of `curl -u user:pw`, `-uuser:pw`, `--user`, `-U`, `--proxy-user`",
    },
    Rule {
        id: "url-password",
        families: &[Any],
        finds: Finds::Words(words::url_password),
        catches: "the password of `scheme://user:password@host`, the token of `https://TOKEN@host` and \
                  `https://TOKEN:@host`, the password of dracut's `netroot=iscsi:user:password@host`",
    },
    Rule {
        id: "service-secret",
        families: &[Services],
        finds: Finds::Line(lines::service_secret),
        catches: "values of `key = v` and `key v` whose key holds a password, passwd, authtok, bindpw, \
                  authpass, secret or TLS PSK: sssd `ldap_default_authtok`, nslcd and ldap.conf `bindpw`, \
                  `rootpwmodpw`, smb.conf passwords, ssmtp `AuthPass`, msmtp `password`, iSCSI CHAP \
                  `node.session.auth.password(_in)`, bacula/bareos `Password`, zabbix `TLSPSK*`, yum \
                  `password=`; keys about a secret (`*_type`, `*_maps`, `*-file`, smb.conf \
                  `passwd program`, `unix password sync`) are kept",
    },
    Rule {
        id: "boot-password",
        families: &[Boot],
        finds: Finds::Line(lines::boot_password),
        catches: "grub `password_pbkdf2 USER HASH`, `password USER PW`, grub legacy `password [--md5] PW`, \
                  syslinux `menu [master] passwd PW`, lilo `password=PW`, `GRUB2_PASSWORD=`",
    },
    Rule {
        id: "redis-acl-password",
        families: &[Any],
        finds: Finds::Line(lines::redis_acl),
        catches: "Redis ACL `user NAME ... >PASSWORD #SHA256` rules (redis.conf, users.acl): the password and hash words",
    },
    Rule {
        id: "cloud-init-password",
        families: &[CloudInit],
        finds: Finds::Line(lines::cloud_password),
        catches: "cloud-init `password:`, `passwd:`, `hashed_passwd:`, `plain_text_passwd:` values",
    },
    Rule {
        id: "cloud-init-chpasswd",
        families: &[CloudInit],
        finds: Finds::Text(lines::chpasswd_list),
        catches: "the passwords of cloud-init `chpasswd: list:` entries (`user:password`)",
    },
    Rule {
        id: "secret-key",
        families: &[Any],
        finds: Finds::Keyed,
        catches: "the value of any key that names a secret (its last word: password, passwd, pass, pwd, pw, \
                  passphrase, secret, token, psk, cak, cookie, credential(s), auth (`HTTP_AUTH`), \
                  authorization, community, pin, pat; `key` after api, private, secret, access, auth, \
                  encryption, master, shared, activation, registration, account...; one-word keys ending \
                  so: `requirepass`, `rootpw`, `DBPASS`), case-insensitive, in any separator or quoting: \
                  `k=v`, `k = v`, `k: v`, `k v` starting a line, `-k v`, `--k=v`, `-Dk=v`, `\"k\": \"v\"`, \
                  `'k' => 'v'`, `<k>v</k>`, `k(\"v\")`, `define('K', 'v')`, env-style `K=v` anywhere in a \
                  line, `?k=v&` in a URL. Keys about a secret (`PasswordAuthentication`, `psk-flags`, \
                  `PASS_MAX_DAYS`, `--no-password`, nginx `proxy_pass`) and plain values (yes/no, a path, a \
                  `$VARIABLE`, nsswitch sources, PAM controls) stay. Under any key: a value shaped like an \
                  issued credential (`ghp_...`, `AKIA...`, a JWT; these also alone on a line, under no key), \
                  one word that reads as generated (mixed \
                  capitals, small letters and digits, base64), and 32+ hex digits or small letters and digits \
                  assigned to a key that names no identifier or digest (`X_SIGNATURE=9f8e...`)",
    },
    Rule {
        id: "secret-key-block",
        families: &[Any],
        finds: Finds::Text(generic::block_values),
        catches: "the lines of a YAML value that starts below a key naming a secret: a block scalar \
                  (`password: |`, `>-`) and a plain value continued on more-indented lines (`token:` \
                  then the token); a nested mapping is left to its own keys",
    },
    Rule {
        id: "tool-secret",
        families: &[Any],
        finds: Finds::Words(tools::secret_values),
        catches: "secrets of the tools in `probe/src/scrub/tools.rs` (listed below), in any captured line \
                  and inside quoted sub-commands",
    },
    Rule {
        id: "postfix-password-map",
        families: &[Any],
        finds: Finds::Line(lines::postfix_password_map),
        catches: "the credentials of a postfix `*_password_maps = static:user:pass` or \
                  `inline:{ host=user:pass }`",
    },
];

/// The rules as comment lines (rule id, families, what it catches), for
/// `--list-specs`.
pub fn table() -> String {
    let mut out = String::from("# scrub rule\tfamilies\twhat it scrubs (see SECURITY.md)\n");
    for r in RULES {
        let families: Vec<String> = r.families.iter().map(|f| format!("{f:?}")).collect();
        let catches = r.catches.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&format!("# {}\t{}\t{catches}\n", r.id, families.join(",")));
    }
    out.push_str(&tools::table());
    out
}

/// What scrubbing did to one file's content.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing secret found.
    Clean,
    /// Withheld whole by this rule.
    Withheld(&'static str),
    /// Values replaced: the new content, and how many per rule id.
    Scrubbed(Vec<u8>, Vec<(&'static str, u32)>),
}

/// The whole-file rules (private key blocks) over content read in pieces:
/// a file too large to hold at once is scanned piece by piece before any of
/// it is written, and withheld whole when one fires. Markers that straddle
/// two pieces are found through the tail kept from the last piece.
pub struct BlockScan {
    rules: Vec<&'static Rule>,
    /// Per rule, which of its markers have been seen.
    seen: Vec<Vec<bool>>,
    tail: Vec<u8>,
}

/// Longer than any marker, so a marker split across pieces is whole in
/// the tail and the next piece together.
const MARKER_OVERLAP: usize = 64;

impl BlockScan {
    pub fn new(path: &[u8]) -> Self {
        let fam = family(path);
        let rules: Vec<&'static Rule> = RULES
            .iter()
            .filter(|r| r.families.iter().any(|f| *f == Any || Some(*f) == fam))
            .filter(|r| matches!(r.finds, Finds::Block(_)))
            .collect();
        let seen = rules
            .iter()
            .map(|r| match r.finds {
                Finds::Block(m) => vec![false; m.len()],
                _ => Vec::new(),
            })
            .collect();
        BlockScan {
            rules,
            seen,
            tail: Vec::new(),
        }
    }

    pub fn feed(&mut self, piece: &[u8]) {
        let joined: Vec<u8>;
        let hay = if self.tail.is_empty() {
            piece
        } else {
            joined = [self.tail.as_slice(), piece].concat();
            &joined
        };
        for (rule, seen) in self.rules.iter().zip(&mut self.seen) {
            if let Finds::Block(markers) = rule.finds {
                for (m, s) in markers.iter().zip(seen.iter_mut()) {
                    *s = *s || find(hay, m).is_some();
                }
            }
        }
        let keep = hay.len().min(MARKER_OVERLAP);
        self.tail = hay[hay.len() - keep..].to_vec();
    }

    /// The first rule all of whose markers were seen.
    pub fn withheld(&self) -> Option<&'static str> {
        self.rules
            .iter()
            .zip(&self.seen)
            .find(|(_, seen)| seen.iter().all(|s| *s))
            .map(|(r, _)| r.id)
    }
}

/// Applies every rule of `path`'s families to `content`.
#[cfg(test)]
pub fn scrub(path: &[u8], content: &[u8]) -> Outcome {
    scrub_found(path, path, content)
}

/// Applies every rule of the families of a file found at `found`,
/// resolved to `canonical`, to `content`. Binary content (a NUL byte
/// outside a process's arguments: package databases, EFI variables) is
/// only searched for private key blocks: a replacement would corrupt it.
pub fn scrub_found(found_at: &[u8], canonical: &[u8], content: &[u8]) -> Outcome {
    let fams = families(found_at, canonical, content);
    let applies = |r: &Rule| r.families.iter().any(|f| *f == Any || fams.contains(f));
    let mut blocks = BlockScan::new(canonical);
    blocks.feed(content);
    if let Some(rule) = blocks.withheld() {
        return Outcome::Withheld(rule);
    }
    let mut found: Vec<(Range<usize>, &'static str)> = Vec::new();
    let cmdline = fams.contains(&Cmdline);
    let tables = fams.contains(&Tables);
    if !cmdline && (lift_bundle::redact::is_binary_database(canonical) || content.contains(&0)) {
        return Outcome::Clean;
    }
    let per_line: Vec<&Rule> = RULES
        .iter()
        .filter(|r| {
            applies(r) && matches!(r.finds, Finds::Line(_) | Finds::Words(_) | Finds::Keyed)
        })
        .collect();
    let mut start = 0;
    let lines = content.split_inclusive(|&b| if cmdline { false } else { b == b'\n' });
    for line in lines {
        let body = line_body(line);
        if inert(body)
            && !words::runs_a_known_program(body)
            && generic::bare_credential(body).is_none()
        {
            start += line.len();
            continue;
        }
        let mut commands = None;
        for rule in per_line.iter().copied() {
            let at = |r: Range<usize>| (r.start + start..r.end + start, rule.id);
            match rule.finds {
                Finds::Line(f) => found.extend(f(body).into_iter().map(at)),
                Finds::Keyed => found.extend(
                    generic::secret_values(body, !tables && !cmdline)
                        .into_iter()
                        .map(at),
                ),
                Finds::Words(f) => {
                    let commands = commands.get_or_insert_with(|| words::commands(body, cmdline));
                    for (offset, c) in commands.iter() {
                        found.extend(
                            f(c).into_iter()
                                .map(|r| at(r.start + offset..r.end + offset)),
                        );
                    }
                }
                _ => {}
            }
        }
        start += line.len();
    }
    for rule in RULES.iter().filter(|r| applies(r)) {
        if let Finds::Text(f) = rule.finds {
            found.extend(f(content).into_iter().map(|r| (r, rule.id)));
        }
    }
    if found.is_empty() {
        return Outcome::Clean;
    }
    let (out, counts) = replace(content, found);
    Outcome::Scrubbed(out, counts)
}

/// A line no line rule can find a value in (unless, as one word, it runs
/// a program a tool rule names, `runs_a_known_program`, or is an issued
/// credential, `generic::bare_credential`): letters, digits
/// and path punctuation only, so no separator (`=`, `:`, a blank, a
/// quote, `<`, `(`, `,`, `@`) that every key/value, command and URL form
/// needs. A package's file list is nearly all such lines (7.3 of this
/// machine's 8.4 MB of captured text); `inert_lines_hold_no_value` holds
/// every rule to it.
fn inert(line: &[u8]) -> bool {
    line.iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'+' | b'~'))
}

/// A line without its end (`\n` or `\r\n`).
fn line_body(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Replaces each range (overlaps merged, the first rule counted) by MARK.
fn replace(
    content: &[u8],
    mut found: Vec<(Range<usize>, &'static str)>,
) -> (Vec<u8>, Vec<(&'static str, u32)>) {
    // Where two rules find the same value, the earlier in the table (the
    // family rule before the generic layer) is counted.
    let rank = |id: &str| RULES.iter().position(|r| r.id == id);
    found.sort_by_key(|(r, id)| (r.start, std::cmp::Reverse(r.end), rank(id)));
    let mut out = Vec::with_capacity(content.len());
    let mut counts: Vec<(&'static str, u32)> = Vec::new();
    let mut at = 0;
    for (r, id) in found {
        if r.is_empty() || r.end <= at {
            continue;
        }
        let from = r.start.max(at);
        out.extend_from_slice(&content[at..from]);
        if from == r.start {
            out.extend_from_slice(MARK);
            match counts.iter_mut().find(|(i, _)| *i == id) {
                Some((_, n)) => *n += 1,
                None => counts.push((id, 1)),
            }
        }
        at = r.end;
    }
    out.extend_from_slice(&content[at..]);
    (out, counts)
}

/// Paths never read, whatever a spec says: a presence record only (no
/// hash, and no size: a hash of a guessable secret confirms it offline).
pub fn never_capture(path: &[u8]) -> bool {
    const EXACT: &[&[u8]] = &[
        b"/etc/shadow",
        b"/etc/shadow-",
        b"/etc/gshadow",
        b"/etc/gshadow-",
        b"/etc/security/opasswd",
        b"/etc/.pwd.lock",
        b"/etc/ldap.secret",
        b"/etc/libnss-ldap.secret",
        b"/etc/pam_ldap.secret",
        b"/etc/apt/auth.conf",
        b"/etc/passwd-s3fs",
        b"/etc/davfs2/secrets",
        b"/etc/exim4/passwd.client",
        b"/etc/exim4/passwd",
        b"/etc/mysql/debian.cnf",
        b"/etc/nut/upsd.users",
        b"/etc/pgbouncer/userlist.txt",
        b"/etc/ocserv/ocpasswd",
        b"/etc/proftpd/ftpd.passwd",
        b"/etc/krb5kdc/stash",
    ];
    if EXACT.contains(&path) {
        return true;
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    // ssh host keys: ssh_host_rsa_key and friends, but not the .pub files.
    if name.starts_with(b"ssh_host_") && name.ends_with(b"_key") {
        return true;
    }
    // The at queue: each job file holds its user's whole environment.
    if path.starts_with(b"/var/spool/cron/atjobs/") || path.starts_with(b"/var/spool/at/") {
        return true;
    }
    // A Kubernetes node's kubeconfigs (admin.conf, kubelet.conf,
    // super-admin.conf, ...: client keys inline) and the cluster's and the
    // kubelet's certificates and keys: by presence only.
    if let Some(rest) = path.strip_prefix(b"/etc/kubernetes/") {
        if (rest.ends_with(b".conf") && !rest.contains(&b'/')) || rest.starts_with(b"pki/") {
            return true;
        }
    }
    if path.starts_with(b"/var/lib/kubelet/pki/") || path == b"/var/lib/kubelet/kubeconfig" {
        return true;
    }
    // Files that hold nothing but secrets, by name: the relay's SASL
    // table, Samba's password stores, PPP's and IPsec's secrets, rsync's,
    // s3fs's, htpasswd files, client credentials, NTP and chrony keys.
    const SECRET_ONLY: &[&[u8]] = &[
        b"sasl_passwd",
        b"sasl_passwd.db",
        b"smbpasswd",
        b"secrets.tdb",
        b"passdb.tdb",
        b"chap-secrets",
        b"pap-secrets",
        b"srp-secrets",
        b"ipsec.secrets",
        b"rsyncd.secrets",
        b".passwd-s3fs",
        b".htpasswd",
        b"htpasswd",
        b".pgpass",
        b".netrc",
        b".my.cnf",
        b".git-credentials",
        b"chrony.keys",
        b"ntp.keys",
    ];
    // Directories of secrets: systemd's credential stores, TLS private keys.
    const SECRET_DIRS: &[&[u8]] = &[
        b"/etc/credstore/",
        b"/etc/credstore.encrypted/",
        b"/run/credstore/",
        b"/run/credstore.encrypted/",
        b"/etc/ssl/private/",
        b"/etc/pki/tls/private/",
        b"/etc/apt/auth.conf.d/",
    ];
    name.ends_with(b".key")
        || name.ends_with(b".keytab")
        || name.ends_with(b".htpasswd")
        || name.starts_with(b"privkey")
        || SECRET_ONLY.contains(&name)
        || SECRET_DIRS.iter().any(|d| path.starts_with(d))
        || name.ends_with(b".ppk")
        || name == b"secring.gpg"
        || (path.starts_with(b"/proc/")
            && (name == b"environ" || name == b"mem" || name == b"kcore"))
}

/// Where `needle` first occurs in `hay`. Every captured file is searched
/// for the private-key markers and the formats' own markers: memchr's
/// SIMD search (a comparison at every position once took a quarter of the
/// probe's time, and a byte-at-a-time first-byte scan a tenth).
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests;
