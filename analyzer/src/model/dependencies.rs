//! What the host declares it needs from the network it leaves: resolvers,
//! time and identity servers, log and mail relays, network storage,
//! proxies, package mirrors, agents' servers and address literals, each
//! read from a configuration file and its line (issue 16; DESIGN.md
//! `host.dependencies[]`). The connections captured at probe time show what
//! was talking then; these show what the configuration will reach for, even
//! once a night or only on failover.

use serde::Serialize;

use super::facts::Facts;
use super::interfaces::Interface;

/// What kind of service the host expects at `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// resolv.conf `nameserver`.
    Dns,
    /// resolv.conf `search`/`domain`: names that resolve only inside.
    DnsSearch,
    /// An /etc/hosts line pinning a name to an address.
    HostsPin,
    Ntp,
    Ldap,
    Kerberos,
    /// winbind / Samba's Active Directory realm or password server.
    ActiveDirectory,
    Syslog,
    Smtp,
    Nfs,
    Cifs,
    Iscsi,
    /// A multipath WWID: a SAN LUN the target will not see.
    San,
    Proxy,
    Repository,
    Monitoring,
    Backup,
    /// An address literal in an /etc file, outside any family above.
    Address,
}

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

/// Every dependency the captured configuration declares, in a stable
/// order (kind, target, port, declared_in).
pub fn dependencies(_f: &Facts, _interfaces: Option<&[Interface]>) -> Vec<Dependency> {
    Vec::new()
}
