//! The exports: one row per host and item, each carrying `host_id`, so that
//! the fleet can be queried with DuckDB, Spark or Trino (docs/fleet.md has
//! the schemas). Each worker writes its bundle's rows to part files as soon
//! as the report is built; [`Joiner`] appends them in input order as the
//! batch goes, so memory holds no rows and output is deterministic.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::declared::{self, Resolver};
use super::kept::{Key, Place};
use super::store::named;
use super::summary::HostSummary;
use crate::model::dependencies::Kind;
use crate::output::Output;
use crate::report::Report;
use crate::rules::Severity;

/// The JSON Lines exports, in the order of a [`RowsFile`]'s sections.
pub const JSONL: [&str; 9] = [
    "findings",
    "packages",
    "listeners",
    "connections",
    "utilization",
    "volumes",
    "jobs",
    "containers",
    "applications",
];

/// What a worker writes for one bundle under the parts folder, each
/// `<index>.<name>`: its two pages, then its export rows in one
/// [`RowsFile`]. A kept result ([`super::kept`]) is these files. Three
/// files, not one a table: creating a file is most of what the kernel
/// does for a batch (ext4 looks for a free inode past those freed in the
/// last 30 seconds), and twelve a bundle were a fifth to a half of a
/// batch's CPU time (`bench/results/fleet-2026-12-07-rows.md`).
pub fn part_names() -> Vec<String> {
    vec!["html".into(), "json".into(), ROWS.into()]
}

/// The export rows' part: see [`RowsFile`].
pub const ROWS: &str = "rows";

/// Sections of a [`RowsFile`]: the rows of each [`JSONL`] kind, then the
/// dependencies'.
pub const SECTIONS: usize = JSONL.len() + 1;
/// The dependencies' section.
const DEPENDENCY_SECTION: usize = JSONL.len();
const ROWS_MAGIC: &[u8; 8] = b"liftrows";
const ROWS_HEADER: u64 = 8 + 8 * SECTIONS as u64;

/// One bundle's export rows, all tables in one file: `liftrows`, each
/// section's length (u64, little-endian), then the sections, JSON Lines
/// each ([`SECTIONS`]). Only lift writes it, under `.parts` and in kept
/// results; a file whose lengths do not add up to its size is refused.
pub struct RowsFile {
    file: File,
    path: PathBuf,
    /// Each section's offset and length.
    sections: [(u64, u64); SECTIONS],
}

impl RowsFile {
    pub fn open(path: &Path) -> io::Result<RowsFile> {
        let mut file = super::kept::open_quietly(path).map_err(|e| named(path, e))?;
        let mut head = [0u8; ROWS_HEADER as usize];
        file.read_exact(&mut head)
            .map_err(|e| named(path, format!("no export rows' header ({e})")))?;
        if &head[..8] != ROWS_MAGIC {
            return Err(named(path, "not lift's export rows"));
        }
        let len = file.metadata().map_err(|e| named(path, e))?.len();
        let mut sections = [(0, 0); SECTIONS];
        let mut at = ROWS_HEADER;
        for (k, s) in sections.iter_mut().enumerate() {
            let mut n = [0u8; 8];
            n.copy_from_slice(&head[8 + 8 * k..16 + 8 * k]);
            let n = u64::from_le_bytes(n);
            *s = (at, n);
            at = at
                .checked_add(n)
                .ok_or_else(|| named(path, "section lengths past any file's"))?;
        }
        if at != len {
            return Err(named(
                path,
                format!("its sections add up to {at} bytes, the file has {len}"),
            ));
        }
        Ok(RowsFile {
            file,
            path: path.to_owned(),
            sections,
        })
    }

    /// Section `k`'s length.
    pub fn len(&self, k: usize) -> u64 {
        self.sections[k].1
    }

    /// Section `k`'s bytes.
    pub fn section(&mut self, k: usize) -> io::Result<io::Take<&mut File>> {
        let (at, len) = self.sections[k];
        self.file
            .seek(io::SeekFrom::Start(at))
            .map_err(|e| named(&self.path, e))?;
        Ok((&mut self.file).take(len))
    }

    /// Each section's length and XXH3-128.
    pub fn hashes(&mut self) -> io::Result<[(u64, u128); SECTIONS]> {
        let mut out = [(0, 0); SECTIONS];
        for (k, o) in out.iter_mut().enumerate() {
            let path = self.path.clone();
            let mut s = self.section(k)?;
            *o = copy_hashing(&mut s, &mut io::sink()).map_err(|e| named(&path, e))?;
            if o.0 != self.sections[k].1 {
                return Err(named(&path, "shorter than its header says"));
            }
        }
        Ok(out)
    }
}

/// Copies `from` to `to`, returning the length and XXH3-128 of what
/// passed.
fn copy_hashing(from: &mut impl Read, to: &mut impl Write) -> io::Result<(u64, u128)> {
    let mut h = twox_hash::xxhash3_128::Hasher::new();
    let mut len = 0u64;
    with_buffer(|buf| loop {
        let n = match from.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.write(&buf[..n]);
        to.write_all(&buf[..n])?;
        len += n as u64;
    })?;
    Ok((len, h.finish_128()))
}

/// `f` with this thread's 256 KiB read buffer: the batch reads every part
/// file of every bundle through one (a buffer zeroed for each file was
/// 3 MiB of zeroing and page faults a bundle).
pub(super) fn with_buffer<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|b| match b.try_borrow_mut() {
        Ok(mut b) => {
            if b.is_empty() {
                b.resize(256 << 10, 0);
            }
            f(&mut b)
        }
        // Never nested; were it, a buffer of its own.
        Err(_) => f(&mut vec![0; 256 << 10]),
    })
}

/// Bundle `index`'s part `name` under the parts folder.
pub fn part(dir: &Path, index: usize, name: &str) -> PathBuf {
    dir.join(format!("{index}.{name}"))
}

/// One JSON object a line: `host_id`, then the item's own fields (as
/// `#[serde(flatten)]` would write them, without its cost: the item is
/// written as it is, and the key spliced in after its opening brace).
/// The bytes written.
fn write_rows<T: Serialize>(w: &mut impl Write, host_id: &str, items: &[T]) -> io::Result<u64> {
    let mut key = b"{\"host_id\":".to_vec();
    serde_json::to_writer(&mut key, host_id)?;
    let mut item = Vec::new();
    let mut n = 0;
    for i in items {
        item.clear();
        serde_json::to_writer(&mut item, i)?;
        let Some(fields) = item.strip_prefix(b"{") else {
            return Err(io::Error::other("an export row is not a JSON object"));
        };
        w.write_all(&key)?;
        if fields != b"}" {
            w.write_all(b",")?;
            n += 1;
        }
        w.write_all(fields)?;
        w.write_all(b"\n")?;
        n += key.len() + fields.len() + 1;
    }
    Ok(n as u64)
}

/// Writes bundle `index`'s rows under `parts`: one [`RowsFile`], its
/// sections in [`JSONL`] order, then the dependencies (see
/// [`dependency_rows`]).
pub fn write_parts(
    parts: &Path,
    index: usize,
    summary: &HostSummary,
    report: &Report,
) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let host = &report.host;
    let id = summary.id.as_str();
    let path = part(parts, index, ROWS);
    let file = File::create(&path)?;
    let mut w = BufWriter::new(&file);
    w.write_all(&[0; ROWS_HEADER as usize])?;
    let packages = host.packages.as_ref().map(|p| p.list.as_slice());
    let utilization = super::provision::utilization_rows(report);
    let volumes = super::provision::volume_rows(report);
    let w = &mut w;
    // Each section named, so that the order cannot drift from JSONL's.
    let sections: [(&str, u64); SECTIONS] = [
        ("findings", write_rows(w, id, &report.findings)?),
        ("packages", write_rows(w, id, packages.unwrap_or_default())?),
        (
            "listeners",
            write_rows(w, id, host.listeners.as_deref().unwrap_or_default())?,
        ),
        (
            "connections",
            write_rows(w, id, host.connections.as_deref().unwrap_or_default())?,
        ),
        ("utilization", write_rows(w, id, &utilization)?),
        ("volumes", write_rows(w, id, &volumes)?),
        (
            "jobs",
            write_rows(w, id, host.jobs.as_deref().unwrap_or_default())?,
        ),
        (
            "containers",
            write_rows(w, id, host.containers.as_deref().unwrap_or_default())?,
        ),
        (
            "applications",
            write_rows(w, id, host.applications.as_deref().unwrap_or_default())?,
        ),
        (DEPENDENCIES, dependency_rows(w, summary, report)?),
    ];
    if !sections
        .iter()
        .map(|s| s.0)
        .eq(JSONL.iter().copied().chain([DEPENDENCIES]))
    {
        return Err(io::Error::other(
            "the export rows' sections are not in JSONL's order",
        ));
    }
    w.flush()?;
    let mut head = ROWS_MAGIC.to_vec();
    for (_, n) in sections {
        head.extend_from_slice(&n.to_le_bytes());
    }
    file.write_all_at(&head, 0)
}

/// One row of dependencies.jsonl: a dependency the host's configuration
/// declares, and the fleet host its target is.
#[derive(Serialize, serde::Deserialize)]
struct DependencyRow {
    host_id: String,
    hostname: String,
    kind: String,
    target: String,
    port: Option<u16>,
    declared_in: String,
    evidence: String,
    scope: String,
    /// The target as an address, when known offline: itself, or the
    /// address the host's /etc/hosts pins the name to.
    address: Option<String>,
    /// The fleet host the target is (the host itself for loopback or
    /// `localhost`), null for none or a target that names no host (a
    /// search domain, a WWID). Filled once the whole fleet is known, but
    /// for the host itself.
    fleet_host_id: Option<String>,
}

const DEPENDENCIES: &str = "dependencies";

/// Bundle's dependency rows, without their fleet match (see
/// [`dependencies`]); the bytes written.
fn dependency_rows(w: &mut impl Write, host: &HostSummary, report: &Report) -> io::Result<u64> {
    let deps = &report.host.dependencies;
    let pins = declared::pins(deps);
    let mut row = Vec::new();
    let mut n = 0;
    for d in deps {
        let (address, itself) = match declared::resolve(&d.target, &pins) {
            Some((_, a)) => (a, None),
            None => (None, Some(host.id.clone())),
        };
        let r = DependencyRow {
            host_id: host.id.clone(),
            hostname: host.hostname.clone(),
            kind: declared::label(&d.kind),
            target: d.target.clone(),
            port: d.port,
            declared_in: d.declared_in.clone(),
            evidence: d.evidence.clone(),
            scope: declared::label(&d.scope),
            address,
            fleet_host_id: itself,
        };
        row.clear();
        serde_json::to_writer(&mut row, &r)?;
        row.push(b'\n');
        w.write_all(&row)?;
        n += row.len() as u64;
    }
    Ok(n)
}

/// DIR/dependencies.jsonl: the parts of the bundles kept, in input order, each
/// row with the fleet host its target is, matched as the dependency map
/// matches declared edges. Streams: one row in memory at a time.
pub fn dependencies<'a>(
    dir: &Path,
    parts: &Path,
    kept: &[usize],
    resolver: &Resolver,
    id: impl Fn(usize) -> &'a str,
    mut from: impl FnMut(usize) -> io::Result<Option<PathBuf>>,
) -> io::Result<()> {
    let out = dir.join(format!("{DEPENDENCIES}.jsonl"));
    let mut w = Output::create(&out, 0o644)?;
    for &i in kept {
        let path = from(i)?.unwrap_or_else(|| part(parts, i, ROWS));
        let mut rows = RowsFile::open(&path)?;
        let r = io::BufReader::new(rows.section(DEPENDENCY_SECTION)?);
        for line in io::BufRead::lines(r) {
            let mut row: DependencyRow = serde_json::from_str(&line?)?;
            let names_host = ![Kind::DnsSearch, Kind::San]
                .iter()
                .any(|k| declared::label(k) == row.kind);
            if row.fleet_host_id.is_none() && names_host {
                let target = declared::clean(&row.target);
                row.fleet_host_id = resolver
                    .find(&target, row.address.as_deref())
                    .map(|h| id(h).to_owned());
            }
            serde_json::to_writer(&mut w, &row)?;
            w.write_all(b"\n")?;
        }
    }
    w.commit()
}

/// The JSON Lines exports, joined while the batch runs. Bundles finish
/// about in input order (see `fleet::run`); once bundle `i` and all before
/// it are done, the rows of those analysed (their [`RowsFile`]s) are
/// appended to `.parts/<kind>.jsonl`, while the kernel still has them in
/// memory. The rows of a bundle whose result was kept stay where they are
/// kept, and are copied (or, see [`Joiner::finish`], not even that) at the
/// end. Each bundle's ranges, lengths and XXH3-128 hashes, and its key, go
/// to a file of fixed-size records (`.parts/records`, see [`Record`]), not to
/// memory: a bundle found superseded at the end (an older bundle of a
/// host) is left out then, and the Parquet files are named by the hashes
/// without reading the rows again.
pub struct Joiner {
    parts: PathBuf,
    /// `DIR/.kept`: a kept bundle's rows are in `<its key>/`.
    kept_dir: PathBuf,
    files: Vec<File>,
    lens: [u64; JSONL.len()],
    /// One [`Record`] a bundle, at `index * RECORD`.
    records: File,
    records_path: PathBuf,
    /// The next bundle to append.
    next: usize,
    /// Bundles done but not yet appended (a bundle before them is not).
    waiting: BTreeMap<usize, (Done, Option<Key>)>,
    /// How many bundles' rows are in the joined files.
    joined: usize,
    /// The first error; the batch stops on it at the end.
    failed: Option<io::Error>,
}

/// A reader of the joiner's records (see [`Joiner::records`]): any order
/// works, increasing order reads each part of the file once.
pub struct Records {
    file: io::BufReader<File>,
    /// Where `file` is.
    at: u64,
    path: PathBuf,
    kept_dir: PathBuf,
}

impl Records {
    /// Bundle `index`'s record.
    pub fn get(&mut self, index: usize) -> io::Result<Record> {
        let want = index as u64 * RECORD as u64;
        let mut b = [0u8; RECORD];
        let read = (|| {
            if want != self.at {
                let by = i64::try_from(want).unwrap_or(i64::MAX) - self.at as i64;
                self.file.seek_relative(by)?;
            }
            self.at = want;
            self.file.read_exact(&mut b)?;
            self.at = want + RECORD as u64;
            Ok(())
        })();
        read.map_err(|e: io::Error| named(&self.path, e))?;
        Ok(Record::decode(&b))
    }

    /// Where bundle `index`'s result was kept, when it was.
    pub fn kept_at(&mut self, index: usize) -> io::Result<Option<Place>> {
        Ok(self.get(index)?.kept_in(&self.kept_dir))
    }
}

/// How a bundle ended, for [`Joiner::done`].
pub enum Done {
    /// No report: no rows.
    Failed,
    /// Analysed in this run: its rows are parts under `.parts`.
    Analysed,
    /// Kept from an earlier run: its rows are in the kept result.
    Kept(Box<super::kept::Taken>),
}

/// Where a bundle's rows are.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rows {
    None,
    /// In the joined files.
    Joined,
    /// In its kept result's folder (`DIR/.kept/<key>/`).
    Kept,
}

/// What the joiner knows of one bundle, as stored in `.parts/records`: where
/// its rows are, its key (see `kept::Key`), and per kind its rows'
/// offset in the joined file (when joined), length and XXH3-128.
pub struct Record {
    pub rows: Rows,
    pub key: Option<Key>,
    pub pieces: [(u64, u64, u128); JSONL.len()],
}

/// A record's size: where the rows are, whether there is a key, the key,
/// and per kind (offset, length, hash).
const RECORD: usize = 2 + 32 + JSONL.len() * 32;

impl Record {
    fn encode(&self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        b[0] = match self.rows {
            Rows::None => 0,
            Rows::Joined => 1,
            Rows::Kept => 2,
        };
        if let Some(k) = &self.key {
            b[1] = 1;
            b[2..34].copy_from_slice(k.bytes());
        }
        for (k, (off, len, hash)) in self.pieces.iter().enumerate() {
            let at = 34 + k * 32;
            b[at..at + 8].copy_from_slice(&off.to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&len.to_le_bytes());
            b[at + 16..at + 32].copy_from_slice(&hash.to_le_bytes());
        }
        b
    }

    fn decode(b: &[u8; RECORD]) -> Record {
        let u64_at = |at: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[at..at + 8]);
            u64::from_le_bytes(x)
        };
        let mut pieces = [(0, 0, 0); JSONL.len()];
        for (k, p) in pieces.iter_mut().enumerate() {
            let at = 34 + k * 32;
            let mut h = [0u8; 16];
            h.copy_from_slice(&b[at + 16..at + 32]);
            *p = (u64_at(at), u64_at(at + 8), u128::from_le_bytes(h));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&b[2..34]);
        Record {
            rows: match b[0] {
                1 => Rows::Joined,
                2 => Rows::Kept,
                _ => Rows::None,
            },
            key: (b[1] == 1).then(|| Key::from_bytes(key)),
            pieces,
        }
    }

    /// Where this bundle's result was kept, when it was.
    fn kept_in(&self, kept_dir: &Path) -> Option<Place> {
        match (self.rows, &self.key) {
            (Rows::Kept, Some(k)) => Some(Place::new(kept_dir, k)),
            _ => None,
        }
    }

    /// Kind `k`'s rows' length and hash, for a bundle with rows.
    pub fn piece(&self, k: usize) -> Option<(u64, u128)> {
        match self.rows {
            Rows::None => None,
            _ => Some((self.pieces[k].1, self.pieces[k].2)),
        }
    }
}

fn joined(parts: &Path, kind: &str) -> PathBuf {
    parts.join(format!("{kind}.jsonl"))
}

/// `DIR/.kept/joined.json`: what the last run's `DIR/<kind>.jsonl` hold
/// (the keys of the bundles whose rows they are, in order) and how each
/// file was left. A rerun whose bundles start with those appends to the
/// files in place; anything else (a file changed, grown by a run killed
/// while appending, or written by another lift) is rebuilt whole.
pub const JOINED: &str = "joined.json";
const JOINED_FORMAT: u32 = 1;

#[derive(serde::Deserialize, Serialize, PartialEq, Debug)]
struct JoinedFile {
    len: u64,
    ino: u64,
    mtime_ns: i128,
}

impl JoinedFile {
    fn of(m: &fs::Metadata) -> JoinedFile {
        use std::os::unix::fs::MetadataExt;
        JoinedFile {
            len: m.len(),
            ino: m.ino(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        }
    }
}

#[derive(serde::Deserialize)]
struct JoinedRecord {
    format: u32,
    lift: String,
    /// Per kind, in [`JSONL`] order.
    files: Vec<JoinedFile>,
    keys: Vec<String>,
}

/// A [`JoinedRecord`] as written: the keys streamed from the records.
#[derive(Serialize)]
struct JoinedOut<'a> {
    format: u32,
    lift: String,
    files: Vec<JoinedFile>,
    keys: KeysOut<'a>,
}

struct KeysOut<'a>(&'a Joiner, &'a [usize]);

impl Serialize for KeysOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        let mut records = self.0.records().map_err(S::Error::custom)?;
        for &i in self.1 {
            let r = records.get(i).map_err(S::Error::custom)?;
            let key = r
                .key
                .ok_or_else(|| S::Error::custom("a bundle without a key"))?;
            seq.serialize_element(&key.hex())?;
        }
        seq.end()
    }
}

impl Joiner {
    /// `kept_dir`: where kept results are (`DIR/.kept`).
    pub fn new(parts: &Path, kept_dir: &Path, bundles: usize) -> io::Result<Joiner> {
        let files = JSONL
            .iter()
            .map(|kind| {
                let path = joined(parts, kind);
                File::create(&path).map_err(|e| named(&path, e))
            })
            .collect::<io::Result<_>>()?;
        let records_path = parts.join("records");
        let records = super::store::scratch(&records_path)?;
        // A bundle never done reads as one without rows.
        records
            .set_len(bundles as u64 * RECORD as u64)
            .map_err(|e| named(&records_path, e))?;
        Ok(Joiner {
            parts: parts.to_owned(),
            kept_dir: kept_dir.to_owned(),
            files,
            lens: [0; JSONL.len()],
            records,
            records_path,
            next: 0,
            waiting: BTreeMap::new(),
            joined: 0,
            failed: None,
        })
    }

    /// The records read through one buffer, for a pass over the bundles
    /// in increasing index order: a few large reads, not a system call a
    /// bundle (a rerun of 10,000 kept bundles read each record about 15
    /// times, once a table).
    pub fn records(&self) -> io::Result<Records> {
        let file = File::open(&self.records_path).map_err(|e| named(&self.records_path, e))?;
        Ok(Records {
            file: io::BufReader::with_capacity(1 << 16, file),
            at: 0,
            path: self.records_path.clone(),
            kept_dir: self.kept_dir.clone(),
        })
    }

    fn put(&mut self, index: usize, r: &Record) {
        use std::os::unix::fs::FileExt;
        if let Err(e) = self
            .records
            .write_all_at(&r.encode(), index as u64 * RECORD as u64)
        {
            self.failed
                .get_or_insert_with(|| named(&self.records_path, e));
        }
    }

    /// The keys of the bundles done (whatever their result), for
    /// `kept::Keeper::finish`.
    pub fn keys(&self, bundles: usize) -> io::Result<Vec<Key>> {
        let mut keys = Vec::new();
        let mut records = self.records()?;
        for i in 0..bundles {
            keys.extend(records.get(i)?.key);
        }
        Ok(keys)
    }

    /// Bundle `index` is done; `key`, its key when it has one.
    pub fn done(&mut self, index: usize, done: Done, key: Option<Key>) {
        self.waiting.insert(index, (done, key));
        while let Some((done, key)) = self.waiting.remove(&self.next) {
            let i = self.next;
            self.next += 1;
            let mut record = Record {
                rows: Rows::None,
                key,
                pieces: [(0, 0, 0); JSONL.len()],
            };
            match done {
                Done::Analysed => {
                    if self.failed.is_none() {
                        match self.append(i) {
                            Ok(pieces) => {
                                record.rows = Rows::Joined;
                                record.pieces = pieces;
                                self.joined += 1;
                            }
                            Err(e) => self.failed = Some(e),
                        }
                    }
                }
                Done::Kept(taken) => {
                    record.rows = Rows::Kept;
                    for (piece, &(len, hash)) in record.pieces.iter_mut().zip(&taken.sections) {
                        *piece = (0, len, hash);
                    }
                    // Found again by its key (see `copy`, `kept_at`).
                    let at_key = record
                        .key
                        .as_ref()
                        .is_some_and(|k| taken.place == Place::new(&self.kept_dir, k));
                    if !at_key {
                        self.failed.get_or_insert_with(|| {
                            io::Error::other(format!(
                                "{}: a kept result not where its key says",
                                taken.place
                            ))
                        });
                    }
                }
                Done::Failed => {}
            }
            self.put(i, &record);
        }
    }

    fn append(&mut self, i: usize) -> io::Result<[(u64, u64, u128); JSONL.len()]> {
        let mut ranges = [(0, 0, 0); JSONL.len()];
        let path = part(&self.parts, i, ROWS);
        let mut rows = RowsFile::open(&path)?;
        for (k, range) in ranges.iter_mut().enumerate() {
            let (n, hash) = copy_hashing(&mut rows.section(k)?, &mut self.files[k])
                .map_err(|e| named(&path, e))?;
            if n != rows.len(k) {
                return Err(named(&path, "shorter than its header says"));
            }
            *range = (self.lens[k], n, hash);
            self.lens[k] += n;
        }
        Ok(ranges)
    }

    /// Bundle `i`'s rows of kind `k`, appended to `w`.
    fn copy(
        &self,
        (i, r): (usize, Record),
        k: usize,
        src: &mut File,
        w: &mut impl Write,
        to: &Path,
    ) -> io::Result<()> {
        let (offset, len, _) = r.pieces[k];
        match (r.rows, &r.key) {
            (Rows::Joined, _) => {
                src.seek(io::SeekFrom::Start(offset))?;
                let n = io::copy(&mut src.take(len), w)?;
                match n == len {
                    true => Ok(()),
                    false => Err(named(to, "the joined rows are shorter than written")),
                }
            }
            (Rows::Kept, Some(key)) => {
                let path = Place::new(&self.kept_dir, key).file(ROWS);
                let mut rows = RowsFile::open(&path)?;
                if rows.len(k) != len {
                    return Err(named(&path, "not as kept"));
                }
                let n = io::copy(&mut rows.section(k)?, w).map_err(|e| named(&path, e))?;
                match n == len {
                    true => Ok(()),
                    false => Err(named(&path, "shorter than kept")),
                }
            }
            _ => Err(named(to, format!("bundle {i} was kept but not joined"))),
        }
    }

    /// DIR/<kind>.jsonl: the rows of `kept` (bundle indices, increasing),
    /// every bundle done.
    ///
    /// When the last run's files (see [`JOINED`]) hold the rows of the
    /// first bundles of `kept` and are as that run left them, the rows of
    /// the others are appended to them in place. Else a file is renamed
    /// into place when it holds the rows of every bundle of `kept` and
    /// nothing else (a fresh run), or written again, bundle by bundle.
    /// Afterwards, [`Joiner::record`] still tells where each bundle's rows
    /// were and their lengths and hashes (for the Parquet files).
    pub fn finish(&mut self, dir: &Path, kept: &[usize]) -> io::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        debug_assert!(self.waiting.is_empty());
        let record_path = dir.join(".kept").join(JOINED);
        let version = super::kept::version();
        // The bundles whose rows the files already hold, if they can be
        // trusted to.
        let record: Option<JoinedRecord> = super::kept::read_small(&record_path)
            .ok()
            .and_then(|body| serde_json::from_slice(&body).ok())
            .filter(|r: &JoinedRecord| {
                r.format == JOINED_FORMAT
                    && r.lift == version
                    && r.files.len() == JSONL.len()
                    && r.keys.len() <= kept.len()
            });
        // One pass over the records: whether every bundle has a key, the
        // last run's prefix, what its files hold, and whether every bundle
        // is joined.
        let mut all_keys = true;
        let mut prefix = record.as_ref().map(|r| r.keys.len());
        let mut held = [0u64; JSONL.len()];
        let mut all_joined = true;
        let mut records = self.records()?;
        for (n, &i) in kept.iter().enumerate() {
            let r = records.get(i)?;
            if r.rows == Rows::None {
                return Err(named(dir, format!("bundle {i} was kept but not joined")));
            }
            all_keys &= r.key.is_some();
            all_joined &= r.rows == Rows::Joined;
            if let (Some(p), Some(rec)) = (prefix, &record) {
                if n < p {
                    let same = r.rows == Rows::Kept
                        && r.key.as_ref().is_some_and(|k| k.hex() == rec.keys[n]);
                    if same {
                        for (h, piece) in held.iter_mut().zip(&r.pieces) {
                            *h += piece.1;
                        }
                    } else {
                        prefix = None;
                    }
                }
            }
        }
        let prefix = prefix.filter(|_| all_keys);
        // Nothing trusts the old files while they change.
        let _ = fs::remove_file(&record_path);
        let fresh = all_joined && self.joined == kept.len();
        for (k, kind) in JSONL.iter().enumerate() {
            let from = joined(&self.parts, kind);
            let to = dir.join(format!("{kind}.jsonl"));
            if let (Some(p), Some(r)) = (prefix, &record) {
                let was = &r.files[k];
                // A regular file, as left: never a FIFO opened for writing.
                let same = fs::symlink_metadata(&to)
                    .is_ok_and(|m| m.is_file() && JoinedFile::of(&m) == *was);
                let file = match same {
                    true => fs::OpenOptions::new().write(true).open(&to).ok(),
                    false => None,
                };
                if let Some(mut file) = file {
                    let now = file.metadata().map(|m| (m.is_file(), JoinedFile::of(&m)));
                    if matches!(&now, Ok((true, now)) if now == was) && was.len == held[k] {
                        file.seek(io::SeekFrom::End(0)).map_err(|e| named(&to, e))?;
                        let mut src = File::open(&from).map_err(|e| named(&from, e))?;
                        let mut records = self.records()?;
                        for &i in &kept[p..] {
                            self.copy((i, records.get(i)?), k, &mut src, &mut file, &to)
                                .map_err(|e| named(&to, e))?;
                        }
                        continue;
                    }
                }
            }
            if fresh {
                fs::rename(&from, &to).map_err(|e| named(&to, e))?;
                continue;
            }
            let mut w = Output::create(&to, 0o644)?;
            let mut src = File::open(&from).map_err(|e| named(&from, e))?;
            let mut records = self.records()?;
            for &i in kept {
                self.copy((i, records.get(i)?), k, &mut src, &mut w, &to)?;
            }
            w.commit()?;
        }
        if all_keys {
            let files = JSONL
                .iter()
                .map(|kind| {
                    let to = dir.join(format!("{kind}.jsonl"));
                    fs::metadata(&to)
                        .map(|m| JoinedFile::of(&m))
                        .map_err(|e| named(&to, e))
                })
                .collect::<io::Result<_>>()?;
            let record = JoinedOut {
                format: JOINED_FORMAT,
                lift: version,
                files,
                keys: KeysOut(self, kept),
            };
            let mut w = Output::create(&record_path, 0o644)?;
            serde_json::to_writer(&mut w, &record)?;
            w.commit()?;
        }
        Ok(())
    }
}

pub const CSV_COLUMNS: &str = "host_id,hostname,os,kernel,init,virtualization,readiness,blockers,warnings,unknowns,packages,complete,started_at,bundle,other_bundles,vcpus,memory_bytes,cpu_p95,memory_p95,disks_allocated_bytes,disks_used_bytes,recommended_as_is,recommended_right_sized,os_support,os_support_ends";

/// RFC 4180: quote a field holding a comma, quote or line break. A field
/// that a spreadsheet would take for a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return, maybe after spaces) gets a leading
/// `'`, as OWASP recommends against CSV injection: a hostname like
/// `=HYPERLINK(...)` stays text.
fn csv(field: &str) -> String {
    let formula = field
        .trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r']);
    let field = if formula {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r', '\'']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// The hosts table as the Parquet export reads it (`parquet::TABLES`):
/// fleet.csv's columns, typed (numbers as numbers, `other_bundles` a list,
/// a missing time null). A column added to fleet.csv goes here too.
#[derive(Serialize)]
struct HostRow<'a> {
    host_id: &'a str,
    hostname: &'a str,
    os: &'a str,
    kernel: &'a str,
    init: &'a str,
    virtualization: &'a str,
    readiness: &'a str,
    blockers: usize,
    warnings: usize,
    unknowns: usize,
    packages: usize,
    complete: bool,
    started_at: Option<&'a str>,
    bundle: &'a str,
    other_bundles: Vec<&'a str>,
    vcpus: Option<u32>,
    memory_bytes: Option<u64>,
    cpu_p95: Option<f64>,
    memory_p95: Option<f64>,
    disks_allocated_bytes: Option<u64>,
    disks_used_bytes: Option<u64>,
    recommended_as_is: Option<&'a str>,
    recommended_right_sized: Option<&'a str>,
}

/// DIR/fleet.csv: one row per host (the newest bundle), written as the
/// hosts are visited; `other_bundles` lists older bundles of the same
/// host, separated by `;`. The same rows go to `hosts` (JSON Lines, for
/// the Parquet export).
pub struct FleetCsv(Output, BufWriter<File>);

impl FleetCsv {
    pub fn create(path: &Path, hosts: &Path) -> io::Result<FleetCsv> {
        let mut w = Output::create(path, 0o644)?;
        writeln!(w, "{CSV_COLUMNS}")?;
        let h = File::create(hosts).map_err(|e| named(hosts, e))?;
        Ok(FleetCsv(w, BufWriter::new(h)))
    }

    pub fn row(&mut self, h: &HostSummary, older: &[HostSummary]) -> io::Result<()> {
        let older: Vec<&str> = older.iter().map(|o| o.input.as_str()).collect();
        let p = &h.provision;
        let row = HostRow {
            host_id: &h.id,
            hostname: &h.hostname,
            os: &h.os,
            kernel: &h.kernel,
            init: &h.init,
            virtualization: &h.virtualization,
            readiness: &h.readiness,
            blockers: h.count(Severity::Blocker),
            warnings: h.count(Severity::Warning),
            unknowns: h.count(Severity::Unknown),
            packages: h.packages,
            complete: h.complete,
            started_at: (!h.started_at.is_empty()).then_some(h.started_at.as_str()),
            bundle: &h.input,
            other_bundles: older.clone(),
            vcpus: p.vcpus,
            memory_bytes: p.memory_bytes,
            cpu_p95: p.cpu_p95,
            memory_p95: p.memory_p95,
            disks_allocated_bytes: p.disks_allocated_bytes,
            disks_used_bytes: p.disks_used_bytes,
            recommended_as_is: p.as_is.as_deref(),
            recommended_right_sized: p.right_sized.as_deref(),
        };
        serde_json::to_writer(&mut self.1, &row)?;
        self.1.write_all(b"\n")?;
        let fields = [
            h.id.clone(),
            h.hostname.clone(),
            h.os.clone(),
            h.kernel.clone(),
            h.init.clone(),
            h.virtualization.clone(),
            h.readiness.clone(),
            h.count(Severity::Blocker).to_string(),
            h.count(Severity::Warning).to_string(),
            h.count(Severity::Unknown).to_string(),
            h.packages.to_string(),
            h.complete.to_string(),
            h.started_at.clone(),
            h.input.clone(),
            older.join(";"),
        ];
        let opt = |v: Option<String>| v.unwrap_or_default();
        let provision = [
            opt(p.vcpus.map(|v| v.to_string())),
            opt(p.memory_bytes.map(|v| v.to_string())),
            opt(p.cpu_p95.map(|v| v.to_string())),
            opt(p.memory_p95.map(|v| v.to_string())),
            opt(p.disks_allocated_bytes.map(|v| v.to_string())),
            opt(p.disks_used_bytes.map(|v| v.to_string())),
            opt(p.as_is.clone()),
            opt(p.right_sized.clone()),
            h.os_support.clone(),
            opt(h.os_support_ends.clone()),
        ];
        let fields: Vec<String> = fields.into_iter().chain(provision).collect();
        let line: Vec<String> = fields.iter().map(|f| csv(f)).collect();
        writeln!(self.0, "{}", line.join(","))
    }

    pub fn commit(mut self) -> io::Result<()> {
        self.1.flush()?;
        self.0.commit()
    }
}

/// Writes `value` as pretty JSON to `path`.
pub fn json_file<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut w = Output::create(path, 0o644)?;
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")?;
    w.commit()
}

/// Removes what an earlier run left in `.parts`, so a re-run gives the
/// same DIR. `hosts/` stays: a rerun keeps each page that is still the
/// kept result's file and removes the pages of hosts gone (see
/// `fleet::place_pages`).
pub fn reset(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir.join(".parts")) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::create_dir_all(dir.join("hosts"))?;
    fs::create_dir_all(dir.join(".parts"))
}

#[cfg(test)]
mod tests {
    use super::{csv, part, write_rows, Done, Joiner, RowsFile, JSONL, ROWS, SECTIONS};
    use std::io::Read;

    /// A rows file of these sections, as `write_parts` writes one.
    fn rows_file(path: &std::path::Path, sections: &[String]) {
        let mut b = b"liftrows".to_vec();
        for s in sections {
            b.extend_from_slice(&(s.len() as u64).to_le_bytes());
        }
        for s in sections {
            b.extend_from_slice(s.as_bytes());
        }
        std::fs::write(path, b).unwrap();
    }

    /// Records read back through one buffer in any order (increasing,
    /// backwards, repeated, a bundle never done) are the ones put.
    #[test]
    fn records_read_back_in_any_order() {
        use super::super::kept::Key;
        use super::{Record, Rows};
        let d = std::env::temp_dir().join(format!("lift-records-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        // More records than one buffer holds.
        let n = 1000;
        let mut j = Joiner::new(&d, &d.join(".kept"), n + 1).unwrap();
        for i in 0..n {
            let mut pieces = [(0, 0, 0); JSONL.len()];
            pieces[i % JSONL.len()] = (i as u64, 2 * i as u64, i as u128 * 7);
            let r = Record {
                rows: Rows::Kept,
                key: Some(Key::from_bytes([(i % 251) as u8; 32])),
                pieces,
            };
            j.put(i, &r);
        }
        let mut records = j.records().unwrap();
        for i in [0, 1, 500, 999, 3, 3, 998, 0, 700] {
            let r = records.get(i).unwrap();
            assert_eq!(
                r.key.unwrap().hex(),
                Key::from_bytes([(i % 251) as u8; 32]).hex()
            );
            assert_eq!(
                r.piece(i % JSONL.len()),
                Some((2 * i as u64, i as u128 * 7))
            );
            assert!(records.kept_at(i).unwrap().is_some());
        }
        let never = records.get(n).unwrap();
        assert!(never.key.is_none() && never.rows == Rows::None);
        assert!(
            records.get(n + 1).is_err(),
            "past the end: an error, not a record"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// Sections read back as written; a file that is not one, or whose
    /// header's lengths do not add up to its size (truncated, grown,
    /// edited), is refused, naming the file.
    #[test]
    fn a_rows_file_is_read_as_written_or_refused() {
        let d = std::env::temp_dir().join(format!("lift-rowsfile-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("0.rows");
        let sections: Vec<String> = (0..SECTIONS).map(|k| "x".repeat(k * 3)).collect();
        rows_file(&path, &sections);
        let mut r = RowsFile::open(&path).unwrap();
        for (k, want) in sections.iter().enumerate() {
            let mut got = String::new();
            r.section(k).unwrap().read_to_string(&mut got).unwrap();
            assert_eq!(&got, want, "section {k}");
            assert_eq!(r.len(k), want.len() as u64);
        }
        let hashes = r.hashes().unwrap();
        assert_eq!(hashes[2].0, 6);
        assert_ne!(hashes[2].1, hashes[3].1);

        let good = std::fs::read(&path).unwrap();
        let cases: [(&str, Vec<u8>); 4] = [
            ("truncated", good[..good.len() - 1].to_vec()),
            ("grown", [good.as_slice(), b"\n"].concat()),
            ("not lift's", [b"LIFTROWS", &good[8..]].concat()),
            ("no header", good[..20].to_vec()),
        ];
        for (what, body) in cases {
            std::fs::write(&path, body).unwrap();
            let e = RowsFile::open(&path)
                .err()
                .unwrap_or_else(|| panic!("{what} read"));
            assert!(e.to_string().contains("0.rows"), "{what}: {e}");
        }
        // A length past any file's is an error, not an overflow.
        let mut b = b"liftrows".to_vec();
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        b.resize(8 + 8 * SECTIONS, 0);
        std::fs::write(&path, b).unwrap();
        assert!(RowsFile::open(&path).is_err());
        std::fs::remove_dir_all(d).unwrap();
    }

    /// Bundles done out of order are appended in input order; a failed
    /// bundle adds nothing; a superseded one is left out
    /// at the end.
    #[test]
    fn joiner_appends_in_input_order() {
        let d = std::env::temp_dir().join(format!("lift-joiner-{}", std::process::id()));
        let (parts, out) = (d.join("parts"), d.join("out"));
        std::fs::create_dir_all(&parts).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let write = |i: usize| {
            let sections: Vec<String> = JSONL
                .iter()
                .chain(["dependencies"].iter())
                .map(|kind| format!("{kind} {i}\n"))
                .collect();
            rows_file(&part(&parts, i, ROWS), &sections);
        };
        let read = |kind: &str| std::fs::read_to_string(out.join(format!("{kind}.jsonl"))).unwrap();

        let mut j = Joiner::new(&parts, &d.join("kept"), 4).unwrap();
        for i in [2, 0, 3, 1] {
            write(i);
        }
        j.done(2, Done::Analysed, None);
        let joined = |kind: &str| std::fs::read_to_string(parts.join(format!("{kind}.jsonl")));
        assert_eq!(joined("packages").unwrap(), "", "appended before bundle 0");
        j.done(0, Done::Analysed, None);
        assert_eq!(joined("packages").unwrap(), "packages 0\n", "1 is not done");
        j.done(3, Done::Analysed, None);
        j.done(1, Done::Failed, None);
        assert_eq!(
            joined("packages").unwrap(),
            "packages 0\npackages 2\npackages 3\n"
        );
        j.finish(&out, &[0, 2, 3]).unwrap();
        assert_eq!(read("packages"), "packages 0\npackages 2\npackages 3\n");

        // Bundle 2 superseded: the rows are copied without it.
        let mut j = Joiner::new(&parts, &d.join("kept"), 4).unwrap();
        for i in 0..4 {
            write(i);
            j.done(i, Done::Analysed, None);
        }
        j.finish(&out, &[0, 1, 3]).unwrap();
        assert_eq!(read("findings"), "findings 0\nfindings 1\nfindings 3\n");
        assert_eq!(
            read("connections"),
            "connections 0\nconnections 1\nconnections 3\n"
        );
        std::fs::remove_dir_all(d).unwrap();
    }
    use serde::Serialize;

    /// The spliced rows are what `#[serde(flatten)]` writes.
    #[test]
    fn rows_are_host_id_then_the_item() {
        #[derive(Serialize)]
        struct Item {
            name: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            port: Option<u16>,
        }
        #[derive(Serialize)]
        struct Empty {}
        #[derive(Serialize)]
        struct Row<'a, T> {
            host_id: &'a str,
            #[serde(flatten)]
            item: &'a T,
        }
        let items = [
            Item {
                name: "a\"b",
                port: Some(22),
            },
            Item {
                name: "",
                port: None,
            },
        ];
        let id = "web\n01-1a2b";
        let mut got = Vec::new();
        let n = write_rows(&mut got, id, &items).unwrap();
        let want: String = items
            .iter()
            .map(|item| serde_json::to_string(&Row { host_id: id, item }).unwrap() + "\n")
            .collect();
        assert_eq!(String::from_utf8(got.clone()).unwrap(), want);
        assert_eq!(n, got.len() as u64, "the length it says");
        got.clear();
        let n = write_rows(&mut got, id, &[Empty {}]).unwrap();
        let want = serde_json::to_string(&Row {
            host_id: id,
            item: &Empty {},
        })
        .unwrap();
        assert_eq!(String::from_utf8(got.clone()).unwrap(), want + "\n");
        assert_eq!(n, got.len() as u64, "the length it says");
        assert!(write_rows(&mut got, id, &["not an object"]).is_err());
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }

    /// Issue 14 C1: cells starting with a formula character were live formulas.
    #[test]
    fn formula_cells_are_neutralized() {
        assert_eq!(csv("=1+1"), "\"'=1+1\"");
        assert_eq!(
            csv("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for f in ["+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =1"] {
            assert!(csv(f).starts_with("\"'"), "{f:?} -> {:?}", csv(f));
        }
        assert_eq!(csv("web-01"), "web-01");
        assert_eq!(csv("12"), "12");
    }
}
