//! The defensive reader. Bundles arrive by email from machines nobody here
//! controls: every limit is explicit, every failure names the file and the
//! byte offset, and no input can make it allocate past its limits.

use crate::codec::{self, Peek, MAX_RECORD_LEN};
use crate::{Record, FORMAT_VERSION, MAGIC, WINDOW_LOG};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// Records longer than this are read into a buffer of their own (see
/// `Reader::next_record`); shorter ones into the reader's reused body.
const OWN_BODY_FROM: usize = 4 << 10;

/// The largest zstd window a reader accepts, as a power of two: 8 MiB,
/// four times the writer's (bundles written before issue 15 used 4 MiB).
/// zstd's own limit, 128 MiB, would let a frame header of a few bytes make
/// each reader allocate that much.
pub const WINDOW_LOG_MAX: u32 = WINDOW_LOG + 2;

/// The reader's limits. `Default` is what the analyzer uses.
///
/// Every record kind has its own count limit. Bytes are bounded by
/// `max_decompressed`, but a record costs memory beyond its bytes (an empty
/// Note is 5 bytes on disk and a few hundred in memory: 20 million of them in
/// a 16 KB bundle once took 4.7 GB), so the count of each kind bounds what
/// reading it can hold: about 250 bytes of overhead times its limit.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest record body (at most `codec::MAX_RECORD_LEN`).
    pub max_record_len: u32,
    /// Total decompressed bytes.
    pub max_decompressed: u64,
    /// Entry records.
    pub max_entries: u64,
    /// Bytes in one entry's path.
    pub max_path_len: usize,
    /// Fact records (a statvfs per mount, an ELF summary per process, ...).
    pub max_facts: u64,
    /// Note records.
    pub max_notes: u64,
    /// Chunk records (pieces of a file over 16 MiB: 1 MiB each, 16 MiB
    /// before issue 15).
    pub max_chunks: u64,
    /// Header and Footer records, each (a bundle has one of each).
    pub max_headers: u64,
    /// Records from a newer probe, skipped by their length.
    pub max_skipped: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_len: MAX_RECORD_LEN,
            max_decompressed: 2 << 30,
            max_entries: 2_000_000,
            max_path_len: 4096,
            max_facts: 500_000,
            max_notes: 200_000,
            max_chunks: 100_000,
            max_headers: 16,
            max_skipped: 1_000_000,
        }
    }
}

/// How many records of each kind were read, against [`Limits`]; the JSON
/// form counts with it too.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    entries: u64,
    facts: u64,
    notes: u64,
    chunks: u64,
    headers: u64,
    footers: u64,
    skipped: u64,
}

impl Counts {
    /// Counts one record (`None`: one from a newer probe); an error names
    /// the kind whose limit it passes.
    pub(crate) fn admit(&mut self, r: Option<&Record>, l: &Limits) -> Result<(), ReadErrorKind> {
        let (n, limit, kind) = match r {
            Some(Record::Entry(e)) => {
                if e.path.len() > l.max_path_len {
                    return Err(ReadErrorKind::PathTooLong {
                        len: e.path.len(),
                        limit: l.max_path_len,
                    });
                }
                (&mut self.entries, l.max_entries, "entry")
            }
            Some(Record::Fact(_)) => (&mut self.facts, l.max_facts, "fact"),
            Some(Record::Note(_)) => (&mut self.notes, l.max_notes, "note"),
            Some(Record::Chunk(_)) => (&mut self.chunks, l.max_chunks, "chunk"),
            Some(Record::Header(_)) => (&mut self.headers, l.max_headers, "header"),
            Some(Record::Footer(_)) => (&mut self.footers, l.max_headers, "footer"),
            None => (&mut self.skipped, l.max_skipped, "newer-probe"),
        };
        *n += 1;
        if *n <= limit {
            Ok(())
        } else if kind == "entry" {
            Err(ReadErrorKind::TooManyEntries { limit })
        } else {
            Err(ReadErrorKind::TooManyRecords { kind, limit })
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadErrorKind {
    #[error("{0}")]
    Io(io::Error),
    #[error("not a lift bundle (magic {:?}, expected \"LIFTBNDL\")", String::from_utf8_lossy(.0))]
    BadMagic([u8; 8]),
    #[error("bundle format version {0} is newer than this lift understands (up to {FORMAT_VERSION}); upgrade lift")]
    UnsupportedVersion(u32),
    /// The input ended inside the header, a record or the compressed frame.
    #[error("the file ends early (truncated in transfer?)")]
    Truncated,
    /// zstd refused the data: corruption, or a failed content checksum.
    #[error("corrupt compressed data: {0}")]
    Corrupt(String),
    #[error("record claims {len} bytes, over the {limit}-byte limit")]
    RecordTooLong { len: u32, limit: u32 },
    #[error("decompresses to more than {limit} bytes (the limit)")]
    DecompressedLimit { limit: u64 },
    #[error("more than {limit} entries (the limit)")]
    TooManyEntries { limit: u64 },
    /// More records of one kind (`fact`, `note`, `chunk`, `header`,
    /// `footer`, `newer-probe`) than its limit.
    #[error("more than {limit} {kind} records (the limit for that kind)")]
    TooManyRecords { kind: &'static str, limit: u64 },
    #[error("an entry path of {len} bytes, over the {limit}-byte limit")]
    PathTooLong { len: usize, limit: usize },
    /// The record body is not a valid record.
    #[error("undecodable record: {0}")]
    Decode(String),
}

/// A failure to read a bundle, with where it happened: the file, then the
/// record and offset (the header's own errors say neither).
#[derive(Debug, thiserror::Error)]
#[error("{}{}", path_prefix(.path), place(*.record, *.offset, .kind))]
pub struct ReadError {
    pub path: Option<PathBuf>,
    /// Offset in the decompressed record stream (0 for header errors, which
    /// are in the file itself).
    pub offset: u64,
    /// Zero-based index of the record being read.
    pub record: u64,
    pub kind: ReadErrorKind,
}

fn path_prefix(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

fn place(record: u64, offset: u64, kind: &ReadErrorKind) -> String {
    match kind {
        ReadErrorKind::BadMagic(_) | ReadErrorKind::UnsupportedVersion(_) => kind.to_string(),
        _ => format!("record {record} at decompressed byte {offset}: {kind}"),
    }
}

/// Streams records out of a bundle. Iterate it; after `None`, `skipped()`
/// says how many records from a newer probe were passed over.
pub struct Reader<R: Read> {
    inner: io::Take<zstd::Decoder<'static, BufReader<R>>>,
    limits: Limits,
    path: Option<PathBuf>,
    /// Start of the record being read, in the decompressed stream.
    offset: u64,
    /// Decompressed bytes read so far.
    consumed: u64,
    record: u64,
    counts: Counts,
    skipped: u64,
    done: bool,
    /// The record body, reused from record to record: it grows to the
    /// longest record read so far, never zeroed or allocated again.
    body: Vec<u8>,
}

impl Reader<File> {
    pub fn open(path: &Path, limits: Limits) -> Result<Self, ReadError> {
        let file = crate::input::open_regular(path).map_err(|e| ReadError {
            path: Some(path.to_owned()),
            offset: 0,
            record: 0,
            kind: ReadErrorKind::Io(e),
        })?;
        Reader::new(file, limits)
            .map(|r| r.with_path(path))
            .map_err(|e| e.with_path(path))
    }
}

impl ReadError {
    fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_owned());
        self
    }
}

impl<R: Read> Reader<R> {
    /// Checks the magic and version and opens the compressed frame.
    pub fn new(mut input: R, limits: Limits) -> Result<Self, ReadError> {
        let err = |kind| ReadError {
            path: None,
            offset: 0,
            record: 0,
            kind,
        };
        let mut head = [0u8; 12];
        read_full(&mut input, &mut head).map_err(|e| err(classify_io(e)))?;
        let magic: [u8; 8] = head[..8].try_into().expect("8 bytes");
        if &magic != MAGIC {
            return Err(err(ReadErrorKind::BadMagic(magic)));
        }
        let version = u32::from_le_bytes(head[8..].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(err(ReadErrorKind::UnsupportedVersion(version)));
        }
        let mut dec = zstd::Decoder::new(input)
            .map_err(|e| err(ReadErrorKind::Io(e)))?
            .single_frame();
        dec.window_log_max(WINDOW_LOG_MAX)
            .map_err(|e| err(ReadErrorKind::Io(e)))?;
        Ok(Reader {
            // One byte past the limit, to tell "exactly at" from "over".
            inner: dec.take(limits.max_decompressed.saturating_add(1)),
            limits: Limits {
                max_record_len: limits.max_record_len.min(MAX_RECORD_LEN),
                ..limits
            },
            path: None,
            offset: 0,
            consumed: 0,
            record: 0,
            counts: Counts::default(),
            skipped: 0,
            done: false,
            body: Vec::new(),
        })
    }

    pub fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Records from a newer probe that were skipped.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    fn error(&self, kind: ReadErrorKind) -> ReadError {
        ReadError {
            path: self.path.clone(),
            offset: self.offset,
            record: self.record,
            kind,
        }
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, ReadError> {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(classify_io(e))),
            }
        }
        self.consumed += got as u64;
        if self.consumed > self.limits.max_decompressed {
            return Err(self.error(ReadErrorKind::DecompressedLimit {
                limit: self.limits.max_decompressed,
            }));
        }
        Ok(got)
    }

    fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        loop {
            self.offset = self.consumed;
            let mut len = [0u8; 4];
            match self.fill(&mut len)? {
                0 => return Ok(None),
                4 => {}
                _ => return Err(self.error(ReadErrorKind::Truncated)),
            }
            let len = u32::from_le_bytes(len);
            if len > self.limits.max_record_len {
                return Err(self.error(ReadErrorKind::RecordTooLong {
                    len,
                    limit: self.limits.max_record_len,
                }));
            }
            // Read into a buffer grown at most 64 KiB past what has
            // arrived, so a false length on a short stream costs only what
            // the stream really holds. Short records reuse one body; a
            // longer one gets its own, which a whole file's content then
            // keeps (`codec::decode_owned`) rather than copying.
            let len = len as usize;
            let mut buf = if len <= OWN_BODY_FROM {
                std::mem::take(&mut self.body)
            } else {
                Vec::new()
            };
            let mut have = 0;
            while have < len {
                let want = (len - have).min(1 << 16);
                if buf.len() < have + want {
                    buf.resize(have + want, 0);
                }
                let got = self.fill(&mut buf[have..have + want]);
                match got {
                    Ok(0) => return Err(self.error(ReadErrorKind::Truncated)),
                    Ok(n) => have += n,
                    Err(e) => return Err(e),
                }
            }
            if let Peek::Unknown = codec::peek(&buf[..len]) {
                if len <= OWN_BODY_FROM {
                    self.body = buf;
                }
                self.counts
                    .admit(None, &self.limits)
                    .map_err(|k| self.error(k))?;
                self.skipped += 1;
                self.record += 1;
                continue;
            }
            let record = if len <= OWN_BODY_FROM {
                let record = codec::decode(&buf[..len]);
                self.body = buf;
                record
            } else {
                buf.truncate(len);
                codec::decode_owned(buf)
            };
            let record = record.map_err(|m| self.error(ReadErrorKind::Decode(m)))?;
            self.counts
                .admit(Some(&record), &self.limits)
                .map_err(|k| self.error(k))?;
            self.record += 1;
            return Ok(Some(record));
        }
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_record().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<()> {
    r.read_exact(buf)
}

/// What a layer under the compressed frame (the decryption of an
/// encrypted bundle) found wrong, in its own words: a reader's error then
/// says it as it is, not as corrupt compressed data.
#[derive(Debug)]
pub struct LayerError(pub String);

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LayerError {}

fn classify_io(e: io::Error) -> ReadErrorKind {
    if e.get_ref().is_some_and(|inner| inner.is::<LayerError>()) {
        return ReadErrorKind::Io(e);
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => ReadErrorKind::Truncated,
        // zstd reports bad frames, checksum mismatches and "incomplete
        // frame" through io::Error::other.
        io::ErrorKind::Other | io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
            let msg = e.to_string();
            if msg.contains("ncomplete") || msg.contains("end of file") {
                ReadErrorKind::Truncated
            } else if msg.contains("too much memory") {
                ReadErrorKind::Corrupt(format!(
                    "its zstd window is over the {} MiB this reader accepts ({msg})",
                    1u32 << (WINDOW_LOG_MAX - 20)
                ))
            } else {
                ReadErrorKind::Corrupt(msg)
            }
        }
        _ => ReadErrorKind::Io(e),
    }
}
