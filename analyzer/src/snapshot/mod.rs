//! Snapshot: "a root we can read", over a `.lift` bundle, its JSON form, a
//! directory tree (a fixture, a mounted image, an unpacked bundle, an
//! extracted sosreport) or a tar archive (a sosreport as it comes, a root
//! tarball). Parsers never know which.
//!
//! Backends implement the small `Snapshot` trait (one node, one listing, the
//! collection metadata); path resolution, file reading and globbing are
//! written once on top of it, in `Root`.

pub mod archive;
mod bundle;
mod dir;

pub use bundle::BundleSnapshot;
pub use dir::DirSnapshot;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use lift_bundle::paths::{components, join};
use lift_bundle::{Fact, FileKind, Footer, Header, Note, SkipReason};

/// One filesystem object as the snapshot holds it; the last path component
/// is not followed.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub kind: FileKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    pub link_target: Option<Cow<'a, [u8]>>,
    pub content: Data<'a>,
}

/// What is known of a node's content.
#[derive(Debug, Clone)]
pub enum Data<'a> {
    Full(Cow<'a, [u8]>),
    /// Only the head was captured; `size` is the file's true size.
    Truncated {
        head: Cow<'a, [u8]>,
        size: u64,
    },
    /// The probe could not read it (errno and message).
    Unreadable {
        errno: i32,
        message: String,
    },
    /// The probe chose not to read it.
    Skipped(SkipReason),
    /// Listed with its SHA-256 only.
    Digest(Cow<'a, [u8]>),
    /// Metadata only (a directory, a symlink, a listed file).
    NotCaptured,
}

/// A directory's child.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildInfo {
    pub name: Vec<u8>,
    pub kind: FileKind,
    pub link_target: Option<Vec<u8>>,
}

/// How the snapshot was made, for the report's "bundle" section.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub path: PathBuf,
    /// `bundle`, `json`, `directory` or `archive`.
    pub kind: &'static str,
    pub header: Option<Header>,
    pub footer: Option<Footer>,
    /// Records from a newer probe that were skipped.
    pub skipped_records: u64,
    pub facts: Vec<Fact>,
    pub notes: Vec<Note>,
    /// (path, message) of each entry the probe could not read.
    pub errors: Vec<(String, String)>,
}

impl Provenance {
    /// A bundle is complete when it has its footer and the footer says the
    /// run was not cut short; a directory is whatever it holds.
    pub fn complete(&self) -> bool {
        match self.kind {
            "directory" | "archive" => true,
            _ => self.footer.as_ref().is_some_and(|f| !f.interrupted),
        }
    }
}

pub trait Snapshot: Send + Sync {
    /// The node at a canonical path (no symlink in it but maybe the last).
    fn node(&self, path: &[u8]) -> Option<Node<'_>>;
    /// A directory's children, if it was listed.
    fn children(&self, path: &[u8]) -> Option<Vec<ChildInfo>>;
    fn provenance(&self) -> &Provenance;
}

/// A path whose symlinks loop (or chain past the hops a kernel follows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: too many levels of symbolic links")]
pub struct ResolveError {
    pub path: String,
}

/// How a lookup ended.
#[derive(Debug, Clone)]
pub enum Lookup<'a> {
    Found(Node<'a>),
    /// Not in the snapshot: absent on the host, or never collected.
    Absent,
    /// A symlink loop, or a component that is not a directory.
    Broken(String),
}

/// Symlinks followed while resolving one path, as the kernel allows.
const MAX_HOPS: u32 = 40;

/// The read-side API every parser binding uses.
pub struct Root<'s> {
    pub snap: &'s dyn Snapshot,
}

impl<'s> Root<'s> {
    pub fn new(snap: &'s dyn Snapshot) -> Self {
        Root { snap }
    }

    /// Resolves every component, following symlinks inside the snapshot;
    /// with `follow_last` false the final component is not followed.
    pub fn resolve(&self, path: &[u8], follow_last: bool) -> Result<Vec<u8>, ResolveError> {
        if let Some(p) = self.resolve_plain(path, follow_last) {
            return Ok(p);
        }
        let mut pending: Vec<Vec<u8>> = components(path).rev().map(<[u8]>::to_vec).collect();
        let mut cur: Vec<Vec<u8>> = Vec::new();
        let mut hops = 0;
        while let Some(c) = pending.pop() {
            match c.as_slice() {
                b"." => continue,
                b".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
            let last = pending.is_empty();
            if last && !follow_last {
                break;
            }
            let here = join(&cur);
            let Some(node) = self.snap.node(&here) else {
                if last {
                    break;
                }
                // An intermediate directory need not be recorded itself.
                continue;
            };
            if node.kind == FileKind::Symlink {
                let Some(target) = node.link_target else {
                    break;
                };
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(ResolveError {
                        path: String::from_utf8_lossy(path).into_owned(),
                    });
                }
                cur.pop();
                if target.starts_with(b"/") {
                    cur.clear();
                }
                pending.extend(components(&target).rev().map(<[u8]>::to_vec));
            }
        }
        Ok(join(&cur))
    }

    /// `resolve` without building a path component by component, for the
    /// common case: a canonical absolute path (no `//`, `.` or `..`, no
    /// trailing `/`) with no symlink on the way. None when that is not so.
    fn resolve_plain(&self, path: &[u8], follow_last: bool) -> Option<Vec<u8>> {
        if path == b"/" {
            return Some(path.to_vec());
        }
        if path.first() != Some(&b'/') || path.last() == Some(&b'/') {
            return None;
        }
        let mut start = 1;
        loop {
            let end = path[start..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(path.len(), |i| start + i);
            let c = &path[start..end];
            if c.is_empty() || c == b"." || c == b".." {
                return None;
            }
            let last = end == path.len();
            if !last || follow_last {
                let link = self
                    .snap
                    .node(&path[..end])
                    .is_some_and(|n| n.kind == FileKind::Symlink);
                if link {
                    return None;
                }
            }
            if last {
                return Some(path.to_vec());
            }
            start = end + 1;
        }
    }

    /// The node a path leads to, following symlinks like `open` does.
    pub fn lookup(&self, path: &str) -> Lookup<'s> {
        match self.resolve(path.as_bytes(), true) {
            Ok(p) => match self.snap.node(&p) {
                Some(n) => Lookup::Found(n),
                None => Lookup::Absent,
            },
            Err(e) => Lookup::Broken(e.to_string()),
        }
    }

    /// The node itself, the last component not followed (`lstat`).
    pub fn lstat(&self, path: &str) -> Option<Node<'s>> {
        let p = self.resolve(path.as_bytes(), false).ok()?;
        self.snap.node(&p)
    }

    /// A file's full content; None when absent, truncated or unreadable.
    pub fn read(&self, path: &str) -> Option<Cow<'s, [u8]>> {
        match self.lookup(path) {
            Lookup::Found(Node {
                content: Data::Full(b),
                ..
            }) => Some(b),
            _ => None,
        }
    }

    /// A file's content, or its head when truncated.
    pub fn read_head(&self, path: &str) -> Option<Cow<'s, [u8]>> {
        match self.lookup(path) {
            Lookup::Found(Node {
                content: Data::Full(b),
                ..
            })
            | Lookup::Found(Node {
                content: Data::Truncated { head: b, .. },
                ..
            }) => Some(b),
            _ => None,
        }
    }

    pub fn read_string(&self, path: &str) -> Option<String> {
        self.read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Children of a directory, following a symlink to it.
    pub fn list(&self, dir: &str) -> Option<Vec<ChildInfo>> {
        let p = self.resolve(dir.as_bytes(), true).ok()?;
        self.snap.children(&p)
    }

    /// Paths of the children of `dir` whose names match a shell pattern.
    pub fn glob(&self, dir: &str, pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .list(dir)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| crate::snapshot::matches(pattern.as_bytes(), &c.name))
            .map(|c| {
                format!(
                    "{}/{}",
                    dir.trim_end_matches('/'),
                    String::from_utf8_lossy(&c.name)
                )
            })
            .collect();
        out.sort();
        out
    }

    pub fn provenance(&self) -> &'s Provenance {
        self.snap.provenance()
    }
}

pub use lift_bundle::paths::matches;

/// What INPUT is, by its content: a bundle (plain, or encrypted for the
/// analyst), a JSON form, a tar archive (plain, gzip, xz or bzip2), or a
/// directory.
pub fn open(path: &Path) -> Result<Box<dyn Snapshot>, OpenError> {
    let meta = std::fs::metadata(path).map_err(|e| OpenError::new(path, e.to_string()))?;
    if meta.is_dir() {
        return Ok(Box::new(DirSnapshot::new(path)));
    }
    // Enough for tar's "ustar" magic at byte 257.
    let mut head = Vec::with_capacity(512);
    {
        use std::io::Read;
        let f = lift_bundle::input::open_regular(path)
            .map_err(|e| OpenError::new(path, format!("{e}, nor a directory")))?;
        f.take(512)
            .read_to_end(&mut head)
            .map_err(|e| OpenError::new(path, e.to_string()))?;
    }
    let n = head.len().min(8);
    if crate::encryption::is_encrypted(&head) {
        BundleSnapshot::open(path).map(|b| Box::new(b) as Box<dyn Snapshot>)
    } else if let Some(c) = archive::Compression::sniff(&head) {
        archive::open(path, c).map(|a| Box::new(a) as Box<dyn Snapshot>)
    } else if &head[..n] == lift_bundle::MAGIC {
        BundleSnapshot::open(path).map(|b| Box::new(b) as Box<dyn Snapshot>)
    } else if head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        BundleSnapshot::open_json(path).map(|b| Box::new(b) as Box<dyn Snapshot>)
    } else {
        Err(OpenError::new(
            path,
            "neither a lift bundle (no LIFTBNDL magic, nor age's), its JSON form, a tar archive (plain, gzip, xz, bzip2), nor a directory".into(),
        ))
    }
}

/// INPUT could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct OpenError {
    pub path: PathBuf,
    pub message: String,
}

impl OpenError {
    pub fn new(path: &Path, message: String) -> Self {
        OpenError {
            path: path.to_owned(),
            message,
        }
    }
}
