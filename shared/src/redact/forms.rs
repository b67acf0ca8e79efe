//! The written forms of addresses and names the scanner recognises
//! beyond the plain ones: MACs in every notation, zero-padded and integer
//! IPv4, and full names under domains no learned file named.

use std::net::Ipv4Addr;

/// `010.001.002.003`: four decimal groups of up to three digits, each at
/// most 255, written with leading zeros (which `Ipv4Addr` refuses). Each
/// octet with the width it was written in.
pub fn padded_v4(w: &[u8]) -> Option<[(u8, usize); 4]> {
    let groups: Vec<&[u8]> = w.split(|&b| b == b'.').collect();
    if groups.len() != 4 {
        return None;
    }
    let mut out = [(0u8, 0usize); 4];
    for (o, g) in out.iter_mut().zip(&groups) {
        if g.is_empty() || g.len() > 3 || !g.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *o = (std::str::from_utf8(g).ok()?.parse().ok()?, g.len());
    }
    groups
        .iter()
        .any(|g| g.len() > 1 && g[0] == b'0')
        .then_some(out)
}

/// An IPv4 address written as one integer (`167772161`, `0x0a000001`),
/// from 1.0.0.0 up: smaller numbers are counts and ports far more often.
pub fn integer_v4(w: &[u8]) -> Option<Ipv4Addr> {
    let s = std::str::from_utf8(w).ok()?;
    let n = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) if hex.len() == 8 => u32::from_str_radix(hex, 16).ok()?,
        Some(_) => return None,
        None if s.bytes().all(|b| b.is_ascii_digit()) && (8..=10).contains(&s.len()) => {
            s.parse().ok()?
        }
        None => return None,
    };
    (n >= 1 << 24).then(|| Ipv4Addr::from(n))
}

/// `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `52:54:0:ab:cd:ef` (groups
/// without leading zeros, colons only) and `5254.00ab.cdef` (Cisco).
pub fn parse_mac(s: &[u8]) -> Option<[u8; 6]> {
    let hex = |g: &[u8]| u32::from_str_radix(std::str::from_utf8(g).ok()?, 16).ok();
    let all_hex = |g: &[u8]| !g.is_empty() && g.iter().all(u8::is_ascii_hexdigit);
    let mut m = [0u8; 6];
    let dotted: Vec<&[u8]> = s.split(|&b| b == b'.').collect();
    if dotted.len() == 3 && dotted.iter().all(|g| g.len() == 4 && all_hex(g)) {
        for (i, g) in dotted.iter().enumerate() {
            let v = hex(g)?;
            m[2 * i] = (v >> 8) as u8;
            m[2 * i + 1] = v as u8;
        }
        return Some(m);
    }
    let sep = *s.iter().find(|b| matches!(b, b':' | b'-'))?;
    let groups: Vec<&[u8]> = s.split(|&b| b == sep).collect();
    let padded = groups.iter().all(|g| g.len() == 2);
    let unpadded =
        sep == b':' && groups.iter().all(|g| g.len() <= 2) && groups.iter().any(|g| g.len() == 2);
    if groups.len() != 6 || !(padded || unpadded) || !groups.iter().all(|g| all_hex(g)) {
        return None;
    }
    for (b, g) in m.iter_mut().zip(&groups) {
        *b = hex(g)? as u8;
    }
    Some(m)
}

/// `525400abcdef`: twelve hex digits, a MAC only where the line says so.
pub fn bare_mac(s: &[u8]) -> Option<[u8; 6]> {
    if s.len() != 12 || !s.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut m = [0u8; 6];
    for (i, b) in m.iter_mut().enumerate() {
        *b = u8::from_str_radix(std::str::from_utf8(&s[2 * i..2 * i + 2]).ok()?, 16).ok()?;
    }
    Some(m)
}

/// Top-level domains of names that are hosts, not files (`sshd.service`,
/// `foo.sh`, `notes.md` are files): the generic ones and some used for
/// private networks (`local` and `home` are not: `rc.local`, Java's
/// `user.home`). A country code counts under a known second level
/// (`acme.co.uk`), never alone, since so many are also file extensions.
const HOST_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "io", "biz", "cloud", "lan", "internal",
    "intranet", "corp", "arpa",
];
const SECOND_LEVELS: &[&str] = &["co", "com", "net", "org", "ac", "gov", "edu", "ne", "or"];

/// Public domains that name a vendor or project, never this host or its
/// owner; rules and people read them as they are.
const PUBLIC_DOMAINS: &[&str] = &[
    "debian.org",
    "ubuntu.com",
    "canonical.com",
    "launchpad.net",
    "redhat.com",
    "fedoraproject.org",
    "centos.org",
    "rockylinux.org",
    "almalinux.org",
    "oracle.com",
    "suse.com",
    "opensuse.org",
    "freedesktop.org",
    "gnu.org",
    "kernel.org",
    "github.com",
    "gitlab.com",
    "python.org",
    "apache.org",
    "mozilla.org",
    "microsoft.com",
    "google.com",
    "googleapis.com",
    "amazonaws.com",
    "amazon.com",
    "cloudflare.com",
    "ntp.org",
    "isc.org",
    "systemd.io",
    "nginx.org",
    "example.com",
    "example.net",
    "example.org",
    "in-addr.arpa",
    "ip6.arpa",
];

/// A full host name under a domain not learned: two or more DNS labels,
/// the last a host TLD (see [`HOST_TLDS`]), not under a public domain.
pub fn unknown_domain_name(lc: &str) -> bool {
    let labels: Vec<&str> = lc.split('.').collect();
    let valid = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid {
        return false;
    }
    let tld = labels[labels.len() - 1];
    let second = labels[labels.len() - 2];
    let host_tld = HOST_TLDS.contains(&tld)
        || (labels.len() >= 3
            && tld.len() == 2
            && tld.bytes().all(|b| b.is_ascii_alphabetic())
            && SECOND_LEVELS.contains(&second));
    host_tld
        && !PUBLIC_DOMAINS
            .iter()
            .any(|d| lc == *d || lc.ends_with(&format!(".{d}")))
}
