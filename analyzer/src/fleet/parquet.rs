//! The Parquet exports: each table of the batch (the JSON Lines exports and
//! the hosts of fleet.csv) as `DIR/parquet/<table>/<table>.parquet`, with an
//! explicit schema, for Spark, Trino, Athena, BigQuery and DuckDB.
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
//! leaves a half-written `.parquet`.

use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
];

/// Rows a row group holds at most: a million package rows is about 1,250
/// hosts, so a 10,000-host fleet's packages are 8 row groups, each large
/// enough for a reader to skip by its statistics.
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

impl Table {
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new((self.columns)()))
    }

    /// `DIR/parquet/<table>/<table>.parquet`.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join("parquet")
            .join(self.name)
            .join(format!("{}.parquet", self.name))
    }

    /// Writes the table from its JSON Lines at `rows` (one object a line)
    /// under `dir`, through a temporary file renamed into place.
    pub fn write(&self, rows: &Path, dir: &Path) -> io::Result<()> {
        let out = self.path(dir);
        let folder = out.parent().expect("a table's file is in its folder");
        fs::create_dir_all(folder).map_err(|e| named(folder, e))?;
        let tmp = out.with_extension("parquet.tmp");
        let written = self.encode(rows, &tmp);
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        fs::rename(&tmp, &out).map_err(|e| named(&out, e))
    }

    /// The schema as stored (see [`stored`]).
    fn stored(&self) -> SchemaRef {
        let fields: Vec<Field> = (self.columns)().iter().map(stored_field).collect();
        Arc::new(Schema::new(fields))
    }

    fn encode(&self, rows: &Path, tmp: &Path) -> io::Result<()> {
        let (schema, stored) = (self.schema(), self.stored());
        let input = File::open(rows).map_err(|e| named(rows, e))?;
        let reader = arrow_json::ReaderBuilder::new(schema)
            .with_batch_size(BATCH_ROWS)
            .build(BufReader::with_capacity(1 << 20, input))
            .map_err(|e| named(rows, e))?;
        let file = File::create(tmp).map_err(|e| named(tmp, e))?;
        let mut w = ArrowWriter::try_new(file, Arc::clone(&stored), Some(properties()))
            .map_err(|e| named(tmp, e))?;
        for batch in reader {
            let batch = batch.map_err(|e| named(rows, e))?;
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
        t.write(&rows, &d).unwrap();
        let batches = read(&t.path(&d));
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
        assert!(!t.path(&d).with_extension("parquet.tmp").exists());

        let v = TABLES.iter().find(|t| t.name == "utilization").unwrap();
        let rows = d.join("utilization.jsonl");
        fs::write(
            &rows,
            r#"{"host_id":"a-1","source":"since boot","window_from":"2026-12-07T02:18:38Z","days":0.13,"samples":0}"#,
        )
        .unwrap();
        v.write(&rows, &d).unwrap();
        let b = &read(&v.path(&d))[0];
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
        let e = t.write(&rows, &d).unwrap_err().to_string();
        assert!(e.contains("volumes.jsonl"), "{e}");
        assert!(!t.path(&d).exists());
        assert!(!t.path(&d).with_extension("parquet.tmp").exists());
        fs::remove_dir_all(d).unwrap();
    }
}
