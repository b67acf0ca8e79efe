//! Kept results: what makes a rerun of `lift batch` over a growing folder
//! analyse only the bundles that are new or changed.
//!
//! Each bundle's result (its summary, its two pages, its export rows) is
//! kept in `DIR/.kept/<key>.*` (see [`Place`]), where the key is the SHA-256 of the bundle's
//! bytes as they are on disk, the input path as given (it is in the
//! report), lift's version and the options that change a result (see
//! [`Keeper::new`]). A rerun reads a kept result's files where they are,
//! as if a worker had just written them (the pages are linked into
//! `hosts/`), so everything fleet-wide is rebuilt from the same files a
//! fresh run writes: the output is the same, byte for byte. Results no
//! input of the run uses are removed at its end. The manifest carries each
//! table's rows' length and XXH3-128, so that a rerun names the Parquet
//! files of rows it does not read again (see `exports::Joiner`).
//!
//! A kept result is trusted only when its manifest (written last, so a run
//! killed while keeping leaves none) has this format and version, names
//! this key, and every file it lists is there as it was kept: the same
//! size, inode and modification time, and the summary with the same
//! SHA-256, and the tables this lift writes. Anything else is a note, the
//! result is removed and the bundle analysed again. An input's hash is reused from the last run while its
//! size, inode, modification and change times are the same (`--fresh`
//! hashes every input again).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::exports::{RowsFile, SECTIONS};
use super::store::named;
use super::HostSummary;

/// The layout's version: a kept result of another is redone.
const FORMAT: u32 = 3;
/// A manifest or a summary is a few KB; past this it is not read.
const MAX_SMALL: u64 = 64 << 20;

/// One kept file: a part of the batch's (`<index>.<part>`).
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
struct KeptFile {
    part: String,
    len: u64,
    ino: u64,
    mtime_ns: i128,
}

/// One table's section of the kept export rows (see
/// `exports::RowsFile`): its length and XXH3-128, hex.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
struct Section {
    len: u64,
    xxh3: String,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: u32,
    lift: String,
    key: String,
    input: String,
    files: Vec<KeptFile>,
    /// The rows' sections, in `exports::RowsFile` order.
    rows: Vec<Section>,
    summary_sha256: String,
}

/// What an input hashed to, and the file's state then.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
struct Hashed {
    path: String,
    len: u64,
    ino: u64,
    dev: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    sha256: String,
}

fn mtime_ns(m: &fs::Metadata) -> i128 {
    i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec())
}

/// What the keeper found for one input.
pub enum Found {
    /// Its result, and where its files are.
    Kept(Box<HostSummary>, Box<Taken>),
    /// None kept: analyse it.
    Missing,
    /// One kept but not trusted (the note says why): analyse it again.
    Distrusted(String),
}

/// A kept result's files: `DIR/.kept/<key>.<part>` for each part (the
/// pages and the export rows, hard links of the worker's files), and
/// `<key>.kept` (its manifest, then its summary), written last. Files side
/// by side, not a folder a result: a folder is one more inode to find, the
/// costliest part of keeping (see `exports::part_names`).
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    dir: PathBuf,
    key: String,
}

/// The manifest's part name.
const MANIFEST: &str = "kept";

impl Place {
    pub fn new(kept_dir: &Path, key: &Key) -> Place {
        Place {
            dir: kept_dir.to_owned(),
            key: key.hex(),
        }
    }

    pub fn file(&self, part: &str) -> PathBuf {
        self.dir.join(format!("{}.{part}", self.key))
    }

    /// Removes the result, its manifest first (a result without one is
    /// never trusted).
    fn remove(&self, part_names: &[String]) {
        let _ = fs::remove_file(self.file(MANIFEST));
        let _ = fs::remove_file(self.file(&format!("{MANIFEST}.tmp")));
        for part in part_names {
            let _ = fs::remove_file(self.file(part));
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.dir.join(&self.key).display())
    }
}

/// Where a kept result is; `sections`, its export rows' sections' lengths
/// and XXH3-128, as kept.
#[derive(Clone, Debug)]
pub struct Taken {
    pub place: Place,
    pub sections: [(u64, u128); SECTIONS],
}

/// `DIR/.kept/` for one run.
pub struct Keeper {
    dir: PathBuf,
    /// lift's version and the result-changing options, hashed into keys.
    salt: String,
    /// The last run's inputs' hashes, by their path hashed (`paths`): a
    /// path that hashes like another finds that one's entry, which
    /// [`Seen::same_file`] then refuses unless it is the same file.
    hashes: HashMap<u64, Seen>,
    paths: std::hash::RandomState,
    /// This run's inputs' hashes, by input index, written for the next run
    /// at the end: on disk (`inputs.tmp`, one [`Seen`] a record), not in
    /// memory, whatever the fleet.
    seen: File,
    seen_path: PathBuf,
}

/// [`Hashed`] without its path, in a fixed-size record.
#[derive(Clone, Copy, PartialEq)]
struct Seen {
    len: u64,
    ino: u64,
    dev: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    sha256: [u8; 32],
}

const SEEN: usize = 1 + 24 + 32 + 32;

impl Seen {
    fn of(m: &fs::Metadata, sha256: [u8; 32]) -> Seen {
        Seen {
            len: m.len(),
            ino: m.ino(),
            dev: m.dev(),
            mtime_ns: mtime_ns(m),
            ctime_ns: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
            sha256,
        }
    }

    fn same_file(&self, m: &fs::Metadata) -> bool {
        Seen::of(m, self.sha256) == *self
    }

    fn from_hashed(h: &Hashed) -> Option<Seen> {
        Some(Seen {
            len: h.len,
            ino: h.ino,
            dev: h.dev,
            mtime_ns: h.mtime_ns,
            ctime_ns: h.ctime_ns,
            sha256: Key::parse(&h.sha256)?.0,
        })
    }

    fn encode(&self) -> [u8; SEEN] {
        let mut b = [0u8; SEEN];
        b[0] = 1;
        b[1..9].copy_from_slice(&self.len.to_le_bytes());
        b[9..17].copy_from_slice(&self.ino.to_le_bytes());
        b[17..25].copy_from_slice(&self.dev.to_le_bytes());
        b[25..41].copy_from_slice(&self.mtime_ns.to_le_bytes());
        b[41..57].copy_from_slice(&self.ctime_ns.to_le_bytes());
        b[57..89].copy_from_slice(&self.sha256);
        b
    }

    fn decode(b: &[u8; SEEN]) -> Option<Seen> {
        let mut x8 = [0u8; 8];
        let mut x16 = [0u8; 16];
        let mut u = |at: usize| {
            x8.copy_from_slice(&b[at..at + 8]);
            u64::from_le_bytes(x8)
        };
        let (len, ino, dev) = (u(1), u(9), u(17));
        let mut i = |at: usize| {
            x16.copy_from_slice(&b[at..at + 16]);
            i128::from_le_bytes(x16)
        };
        let (mtime_ns, ctime_ns) = (i(25), i(41));
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(&b[57..89]);
        (b[0] == 1).then_some(Seen {
            len,
            ino,
            dev,
            mtime_ns,
            ctime_ns,
            sha256,
        })
    }
}

/// A bundle's key: a SHA-256, named in hex (its kept folder's name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key([u8; 32]);

impl Key {
    pub fn hex(&self) -> String {
        hex(self.0)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(b: [u8; 32]) -> Key {
        Key(b)
    }

    /// The key a folder's name is, if it is one.
    /// Lowercase hex only, as [`Key::hex`] writes it.
    fn parse(name: &str) -> Option<Key> {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let n = name.as_bytes();
        if n.len() != 64 {
            return None;
        }
        let mut b = [0u8; 32];
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = (digit(n[2 * i])? << 4) | digit(n[2 * i + 1])?;
        }
        Some(Key(b))
    }
}

fn hex(d: impl AsRef<[u8]>) -> String {
    crate::model::files::hex(d.as_ref())
}

/// lift's version, the layout's, and the running executable's size and
/// modification time: a rebuilt lift (a development build keeps its
/// version number) trusts nothing an earlier build kept.
pub fn version() -> String {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let build = std::env::current_exe()
                .and_then(fs::metadata)
                .map(|m| format!("{}-{}", m.len(), mtime_ns(&m)))
                .unwrap_or_else(|_| "unknown".into());
            format!(
                "lift {} kept {FORMAT} build {build}",
                env!("CARGO_PKG_VERSION")
            )
        })
        .clone()
}

/// Opens one of the batch's own files to read, without updating its
/// access time: a rerun reads every kept result once, and under `relatime`
/// the first read after a write (and the first each day) marks the inode
/// dirty to be written back (3% of a rerun of 10,000). `O_NOATIME` is
/// only for the file's owner (or `CAP_FOWNER`); anyone else opens it as
/// usual.
pub(super) fn open_quietly(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOATIME)
        .open(path)
    {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => File::open(path),
        r => r,
    }
}

pub(super) fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    open_quietly(path)?
        .take(MAX_SMALL + 1)
        .read_to_end(&mut body)?;
    if body.len() as u64 > MAX_SMALL {
        return Err(io::Error::other(format!("larger than {MAX_SMALL} bytes")));
    }
    Ok(body)
}

impl Keeper {
    /// `options`: every option that changes a bundle's result (profile,
    /// firewall, sizing catalog's content, headroom), in a fixed form.
    /// `fresh`: what was kept is removed unread. `inputs`: how many
    /// inputs the run has.
    pub fn new(out: &Path, options: &str, fresh: bool, inputs: usize) -> io::Result<Keeper> {
        let dir = out.join(".kept");
        if fresh {
            match fs::remove_dir_all(&dir) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(named(&dir, e)),
                _ => {}
            }
        }
        fs::create_dir_all(&dir).map_err(|e| named(&dir, e))?;
        use std::hash::BuildHasher;
        let mut hashes = HashMap::new();
        let paths = std::hash::RandomState::new();
        // A missing or damaged list only costs hashing again.
        if let Ok(f) = File::open(dir.join("inputs.jsonl")) {
            for line in BufReader::new(f.take(MAX_SMALL)).lines() {
                let Ok(line) = line else { break };
                if let Ok(h) = serde_json::from_str::<Hashed>(&line) {
                    if let Some(seen) = Seen::from_hashed(&h) {
                        hashes.insert(paths.hash_one(&h.path), seen);
                    }
                }
            }
        }
        let seen_path = dir.join("inputs.tmp");
        let seen = super::store::scratch(&seen_path)?;
        seen.set_len(inputs as u64 * SEEN as u64)
            .map_err(|e| named(&seen_path, e))?;
        Ok(Keeper {
            dir,
            salt: format!("{}\0{options}", version()),
            hashes,
            paths,
            seen,
            seen_path,
        })
    }

    /// The key of `input` (input `index` of the run) as it is on disk now.
    pub fn key(&self, index: usize, input: &Path) -> io::Result<Key> {
        use std::hash::BuildHasher;
        use std::os::unix::fs::FileExt;
        let name = input.to_string_lossy();
        // Never a FIFO or a device: a regular file, opened without waiting.
        let mut file = lift_bundle::input::open_regular(input).map_err(|e| named(input, e))?;
        let meta = file.metadata().map_err(|e| named(input, e))?;
        let sha: [u8; 32] = match self.hashes.get(&self.paths.hash_one(name.as_ref())) {
            Some(h) if h.same_file(&meta) => h.sha256,
            _ => {
                let mut h = Sha256::new();
                super::exports::with_buffer(|buf| loop {
                    let n = file.read(buf).map_err(|e| named(input, e))?;
                    if n == 0 {
                        return Ok::<_, io::Error>(());
                    }
                    h.update(&buf[..n]);
                })?;
                h.finalize().into()
            }
        };
        self.seen
            .write_all_at(&Seen::of(&meta, sha).encode(), index as u64 * SEEN as u64)
            .map_err(|e| named(&self.seen_path, e))?;
        let sha = hex(sha);
        let mut k = Sha256::new();
        k.update(self.salt.as_bytes());
        k.update(b"\0");
        k.update(name.as_bytes());
        k.update(b"\0");
        k.update(sha.as_bytes());
        Ok(Key(k.finalize().into()))
    }

    fn place(&self, key: &Key) -> Place {
        Place::new(&self.dir, key)
    }

    /// The result kept for `key` (from `input`), its files checked.
    pub fn take(&self, key: &Key, input: &Path, part_names: &[String]) -> Found {
        let place = self.place(key);
        // Read, not first looked for: one system call fewer a kept bundle.
        let body = match read_small(&place.file(MANIFEST)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Found::Missing,
            body => body,
        };
        match self.check(body, key, &place, input, part_names) {
            Ok((m, summary)) => {
                let mut sections = [(0, 0); SECTIONS];
                for (to, s) in sections.iter_mut().zip(&m.rows) {
                    match u128::from_str_radix(&s.xxh3, 16) {
                        Ok(h) if s.xxh3.len() == 32 => *to = (s.len, h),
                        _ => {
                            place.remove(part_names);
                            return Found::Distrusted(format!(
                                "{place}: its manifest's hash of the rows is not one; analysed again",
                            ));
                        }
                    }
                }
                Found::Kept(Box::new(summary), Box::new(Taken { place, sections }))
            }
            Err(why) => {
                place.remove(part_names);
                Found::Distrusted(format!("{place}: {why}; analysed again"))
            }
        }
    }

    fn check(
        &self,
        body: io::Result<Vec<u8>>,
        key: &Key,
        place: &Place,
        input: &Path,
        part_names: &[String],
    ) -> Result<(Manifest, HostSummary), String> {
        let body = body.map_err(|e| format!("its manifest cannot be read ({e})"))?;
        // The manifest's line, then the summary's.
        let (manifest, summary) = match memchr::memchr(b'\n', &body) {
            Some(at) => (&body[..at], &body[at + 1..]),
            None => (&body[..], &[][..]),
        };
        let m: Manifest = serde_json::from_slice(manifest)
            .map_err(|e| format!("its manifest is not lift's ({e})"))?;
        if m.format != FORMAT || m.lift != version() {
            return Err(format!("kept by {} (this is {})", m.lift, version()));
        }
        if m.key != key.hex() || m.input != input.to_string_lossy() {
            return Err("its manifest names another bundle".into());
        }
        if !m.files.iter().map(|f| &f.part).eq(part_names.iter()) || m.rows.len() != SECTIONS {
            return Err("it holds other tables than this lift writes".into());
        }
        for f in &m.files {
            let meta = fs::symlink_metadata(place.file(&f.part))
                .map_err(|e| format!("{} is gone ({e})", f.part))?;
            if !meta.is_file() || meta.len() != f.len {
                return Err(format!(
                    "{} is not as kept ({} bytes, kept {})",
                    f.part,
                    meta.len(),
                    f.len
                ));
            }
            if meta.ino() != f.ino || mtime_ns(&meta) != f.mtime_ns {
                return Err(format!("{} was changed since it was kept", f.part));
            }
        }
        if hex(Sha256::digest(summary)) != m.summary_sha256 {
            return Err("its summary was changed since it was kept".into());
        }
        let summary: HostSummary = serde_json::from_slice(summary)
            .map_err(|e| format!("its summary is unreadable ({e})"))?;
        Ok((m, summary))
    }

    /// Keeps bundle `index`'s result: its `parts` files (named
    /// `<index>.<part>`, linked, not copied), then its manifest and
    /// summary, written to a temporary name and renamed into place.
    pub fn keep(
        &self,
        key: &Key,
        input: &Path,
        index: usize,
        parts: &Path,
        part_names: &[String],
        summary: &HostSummary,
    ) -> io::Result<()> {
        let place = self.place(key);
        place.remove(part_names);
        let mut files = Vec::new();
        let mut rows = Vec::new();
        for part in part_names {
            let from = parts.join(format!("{index}.{part}"));
            let to = place.file(part);
            fs::hard_link(&from, &to).map_err(|e| named(&from, e))?;
            let meta = fs::metadata(&to).map_err(|e| named(&to, e))?;
            if part == super::exports::ROWS {
                for (len, hash) in RowsFile::open(&to)?.hashes()? {
                    rows.push(Section {
                        len,
                        xxh3: format!("{hash:032x}"),
                    });
                }
            }
            files.push(KeptFile {
                part: part.clone(),
                len: meta.len(),
                ino: meta.ino(),
                mtime_ns: mtime_ns(&meta),
            });
        }
        let summary = serde_json::to_vec(summary)?;
        let m = Manifest {
            format: FORMAT,
            lift: version(),
            key: key.hex(),
            input: input.to_string_lossy().into_owned(),
            files,
            rows,
            summary_sha256: hex(Sha256::digest(&summary)),
        };
        let mut body = serde_json::to_vec(&m)?;
        body.push(b'\n');
        body.extend_from_slice(&summary);
        let tmp = place.file(&format!("{MANIFEST}.tmp"));
        fs::write(&tmp, &body).map_err(|e| named(&tmp, e))?;
        let to = place.file(MANIFEST);
        fs::rename(&tmp, &to).map_err(|e| named(&to, e))
    }

    /// The end of a successful run: every kept result but `used` goes (a
    /// bundle no longer in the inputs leaves the fleet and the keep), and
    /// the inputs' hashes are written for the next run, in input order
    /// (sorted by path, see `discover`).
    pub fn finish(self, mut used: Vec<Key>, inputs: &super::store::Paths) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        used.sort_unstable();
        for e in fs::read_dir(&self.dir).map_err(|e| named(&self.dir, e))? {
            let e = e.map_err(|e| named(&self.dir, e))?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            // parquet.jsonl: what `parquet::Table::write` wrote;
            // joined.json: what `exports::Joiner::finish` wrote.
            let kept = ["inputs.jsonl", "inputs.tmp", "parquet.jsonl"];
            // A used result's files, `<key>.<part>`, but a `.tmp` left by
            // a killed run.
            let used_result = name
                .split_once('.')
                .filter(|(_, part)| !part.ends_with(".tmp"))
                .and_then(|(key, _)| Key::parse(key))
                .is_some_and(|k| used.binary_search(&k).is_ok());
            if kept.contains(&name.as_ref()) || name == super::exports::JOINED || used_result {
                continue;
            }
            let path = e.path();
            let gone = if e.file_type().is_ok_and(|t| t.is_dir()) {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            gone.map_err(|e| named(&path, e))?;
        }
        drop(used);
        let path = self.dir.join("inputs.jsonl");
        let mut w = crate::output::Output::create(&path, 0o644)?;
        for i in 0..inputs.len() {
            let mut b = [0u8; SEEN];
            self.seen
                .read_exact_at(&mut b, i as u64 * SEEN as u64)
                .map_err(|e| named(&self.seen_path, e))?;
            // None for an input that could not be read.
            let Some(seen) = Seen::decode(&b) else {
                continue;
            };
            let h = Hashed {
                path: inputs.get(i)?.to_string_lossy().into_owned(),
                len: seen.len,
                ino: seen.ino,
                dev: seen.dev,
                mtime_ns: seen.mtime_ns,
                ctime_ns: seen.ctime_ns,
                sha256: hex(seen.sha256),
            };
            serde_json::to_writer(&mut w, &h)?;
            w.write_all(b"\n")?;
        }
        w.commit()?;
        drop(self.seen);
        fs::remove_file(&self.seen_path).map_err(|e| named(&self.seen_path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    /// A kept file read by the batch keeps its access time, though it
    /// was older than the file's modification (where `relatime` updates
    /// it on the first read).
    #[test]
    fn reading_a_kept_file_leaves_its_access_time() {
        use std::os::unix::fs::MetadataExt;
        let d = std::env::temp_dir().join(format!("lift-noatime-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("x.kept");
        std::fs::write(&path, b"manifest\nsummary").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_times(std::fs::FileTimes::new().set_accessed(old))
            .unwrap();
        drop(f);
        let before = std::fs::metadata(&path).unwrap();
        assert!(
            before.atime() < before.mtime(),
            "the access time was not set back"
        );
        assert_eq!(super::read_small(&path).unwrap(), b"manifest\nsummary");
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!(
            (after.atime(), after.atime_nsec()),
            (before.atime(), before.atime_nsec())
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    /// A key's name read back; anything but 64 lowercase hex digits is no
    /// key (an uppercase copy, a `.tmp`, another file).
    #[test]
    fn keys_parse_back_from_their_names() {
        let k = Key([0x0f, 0xa0, 0xff, 0x12].repeat(8).try_into().unwrap());
        let name = k.hex();
        assert_eq!(name, "0fa0ff12".repeat(8));
        assert_eq!(Key::parse(&name), Some(k));
        for bad in [
            name.to_uppercase(),
            name[..63].to_string(),
            format!("{name}0"),
            format!("{}g", &name[..63]),
            "é".repeat(32),
        ] {
            assert_eq!(Key::parse(&bad), None, "{bad}");
        }
    }
}
