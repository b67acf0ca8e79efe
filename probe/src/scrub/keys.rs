//! Which keys name a secret, and which values are plainly none.
//!
//! A key is cut into words (at `-`, `_`, `.`, blanks and camelCase
//! boundaries: `spring.datasource.password`, `dbPassword`,
//! `AWS_SECRET_ACCESS_KEY`, `TLSPSKFile`) and judged by its last word, so
//! a key *about* a secret (`PasswordAuthentication`, `psk-flags`,
//! `PASS_MAX_DAYS`, `KeyringMode`, `TLSPSKIdentity`) is not one.

/// Last words that name a secret by themselves.
const SECRET_WORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"passwort",
    b"passphrase",
    // `APP_LOGIN_PHRASE`, `SEED_PHRASE`: a passphrase by another name.
    b"phrase",
    b"passkey",
    b"passcode",
    b"pass",
    b"pwd",
    b"pw",
    b"secret",
    b"token",
    b"psk",
    b"cak",
    b"cookie",
    b"credential",
    b"credentials",
    b"cred",
    b"creds",
    b"bearer",
    b"authorization",
    b"authtok",
    b"community",
    b"pin",
    b"pat",
    b"sig",
];

/// Endings of one-word keys that hold a secret: `requirepass`, `rootpw`,
/// `bindpw`, `DBPASS`, `masterauth`, `rocommunity`, `TLSPSK`, `apikey`.
const SECRET_ENDINGS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"passphrase",
    b"pass",
    b"pwd",
    b"pw",
    b"secret",
    b"token",
    b"psk",
    b"authtok",
    b"apikey",
    b"privatekey",
    b"secretkey",
    b"accesskey",
    b"authkey",
    b"community",
    b"auth",
];

/// One-word keys with a secret ending that are something else.
const NOT_SECRET: &[&[u8]] = &[
    b"bypass",
    b"compass",
    b"surpass",
    b"trespass",
    b"overpass",
    b"underpass",
    b"encompass",
    b"oauth",
    b"noauth",
    b"nopass",
];

/// Words before `key` that make it a secret key (`api_key`, `AccountKey`,
/// `activation-key`), as opposed to `HostKey`, `key_mgmt` or `keymap`.
const KEY_KINDS: &[&[u8]] = &[
    b"api",
    b"private",
    b"secret",
    b"access",
    b"auth",
    b"encryption",
    b"enc",
    b"crypt",
    b"crypto",
    b"master",
    b"shared",
    b"preshared",
    b"psk",
    b"hmac",
    b"signing",
    b"session",
    b"wep",
    b"wireless",
    b"activation",
    b"registration",
    b"license",
    b"licence",
    b"account",
    b"storage",
    b"sas",
    b"subscription",
    b"tsig",
    b"rndc",
    b"ddns",
    b"root",
    b"admin",
    b"app",
    b"client",
    b"mac",
    b"install",
    b"product",
    b"cd",
];

/// Words after the secret that still name it: `password_in`,
/// `password2_hash`, `secret_value`, `password_pbkdf2`.
const QUALIFIERS: &[&[u8]] = &[
    b"in",
    b"out",
    b"value",
    b"data",
    b"b64",
    b"base64",
    b"hex",
    b"enc",
    b"encrypted",
    b"plain",
    b"plaintext",
    b"cleartext",
    b"hash",
    b"hashed",
    b"crypt",
    b"pbkdf",
    b"md",
    b"sha",
    b"string",
    b"str",
    b"raw",
    b"text",
];

/// First words that turn a flag off (`--no-password`): no value follows.
const NEGATIONS: &[&[u8]] = &[b"no", b"skip", b"without", b"disable", b"ignore"];

/// nginx's `*_pass` directives name an upstream, not a password.
const UPSTREAM_PASS: &[&[u8]] = &[
    b"proxy",
    b"fastcgi",
    b"uwsgi",
    b"scgi",
    b"grpc",
    b"memcached",
];

/// The words of a key, lowercased, trailing digits dropped (`key1`).
pub fn words(key: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    for (i, &b) in key.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| key[p]);
        let next = key.get(i + 1).copied();
        // `dbPassword`, and `TLSPSKFile` (an upper run before Upper+lower).
        let boundary = b.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(b.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    for w in &mut out {
        while w.len() > 1 && w.last().is_some_and(u8::is_ascii_digit) {
            w.pop();
        }
    }
    out.retain(|w| !w.iter().all(u8::is_ascii_digit));
    out
}

/// Whether `key` names a secret value.
pub fn secret_key(key: &[u8]) -> bool {
    let mut w = words(key);
    if w.is_empty() || NEGATIONS.contains(&w[0].as_slice()) {
        return false;
    }
    while w.len() > 1 && QUALIFIERS.contains(&w[w.len() - 1].as_slice()) {
        w.pop();
    }
    let last = w[w.len() - 1].as_slice();
    let prev = w.len().checked_sub(2).map(|i| w[i].as_slice());
    if last == b"pass" && prev.is_some_and(|p| UPSTREAM_PASS.contains(&p)) {
        return false;
    }
    if SECRET_WORDS.contains(&last) {
        return true;
    }
    if matches!(last, b"key" | b"keys") {
        return prev.is_some_and(|p| KEY_KINDS.contains(&p));
    }
    if last == b"auth" {
        return w.len() > 1;
    }
    !NOT_SECRET.contains(&last) && SECRET_ENDINGS.iter().any(|e| last.ends_with(e))
}

/// Values that are plainly not a secret, whatever their key: switches,
/// paths, references to a variable, a mask, nsswitch sources and PAM
/// control words (`passwd: files`, `password required pam_unix.so`).
pub fn harmless(value: &[u8]) -> bool {
    let v = value.trim_ascii();
    if v.is_empty() || v == super::MARK {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    const SWITCHES: &[&[u8]] = &[
        b"yes",
        b"no",
        b"true",
        b"false",
        b"on",
        b"off",
        b"none",
        b"null",
        b"nil",
        b"enabled",
        b"disabled",
        b"enable",
        b"disable",
        b"0",
        b"1",
        b"-1",
        b"prompt",
        b"ask",
        b"stdin",
        b"required",
        b"optional",
        b"any",
        b"auto",
    ];
    if SWITCHES.contains(&lower.as_slice()) {
        return true;
    }
    // A path, not a `//server/share` nor a value with blanks.
    let path = (v.starts_with(b"/") && !v.starts_with(b"//")) || v.starts_with(b"~/");
    if path && !v.iter().any(|b| b.is_ascii_whitespace() || *b == b'@') {
        return true;
    }
    if v.iter().all(|&b| b == b'*') {
        return true;
    }
    if variable_reference(v) {
        return true;
    }
    for prefix in [&b"env:"[..], b"file:", b"fd:"] {
        if lower.starts_with(prefix) {
            return true;
        }
    }
    let first = lower
        .split(|b| b.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    const PAM: &[&[u8]] = &[
        b"required",
        b"requisite",
        b"sufficient",
        b"optional",
        b"include",
        b"substack",
    ];
    if PAM.contains(&first) || (first.starts_with(b"[") && lower.contains_pam_module()) {
        return true;
    }
    const NSS: &[&[u8]] = &[
        b"files",
        b"compat",
        b"systemd",
        b"sss",
        b"ldap",
        b"nis",
        b"nisplus",
        b"db",
        b"winbind",
        b"altfiles",
        b"extrausers",
        b"cache",
        b"hesiod",
        b"usrfiles",
    ];
    NSS.contains(&first)
        && lower
            .split(|b| b.is_ascii_whitespace())
            .all(|w| w.is_empty() || NSS.contains(&w) || (w.starts_with(b"[") && w.ends_with(b"]")))
}

/// `$VAR`, `${VAR}`, `$(cmd)`, `%(name)s`, `{{ var }}`, `@VAR@`, `%VAR%`.
fn variable_reference(v: &[u8]) -> bool {
    let ident = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b' ' | b'-'))
    };
    if let Some(rest) = v.strip_prefix(b"${") {
        return rest.ends_with(b"}") && !rest[..rest.len() - 1].contains(&b'}');
    }
    if let Some(rest) = v.strip_prefix(b"$(") {
        return rest.ends_with(b")");
    }
    if let Some(rest) = v.strip_prefix(b"$") {
        return ident(rest) && !rest.contains(&b' ');
    }
    if let Some(rest) = v.strip_prefix(b"{{") {
        return rest.ends_with(b"}}");
    }
    if let Some(rest) = v.strip_prefix(b"%(") {
        return rest.ends_with(b")s");
    }
    for d in [b'@', b'%'] {
        if v.len() > 2 && v[0] == d && v[v.len() - 1] == d && ident(&v[1..v.len() - 1]) {
            return true;
        }
    }
    false
}

trait PamLine {
    fn contains_pam_module(&self) -> bool;
}

impl PamLine for Vec<u8> {
    /// `[success=1 default=ignore] pam_unix.so`: a PAM control in brackets.
    fn contains_pam_module(&self) -> bool {
        super::find(self, b"pam_").is_some() && super::find(self, b".so").is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_hold_a_secret() {
        for k in [
            "password",
            "PASSWORD",
            "db_password",
            "dbPassword",
            "spring.datasource.password",
            "javax.net.ssl.keyStorePassword",
            "AWS_SECRET_ACCESS_KEY",
            "api_key",
            "apikey",
            "X-API-Key",
            "AccountKey",
            "activation-key",
            "registration_key",
            "mka-cak",
            "mka_cak",
            "BORG_PASSPHRASE",
            "DBPASS",
            "ROOTPW",
            "GITLAB_PAT",
            "CONSUL_HTTP_AUTH",
            "requirepass",
            "masterauth",
            "rocommunity",
            "bindpw",
            "TLSPSK",
            "ldap_default_authtok",
            "node.session.auth.password_in",
            "password2",
            "Authorization",
            "PRIVATE-TOKEN",
            "client_secret",
            "pwd",
            "storepass",
            "rd.iscsi.password",
            "wep-key0",
            "password_pbkdf2",
            "APP_LOGIN_PHRASE",
            "wallet.seedPhrase",
            "SMTP_PASSKEY",
        ] {
            assert!(secret_key(k.as_bytes()), "{k}");
        }
    }

    #[test]
    fn keys_about_a_secret() {
        for k in [
            "PasswordAuthentication",
            "PermitEmptyPasswords",
            "AuthorizedKeysFile",
            "HostKey",
            "KeyringMode",
            "keyboard",
            "key-mgmt",
            "psk-flags",
            "PASS_MAX_DAYS",
            "TLSPSKIdentity",
            "TLSPSKFile",
            "no-password",
            "proxy_pass",
            "ProxyPass",
            "fastcgi_pass",
            "bypass",
            "auth",
            "session",
            "passwd_tries",
            "passprompt",
            "smtp_sasl_password_maps",
            "aws_access_key_id",
            "PassEnvironment",
            "KbdInteractiveAuthentication",
            "token_lifetime",
            "keymap",
            "XKBLAYOUT",
        ] {
            assert!(!secret_key(k.as_bytes()), "{k}");
        }
    }

    #[test]
    fn harmless_values() {
        for v in [
            "yes",
            "no",
            "/etc/ssh/ssh_host_rsa_key",
            "$DB_PASSWORD",
            "${DB_PASSWORD}",
            "{{ vault_pw }}",
            "files systemd",
            "required pam_unix.so",
            "[success=1 default=ignore] pam_unix.so obscure",
            "env:PASSVAR",
            "file:/etc/pw",
            "********",
            "",
        ] {
            assert!(harmless(v.as_bytes()), "{v}");
        }
        for v in [
            "hunter2",
            "//nas/share",
            "/x y",
            "$1$salt$hash",
            "files hunter2",
        ] {
            assert!(!harmless(v.as_bytes()), "{v}");
        }
    }
}
