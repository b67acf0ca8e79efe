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
    /// filesystem type. The figures are the image filesystem's, seen from
    /// the machine that mounted it.
    pub image_statvfs: Option<String>,
}

/// A statvfs the probe took over `--root DIR` (the header's root is not
/// `/`): DIR's own filesystem, or a mount under DIR (`DIR/tmp (tmpfs)`).
fn image_statvfs(f: &Facts, s: &lift_bundle::Statvfs) -> Option<String> {
    let root = f.header()?.scanned_root()?;
    let at = match s.mount_point.0.as_slice() {
        b"/" => String::from_utf8_lossy(root).into_owned(),
        mp => format!(
            "{}{}",
            String::from_utf8_lossy(root),
            String::from_utf8_lossy(mp)
        ),
    };
    // The probe names no type for DIR's own filesystem (a statvfs tells
    // none), and the type of a mount under DIR.
    Some(match s.fs_type.as_str() {
        "" => at,
        t => format!("{at} ({t})"),
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
        .parse(&src::MOUNTINFO, mountinfo::parse_mountinfo)
        .or_else(|| f.parse(&src::PROC_MOUNTS, mountinfo::parse_mounts));
    let Some(all) = table else {
        // A mounted image has no mount table of its own: the statvfs of
        // the --root directory is all there is, and it says what it is.
        let image: Vec<MountPoint> = stats
            .iter()
            .filter_map(|s| {
                let at = image_statvfs(f, s)?;
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
    let stats = by_mount(&stats);
    Some(
        mountinfo::visible(&all)
            .into_iter()
            .map(|m| {
                let st = stats.get(m.mount_point.as_bytes()).copied();
                let mut p = mount_point(m, st);
                p.image_statvfs = st.and_then(|s| image_statvfs(f, s));
                p
            })
            .collect(),
    )
}

/// The statvfs facts by mount point: a lookup a mount, not a scan of
/// every fact (the first fact of a mount point wins).
fn by_mount<'s>(
    stats: &[&'s lift_bundle::Statvfs],
) -> std::collections::HashMap<&'s [u8], &'s lift_bundle::Statvfs> {
    stats
        .iter()
        .rev()
        .map(|s| (s.mount_point.0.as_slice(), *s))
        .collect()
}

fn mount_point(m: &mountinfo::Mount, st: Option<&lift_bundle::Statvfs>) -> MountPoint {
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
        image_statvfs: None,
    }
}

/// The visible mounts of a mount table, with their statvfs where the probe
/// took one.
pub fn mount_points(all: &[mountinfo::Mount], stats: &[&lift_bundle::Statvfs]) -> Vec<MountPoint> {
    let stats = by_mount(stats);
    mountinfo::visible(all)
        .into_iter()
        .map(|m| mount_point(m, stats.get(m.mount_point.as_bytes()).copied()))
        .collect()
}

/// The mount that holds `path`: the longest mount point that prefixes it.
pub fn holding<'m>(mounts: &'m [MountPoint], path: &str) -> Option<&'m MountPoint> {
    mounts
        .iter()
        .filter(|m| mountinfo::holds(&m.mount_point, path))
        .max_by_key(|m| m.mount_point.len())
}
