//! What the migration itself changes on the target (packages it adds,
//! service states it sets, files it rewrites) and the drivers the target
//! boots from.

use crate::model::{Host, Service};
use crate::profile::{Profile, Target, NETWORK_SERVICES};
use crate::rules::Identified;
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

pub struct InjectedPackages;

impl Rule for InjectedPackages {
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }
    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let Some(pkgs) = host.packages.as_ref() else {
            return Finding::unknown(self.id(), host, sources::PACKAGE_DATABASES);
        };
        let added = target.packages_added(
            |n| pkgs.named(n).is_some(),
            host.virtualization.kind == crate::model::VirtKind::XenPv,
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
        for (setting, enabled) in target.service_settings() {
            sets.extend(
                setting
                    .names
                    .iter()
                    .filter_map(|n| find(services, n))
                    .map(|s| (s, enabled)),
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
            "iptables and ip6tables are enabled: a firewall was requested"
        } else {
            "iptables and ip6tables are disabled because no firewall was requested (--firewall enables them)"
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

pub struct Adjtime;

impl Rule for Adjtime {
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
        f.assert_detail("iptables (sysv): enabled -> disabled");
        assert!(!f.detail.contains("ssh:"), "{}", f.detail);
        let h = host_of(&fixture("debian12-systemd"));
        let f = ServiceChanges.check_for(&h, &Target::new(Profile::Azure));
        assert!(!f.detail.contains("sshd"), "{}", f.detail);
    }

    /// `--firewall`: the migration enables iptables and ip6tables.
    #[test]
    fn a_requested_firewall_enables_iptables() {
        let h = host_of(&fixture("centos6-sysv"));
        let firewall = Target {
            firewall: true,
            ..Target::new(Profile::Ec2)
        };
        // CentOS 6's sshd and iptables are already enabled: nothing changes.
        let f = ServiceChanges.check_for(&h, &firewall);
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        // The same host with iptables off: the migration turns it on.
        let r = root_with("centos6-sysv", &[]);
        for level in 0..=6 {
            let dir = r.path().join(format!("etc/rc.d/rc{level}.d"));
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if let Some(rest) = name.strip_prefix('S').filter(|n| n.ends_with("iptables")) {
                        std::fs::rename(e.path(), dir.join(format!("K{rest}"))).unwrap();
                    }
                }
            }
        }
        let off = host_of(r.path());
        let f = ServiceChanges.check_for(&off, &firewall);
        f.assert_detail("iptables (sysv): disabled -> enabled");
        let f = ServiceChanges.check_for(&off, &Target::new(Profile::Ec2));
        assert!(!f.detail.contains("iptables (sysv)"), "{}", f.detail);
    }
}
