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

/// What an archive may hold in memory, all told: file contents as kept,
/// paths (of entries and of the directories they imply) and a fixed cost
/// an entry. A hard link shares its file's content and costs no more than
/// an entry. Past it, files keep only the head that fits (each named in
/// the report's errors); paths past it fail the archive.
pub const MAX_HELD: u64 = 1 << 30;

/// What one entry costs besides its path and content (the `Entry` and its
/// place in the index).
const ENTRY_COST: u64 = 256;

/// The memory an archive's entries hold, against [`MAX_HELD`].
struct Held {
    used: u64,
    limit: u64,
}

impl Held {
    /// What content may still take: a sixteenth of the budget is kept for
    /// the paths and entries still to come.
    fn left(&self) -> u64 {
        (self.limit - self.limit / 16).saturating_sub(self.used)
    }

    /// Counts a path (and an entry's fixed cost): an error past the budget.
    fn path(&mut self, bytes: usize) -> Result<(), String> {
        self.used += bytes as u64 + ENTRY_COST;
        if self.used > self.limit {
            return Err(format!(
                "its entries' paths take more than {} bytes of memory (the limit)",
                self.limit
            ));
        }
        Ok(())
    }
}

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
    let budget = MAX_HELD.min(limits.max_decompressed);
    let (records, errors, links) =
        read_tar(capped, &limits, budget).map_err(|m| OpenError::new(path, m))?;
    let mut snap = BundleSnapshot::from_records(path, "archive", records, 0);
    snap.add_errors(errors);
    snap.add_hard_links(links);
    Ok(snap)
}

/// An archive entry left out, and why: (path, reason).
type LeftOut = (String, String);

/// A hard link and the path of the file it is (both rooted).
type HardLink = (Vec<u8>, Vec<u8>);

/// What an archive gives: its entries as records, the entries left out,
/// and its hard links.
type ReadTar = (Vec<Record>, Vec<LeftOut>, Vec<HardLink>);

/// The archive's entries as bundle entries, rooted; the entries left out;
/// and the hard links, which share their file's content.
fn read_tar<R: Read>(stream: R, limits: &Limits, budget: u64) -> Result<ReadTar, String> {
    let mut archive = tar::Archive::new(stream);
    let mut entries: Vec<Entry> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut skipped = Vec::new();
    // Each hard link's file (a link to a link is a link to its file).
    let mut links: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut held = Held {
        used: 0,
        limit: budget,
    };
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
        held.path(path.len())?;
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
                // Exactly what is kept is allocated (no doubling growth),
                // and never past what is left of the budget.
                let want = size.min(MAX_FILE).min(held.left());
                if want < size.min(MAX_FILE) {
                    skipped.push((
                        name.clone(),
                        format!(
                            "past the archive's memory budget ({} bytes): only its first \
                             {want} bytes kept",
                            held.limit
                        ),
                    ));
                }
                let mut buf = Vec::with_capacity(want as usize);
                (&mut item)
                    .take(want)
                    .read_to_end(&mut buf)
                    .map_err(|e| format!("{name}: {e}"))?;
                held.used += buf.len() as u64;
                entry.content = if size > buf.len() as u64 {
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
            // A hard link is the file it names, which came earlier: it
            // shares that file's content (read through the snapshot), never
            // a copy of it.
            T::Link => {
                let target = link_name.as_deref().and_then(rooted);
                match target.and_then(|t| index.get(&t).map(|&i| (t, i))) {
                    Some((t, i)) => {
                        entry.size = entries[i].size;
                        let file = links.get(&t).cloned().unwrap_or(t);
                        held.path(file.len())?;
                        links.insert(path.clone(), file);
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
    let mut links: Vec<HardLink> = links.into_iter().collect();
    if let Some(prefix) = strip_top_dir(&mut entries) {
        for (link, file) in &mut links {
            for p in [link, file] {
                let rest = p[prefix.len()..].to_vec();
                *p = if rest.is_empty() { b"/".to_vec() } else { rest };
            }
        }
    }
    // The root itself is implied; as an entry it would be its own child.
    entries.retain(|e| e.path.0 != b"/");
    add_parents(&mut entries, &mut held)?;
    mark_empty_dirs(&mut entries);
    Ok((
        entries.into_iter().map(Record::Entry).collect(),
        skipped,
        links,
    ))
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

/// Strips a lone top directory that holds a root; the prefix stripped.
fn strip_top_dir(entries: &mut [Entry]) -> Option<Vec<u8>> {
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
        return None;
    }
    let single = tops.into_iter().next()?;
    let prefix = [b"/".as_slice(), &single].concat();
    let marked = entries.iter().any(|e| {
        ROOT_MARKS.iter().any(|m| {
            let want = [prefix.as_slice(), b"/", m].concat();
            e.path.0 == want || e.path.0.starts_with(&[want.as_slice(), b"/"].concat())
        })
    });
    if !marked {
        return None;
    }
    for e in entries.iter_mut() {
        let rest = e.path.0[prefix.len()..].to_vec();
        e.path.0 = if rest.is_empty() { b"/".to_vec() } else { rest };
    }
    Some(prefix)
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
/// so that each level can be listed. Each costs its path and an entry's
/// fixed cost against the budget: deep paths of many levels cannot make a
/// small archive take much memory.
fn add_parents(entries: &mut Vec<Entry>, held: &mut Held) -> Result<(), String> {
    let known: HashSet<Vec<u8>> = entries.iter().map(|e| e.path.0.clone()).collect();
    let mut missing: HashSet<Vec<u8>> = HashSet::new();
    for e in entries.iter() {
        let mut p = e.path.0.as_slice();
        while let Some(cut) = p.iter().rposition(|&b| b == b'/') {
            p = &p[..cut];
            if p.is_empty() || known.contains(p) || missing.contains(p) {
                break;
            }
            held.path(p.len())?;
            missing.insert(p.to_vec());
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
    Ok(())
}

#[cfg(test)]
mod tests;
