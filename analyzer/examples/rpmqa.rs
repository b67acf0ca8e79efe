//! `rpm -qa` without rpm: lists the packages of an rpm database directory
//! with lift's parsers, one `NAME-VERSION-RELEASE.ARCH` a line as rpm 4.18
//! prints them. Used by `bench/packages.sh` to compare with rpm itself.
//!
//! Usage: `rpmqa DBPATH` (a directory holding rpmdb.sqlite, Packages.db or
//! Packages, tried in that order as rpm does).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use lift::parse::rpmdb::{bdb, ndb, sqlite};
use lift::parse::{ParseError, Partial};
use lift::vocab::packages::InstalledPackage;

fn read(dir: &Path) -> std::io::Result<Result<Partial<Vec<InstalledPackage>>, ParseError>> {
    let sqlite_path = dir.join("rpmdb.sqlite");
    if sqlite_path.exists() {
        let wal = std::fs::read(dir.join("rpmdb.sqlite-wal")).ok();
        return Ok(sqlite::parse(&std::fs::read(sqlite_path)?, wal.as_deref()));
    }
    let ndb_path = dir.join("Packages.db");
    if ndb_path.exists() {
        return Ok(ndb::parse(&std::fs::read(ndb_path)?));
    }
    Ok(bdb::parse(&std::fs::read(dir.join("Packages"))?))
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: rpmqa DBPATH");
        return ExitCode::from(2);
    };
    let parsed = match read(Path::new(&dir)) {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(e)) => {
            eprintln!("rpmqa: {}: {e}", Path::new(&dir).display());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("rpmqa: {}: {e}", Path::new(&dir).display());
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for p in &parsed.value {
        let release = p.release.as_deref().unwrap_or("");
        let arch = p
            .arch
            .as_deref()
            .map(|a| format!(".{a}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}-{}-{release}{arch}", p.name, p.version);
    }
    let _ = out.flush();
    for e in &parsed.errors {
        eprintln!("rpmqa: {}: {e}", Path::new(&dir).display());
    }
    if parsed.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
