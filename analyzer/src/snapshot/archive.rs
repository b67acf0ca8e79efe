//! A snapshot over a tar archive (`.tar`, `.tar.gz`, `.tar.xz`,
//! `.tar.bz2`): a sosreport as it comes, a `tar -C / -c .` of a root, a
//! `docker export`. The archive is streamed into memory, never extracted to
//! disk, under the same explicit limits as a bundle (entry count, path
//! length, total bytes) and a per-file cap; the compression is told by the
//! magic bytes, not the name.
//!
//! A sosreport's tree sits under one top directory (`sosreport-HOST-DATE/`),
//! and so does many a hand-made root tarball: a single top directory that
//! holds `etc/`, `usr/` or `sos_commands/` is stripped, so that the tree is
//! a root.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;

use lift_bundle::{Bytes, Content, Entry, FileKind, Limits, Record};

use super::bundle::BundleSnapshot;
use super::OpenError;

/// Largest file kept whole; past it only the head is kept (as DirSnapshot).
const MAX_FILE: u64 = 512 << 20;

/// How the tar stream is compressed, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    Bzip2,
}

impl Compression {
    /// None when the bytes are no tar archive this reader knows.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compression::Xz)
        } else if head.starts_with(b"BZh") {
            Some(Compression::Bzip2)
        } else if head.len() >= 262 && &head[257..262] == b"ustar" {
            Some(Compression::None)
        } else {
            None
        }
    }
}

/// Counts decompressed bytes and fails past the limit, so that no archive
/// (a compression bomb included) makes the reader hold more.
struct Capped<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(format!(
                "decompresses to more than {} bytes (the limit)",
                self.limit
            )));
        }
        Ok(n)
    }
}

pub fn open(path: &Path, compression: Compression) -> Result<BundleSnapshot, OpenError> {
    open_with(path, compression, Limits::default())
}

pub fn open_with(
    path: &Path,
    compression: Compression,
    limits: Limits,
) -> Result<BundleSnapshot, OpenError> {
    let file =
        lift_bundle::input::open_regular(path).map_err(|e| OpenError::new(path, e.to_string()))?;
    let file = io::BufReader::with_capacity(1 << 16, file);
    read(path, compression, file, limits)
}

/// Reads an archive from any byte stream; `path` names it in errors.
pub fn read<R: Read>(
    path: &Path,
    compression: Compression,
    input: R,
    limits: Limits,
) -> Result<BundleSnapshot, OpenError> {
    let stream: Box<dyn Read + '_> = match compression {
        Compression::None => Box::new(input),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Compression::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(input)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
    };
    let capped = Capped {
        inner: stream,
        read: 0,
        limit: limits.max_decompressed,
    };
    let (records, errors) = read_tar(capped, &limits).map_err(|m| OpenError::new(path, m))?;
    let mut snap = BundleSnapshot::from_records(path, "archive", records, 0);
    snap.add_errors(errors);
    Ok(snap)
}

/// An archive entry left out, and why: (path, reason).
type LeftOut = (String, String);

/// The archive's entries as bundle entries, rooted; and the entries left
/// out.
fn read_tar<R: Read>(stream: R, limits: &Limits) -> Result<(Vec<Record>, Vec<LeftOut>), String> {
    let mut archive = tar::Archive::new(stream);
    let mut entries: Vec<Entry> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut skipped = Vec::new();
    let iter = archive
        .entries()
        .map_err(|e| format!("not a readable tar archive: {e}"))?;
    for (n, item) in iter.enumerate() {
        let mut item = item.map_err(|e| format!("tar entry {n}: {e}"))?;
        if entries.len() as u64 >= limits.max_entries {
            return Err(format!(
                "more than {} entries (the limit)",
                limits.max_entries
            ));
        }
        let raw = item.path_bytes().into_owned();
        if raw.len() > limits.max_path_len {
            return Err(format!(
                "tar entry {n}: a path of {} bytes, over the {}-byte limit",
                raw.len(),
                limits.max_path_len
            ));
        }
        let Some(path) = rooted(&raw) else {
            skipped.push((
                String::from_utf8_lossy(&raw).into_owned(),
                "a path that leaves the archive's root (..)".to_string(),
            ));
            continue;
        };
        let header = item.header();
        let mode = header.mode().unwrap_or(0);
        let uid = header.uid().unwrap_or(0) as u32;
        let gid = header.gid().unwrap_or(0) as u32;
        let mtime = header.mtime().unwrap_or(0) as i64;
        let size = item.size();
        let link_name = item.link_name_bytes().map(|l| l.into_owned());
        let entry_type = item.header().entry_type();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let mut entry = Entry {
            spec: String::new(),
            path: Bytes(path.clone()),
            kind: FileKind::File,
            mode,
            uid,
            gid,
            size,
            mtime,
            link_target: None,
            content: Content::None,
        };
        use tar::EntryType as T;
        match entry_type {
            T::Regular | T::Continuous => {
                let mut buf = Vec::new();
                (&mut item)
                    .take(MAX_FILE)
                    .read_to_end(&mut buf)
                    .map_err(|e| format!("{name}: {e}"))?;
                entry.content = if size > MAX_FILE {
                    Content::Truncated {
                        head: Bytes(buf),
                        size,
                    }
                } else {
                    Content::Full(Bytes(buf))
                };
            }
            T::Directory => entry.kind = FileKind::Dir,
            T::Symlink => {
                entry.kind = FileKind::Symlink;
                entry.link_target = link_name.map(Bytes);
            }
            // A hard link is the file it names, which came earlier.
            T::Link => {
                let target = link_name.as_deref().and_then(rooted);
                match target.and_then(|t| index.get(&t)) {
                    Some(&i) => {
                        entry.size = entries[i].size;
                        entry.content = entries[i].content.clone();
                    }
                    None => {
                        skipped.push((name, "a hard link to an entry not before it".into()));
                        continue;
                    }
                }
            }
            T::Fifo => entry.kind = FileKind::Fifo,
            T::Char => entry.kind = FileKind::Char,
            T::Block => entry.kind = FileKind::Block,
            // Extension headers (pax, GNU long names) are read by `tar`
            // itself; anything else is no filesystem object.
            _ => continue,
        }
        match index.get(&path) {
            Some(&i) => entries[i] = entry,
            None => {
                index.insert(path, entries.len());
                entries.push(entry);
            }
        }
    }
    strip_top_dir(&mut entries);
    // The root itself is implied; as an entry it would be its own child.
    entries.retain(|e| e.path.0 != b"/");
    add_parents(&mut entries);
    mark_empty_dirs(&mut entries);
    Ok((entries.into_iter().map(Record::Entry).collect(), skipped))
}

/// `./etc/hosts`, `/etc/hosts`, `etc//hosts` -> `/etc/hosts`; None for a
/// path with `..` in it. The archive's own root is `/`.
fn rooted(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len() + 1);
    for c in raw.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return None,
            _ => {
                out.push(b'/');
                out.extend_from_slice(c);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Some(out)
}

/// Names below a lone top directory that make it the real root.
const ROOT_MARKS: &[&[u8]] = &[b"etc", b"usr", b"sos_commands"];

fn strip_top_dir(entries: &mut [Entry]) {
    let top = |p: &[u8]| -> Vec<u8> {
        let rest = &p[1..];
        rest[..rest.iter().position(|&b| b == b'/').unwrap_or(rest.len())].to_vec()
    };
    let tops: HashSet<Vec<u8>> = entries
        .iter()
        .filter(|e| e.path.0 != b"/")
        .map(|e| top(&e.path.0))
        .collect();
    if tops.len() != 1 {
        return;
    }
    let Some(single) = tops.into_iter().next() else {
        return;
    };
    let prefix = [b"/".as_slice(), &single].concat();
    let marked = entries.iter().any(|e| {
        ROOT_MARKS.iter().any(|m| {
            let want = [prefix.as_slice(), b"/", m].concat();
            e.path.0 == want || e.path.0.starts_with(&[want.as_slice(), b"/"].concat())
        })
    });
    if !marked {
        return;
    }
    for e in entries.iter_mut() {
        let rest = e.path.0[prefix.len()..].to_vec();
        e.path.0 = if rest.is_empty() { b"/".to_vec() } else { rest };
    }
}

/// A tar holds every entry below a directory it holds, so a directory with
/// none is empty, not unlisted (`./etc/init.d/` of a container image):
/// it is read as a listing with no children, as the same directory is in a
/// tree.
fn mark_empty_dirs(entries: &mut [Entry]) {
    let parents: HashSet<&[u8]> = entries
        .iter()
        .filter_map(|e| {
            let cut = e.path.0.iter().rposition(|&b| b == b'/')?;
            Some(if cut == 0 {
                &b"/"[..]
            } else {
                &e.path.0[..cut]
            })
        })
        .collect();
    let empty: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == FileKind::Dir && !parents.contains(e.path.0.as_slice()))
        .map(|(i, _)| i)
        .collect();
    for i in empty {
        entries[i].content = Content::Children(Vec::new());
    }
}

/// Directories an archive implies but does not hold (`tar c etc/hosts`),
/// so that each level can be listed.
fn add_parents(entries: &mut Vec<Entry>) {
    let known: HashSet<Vec<u8>> = entries.iter().map(|e| e.path.0.clone()).collect();
    let mut missing: HashSet<Vec<u8>> = HashSet::new();
    for e in entries.iter() {
        let mut p = e.path.0.as_slice();
        while let Some(cut) = p.iter().rposition(|&b| b == b'/') {
            p = &p[..cut];
            if p.is_empty() || known.contains(p) || !missing.insert(p.to_vec()) {
                break;
            }
        }
    }
    let mut missing: Vec<Vec<u8>> = missing.into_iter().collect();
    missing.sort();
    entries.extend(missing.into_iter().map(|p| Entry {
        spec: String::new(),
        path: Bytes(p),
        kind: FileKind::Dir,
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        link_target: None,
        content: Content::None,
    }));
}

#[cfg(test)]
mod tests;
