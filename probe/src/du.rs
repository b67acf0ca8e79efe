//! A data directory's size by metadata alone (issue 28): `lstat` of every
//! entry, summed. Nothing is read but directory listings; no symlink is
//! followed; a directory on another filesystem (a mount point below the
//! start) is counted and not entered, so a stale NFS mount inside a data
//! directory is never touched; a FIFO is only ever `lstat`ed. Each walk is
//! bounded in entries and time, and says which bound cut it.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use lift_bundle::{DirUsage, FileKind};

use crate::fs::{child, Error, Root};

/// Most entries one walk visits.
pub const MAX_ENTRIES: u64 = 200_000;
/// Longest one walk runs.
pub const MAX_TIME: Duration = Duration::from_secs(15);
/// Entries of one directory read before moving on (the rest still count
/// toward the bound: the walk stops there).
const MAX_CHILDREN: usize = MAX_ENTRIES as usize;

/// A directory that is named but not walked, and why.
pub fn not_walked(named: &[u8], why: &str) -> DirUsage {
    DirUsage {
        path: named.into(),
        bytes: 0,
        allocated_bytes: 0,
        files: 0,
        dirs: 0,
        others: 0,
        mounts_skipped: 0,
        unreadable: 0,
        cut: Some(why.into()),
        elapsed_ms: 0,
    }
}

/// Walks `dir` (already resolved inside the root, a directory) until done,
/// `MAX_ENTRIES` entries, `MAX_TIME` or `deadline`, whichever comes first.
/// `stop` says whether the probe as a whole must stop (a signal).
pub fn walk(
    root: &Root,
    named: &[u8],
    dir: &[u8],
    deadline: Instant,
    stop: &dyn Fn() -> bool,
) -> DirUsage {
    let started = Instant::now();
    let until = deadline.min(started + MAX_TIME);
    let mut u = not_walked(named, "");
    u.cut = None;
    let dev = match root.lstat(dir) {
        Ok(m) if m.is_dir() => {
            u.dirs = 1;
            u.allocated_bytes = m.blocks() * 512;
            m.dev()
        }
        Ok(_) => return not_walked(named, "not a directory"),
        Err(Error::NetworkFs) => return not_walked(named, "on a network filesystem: not walked"),
        Err(Error::Io(e)) => return not_walked(named, &format!("not walked: {e}")),
    };
    // Hard links counted once (by inode; only files with more than one link).
    let mut linked: HashSet<u64> = HashSet::new();
    let mut stack = vec![dir.to_vec()];
    let mut entries = 0u64;
    'walk: while let Some(d) = stack.pop() {
        let names = match root.read_dir(&d, MAX_CHILDREN) {
            Ok((names, _)) => names,
            Err(_) => {
                u.unreadable += 1;
                continue;
            }
        };
        for (name, _) in names {
            entries += 1;
            if entries > MAX_ENTRIES {
                u.cut = Some(format!(
                    "stopped at {MAX_ENTRIES} entries: the sizes are of the part walked"
                ));
                break 'walk;
            }
            if entries.is_multiple_of(256) && (Instant::now() >= until || stop()) {
                u.cut = Some(format!(
                    "stopped after {} s at {entries} entries: the sizes are of the part walked",
                    started.elapsed().as_secs()
                ));
                break 'walk;
            }
            let path = child(&d, &name);
            let meta = match root.lstat(&path) {
                Ok(m) => m,
                Err(Error::NetworkFs) => {
                    u.mounts_skipped += 1;
                    continue;
                }
                Err(Error::Io(_)) => continue,
            };
            match crate::fs::kind_of(meta.file_type()) {
                FileKind::Dir if meta.dev() != dev => u.mounts_skipped += 1,
                FileKind::Dir => {
                    u.dirs += 1;
                    u.allocated_bytes += meta.blocks() * 512;
                    stack.push(path);
                }
                FileKind::File => {
                    if meta.nlink() > 1 && !linked.insert(meta.ino()) {
                        continue;
                    }
                    u.files += 1;
                    u.bytes += meta.size();
                    u.allocated_bytes += meta.blocks() * 512;
                }
                _ => u.others += 1,
            }
        }
    }
    u.elapsed_ms = started.elapsed().as_millis() as u64;
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_sizes_without_following_links_or_opening_fifos() {
        let t = std::env::temp_dir().join(format!("lift-du-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        std::fs::create_dir_all(t.join("data/base/1")).unwrap();
        std::fs::write(t.join("data/base/1/1259"), vec![0u8; 8192]).unwrap();
        std::fs::write(t.join("data/PG_VERSION"), b"15\n").unwrap();
        std::os::unix::fs::symlink("/", t.join("data/loop")).unwrap();
        nix::unistd::mkfifo(&t.join("data/fifo"), nix::sys::stat::Mode::S_IRUSR).unwrap();
        let root = Root::new(t.clone(), Vec::new());
        let far = Instant::now() + Duration::from_secs(60);
        let u = walk(&root, b"/data", b"/data", far, &|| false);
        assert_eq!((u.files, u.bytes, u.others, u.dirs), (2, 8195, 2, 3));
        assert_eq!(u.cut, None);
        // A mount point below it on a network filesystem is counted, not
        // entered (no system call reaches it), and so is one at the start.
        let nfs = [t.as_os_str().as_encoded_bytes(), b"/data/base/1"].concat();
        let guarded = Root::new(t.clone(), vec![nfs.clone()]);
        let u = walk(&guarded, b"/data", b"/data", far, &|| false);
        assert_eq!((u.files, u.mounts_skipped), (1, 1));
        let u = walk(&guarded, b"/data/base/1", b"/data/base/1", far, &|| false);
        assert_eq!(
            u.cut.as_deref(),
            Some("on a network filesystem: not walked")
        );
        let gone = walk(&root, b"/nope", b"/nope", far, &|| false);
        assert!(gone.cut.unwrap().starts_with("not walked"));
        let _ = std::fs::remove_dir_all(&t);
    }
}
