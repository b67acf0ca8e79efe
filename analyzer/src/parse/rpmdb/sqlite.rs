//! rpm's SQLite database `rpmdb.sqlite` (RHEL 9, Fedora 33+, Amazon Linux
//! 2023): table `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, one header
//! blob per package number.
//!
//! rpm writes in WAL mode, so recent installs may still sit in
//! `rpmdb.sqlite-wal`; SQLite applies it when it opens the pair. SQLite
//! reads files, not bytes, so this one parser writes a private copy of the
//! bytes into a fresh temporary directory and opens that: the captured input
//! is never opened, and SQLite's recovery writes (the `-shm` file, a
//! checkpoint) land in the copy, which is deleted afterwards.
//!
//! Sample: the databases under `fixtures/rpmdb-sqlite/`, built with rpm
//! 4.18 (see `fixtures/gen/rpmdb.sh`); the tests read them.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OpenFlags};

use super::push_record;
use crate::parse::packages::InstalledPackage;
use crate::parse::{ParseError, Partial};

/// Reads every package from `rpmdb.sqlite` bytes and, if captured, the bytes
/// of `rpmdb.sqlite-wal`. `Err` when SQLite cannot open the copy or it has
/// no Packages table; a damaged blob is one error beside the other packages.
pub fn parse(db: &[u8], wal: Option<&[u8]>) -> Result<Partial<Vec<InstalledPackage>>, ParseError> {
    let copy = TempCopy::new(db, wal)
        .map_err(|e| ParseError::new(format!("cannot write a temporary copy: {e}")))?;
    let conn = Connection::open_with_flags(
        &copy.db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| ParseError::new(format!("not a SQLite database: {e}")))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| ParseError::new(format!("not an rpm SQLite database: {e}")))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| ParseError::new(format!("cannot read Packages: {e}")))?;
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

/// A private temporary directory holding `rpmdb.sqlite` (and `-wal`),
/// removed on drop.
struct TempCopy {
    dir: PathBuf,
    db_path: PathBuf,
}

impl TempCopy {
    fn new(db: &[u8], wal: Option<&[u8]>) -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!(
            "lift-rpmdb-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        // create_dir fails if the name exists: never write into someone else's directory.
        fs::create_dir(&dir)?;
        let copy = TempCopy {
            db_path: dir.join("rpmdb.sqlite"),
            dir,
        };
        fs::write(&copy.db_path, db)?;
        if let Some(wal) = wal {
            fs::write(copy.dir.join("rpmdb.sqlite-wal"), wal)?;
        }
        Ok(copy)
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
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

#[cfg(test)]
mod damage_tests {
    use super::*;
    use crate::parse::rpmdb::expected::fixture;

    #[test]
    fn damaged_blob_is_one_error_and_the_rest_are_kept() {
        let (db, _, _) = fixture("rpmdb-sqlite", "rpmdb.sqlite");
        let copy = TempCopy::new(&db, None).unwrap();
        let conn = Connection::open(&copy.db_path).unwrap();
        // A blob claiming 16 million index entries.
        conn.execute(
            "UPDATE Packages SET blob = x'00ffffff00000010' WHERE hnum = 2",
            [],
        )
        .unwrap();
        drop(conn);
        let parsed = parse(&std::fs::read(&copy.db_path).unwrap(), None).unwrap();
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
