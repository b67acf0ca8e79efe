//! A snapshot over a directory tree. Reads are bounded like the probe's,
//! and paths never leave the tree (resolution happens in `Root`, which
//! asks for one canonical path at a time; symlinks are never followed here).

use std::borrow::Cow;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use lift_bundle::FileKind;

use super::{ChildInfo, Data, Node, Provenance, Snapshot};

/// Largest file read from a tree (an rpm database can be large).
const MAX_FILE: u64 = 512 << 20;
/// Most children listed for one directory.
const MAX_CHILDREN: usize = 100_000;

pub struct DirSnapshot {
    dir: PathBuf,
    provenance: Provenance,
}

impl DirSnapshot {
    pub fn new(dir: &Path) -> Self {
        DirSnapshot {
            dir: dir.to_owned(),
            provenance: Provenance {
                path: dir.to_owned(),
                kind: "directory",
                ..Provenance::default()
            },
        }
    }

    fn real(&self, path: &[u8]) -> PathBuf {
        let mut p = self.dir.as_os_str().as_bytes().to_vec();
        p.extend_from_slice(path);
        PathBuf::from(std::ffi::OsString::from_vec(p))
    }
}

fn kind_of(t: std::fs::FileType) -> FileKind {
    match () {
        _ if t.is_symlink() => FileKind::Symlink,
        _ if t.is_dir() => FileKind::Dir,
        _ if t.is_file() => FileKind::File,
        _ if t.is_fifo() => FileKind::Fifo,
        _ if t.is_socket() => FileKind::Socket,
        _ if t.is_block_device() => FileKind::Block,
        _ if t.is_char_device() => FileKind::Char,
        _ => FileKind::Unknown,
    }
}

/// A file's first `MAX_FILE + 1` bytes, allocated once at the size
/// `lstat` gave. A sparse file (fewer blocks than its size) is read by its
/// data (SEEK_DATA, SEEK_HOLE): its holes are zeros never read from disk
/// (41 sparse files of 600 MB took 65 s read whole).
fn read_capped(mut f: std::fs::File, meta: &std::fs::Metadata) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    use std::os::unix::io::AsRawFd;
    let want = meta.size().min(MAX_FILE + 1);
    let sparse = meta.size() > 0 && meta.blocks().saturating_mul(512) < meta.size();
    if !sparse {
        let mut buf = Vec::with_capacity(want as usize);
        (&mut f).take(MAX_FILE + 1).read_to_end(&mut buf)?;
        return Ok(buf);
    }
    // Zeroed memory is not touched until written: the holes cost nothing.
    let mut buf = vec![0u8; want as usize];
    let mut at: i64 = 0;
    while (at as u64) < want {
        // SAFETY: lseek on a descriptor this function owns.
        let data = unsafe { libc::lseek(f.as_raw_fd(), at, libc::SEEK_DATA) };
        if data < 0 {
            let e = std::io::Error::last_os_error();
            // ENXIO: no data past `at`, the rest is a hole.
            if e.raw_os_error() == Some(libc::ENXIO) {
                break;
            }
            return Err(e);
        }
        // SAFETY: as above.
        let hole = unsafe { libc::lseek(f.as_raw_fd(), data, libc::SEEK_HOLE) };
        let end = if hole < 0 {
            want
        } else {
            (hole as u64).min(want)
        };
        let mut pos = data as u64;
        while pos < end {
            let n = f.read_at(&mut buf[pos as usize..end as usize], pos)?;
            if n == 0 {
                // Shorter than lstat said: keep what there is.
                buf.truncate(pos as usize);
                return Ok(buf);
            }
            pos += n as u64;
        }
        at = end as i64;
    }
    Ok(buf)
}

impl Snapshot for DirSnapshot {
    fn node(&self, path: &[u8]) -> Option<Node<'_>> {
        if path.split(|&b| b == b'/').any(|c| c == b"..") {
            return None;
        }
        let real = self.real(path);
        let meta = std::fs::symlink_metadata(&real).ok()?;
        let kind = kind_of(meta.file_type());
        let link_target = (kind == FileKind::Symlink)
            .then(|| {
                std::fs::read_link(&real)
                    .ok()
                    .map(|t| Cow::Owned(t.into_os_string().into_vec()))
            })
            .flatten();
        let content = if kind == FileKind::File {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(&real);
            match file {
                Ok(f) => match read_capped(f, &meta) {
                    Ok(buf) if buf.len() as u64 > MAX_FILE => {
                        let mut buf = buf;
                        buf.truncate(MAX_FILE as usize);
                        Data::Truncated {
                            head: Cow::Owned(buf),
                            size: meta.size(),
                        }
                    }
                    Ok(buf) => Data::Full(Cow::Owned(buf)),
                    Err(e) => Data::Unreadable {
                        errno: e.raw_os_error().unwrap_or(0),
                        message: e.to_string(),
                    },
                },
                Err(e) => Data::Unreadable {
                    errno: e.raw_os_error().unwrap_or(0),
                    message: e.to_string(),
                },
            }
        } else {
            Data::NotCaptured
        };
        Some(Node {
            kind,
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size(),
            mtime: meta.mtime(),
            link_target,
            content,
        })
    }

    fn children(&self, path: &[u8]) -> Option<Vec<ChildInfo>> {
        let real = self.real(path);
        if !std::fs::symlink_metadata(&real).ok()?.is_dir() {
            return None;
        }
        let mut out: Vec<ChildInfo> = std::fs::read_dir(&real)
            .ok()?
            .flatten()
            .take(MAX_CHILDREN)
            .map(|e| {
                let kind = e.file_type().map(kind_of).unwrap_or(FileKind::Unknown);
                let link_target = (kind == FileKind::Symlink)
                    .then(|| {
                        std::fs::read_link(e.path())
                            .ok()
                            .map(|t| t.into_os_string().into_vec())
                    })
                    .flatten();
                ChildInfo {
                    name: e.file_name().into_vec(),
                    kind,
                    link_target,
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Some(out)
    }

    fn provenance(&self) -> &Provenance {
        &self.provenance
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempRoot;
    use std::os::unix::fs::FileExt;

    /// Issue 23: sparse files are read by their data. 41 files of 600 MB
    /// with a few bytes each: read in moments, the data where it was, the
    /// holes zeros, the head cut at the per-file cap.
    #[test]
    fn sparse_files_are_read_by_their_data() {
        let root = TempRoot::new();
        let dir = root.path().join("var/log");
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..41 {
            let f = std::fs::File::create(dir.join(format!("s{i}"))).unwrap();
            f.set_len(600 << 20).unwrap();
            f.write_at(b"DATA HERE", 300 << 20).unwrap();
        }
        let snap = DirSnapshot::new(root.path());
        let t = std::time::Instant::now();
        for i in 0..41 {
            let node = snap.node(format!("/var/log/s{i}").as_bytes()).unwrap();
            let Data::Truncated { head, size } = node.content else {
                panic!("{:?}", node.content)
            };
            assert_eq!(size, 600 << 20);
            assert_eq!(head.len() as u64, MAX_FILE);
            assert_eq!(&head[(300 << 20)..(300 << 20) + 9], b"DATA HERE");
            assert_eq!(head[(300 << 20) - 1], 0);
        }
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    }

    #[test]
    fn a_dense_file_reads_whole() {
        let root = TempRoot::with(&[("etc/hostname", "web1\n")]);
        let snap = DirSnapshot::new(root.path());
        let node = snap.node(b"/etc/hostname").unwrap();
        assert!(matches!(node.content, Data::Full(c) if c.as_ref() == b"web1\n"));
    }
}
