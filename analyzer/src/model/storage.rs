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
    /// Set when the size and free space are the statvfs the probe took of
    /// its `--root DIR` (a mounted image): the directory and its
    /// filesystem type, as the probe's note says. The figures are the
    /// image filesystem's, seen from the machine that mounted it.
    pub image_statvfs: Option<String>,
}

/// How the probe's note names a statvfs taken over `--root DIR`
/// (lift-probe's `live::ROOT_STATVFS`; tests/tests/todo_report.rs runs
/// both).
pub const ROOT_STATVFS: &str = "statvfs of the --root directory's filesystem:";

/// The notes of statvfs taken over `--root DIR`, by logical mount point.
fn image_statvfs(f: &Facts, mount_point: &[u8]) -> Option<String> {
    f.root.provenance().notes.iter().find_map(|n| {
        (n.path.as_ref().is_some_and(|p| p.0 == mount_point))
            .then(|| n.message.strip_prefix(ROOT_STATVFS))
            .flatten()
            .map(|m| m.trim().to_string())
    })
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
    let stats: Vec<&lift_bundle::Statvfs> = f.all_facts(&src::STATVFS, |x| match x {
        Fact::Statvfs(s) => Some(s),
        _ => None,
    });
    let table = f
        .partial(&src::MOUNTINFO, mountinfo::parse_mountinfo)
        .or_else(|| f.partial(&src::PROC_MOUNTS, mountinfo::parse_mounts));
    let Some(all) = table else {
        // A mounted image has no mount table of its own: the statvfs of
        // the --root directory is all there is, and it says what it is.
        let image: Vec<MountPoint> = stats
            .iter()
            .filter_map(|s| {
                let at = image_statvfs(f, &s.mount_point.0)?;
                Some(MountPoint {
                    mount_point: String::from_utf8_lossy(&s.mount_point.0).into_owned(),
                    source: None,
                    fs_type: s.fs_type.clone(),
                    options: Vec::new(),
                    read_only: false,
                    total_bytes: Some(s.total_bytes),
                    avail_bytes: Some(s.avail_bytes),
                    free_bytes: Some(s.free_bytes),
                    device: None,
                    image_statvfs: Some(at),
                })
            })
            .collect();
        return (!image.is_empty()).then_some(image);
    };
    Some(
        mountinfo::visible(&all)
            .into_iter()
            .map(|m| {
                let st = stats
                    .iter()
                    .find(|s| s.mount_point.0 == m.mount_point.as_bytes());
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
                    image_statvfs: st.and_then(|s| image_statvfs(f, &s.mount_point.0)),
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
