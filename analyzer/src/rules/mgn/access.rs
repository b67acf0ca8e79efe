//! Installing and keeping the agent: root or full sudo rights to install
//! it, and MAC addresses that stay put (AWS MGN identifies a source server
//! by them; a changed MAC stops replication).

use crate::model::{Host, Nic};
use crate::rules::Identified;
use crate::rules::{Finding, Rule, Severity};
use crate::sources::{self, Missing, State};

pub struct Privileges;

impl Rule for Privileges {
    fn check(&self, host: &Host) -> Finding {
        let sudo = &host.sudo;
        // root's own line gives nobody else anything.
        let others: Vec<_> = sudo
            .full
            .iter()
            .filter(|g| g.principal != "root" && g.principal != "#0")
            .collect();
        let c = &host.collection;
        let mut f = if c.sosreport.is_some() {
            Finding::new(
                self.id(),
                Severity::Pass,
                "a sosreport: sos runs only as root, so root access to install the agent existed when it was made",
            )
        } else if c.as_root == Some(true) && c.scanned_root.is_none() {
            Finding::new(
                self.id(),
                Severity::Pass,
                "the probe ran as root, so root access to install the agent exists",
            )
        } else if !others.is_empty() {
            let mut who: Vec<&str> = others.iter().map(|g| g.principal.as_str()).collect();
            who.dedup();
            Finding::new(
                self.id(),
                Severity::Pass,
                format!("sudo gives full rights to {}", who.join(", ")),
            )
        } else if sudo.files.is_empty() && (c.scanned_root.is_some() || c.as_root.is_none()) {
            let how = match &c.scanned_root {
                Some(root) => format!("the probe read {root} from another machine (--root), so how it ran says nothing of access on the source"),
                None => format!("a {} read as it is: no probe ran on the source", c.kind),
            };
            Finding::new(
                self.id(),
                Severity::Unknown,
                format!("{how}, and sudo's rules could not be read"),
            )
            .lacking(host.sources.missing(&[&sources::SUDOERS]))
        } else if sudo.files.is_empty() {
            Finding::new(
                self.id(),
                Severity::Unknown,
                "the probe did not run as root and sudo's rules could not be read",
            )
            .lacking(host.sources.missing(&[&sources::SUDOERS]))
            .remediation("sudo ./lift-probe")
        } else {
            Finding::new(
                self.id(),
                Severity::Warning,
                "no user or group but root has full sudo rights: the installer must be run as root",
            )
            .fix(
                "sudo visudo -f /etc/sudoers.d/mgn-install",
                "add the line USER ALL=(ALL) ALL in it for the user who installs the agent, or run the installer as root",
            )
        };
        for g in sudo.full.iter().take(8) {
            f = f.evidence(format!("{}:{}", g.path, g.line), g.text.clone());
        }
        f
    }
}

pub struct MacStable;

/// Why this interface's MAC may not survive a reboot.
fn unstable(n: &Nic) -> Option<&'static str> {
    if n.bond_master {
        return Some("a bond: its MAC is taken from whichever slave is enslaved first");
    }
    // A locally administered address the device reports as its own (type 0)
    // comes from the hypervisor's configuration (QEMU's 52:54:00, Firecracker's
    // 02:fc): it stays unless the VM is reconfigured.
    match n.addr_assign_type {
        Some(1) => Some("random (addr_assign_type 1)"),
        Some(3) if n.locally_administered() => {
            Some("a locally administered address set by software (addr_assign_type 3)")
        }
        None if n.locally_administered() => {
            Some("locally administered, and this kernel does not say how it was assigned")
        }
        _ => None,
    }
}

impl Rule for MacStable {
    fn check(&self, host: &Host) -> Finding {
        let l = &host.links;
        let Some(nics) = &l.nics else {
            return Finding::unknown(self.id(), host, &[&sources::SYS_CLASS_NET]);
        };
        let relevant: Vec<&Nic> = nics
            .iter()
            .filter(|n| n.bond_master || (!n.virtual_device && n.link_type.is_none_or(|t| t == 1)))
            .filter(|n| n.name != "lo")
            .collect();
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for n in &relevant {
            let mac = n.mac.as_deref().unwrap_or("no address");
            let kind = n
                .addr_assign_type
                .map_or("addr_assign_type not recorded".into(), |t| {
                    format!("addr_assign_type {t}")
                });
            evidence.push((
                format!("/sys/class/net/{}", n.name),
                format!("{mac} ({kind})"),
            ));
            if let Some(why) = unstable(n) {
                problems.push(format!("{} {mac} is {why}", n.name));
            }
        }
        for c in &l.cloned_mac {
            if c.value == "random" || c.value == "stable" {
                problems.push(format!(
                    "NetworkManager sets cloned-mac-address={} ({}:{})",
                    c.value, c.path, c.line
                ));
                evidence.push((
                    format!("{}:{}", c.path, c.line),
                    format!("cloned-mac-address={}", c.value),
                ));
            }
        }
        let eth = relevant
            .iter()
            .filter(|n| n.name.starts_with("eth"))
            .count();
        if eth >= 2 && l.persistent_names.is_none() {
            problems.push(format!(
                "{eth} ethN interfaces and no /etc/udev/rules.d/70-persistent-net.rules: kernel names can swap between boots"
            ));
        }
        let mut f = if relevant.is_empty() {
            Finding::new(self.id(), Severity::Unknown, String::new()).lacking(vec![Missing {
                source: sources::SYS_CLASS_NET.path().into(),
                spec: sources::SYS_CLASS_NET.spec,
                state: State::Absent,
                detail: "no Ethernet interface is listed".into(),
            }])
        } else if problems.is_empty() {
            Finding::new(
                self.id(),
                Severity::Pass,
                format!(
                    "{} with a permanent MAC",
                    crate::rules::count(relevant.len(), "interface", "interfaces")
                ),
            )
        } else {
            Finding::new(self.id(), Severity::Warning, problems.join("; ")).remediation(
                "Pin each MAC: nmcli connection modify <connection> 802-3-ethernet.cloned-mac-address permanent (NetworkManager), or MACADDR=<mac> in ifcfg-<bond> / hwaddress ether <mac> in /etc/network/interfaces",
            )
        };
        for (p, e) in evidence {
            f = f.evidence(p, e);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{bundle_host, host_of};
    use super::*;
    use crate::testing::{fixture, TempRoot};

    #[test]
    fn privileges() {
        let c6 = host_of(&fixture("centos6-sysv"));
        let f = Privileges.check(&c6);
        assert_eq!(f.severity, Severity::Warning, "{}", f.detail);
        assert_eq!(f.evidence[0].path, "/etc/sudoers:98");
        let r = TempRoot::with(&[
            (
                "etc/sudoers",
                "root ALL=(ALL) ALL\n#includedir /etc/sudoers.d\n",
            ),
            (
                "etc/sudoers.d/90-cloud-init-users",
                "ec2-user ALL=(ALL) NOPASSWD:ALL\n",
            ),
        ]);
        let f = Privileges.check(&host_of(r.path()));
        assert_eq!(f.severity, Severity::Pass);
        assert_eq!(f.detail, "sudo gives full rights to ec2-user");
        let as_root = bundle_host(&TempRoot::new(), vec![]);
        assert_eq!(Privileges.check(&as_root).severity, Severity::Pass);
        let user = crate::model::build(&crate::testing::bundle(
            TempRoot::new().path(),
            vec![],
            false,
        ) as &dyn crate::snapshot::Snapshot);
        let f = Privileges.check(&user);
        assert_eq!(f.severity, Severity::Unknown);
        assert_eq!(f.missing.len(), 1, "{:?}", f.missing);
        assert_eq!(f.missing[0].source, "/etc/sudoers");
        assert_eq!(f.missing[0].state, State::Absent);
    }

    fn nic(r: &TempRoot, name: &str, mac: &str, assign: &str, device: &str) {
        r.write(
            &format!("sys/devices/{device}/net/{name}/address"),
            format!("{mac}\n").as_bytes(),
        );
        r.write(
            &format!("sys/devices/{device}/net/{name}/addr_assign_type"),
            format!("{assign}\n").as_bytes(),
        );
        r.write(&format!("sys/devices/{device}/net/{name}/type"), b"1\n");
        r.symlink(
            &format!("sys/class/net/{name}"),
            &format!("../../devices/{device}/net/{name}"),
        );
    }

    #[test]
    fn permanent_macs_pass() {
        let r = TempRoot::new();
        nic(
            &r,
            "eth0",
            "52:54:00:12:34:56",
            "0",
            "pci0000:00/0000:00:03.0/virtio0",
        );
        nic(&r, "docker0", "02:42:ac:11:00:01", "3", "virtual");
        let f = MacStable.check(&bundle_host(&r, vec![]));
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        assert_eq!(
            f.evidence[0].excerpt,
            "52:54:00:12:34:56 (addr_assign_type 0)"
        );
        nic(
            &r,
            "eth1",
            "52:54:00:9a:bc:de",
            "3",
            "pci0000:00/0000:00:04.0/virtio1",
        );
        let f = MacStable.check(&bundle_host(&r, vec![]));
        assert_eq!(f.severity, Severity::Warning, "{}", f.detail);
        assert!(
            f.detail.starts_with(
                "eth1 52:54:00:9a:bc:de is a locally administered address set by software"
            ),
            "{}",
            f.detail
        );
    }

    #[test]
    fn random_mac_and_networkmanager_cloned_mac() {
        let r = TempRoot::new();
        nic(
            &r,
            "ens3",
            "6a:1f:20:aa:bb:cc",
            "1",
            "pci0000:00/0000:00:03.0/virtio0",
        );
        r.write(
            "etc/NetworkManager/conf.d/30-mac-randomization.conf",
            b"[connection-mac-randomization]\nethernet.cloned-mac-address=random\nwifi.cloned-mac-address=stable\n",
        );
        let f = MacStable.check(&bundle_host(&r, vec![]));
        f.assert_opens(
            Severity::Warning,
            "ens3 6a:1f:20:aa:bb:cc is random (addr_assign_type 1)",
        );
        f.assert_detail(
            "cloned-mac-address=random (/etc/NetworkManager/conf.d/30-mac-randomization.conf:2)",
        );
    }

    #[test]
    fn bond_and_unpinned_eth_names() {
        let r = TempRoot::new();
        nic(
            &r,
            "eth0",
            "52:54:00:00:00:01",
            "0",
            "pci0000:00/0000:00:03.0/virtio0",
        );
        nic(
            &r,
            "eth1",
            "52:54:00:00:00:02",
            "0",
            "pci0000:00/0000:00:04.0/virtio1",
        );
        nic(&r, "bond0", "52:54:00:00:00:01", "3", "virtual");
        r.write(
            "sys/devices/virtual/net/bond0/bonding/mode",
            b"active-backup 1\n",
        );
        let f = MacStable.check(&bundle_host(&r, vec![]));
        f.assert_says(Severity::Warning, "bond0 52:54:00:00:00:01 is a bond");
        f.assert_detail("2 ethN interfaces and no /etc/udev/rules.d/70-persistent-net.rules");
        assert_eq!(
            MacStable.check(&host_of(&fixture("centos6-sysv"))).severity,
            Severity::Unknown
        );
    }
}
