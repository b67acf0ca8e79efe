//! Hand-written scanners (the probe carries no regex engine): addresses
//! and names in text, and the hex addresses of /proc/net tables.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::forms::{bare_mac, integer_v4, padded_v4, parse_mac, unknown_domain_name};
use super::Redactor;

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// Everything: addresses, host and domain names, users.
    Text,
    /// Paths and file names: a bare host name is left alone there, since a
    /// host called `vm` or `mail` shares its name with directories
    /// (/proc/sys/vm) that rules read.
    Path,
    /// Package databases: names only, as version strings can look like
    /// IPv4 addresses.
    NamesOnly,
}

/// Bytes that can belong to an address or a name.
fn in_run(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':')
}

pub fn scan(r: &mut Redactor, data: &[u8], mode: Mode) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut line_start = 0;
    let mut i = 0;
    while i < data.len() {
        if !in_run(data[i]) {
            if data[i] == b'\n' {
                line_start = i + 1;
            }
            out.push(data[i]);
            i += 1;
            continue;
        }
        let end = data[i..]
            .iter()
            .position(|&b| !in_run(b))
            .map_or(data.len(), |n| i + n);
        let ctx = Context::of(&data[line_start..i]);
        run(r, &data[i..end], mode, ctx, &mut out);
        i = end;
    }
    out
}

/// What the text before a word on its line says the word is: a bare
/// 12-digit MAC or an integer IPv4 address is taken for one only after a
/// key that names it (`HWADDR=`, `link/ether`, `IPADDR=`).
#[derive(Clone, Copy, Default)]
struct Context {
    mac: bool,
    ip: bool,
}

impl Context {
    /// From the key word that ends the text before a word on its line.
    fn of(before: &[u8]) -> Context {
        let end = before.len()
            - before
                .iter()
                .rev()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'=' | b':' | b'"' | b'\'' | b'/'))
                .count();
        let start = before[..end]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')))
            .map_or(0, |i| i + 1);
        let key = String::from_utf8_lossy(&before[start..end]).to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
        Context {
            mac: has(&["mac", "hwaddr", "ether", "lladdr", "hardware", "addr"]),
            ip: has(&["addr", "gateway", "nameserver"])
                || ["ip", "inet", "server", "host"].contains(&key.as_str())
                || key.ends_with("_ip")
                || key.ends_with("-ip")
                || key.starts_with("ip_")
                || key.starts_with("ip-"),
        }
    }

    fn after(self, word: &[u8]) -> Context {
        let more = Context::of(word);
        Context {
            mac: self.mac || more.mac,
            ip: self.ip || more.ip,
        }
    }
}

fn run(r: &mut Redactor, run: &[u8], mode: Mode, ctx: Context, out: &mut Vec<u8>) {
    if mode != Mode::NamesOnly {
        if let Some(m) = parse_mac(run) {
            return push_mac(r, m, run, out);
        }
        if run.iter().filter(|&&b| b == b':').count() >= 2 {
            // A period after it ends a sentence: `... at fe80::1.`
            let dots = run.iter().rev().take_while(|&&b| b == b'.').count();
            let (core, tail) = run.split_at(run.len() - dots);
            if let Some(a) = std::str::from_utf8(core)
                .ok()
                .and_then(|s| s.parse::<Ipv6Addr>().ok())
            {
                out.extend_from_slice(r.v6(a).to_string().as_bytes());
                out.extend_from_slice(tail);
                return;
            }
        }
    }
    let mut ctx = ctx;
    for (n, part) in run.split(|&b| b == b':').enumerate() {
        if n > 0 {
            out.push(b':');
        }
        word(r, part, mode, ctx, out);
        ctx = ctx.after(part);
    }
}

/// One colon-free word: an IPv4 address, a MAC written with dashes or
/// dots, or a name; a trailing dot (end of a sentence, the DNS root) is
/// kept aside.
fn word(r: &mut Redactor, w: &[u8], mode: Mode, ctx: Context, out: &mut Vec<u8>) {
    let dots = w.iter().rev().take_while(|&&b| b == b'.').count();
    let (core, tail) = w.split_at(w.len() - dots);
    let text = std::str::from_utf8(core).unwrap_or("");
    if mode != Mode::NamesOnly {
        if let Ok(a) = text.parse::<Ipv4Addr>() {
            out.extend_from_slice(r.v4(a).to_string().as_bytes());
            out.extend_from_slice(tail);
            return;
        }
        if let Some(widths) = padded_v4(core) {
            let o = r.v4(Ipv4Addr::from(widths.map(|(v, _)| v))).octets();
            let s: Vec<String> = (0..4)
                .map(|i| format!("{:0w$}", o[i], w = widths[i].1))
                .collect();
            out.extend_from_slice(s.join(".").as_bytes());
            out.extend_from_slice(tail);
            return;
        }
        if let Some(m) = parse_mac(core).or_else(|| ctx.mac.then(|| bare_mac(core)).flatten()) {
            push_mac(r, m, core, out);
            out.extend_from_slice(tail);
            return;
        }
        if let Some(a) = ctx.ip.then(|| integer_v4(core)).flatten() {
            let new = u32::from(r.v4(a));
            let s = if core.starts_with(b"0x") || core.starts_with(b"0X") {
                let upper = core[2..].iter().any(|b| b.is_ascii_uppercase());
                let hex = if upper {
                    format!("{new:08X}")
                } else {
                    format!("{new:08x}")
                };
                format!("{}{}", std::str::from_utf8(&core[..2]).unwrap_or("0x"), hex)
            } else {
                new.to_string()
            };
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(tail);
            return;
        }
    }
    // An address range, `10.20.30.40-10.20.30.50`: each end on its own.
    if mode != Mode::NamesOnly && core.contains(&b'-') {
        let parts: Vec<&[u8]> = core.split(|&b| b == b'-').collect();
        let address = |p: &[u8]| {
            std::str::from_utf8(p).is_ok_and(|s| s.parse::<Ipv4Addr>().is_ok())
                || padded_v4(p).is_some()
        };
        if parts.len() == 2 && parts.iter().any(|p| address(p)) {
            word(r, parts[0], mode, ctx, out);
            out.push(b'-');
            word(r, parts[1], mode, ctx, out);
            out.extend_from_slice(tail);
            return;
        }
    }
    match name(r, text, mode) {
        Some(new) => {
            out.extend_from_slice(new.as_bytes());
            out.extend_from_slice(tail);
        }
        None => match file_name(r, text, mode) {
            Some(new) => {
                out.extend_from_slice(new.as_bytes());
                out.extend_from_slice(tail);
            }
            None => out.extend_from_slice(w),
        },
    }
}

/// Endings of file names that follow a host name in a file's name
/// (`sites-enabled/shop.acme.com.conf`, `shop.acme.com.pem`).
const FILE_ENDINGS: &[&str] = &[
    "conf",
    "cfg",
    "cnf",
    "ini",
    "yaml",
    "yml",
    "json",
    "xml",
    "txt",
    "log",
    "pem",
    "crt",
    "cer",
    "csr",
    "key",
    "pub",
    "p12",
    "pfx",
    "jks",
    "bak",
    "old",
    "orig",
    "save",
    "disabled",
    "dpkg-old",
    "dpkg-dist",
    "dpkg-new",
    "rpmnew",
    "rpmsave",
    "list",
    "repo",
    "sources",
    "zone",
    "db",
    "rev",
    "vhost",
    "site",
    "service",
    "socket",
    "timer",
    "mount",
    "network",
    "netdev",
    "nmconnection",
    "keytab",
    "gz",
    "sh",
    "d",
    "html",
    "htm",
    "access",
    "error",
];

/// A known (or recognisable) full name followed by file endings: the
/// name replaced, the endings kept.
fn file_name(r: &mut Redactor, text: &str, mode: Mode) -> Option<String> {
    let mut core = text;
    let mut endings = Vec::new();
    while let Some((head, last)) = core.rsplit_once('.') {
        if !FILE_ENDINGS.contains(&last.to_ascii_lowercase().as_str()) || endings.len() == 3 {
            break;
        }
        endings.push(last);
        core = head;
        // A bare host name is no full name: only a name with a dot left.
        if core.contains('.') {
            if let Some(new) = name(r, core, mode) {
                let tail: Vec<&str> = endings.iter().rev().copied().collect();
                return Some(format!("{new}.{}", tail.join(".")));
            }
        }
    }
    None
}

fn name(r: &mut Redactor, text: &str, mode: Mode) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if let Some(u) = r.map.users.get(text) {
        return Some(u.clone());
    }
    let lc = text.to_ascii_lowercase();
    if mode != Mode::Path {
        if let Some(h) = r.map.hosts.get(&lc) {
            return Some(h.clone());
        }
    }
    if let Some(d) = r.map.domains.get(&lc) {
        return Some(d.clone());
    }
    // The longest known domain this name ends in; what comes before it is
    // a host (known, or new and named only as part of a full name).
    for (k, _) in lc.match_indices('.') {
        let (prefix, domain) = (&lc[..k], &lc[k + 1..]);
        if let Some(d) = r.map.domains.get(domain).cloned() {
            let host = match r.map.hosts.get(prefix) {
                Some(h) => h.clone(),
                None => {
                    let n = r.map.labels.len() + 1;
                    r.map
                        .labels
                        .entry(prefix.into())
                        .or_insert(format!("name{n}"))
                        .clone()
                }
            };
            return Some(format!("{host}.{d}"));
        }
    }
    // In every mode, so that a name met first in a path or a package
    // database is not left there in clear once its domain is learned.
    if unknown_domain_name(&lc) {
        // A full name under a domain no learned file named: learn its
        // domain, then replace it as a name in a known domain.
        let labels = lc.matches('.').count() + 1;
        if labels == 2 {
            r.learn_domain(&lc);
            return r.map.domains.get(&lc).cloned();
        }
        let (_, domain) = lc.split_once('.')?;
        r.learn_domain(domain);
        // Learning refuses some (a name past 253 bytes): no second try then.
        if !r.map.domains.contains_key(domain) {
            return None;
        }
        return name(r, text, mode);
    }
    None
}

/// Writes the replaced MAC in the form the original was written in:
/// its separator, case, and group width.
fn push_mac(r: &mut Redactor, m: [u8; 6], orig: &[u8], out: &mut Vec<u8>) {
    let new = r.mac(m);
    let upper = orig.iter().any(|b| b.is_ascii_uppercase());
    let hex = |x: u32, width: usize| {
        if upper {
            format!("{x:0width$X}")
        } else {
            format!("{x:0width$x}")
        }
    };
    let s = match orig.iter().find(|b| matches!(b, b':' | b'-' | b'.')) {
        Some(b'.') => (0..3)
            .map(|i| hex(u32::from(new[2 * i]) << 8 | u32::from(new[2 * i + 1]), 4))
            .collect::<Vec<_>>()
            .join("."),
        Some(&sep) => {
            // Unpadded (`52:54:0:ab:cd:ef`) stays unpadded.
            let padded = orig.split(|&b| b == sep).all(|g| g.len() == 2);
            new.iter()
                .map(|&b| hex(u32::from(b), if padded { 2 } else { 1 }))
                .collect::<Vec<_>>()
                .join(&(sep as char).to_string())
        }
        None => new.iter().map(|&b| hex(u32::from(b), 2)).collect(),
    };
    out.extend_from_slice(s.as_bytes());
}

pub fn replace_all(hay: &[u8], needle: &[u8], new: &[u8]) -> Vec<u8> {
    if needle.is_empty() || hay.len() < needle.len() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(new);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// The /proc/net tables that hold addresses as hex.
#[derive(Clone, Copy)]
pub enum ProcNet {
    /// tcp, udp, raw: `0100007F:0035`, a little-endian u32.
    Sock4,
    /// tcp6, udp6, raw6: four little-endian u32 words.
    Sock6,
    /// route: Destination and Gateway, little-endian; the mask is kept.
    Route,
    /// if_inet6: 32 hex digits in network order.
    IfInet6,
}

pub fn proc_net(path: &[u8]) -> Option<ProcNet> {
    if !path.starts_with(b"/proc/") {
        return None;
    }
    let name = path.strip_prefix(b"/proc/net/").or_else(|| {
        let rest = &path[6..];
        let slash = rest.iter().position(|&b| b == b'/')?;
        rest[slash..].strip_prefix(b"/net/")
    })?;
    Some(match name {
        b"tcp" | b"udp" | b"raw" | b"udplite" => ProcNet::Sock4,
        b"tcp6" | b"udp6" | b"raw6" | b"udplite6" => ProcNet::Sock6,
        b"route" => ProcNet::Route,
        b"if_inet6" => ProcNet::IfInet6,
        _ => return None,
    })
}

/// The table with each address field rewritten in place (same width).
pub fn proc_net_hex(r: &mut Redactor, kind: ProcNet, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let mut start = 0;
    for line in data.split_inclusive(|&b| b == b'\n') {
        let mut fields = Vec::new();
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
            fields.push((start + i, &line[i..end]));
            i = end;
        }
        let which: &[usize] = match kind {
            ProcNet::IfInet6 => &[0],
            _ => &[1, 2],
        };
        for &f in which {
            let Some(&(at, field)) = fields.get(f) else {
                continue;
            };
            let hex = field.split(|&b| b == b':').next().unwrap_or(b"");
            if let Some(new) = rewrite_hex(r, kind, hex) {
                out[at..at + new.len()].copy_from_slice(new.as_bytes());
            }
        }
        start += line.len();
    }
    out
}

fn rewrite_hex(r: &mut Redactor, kind: ProcNet, hex: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(hex).ok()?;
    let word = |i: usize| u32::from_str_radix(s.get(8 * i..8 * i + 8)?, 16).ok();
    match (kind, hex.len()) {
        (ProcNet::Sock4 | ProcNet::Route, 8) => {
            let a = r.v4(Ipv4Addr::from(word(0)?.to_le_bytes()));
            Some(format!("{:08X}", u32::from_le_bytes(a.octets())))
        }
        (ProcNet::Sock6, 32) => {
            let mut o = [0u8; 16];
            for i in 0..4 {
                o[4 * i..4 * i + 4].copy_from_slice(&word(i)?.to_le_bytes());
            }
            let a = r.v6(Ipv6Addr::from(o)).octets();
            Some(
                (0..4)
                    .map(|i| {
                        format!(
                            "{:08X}",
                            u32::from_le_bytes(a[4 * i..4 * i + 4].try_into().unwrap())
                        )
                    })
                    .collect(),
            )
        }
        (ProcNet::IfInet6, 32) => {
            let a = r.v6(Ipv6Addr::from(u128::from_str_radix(s, 16).ok()?));
            Some(format!("{:032x}", u128::from(a)))
        }
        _ => None,
    }
}

/// LDAP distinguished names spell a DNS domain as `dc=` components
/// (`BASE dc=corp,dc=example,dc=com`, sssd's `ldap_search_base`): a run of
/// them whose labels end in a known domain spells that domain's
/// replacement instead (`dc=domain1,dc=example`), with the first
/// component's `dc` as written. Components before the domain are kept.
pub fn domain_components(data: &[u8], domains: &BTreeMap<String, String>) -> Vec<u8> {
    let is_dc = |at: usize| {
        data.len() >= at + 3
            && data[at..at + 3].eq_ignore_ascii_case(b"dc=")
            && (at == 0 || !(data[at - 1].is_ascii_alphanumeric() || data[at - 1] == b'_'))
    };
    let label_end = |from: usize| {
        data[from..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
            .map_or(data.len(), |n| from + n)
    };
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if !is_dc(i) {
            out.push(data[i]);
            i += 1;
            continue;
        }
        // (start of `dc=`, label start, label end) of each component.
        let mut parts: Vec<(usize, usize, usize)> = Vec::new();
        let mut at = i;
        loop {
            let end = label_end(at + 3);
            if end == at + 3 {
                break;
            }
            parts.push((at, at + 3, end));
            let mut next = end;
            if data.get(next) != Some(&b',') {
                break;
            }
            next += 1;
            while data.get(next) == Some(&b' ') {
                next += 1;
            }
            if !is_dc(next) {
                break;
            }
            at = next;
        }
        let Some(&(_, _, run_end)) = parts.last() else {
            out.push(data[i]);
            i += 1;
            continue;
        };
        let labels: Vec<String> = parts
            .iter()
            .map(|&(_, s, e)| String::from_utf8_lossy(&data[s..e]).to_ascii_lowercase())
            .collect();
        let found = (0..labels.len().saturating_sub(1))
            .find_map(|k| domains.get(&labels[k..].join(".")).map(|d| (k, d)));
        match found {
            Some((k, new)) => {
                let first = parts[k].0;
                out.extend_from_slice(&data[i..first]);
                let dc = &data[first..first + 2];
                let spelled: Vec<String> = new
                    .split('.')
                    .map(|l| format!("{}={l}", String::from_utf8_lossy(dc)))
                    .collect();
                out.extend_from_slice(spelled.join(",").as_bytes());
            }
            None => out.extend_from_slice(&data[i..run_end]),
        }
        i = run_end;
    }
    out
}
