//! The Parquet exports: each table of the batch (the JSON Lines exports and
//! the hosts of fleet.csv) as `DIR/parquet/<table>/part-*.parquet`, with an
//! explicit schema, for Spark, Trino, Athena, BigQuery and DuckDB. A table
//! is cut into files of about 256 hosts each (see [`HOSTS_PER_FILE`]), so
//! that a rerun writes again only the files whose hosts changed.
//!
//! A table is one row of [`TABLES`]: its name and its columns. The rows are
//! read from the table's JSON Lines (`<table>.jsonl`, the same rows) by the
//! Arrow project's JSON reader against that schema, so the two exports
//! cannot disagree; a JSON field the schema does not list is left out, a
//! column the JSON lacks is null. Adding a table is adding its row here
//! (and its JSON Lines, see `exports::JSONL`).
//!
//! Types follow the Rust values, read as they are (a size as a `u64`) and
//! written as warehouses read them (see [`stored`]): integers as INT32 or
//! INT64, times as UTC timestamps (RFC 3339 strings and Unix seconds
//! alike), lists as lists, nested items as structs.
//! Files are written to a temporary name and renamed, so a killed run never
//! leaves a half-written `.parquet` (and the next run removes a `.tmp`).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use twox_hash::xxhash3_128::Hasher;

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::store::named;

/// One table: `name` is its JSON Lines file's stem and its Parquet folder.
pub struct Table {
    pub name: &'static str,
    pub columns: fn() -> Vec<Field>,
}

/// Every table written as Parquet, in the order they are written.
pub const TABLES: &[Table] = &[
    Table {
        name: "hosts",
        columns: hosts,
    },
    Table {
        name: "findings",
        columns: findings,
    },
    Table {
        name: "packages",
        columns: packages,
    },
    Table {
        name: "listeners",
        columns: listeners,
    },
    Table {
        name: "connections",
        columns: connections,
    },
    Table {
        name: "dependencies",
        columns: dependencies,
    },
    Table {
        name: "jobs",
        columns: jobs,
    },
    Table {
        name: "utilization",
        columns: utilization,
    },
    Table {
        name: "volumes",
        columns: volumes,
    },
    Table {
        name: "containers",
        columns: containers,
    },
    Table {
        name: "applications",
        columns: applications,
    },
];

/// Rows a row group holds at most: a million package rows is about 1,250
/// real hosts, more than a file holds (see [`HOSTS_PER_FILE`]), so a file
/// is one row group, large enough for a reader to skip by its statistics.
pub const ROW_GROUP_ROWS: usize = 1 << 20;
/// Rows the JSON reader decodes at once (memory, not layout).
const BATCH_ROWS: usize = 8192;

fn text(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn u64s(name: &str) -> Field {
    Field::new(name, DataType::UInt64, true)
}

fn u32s(name: &str) -> Field {
    Field::new(name, DataType::UInt32, true)
}

fn u16s(name: &str) -> Field {
    Field::new(name, DataType::UInt16, true)
}

fn f64s(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn flag(name: &str) -> Field {
    Field::new(name, DataType::Boolean, true)
}

/// A UTC time, from an RFC 3339 string or Unix seconds.
fn time(name: &str) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Second, Some("+00:00".into())),
        true,
    )
}

fn list(name: &str, item: DataType) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", item, true))),
        true,
    )
}

fn structs(fields: Vec<Field>) -> DataType {
    DataType::Struct(Fields::from(fields))
}

fn host_id() -> Field {
    Field::new("host_id", DataType::Utf8, false)
}

fn hosts() -> Vec<Field> {
    vec![
        host_id(),
        text("hostname"),
        text("os"),
        text("kernel"),
        text("init"),
        text("virtualization"),
        text("readiness"),
        u64s("blockers"),
        u64s("warnings"),
        u64s("unknowns"),
        u64s("packages"),
        flag("complete"),
        time("started_at"),
        text("bundle"),
        list("other_bundles", DataType::Utf8),
        u32s("vcpus"),
        u64s("memory_bytes"),
        f64s("cpu_p95"),
        f64s("memory_p95"),
        u64s("disks_allocated_bytes"),
        u64s("disks_used_bytes"),
        text("recommended_as_is"),
        text("recommended_right_sized"),
    ]
}

fn findings() -> Vec<Field> {
    vec![
        host_id(),
        text("id"),
        text("severity"),
        text("title"),
        text("detail"),
        list("evidence", structs(vec![text("path"), text("excerpt")])),
        text("remediation"),
        text("command"),
        text("resolve"),
        text("action"),
        list(
            "missing",
            structs(vec![
                text("source"),
                text("spec"),
                text("state"),
                text("detail"),
            ]),
        ),
        list(
            "basis",
            structs(vec![text("source"), text("spec"), text("state")]),
        ),
        flag("decides"),
    ]
}

fn packages() -> Vec<Field> {
    vec![
        host_id(),
        text("name"),
        u64s("epoch"),
        text("version"),
        text("release"),
        text("arch"),
        text("manager"),
        text("source"),
        text("status"),
        u64s("installed_size_bytes"),
        time("install_time"),
        time("build_time"),
        text("vendor"),
        text("maintainer"),
        text("license"),
        text("summary"),
        flag("gpg_pubkey"),
        text("sigmd5"),
    ]
}

fn listeners() -> Vec<Field> {
    vec![
        host_id(),
        text("proto"),
        text("address"),
        u16s("port"),
        text("path"),
        u32s("pid"),
        text("program"),
        list("owners", structs(vec![u32s("pid"), text("program")])),
        u32s("uid"),
        u64s("inode"),
        text("service"),
        flag("managed"),
        text("package"),
    ]
}

fn connections() -> Vec<Field> {
    vec![
        host_id(),
        text("proto"),
        text("local_address"),
        u16s("local_port"),
        text("remote_address"),
        u16s("remote_port"),
        u32s("pid"),
        text("program"),
        text("service"),
    ]
}

fn dependencies() -> Vec<Field> {
    vec![
        host_id(),
        text("hostname"),
        text("kind"),
        text("target"),
        u16s("port"),
        text("declared_in"),
        text("evidence"),
        text("scope"),
        text("address"),
        text("fleet_host_id"),
    ]
}

fn jobs() -> Vec<Field> {
    vec![
        host_id(),
        text("kind"),
        text("schedule"),
        text("when"),
        text("user"),
        text("command"),
        text("declared_in"),
    ]
}

fn utilization() -> Vec<Field> {
    vec![
        host_id(),
        text("source"),
        time("window_from"),
        time("window_to"),
        f64s("days"),
        u64s("samples"),
        f64s("cpu_busy_mean"),
        f64s("cpu_busy_p95"),
        f64s("cpu_busy_peak"),
        f64s("cpu_iowait_p95"),
        f64s("memory_used_mean"),
        f64s("memory_used_p95"),
        f64s("memory_used_peak"),
        f64s("load_1_p95"),
        u32s("vcpus"),
        u64s("memory_bytes"),
    ]
}

fn volumes() -> Vec<Field> {
    vec![
        host_id(),
        text("source"),
        text("kind"),
        u64s("allocated_bytes"),
        u64s("used_bytes"),
        list("holds", DataType::Utf8),
        list("disks", DataType::Utf8),
    ]
}

fn i64s(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}

fn containers() -> Vec<Field> {
    vec![
        host_id(),
        text("runtime"),
        text("id"),
        text("name"),
        text("image"),
        text("state"),
        text("restart_policy"),
        list(
            "ports",
            structs(vec![
                text("host_ip"),
                u16s("host_port"),
                u16s("container_port"),
                text("proto"),
            ]),
        ),
        list(
            "mounts",
            structs(vec![
                text("kind"),
                text("source"),
                text("volume"),
                text("destination"),
                flag("read_only"),
            ]),
        ),
        list("pids", DataType::UInt32),
        text("service"),
        list("listeners", DataType::Utf8),
        text("declared_in"),
    ]
}

fn applications() -> Vec<Field> {
    vec![
        host_id(),
        text("kind"),
        text("instance"),
        text("version"),
        list("evidence", DataType::Utf8),
        list("config_files", DataType::Utf8),
        list(
            "data_directories",
            structs(vec![
                text("path"),
                u64s("bytes"),
                u64s("allocated_bytes"),
                u64s("files"),
                flag("complete"),
                text("bound"),
            ]),
        ),
        list("listeners", DataType::Utf8),
        list(
            "virtual_hosts",
            structs(vec![
                list("names", DataType::Utf8),
                list("listen", DataType::Utf8),
                text("document_root"),
                text("certificate"),
                text("declared_in"),
            ]),
        ),
        list(
            "connectors",
            structs(vec![
                u16s("port"),
                text("protocol"),
                flag("tls"),
                text("address"),
                text("certificate"),
            ]),
        ),
        // not_after as the JSON has it (text): a certificate's date is
        // whatever the file said.
        list(
            "certificates",
            structs(vec![
                text("path"),
                text("named_by"),
                text("state"),
                text("detail"),
                text("subject"),
                list("sans", DataType::Utf8),
                text("not_after"),
                i64s("days_left"),
            ]),
        ),
    ]
}

impl Table {
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new((self.columns)()))
    }

    /// `DIR/parquet/<table>/`.
    pub fn folder(&self, dir: &Path) -> PathBuf {
        dir.join("parquet").join(self.name)
    }

    /// Writes the table from its JSON Lines at `rows` (one object a line,
    /// a host's rows together) as files of about [`HOSTS_PER_FILE`] hosts
    /// (see [`chunks`]), each through a temporary file renamed into place.
    /// A file whose rows are those of a file `kept` lists, still as it was
    /// written, is kept (renamed if its place changed); files of no chunk
    /// go. Returns what is in the folder now, for the next run.
    ///
    /// `pieces`: when the batch knows each host's rows in `rows` (the
    /// host's id, its rows' length and XXH3-128, in order; see
    /// `exports::Joiner`), the files are cut and named from those, and
    /// the rows are read only for the files written.
    ///
    /// `threads`: files are encoded on up to this many threads at once
    /// (see [`Table::encode_all`]).
    pub fn write(
        &self,
        rows: &Path,
        dir: &Path,
        kept: &[Written],
        pieces: Option<(&dyn Pieces, usize)>,
        threads: usize,
    ) -> io::Result<Vec<Written>> {
        let folder = self.folder(dir);
        fs::create_dir_all(&folder).map_err(|e| named(&folder, e))?;
        let chunks = match pieces {
            Some((p, k)) => chunks_of(p, k, self.name)?,
            None => chunks(rows, self.name)?,
        };
        let mut present: HashMap<String, PathBuf> = HashMap::new();
        for e in fs::read_dir(&folder).map_err(|e| named(&folder, e))? {
            let path = e.map_err(|e| named(&folder, e))?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let hash = name
                .strip_suffix(".parquet")
                .and_then(|n| n.rsplit('-').next());
            match hash {
                Some(h) if kept.iter().any(|k| k.still(&path)) => {
                    present.insert(h.to_string(), path.clone());
                }
                _ => fs::remove_file(&path).map_err(|e| named(&path, e))?,
            }
        }
        let mut outs = Vec::with_capacity(chunks.len());
        let mut encode = Vec::new();
        for (seq, c) in chunks.iter().enumerate() {
            let out = folder.join(format!("part-{seq:05}-{}.parquet", c.hash));
            match present.remove(&c.hash) {
                Some(old) => {
                    if old != out {
                        fs::rename(&old, &out).map_err(|e| named(&out, e))?;
                    }
                }
                None => encode.push((c, out.clone())),
            }
            outs.push(out);
        }
        self.encode_all(rows, &encode, threads)?;
        let written = outs
            .iter()
            .map(|out| Written::of(out))
            .collect::<io::Result<Vec<_>>>()?;
        for stale in present.into_values() {
            fs::remove_file(&stale).map_err(|e| named(&stale, e))?;
        }
        Ok(written)
    }

    /// Encodes each `(chunk, file)` on up to `threads` threads, each
    /// taking the next chunk and keeping one JSON decoder from file to
    /// file (its buffers, several MB for packages, are reused, not
    /// faulted in afresh). A file goes through a temporary name renamed
    /// into place; on the first error the threads stop, and no temporary
    /// file is left.
    fn encode_all(
        &self,
        rows: &Path,
        files: &[(&Chunk, PathBuf)],
        threads: usize,
    ) -> io::Result<()> {
        let next = AtomicUsize::new(0);
        let failed: Mutex<Option<io::Error>> = Mutex::new(None);
        let work = || {
            let mut decoder = None;
            while let Some((c, out)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                if failed.lock().map_or(true, |f| f.is_some()) {
                    return;
                }
                let tmp = out.with_extension("parquet.tmp");
                let done = self
                    .encode(rows, c, &tmp, &mut decoder)
                    .and_then(|()| fs::rename(&tmp, out).map_err(|e| named(out, e)));
                if let Err(e) = done {
                    let _ = fs::remove_file(&tmp);
                    if let Ok(mut f) = failed.lock() {
                        f.get_or_insert(e);
                    }
                    return;
                }
            }
        };
        std::thread::scope(|s| {
            for _ in 1..threads.clamp(1, files.len().max(1)) {
                s.spawn(work);
            }
            work();
        });
        match failed.into_inner() {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(e),
            Err(_) => Err(io::Error::other("a Parquet thread panicked")),
        }
    }

    /// The schema as stored (see [`stored`]).
    fn stored(&self) -> SchemaRef {
        let fields: Vec<Field> = (self.columns)().iter().map(stored_field).collect();
        Arc::new(Schema::new(fields))
    }

    fn encode(
        &self,
        rows: &Path,
        chunk: &Chunk,
        tmp: &Path,
        decoder: &mut Option<arrow_json::reader::Decoder>,
    ) -> io::Result<()> {
        let stored = self.stored();
        let decoder = match decoder {
            Some(d) => d,
            None => decoder.insert(
                arrow_json::ReaderBuilder::new(self.schema())
                    .with_batch_size(BATCH_ROWS)
                    .build_decoder()
                    .map_err(|e| named(rows, e))?,
            ),
        };
        let mut input = File::open(rows).map_err(|e| named(rows, e))?;
        input
            .seek(io::SeekFrom::Start(chunk.start))
            .map_err(|e| named(rows, e))?;
        let mut input = BufReader::with_capacity(1 << 20, input.take(chunk.end - chunk.start));
        let file = File::create(tmp).map_err(|e| named(tmp, e))?;
        let mut w = ArrowWriter::try_new(file, Arc::clone(&stored), Some(properties()))
            .map_err(|e| named(tmp, e))?;
        // The reader's loop (arrow_json::Reader), over a decoder kept from
        // file to file: bytes in until a batch is full or the rows end.
        let mut next = || -> io::Result<Option<arrow_array::RecordBatch>> {
            loop {
                let buf = input.fill_buf().map_err(|e| named(rows, e))?;
                if buf.is_empty() {
                    break;
                }
                let read = buf.len();
                let decoded = decoder.decode(buf).map_err(|e| named(rows, e))?;
                input.consume(decoded);
                if decoded != read {
                    break;
                }
            }
            decoder.flush().map_err(|e| named(rows, e))
        };
        while let Some(batch) = next()? {
            let columns = batch
                .columns()
                .iter()
                .zip(stored.fields())
                .map(|(c, f)| match c.data_type() == f.data_type() {
                    true => Ok(Arc::clone(c)),
                    false => arrow_cast::cast(c, f.data_type()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| named(rows, e))?;
            let batch = arrow_array::RecordBatch::try_new(Arc::clone(&stored), columns)
                .map_err(|e| named(rows, e))?;
            w.write(&batch).map_err(|e| named(tmp, e))?;
        }
        let file = w.into_inner().map_err(|e| named(tmp, e))?;
        file.sync_all().map_err(|e| named(tmp, e))
    }
}

/// Hosts a file holds, on average: a file ends after a host whose id's
/// hash is a multiple of this, or after [`MAX_HOSTS_PER_FILE`] hosts.
/// Where files end depends on the hosts alone, so a rerun that adds,
/// changes or removes a few hosts rewrites the files that hold them and
/// keeps the others, and a fresh run over the same inputs writes the same
/// files. A rerun that adds hosts writes the last file again, so the
/// size is a trade: 1,024 hosts made a rerun of 10,000 + 100 small bundles
/// spend 0.6 s of its 3.2 s encoding the last file's rows again; 256
/// hosts of real size (800 packages each) is still 200,000 package rows a
/// file, and a 50,000-host fleet about 200 files a table.
pub const HOSTS_PER_FILE: u64 = 256;
pub const MAX_HOSTS_PER_FILE: usize = 1024;

/// One file's rows: a byte range of the JSON Lines, and the XXH3-128 of
/// the layout and those bytes (its name's end: a name, not a defence; a
/// rerun hashes every row, so the hash must be fast).
pub struct Chunk {
    start: u64,
    end: u64,
    hash: String,
}

/// The host a JSON Lines row is of: every row starts `{"host_id":"`, and
/// a host id is letters, digits, `.`, `-` and `_`.
fn host_of(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"{\"host_id\":\"")?;
    let end = memchr::memchr(b'"', rest)?;
    Some(&rest[..end])
}

/// Each host's rows in the joined tables' JSON Lines, in order: its id,
/// and its rows' length and XXH3-128, read one host at a time.
pub trait Pieces: Sync {
    /// Calls `f` with each host's id and its rows of table `table` (a
    /// place in `exports::JSONL`).
    fn each(&self, table: usize, f: &mut dyn FnMut(&str, u64, u128)) -> io::Result<()>;
}

/// The chunks [`chunks`] would cut from the rows `pieces` describes, each
/// named by the XXH3-128 of the layout and its hosts' rows' hashes.
pub fn chunks_of(pieces: &dyn Pieces, table: usize, name: &str) -> io::Result<Vec<Chunk>> {
    let salt = format!(
        "lift {} parquet {FORMAT} {name} by host\n",
        env!("CARGO_PKG_VERSION")
    );
    let fresh = || {
        let mut h = Hasher::new();
        h.write(salt.as_bytes());
        h
    };
    let mut chunks = Vec::new();
    let (mut at, mut start, mut hosts, mut h) = (0u64, 0u64, 0usize, fresh());
    let mut last: Option<String> = None;
    pieces.each(table, &mut |host, len, hash| {
        if len == 0 {
            return;
        }
        if last.as_deref() != Some(host) {
            if let Some(prev) = &last {
                if ends_a_file(prev.as_bytes()) || hosts >= MAX_HOSTS_PER_FILE {
                    let done = std::mem::replace(&mut h, fresh());
                    chunks.push(Chunk {
                        start,
                        end: at,
                        hash: format!("{:032x}", done.finish_128()),
                    });
                    start = at;
                    hosts = 0;
                }
            }
            hosts += 1;
            last = Some(host.to_owned());
        }
        h.write(&len.to_le_bytes());
        h.write(&hash.to_le_bytes());
        at += len;
    })?;
    if at > start || chunks.is_empty() {
        chunks.push(Chunk {
            start,
            end: at,
            hash: format!("{:032x}", h.finish_128()),
        });
    }
    Ok(chunks)
}

fn ends_a_file(host: &[u8]) -> bool {
    let d = Sha256::digest(host);
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes")) % HOSTS_PER_FILE == 0
}

/// Cuts `rows` into files' chunks at host boundaries (see
/// [`HOSTS_PER_FILE`]), hashing each.
pub fn chunks(rows: &Path, table: &str) -> io::Result<Vec<Chunk>> {
    let file = File::open(rows).map_err(|e| named(rows, e))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let salt = format!(
        "lift {} parquet {FORMAT} {table}\n",
        env!("CARGO_PKG_VERSION")
    );
    let fresh = || {
        let mut h = Hasher::new();
        h.write(salt.as_bytes());
        h
    };
    let (mut chunks, mut line) = (Vec::new(), Vec::new());
    let (mut at, mut start, mut hosts, mut h) = (0u64, 0u64, 0usize, fresh());
    let mut last: Option<Vec<u8>> = None;
    let cut = |start: &mut u64, end: u64, h: Hasher, chunks: &mut Vec<Chunk>| {
        let hash = format!("{:032x}", h.finish_128());
        chunks.push(Chunk {
            start: *start,
            end,
            hash,
        });
        *start = end;
    };
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line).map_err(|e| named(rows, e))?;
        if n == 0 {
            break;
        }
        let host = host_of(&line)
            .ok_or_else(|| named(rows, format!("byte {at}: a row without host_id first")))?;
        if last.as_deref() != Some(host) {
            if let Some(prev) = &last {
                if ends_a_file(prev) || hosts >= MAX_HOSTS_PER_FILE {
                    cut(
                        &mut start,
                        at,
                        std::mem::replace(&mut h, fresh()),
                        &mut chunks,
                    );
                    hosts = 0;
                }
            }
            hosts += 1;
            last = Some(host.to_vec());
        }
        h.write(&line);
        at += n as u64;
    }
    if at > start || chunks.is_empty() {
        cut(&mut start, at, h, &mut chunks);
    }
    Ok(chunks)
}

/// A Parquet file as written: what tells that it is still the same file.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub struct Written {
    path: PathBuf,
    len: u64,
    ino: u64,
    mtime_ns: i128,
}

impl Written {
    fn of(path: &Path) -> io::Result<Written> {
        let m = fs::metadata(path).map_err(|e| named(path, e))?;
        Ok(Written {
            path: path.to_owned(),
            len: m.len(),
            ino: m.ino(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `path` is this file, unchanged since it was written.
    fn still(&self, path: &Path) -> bool {
        self.path == path && Written::of(path).is_ok_and(|now| now == *self)
    }
}

/// The layout of the Parquet files: a file of another is written again.
const FORMAT: u32 = 1;

fn stored_field(f: &Field) -> Field {
    f.clone().with_data_type(stored(f.data_type()))
}

/// A column's type as written. Parquet has no seconds, so times are kept
/// in milliseconds. Warehouses read unsigned columns badly (Spark as
/// decimals, Trino's statistics checks refuse a UINT_32 past 2^31), so
/// unsigned values are written as the next signed type: u16 as INT32, u32
/// and u64 as INT64, where a u64 past 2^63 - 1 (only a hostile bundle
/// holds one) is null, whole in the JSON Lines.
pub fn stored(t: &DataType) -> DataType {
    match t {
        DataType::Timestamp(TimeUnit::Second, tz) => {
            DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
        }
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 | DataType::UInt64 => DataType::Int64,
        DataType::List(item) => DataType::List(Arc::new(stored_field(item))),
        DataType::Struct(fields) => {
            DataType::Struct(fields.iter().map(|f| stored_field(f)).collect())
        }
        t => t.clone(),
    }
}

/// zstd (the bundles' codec, linked once), dictionaries, page statistics
/// (min, max, nulls) so that readers skip what a filter excludes.
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        // Lists with the standard `element` name, for every reader.
        .set_coerce_types(true)
        .build()
}

/// Removes `DIR/parquet/<table>/` of every table (an earlier run's, or
/// none when Parquet is not asked for).
pub fn reset(dir: &Path) -> io::Result<()> {
    for t in TABLES {
        let folder = dir.join("parquet").join(t.name);
        match fs::remove_dir_all(&folder) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(named(&folder, e)),
            _ => {}
        }
    }
    match fs::remove_dir(dir.join("parquet")) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        // Something the user put there stays.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, RecordBatch};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn read(path: &Path) -> Vec<RecordBatch> {
        let r = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        r.map(Result::unwrap).collect()
    }

    #[test]
    fn every_table_has_host_id_first_and_a_unique_name() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        for t in TABLES {
            assert_eq!(t.schema().field(0).name(), "host_id", "{}", t.name);
        }
    }

    /// Types as declared: an RFC 3339 string and Unix seconds both become
    /// timestamps, a u64 past i64 is null (not wrapped), unknown fields
    /// are left out.
    #[test]
    fn rows_are_typed() {
        let d = std::env::temp_dir().join(format!("lift-parquet-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let rows = d.join("packages.jsonl");
        fs::write(
            &rows,
            concat!(
                r#"{"host_id":"a-1","name":"bash","epoch":null,"installed_size_bytes":18446744073709551615,"install_time":1700000000,"gpg_pubkey":false,"extra":"ignored"}"#,
                "\n",
                r#"{"host_id":"a-1","name":"zsh"}"#,
                "\n"
            ),
        )
        .unwrap();
        let t = TABLES.iter().find(|t| t.name == "packages").unwrap();
        let w = t.write(&rows, &d, &[], None, 2).unwrap();
        assert_eq!(w.len(), 1);
        let batches = read(&w[0].path);
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        let size = b
            .column_by_name("installed_size_bytes")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        assert!(size.is_null(0), "past i64: null, not wrapped");
        assert!(size.is_null(1));
        assert_eq!(
            b.column_by_name("epoch").unwrap().data_type(),
            &DataType::Int64
        );
        let time = b.column_by_name("install_time").unwrap();
        assert!(matches!(
            time.data_type(),
            DataType::Timestamp(TimeUnit::Millisecond | TimeUnit::Second, Some(_))
        ));
        assert_eq!(
            fs::read_dir(t.folder(&d)).unwrap().count(),
            1,
            "no .tmp left"
        );

        let v = TABLES.iter().find(|t| t.name == "utilization").unwrap();
        let rows = d.join("utilization.jsonl");
        fs::write(
            &rows,
            r#"{"host_id":"a-1","source":"since boot","window_from":"2026-12-07T02:18:38Z","days":0.13,"samples":0}"#,
        )
        .unwrap();
        let w = v.write(&rows, &d, &[], None, 2).unwrap();
        let b = &read(&w[0].path)[0];
        let from = b
            .column_by_name("window_from")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::TimestampMillisecondArray>()
            .unwrap();
        assert_eq!(from.value(0), 1_796_609_918_000);
        fs::remove_dir_all(d).unwrap();
    }

    /// A row the schema cannot take fails the table, naming the file, and
    /// leaves no file behind.
    #[test]
    fn a_bad_row_leaves_no_file() {
        let d = std::env::temp_dir().join(format!("lift-parquet-bad-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let rows = d.join("volumes.jsonl");
        fs::write(&rows, "{\"host_id\":\"a\",\"allocated_bytes\":\"many\"}\n").unwrap();
        let t = TABLES.iter().find(|t| t.name == "volumes").unwrap();
        let e = t.write(&rows, &d, &[], None, 2).unwrap_err().to_string();
        assert!(e.contains("volumes.jsonl"), "{e}");
        assert_eq!(
            fs::read_dir(t.folder(&d)).unwrap().count(),
            0,
            "no .tmp left"
        );

        // Many files on two threads, one of them bad: the error still
        // names the rows, and no temporary file is left by any thread.
        let body: String = (0..4000)
            .map(|i| match i {
                2000 => format!("{{\"host_id\":\"h{i:05}\",\"allocated_bytes\":\"many\"}}\n"),
                _ => format!("{{\"host_id\":\"h{i:05}\",\"allocated_bytes\":{i}}}\n"),
            })
            .collect();
        fs::write(&rows, body).unwrap();
        let e = t.write(&rows, &d, &[], None, 2).unwrap_err().to_string();
        assert!(e.contains("volumes.jsonl"), "{e}");
        let left: Vec<String> = fs::read_dir(t.folder(&d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.iter().all(|n| n.ends_with(".parquet")), "{left:?}");
        assert!(left.len() < chunks(&rows, "volumes").unwrap().len());
        fs::remove_dir_all(d).unwrap();
    }

    /// Files end where hosts say, so a rerun with one host changed writes
    /// one file again and keeps the others (same inode); a file changed
    /// since it was written is not kept; a fresh write gives the same
    /// names and bytes.
    #[test]
    fn a_rerun_writes_only_the_files_that_changed() {
        let d = std::env::temp_dir().join(format!("lift-parquet-chunks-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let rows = d.join("jobs.jsonl");
        let body = |changed: &str| -> String {
            (0..6000)
                .map(|i| {
                    let cmd = if i == 3000 { changed } else { "true" };
                    format!("{{\"host_id\":\"h{i:05}\",\"kind\":\"cron\",\"command\":\"{cmd}\"}}\n")
                })
                .collect()
        };
        fs::write(&rows, body("true")).unwrap();
        let t = TABLES.iter().find(|t| t.name == "jobs").unwrap();
        let first = t.write(&rows, &d, &[], None, 2).unwrap();
        assert!(first.len() >= 3, "{} files", first.len());
        let again = t.write(&rows, &d, &first, None, 2).unwrap();
        assert_eq!(again, first, "nothing changed: every file kept");

        fs::write(&rows, body("false")).unwrap();
        let second = t.write(&rows, &d, &again, None, 2).unwrap();
        assert_eq!(second.len(), first.len());
        let changed = first.iter().zip(&second).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 1, "one file holds h03000");
        let total: usize = second
            .iter()
            .map(|w| read(&w.path).iter().map(|b| b.num_rows()).sum::<usize>())
            .sum();
        assert_eq!(total, 6000);
        assert_eq!(fs::read_dir(t.folder(&d)).unwrap().count(), second.len());

        // Written without what was kept: the same names and bytes.
        let fresh = d.join("fresh");
        let third = t.write(&rows, &fresh, &[], None, 2).unwrap();
        for (a, b) in second.iter().zip(&third) {
            assert_eq!(a.path.file_name(), b.path.file_name());
            assert_eq!(fs::read(&a.path).unwrap(), fs::read(&b.path).unwrap());
        }
        // A file touched since is written again.
        let victim = &second[0].path;
        fs::write(victim, fs::read(victim).unwrap()).unwrap();
        let fourth = t.write(&rows, &d, &second, None, 2).unwrap();
        assert_ne!(fourth[0], second[0]);
        assert_eq!(fourth[1], second[1]);
        fs::remove_dir_all(d).unwrap();
    }
}
