//! The volumes to create on the target: one per source disk, or one per
//! LVM volume group where a group's physical volumes fill its disks, each
//! with its allocated and used size and what it holds.

use serde::Serialize;

use crate::model::layout::{BlockDevice, StorageLayout};
use crate::model::Host;
use crate::profile::Profile;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedVolume {
    /// The source disk's name, or `vg NAME`.
    pub source: String,
    /// `disk` or `volume-group`.
    pub kind: &'static str,
    pub allocated_bytes: u64,
    /// Used space of the filesystems it holds, where statvfs saw them.
    pub used_bytes: Option<u64>,
    /// The mount points on it (and `[swap]`).
    pub holds: Vec<String>,
    /// For a volume group: the disks its physical volumes are on.
    pub disks: Vec<String>,
}

/// Devices that are not disks to move: nothing attached, optical, RAM.
fn movable(d: &BlockDevice) -> bool {
    matches!(d.kind.as_str(), "disk" | "mpath")
        && d.size_bytes.unwrap_or(0) > 0
        && !d.kernel_name.starts_with("zram")
        && !d.kernel_name.starts_with("ram")
}

/// Every device under `d`, itself included.
pub fn walk<'d>(d: &'d BlockDevice, out: &mut Vec<&'d BlockDevice>) {
    out.push(d);
    for c in &d.children {
        walk(c, out);
    }
}

fn holds(devices: &[&BlockDevice]) -> (Vec<String>, Option<u64>) {
    let mut holds = Vec::new();
    let mut used: Option<u64> = None;
    for d in devices {
        if let Some(m) = &d.mount_point {
            if !holds.contains(m) {
                holds.push(m.clone());
                if let Some(u) = d.used_bytes {
                    used = Some(used.unwrap_or(0).saturating_add(u));
                }
            }
        }
        if d.swap && !holds.iter().any(|h| h == "[swap]") {
            holds.push("[swap]".into());
        }
    }
    (holds, used)
}

/// None for the generic profile, or where the storage layout is not known.
pub fn plan(host: &Host, profile: Profile) -> Option<Vec<PlannedVolume>> {
    if profile == Profile::Generic {
        return None;
    }
    volumes(host)
}

/// The volumes whatever the target (the fleet's export); None where the
/// storage layout is not known.
pub fn volumes(host: &Host) -> Option<Vec<PlannedVolume>> {
    let layout: &StorageLayout = host.storage.as_ref()?;
    let mut out = Vec::new();
    let mut in_groups: Vec<String> = Vec::new();
    for vg in &layout.volume_groups {
        let prefix = format!("{}-", vg.name.replace('-', "--"));
        let mut lvs = Vec::new();
        let mut disks = Vec::new();
        for top in &layout.devices {
            let mut all = Vec::new();
            walk(top, &mut all);
            let ours: Vec<&BlockDevice> = all
                .into_iter()
                .filter(|d| d.kind == "lvm" && d.name.starts_with(&prefix))
                .collect();
            if !ours.is_empty() && movable(top) {
                disks.push(top.name.clone());
            }
            lvs.extend(ours);
        }
        // An LV over several PVs stands under each.
        lvs.sort_by(|a, b| a.kernel_name.cmp(&b.kernel_name));
        lvs.dedup_by(|a, b| a.kernel_name == b.kernel_name);
        let (holds, used) = holds(&lvs);
        in_groups.extend(disks.iter().cloned());
        out.push(PlannedVolume {
            source: format!("vg {}", vg.name),
            kind: "volume-group",
            allocated_bytes: vg.size_bytes,
            used_bytes: used,
            holds,
            disks,
        });
    }
    for disk in layout.devices.iter().filter(|d| movable(d)) {
        let mut all = Vec::new();
        walk(disk, &mut all);
        // A disk wholly given to volume groups is moved as its group.
        let outside_lvm = all
            .iter()
            .any(|d| (d.mount_point.is_some() || d.swap) && d.kind != "lvm");
        if in_groups.contains(&disk.name) && !outside_lvm {
            continue;
        }
        let (holds, used) = holds(&all);
        out.push(PlannedVolume {
            source: disk.name.clone(),
            kind: "disk",
            allocated_bytes: disk.size_bytes.unwrap_or(0),
            used_bytes: used,
            holds,
            disks: Vec::new(),
        });
    }
    Some(out)
}
