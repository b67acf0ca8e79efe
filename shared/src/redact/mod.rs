//! Redaction: a record-stream transform that replaces host and domain
//! names, IP and MAC addresses, user names and given keywords, the same
//! way in every file and fact, so that a redacted bundle still analyzes
//! like the original. Both the probe (`--redact`) and `lift bundle redact`
//! use it; the [`Mapping`] it builds is kept apart from the bundle.
//!
//! Names must be known before the records that mention them pass, so a
//! caller first shows the redactor the files that define them
//! ([`LEARN_PATHS`], through [`Redactor::learn`] or
//! [`Redactor::learn_record`]), then passes every record through
//! [`Redactor::record`] and writes [`Redactor::note`] before the footer.

mod addr;
mod forms;
mod learn;
mod sysstat;
mod text;

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::{Bytes, Content, Fact, Note, NoteKind, Record};

pub use learn::LEARN_PATHS;

/// What was replaced by what, and the key that maps addresses. It lets the
/// sender read a report on a redacted bundle, and reusing it for the
/// bundles of one fleet keeps their names and addresses matching. It is as
/// secret as the data it hides.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    /// 32 hex digits.
    pub key: String,
    /// Host names (first labels), lowercase.
    pub hosts: BTreeMap<String, String>,
    /// DNS domains, lowercase.
    pub domains: BTreeMap<String, String>,
    /// User and group names.
    pub users: BTreeMap<String, String>,
    pub keywords: BTreeMap<String, String>,
    /// Host parts of full names in a known domain that are not themselves
    /// host names of a captured host (`db` of db.corp.example.com); they
    /// are replaced only within such full names.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Every address and MAC replaced, for looking one up; the key alone
    /// decides new ones.
    pub addresses: BTreeMap<String, String>,
}

/// A redaction map that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("{0}")]
    Json(String),
    #[error("the map's key is not 32 hex digits")]
    Key,
}

impl Mapping {
    /// A fresh mapping with a random key.
    pub fn new() -> Self {
        let mut key = [0u8; 16];
        let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key));
        if random.is_err() {
            // No /dev/urandom (a bare chroot): the clock and pid still
            // make the key unguessable enough to be unlike another run's.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            key[..8].copy_from_slice(&(t.as_nanos() as u64).to_le_bytes());
            key[8..12].copy_from_slice(&std::process::id().to_le_bytes());
        }
        Self::with_key(key)
    }

    pub fn with_key(key: [u8; 16]) -> Self {
        Mapping {
            key: key.iter().map(|b| format!("{b:02x}")).collect(),
            ..Mapping::default()
        }
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, MapError> {
        let m: Mapping =
            serde_json::from_slice(bytes).map_err(|e| MapError::Json(e.to_string()))?;
        m.key_bytes().ok_or(MapError::Key)?;
        Ok(m)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a mapping serializes")
    }

    /// The map in `path`, or a fresh one if there is no such file.
    pub fn load_or_new(path: &std::path::Path) -> std::io::Result<Self> {
        match std::fs::read(path) {
            Ok(b) => Self::from_json(&b).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::new()),
            Err(e) => Err(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            )),
        }
    }

    /// Writes the map readable by its owner only, whole or not at all.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
        f.write_all(self.to_json().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }

    fn key_bytes(&self) -> Option<[u8; 16]> {
        let s = self.key.as_bytes();
        if s.len() != 32 {
            return None;
        }
        let mut k = [0u8; 16];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(std::str::from_utf8(&s[2 * i..2 * i + 2]).ok()?, 16).ok()?;
        }
        Some(k)
    }
}

/// The message of the note a redacted bundle carries before its footer.
pub const NOTE_MESSAGE: &str = "bundle redacted: hostnames, addresses, MACs, users";

/// Binary files that redaction does not scan as text: rpm's package
/// databases, left as they are, and sysstat's daily files (`saDD`), whose
/// header's host name is rewritten in place in the first piece. The probe
/// streams them in `Chunk` records from a small size on (issue 27: a
/// month of history is never read whole). Text it redacts (dpkg's status
/// and file lists) is kept whole up to the probe's 16 MiB, so that no name
/// is split between two chunks.
pub fn is_binary_database(path: &[u8]) -> bool {
    [&b"/var/lib/rpm/"[..], b"/usr/lib/sysimage/rpm/"]
        .iter()
        .any(|p| path.starts_with(p))
        || sysstat::is_history(path)
}

pub struct Redactor {
    map: Mapping,
    key: [u8; 16],
    /// /etc/passwd and /etc/group lines seen, and where login.defs says
    /// people's ids start (see `learn`).
    accounts: Vec<learn::Account>,
    ids: learn::PersonIds,
    /// The sysstat file whose first chunk was withheld: its later chunks
    /// are withheld too.
    withheld_chunks: Option<Vec<u8>>,
}

impl Redactor {
    pub fn new(map: Mapping) -> Self {
        let key = map.key_bytes().unwrap_or_else(|| {
            let fresh = Mapping::new();
            fresh.key_bytes().expect("a fresh key")
        });
        let mut map = map;
        map.key = key.iter().map(|b| format!("{b:02x}")).collect();
        Redactor {
            map,
            key,
            accounts: Vec::new(),
            ids: learn::PersonIds::default(),
            withheld_chunks: None,
        }
    }

    pub fn mapping(&self) -> &Mapping {
        &self.map
    }

    pub fn into_mapping(self) -> Mapping {
        self.map
    }

    /// A word to replace wherever it occurs, even inside other words.
    pub fn add_keyword(&mut self, word: &str) {
        if !word.is_empty() && !self.map.keywords.contains_key(word) {
            let n = self.map.keywords.len() + 1;
            self.map.keywords.insert(word.into(), format!("keyword{n}"));
        }
    }

    /// The note that says the bundle was redacted (written before the footer).
    pub fn note(&self) -> Note {
        Note {
            spec: "redact".into(),
            kind: NoteKind::Redacted,
            path: None,
            message: NOTE_MESSAGE.into(),
        }
    }

    /// The record with every name and address replaced.
    pub fn record(&mut self, record: Record) -> Record {
        match record {
            Record::Header(mut h) => {
                h.hostname = self.text(&h.hostname);
                h.root = self.path(&h.root);
                h.args = h.args.iter().map(|a| self.path(a)).collect();
                Record::Header(h)
            }
            Record::Entry(mut e) => {
                let path = e.path.0.clone();
                e.path = self.path(&e.path);
                e.link_target = e.link_target.as_ref().map(|t| self.path(t));
                e.content = match e.content {
                    Content::Full(b) => {
                        let new = self.content(&path, &b.0);
                        if e.size == b.len() as u64 {
                            e.size = new.len() as u64;
                        }
                        Content::Full(new.into())
                    }
                    Content::Truncated { head, size } => Content::Truncated {
                        head: self.content(&path, &head.0).into(),
                        size,
                    },
                    Content::Children(mut c) => {
                        for child in &mut c {
                            child.name = self.path(&child.name);
                            child.link_target = child.link_target.as_ref().map(|t| self.path(t));
                        }
                        Content::Children(c)
                    }
                    Content::Error { errno, message } => Content::Error {
                        errno,
                        message: self.text(&message),
                    },
                    other => other,
                };
                Record::Entry(e)
            }
            // Chunked content is a binary package database (see
            // `is_binary_database`), or a text file past 16 MiB: about
            // packages, not this host. Only its path can name something,
            // and a sysstat file's header: its first piece has the host
            // name rewritten; after a first piece withheld (a header lift
            // does not know), the rest of that file is withheld too.
            Record::Chunk(mut c) => {
                if sysstat::is_history(&c.path.0) {
                    if c.offset == 0 {
                        c.data = self.sysstat(&c.data.0).into();
                        self.withheld_chunks = c.data.0.is_empty().then(|| c.path.0.clone());
                    } else if self.withheld_chunks.as_deref() == Some(&c.path.0[..]) {
                        c.data = Vec::new().into();
                    }
                }
                c.path = self.path(&c.path);
                Record::Chunk(c)
            }
            Record::Fact(f) => Record::Fact(self.fact(f)),
            Record::Note(mut n) => {
                n.path = n.path.as_ref().map(|p| self.path(p));
                n.message = self.text(&n.message);
                Record::Note(n)
            }
            Record::Footer(mut f) => {
                for r in &mut f.scrubbed {
                    r.path = self.path(&r.path);
                }
                Record::Footer(f)
            }
        }
    }

    fn fact(&mut self, fact: Fact) -> Fact {
        match fact {
            Fact::Uname(mut u) => {
                u.nodename = self.text(&u.nodename);
                u.domainname = self.text(&u.domainname);
                Fact::Uname(u)
            }
            Fact::Interfaces(mut list) => {
                for i in &mut list {
                    i.address = self.text(&i.address);
                }
                Fact::Interfaces(list)
            }
            Fact::Statvfs(mut s) => {
                s.mount_point = self.path(&s.mount_point);
                Fact::Statvfs(s)
            }
            Fact::BootSector(mut b) => {
                b.device = self.path(&b.device);
                b.holds = b.holds.iter().map(|h| self.path(h)).collect();
                Fact::BootSector(b)
            }
            Fact::PartitionSector(mut b) => {
                b.device = self.path(&b.device);
                b.holds = b.holds.iter().map(|h| self.path(h)).collect();
                Fact::PartitionSector(b)
            }
            Fact::Elf(mut e) => {
                e.path = self.path(&e.path);
                Fact::Elf(e)
            }
            Fact::DirUsage(mut d) => {
                d.path = self.path(&d.path);
                Fact::DirUsage(d)
            }
            other => other,
        }
    }

    /// Text with every name and address replaced (a host name, a message).
    pub fn text(&mut self, s: &str) -> String {
        String::from_utf8_lossy(&self.scan(s.as_bytes(), text::Mode::Text)).into_owned()
    }

    fn path(&mut self, p: &Bytes) -> Bytes {
        self.scan(&p.0, text::Mode::Path).into()
    }

    fn content(&mut self, path: &[u8], data: &[u8]) -> Vec<u8> {
        if sysstat::is_history(path) {
            return self.sysstat(data);
        }
        // A sar report names the host in its first line, maybe by a name
        // older than a rename: learnt before the scan replaces it.
        if sysstat::is_history_text(path) {
            if let Some(name) = sysstat::text_nodename(data) {
                self.learn_name(&name);
            }
        }
        if let Some(kind) = text::proc_net(path) {
            let data = self.keywords(data);
            return text::proc_net_hex(self, kind, &data);
        }
        // Package databases list packages, not this host, and their
        // version strings can look like addresses.
        let mode = if [
            &b"/var/lib/dpkg/"[..],
            b"/var/lib/rpm/",
            b"/usr/lib/sysimage/rpm/",
        ]
        .iter()
        .any(|p| path.starts_with(p))
        {
            text::Mode::NamesOnly
        } else {
            text::Mode::Text
        };
        self.scan(data, mode)
    }

    /// A sysstat file: its header's host name replaced in place; an
    /// unknown header is withheld rather than passed on unread.
    fn sysstat(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        match sysstat::nodename_field(data) {
            Some(field) => {
                let old = sysstat::nodename(data, field.clone());
                // The file may be older than a rename: its name is learnt too.
                self.learn_name(&old);
                let name = self.text(&old);
                sysstat::replace_nodename(&mut out, field, &name);
                out
            }
            None => Vec::new(),
        }
    }

    fn scan(&mut self, data: &[u8], mode: text::Mode) -> Vec<u8> {
        let data = self.keywords(data);
        let data = if mode == text::Mode::Text {
            text::domain_components(&data, &self.map.domains)
        } else {
            data
        };
        text::scan(self, &data, mode)
    }

    fn keywords(&self, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        for (word, new) in &self.map.keywords {
            out = text::replace_all(&out, word.as_bytes(), new.as_bytes());
        }
        out
    }

    fn remember(&mut self, old: String, new: String) -> String {
        self.map.addresses.entry(old).or_insert(new).clone()
    }

    fn v4(&mut self, a: std::net::Ipv4Addr) -> std::net::Ipv4Addr {
        if let Some(m) = self
            .map
            .addresses
            .get(&a.to_string())
            .and_then(|s| s.parse().ok())
        {
            return m;
        }
        let m = addr::map_v4(&self.key, a);
        if m != a {
            self.remember(a.to_string(), m.to_string());
        }
        m
    }

    fn v6(&mut self, a: std::net::Ipv6Addr) -> std::net::Ipv6Addr {
        if let Some(m) = self
            .map
            .addresses
            .get(&a.to_string())
            .and_then(|s| s.parse().ok())
        {
            return m;
        }
        let m = addr::map_v6(&self.key, a);
        if m != a {
            self.remember(a.to_string(), m.to_string());
        }
        m
    }

    fn mac(&mut self, m: [u8; 6]) -> [u8; 6] {
        let show = |m: [u8; 6]| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        if let Some(s) = self.map.addresses.get(&show(m)) {
            if let Some(known) = forms::parse_mac(s.as_bytes()) {
                return known;
            }
        }
        let new = addr::map_mac(&self.key, m);
        if new != m {
            self.remember(show(m), show(new));
        }
        new
    }
}

#[cfg(test)]
mod tests;
