//! Databases made here with Berkeley DB itself (python3-bsddb3, through
//! `fixtures/gen/rpmdb_from_sqlite.py`), holding the header blobs of the
//! sqlite fixture and of a real UBI 8 package, read back and compared with
//! what was written and with `db5.3_dump`. Without those tools each test
//! says so and returns, and fails under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::parse::rpmdb::{bdb, package_from_blob, sqlite};
use crate::testing::TempRoot;
use crate::vocab::packages::InstalledPackage;

const PYTHON: &str = "/usr/bin/python3";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// False (after saying why) when bsddb3 or db5.3_dump is missing.
fn tools_present() -> bool {
    let bsddb3 = Command::new(PYTHON)
        .args(["-c", "import bsddb3"])
        .status()
        .is_ok_and(|s| s.success());
    let dump = Command::new("db5.3_dump").arg("-V").output().is_ok();
    if bsddb3 && dump {
        return true;
    }
    let why = "python3-bsddb3 or db5.3-util is not installed (scripts/setup-test-deps.sh)";
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: {why}"
    );
    println!("skipped: {why}");
    false
}

fn gen(args: &[&str]) {
    let script = fixtures().join("gen/rpmdb_from_sqlite.py");
    let out = Command::new(PYTHON)
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `db5.3_dump`'s key/data pairs, in its order.
fn dump(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let out = Command::new("db5.3_dump").arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = |l: &str| -> Vec<u8> {
        (0..l.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
            .collect()
    };
    let lines: Vec<Vec<u8>> = text
        .lines()
        .skip_while(|l| *l != "HEADER=END")
        .skip(1)
        .take_while(|l| *l != "DATA=END")
        .map(|l| hex(l.trim()))
        .collect();
    lines
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect()
}

fn summary(p: &InstalledPackage) -> String {
    format!(
        "{}:{}-{}-{}.{}",
        p.epoch.unwrap_or(0),
        p.name,
        p.version,
        p.release.as_deref().unwrap_or(""),
        p.arch.as_deref().unwrap_or("")
    )
}

/// The packages `db5.3_dump` shows, decoded by the header decoder.
fn dumped_packages(path: &Path) -> Vec<String> {
    dump(path)
        .into_iter()
        .filter(|(k, _)| k.iter().any(|&b| b != 0))
        .map(|(_, v)| summary(&package_from_blob(&v).unwrap().value))
        .collect()
}

fn sources() -> [PathBuf; 2] {
    [
        fixtures().join("rpmdb-sqlite/var/lib/rpm/rpmdb.sqlite"),
        fixtures().join("rpmdb-samples/ubi8-libuuid-bdb/Packages"),
    ]
}

/// The sqlite database is written this many times over, so that 512-byte
/// pages need more than one leaf and an internal page above them.
const COPIES: usize = 12;

/// The packages written: every source, decoded by the other readers.
fn written() -> Vec<String> {
    let [sql, hash] = sources();
    let sql = sqlite::parse(&std::fs::read(sql).unwrap(), None).unwrap();
    let hash = bdb::parse(&std::fs::read(hash).unwrap()).unwrap();
    let sql = sql.value.iter().cycle().take(COPIES * sql.value.len());
    let mut all: Vec<String> = sql.chain(&hash.value).map(summary).collect();
    all.sort();
    all
}

#[test]
fn btree_in_both_byte_orders_equals_what_was_written_and_db_dump() {
    if !tools_present() {
        return;
    }
    let tmp = TempRoot::new();
    let [sql, hash] = sources();
    for (order, page) in [
        ("little", "512"),
        ("little", "4096"),
        ("big", "512"),
        ("big", "65536"),
    ] {
        let out = tmp.path().join(format!("{order}-{page}"));
        let o = out.to_str().unwrap();
        let mut args = vec!["btree", o, page, order];
        args.extend(std::iter::repeat_n(sql.to_str().unwrap(), COPIES));
        args.push(hash.to_str().unwrap());
        gen(&args);
        let bytes = std::fs::read(&out).unwrap();
        let parsed = bdb::parse(&bytes).unwrap_or_else(|e| panic!("{order} {page}: {e}"));
        assert_eq!(parsed.errors, [], "{order} {page}");
        let got: Vec<String> = parsed.value.iter().map(summary).collect();
        assert_eq!(
            got,
            dumped_packages(&out),
            "{order} {page}: db_dump's order"
        );
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(sorted, written(), "{order} {page}: what was written");
        if page == "512" {
            let size = bytes.len() / 512;
            let overflow = (1..size).filter(|p| bytes[p * 512 + 25] == 7).count();
            assert!(
                overflow > 0,
                "512-byte pages put large headers on overflow pages"
            );
            let internal = (1..size).filter(|p| bytes[p * 512 + 25] == 3).count();
            assert!(internal > 0, "a tree deeper than one leaf");
            // Damage anywhere is an error or fewer packages, never a panic.
            for at in (0..bytes.len()).step_by(bytes.len() / 300) {
                let mut bad = bytes.clone();
                bad[at] ^= 0xa5;
                let _ = bdb::parse(&bad);
            }
        }
    }
}

/// Hash versions 7 and 8, rewritten from version 9 databases (see the gen
/// script): `db5.3_dump` reads them as the originals, and so does lift.
#[test]
fn hash_versions_7_and_8_read_like_9() {
    if !tools_present() {
        return;
    }
    let tmp = TempRoot::new();
    for case in ["rpmdb-bdb-le-4k", "rpmdb-bdb-be-512", "rpmdb-bdb-le-64k"] {
        let v9 = fixtures().join(case).join("var/lib/rpm/Packages");
        let want = bdb::parse(&std::fs::read(&v9).unwrap()).unwrap();
        assert!(!want.value.is_empty());
        for version in ["7", "8"] {
            let out = tmp.path().join(format!("{case}-v{version}"));
            gen(&[
                "hashver",
                v9.to_str().unwrap(),
                out.to_str().unwrap(),
                version,
            ]);
            assert_eq!(dump(&out), dump(&v9), "{case} v{version}: db5.3_dump");
            let bytes = std::fs::read(&out).unwrap();
            let got = bdb::parse(&bytes).unwrap();
            assert_eq!(got, want, "{case} v{version}");
        }
    }
}

/// DB 3.0 and older laid the hash metadata out otherwise.
#[test]
fn versions_before_7_are_refused() {
    let path = fixtures().join("rpmdb-bdb-le-4k/var/lib/rpm/Packages");
    let mut bytes = std::fs::read(path).unwrap();
    bytes[16..20].copy_from_slice(&6u32.to_le_bytes());
    let e = bdb::parse(&bytes).unwrap_err();
    assert!(e.to_string().contains("version 6"), "{e}");
}
