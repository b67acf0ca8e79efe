//! Safe access to the scanned root: paths are resolved inside the root
//! (symlinks never lead out of it), final components are never followed,
//! only regular files are opened, and network filesystems are never touched.

use std::ffi::OsStr;
use std::fs::{self, File, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use lift_bundle::paths::{components, join};
use lift_bundle::FileKind;
use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sys::stat::Mode;

/// Filesystem types whose servers may hang or be slow: never walked, read or
/// `statvfs`-ed.
const NETWORK_FS: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ceph",
    "glusterfs",
    "9p",
    "autofs",
    "afs",
    "lustre",
    "gpfs",
    "ocfs2",
    "davfs",
    "sshfs",
    "ncpfs",
    "coda",
    "beegfs",
    "cvmfs",
];

/// Symlinks followed while resolving one path, like the kernel's limit.
const MAX_HOPS: u32 = 40;

pub fn is_network_fs(fs_type: &str) -> bool {
    NETWORK_FS.contains(&fs_type) || fs_type.starts_with("fuse.") || fs_type == "fuse"
}

/// The root being scanned and the real mount points that must not be touched.
pub struct Root {
    dir: PathBuf,
    live: bool,
    /// Real paths of network or automounted filesystems.
    avoid: Vec<Vec<u8>>,
}

/// What resolving a path met on the way: symlinks, to record them.
pub type Hops = Vec<(Vec<u8>, Vec<u8>)>;

/// A directory's children by name and the kind `readdir` gave.
pub type Children = Vec<(Vec<u8>, FileKind)>;

impl Root {
    /// `avoid` holds the real mount points of network filesystems, from the
    /// live kernel's mountinfo.
    pub fn new(dir: PathBuf, avoid: Vec<Vec<u8>>) -> Root {
        let live = dir == Path::new("/");
        Root { dir, live, avoid }
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The real path of a logical (root-relative, absolute) path.
    pub fn real(&self, logical: &[u8]) -> PathBuf {
        if self.live {
            PathBuf::from(OsStr::from_bytes(logical))
        } else {
            let mut p = self.dir.as_os_str().as_bytes().to_vec();
            p.extend_from_slice(logical);
            PathBuf::from(OsStr::from_bytes(&p))
        }
    }

    /// True when the real path is on (or is) a network filesystem's mount.
    pub fn on_network_fs(&self, logical: &[u8]) -> bool {
        let real = self.real(logical);
        let real = real.as_os_str().as_bytes();
        self.avoid.iter().any(|mp| {
            real.starts_with(mp) && (real.len() == mp.len() || real[mp.len()] == b'/' || mp == b"/")
        })
    }

    /// Resolves every component but the last inside the root, following
    /// symlinks as the kernel would but never out of the root. Returns the
    /// canonical logical path and the symlinks passed through.
    pub fn resolve(&self, logical: &[u8]) -> Result<(Vec<u8>, Hops), Error> {
        let mut hops = Vec::new();
        let mut pending: Vec<Vec<u8>> = components(logical).rev().map(<[u8]>::to_vec).collect();
        let mut cur: Vec<Vec<u8>> = Vec::new();
        let mut followed = 0;
        while let Some(comp) = pending.pop() {
            if comp == b"." {
                continue;
            }
            if comp == b".." {
                cur.pop();
                continue;
            }
            if pending.is_empty() {
                cur.push(comp);
                break;
            }
            cur.push(comp);
            let here = join(&cur);
            if self.on_network_fs(&here) {
                return Err(Error::NetworkFs);
            }
            let meta = fs::symlink_metadata(self.real(&here)).map_err(Error::Io)?;
            if meta.file_type().is_symlink() {
                followed += 1;
                if followed > MAX_HOPS {
                    return Err(Error::Io(io::Error::from_raw_os_error(libc::ELOOP)));
                }
                let target = fs::read_link(self.real(&here)).map_err(Error::Io)?;
                let target = target.as_os_str().as_bytes().to_vec();
                cur.pop();
                if target.starts_with(b"/") {
                    cur.clear();
                }
                pending.extend(components(&target).rev().map(<[u8]>::to_vec));
                hops.push((here, target));
            } else if !meta.is_dir() {
                return Err(Error::Io(io::Error::from_raw_os_error(libc::ENOTDIR)));
            }
        }
        Ok((join(&cur), hops))
    }

    pub fn lstat(&self, logical: &[u8]) -> Result<Metadata, Error> {
        if self.on_network_fs(logical) {
            return Err(Error::NetworkFs);
        }
        fs::symlink_metadata(self.real(logical)).map_err(Error::Io)
    }

    pub fn read_link(&self, logical: &[u8]) -> io::Result<Vec<u8>> {
        fs::read_link(self.real(logical)).map(|t| t.into_os_string().into_vec())
    }

    /// Opens a regular file without following a final symlink, without
    /// blocking on a FIFO swapped in since `lstat`, and without touching its
    /// access time where the kernel allows. open(2) is called through nix,
    /// not std: std retries on EINTR, which would defeat the watchdog on a
    /// hung mount.
    pub fn open_regular(&self, logical: &[u8]) -> io::Result<File> {
        let real = self.real(logical);
        let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
        let fd = match open(&real, flags | OFlag::O_NOATIME, Mode::empty()) {
            // O_NOATIME needs ownership or CAP_FOWNER.
            Err(Errno::EPERM) => open(&real, flags, Mode::empty()),
            r => r,
        }?;
        let file = File::from(fd);
        if !file.metadata()?.file_type().is_file() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        Ok(file)
    }

    /// A directory's children, as `readdir` gives them (no stat of each),
    /// sorted by name, at most `limit`; the bool says whether more were cut.
    pub fn read_dir(&self, logical: &[u8], limit: usize) -> io::Result<(Children, bool)> {
        let mut out = Vec::new();
        let mut cut = false;
        for e in fs::read_dir(self.real(logical))? {
            let e = e?;
            if out.len() >= limit {
                cut = true;
                break;
            }
            let kind = e.file_type().map(kind_of).unwrap_or(FileKind::Unknown);
            out.push((e.file_name().into_vec(), kind));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((out, cut))
    }
}

/// Reads at most `cap` bytes; the bool says whether the file had more.
/// `size` is what lstat said (see [`read_up_to`]).
pub fn read_capped(file: &mut File, cap: u64, size: u64) -> io::Result<(Vec<u8>, bool)> {
    let mut buf = read_up_to(file, cap.saturating_add(1), size)?;
    let more = buf.len() as u64 > cap;
    buf.truncate(cap as usize);
    Ok((buf, more))
}

/// Reads until EOF or `n` bytes, straight into the buffer it returns. The
/// expected `size` (lstat's; 0 under /proc and /sys) is allocated at once,
/// so that a file is held in one buffer of its size rather than grown by
/// doubling into one up to twice as large; nothing is zeroed first. A read
/// interrupted by the watchdog or a stop signal ends with `TimedOut` (std's
/// readers would retry forever).
pub fn read_up_to(file: &mut File, n: u64, size: u64) -> io::Result<Vec<u8>> {
    use std::os::fd::AsRawFd;
    const STEP: usize = 64 * 1024;
    // Under /proc the size is 0 but a read gives some KiB.
    let first = if size == 0 {
        4096
    } else {
        size.saturating_add(1)
    };
    let mut buf: Vec<u8> = Vec::with_capacity(n.min(first) as usize);
    while (buf.len() as u64) < n {
        let left = (n - buf.len() as u64) as usize;
        if buf.len() == buf.capacity() {
            buf.reserve(STEP.min(left));
        }
        // The allocation's spare room first: its last byte is where the
        // read that finds EOF lands.
        let spare = buf.spare_capacity_mut();
        let want = spare.len().min(left);
        // SAFETY: read(2) writes at most `want` bytes to the start of the
        // spare capacity, which is allocated, writable and not aliased.
        let got = unsafe { libc::read(file.as_raw_fd(), spare.as_mut_ptr().cast(), want) };
        match got {
            0 => break,
            1.. => {
                // SAFETY: the kernel initialized these `got` (<= `want`) bytes.
                unsafe { buf.set_len(buf.len() + got as usize) };
            }
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
                if crate::signals::stop_requested() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "read stopped: out of time or interrupted",
                    ));
                }
            }
        }
    }
    Ok(buf)
}

#[derive(Debug)]
pub enum Error {
    Io(io::Error),
    NetworkFs,
}

pub fn kind_of(t: fs::FileType) -> FileKind {
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_file() {
        FileKind::File
    } else if t.is_fifo() {
        FileKind::Fifo
    } else if t.is_socket() {
        FileKind::Socket
    } else if t.is_block_device() {
        FileKind::Block
    } else if t.is_char_device() {
        FileKind::Char
    } else {
        FileKind::Unknown
    }
}

pub fn mtime(m: &Metadata) -> i64 {
    m.mtime()
}

/// Joins a directory and a child name.
pub fn child(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Whatever lstat said (a file that grew, shrank, or /proc's 0), the
    /// bytes read are the file's, up to `n`.
    #[test]
    fn read_up_to_is_exact_whatever_the_size_hint() {
        let dir = tmp("read-up-to");
        let path = dir.join("f");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &content).unwrap();
        for hint in [0, 1, 4096, 199_999, 200_000, 200_001, 1 << 30] {
            for n in [0, 1, 65_536, 199_999, 200_000, 200_001, 1 << 20] {
                let mut f = File::open(&path).unwrap();
                let got = read_up_to(&mut f, n, hint).unwrap();
                assert_eq!(got, &content[..content.len().min(n as usize)], "{hint} {n}");
            }
        }
        let (got, more) = read_capped(&mut File::open(&path).unwrap(), 1000, 200_000).unwrap();
        assert_eq!((got.as_slice(), more), (&content[..1000], true));
        let _ = fs::remove_dir_all(&dir);
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lift-probe-fs-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn absolute_symlinks_stay_inside_the_root() {
        let d = tmp("abs");
        fs::create_dir_all(d.join("usr/lib/systemd/system")).unwrap();
        symlink("/usr/lib", d.join("lib")).unwrap();
        symlink("/etc", d.join("usr/lib/systemd/system/escape")).unwrap();
        let root = Root::new(d.clone(), vec![]);
        let (canon, hops) = root.resolve(b"/lib/systemd/system/ssh.service").unwrap();
        assert_eq!(canon, b"/usr/lib/systemd/system/ssh.service");
        assert_eq!(hops, vec![(b"/lib".to_vec(), b"/usr/lib".to_vec())]);
        // An absolute link resolves against the root, never the host's /etc.
        let err = root.resolve(b"/usr/lib/systemd/system/escape/passwd");
        assert!(
            matches!(err, Err(Error::Io(ref e)) if e.kind() == io::ErrorKind::NotFound),
            "{err:?}"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn loops_end_with_eloop() {
        let d = tmp("loop");
        fs::create_dir_all(d.join("etc")).unwrap();
        symlink("loop2", d.join("etc/loop1")).unwrap();
        symlink("loop1", d.join("etc/loop2")).unwrap();
        let root = Root::new(d.clone(), vec![]);
        match root.resolve(b"/etc/loop1/x") {
            Err(Error::Io(e)) => assert_eq!(e.raw_os_error(), Some(libc::ELOOP)),
            other => panic!("{other:?}"),
        }
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn network_mounts_are_avoided_before_any_syscall() {
        let root = Root::new("/".into(), vec![b"/mnt/nfs".to_vec()]);
        assert!(root.on_network_fs(b"/mnt/nfs"));
        assert!(root.on_network_fs(b"/mnt/nfs/a/b"));
        assert!(!root.on_network_fs(b"/mnt/nfs2"));
        assert!(matches!(
            root.resolve(b"/mnt/nfs/a/b"),
            Err(Error::NetworkFs)
        ));
        assert!(matches!(root.lstat(b"/mnt/nfs"), Err(Error::NetworkFs)));
    }
}
