//! What the migration itself changes on the target (packages it adds,
//! service states it sets, files it rewrites) and the drivers the target
//! boots from.

use super::CLOUDS;
use crate::model::{DriverState, Host, Service};
use crate::profile::{Profile, Target, NETWORK_SERVICES};
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

pub struct InjectedPackages;

impl Rule for InjectedPackages {
    fn id(&self) -> &'static str {
        "cloud.injected-packages"
    }
    fn profiles(&self) -> &'static [Profile] {
        CLOUDS
    }
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }
    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let Some(pkgs) = host.packages.as_ref() else {
            return Finding::unknown(self.id(), host, sources::PACKAGE_DATABASES);
        };
        let added = target.packages_added(
            |n| pkgs.named(n).is_some(),
            host.virtualization.kind == "xen-pv",
        );
        if added.is_empty() {
            return Finding::new(self.id(), Severity::Pass, "the migration adds no packages");
        }
        Finding::new(
            self.id(),
            Severity::Info,
            format!("the migration adds: {}", added.join("; ")),
        )
    }
}

fn find<'h>(services: &'h [Service], name: &str) -> Option<&'h Service> {
    services.iter().find(|s| s.name == name)
}

pub struct ServiceChanges;

impl Rule for ServiceChanges {
    fn id(&self) -> &'static str {
        "cloud.service-changes"
    }
    fn profiles(&self) -> &'static [Profile] {
        CLOUDS
    }
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }
    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let Some(services) = host.services.as_deref() else {
            return Finding::new(
                self.id(),
                Severity::Unknown,
                "no init system's services were captured",
            )
            .lacking(host.sources.missing(&[
                &sources::SYSTEMD_VENDOR_DIRS,
                &sources::INIT_SCRIPTS,
                &sources::UPSTART_JOBS,
            ]));
        };
        let mut sets: Vec<(&Service, bool)> = Vec::new();
        for setting in target.service_settings() {
            sets.extend(
                setting
                    .names
                    .iter()
                    .filter_map(|n| find(services, n))
                    .map(|s| (s, setting.enabled)),
            );
        }
        let net = NETWORK_SERVICES.iter().find_map(|n| find(services, n));
        sets.extend(net.map(|s| (s, true)));
        let changes: Vec<String> = sets
            .iter()
            .filter(|(s, enable)| s.enabled != Some(*enable))
            .map(|(s, enable)| {
                let now = match s.enabled {
                    Some(true) => "enabled",
                    Some(false) => "disabled",
                    None => "not started at boot by itself",
                };
                let to = if *enable { "enabled" } else { "disabled" };
                format!(
                    "{} ({}): {now} -> {to}",
                    s.name,
                    serde_json::to_value(s.init)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                )
            })
            .collect();
        if changes.is_empty() {
            return Finding::new(
                self.id(),
                Severity::Pass,
                "every service the migration sets is already in that state",
            );
        }
        let firewall = if target.firewall {
            "iptables and ip6tables are kept: a firewall was requested"
        } else {
            "iptables and ip6tables are disabled because no firewall was requested (--firewall keeps them)"
        };
        let mut f = Finding::new(
            self.id(),
            Severity::Info,
            format!("the migration changes: {} ({firewall})", changes.join("; ")),
        );
        for (s, _) in sets.iter().filter(|(s, e)| s.enabled != Some(*e)) {
            if let Some(u) = &s.unit_file {
                f = f.evidence(u.clone(), s.name.clone());
            }
        }
        f
    }
}

pub struct Drivers;

impl Rule for Drivers {
    fn id(&self) -> &'static str {
        "cloud.drivers"
    }
    fn profiles(&self) -> &'static [Profile] {
        CLOUDS
    }
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }
    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let mut needed: Vec<&str> = Vec::new();
        for cloud in target.profile.clouds() {
            needed.extend(match cloud {
                Profile::Ec2 => &["ena", "nvme"][..],
                Profile::Azure => &["hv_vmbus", "hv_storvsc", "hv_netvsc"][..],
                Profile::Openstack => &["virtio_blk", "virtio_net", "virtio_scsi"][..],
                _ => &[][..],
            });
        }
        let d = &host.drivers;
        let release = d.release.clone().unwrap_or_else(|| "(unknown)".into());
        let by = |want: DriverState| -> Vec<&str> {
            needed
                .iter()
                .copied()
                .filter(|n| d.state(n) == want)
                .collect()
        };
        let (missing, unknown) = (by(DriverState::Missing), by(DriverState::Unknown));
        if !missing.is_empty() {
            return Finding::new(
                self.id(),
                Severity::Blocker,
                format!("kernel {release} has neither a module nor a built-in driver for: {}", missing.join(", ")),
            )
            .evidence(format!("/lib/modules/{release}/modules.dep"), missing.join(" "))
            .remediation("Install a kernel that ships these drivers (and rebuild the initramfs) before the move.");
        }
        if !unknown.is_empty() {
            let lacking: &[&sources::Source] = if d.release.is_none() {
                &[
                    &sources::UNAME,
                    &sources::KERNEL_OSRELEASE,
                    &sources::PROC_VERSION,
                ]
            } else {
                &[&sources::MODULES_BUILTIN, &sources::MODULES_DEP]
            };
            return Finding::new(
                self.id(),
                Severity::Unknown,
                format!("{} cannot be checked", unknown.join(", ")),
            )
            .lacking(host.sources.missing(lacking));
        }
        Finding::new(
            self.id(),
            Severity::Pass,
            format!("kernel {release} has {}", needed.join(", ")),
        )
    }
}

pub struct Adjtime;

impl Rule for Adjtime {
    fn id(&self) -> &'static str {
        "cloud.adjtime"
    }
    fn profiles(&self) -> &'static [Profile] {
        CLOUDS
    }
    fn check(&self, _host: &Host) -> Finding {
        Finding::new(
            self.id(),
            Severity::Info,
            "/etc/adjtime is rewritten on the target's clock: a diff will show it changed",
        )
    }
}

pub struct BootRewrite;

impl Rule for BootRewrite {
    fn id(&self) -> &'static str {
        "cloud.boot-rewrite"
    }
    fn profiles(&self) -> &'static [Profile] {
        CLOUDS
    }
    fn check(&self, host: &Host) -> Finding {
        Finding::new(
            self.id(),
            Severity::Info,
            format!(
                "the migration rewrites the boot loader configuration ({} here) and rebuilds the initramfs with the target's drivers",
                host.boot.loader
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{host_of, root_with};
    use super::*;
    use crate::testing::fixture;

    #[test]
    fn injected_packages_by_profile() {
        let h = host_of(&fixture("debian12-systemd"));
        let f = InjectedPackages.check_for(&h, &Target::new(Profile::Openstack));
        assert_eq!(f.severity, Severity::Info);
        assert!(f.detail.contains("cloud-init") && !f.detail.contains("walinuxagent"));
        assert_eq!(
            InjectedPackages
                .check_for(&h, &Target::new(Profile::Ec2))
                .severity,
            Severity::Pass
        );
        assert!(InjectedPackages.check(&h).detail.contains("walinuxagent"));
    }

    /// Names as the server calls them: `ssh` on Debian, `sshd` on CentOS 6.
    #[test]
    fn service_changes_use_this_servers_names() {
        let h = host_of(&fixture("centos6-sysv"));
        let f = ServiceChanges.check_for(&h, &Target::new(Profile::Ec2));
        assert_ne!(f.severity, Severity::Unknown, "{}", f.detail);
        assert!(
            f.detail.contains("iptables (sysv): enabled -> disabled"),
            "{}",
            f.detail
        );
        assert!(!f.detail.contains("ssh:"), "{}", f.detail);
        let h = host_of(&fixture("debian12-systemd"));
        let f = ServiceChanges.check_for(&h, &Target::new(Profile::Azure));
        assert!(!f.detail.contains("sshd"), "{}", f.detail);
    }

    /// `--firewall`: iptables and ip6tables are left as they are.
    #[test]
    fn a_requested_firewall_keeps_iptables() {
        let h = host_of(&fixture("centos6-sysv"));
        let keep = Target {
            profile: Profile::Ec2,
            firewall: true,
        };
        let f = ServiceChanges.check_for(&h, &keep);
        // CentOS 6's sshd is already enabled: with iptables kept, nothing changes.
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        assert!(!f.detail.contains("iptables"), "{}", f.detail);
    }

    #[test]
    fn drivers_builtin_module_missing_unknown() {
        let rel = "6.1.0-18-amd64";
        let r = root_with(
            "debian12-systemd",
            &[
                ("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n"),
                (&format!("lib/modules/{rel}/modules.builtin"), "kernel/drivers/block/virtio_blk.ko\n"),
                (&format!("lib/modules/{rel}/modules.dep"), "kernel/drivers/net/virtio_net.ko.xz: kernel/net/core/failover.ko.xz\nkernel/drivers/scsi/virtio_scsi.ko.xz:\nkernel/drivers/nvme/host/nvme.ko.xz:\n"),
            ],
        );
        let h = host_of(r.path());
        assert_eq!(h.kernel.release.as_deref(), Some(rel));
        assert_eq!(
            Drivers
                .check_for(&h, &Target::new(Profile::Openstack))
                .severity,
            Severity::Pass
        );
        let f = Drivers.check_for(&h, &Target::new(Profile::Ec2));
        assert_eq!(f.severity, Severity::Blocker);
        assert!(f.detail.ends_with("ena"), "{}", f.detail);
        // debian12-systemd has no /lib/modules at all.
        let h = host_of(&fixture("debian12-systemd"));
        assert_eq!(
            Drivers.check_for(&h, &Target::new(Profile::Azure)).severity,
            Severity::Unknown
        );
    }
}
