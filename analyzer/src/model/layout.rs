//! `host.storage`: the block devices as a tree, disk → partition → md
//! array / LUKS / LVM → filesystem and mount, with sizes and used space, as
//! `lsblk` shows it (a device over several parents, an md array or an LV,
//! appears under each); and the LVM volume groups from their metadata.
//!
//! Built from /sys/block (the whole disks, each holder's slaves, device-
//! mapper names), /proc/partitions (every device's size and major:minor),
//! /proc/mdstat, /etc/lvm/backup/*, /etc/crypttab, /proc/swaps and the
//! mounts; each source that is missing leaves its part out, never a guess.

use std::collections::BTreeMap;

use serde::Serialize;

use super::facts::Facts;
use super::storage::MountPoint;
use crate::parse::{block_tables, boot_sector, lvm_meta, partition_table};
use crate::sources as src;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StorageLayout {
    pub devices: Vec<BlockDevice>,
    pub volume_groups: Vec<VolumeGroup>,
    pub swaps: Vec<Swap>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockDevice {
    /// As lsblk names it: the kernel's name, or a device-mapper device's
    /// own name (`vg-root`, `luks-...`).
    pub name: String,
    /// The kernel's name (`sda1`, `dm-0`, `md0`).
    pub kernel_name: String,
    /// `disk`, `part`, `lvm`, `crypt`, `mpath`, `dm`, `raid1` (an md
    /// array's level), `md`, `loop`, `rom`: lsblk's TYPE.
    pub kind: String,
    pub size_bytes: Option<u64>,
    /// A partition's first sector (512 bytes), from /sys/block.
    pub start_sector: Option<u64>,
    /// A disk's vendor and model, as the kernel names them.
    pub model: Option<String>,
    /// `gpt`, `mbr` or `none`, for the disks whose first sector the probe
    /// read (those holding / and /boot).
    pub partition_table: Option<String>,
    /// What a partition's table entry says it holds (`Linux LVM`, `EFI
    /// system`, `Linux RAID`), where the disk's first sectors were read.
    pub partition_type: Option<String>,
    pub mount_point: Option<String>,
    pub fs_type: Option<String>,
    pub used_bytes: Option<u64>,
    /// In use as swap (/proc/swaps).
    pub swap: bool,
    pub children: Vec<BlockDevice>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeGroup {
    pub name: String,
    pub size_bytes: u64,
    pub free_bytes: u64,
    /// The devices its physical volumes were on when its metadata was
    /// written.
    pub pv_devices: Vec<String>,
    pub lvs: Vec<LogicalVolume>,
    /// The backup file it was read from.
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogicalVolume {
    pub name: String,
    pub size_bytes: u64,
    pub segment_types: Vec<String>,
    pub pv_devices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Swap {
    pub path: String,
    pub kind: String,
    pub size_bytes: u64,
    pub used_bytes: u64,
}

/// What is known of one kernel device before the tree is built.
#[derive(Default)]
struct Node {
    kind: String,
    name: String,
    size: Option<u64>,
    start: Option<u64>,
    model: Option<String>,
    table: Option<String>,
    part_type: Option<String>,
    parents: Vec<String>,
    major_minor: Option<String>,
}

/// Holders deeper than this are cut: a loop in hostile sysfs listings.
const MAX_DEPTH: usize = 16;

/// The kernel name of a partition's disk: the longest disk name it extends
/// with digits (`sda1`) or `p` and digits (`nvme0n1p2`).
fn disk_of<'d>(name: &str, disks: &'d [String]) -> Option<&'d String> {
    disks
        .iter()
        .filter(|d| {
            name.strip_prefix(d.as_str()).is_some_and(|rest| {
                let rest = rest.strip_prefix('p').unwrap_or(rest);
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
            })
        })
        .max_by_key(|d| d.len())
}

fn disk_kind(name: &str) -> &'static str {
    if name.starts_with("loop") {
        "loop"
    } else if name.starts_with("sr") {
        "rom"
    } else {
        "disk"
    }
}

/// The device-mapper name `vg-lv` of an LV (lvm doubles dashes in names).
fn dm_name(vg: &str, lv: &str) -> String {
    format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--"))
}

fn volume_groups(f: &Facts) -> Vec<VolumeGroup> {
    let mut out = Vec::new();
    for path in f.glob(&src::LVM_BACKUP) {
        let Some(vg) = f.parse_at(&src::LVM_BACKUP, &path, lvm_meta::parse) else {
            continue;
        };
        let device = |key: &String| {
            vg.pvs
                .iter()
                .find(|p| &p.key == key)
                .and_then(|p| p.device.clone())
                .unwrap_or_else(|| key.clone())
        };
        let size: u64 = vg
            .pvs
            .iter()
            .map(|p| p.extents.saturating_mul(vg.extent_bytes))
            .sum();
        let used: u64 = vg.lvs.iter().map(|l| l.size_bytes).sum();
        out.push(VolumeGroup {
            name: vg.name.clone(),
            size_bytes: size,
            free_bytes: size.saturating_sub(used),
            pv_devices: vg.pvs.iter().map(|p| device(&p.key)).collect(),
            lvs: vg
                .lvs
                .iter()
                .map(|l| LogicalVolume {
                    name: l.name.clone(),
                    size_bytes: l.size_bytes,
                    segment_types: l.segment_types.clone(),
                    pv_devices: l.pvs.iter().map(device).collect(),
                })
                .collect(),
            metadata: path,
        });
    }
    out
}

/// None when neither /sys/block nor /proc/partitions was captured.
pub fn layout(f: &Facts, mounts: Option<&[MountPoint]>) -> Option<StorageLayout> {
    let sys_block: Option<Vec<String>> = f.list(&src::SYS_BLOCK).map(|children| {
        children
            .iter()
            .map(|c| String::from_utf8_lossy(&c.name).replace('!', "/"))
            .collect()
    });
    let partitions = f.parse(&src::PROC_PARTITIONS, block_tables::parse_partitions);
    if sys_block.is_none() && partitions.is_none() {
        return None;
    }
    let vgs = volume_groups(f);
    let crypt: Vec<String> = f
        .parse(&src::CRYPTTAB, block_tables::parse_crypttab)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.name)
        .collect();
    let md = f
        .parse(&src::MDSTAT, block_tables::parse_mdstat)
        .unwrap_or_default();
    let swaps = f
        .parse(&src::PROC_SWAPS, block_tables::parse_swaps)
        .unwrap_or_default();
    let parts = partitions.unwrap_or_default();
    // Whole disks: /sys/block's entries, else the names no other extends.
    let disks: Vec<String> = sys_block.unwrap_or_else(|| {
        let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
        names
            .iter()
            .filter(|n| disk_of(n, &names).is_none())
            .cloned()
            .collect()
    });
    // The partition table of each disk whose first sectors were read, and
    // its entries (MBR primaries, or GPT's behind a protective MBR).
    let tables: BTreeMap<String, (String, Vec<partition_table::Entry>)> = f
        .all_facts(&src::BOOT_SECTORS, |x| match x {
            lift_bundle::Fact::BootSector(s) => Some(s),
            _ => None,
        })
        .into_iter()
        .filter_map(|s| {
            let name = block_tables::device_name(&String::from_utf8_lossy(&s.device.0)).to_string();
            let table = match boot_sector::parse(&s.sector.0).ok()?.value.partition_table {
                boot_sector::PartitionTable::GptProtective => "gpt",
                boot_sector::PartitionTable::Mbr => "mbr",
                boot_sector::PartitionTable::None => "none",
            };
            let entries = partition_table::parse(&s.sector.0)
                .map(|p| p.value)
                .unwrap_or_default();
            Some((name, (table.to_string(), entries)))
        })
        .collect();
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for d in &disks {
        let sectors = f
            .line_at(&src::SYS_BLOCK_SIZE, &src::SYS_BLOCK_SIZE.at(&[d]))
            .and_then(|l| l.trim().parse::<u64>().ok());
        let kind = disk_kind(d).to_string();
        let line = |row: &'static src::Source| {
            f.line_at(row, &row.at(&[d]))
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
        };
        let model = match (line(&src::SYS_DEVICE_VENDOR), line(&src::SYS_DEVICE_MODEL)) {
            (Some(v), Some(m)) => Some(format!("{v} {m}")),
            (v, m) => v.or(m),
        };
        nodes.insert(
            d.clone(),
            Node {
                kind,
                name: d.clone(),
                size: sectors.and_then(|s| s.checked_mul(512)),
                model,
                table: tables.get(d.as_str()).map(|(t, _)| t.clone()),
                ..Node::default()
            },
        );
    }
    for p in &parts {
        let node = nodes.entry(p.name.clone()).or_insert_with(|| {
            let disk = disk_of(&p.name, &disks).cloned();
            let start = disk.as_ref().and_then(|d| {
                f.line_at(&src::SYS_PART_START, &src::SYS_PART_START.at(&[d, &p.name]))
                    .and_then(|l| l.trim().parse::<u64>().ok())
            });
            // The table's entry that starts where the kernel says.
            let part_type = disk.as_ref().zip(start).and_then(|(d, at)| {
                let (_, entries) = tables.get(d.as_str())?;
                Some(entries.iter().find(|e| e.start_lba == at)?.kind.clone())
            });
            Node {
                kind: "part".into(),
                name: p.name.clone(),
                parents: disk.into_iter().collect(),
                start,
                part_type,
                ..Node::default()
            }
        });
        node.size = node.size.or(Some(p.size_bytes));
        node.major_minor = Some(format!("{}:{}", p.major, p.minor));
    }
    for d in disks.iter().filter(|d| d.starts_with("dm-")) {
        let name = f
            .line_at(&src::DM_NAME, &src::DM_NAME.at(&[d]))
            .map(|n| n.trim().to_string())
            .unwrap_or_default();
        let slaves: Vec<String> = f
            .list_at(&src::DM_SLAVES, &src::DM_SLAVES.at(&[d]))
            .unwrap_or_default()
            .iter()
            .map(|c| String::from_utf8_lossy(&c.name).into_owned())
            .collect();
        let is_lv = vgs
            .iter()
            .any(|vg| vg.lvs.iter().any(|lv| dm_name(&vg.name, &lv.name) == name));
        let kind = if is_lv {
            "lvm"
        } else if crypt.contains(&name) || name.starts_with("luks-") {
            "crypt"
        } else if name.starts_with("mpath") {
            "mpath"
        } else {
            "dm"
        };
        if let Some(n) = nodes.get_mut(d) {
            n.kind = kind.into();
            if !name.is_empty() {
                n.name = name;
            }
            n.parents = slaves;
        }
    }
    for a in &md {
        if let Some(n) = nodes.get_mut(&a.name) {
            n.kind = a.level.clone().unwrap_or_else(|| "md".into());
            n.parents = a.members.clone();
            n.size = n.size.or(a.size_bytes);
        }
    }
    let by_device = by_device(mounts.into_iter().flatten());
    let swap_paths: Vec<&str> = swaps.iter().map(|s| s.path.as_str()).collect();
    let build =
        |kernel: &String| -> BlockDevice { tree(kernel, &nodes, &by_device, &swap_paths, 0) };
    // Loop devices with nothing attached (size 0) are left out, as lsblk
    // leaves them.
    let roots: Vec<&String> = nodes
        .iter()
        .filter(|(_, n)| n.parents.is_empty())
        .filter(|(_, n)| !(n.kind == "loop" && n.size == Some(0)))
        .map(|(k, _)| k)
        .collect();
    let devices = roots.into_iter().map(build).collect();
    Some(StorageLayout {
        devices,
        volume_groups: vgs,
        swaps: swaps
            .into_iter()
            .map(|s| Swap {
                path: s.path,
                kind: s.kind,
                size_bytes: s.size_bytes,
                used_bytes: s.used_bytes,
            })
            .collect(),
    })
}

/// Each filesystem's mount by its major:minor. One mounted more than once
/// (bind mounts: /run/netns, a container's volume) is shown where lsblk
/// shows it: at its shortest mount point, the first of equals in the
/// table's order.
fn by_device<'a>(
    mounts: impl Iterator<Item = &'a MountPoint>,
) -> BTreeMap<&'a str, &'a MountPoint> {
    let mut by_device: BTreeMap<&str, &MountPoint> = BTreeMap::new();
    for m in mounts {
        let Some(dev) = m.device.as_deref() else {
            continue;
        };
        let shorter = |have: &&MountPoint| m.mount_point.len() < have.mount_point.len();
        if by_device.get(dev).is_none_or(shorter) {
            by_device.insert(dev, m);
        }
    }
    by_device
}

/// One device and, under it, every device that holds it as a parent.
fn tree(
    kernel: &String,
    nodes: &BTreeMap<String, Node>,
    mounts: &BTreeMap<&str, &MountPoint>,
    swaps: &[&str],
    depth: usize,
) -> BlockDevice {
    let n = &nodes[kernel];
    let mount = n.major_minor.as_deref().and_then(|mm| mounts.get(mm));
    let children = if depth >= MAX_DEPTH {
        Vec::new()
    } else {
        nodes
            .iter()
            .filter(|(_, c)| c.parents.contains(kernel))
            .map(|(k, _)| tree(k, nodes, mounts, swaps, depth + 1))
            .collect()
    };
    let dev_paths = block_tables::device_paths(kernel, &n.name);
    BlockDevice {
        name: n.name.clone(),
        kernel_name: kernel.clone(),
        kind: n.kind.clone(),
        size_bytes: n.size,
        start_sector: n.start,
        model: n.model.clone(),
        partition_table: n.table.clone(),
        partition_type: n.part_type.clone(),
        mount_point: mount.map(|m| m.mount_point.clone()),
        fs_type: mount.map(|m| m.fs_type.clone()),
        // A --root bundle's statvfs is of the image's directory on the
        // scanning machine, not of this device.
        used_bytes: mount
            .filter(|m| m.image_statvfs.is_none())
            .and_then(|m| Some(m.total_bytes?.saturating_sub(m.free_bytes?))),
        swap: dev_paths.iter().any(|p| swaps.contains(&p.as_str())),
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_find_their_disk() {
        let disks = vec!["sda".to_string(), "nvme0n1".into(), "sdaa".into()];
        assert_eq!(disk_of("sda1", &disks).map(String::as_str), Some("sda"));
        assert_eq!(disk_of("sdaa2", &disks).map(String::as_str), Some("sdaa"));
        assert_eq!(
            disk_of("nvme0n1p3", &disks).map(String::as_str),
            Some("nvme0n1")
        );
        assert_eq!(disk_of("sdb1", &disks), None);
        assert_eq!(dm_name("my-vg", "root"), "my--vg-root");
    }

    /// This machine's root filesystem, also bind-mounted at /run/netns
    /// after `ip netns` (mountinfo lists / first): lsblk says `/`.
    #[test]
    fn a_filesystem_mounted_twice_shows_its_shortest_mount_point() {
        let mount = |at: &str, dev: &str| MountPoint {
            mount_point: at.into(),
            source: Some("/dev/vda".into()),
            fs_type: "ext4".into(),
            options: Vec::new(),
            read_only: false,
            total_bytes: None,
            avail_bytes: None,
            free_bytes: None,
            device: Some(dev.into()),
            image_statvfs: None,
        };
        for order in [
            vec![mount("/", "254:0"), mount("/run/netns", "254:0")],
            vec![mount("/run/netns", "254:0"), mount("/", "254:0")],
        ] {
            let got = by_device(order.iter());
            assert_eq!(got["254:0"].mount_point, "/");
        }
        let two = [mount("/data", "8:1"), mount("/srv/a", "8:1")];
        assert_eq!(by_device(two.iter())["8:1"].mount_point, "/data");
    }
}
