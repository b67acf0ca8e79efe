//! What a report is for: the target profile, the analyst's choices
//! (`Target`), the checks each profile requires before it can call a host
//! ready, and the one table of what a blackbox migration to a cloud changes
//! on the server (services, packages). `rules::cloud` turns that table into
//! findings, and `diff` uses it to tell expected changes from unexpected
//! ones, so the knowledge is written once.

use crate::rules::RuleId;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    Generic,
    AwsMgn,
    Ec2,
    Openstack,
    Azure,
}

/// The clouds a blackbox migration moves to.
pub const CLOUDS: &[Profile] = &[Profile::Ec2, Profile::Openstack, Profile::Azure];

/// Every profile: a rule's profiles when it belongs to all of them.
pub const EVERY: &[Profile] = &[];

/// AWS MGN alone.
pub const MGN: &[Profile] = &[Profile::AwsMgn];

/// Every target that moves the host (the clouds and AWS MGN): all but
/// generic.
pub const MOVES: &[Profile] = &[
    Profile::AwsMgn,
    Profile::Ec2,
    Profile::Openstack,
    Profile::Azure,
];

/// Checks every profile requires: without a package inventory nothing else
/// about the host can be trusted to be complete.
const UNIVERSAL: &[RuleId] = &[RuleId::GenPackages];

const MGN_REQUIRED: &[RuleId] = &[
    RuleId::GenPackages,
    RuleId::MgnOsSupported,
    RuleId::MgnRootFreeSpace,
    RuleId::MgnTmpFreeSpace,
    RuleId::MgnTmpWritable,
    RuleId::MgnTmpExec,
    RuleId::MgnFreeRam,
    RuleId::MgnPython,
    RuleId::MgnBootloader,
    RuleId::MgnDhclient,
    RuleId::MgnKernelHeaders,
    RuleId::MgnNotParavirtualized,
];

/// A blackbox migration rewrites the boot loader's configuration and
/// boots the kernel on the cloud's disk and network devices.
const CLOUD_REQUIRED: &[RuleId] = &[
    RuleId::GenPackages,
    RuleId::CloudBootloader,
    RuleId::CloudDrivers,
];

impl Profile {
    pub const ALL: &'static [Profile] = &[
        Profile::Generic,
        Profile::AwsMgn,
        Profile::Ec2,
        Profile::Openstack,
        Profile::Azure,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Generic => "generic",
            Profile::AwsMgn => "aws-mgn",
            Profile::Ec2 => "ec2",
            Profile::Openstack => "openstack",
            Profile::Azure => "azure",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL.iter().copied().find(|p| p.name() == s)
    }

    /// A blackbox migration (ec2, openstack, azure): the image is converted
    /// and its boot, drivers and services rewritten (UForge's list). AWS MGN
    /// replicates the disks as they are.
    pub fn is_blackbox(self) -> bool {
        CLOUDS.contains(&self)
    }

    /// The host leaves its network for a cloud (every target but
    /// generic): addresses change, and what it reaches on premises must be
    /// reachable from there.
    pub fn moves_to_a_cloud(self) -> bool {
        self == Profile::AwsMgn || self.is_blackbox()
    }

    /// The clouds a finding speaks for: this one, or all of them when the
    /// profile is not a cloud (a rule checked outside a cloud profile).
    pub fn clouds(self) -> &'static [Profile] {
        match self {
            Profile::Ec2 => &[Profile::Ec2],
            Profile::Openstack => &[Profile::Openstack],
            Profile::Azure => &[Profile::Azure],
            _ => CLOUDS,
        }
    }

    /// The checks whose `unknown` makes the readiness `unknown`.
    pub fn required(self) -> &'static [RuleId] {
        match self {
            Profile::Generic => UNIVERSAL,
            Profile::AwsMgn => MGN_REQUIRED,
            Profile::Ec2 | Profile::Openstack | Profile::Azure => CLOUD_REQUIRED,
        }
    }
}

/// What the report is for: the profile, and the analyst's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub profile: Profile,
    /// The migration is asked to keep a firewall: iptables and ip6tables
    /// stay enabled on the target (`--firewall`).
    pub firewall: bool,
    /// The catalog and headroom sizing uses (`--catalog`, `--headroom`).
    pub sizing: crate::sizing::Choice,
    /// The report's date, what support dates are compared with
    /// (`lifecycle::Date::today`: `SOURCE_DATE_EPOCH` or the clock).
    pub today: crate::lifecycle::Date,
}

/// A service state the migration sets on the target.
pub struct ServiceSetting {
    /// The names the service goes by on different distributions.
    pub names: &'static [&'static str],
    pub enabled: bool,
    pub clouds: &'static [Profile],
    /// A firewall service: enabled when `--firewall` asks the migration to
    /// keep a firewall, disabled otherwise.
    pub firewall: bool,
}

/// What a blackbox migration does to services (UForge's list).
pub const SERVICE_SETTINGS: &[ServiceSetting] = &[
    ServiceSetting {
        names: &["libvirtd"],
        enabled: false,
        clouds: CLOUDS,
        firewall: false,
    },
    ServiceSetting {
        names: &["sshd", "ssh"],
        enabled: true,
        clouds: CLOUDS,
        firewall: false,
    },
    ServiceSetting {
        names: &["iptables"],
        enabled: false,
        clouds: CLOUDS,
        firewall: true,
    },
    ServiceSetting {
        names: &["ip6tables"],
        enabled: false,
        clouds: CLOUDS,
        firewall: true,
    },
    ServiceSetting {
        names: &["hal", "haldaemon"],
        enabled: false,
        clouds: &[Profile::Ec2, Profile::Openstack],
        firewall: false,
    },
];

/// The network service the migration enables: the first of these the
/// source has (NetworkManager where present, else the distribution's
/// network script).
pub const NETWORK_SERVICES: &[&str] =
    &["NetworkManager", "network-manager", "network", "networking"];

/// A package the migration installs on the target.
pub struct AddedPackage {
    pub cloud: Profile,
    /// The names the package goes by.
    pub names: &'static [&'static str],
    pub label: &'static str,
}

pub const ADDED_PACKAGES: &[AddedPackage] = &[
    AddedPackage {
        cloud: Profile::Openstack,
        names: &["cloud-init"],
        label: "cloud-init (openstack)",
    },
    AddedPackage {
        cloud: Profile::Azure,
        names: &["walinuxagent", "WALinuxAgent"],
        label: "walinuxagent (azure)",
    },
];

/// The drivers one family of a cloud's machines boots with: each entry is
/// a list of alternatives, one of which must be built in or a module.
pub struct DriverFamily {
    pub cloud: Profile,
    pub name: &'static str,
    pub needs: &'static [&'static [&'static str]],
    /// The family new instances get; another complete family is a warning.
    pub current: bool,
}

pub const DRIVER_FAMILIES: &[DriverFamily] = &[
    DriverFamily {
        cloud: Profile::Ec2,
        name: "EC2 Nitro",
        needs: &[&["ena"], &["nvme"]],
        current: true,
    },
    DriverFamily {
        cloud: Profile::Ec2,
        name: "EC2 Xen",
        needs: &[&["xen_blkfront"], &["xen_netfront"]],
        current: false,
    },
    DriverFamily {
        cloud: Profile::Openstack,
        name: "OpenStack (KVM, virtio)",
        needs: &[&["virtio_blk", "virtio_scsi"], &["virtio_net"]],
        current: true,
    },
    DriverFamily {
        cloud: Profile::Azure,
        name: "Azure (Hyper-V)",
        needs: &[&["hv_vmbus"], &["hv_storvsc"], &["hv_netvsc"]],
        current: true,
    },
];

/// A paravirtualized source gets a kernel for hardware virtualization.
pub const PV_KERNEL: &str =
    "a kernel and its modules for hardware virtualization (the source is a Xen PV guest)";

fn is_kernel_package(name: &str) -> bool {
    name.starts_with("kernel")
        || name.starts_with("linux-image")
        || name.starts_with("linux-modules")
}

impl Target {
    pub fn new(profile: Profile) -> Target {
        Target {
            profile,
            firewall: false,
            sizing: crate::sizing::Choice::default(),
            today: crate::lifecycle::Date::today(),
        }
    }

    /// The settings this migration applies, in table order, each with the
    /// state it sets.
    pub fn service_settings(&self) -> impl Iterator<Item = (&'static ServiceSetting, bool)> + '_ {
        SERVICE_SETTINGS
            .iter()
            .filter(move |s| self.profile.clouds().iter().any(|c| s.clouds.contains(c)))
            .map(move |s| (s, if s.firewall { self.firewall } else { s.enabled }))
    }

    /// The driver families of the clouds this target speaks for.
    pub fn driver_families(&self) -> impl Iterator<Item = &'static DriverFamily> + '_ {
        DRIVER_FAMILIES
            .iter()
            .filter(move |f| self.profile.clouds().contains(&f.cloud))
    }

    /// The state the migration sets for the service `name`, if it sets one;
    /// `has` says which services the source has (to pick its network service).
    pub fn service_state(&self, name: &str, has: impl Fn(&str) -> bool) -> Option<bool> {
        if !self.profile.is_blackbox() {
            return None;
        }
        if let Some((_, enabled)) = self
            .service_settings()
            .find(|(s, _)| s.names.contains(&name))
        {
            return Some(enabled);
        }
        let network = NETWORK_SERVICES.iter().find(|n| has(n))?;
        (*network == name).then_some(true)
    }

    /// Why the package `name` appears on the target, if the migration
    /// installs it.
    pub fn installs(&self, name: &str, source_pv: bool) -> Option<String> {
        if !self.profile.is_blackbox() {
            return None;
        }
        if let Some(p) = ADDED_PACKAGES
            .iter()
            .find(|p| p.cloud == self.profile && p.names.contains(&name))
        {
            return Some(format!(
                "the {} migration installs {}",
                self.profile.name(),
                p.names[0]
            ));
        }
        (source_pv && is_kernel_package(name)).then(|| {
            "a paravirtualized source gets a kernel for hardware virtualization".to_string()
        })
    }

    /// What the migration adds to a source that has the packages `has`
    /// says, as labels for a report.
    pub fn packages_added(&self, has: impl Fn(&str) -> bool, source_pv: bool) -> Vec<&'static str> {
        let mut added: Vec<&'static str> = ADDED_PACKAGES
            .iter()
            .filter(|p| self.profile.clouds().contains(&p.cloud))
            .filter(|p| !p.names.iter().any(|n| has(n)))
            .map(|p| p.label)
            .collect();
        if source_pv {
            added.push(PV_KERNEL);
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_requires_the_package_inventory() {
        for p in Profile::ALL {
            assert!(p.required().contains(&RuleId::GenPackages), "{p:?}");
        }
        for p in CLOUDS {
            assert!(p.required().contains(&RuleId::CloudBootloader));
            assert!(p.required().contains(&RuleId::CloudDrivers));
        }
    }

    #[test]
    fn one_table_for_services_and_packages() {
        let ec2 = Target::new(Profile::Ec2);
        let has = |n: &str| n == "networking";
        assert_eq!(ec2.service_state("ssh", has), Some(true));
        assert_eq!(ec2.service_state("iptables", has), Some(false));
        assert_eq!(ec2.service_state("networking", has), Some(true));
        assert_eq!(ec2.service_state("cron", has), None);
        let firewall = Target {
            firewall: true,
            ..ec2
        };
        assert_eq!(firewall.service_state("iptables", has), Some(true));
        assert_eq!(Target::new(Profile::Azure).service_state("hal", has), None);
        assert_eq!(
            Target::new(Profile::Generic).service_state("ssh", has),
            None
        );
        let os = Target::new(Profile::Openstack);
        assert!(os.installs("cloud-init", false).is_some());
        assert!(os.installs("walinuxagent", false).is_none());
        assert!(os.installs("kernel-default", true).is_some());
        assert_eq!(
            os.packages_added(|_| false, false),
            ["cloud-init (openstack)"]
        );
    }
}
