//! The collector: runs the spec table against a root, streaming records
//! into the bundle writer within the per-file, total and wall-clock budgets.
//!
//! Read errors are recorded in the bundle and the probe moves on; only a
//! failure to write the output stops it.

use std::collections::HashSet;
use std::fs::Metadata;
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::time::Instant;

use lift_bundle::{
    Bytes, Child, Chunk, Content, Entry, Fact, FileKind, Note, NoteKind, Record, Scrub, SkipReason,
    SpecStatus, Totals, Writer,
};
use sha2::{Digest, Sha256};

use crate::fs::{self as rootfs, child, Root};
use crate::scrub::{self, Outcome};
use crate::specs::{Item, Spec, Take, CHUNK, MAX_CHILDREN, PIECE, STREAM_ABOVE};

/// The smallest piece of content worth compressing when time runs short.
const MIN_PIECE: u64 = 64 * 1024;
use lift_bundle::paths as glob;

pub struct Collector<'r, W: Write> {
    pub root: &'r Root,
    out: Writer<W>,
    seen: HashSet<Vec<u8>>,
    deadline: Instant,
    started: Instant,
    bytes_left: u64,
    spec: &'static Spec,
    status: SpecStatus,
    pub statuses: Vec<SpecStatus>,
    pub scrubbed: Vec<Scrub>,
    pub totals: Totals,
    pub denied: u64,
    /// With `--redact`, every record passes through it on the way out.
    pub redactor: Option<lift_bundle::redact::Redactor>,
    /// The read buffer of `digest`, kept from one file to the next.
    digest_buf: Vec<u8>,
}

/// How a failed read is shown.
fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

impl<'r, W: Write> Collector<'r, W> {
    pub fn new(root: &'r Root, out: Writer<W>, deadline: Instant, max_bytes: u64) -> Self {
        Collector {
            root,
            out,
            seen: HashSet::new(),
            deadline,
            started: Instant::now(),
            bytes_left: max_bytes,
            spec: &crate::specs::SPECS[0],
            status: SpecStatus::default(),
            statuses: Vec::new(),
            scrubbed: Vec::new(),
            totals: Totals::default(),
            denied: 0,
            redactor: None,
            digest_buf: Vec::new(),
        }
    }

    pub fn emit(&mut self, record: &Record) -> io::Result<()> {
        self.totals.records += 1;
        match record {
            Record::Entry(_) => self.totals.entries += 1,
            Record::Note(_) => self.totals.notes += 1,
            _ => {}
        }
        match &mut self.redactor {
            Some(r) => self.out.write(&r.record(record.clone())),
            None => self.out.write(record),
        }
    }

    pub fn fact(&mut self, fact: Fact) -> io::Result<()> {
        self.emit(&Record::Fact(fact))
    }

    pub fn note(&mut self, kind: NoteKind, path: Option<&[u8]>, message: String) -> io::Result<()> {
        let note = Note {
            spec: self.spec.id.to_string(),
            kind,
            path: path.map(Bytes::from),
            message,
        };
        self.emit(&Record::Note(note))
    }

    pub fn finish(self) -> io::Result<W> {
        self.out.finish()
    }

    /// Whether a path (as resolved) has been recorded by some spec.
    pub fn recorded(&self, canonical: &[u8]) -> bool {
        self.seen.contains(canonical)
    }

    /// When the wall-clock budget runs out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Runs one spec and records its status for the footer.
    pub fn run(
        &mut self,
        spec: &'static Spec,
        live: &mut dyn FnMut(&mut Self, crate::specs::Live) -> io::Result<()>,
    ) -> io::Result<()> {
        self.spec = spec;
        self.status = SpecStatus {
            id: spec.id.to_string(),
            ..SpecStatus::default()
        };
        let t = Instant::now();
        for item in spec.items {
            match *item {
                Item::Files(patterns, take) => {
                    for p in patterns {
                        for path in self.expand(p.as_bytes())? {
                            self.capture(&path, take)?;
                        }
                    }
                }
                Item::Listing(patterns) => {
                    for p in patterns {
                        for path in self.expand(p.as_bytes())? {
                            self.list(&path)?;
                        }
                    }
                }
                Item::Tree(dirs, depth, take) => {
                    for d in dirs {
                        self.walk(d.as_bytes(), depth, take)?;
                    }
                }
                Item::Newest(patterns, budget, days) => self.newest(patterns, budget, days)?,
                Item::Live(which) => live(self, which)?,
            }
        }
        self.status.elapsed_ms = t.elapsed().as_millis() as u64;
        let status = std::mem::take(&mut self.status);
        self.statuses.push(status);
        Ok(())
    }

    /// False (and the spec marked) once the wall-clock budget is spent or
    /// the spec has recorded all the entries it may.
    pub fn may_continue(&mut self) -> bool {
        if self.status.timed_out || self.status.entries >= self.spec.max_entries {
            return false;
        }
        if crate::signals::interrupted() {
            self.status.truncated = true;
            return false;
        }
        if Instant::now() >= self.deadline || crate::signals::stop_requested() {
            self.status.timed_out = true;
            self.status.truncated = true;
            return false;
        }
        true
    }

    /// A history's daily files, newest first: whole while `budget` lasts
    /// and no more than `days` older than the newest; the others recorded
    /// by their metadata, with one note saying why.
    fn newest(&mut self, patterns: &[&str], budget: u64, days: u64) -> io::Result<()> {
        let mut found = Vec::new();
        for p in patterns {
            for path in self.expand(p.as_bytes())? {
                if let Ok(meta) = self.root.lstat(&path) {
                    found.push((rootfs::mtime(&meta), meta.size(), path));
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2)));
        let oldest = found
            .first()
            .map_or(0, |f| f.0.saturating_sub(days as i64 * 86_400));
        let (mut left, mut left_out) = (budget, 0u64);
        for (mtime, size, path) in found {
            if mtime >= oldest && size <= left {
                left -= size;
                self.capture(&path, Take::Content)?;
            } else {
                left_out += 1;
                self.capture(&path, Take::Meta)?;
            }
        }
        if left_out > 0 {
            let msg = format!(
                "{left_out} older history files recorded by metadata only (budget {} MiB, {days} days)",
                budget >> 20
            );
            self.note(NoteKind::Other, None, msg)?;
        }
        Ok(())
    }

    /// Expands a pattern into existing logical paths (sorted, bounded).
    pub fn expand(&mut self, pattern: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        let comps: Vec<&[u8]> = pattern
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        let mut paths = vec![Vec::new()];
        let last = comps.len().saturating_sub(1);
        for (i, comp) in comps.into_iter().enumerate() {
            let mut next = Vec::new();
            for prefix in paths {
                if !glob::has_wildcard(comp) {
                    next.push(child(if prefix.is_empty() { b"/" } else { &prefix }, comp));
                    continue;
                }
                let dir = if prefix.is_empty() {
                    b"/".to_vec()
                } else {
                    prefix
                };
                let Some(canon) = self.resolve_dir(&dir)? else {
                    continue;
                };
                let Ok((names, _)) = self.root.read_dir(&canon, MAX_CHILDREN) else {
                    continue;
                };
                for (name, kind) in names {
                    // As in a shell, `*` does not match a leading dot.
                    let hidden_ok = !name.starts_with(b".") || comp.starts_with(b".");
                    // Before the last component only a directory (or a link
                    // to one) can lead on: `/run/*/*.pid` must not try to
                    // list the file /run/sshd.pid.
                    let leads_on = i == last
                        || matches!(kind, FileKind::Dir | FileKind::Symlink | FileKind::Unknown);
                    if hidden_ok && leads_on && glob::matches(comp, &name) {
                        next.push(child(&dir, &name));
                    }
                }
            }
            paths = next;
        }
        Ok(paths)
    }

    /// Resolves a path (its last component not followed), recording the
    /// symlinks passed through. None when it does not exist or cannot be
    /// reached; the reason is recorded where it matters.
    fn resolve(&mut self, logical: &[u8]) -> io::Result<Option<Vec<u8>>> {
        match self.root.resolve(logical) {
            Ok((canon, hops)) => {
                for (link, target) in hops {
                    if self.seen.insert(link.clone()) {
                        self.record_symlink(&link, target)?;
                    }
                }
                Ok(Some(canon))
            }
            Err(rootfs::Error::NetworkFs) => {
                self.note(
                    NoteKind::NetworkFs,
                    Some(logical),
                    "on a network filesystem: not read".into(),
                )?;
                Ok(None)
            }
            Err(rootfs::Error::Io(e)) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(rootfs::Error::Io(e)) => {
                self.error_entry(logical, &e)?;
                Ok(None)
            }
        }
    }

    fn resolve_dir(&mut self, logical: &[u8]) -> io::Result<Option<Vec<u8>>> {
        self.resolve(&child(logical, b"."))
    }

    fn record_symlink(&mut self, logical: &[u8], target: Vec<u8>) -> io::Result<()> {
        match self.root.lstat(logical) {
            Ok(meta) => {
                let mut e = self.entry(logical, &meta);
                e.link_target = Some(target.into());
                self.push_entry(e)
            }
            Err(_) => Ok(()),
        }
    }

    fn entry(&self, logical: &[u8], meta: &Metadata) -> Entry {
        Entry {
            spec: self.spec.id.to_string(),
            path: logical.into(),
            kind: rootfs::kind_of(meta.file_type()),
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size(),
            mtime: rootfs::mtime(meta),
            link_target: None,
            content: Content::None,
        }
    }

    fn error_entry(&mut self, logical: &[u8], e: &io::Error) -> io::Result<()> {
        self.status.errors += 1;
        if errno_of(e) == libc::EACCES || errno_of(e) == libc::EPERM {
            self.denied += 1;
        }
        let entry = Entry {
            spec: self.spec.id.to_string(),
            path: logical.into(),
            kind: FileKind::Unknown,
            mode: 0,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
            link_target: None,
            content: Content::Error {
                errno: errno_of(e),
                message: e.to_string(),
            },
        };
        self.push_entry(entry)
    }

    pub fn push_entry(&mut self, entry: Entry) -> io::Result<()> {
        self.status.entries += 1;
        if let Content::Full(b) | Content::Truncated { head: b, .. } = &entry.content {
            self.status.bytes += b.len() as u64;
            self.totals.content_bytes += b.len() as u64;
        }
        if let Content::Error { errno, .. } = &entry.content {
            if *errno != 0 && !matches!(entry.kind, FileKind::Unknown) {
                self.status.errors += 1;
            }
        }
        self.emit(&Record::Entry(entry))
    }

    /// Records one path: metadata always, content as `take` says.
    pub fn capture(&mut self, logical: &[u8], take: Take) -> io::Result<()> {
        if !self.may_continue() {
            return Ok(());
        }
        let Some(canon) = self.resolve(logical)? else {
            return Ok(());
        };
        if self.seen.contains(&canon) {
            return Ok(());
        }
        let meta = match self.root.lstat(&canon) {
            Ok(m) => m,
            Err(rootfs::Error::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(rootfs::Error::Io(e)) => return self.error_entry(&canon, &e),
            Err(rootfs::Error::NetworkFs) => return Ok(()),
        };
        self.seen.insert(canon.clone());
        let mut e = self.entry(&canon, &meta);
        match e.kind {
            FileKind::Symlink => {
                e.link_target = self.root.read_link(&canon).ok().map(Bytes::from);
            }
            FileKind::Dir => {}
            FileKind::File => return self.file(e, take, logical),
            _ => e.content = Content::Skipped(SkipReason::NotRegular),
        }
        self.push_entry(e)
    }

    fn scrubbed(&mut self, path: &[u8], what: &str, count: u32) {
        self.scrubbed.push(Scrub {
            path: path.into(),
            what: what.into(),
            count,
        });
    }

    /// A regular file's content, hash or metadata. `found_at` is the path
    /// as the spec named it (before symlinks were resolved): the scrub
    /// families are chosen by it as well as by the resolved path.
    fn file(&mut self, mut e: Entry, take: Take, found_at: &[u8]) -> io::Result<()> {
        let path = e.path.0.clone();
        if scrub::never_capture(&path) {
            // Presence only: the size would narrow a guess.
            self.scrubbed(&path, "never captured", 1);
            e.size = 0;
            e.content = Content::Skipped(SkipReason::Secret);
            return self.push_entry(e);
        }
        let cap = match take {
            Take::Meta => return self.push_entry(e),
            Take::Digest => return self.digest(e),
            Take::Head(n) => n.min(self.spec.file_cap),
            Take::Content => self.spec.file_cap,
        };
        let cap = cap.min(self.bytes_left);
        // Compression counts against the wall-clock budget: take no more
        // than the encoder can compress in the time left.
        let fits = self.affordable().max(MIN_PIECE);
        let time_cut = cap > fits && e.size > fits;
        let cap = if time_cut { fits } else { cap };
        if cap == 0 && e.size > 0 {
            self.status.truncated = true;
            e.content = Content::Skipped(SkipReason::OverBudget);
            return self.push_entry(e);
        }
        let mut file = match self.root.open_regular(&path) {
            Ok(f) => f,
            Err(err) => {
                self.status.errors += 1;
                if errno_of(&err) == libc::EACCES {
                    self.denied += 1;
                }
                e.content = Content::Error {
                    errno: errno_of(&err),
                    message: err.to_string(),
                };
                return self.push_entry(e);
            }
        };
        // Every text is scrubbed whole, so it is never streamed: past
        // CHUNK it is cut (at a line end, below). Binary package databases
        // stream from STREAM_ABOVE on, checked first for private key blocks
        // (binary content is only searched for those).
        let binary = lift_bundle::redact::is_binary_database(&path);
        let line_scrubbed = !binary;
        let cap = if line_scrubbed { cap.min(CHUNK) } else { cap };
        if binary && e.size > STREAM_ABOVE && cap > STREAM_ABOVE {
            return self.chunked(e, file, cap);
        }
        let (bytes, more) = match rootfs::read_capped(&mut file, cap, e.size) {
            Ok(r) => r,
            Err(err) => {
                return self.read_failed(e, &err);
            }
        };
        self.bytes_left -= bytes.len() as u64;
        // Compared before scrubbing, which changes the length on purpose.
        let read = bytes.len() as u64;
        let pseudo = path.starts_with(b"/proc/") || path.starts_with(b"/sys/");
        if !pseudo && !more && read != e.size && !matches!(take, Take::Head(_)) {
            let msg = format!(
                "changed size while read: {} bytes at lstat, {read} read",
                e.size
            );
            self.note(NoteKind::Other, Some(&path), msg)?;
        }
        // A cut inside a line could hide a secret's key from its rule.
        let bytes = match (
            more && line_scrubbed,
            bytes.iter().rposition(|&b| b == b'\n'),
        ) {
            (true, Some(end)) => bytes[..=end].to_vec(),
            _ => bytes,
        };
        let Some(bytes) = self.scrub(found_at, &path, bytes) else {
            e.content = Content::Skipped(SkipReason::Secret);
            return self.push_entry(e);
        };
        if more {
            if !matches!(take, Take::Head(_)) {
                self.status.truncated = true;
            }
            if time_cut {
                self.out_of_time(&path, read, e.size)?;
            }
            let size = e.size.max(read + 1);
            e.content = Content::Truncated {
                head: bytes.into(),
                size,
            };
        } else {
            e.content = Content::Full(bytes.into());
        }
        self.push_entry(e)
    }

    /// An entry whose content could not be read: counted, with the errno.
    fn read_failed(&mut self, mut e: Entry, err: &io::Error) -> io::Result<()> {
        self.status.errors += 1;
        e.content = Content::Error {
            errno: errno_of(err),
            message: err.to_string(),
        };
        self.push_entry(e)
    }

    /// Applies the scrub table to content, recording each rule that fired.
    /// None means withhold it whole.
    fn scrub(&mut self, found_at: &[u8], path: &[u8], bytes: Vec<u8>) -> Option<Vec<u8>> {
        match scrub::scrub_found(found_at, path, &bytes) {
            Outcome::Clean => Some(bytes),
            Outcome::Withheld(rule) => {
                self.scrubbed(path, &format!("{rule}: content withheld"), 1);
                None
            }
            Outcome::Scrubbed(out, counts) => {
                for (rule, n) in counts {
                    self.scrubbed(path, rule, n);
                }
                Some(out)
            }
        }
    }

    /// Streams a large file as `Chunk` records after its entry, once a
    /// first pass over what will be taken found no private key block.
    fn chunked(&mut self, mut e: Entry, mut file: std::fs::File, cap: u64) -> io::Result<()> {
        let path = e.path.clone();
        let mut blocks = scrub::BlockScan::new(&path.0);
        let mut scanned = 0u64;
        // Whether the pass reached the file's end (else it was capped or
        // out of time, and the content is cut).
        let mut whole = false;
        // The pass takes no more than can still be compressed in the time
        // left (the time it takes itself counts: the budget shrinks as it
        // reads).
        let mut out_of_time = false;
        while scanned < cap && self.may_continue() {
            if scanned >= self.affordable().max(MIN_PIECE) {
                out_of_time = true;
                break;
            }
            let want = PIECE.min(cap - scanned);
            match rootfs::read_up_to(&mut file, want, want) {
                Ok(d) => {
                    scanned += d.len() as u64;
                    blocks.feed(&d);
                    if (d.len() as u64) < want {
                        whole = true;
                        break;
                    }
                }
                Err(err) => {
                    return self.read_failed(e, &err);
                }
            }
        }
        if let Some(rule) = blocks.withheld() {
            self.scrubbed(&path.0, &format!("{rule}: content withheld"), 1);
            e.content = Content::Skipped(SkipReason::Secret);
            return self.push_entry(e);
        }
        // Only what was scanned is streamed.
        whole |= scanned >= e.size && scanned < cap;
        let mut limit = scanned;
        if let Err(err) = file.seek(io::SeekFrom::Start(0)) {
            return self.read_failed(e, &err);
        }
        let e_size = e.size;
        e.content = Content::Chunked { size: e.size };
        self.push_entry(e)?;
        let mut offset = 0u64;
        while offset < limit {
            if !self.may_continue() {
                break;
            }
            let want = PIECE.min(limit - offset);
            let fits = self.affordable();
            if fits < want.min(MIN_PIECE) {
                out_of_time = true;
                limit = offset;
                break;
            }
            let want = want.min(fits);
            let data = match rootfs::read_up_to(&mut file, want, want) {
                Ok(d) if d.is_empty() => break,
                Ok(d) => d,
                Err(err) => {
                    let msg = format!("read failed at byte {offset}: {err}");
                    self.note(NoteKind::Other, Some(&path.0), msg)?;
                    break;
                }
            };
            let n = data.len() as u64;
            self.emit(&Record::Chunk(Chunk {
                path: path.clone(),
                offset,
                data: data.into(),
            }))?;
            offset += n;
            self.bytes_left -= n;
            self.status.bytes += n;
            self.totals.content_bytes += n;
        }
        if out_of_time {
            self.out_of_time(&path.0, offset, e_size)?;
        }
        if !whole || offset < limit || out_of_time {
            self.status.truncated = true;
        }
        Ok(())
    }

    /// Content bytes the encoder can compress in the time left, at the rate
    /// it has shown, with a margin, and keeping back the time to compress
    /// the last block it holds when the bundle is finished.
    fn affordable(&self) -> u64 {
        let rate = self.out.throughput();
        let left = self.deadline.saturating_duration_since(Instant::now());
        let spare = left.as_secs_f64() - lift_bundle::ENCODER_BLOCK as f64 / rate;
        (rate * spare.max(0.0) / 2.0) as u64
    }

    /// Content cut because compressing more would pass the deadline.
    fn out_of_time(&mut self, path: &[u8], kept: u64, size: u64) -> io::Result<()> {
        self.status.timed_out = true;
        self.status.truncated = true;
        let msg = format!(
            "content cut at byte {kept} of {size}: compressing more at level {} would pass the \
             wall-clock budget",
            self.out.level()
        );
        self.note(NoteKind::OverBudget, Some(path), msg)
    }

    fn digest(&mut self, mut e: Entry) -> io::Result<()> {
        if e.size > self.spec.file_cap {
            return self.push_entry(e);
        }
        // One buffer for every file hashed: allocating one per file cost
        // a map, page faults and an unmap each.
        let mut buf = std::mem::take(&mut self.digest_buf);
        buf.resize(64 * 1024, 0);
        let content = self.hash(&e.path.0, &mut buf);
        self.digest_buf = buf;
        if let Some(c) = content {
            e.content = c;
        }
        self.push_entry(e)
    }

    /// A file's SHA-256 or the error reading it; None when it is larger
    /// than the spec's cap or time ran out (metadata only).
    fn hash(&mut self, path: &[u8], buf: &mut [u8]) -> Option<Content> {
        let mut f = match self.root.open_regular(path) {
            Ok(f) => f,
            Err(err) => {
                if errno_of(&err) == libc::EACCES {
                    self.denied += 1;
                }
                return Some(Content::Error {
                    errno: errno_of(&err),
                    message: err.to_string(),
                });
            }
        };
        let mut h = Sha256::new();
        let mut total = 0u64;
        loop {
            match f.read(buf) {
                Ok(0) => break,
                Ok(n) => {
                    h.update(&buf[..n]);
                    total += n as u64;
                    if total > self.spec.file_cap || !self.may_continue() {
                        return None;
                    }
                }
                Err(err)
                    if err.kind() == io::ErrorKind::Interrupted
                        && !crate::signals::stop_requested() => {}
                Err(err) => {
                    return Some(Content::Error {
                        errno: errno_of(&err),
                        message: err.to_string(),
                    })
                }
            }
        }
        Some(Content::Sha256(h.finalize().to_vec().into()))
    }

    /// Lists a directory (following a symlink to it, which is recorded):
    /// children's names, kinds and link targets, in one entry.
    pub fn list(&mut self, logical: &[u8]) -> io::Result<Option<Vec<u8>>> {
        if !self.may_continue() {
            return Ok(None);
        }
        let Some(canon) = self.resolve_dir(logical)? else {
            return Ok(None);
        };
        let key = child(&canon, b"");
        if !self.seen.insert(key) {
            return Ok(None);
        }
        let meta = match self.root.lstat(&canon) {
            Ok(m) if m.is_dir() => m,
            Ok(_) => return Ok(None),
            Err(rootfs::Error::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(rootfs::Error::Io(e)) => {
                self.error_entry(&canon, &e)?;
                return Ok(None);
            }
            Err(rootfs::Error::NetworkFs) => return Ok(None),
        };
        self.seen.insert(canon.clone());
        let mut e = self.entry(&canon, &meta);
        match self.root.read_dir(&canon, MAX_CHILDREN) {
            Ok((names, cut)) => {
                if cut {
                    self.status.truncated = true;
                    let msg = format!("more than {MAX_CHILDREN} entries: listing cut");
                    self.note(NoteKind::OverBudget, Some(&canon), msg)?;
                }
                let children = names
                    .into_iter()
                    .map(|(name, kind)| {
                        let link_target = match kind {
                            FileKind::Symlink => self
                                .root
                                .read_link(&child(&canon, &name))
                                .ok()
                                .map(Bytes::from),
                            _ => None,
                        };
                        Child {
                            name: name.into(),
                            kind,
                            link_target,
                        }
                    })
                    .collect();
                e.content = Content::Children(children);
            }
            Err(err) => {
                if errno_of(&err) == libc::EACCES {
                    self.denied += 1;
                }
                self.status.errors += 1;
                e.content = Content::Error {
                    errno: errno_of(&err),
                    message: err.to_string(),
                };
            }
        }
        self.push_entry(e)?;
        Ok(Some(canon))
    }

    /// Lists a tree to `depth`, taking files as `take` says. Symlinks are
    /// recorded and never followed, except the starting directory itself.
    pub fn walk(&mut self, dir: &[u8], depth: u32, take: Take) -> io::Result<()> {
        let canon = match self.list(dir)? {
            Some(canon) => canon,
            // Listed already by an earlier spec (/etc/apparmor.d by
            // `security`, /etc/kubernetes by `containers`): its children
            // still belong to this walk, which records what that listing
            // did not (each file's metadata and hash).
            None if self.may_continue() => match self.resolve_dir(dir)? {
                Some(canon) if self.seen.contains(&child(&canon, b"")) => canon,
                _ => return Ok(()),
            },
            None => return Ok(()),
        };
        let Ok((names, _)) = self.root.read_dir(&canon, MAX_CHILDREN) else {
            return Ok(());
        };
        for (name, kind) in names {
            if !self.may_continue() {
                break;
            }
            // By the path as found (it resolves to the same file): the
            // scrub families know `/etc/bacula/`, not where it points.
            let path = child(dir, &name);
            match kind {
                FileKind::Dir if depth > 1 => self.walk(&path, depth - 1, take)?,
                FileKind::Dir => {}
                _ => self.capture(&path, take)?,
            }
        }
        Ok(())
    }
}
