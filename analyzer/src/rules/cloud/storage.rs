//! `cloud.storage-layout`: what in the source's storage does not carry
//! over to the target's volumes as it is: an encrypted / or /boot (the
//! replicated ciphertext needs its key at boot, with no console to type
//! it), md RAID under / or /boot (the target gives one volume per disk),
//! a disk past the target's volume size limit, a root on a multipath SAN
//! LUN, and a disk used only for swap.

use crate::model::layout::BlockDevice;
use crate::model::Host;
use crate::profile::Profile;
use crate::rules::Identified;
use crate::rules::{Finding, Rule, Severity};
use crate::sizing::volumes::walk;
use crate::sources;

const TIB: u64 = 1 << 40;

/// The largest volume of the target's usual disk type, and of its largest
/// type (EBS gp3 16 TiB, io2 Block Express 64 TiB; Azure Premium SSD 32
/// TiB, Premium SSD v2 and Ultra 64 TiB). OpenStack's depend on the cloud.
fn volume_limits(profile: Profile) -> Option<(u64, u64, &'static str)> {
    match profile {
        Profile::AwsMgn | Profile::Ec2 => Some((
            16 * TIB,
            64 * TIB,
            "EBS gp3 volumes hold 16 TiB, io2 Block Express 64 TiB",
        )),
        Profile::Azure => Some((
            32 * TIB,
            64 * TIB,
            "Azure Premium SSD holds 32 TiB, Premium SSD v2 and Ultra Disk 64 TiB",
        )),
        _ => None,
    }
}

/// The devices from a disk down to the one mounted at `mount`, if any.
fn path_to<'d>(d: &'d BlockDevice, mount: &str, trail: &mut Vec<&'d BlockDevice>) -> bool {
    trail.push(d);
    if d.mount_point.as_deref() == Some(mount) {
        return true;
    }
    for c in &d.children {
        if path_to(c, mount, trail) {
            return true;
        }
    }
    trail.pop();
    false
}

pub struct StorageLayout;

impl StorageLayout {
    fn judge(&self, host: &Host, profile: Option<Profile>) -> Finding {
        let id = self.id();
        let Some(layout) = &host.storage else {
            return Finding::unknown(id, host, &[&sources::SYS_BLOCK, &sources::PROC_PARTITIONS]);
        };
        let (mut warnings, mut blockers, mut undetermined) = (Vec::new(), Vec::new(), Vec::new());
        let mut remedies = Vec::new();
        for mount in ["/", "/boot"] {
            for disk in &layout.devices {
                let mut trail = Vec::new();
                if !path_to(disk, mount, &mut trail) {
                    continue;
                }
                let names = trail
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" > ");
                if trail.iter().any(|d| d.kind == "crypt") {
                    warnings.push(format!("{mount} is encrypted ({names}): the replicated ciphertext needs its key at boot, and the target has no console to type a passphrase"));
                    remedies.push("open it with a key the target can reach at boot (a key file in the initramfs, or network-bound: clevis and tang), or decrypt before the migration".to_string());
                }
                if trail
                    .iter()
                    .any(|d| d.kind.starts_with("raid") || d.kind == "md")
                {
                    warnings.push(format!(
                        "{mount} is on md RAID ({names}): the target gives one volume per disk"
                    ));
                    remedies.push("move every member disk and keep the array, or dissolve it onto one disk before the migration".to_string());
                }
                if let Some(dm) = trail.iter().find(|d| d.kind == "dm") {
                    undetermined.push(format!("{mount} is on device-mapper device {} whose kind (LVM, LUKS, multipath) the input does not say", dm.kernel_name));
                }
                if trail.iter().any(|d| d.kind == "mpath") {
                    warnings.push(format!("{mount} is on a multipath SAN LUN ({names})"));
                    remedies.push("the target has no SAN paths: move the LUN's data to a local volume, and drop multipath from the initramfs".to_string());
                }
                break;
            }
        }
        if let Some((usual, largest, words)) = profile.and_then(volume_limits) {
            for d in layout.devices.iter().filter(|d| d.kind == "disk") {
                let size = d.size_bytes.unwrap_or(0);
                let tib = size as f64 / TIB as f64;
                if size > largest {
                    blockers.push(format!("{} is {tib:.1} TiB: {words}", d.name));
                    remedies.push(format!("split {}'s data over several volumes (LVM across volumes) before the migration", d.name));
                } else if size > usual {
                    warnings.push(format!("{} is {tib:.1} TiB: {words}", d.name));
                }
            }
        }
        for d in layout.devices.iter().filter(|d| d.kind == "disk") {
            let mut all = Vec::new();
            walk(d, &mut all);
            let swap = all.iter().any(|x| x.swap);
            let mounted = all.iter().any(|x| x.mount_point.is_some());
            if swap && !mounted {
                warnings.push(format!("{} holds only swap", d.name));
                remedies.push(format!("leave {} out of the migration and make swap on the target (a swap file, or the instance's own disk)", d.name));
            }
        }
        if blockers.is_empty() && !undetermined.is_empty() {
            let detail = undetermined
                .iter()
                .chain(&warnings)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            return Finding::new(id, Severity::Unknown, detail).lacking(
                host.sources
                    .missing(&[&sources::DM_NAME, &sources::DM_SLAVES]),
            );
        }
        let severity = if !blockers.is_empty() {
            Severity::Blocker
        } else if !warnings.is_empty() {
            Severity::Warning
        } else {
            Severity::Pass
        };
        let detail = if severity == Severity::Pass {
            format!(
                "{} block devices: no encrypted, RAID or SAN root, no disk past the volume limit",
                layout.devices.len()
            )
        } else {
            blockers
                .iter()
                .chain(&warnings)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut f = Finding::new(id, severity, detail);
        for line in blockers.iter().chain(&warnings) {
            f = f.evidence("host.storage", line.clone());
        }
        if !remedies.is_empty() {
            remedies.dedup();
            f = f.remediation(remedies.join("; "));
        }
        f
    }
}

impl Rule for StorageLayout {
    fn check(&self, host: &Host) -> Finding {
        self.judge(host, None)
    }
    fn check_for(&self, host: &Host, target: &crate::profile::Target) -> Finding {
        self.judge(host, Some(target.profile))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layout::StorageLayout as Layout;

    fn dev(
        name: &str,
        kind: &str,
        size: u64,
        mount: Option<&str>,
        children: Vec<BlockDevice>,
    ) -> BlockDevice {
        BlockDevice {
            name: name.into(),
            kernel_name: name.into(),
            kind: kind.into(),
            size_bytes: Some(size),
            start_sector: None,
            model: None,
            partition_table: None,
            partition_type: None,
            mount_point: mount.map(Into::into),
            fs_type: None,
            used_bytes: None,
            swap: false,
            children,
        }
    }

    fn host_with(devices: Vec<BlockDevice>) -> Host {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/debian12-systemd");
        let mut h = crate::model::build(&crate::snapshot::DirSnapshot::new(std::path::Path::new(
            dir,
        )));
        h.storage = Some(Layout {
            devices,
            volume_groups: Vec::new(),
            swaps: Vec::new(),
        });
        h
    }

    #[test]
    fn luks_root_and_raid_boot_are_warnings() {
        let md = |n| {
            dev(
                n,
                "part",
                1 << 30,
                None,
                vec![dev("md0", "raid1", 1 << 30, Some("/boot"), vec![])],
            )
        };
        let luks = dev(
            "sda2",
            "part",
            10 << 30,
            None,
            vec![dev("luks-1", "crypt", 10 << 30, Some("/"), vec![])],
        );
        let h = host_with(vec![
            dev("sda", "disk", 20 << 30, None, vec![md("sda1"), luks]),
            dev("sdb", "disk", 20 << 30, None, vec![md("sdb1")]),
        ]);
        let f = StorageLayout.check_for(&h, &crate::profile::Target::new(Profile::Ec2));
        f.assert_says(Severity::Warning, "/ is encrypted (sda > sda2 > luks-1)");
        f.assert_detail("/boot is on md RAID (sda > sda1 > md0)");
        assert!(f.remediation.unwrap().contains("clevis"));
    }

    /// A root on device-mapper whose kind the input does not say (a
    /// directory tree: no /sys) cannot be judged.
    #[test]
    fn an_unnamed_dm_root_is_unknown() {
        let h = host_with(vec![dev("dm-0", "dm", 8 << 30, Some("/"), vec![])]);
        let f = StorageLayout.check_for(&h, &crate::profile::Target::new(Profile::Ec2));
        f.assert_says(Severity::Unknown, "dm-0");
    }

    #[test]
    fn volume_limits_per_cloud() {
        let h = host_with(vec![
            dev("sda", "disk", 20 * TIB, Some("/"), vec![]),
            dev("sdb", "disk", 70 * TIB, None, vec![]),
        ]);
        let ec2 = StorageLayout.check_for(&h, &crate::profile::Target::new(Profile::Ec2));
        assert_eq!(ec2.severity, Severity::Blocker, "{}", ec2.detail);
        assert!(
            ec2.detail.contains("sdb is 70.0 TiB") && ec2.detail.contains("sda is 20.0 TiB"),
            "{}",
            ec2.detail
        );
        // OpenStack's limit is the cloud's own: not judged.
        let os = StorageLayout.check_for(&h, &crate::profile::Target::new(Profile::Openstack));
        assert_eq!(os.severity, Severity::Pass, "{}", os.detail);
    }

    #[test]
    fn a_swap_only_disk_and_the_unknown() {
        let mut swap = dev("sdc", "disk", 4 << 30, None, vec![]);
        swap.swap = true;
        let h = host_with(vec![dev("sda", "disk", 8 << 30, Some("/"), vec![]), swap]);
        let f = StorageLayout.check_for(&h, &crate::profile::Target::new(Profile::Azure));
        f.assert_detail("sdc holds only swap");
        let mut h = h;
        h.storage = None;
        assert_eq!(StorageLayout.check(&h).severity, Severity::Unknown);
    }
}
