//! The drivers a migrated kernel boots with: each cloud's machine families
//! need their own disk and network drivers (`profile::DRIVER_FAMILIES`), built
//! in or as modules. A kernel that has one family's drivers but not the
//! family new instances use is a warning; one with no family's is a blocker.

use crate::model::{DriverState, Drivers as KernelDrivers, Host};
use crate::profile::{DriverFamily, Profile, Target};
use crate::rules::Identified;
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

pub struct Drivers;

/// What the kernel lacks of one family: the alternatives with no driver,
/// and those that cannot be told.
struct Gap<'f> {
    family: &'f DriverFamily,
    missing: Vec<String>,
    unknown: Vec<String>,
}

fn gap<'f>(d: &KernelDrivers, family: &'f DriverFamily) -> Gap<'f> {
    let mut g = Gap {
        family,
        missing: Vec::new(),
        unknown: Vec::new(),
    };
    for alternatives in family.needs {
        let states: Vec<DriverState> = alternatives.iter().map(|n| d.state(n)).collect();
        if states
            .iter()
            .any(|s| matches!(s, DriverState::Builtin | DriverState::Module))
        {
            continue;
        }
        let name = alternatives.join(" or ");
        if states.contains(&DriverState::Unknown) {
            g.unknown.push(name);
        } else {
            g.missing.push(name);
        }
    }
    g
}

impl Rule for Drivers {
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }
    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        if host.boot.no_kernel().is_some() {
            return Finding::new(
                self.id(),
                Severity::Info,
                "no kernel is installed, so no drivers to check (see cloud.bootloader: not a bootable server)",
            );
        }
        let d = &host.drivers;
        let release = d.release.clone().unwrap_or_else(|| "(unknown)".into());
        let gaps: Vec<Gap> = target.driver_families().map(|f| gap(d, f)).collect();
        let complete = |g: &&Gap| g.missing.is_empty() && g.unknown.is_empty();
        let line = |g: &Gap| {
            if complete(&g) {
                format!("{}: all present", g.family.name)
            } else if g.missing.is_empty() {
                format!("{}: cannot tell {}", g.family.name, g.unknown.join(", "))
            } else {
                format!("{}: lacks {}", g.family.name, g.missing.join(", "))
            }
        };
        let summary = gaps.iter().map(line).collect::<Vec<_>>().join("; ");
        // Per cloud: ready with its current family, usable with another,
        // or not at all.
        let mut worst = Severity::Pass;
        for cloud in target.profile.clouds() {
            let mine: Vec<&Gap> = gaps.iter().filter(|g| g.family.cloud == *cloud).collect();
            let verdict = if mine.iter().any(|g| g.family.current && complete(g)) {
                Severity::Pass
            } else if mine.iter().any(complete) {
                Severity::Warning
            } else if mine.iter().any(|g| g.missing.is_empty()) {
                Severity::Unknown
            } else {
                Severity::Blocker
            };
            worst = worst.min(verdict);
        }
        let detail = format!("kernel {release}: {summary}");
        match worst {
            Severity::Blocker => Finding::new(self.id(), Severity::Blocker, detail)
                .evidence(sources::MODULES_DEP.at(&[&release]), summary.clone())
                .remediation("Install a kernel that ships these drivers (and rebuild the initramfs) before the move."),
            Severity::Warning => Finding::new(self.id(), Severity::Warning, detail)
                .evidence(sources::MODULES_DEP.at(&[&release]), summary.clone())
                .remediation("The kernel boots only on the older machine family: choose such an instance type, or install a kernel with the current family's drivers."),
            Severity::Unknown => {
                let lacking: &[&sources::Source] = if d.release.is_none() {
                    &[&sources::UNAME, &sources::KERNEL_OSRELEASE, &sources::PROC_VERSION]
                } else {
                    &[&sources::MODULES_BUILTIN, &sources::MODULES_DEP]
                };
                Finding::new(self.id(), Severity::Unknown, detail)
                    .lacking(host.sources.missing(lacking))
            }
            _ => Finding::new(self.id(), Severity::Pass, detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{host_of, root_with};
    use super::*;
    use crate::testing::fixture;

    const REL: &str = "6.1.0-18-amd64";

    fn kernel_with(builtin: &str, dep: &str) -> Host {
        let r = root_with(
            "debian12-systemd",
            &[
                ("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n"),
                (&format!("lib/modules/{REL}/modules.builtin"), builtin),
                (&format!("lib/modules/{REL}/modules.dep"), dep),
            ],
        );
        host_of(r.path())
    }

    fn sev(h: &Host, p: Profile) -> Severity {
        Drivers.check_for(h, &Target::new(p)).severity
    }

    #[test]
    fn each_family_with_what_it_lacks() {
        // virtio_blk built in, virtio_net and nvme modules: no virtio_scsi is
        // needed beside virtio_blk; EC2 lacks ena.
        let h = kernel_with(
            "kernel/drivers/block/virtio_blk.ko\n",
            "kernel/drivers/net/virtio_net.ko.xz: kernel/net/core/failover.ko.xz\nkernel/drivers/nvme/host/nvme.ko.xz:\n",
        );
        assert_eq!(h.kernel.release.as_deref(), Some(REL));
        assert_eq!(sev(&h, Profile::Openstack), Severity::Pass);
        let f = Drivers.check_for(&h, &Target::new(Profile::Ec2));
        f.assert_says(Severity::Blocker, "EC2 Nitro: lacks ena");
        f.assert_detail("EC2 Xen: lacks xen_blkfront, xen_netfront");
        assert_eq!(sev(&h, Profile::Azure), Severity::Blocker);
    }

    #[test]
    fn xen_only_kernel_is_a_warning_on_ec2() {
        let h = kernel_with(
            "kernel/drivers/block/xen-blkfront.ko\nkernel/drivers/net/xen-netfront.ko\n",
            "",
        );
        let f = Drivers.check_for(&h, &Target::new(Profile::Ec2));
        f.assert_says(Severity::Warning, "EC2 Xen: all present");
        let both = kernel_with(
            "kernel/drivers/block/xen-blkfront.ko\nkernel/drivers/net/xen-netfront.ko\n",
            "kernel/drivers/net/ethernet/amazon/ena/ena.ko:\nkernel/drivers/nvme/host/nvme.ko:\n",
        );
        assert_eq!(sev(&both, Profile::Ec2), Severity::Pass);
    }

    #[test]
    fn virtio_scsi_alone_serves_openstack_and_nothing_known_is_unknown() {
        let h = kernel_with(
            "",
            "kernel/drivers/scsi/virtio_scsi.ko:\nkernel/drivers/net/virtio_net.ko:\n",
        );
        assert_eq!(sev(&h, Profile::Openstack), Severity::Pass);
        // debian12-systemd has no /lib/modules at all.
        let h = host_of(&fixture("debian12-systemd"));
        let f = Drivers.check_for(&h, &Target::new(Profile::Azure));
        assert_eq!(f.severity, Severity::Unknown);
        assert!(!f.missing.is_empty());
    }
}
