//! Addressing and network mounts: a static address is kept on the target,
//! a DHCP one is renewed, and NFS mounts are dropped.

use crate::model::{ConfigKind, Host, Interface};
use crate::rules::Identified;
use crate::rules::{Finding, Rule, RuleId, Severity};
use crate::sources::{self, Source};

/// Where addressing comes from: the live addresses and every configuration
/// format.
const ADDRESSING: &[&Source] = &[
    &sources::IFADDRS,
    &sources::SYS_CLASS_NET,
    &sources::IFUPDOWN,
    &sources::IFCFG,
    &sources::NETPLAN,
    &sources::NM_CONNECTIONS,
    &sources::NETWORKD,
];

/// A check of the interfaces configured one way: unknown without the
/// interfaces, a pass saying `none` when no interface is, else a finding
/// of `severity` listing them after `these`, with each as evidence and
/// `fix` as its remediation.
fn addressing(
    host: &Host,
    id: RuleId,
    kind: ConfigKind,
    none: &str,
    (severity, these, fix): (Severity, &str, Option<&str>),
) -> Finding {
    let Some(interfaces) = &host.interfaces else {
        return Finding::unknown(id, host, ADDRESSING);
    };
    let list: Vec<&Interface> = interfaces.iter().filter(|i| i.config == kind).collect();
    if list.is_empty() {
        return Finding::new(id, Severity::Pass, none);
    }
    let all: Vec<String> = list.iter().map(|i| describe(i)).collect();
    let mut f = Finding::new(id, severity, format!("{these}: {}", all.join("; ")));
    f.remediation = fix.map(str::to_string);
    for (i, shown) in list.iter().zip(all) {
        f = f.evidence(i.config_source.clone().unwrap_or_default(), shown);
    }
    f
}

fn describe(i: &Interface) -> String {
    let addrs = if i.configured_addresses.is_empty() {
        &i.addresses
    } else {
        &i.configured_addresses
    };
    let mut s = i.name.clone();
    if !addrs.is_empty() {
        s.push_str(&format!(" ({})", addrs.join(", ")));
    }
    if !i.not_live.is_empty() {
        s.push_str(&format!(
            " [configured but not live: {}]",
            i.not_live.join(", ")
        ));
    }
    s
}

pub struct StaticIp;

impl Rule for StaticIp {
    fn check(&self, host: &Host) -> Finding {
        addressing(
            host,
            self.id(),
            ConfigKind::Static,
            "no interface has a static address",
            (
                Severity::Warning,
                "static addresses are kept on the target and must fit its subnet",
                Some("Plan the target subnet to hold these addresses, or switch the interfaces to DHCP before the move."),
            ),
        )
    }
}

pub struct DhcpIp;

impl Rule for DhcpIp {
    fn check(&self, host: &Host) -> Finding {
        addressing(
            host,
            self.id(),
            ConfigKind::Dhcp,
            "no interface takes its address by DHCP",
            (
                Severity::Info,
                "these interfaces get new addresses on the target, and /etc/hosts entries naming the old ones will be wrong",
                None,
            ),
        )
    }
}

pub struct NfsFstab;

impl Rule for NfsFstab {
    fn check(&self, host: &Host) -> Finding {
        if host.fstab.entries.is_none() {
            return Finding::unknown(self.id(), host, &[&sources::FSTAB]);
        }
        let nfs = &host.fstab.nfs;
        if nfs.is_empty() {
            return Finding::new(
                self.id(),
                Severity::Pass,
                "no NFS mounts in /etc/fstab or autofs maps",
            );
        }
        let mut f = Finding::new(
            self.id(),
            Severity::Warning,
            format!(
                "{} dropped on the target; whatever reads {} must be pointed at storage the target can reach",
                match nfs.len() {
                    1 => "1 NFS mount is".to_string(),
                    n => format!("{n} NFS mounts are"),
                },
                nfs.iter().map(|m| m.mount_point.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
        .remediation("Recreate the mounts on the target against a reachable NFS server (or EFS, Azure Files, Manila).");
        for m in nfs {
            f = f.evidence(
                m.source.clone(),
                format!("{} {} {}", m.location, m.mount_point, m.fs_type),
            );
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{host_of, root_with};
    use super::*;
    use crate::testing::fixture;

    #[test]
    fn static_and_dhcp_from_real_roots() {
        let h = host_of(&fixture("netconf/ifupdown/static"));
        let f = StaticIp.check(&h);
        f.assert_says(Severity::Warning, "ens3 (192.0.2.10/24)");
        assert_eq!(DhcpIp.check(&h).severity, Severity::Pass);
        // debian12-systemd: eth0 by DHCP (debian-installer's interfaces).
        let h = host_of(&fixture("debian12-systemd"));
        assert_eq!(StaticIp.check(&h).severity, Severity::Pass);
        let f = DhcpIp.check(&h);
        assert_eq!(f.severity, Severity::Info);
        assert!(f.detail.contains("eth0"));
    }

    #[test]
    fn nfs_in_fstab_and_autofs() {
        let r = root_with(
            "debian12-systemd",
            &[
                ("etc/fstab", "/dev/vda1 / ext4 defaults 0 1\nnfs1:/export/data /data nfs4 defaults,_netdev 0 0\n"),
                ("etc/auto.master", "/home /etc/auto.home\n"),
                ("etc/auto.home", "*  -fstype=nfs4,rw  nfs1:/export/home/&\n"),
            ],
        );
        let f = NfsFstab.check(&host_of(r.path()));
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.evidence.len(), 2);
        assert_eq!(f.evidence[0].path, "/etc/fstab:2");
        assert_eq!(f.evidence[1].path, "/etc/auto.home:1");
        let h = host_of(&fixture("netconf/ifupdown/static"));
        assert_eq!(NfsFstab.check(&h).severity, Severity::Unknown);
    }
}
