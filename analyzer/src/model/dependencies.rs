//! What the host declares it needs from the network it leaves: resolvers,
//! time and identity servers, log and mail relays, network storage,
//! proxies, package mirrors, agents' servers and address literals, each
//! read from a configuration file and its line (issue 16; DESIGN.md
//! `host.dependencies[]`). The connections captured at probe time show what
//! was talking then; these show what the configuration will reach for, even
//! once a night or only on failover.

mod literals;
mod scope;

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Serialize;

use self::scope::{Place, Seen};
use super::facts::Facts;
use super::interfaces::Interface;
use crate::parse::deps::{
    self, agents, exports, host_port, iscsi, jobs, krb5, ldap, mail, multipath, ntp, repos,
    resolver, samba, sssd, syslog, url, Declared, Found,
};
use crate::parse::{autofs, egress, fstab, Parsed, Partial};
use crate::sources::{self as src, Source};

pub use crate::vocab::dependencies::Kind;

/// Where `target` sits as seen from the source host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Inside one of the host's own subnets: changes with the move.
    OwnSubnet,
    /// Another private range: the target needs a route or VPN to it.
    Private,
    Public,
    /// A name that cannot be resolved offline (or a WWID).
    Unresolved,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Dependency {
    pub kind: Kind,
    /// A host name or an IP address as the file gives it (a WWID for San).
    pub target: String,
    /// The port, when the file or the protocol's default says.
    pub port: Option<u16>,
    /// `path:line` of the declaring line.
    pub declared_in: String,
    /// The declaring line, trimmed and bounded, as captured (the probe
    /// scrubbed any secret on it).
    pub evidence: String,
    pub scope: Scope,
}

/// Most dependencies kept for one host; more are counted in a problem.
pub const MAX_DEPENDENCIES: usize = 5000;
/// Address literals kept from one file, and from all files.
const LITERALS_PER_FILE: usize = 50;
const LITERALS: usize = 500;
/// Longest evidence line kept, in characters.
const EVIDENCE: usize = 160;

/// Files whose every address literal in a private range is a dependency,
/// when no family above read them.
static LITERAL_SOURCES: &[&Source] = &[
    &src::IFUPDOWN,
    &src::IFCFG,
    &src::NETPLAN,
    &src::NETWORKD,
    &src::NM_CONNECTIONS,
    &src::IPTABLES_SAVED,
    &src::NFTABLES_CONF,
    &src::UPSTART_JOBS,
];

/// Every dependency the captured configuration declares, in a stable
/// order (kind, target, port, declared_in).
pub fn dependencies(f: &Facts, interfaces: Option<&[Interface]>) -> Vec<Dependency> {
    let mut place = Place::new(interfaces);
    let mut b = Builder {
        f,
        found: Vec::new(),
        read: BTreeSet::new(),
    };
    let hosts = src::ETC_HOSTS.path();
    let etc_hosts = f
        .bytes(&src::ETC_HOSTS)
        .and_then(|b| Some((f.parsed(&src::ETC_HOSTS, hosts, resolver::hosts(&b))?, b)));
    if let Some(((list, dropped), bytes)) = etc_hosts {
        let path = hosts;
        b.read.insert(path.to_string());
        let mut pins = Found {
            dropped,
            ..Found::default()
        };
        for p in list {
            for n in &p.names {
                place.pin(n, p.address);
            }
            pins.push(Declared::new(
                p.line,
                Kind::HostsPin,
                p.address.to_string(),
                None,
            ));
        }
        b.add(path, &bytes, pins);
    }
    b.rows(&src::RESOLV_CONF, resolver::resolv_conf);
    b.rows(&src::NTP_CONF, ntp::parse);
    b.rows(&src::CHRONY_CONF, ntp::parse);
    b.rows(&src::TIMESYNCD_CONF, ntp::timesyncd);
    b.rows(&src::SSSD_CONF, sssd::parse);
    b.rows(&src::LDAP_CONF, ldap::parse);
    b.rows(&src::KRB5_CONF, krb5::parse);
    b.rows(&src::SMB_CONF, samba::parse);
    b.rows(&src::RSYSLOG_CONF, syslog::rsyslog);
    b.rows(&src::SYSLOG_NG_CONF, syslog::syslog_ng);
    b.rows(&src::POSTFIX_MAIN_CF, mail::postfix);
    b.rows(&src::SSMTP_CONF, mail::ssmtp);
    b.rows(&src::MSMTPRC, mail::msmtp);
    b.rows(&src::APT_SOURCES, repos::apt);
    b.rows(&src::YUM_REPOS, repos::ini);
    b.rows(&src::ZABBIX_AGENT, agents::zabbix);
    b.rows(&src::NRPE_CFG, agents::nrpe);
    b.rows(&src::BACULA_FD, agents::bacula_fd);
    b.rows(&src::MULTIPATH_WWIDS, multipath::wwids);
    b.rows(&src::MULTIPATH_BINDINGS, multipath::bindings);
    b.rows(&src::MULTIPATH_CONF_WWIDS, multipath::conf);
    b.rows(&src::ENV_PROXY, |x| proxies(egress::env_proxies(x)));
    b.rows(&src::APT_PROXY, |x| proxies(egress::apt_proxies(x)));
    b.rows(&src::YUM_PROXY, |x| proxies(egress::yum_proxies(x)));
    b.rows(&src::FSTAB, fstab_mounts);
    b.rows(&src::CRONTAB, jobs::system_crontab);
    b.rows(&src::CRON_D, jobs::system_crontab);
    b.rows(&src::CRON_SPOOL, jobs::user_crontab);
    b.rows(&src::ANACRONTAB, jobs::anacrontab);
    b.rows(&src::EXPORTS, exports::clients);
    b.autofs();
    b.iscsi();
    b.literals(&place);

    let mut out: Vec<Dependency> = Vec::new();
    let mut seen_wwids = BTreeSet::new();
    for (path, evidence, d) in b.found {
        let scope = match place.seen(&d.target) {
            Seen::Local => continue,
            Seen::At(s) => s,
        };
        // One WWID named in wwids, bindings and multipath.conf is one LUN.
        if d.kind == Kind::San && !seen_wwids.insert(d.target.clone()) {
            continue;
        }
        out.push(Dependency {
            kind: d.kind,
            target: d.target,
            port: d.port,
            declared_in: format!("{path}:{}", d.line),
            evidence,
            scope,
        });
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_DEPENDENCIES {
        f.problem(
            "host.dependencies",
            format!(
                "{} dependencies declared; the first {MAX_DEPENDENCIES} are listed",
                out.len()
            ),
        );
        out.truncate(MAX_DEPENDENCIES);
    }
    out
}

struct Builder<'f, 's> {
    f: &'f Facts<'s>,
    /// (path, evidence, endpoint).
    found: Vec<(String, String, Declared)>,
    /// Paths a family read: the literal scan leaves them alone.
    read: BTreeSet<String>,
}

impl Builder<'_, '_> {
    /// Every file of a row, parsed.
    fn rows(&mut self, row: &'static Source, parse: impl Fn(&[u8]) -> Parsed<Found>) {
        for path in self.f.glob(row) {
            if let Some(bytes) = self.f.bytes_at(row, &path) {
                self.read.insert(path.clone());
                if let Some(found) = self.f.parsed(row, &path, parse(&bytes)) {
                    self.add(&path, &bytes, found);
                }
            }
        }
    }

    fn add(&mut self, path: &str, bytes: &[u8], found: Found) {
        if found.dropped > 0 {
            self.f.problem(
                path,
                format!(
                    "{} more endpoints past the first {} not listed",
                    found.dropped,
                    deps::MAX_PER_FILE
                ),
            );
        }
        let lines: BTreeSet<usize> = found.value.iter().map(|d| d.line).collect();
        let texts = evidence(bytes, &lines);
        for d in found.value {
            let e = texts
                .iter()
                .find(|(n, _)| *n == d.line)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            self.found.push((path.to_string(), e, d));
        }
    }

    /// autofs maps named by auto.master: NFS exports and CIFS shares.
    fn autofs(&mut self) {
        let Some(master) = self.f.bytes(&src::AUTO_MASTER) else {
            return;
        };
        let master = autofs::parse_master(&master).map(|p| p.value);
        for m in master.unwrap_or_default().into_iter().take(64) {
            let path = if m.map.starts_with('/') {
                m.map.clone()
            } else {
                src::AUTOFS_MAP.path().replace("auto.*", &m.map)
            };
            let Some(bytes) = self.f.bytes_at(&src::AUTOFS_MAP, &path) else {
                continue;
            };
            self.read.insert(path.clone());
            let mut found = Found::default();
            for e in autofs::parse_map(&bytes)
                .map(|p| p.value)
                .unwrap_or_default()
            {
                let hosts = e.location.split(":/").next().unwrap_or("");
                for h in hosts.split([',', ' ']) {
                    let h = h.split('(').next().unwrap_or(h);
                    found.push(Declared::new(e.line, Kind::Nfs, h, Some(2049)));
                }
            }
            for e in autofs::parse_shares(&bytes)
                .map(|p| p.value)
                .unwrap_or_default()
            {
                let host = e.location[3..].split('/').next().unwrap_or("");
                found.push(Declared::new(e.line, Kind::Cifs, host, Some(445)));
            }
            self.add(&path, &bytes, found);
        }
    }

    /// open-iscsi's node records, in both layouts.
    fn iscsi(&mut self) {
        for (i, base) in src::ISCSI_NODES.paths.iter().enumerate() {
            let Some(targets) = self.f.list_at(&src::ISCSI_NODES, base) else {
                continue;
            };
            for t in targets.iter().take(deps::MAX_PER_FILE) {
                let iqn = String::from_utf8_lossy(&t.name).into_owned();
                let dir = &src::ISCSI_PORTALS.all_at(&[&iqn])[i];
                for p in self.f.list_at(&src::ISCSI_PORTALS, dir).unwrap_or_default() {
                    let portal = String::from_utf8_lossy(&p.name).into_owned();
                    let record = &src::ISCSI_RECORD.all_at(&[&iqn, &portal])[i];
                    let flat = &src::ISCSI_RECORD_FLAT.all_at(&[&iqn, &portal])[i];
                    let (path, bytes) = match self.f.bytes_at(&src::ISCSI_RECORD, record) {
                        Some(b) => (record, b),
                        None => match self.f.bytes_at(&src::ISCSI_RECORD_FLAT, flat) {
                            Some(b) => (flat, b),
                            None => continue,
                        },
                    };
                    let mut found = iscsi::parse(&bytes).map(|p| p.value).unwrap_or_default();
                    // A record without its address: the directory names the portal.
                    if found.value.is_empty() {
                        if let Some((a, port)) = iscsi::portal(&portal) {
                            found.push(Declared::new(1, Kind::Iscsi, a, port.or(Some(3260))));
                        }
                    }
                    self.add(path, &bytes, found);
                }
            }
        }
    }

    /// Address literals in own subnets or private ranges, in files no
    /// family read.
    fn literals(&mut self, place: &Place) {
        let mut left = LITERALS;
        for row in LITERAL_SOURCES {
            for path in self.f.glob(row) {
                if left == 0 || self.read.contains(&path) {
                    continue;
                }
                let Some(bytes) = self.f.bytes_at(row, &path) else {
                    continue;
                };
                let mut found = Found::default();
                for (line, a) in literals::ipv4(&bytes, 4 * LITERALS_PER_FILE) {
                    if found.value.len() >= LITERALS_PER_FILE.min(left) {
                        break;
                    }
                    let a = std::net::IpAddr::V4(a);
                    if matches!(place.address(a), Seen::At(s) if s == Scope::OwnSubnet || s == Scope::Private)
                    {
                        found.push(Declared::new(line, Kind::Address, a.to_string(), None));
                    }
                }
                left -= found.value.len();
                self.add(&path, &bytes, found);
            }
        }
    }
}

/// The text of each wanted line, trimmed and bounded, credentials in URLs
/// masked (a directory tree read directly was never scrubbed).
fn evidence(bytes: &[u8], wanted: &BTreeSet<usize>) -> Vec<(usize, String)> {
    let Some(&last) = wanted.iter().next_back() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(wanted.len());
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate().take(last) {
        if wanted.contains(&(i + 1)) {
            let text: Cow<str> = String::from_utf8_lossy(line);
            let mut t: String = text.trim().chars().take(EVIDENCE).collect();
            if text.trim().chars().count() > EVIDENCE {
                t.push('…');
            }
            out.push((i + 1, mask_credentials(&t)));
        }
    }
    out
}

/// `scheme://user:password@host` becomes `scheme://<credentials>@host`.
fn mask_credentials(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let end = rest
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            out.push_str("<credentials>");
            rest = &rest[at..];
        }
    }
    out.push_str(rest);
    out
}

/// Proxy settings as endpoints.
fn proxies(list: Parsed<Vec<egress::Proxy>>) -> Parsed<Found> {
    let mut found = Found::default();
    for p in list?.value {
        let (host, port) = match url(&p.value) {
            Some(u) => (u.host, u.port),
            None => host_port(p.value.trim_end_matches('/')),
        };
        found.push(Declared::new(p.line, Kind::Proxy, host, port));
    }
    Ok(Partial::whole(found))
}

/// NFS and CIFS lines of /etc/fstab (its skipped lines are noted where
/// storage reads it).
fn fstab_mounts(bytes: &[u8]) -> Parsed<Found> {
    let mut found = Found::default();
    for e in fstab::parse(bytes).map(|p| p.value).unwrap_or_default() {
        let super::DeviceSpec::Network(dev) = &e.device else {
            continue;
        };
        let (kind, port) = match e.fs_type.as_str() {
            "nfs" | "nfs4" => (Kind::Nfs, 2049),
            "cifs" | "smbfs" | "smb3" => (Kind::Cifs, 445),
            _ => continue,
        };
        let host = match dev.strip_prefix("//") {
            Some(unc) => unc.split('/').next().unwrap_or(""),
            None if dev.starts_with('[') => dev[1..].split(']').next().unwrap_or(""),
            None => dev.split(":/").next().unwrap_or(""),
        };
        found.push(Declared::new(e.line, kind, host, Some(port)));
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{build, Host};
    use crate::snapshot::DirSnapshot;
    use crate::testing::{fixture, TempRoot};

    fn host_of(dir: &std::path::Path) -> Host {
        build(&DirSnapshot::new(dir))
    }

    fn find<'a>(h: &'a Host, kind: Kind, target: &str) -> &'a Dependency {
        h.dependencies
            .iter()
            .find(|d| d.kind == kind && d.target == target)
            .unwrap_or_else(|| panic!("no {kind:?} {target}: {:#?}", h.dependencies))
    }

    #[test]
    fn the_office_host_declares_every_family() {
        let h = host_of(&fixture("deps-office"));
        let nfs = find(&h, Kind::Nfs, "files.corp.lan");
        // Pinned in /etc/hosts to 10.1.2.40, inside eth0's 10.1.2.0/24.
        assert_eq!(nfs.scope, Scope::OwnSubnet);
        assert_eq!(nfs.port, Some(2049));
        assert_eq!(nfs.declared_in, "/etc/fstab:6");
        assert!(nfs.evidence.starts_with("files.corp.lan:/export/projects"));
        assert_eq!(find(&h, Kind::Cifs, "10.1.2.41").port, Some(445));
        assert!(h
            .dependencies
            .iter()
            .any(|d| d.kind == Kind::Cifs && d.declared_in == "/etc/auto.smb-shares:1"));
        let ldap = find(&h, Kind::Ldap, "10.20.0.10");
        assert_eq!((ldap.scope, ldap.port), (Scope::Private, Some(389)));
        assert_eq!(ldap.declared_in, "/etc/nslcd.conf:18");
        assert_eq!(find(&h, Kind::Iscsi, "10.1.5.20").port, Some(3260));
        assert_eq!(
            find(&h, Kind::Smtp, "smtp.corp.lan").scope,
            Scope::Unresolved
        );
        for (kind, target) in [
            (Kind::Dns, "10.1.2.2"),
            (Kind::DnsSearch, "corp.lan"),
            (Kind::Ntp, "ntp1.corp.lan"),
            (Kind::Kerberos, "kerberos.mit.edu"),
            (Kind::ActiveDirectory, "CORP.LAN"),
            (Kind::Syslog, "logs.corp.lan"),
            (Kind::San, "36e843b6a5d3f1e2d4c9bd4a1e9d0c8f1"),
            (Kind::Proxy, "proxy.corp.lan"),
            (Kind::Repository, "apt.corp.lan"),
            (Kind::Monitoring, "10.20.0.40"),
            (Kind::Backup, "office-app1-dir"),
            (Kind::Address, "10.1.2.1"),
        ] {
            find(&h, kind, target);
        }
        // Loopback servers (nrpe's 127.0.0.1, ::1) and the host's own
        // names are no dependencies; one WWID is one LUN.
        assert!(h
            .dependencies
            .iter()
            .all(|d| d.target != "127.0.0.1" && d.target != "::1"));
        assert_eq!(
            h.dependencies
                .iter()
                .filter(|d| d.kind == Kind::San)
                .count(),
            1
        );
        let mut sorted = h.dependencies.clone();
        sorted.sort();
        assert_eq!(sorted, h.dependencies);
    }

    #[test]
    fn credentials_in_urls_never_reach_the_evidence() {
        let root = TempRoot::with(&[(
            "etc/apt/sources.list",
            "deb https://apt:hunter2@apt.corp.lan/debian bookworm main\n",
        )]);
        let h = host_of(root.path());
        let d = find(&h, Kind::Repository, "apt.corp.lan");
        assert!(!d.evidence.contains("hunter2"), "{}", d.evidence);
        assert!(d.evidence.contains("https://<credentials>@apt.corp.lan"));
    }

    /// A million `server` lines make a thousand dependencies and a problem.
    #[test]
    fn a_hostile_file_is_capped_and_says_so() {
        let mut text = String::with_capacity(24_000_000);
        for i in 0..1_000_000u32 {
            let [_, a, b, c] = i.to_be_bytes();
            text.push_str(&format!("server 10.{a}.{b}.{c} iburst\n"));
        }
        let hosts: String = (0..2000u32)
            .map(|i| format!("10.9.{}.{} h{i}\n", i / 256, i % 256))
            .collect();
        let root = TempRoot::with(&[("etc/chrony.conf", text.as_str()), ("etc/hosts", &hosts)]);
        let h = host_of(root.path());
        let ntp = h
            .dependencies
            .iter()
            .filter(|d| d.kind == Kind::Ntp)
            .count();
        assert_eq!(ntp, deps::MAX_PER_FILE);
        assert!(
            h.problems
                .iter()
                .any(|p| p.path == "/etc/chrony.conf" && p.message.contains("999000 more")),
            "{:?}",
            h.problems
        );
        assert!(h
            .problems
            .iter()
            .any(|p| p.path == "/etc/hosts" && p.message.contains("1000 more")));
    }

    #[test]
    fn an_empty_root_declares_nothing() {
        assert!(host_of(TempRoot::new().path()).dependencies.is_empty());
    }

    /// The kinds sort in the JSON's order and serialize as their names.
    #[test]
    fn kinds_sort_and_serialize_by_their_names() {
        use Kind as P;
        let all = [
            P::Dns,
            P::DnsSearch,
            P::HostsPin,
            P::Ntp,
            P::Ldap,
            P::Kerberos,
            P::ActiveDirectory,
            P::Syslog,
            P::Smtp,
            P::Nfs,
            P::Cifs,
            P::Iscsi,
            P::San,
            P::Proxy,
            P::Repository,
            P::Monitoring,
            P::Backup,
            P::Address,
            P::Job,
            P::NfsClient,
        ];
        for w in all.windows(2) {
            assert!(w[0] < w[1]);
        }
        for k in all {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
    }
}
