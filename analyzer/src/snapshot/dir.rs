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
                Ok(f) => {
                    let mut buf = Vec::new();
                    match f.take(MAX_FILE + 1).read_to_end(&mut buf) {
                        Ok(_) if buf.len() as u64 > MAX_FILE => {
                            buf.truncate(MAX_FILE as usize);
                            Data::Truncated {
                                head: Cow::Owned(buf),
                                size: meta.size(),
                            }
                        }
                        Ok(_) => Data::Full(Cow::Owned(buf)),
                        Err(e) => Data::Unreadable {
                            errno: e.raw_os_error().unwrap_or(0),
                            message: e.to_string(),
                        },
                    }
                }
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
