//! Learning which names to replace, from the files and facts that define
//! them: host names, DNS domains, users and groups.

use super::Redactor;
use crate::{Content, Fact, Record};

/// Files that define names; a caller shows them to the redactor before the
/// records pass.
pub const LEARN_PATHS: &[&str] = &[
    "/etc/hostname",
    "/etc/HOSTNAME",
    "/proc/sys/kernel/hostname",
    "/proc/sys/kernel/domainname",
    "/etc/sysconfig/network",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/mailname",
    "/etc/login.defs",
    "/etc/passwd",
    "/etc/group",
];

/// Names that identify nothing and that rules and resolvers look for.
const KEEP_NAMES: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "localhost4",
    "localhost6",
    "localdomain",
    "localhost4.localdomain4",
    "localhost6.localdomain6",
    "local",
    "(none)",
    "none",
    "unknown",
];

/// Accounts at or above this id are people (or their groups) unless the
/// host's login.defs says otherwise (`UID_MIN 500` on CentOS and RHEL 6
/// and older; `SYS_UID_MAX`); below it, and `nobody`, they are the
/// system's, which rules name and which say nothing about the owner.
pub const FIRST_PERSON_ID: u32 = 1000;
const NOBODY_ID: u32 = 65534;

/// One line of /etc/passwd or /etc/group, kept until login.defs (which
/// may come later in a bundle) has said where people's ids start.
#[derive(Clone, Debug)]
pub struct Account {
    group: bool,
    name: String,
    id: u32,
    home: String,
    shell: String,
    gecos: String,
}

/// From login.defs: the first id of a person's account and group.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonIds {
    uid_min: Option<u32>,
    sys_uid_max: Option<u32>,
    gid_min: Option<u32>,
    sys_gid_max: Option<u32>,
}

impl PersonIds {
    /// The lowest id a person may have: the lower of `UID_MIN` and
    /// `SYS_UID_MAX + 1`, 1000 when login.defs says neither.
    fn first(min: Option<u32>, sys_max: Option<u32>) -> u32 {
        let from_sys = sys_max.map(|m| m.saturating_add(1));
        match (min, from_sys) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => FIRST_PERSON_ID,
        }
        .min(FIRST_PERSON_ID)
    }

    fn first_uid(&self) -> u32 {
        Self::first(self.uid_min, self.sys_uid_max)
    }

    fn first_gid(&self) -> u32 {
        Self::first(
            self.gid_min.or(self.uid_min),
            self.sys_gid_max.or(self.sys_uid_max),
        )
    }
}

impl Redactor {
    /// Learns names from one captured file.
    pub fn learn(&mut self, path: &[u8], content: &[u8]) {
        let text = String::from_utf8_lossy(content);
        match path {
            b"/etc/hostname"
            | b"/etc/HOSTNAME"
            | b"/proc/sys/kernel/hostname"
            | b"/etc/mailname" => self.learn_name(text.trim()),
            b"/proc/sys/kernel/domainname" => self.learn_domain(text.trim()),
            b"/etc/sysconfig/network" => {
                for line in text.lines() {
                    if let Some(v) = line.trim().strip_prefix("HOSTNAME=") {
                        self.learn_name(v.trim_matches(|c| c == '"' || c == '\''));
                    }
                }
            }
            b"/etc/resolv.conf" => {
                for line in text.lines() {
                    let mut w = line.split_whitespace();
                    if matches!(w.next(), Some("search" | "domain")) {
                        w.for_each(|d| self.learn_domain(d));
                    }
                }
            }
            b"/etc/hosts" => {
                for line in text.lines() {
                    let line = line.split('#').next().unwrap_or("");
                    let mut w = line.split_whitespace();
                    w.next();
                    for name in w {
                        if !name.starts_with("ip6-") {
                            self.learn_name(name);
                        }
                    }
                }
            }
            b"/etc/login.defs" => {
                for line in text.lines() {
                    let mut w = line.split_whitespace();
                    let (Some(key), Some(value)) = (w.next(), w.next()) else {
                        continue;
                    };
                    let value = value.parse::<u32>().ok();
                    match key {
                        "UID_MIN" => self.ids.uid_min = value,
                        "SYS_UID_MAX" => self.ids.sys_uid_max = value,
                        "GID_MIN" => self.ids.gid_min = value,
                        "SYS_GID_MAX" => self.ids.sys_gid_max = value,
                        _ => {}
                    }
                }
                self.learn_people();
            }
            b"/etc/passwd" | b"/etc/group" => {
                for line in text.lines() {
                    let f: Vec<&str> = line.split(':').collect();
                    let Some(id) = f.get(2).and_then(|s| s.parse::<u32>().ok()) else {
                        continue;
                    };
                    self.accounts.push(Account {
                        group: path == b"/etc/group",
                        name: f[0].into(),
                        id,
                        home: f.get(5).copied().unwrap_or("").into(),
                        shell: f.get(6).copied().unwrap_or("").into(),
                        gecos: f.get(4).copied().unwrap_or("").into(),
                    });
                }
                self.learn_people();
            }
            _ => {}
        }
    }

    /// The people among the accounts seen: an id at or above where
    /// login.defs says people start (1000 by default), or a home under
    /// /home with a login shell, whatever the id (Ubuntu 14.04's `syslog`
    /// has /home/syslog and /bin/false: a system account). Run again when login.defs or another
    /// account file comes, so the order of the files does not matter.
    fn learn_people(&mut self) {
        let (uid, gid) = (self.ids.first_uid(), self.ids.first_gid());
        let accounts = std::mem::take(&mut self.accounts);
        for a in &accounts {
            let first = if a.group { gid } else { uid };
            let person = (a.id >= first && a.id != NOBODY_ID)
                || (!a.group
                    && a.home.starts_with("/home/")
                    && !a.shell.ends_with("nologin")
                    && !a.shell.ends_with("false"));
            if !person {
                continue;
            }
            self.learn_user(&a.name);
            // The full name in the GECOS field names a person too.
            let gecos = a.gecos.split(',').next().unwrap_or("").trim();
            if !a.group && gecos.len() >= 3 {
                self.add_keyword(gecos);
            }
        }
        self.accounts = accounts;
    }

    /// Learns from a record: the header's host name, uname, and the entries
    /// of [`LEARN_PATHS`] (for a bundle read twice).
    pub fn learn_record(&mut self, record: &Record) {
        match record {
            Record::Header(h) => self.learn_name(&h.hostname),
            Record::Fact(Fact::Uname(u)) => {
                self.learn_name(&u.nodename);
                self.learn_domain(&u.domainname);
            }
            Record::Entry(e) => {
                let path = e.path.as_slice();
                if LEARN_PATHS.iter().any(|p| p.as_bytes() == path) {
                    match &e.content {
                        Content::Full(b) => self.learn(path, b.as_slice()),
                        Content::Truncated { head, .. } => self.learn(path, head.as_slice()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// A host name, short or fully qualified: its first label is a host,
    /// the rest a domain.
    pub fn learn_name(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        if !valid_name(&name) || KEEP_NAMES.contains(&name.as_str()) {
            return;
        }
        let (host, domain) = name.split_once('.').unwrap_or((&name, ""));
        if !host.bytes().all(|b| b.is_ascii_digit()) && !KEEP_NAMES.contains(&host) {
            // A host met before only inside a full name (another bundle of
            // the fleet named it: `ldap://infra1.corp.example.com`) keeps
            // the replacement it had there, so that the redacted full name
            // still names the redacted host.
            let new = match self.map.labels.get(host) {
                Some(label) => label.clone(),
                None => format!("host{}", self.map.hosts.len() + 1),
            };
            self.map.hosts.entry(host.into()).or_insert(new);
        }
        self.learn_domain(domain);
    }

    pub fn learn_domain(&mut self, domain: &str) {
        let d = domain.trim().trim_matches('.').to_ascii_lowercase();
        if !valid_name(&d)
            || KEEP_NAMES.contains(&d.as_str())
            || d.parse::<std::net::Ipv4Addr>().is_ok()
        {
            return;
        }
        let n = self.map.domains.len() + 1;
        self.map
            .domains
            .entry(d)
            .or_insert(format!("domain{n}.example"));
    }

    fn learn_user(&mut self, name: &str) {
        if name.is_empty() || name.starts_with('+') || name.starts_with('-') {
            return;
        }
        let n = self.map.users.len() + 1;
        self.map
            .users
            .entry(name.into())
            .or_insert(format!("user{n}"));
    }
}

/// Letters, digits, `-`, `_` and `.`: what the scanner can find again.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}
