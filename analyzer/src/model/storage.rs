//! Mounts in effect, with the size and free space statvfs saw.

use lift_bundle::Fact;
use serde::Serialize;

use super::facts::Facts;
use crate::parse::mountinfo;
use crate::sources as src;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MountPoint {
    pub mount_point: String,
    pub source: Option<String>,
    pub fs_type: String,
    /// Per-mount options in effect (`rw`, `noexec`, ...).
    pub options: Vec<String>,
    /// Read-only through this mount, by its own options or its superblock's.
    pub read_only: bool,
    pub total_bytes: Option<u64>,
    pub avail_bytes: Option<u64>,
    pub free_bytes: Option<u64>,
    /// Major:minor of the filesystem (mountinfo only).
    pub device: Option<String>,
}

impl MountPoint {
    pub fn has_option(&self, o: &str) -> bool {
        self.options.iter().any(|x| x == o)
    }
}

fn options(m: &mountinfo::Mount) -> Vec<String> {
    m.mount_options
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        })
        .collect()
}

/// The visible mounts of /proc/self/mountinfo (or /proc/mounts on kernels
/// before 2.6.26), in mount order. None when neither was captured.
pub fn mounts(f: &Facts) -> Option<Vec<MountPoint>> {
    let all = f
        .partial(&src::MOUNTINFO, mountinfo::parse_mountinfo)
        .or_else(|| f.partial(&src::PROC_MOUNTS, mountinfo::parse_mounts))?;
    // By mount point: a lookup a mount, not a scan of every fact.
    let stats: std::collections::HashMap<&[u8], &lift_bundle::Statvfs> = f
        .all_facts(&src::STATVFS, |x| match x {
            Fact::Statvfs(s) => Some(s),
            _ => None,
        })
        .into_iter()
        .rev()
        .map(|s| (s.mount_point.0.as_slice(), s))
        .collect();
    Some(
        mountinfo::visible(&all)
            .into_iter()
            .map(|m| {
                let st = stats.get(m.mount_point.as_bytes());
                MountPoint {
                    mount_point: m.mount_point.clone(),
                    source: m.source.clone(),
                    fs_type: m.fs_type.clone(),
                    options: options(m),
                    read_only: m.read_only(),
                    total_bytes: st.map(|s| s.total_bytes),
                    avail_bytes: st.map(|s| s.avail_bytes),
                    free_bytes: st.map(|s| s.free_bytes),
                    device: m.major_minor.clone(),
                }
            })
            .collect(),
    )
}

/// The mount that holds `path`: the longest mount point that prefixes it.
pub fn holding<'m>(mounts: &'m [MountPoint], path: &str) -> Option<&'m MountPoint> {
    mounts
        .iter()
        .filter(|m| mountinfo::holds(&m.mount_point, path))
        .max_by_key(|m| m.mount_point.len())
}
