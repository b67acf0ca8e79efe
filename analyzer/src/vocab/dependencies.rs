//! The kinds of service a host depends on (`host.dependencies[].kind`).

use serde::Serialize;

/// What kind of service the host expects at a target: what the parsers of
/// parse/deps/ find and the Host keeps. The order is the JSON's
/// (dependencies sort by kind first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// A host a scheduled job's command reaches (rsync, scp, ssh, a URL).
    Job,
    /// A client this host exports to over NFS (/etc/exports): it depends
    /// on this host, so the two move together.
    NfsClient,
}

impl Kind {
    /// The name the JSON and the reports use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dns => "dns",
            Kind::DnsSearch => "dns-search",
            Kind::HostsPin => "hosts-pin",
            Kind::Ntp => "ntp",
            Kind::Ldap => "ldap",
            Kind::Kerberos => "kerberos",
            Kind::ActiveDirectory => "active-directory",
            Kind::Syslog => "syslog",
            Kind::Smtp => "smtp",
            Kind::Nfs => "nfs",
            Kind::Cifs => "cifs",
            Kind::Iscsi => "iscsi",
            Kind::San => "san",
            Kind::Proxy => "proxy",
            Kind::Repository => "repository",
            Kind::Monitoring => "monitoring",
            Kind::Backup => "backup",
            Kind::Address => "address",
            Kind::Job => "job",
            Kind::NfsClient => "nfs-client",
        }
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
