//! rpm's SQLite database `rpmdb.sqlite` (RHEL 9, Fedora 33+, Amazon Linux
//! 2023): table `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, one header
//! blob per package number.
//!
//! The database comes from a machine nobody here controls, and SQLite will
//! run whatever its schema says: a `Packages` that is a view over a
//! recursive CTE never finishes, and its temporary tables once filled a disk
//! at 54 MB/s. So the bytes are opened in memory and read-only (no file is
//! ever written, nothing is left behind if lift is killed), the WAL is
//! applied in memory ([`super::wal`]), `Packages` must be a plain table with
//! the expected columns and the schema may hold no view or trigger, SQLite's
//! limits are tight, temporary storage stays in memory under a heap cap, and
//! a progress handler stops any statement past an operation budget.
//!
//! Sample: the databases under `fixtures/rpmdb-sqlite/`, built with rpm
//! 4.18 (see `fixtures/gen/rpmdb.sh`); the tests read them.

use std::ptr::NonNull;
use std::sync::Once;

use rusqlite::limits::Limit;
use rusqlite::serialize::OwnedData;
use rusqlite::{ffi, Connection, DatabaseName};

use super::push_record;
use crate::parse::{ParseError, Partial};
use crate::vocab::packages::InstalledPackage;

/// SQLite virtual-machine operations one parse may run. Reading 100,000
/// packages takes about two million.
const OP_BUDGET: u64 = 200_000_000;
/// How often (in operations) the progress handler counts.
const OPS_PER_CALL: i32 = 1_000;
/// SQLite's heap, process-wide: the database image (at most the probe's
/// 512 MiB cap on rpm databases, plus its WAL) and temporary storage.
const HEAP_LIMIT: i64 = 1_280 << 20;
/// Longest string or blob (an rpm header is a few MiB at most).
const MAX_VALUE: i32 = 64 << 20;

/// Reads every package from `rpmdb.sqlite` bytes and, if captured, the bytes
/// of `rpmdb.sqlite-wal`. `Err` when SQLite cannot open it, it has no plain
/// Packages table, or reading it passes a limit; a damaged blob is one error
/// beside the other packages.
pub fn parse(db: &[u8], wal: Option<&[u8]>) -> Result<Partial<Vec<InstalledPackage>>, ParseError> {
    parse_within(db, wal, OP_BUDGET)
}

fn parse_within(
    db: &[u8],
    wal: Option<&[u8]>,
    budget: u64,
) -> Result<Partial<Vec<InstalledPackage>>, ParseError> {
    let conn = open(db, wal)?;
    let calls = budget / OPS_PER_CALL as u64;
    let mut used = 0u64;
    conn.progress_handler(
        OPS_PER_CALL,
        Some(move || {
            used += 1;
            used > calls
        }),
    );
    check_schema(&conn)?;
    let over = |e: rusqlite::Error| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) {
            ParseError::new(format!(
                "reading Packages passed the budget of {budget} SQLite operations"
            ))
        } else {
            ParseError::new(format!("cannot read Packages: {e}"))
        }
    };
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| ParseError::new(format!("not an rpm SQLite database: {e}")))?;
    let mut rows = stmt.query([]).map_err(over)?;
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let hnum: i64 = row.get(0).unwrap_or(0);
                match row.get_ref(1).map(|v| v.as_bytes_or_null()) {
                    Ok(Ok(Some(blob))) => push_record(&mut out, hnum as u32, None, blob),
                    _ => out.errors.push(ParseError::new(format!(
                        "package {hnum}: blob is not a BLOB"
                    ))),
                }
            }
            Ok(None) => break,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
                return Err(over(e));
            }
            Err(e) => {
                // A damaged page ends the scan; keep what was read before it.
                out.errors
                    .push(ParseError::new(format!("reading Packages stopped: {e}")));
                break;
            }
        }
    }
    Ok(out)
}

/// An in-memory, read-only connection over a copy of the bytes (the WAL
/// applied), with tight limits and temporary storage in memory.
fn open(db: &[u8], wal: Option<&[u8]>) -> Result<Connection, ParseError> {
    static HEAP: Once = Once::new();
    // SAFETY: sets a process-wide SQLite limit; only this parser uses SQLite.
    HEAP.call_once(|| unsafe {
        ffi::sqlite3_hard_heap_limit64(HEAP_LIMIT);
    });
    if db.len() < 100 {
        return Err(ParseError::new(
            "not a SQLite database: shorter than its header",
        ));
    }
    let mut image = db.to_vec();
    if let Some(wal) = wal {
        super::wal::apply(&mut image, wal)?;
    }
    // Bytes 18 and 19 say WAL mode (2); the WAL is applied, and an in-memory
    // database cannot use one: say rollback journal (1).
    image[18] = 1;
    image[19] = 1;
    let mut conn = Connection::open_in_memory()
        .map_err(|e| ParseError::new(format!("cannot open SQLite in memory: {e}")))?;
    for (limit, value) in [
        (Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE),
        (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
        (Limit::SQLITE_LIMIT_COLUMN, 100),
        (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
        (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 4),
        (Limit::SQLITE_LIMIT_VDBE_OP, 10_000),
        (Limit::SQLITE_LIMIT_FUNCTION_ARG, 8),
        (Limit::SQLITE_LIMIT_ATTACHED, 0),
        (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 100),
        (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 10),
        (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 1),
        (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
    ] {
        conn.set_limit(limit, value);
    }
    for (config, on) in [
        (rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA,
            false,
        ),
        (
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER,
            false,
        ),
        (
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW,
            false,
        ),
    ] {
        conn.set_db_config(config, on)
            .map_err(|e| ParseError::new(format!("cannot configure SQLite: {e}")))?;
    }
    conn.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;")
        .map_err(|e| ParseError::new(format!("cannot configure SQLite: {e}")))?;
    // SAFETY: a buffer from sqlite3_malloc64, filled and handed to SQLite,
    // which frees it (SQLITE_DESERIALIZE_FREEONCLOSE).
    let data = unsafe {
        let ptr = ffi::sqlite3_malloc64(image.len() as u64) as *mut u8;
        let ptr = NonNull::new(ptr).ok_or_else(|| {
            ParseError::new(format!(
                "cannot hold a {}-byte database in SQLite's memory",
                image.len()
            ))
        })?;
        std::ptr::copy_nonoverlapping(image.as_ptr(), ptr.as_ptr(), image.len());
        OwnedData::from_raw_nonnull(ptr, image.len())
    };
    drop(image);
    conn.deserialize(DatabaseName::Main, data, true)
        .map_err(|e| ParseError::new(format!("not a SQLite database: {e}")))?;
    Ok(conn)
}

/// `Packages` is a plain table with `hnum` and `blob` columns (none of them
/// generated), and nothing in the schema is a view or a trigger.
fn check_schema(conn: &Connection) -> Result<(), ParseError> {
    let bad = |m: String| ParseError::new(format!("not an rpm SQLite database: {m}"));
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master")
        .map_err(|e| bad(e.to_string()))?;
    let mut rows = stmt.query([]).map_err(|e| bad(e.to_string()))?;
    let mut packages = None;
    while let Some(row) = rows.next().map_err(|e| bad(e.to_string()))? {
        let kind: String = row.get(0).unwrap_or_default();
        let name: String = row.get(1).unwrap_or_default();
        let sql: String = row.get(2).unwrap_or_default();
        if kind == "view" || kind == "trigger" {
            return Err(bad(format!("the schema holds a {kind} ({name:?})")));
        }
        if name.eq_ignore_ascii_case("packages") {
            packages = Some((kind, sql));
        }
    }
    match packages {
        None => return Err(bad("no Packages table".into())),
        Some((kind, _)) if kind != "table" => return Err(bad(format!("Packages is a {kind}"))),
        Some((_, sql))
            if !sql
                .trim_start()
                .get(..12)
                .is_some_and(|s| s.eq_ignore_ascii_case("create table")) =>
        {
            return Err(bad("Packages is not a plain table".into()))
        }
        Some(_) => {}
    }
    let mut stmt = conn
        .prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')")
        .map_err(|e| bad(e.to_string()))?;
    let columns: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(|e| bad(e.to_string()))?;
    if let Some((name, _)) = columns.iter().find(|(_, hidden)| *hidden != 0) {
        return Err(bad(format!("Packages has a generated column {name:?}")));
    }
    for want in ["hnum", "blob"] {
        if !columns.iter().any(|(n, _)| n.eq_ignore_ascii_case(want)) {
            return Err(bad(format!("Packages has no {want} column")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::rpmdb::expected::{assert_matches_rpm, fixture};

    #[test]
    fn built_database_matches_rpm_qa() {
        let (db, csv, files) = fixture("rpmdb-sqlite", "rpmdb.sqlite");
        let parsed = parse(&db, None).unwrap();
        assert_eq!(parsed.errors, []);
        assert_matches_rpm(&parsed.value, &csv, &files);
        assert_eq!(
            parse(&db, Some(&[])).unwrap(),
            parsed,
            "an empty -wal changes nothing"
        );
        let epoch = &parsed.value[2];
        assert_eq!((epoch.name.as_str(), epoch.epoch), ("lift-epoch", Some(2)));
        assert_eq!(parsed.value[0].epoch, None, "absent EPOCH is None, not 0");
        assert_eq!(parsed.value[1].source.as_deref(), Some("lift-hello"));
        assert!(parsed.value[4].gpg_pubkey);
    }

    #[test]
    fn reads_packages_still_in_the_wal() {
        let (db, csv, files) = fixture("rpmdb-sqlite-wal", "rpmdb.sqlite");
        let (wal, _, _) = fixture("rpmdb-sqlite-wal", "rpmdb.sqlite-wal");
        let parsed = parse(&db, Some(&wal)).unwrap();
        assert_eq!(parsed.errors, []);
        assert_matches_rpm(&parsed.value, &csv, &files);
        assert_eq!(parsed.value.last().unwrap().name, "lift-late");
        let without_wal = parse(&db, None).unwrap();
        assert!(without_wal.value.iter().all(|p| p.name != "lift-late"));
    }

    #[test]
    fn not_a_database_is_an_error() {
        assert!(parse(b"SQLite format 2\0 not really", None).is_err());
        assert!(
            parse(&[], None).is_err(),
            "an empty file has no Packages table"
        );
    }
}

/// A database made in memory by `sql` (or the fixture changed by it), as
/// bytes, for tests.
#[cfg(test)]
fn made_by(base: Option<&[u8]>, sql: &str) -> Vec<u8> {
    let mut conn = Connection::open_in_memory().unwrap();
    if let Some(base) = base {
        // SAFETY: as in `open`, a sqlite3_malloc64 buffer SQLite frees.
        let data = unsafe {
            let ptr = NonNull::new(ffi::sqlite3_malloc64(base.len() as u64) as *mut u8).unwrap();
            std::ptr::copy_nonoverlapping(base.as_ptr(), ptr.as_ptr(), base.len());
            OwnedData::from_raw_nonnull(ptr, base.len())
        };
        conn.deserialize(DatabaseName::Main, data, false).unwrap();
    }
    conn.execute_batch(sql).unwrap();
    conn.serialize(DatabaseName::Main).unwrap().to_vec()
}

#[cfg(test)]
mod damage_tests {
    use super::*;
    use crate::parse::rpmdb::expected::fixture;

    #[test]
    fn damaged_blob_is_one_error_and_the_rest_are_kept() {
        let (db, _, _) = fixture("rpmdb-sqlite", "rpmdb.sqlite");
        let mut db = db;
        db[18] = 1;
        db[19] = 1;
        // A blob claiming 16 million index entries.
        let db = made_by(
            Some(&db),
            "UPDATE Packages SET blob = x'00ffffff00000010' WHERE hnum = 2",
        );
        let parsed = parse(&db, None).unwrap();
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(
            parsed.errors[0]
                .message
                .starts_with("package 2: header index count"),
            "{}",
            parsed.errors[0]
        );
        assert_eq!(parsed.value.len(), 4);
    }

    #[test]
    fn truncated_database_never_panics() {
        let (db, _, _) = fixture("rpmdb-sqlite", "rpmdb.sqlite");
        for cut in (0..db.len()).step_by(16384) {
            let _ = parse(&db[..cut], None);
        }
    }
}

/// Issue 14 B2: a `Packages` view over a recursive CTE never finished, and
/// SQLite's temporary file grew until the disk was full.
#[cfg(test)]
mod hostile_tests {
    use super::*;
    use crate::parse::rpmdb::expected::fixture;
    use std::time::{Duration, Instant};

    fn refused(db: &[u8], why: &str) {
        let start = Instant::now();
        let e = parse(db, None).expect_err("a hostile database is refused");
        assert!(e.message.contains(why), "{e}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_view_named_packages_is_refused_at_once() {
        refused(
            &made_by(
                None,
                "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS \
                 (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                 SELECT x AS hnum, randomblob(1000) AS blob FROM c ORDER BY hnum;",
            ),
            "the schema holds a view (\"Packages\")",
        );
    }

    #[test]
    fn views_triggers_and_odd_tables_are_refused() {
        let real =
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);";
        refused(
            &made_by(None, &format!("{real} CREATE VIEW v AS SELECT 1;")),
            "the schema holds a view",
        );
        refused(
            &made_by(
                None,
                &format!("{real} CREATE TABLE t (x); CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END;"),
            ),
            "the schema holds a trigger",
        );
        refused(
            &made_by(
                None,
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, data BLOB);",
            ),
            "Packages has no blob column",
        );
        refused(
            &made_by(
                None,
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, b BLOB, \
                 blob BLOB AS (zeroblob(1000000)) VIRTUAL);",
            ),
            "generated column",
        );
        refused(
            &made_by(None, "CREATE TABLE other (x);"),
            "no Packages table",
        );
    }

    #[test]
    fn an_operation_budget_stops_a_long_read() {
        let db = made_by(
            None,
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); \
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000) \
             INSERT INTO Packages SELECT x, x'00' FROM c;",
        );
        let e = parse_within(&db, None, 100_000).expect_err("too few operations");
        assert!(
            e.message.contains("budget of 100000 SQLite operations"),
            "{e}"
        );
        let all = parse_within(&db, None, OP_BUDGET).unwrap();
        assert_eq!(
            all.errors.len(),
            100_000,
            "each blob is read (and is no header)"
        );
    }

    #[test]
    fn nothing_is_written_to_the_temporary_directory() {
        let ours = || -> Vec<_> {
            std::fs::read_dir(std::env::temp_dir())
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("lift-rpmdb-{}-", std::process::id())))
                .collect()
        };
        let (db, _, _) = fixture("rpmdb-sqlite-wal", "rpmdb.sqlite");
        let (wal, _, _) = fixture("rpmdb-sqlite-wal", "rpmdb.sqlite-wal");
        // A parse that never ends is killed from outside: watch during it.
        let watcher = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for _ in 0..200 {
                seen.extend(ours());
                std::thread::sleep(Duration::from_millis(1));
            }
            seen
        });
        for _ in 0..20 {
            parse(&db, Some(&wal)).unwrap();
        }
        assert_eq!(watcher.join().unwrap(), Vec::<String>::new());
    }
}
