//! Rule ids: one enum that the registry, the words (`text.rs`) and each
//! profile's required checks share, so a mistyped id fails to compile. The
//! JSON contract spells each as its string (`mgn.kernel-headers`).

use serde::{Serialize, Serializer};

macro_rules! rule_ids {
    ($($variant:ident = $id:literal, $title:literal;)+) => {
        /// A check's stable id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $($variant),+
        }

        impl RuleId {
            /// Every id, in the table's order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),+];

            /// The id as the JSON, the command line and the exports spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id),+
                }
            }

            /// What a person reads as the check's name.
            pub fn title(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $title),+
                }
            }
        }
    };
}

rule_ids! {
    GenIncompleteBundle = "gen.incomplete-bundle", "Bundle completeness";
    GenNotRoot = "gen.not-root", "Probe privileges";
    GenPackages = "gen.packages", "Package databases";
    GenOsSupport = "gen.os-support", "Vendor support dates of the distribution";
    GenSelinuxRelabel = "gen.selinux-relabel", "SELinux labels after the move";
    CloudBootloader = "cloud.bootloader", "Boot loader the migration can rewrite";
    CloudArchitecture = "cloud.architecture", "Architecture the cloud's virtual machines run";
    MgnOsSupported = "mgn.os-supported", "Distribution and version";
    MgnRootFreeSpace = "mgn.root-free-space", "Free space on /";
    MgnTmpFreeSpace = "mgn.tmp-free-space", "Free space on /tmp";
    MgnTmpWritable = "mgn.tmp-writable", "/tmp writability";
    MgnTmpExec = "mgn.tmp-exec", "/tmp exec permission";
    MgnFreeRam = "mgn.free-ram", "Available RAM";
    MgnPython = "mgn.python", "Python interpreter";
    MgnBuildTools = "mgn.build-tools", "Build tools (make, gcc, perl, tar, gawk, rpm)";
    MgnBootloader = "mgn.bootloader", "Active boot loader";
    MgnPrivileges = "mgn.privileges", "Rights to install the agent";
    MgnDhclient = "mgn.dhclient", "dhclient";
    MgnKernelHeaders = "mgn.kernel-headers", "Kernel headers for the running kernel";
    MgnMacStable = "mgn.mac-stable", "MAC address stability";
    MgnNotParavirtualized = "mgn.not-paravirtualized", "Paravirtualization";
    MgnMultipath = "mgn.multipath", "Multipath";
    MgnNetwork = "mgn.network", "Outbound TCP 443 and 1500";
    GenUnmanagedListeners = "gen.unmanaged-listeners", "Listening ports and their services";
    GenCertificateExpiry = "gen.certificate-expiry", "TLS certificates' expiry";
    CloudCertificateNamesIp = "cloud.certificate-names-ip", "TLS certificates naming the host's address";
    GenNetworkDependencies = "gen.network-dependencies", "Servers the configuration depends on";
    GenContainers = "gen.containers", "Containers and Kubernetes";
    CloudStaticIp = "cloud.static-ip", "Static addresses";
    CloudDhcpIp = "cloud.dhcp-ip", "DHCP addresses";
    CloudNfsFstab = "cloud.nfs-fstab", "NFS mounts in fstab and autofs";
    CloudInjectedPackages = "cloud.injected-packages", "Packages the migration adds";
    CloudServiceChanges = "cloud.service-changes", "Services the migration changes";
    CloudDrivers = "cloud.drivers", "Disk and network drivers for the target";
    CloudAdjtime = "cloud.adjtime", "/etc/adjtime";
    CloudBootRewrite = "cloud.boot-rewrite", "Boot configuration and initramfs";
    CloudStorageLayout = "cloud.storage-layout", "Storage the target's volumes change";
}

impl RuleId {
    /// The id a string spells (an export's `finding` column), if any.
    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|id| id.as_str() == s)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are unique, round-trip through their string, and have a title.
    #[test]
    fn ids_are_unique_and_spelled_once() {
        let mut seen = std::collections::BTreeSet::new();
        for &id in RuleId::ALL {
            assert!(seen.insert(id.as_str()), "{id} twice");
            assert_eq!(RuleId::parse(id.as_str()), Some(id));
            assert!(!id.title().is_empty(), "{id} has no title");
            let (family, name) = id.as_str().split_once('.').unwrap();
            assert!(["gen", "mgn", "cloud"].contains(&family), "{id}");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{id}"
            );
        }
        assert_eq!(RuleId::parse("mgn.kernel-header"), None);
    }
}
