//! rpm's installed-package database, read without rpm.
//!
//! rpm has kept its database in three formats over the years, all holding the
//! same header blobs keyed by a package number:
//!
//! | backend | file | distributions |
//! |---|---|---|
//! | [`bdb`] Berkeley DB hash | `/var/lib/rpm/Packages` | RHEL/CentOS 5-8, SLES 11-12, Amazon Linux 2 |
//! | [`bdb_btree`] Berkeley DB btree | `/var/lib/rpm/Packages` | Yocto and other embedded builds |
//! | [`ndb`] rpm's own format | `/var/lib/rpm/Packages.db` (or `/usr/lib/sysimage/rpm/`) | SLES 15, openSUSE |
//! | [`sqlite`] | `/var/lib/rpm/rpmdb.sqlite` (+ `-wal`) | RHEL 9, Fedora 33+, Amazon Linux 2023 |
//!
//! Each backend returns `Partial<Vec<InstalledPackage>>` in database order
//! (the order `rpm -qa` prints), with one error per damaged record.
//! [`header`] decodes the blobs.

pub mod bdb;
pub mod bdb_btree;
pub mod header;
pub mod ndb;
pub mod sqlite;
mod wal;

use super::{ParseError, Parsed, Partial};
use crate::vocab::packages::{InstalledPackage, PackageManager};
use header::{Header, HeaderError};

// Header tags used here (rpmtag.h).
const TAG_SIGMD5: u32 = 261;
const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_SUMMARY: u32 = 1004;
const TAG_INSTALLTIME: u32 = 1008;
const TAG_SIZE: u32 = 1009;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_PACKAGER: u32 = 1015;
const TAG_ARCH: u32 = 1022;
const TAG_OLDFILENAMES: u32 = 1027;
const TAG_SOURCERPM: u32 = 1044;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;
const TAG_LONGSIZE: u32 = 5009;
const TAG_REQUIRENAME: u32 = 1049;

/// Decodes one installed package's header blob: whole, or broken (the
/// header's damage, `HeaderError`, as the message).
pub fn package_from_blob(blob: &[u8]) -> Parsed<InstalledPackage> {
    let h = Header::parse(blob).map_err(|e| ParseError::new(e.to_string()))?;
    let name = h
        .string(TAG_NAME)
        .ok_or_else(|| ParseError::new(HeaderError::NoName.to_string()))?;
    let mut p = InstalledPackage::new(PackageManager::Rpm);
    p.gpg_pubkey = name == "gpg-pubkey";
    p.name = name;
    p.epoch = h.integer(TAG_EPOCH);
    p.version = h.string(TAG_VERSION).unwrap_or_default();
    p.release = h.string(TAG_RELEASE);
    p.arch = h.string(TAG_ARCH);
    p.source = h.string(TAG_SOURCERPM).and_then(|s| source_name(&s));
    p.installed_size_bytes = h.integer(TAG_LONGSIZE).or_else(|| h.integer(TAG_SIZE));
    p.install_time = h.integer(TAG_INSTALLTIME).map(|t| t as i64);
    p.vendor = h.string(TAG_VENDOR);
    p.maintainer = h.string(TAG_PACKAGER);
    p.license = h.string(TAG_LICENSE);
    p.summary = h.string(TAG_SUMMARY);
    p.sigmd5 = h
        .binary(TAG_SIGMD5)
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect());
    p.files = file_list(&h);
    p.depends = h
        .strings(TAG_REQUIRENAME)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !r.starts_with("rpmlib(") && !r.starts_with('/'))
        .collect();
    Ok(Partial::whole(p))
}

/// The source package's name from SOURCERPM (`util-linux-2.32.1-42.el8.src.rpm`
/// gives `util-linux`): the file name without its version and release.
fn source_name(sourcerpm: &str) -> Option<String> {
    let stem = sourcerpm
        .strip_suffix(".src.rpm")
        .or_else(|| sourcerpm.strip_suffix(".nosrc.rpm"))
        .unwrap_or(sourcerpm);
    let mut parts = stem.rsplitn(3, '-');
    let (_release, _version, name) = (parts.next(), parts.next(), parts.next());
    name.filter(|n| !n.is_empty()).map(str::to_owned)
}

/// Full paths from the compressed file list (each BASENAMES entry joined to
/// the DIRNAMES entry its DIRINDEXES entry names), or from OLDFILENAMES in
/// headers older than rpm 4.
fn file_list(h: &Header) -> Vec<String> {
    let Some(basenames) = h.strings(TAG_BASENAMES) else {
        return h.strings(TAG_OLDFILENAMES).unwrap_or_default();
    };
    let dirnames = h.strings(TAG_DIRNAMES).unwrap_or_default();
    let indexes = h.integers(TAG_DIRINDEXES).unwrap_or_default();
    basenames
        .iter()
        .zip(indexes.iter())
        .map(|(base, &i)| match dirnames.get(i as usize) {
            Some(dir) => format!("{dir}{base}"),
            None => base.clone(),
        })
        .collect()
}

/// Adds the package in `blob` to `out`, or an error naming the record and,
/// for the formats that have one, its byte offset.
fn push_record(
    out: &mut Partial<Vec<InstalledPackage>>,
    number: u32,
    offset: Option<u64>,
    blob: &[u8],
) {
    match package_from_blob(blob) {
        Ok(p) => out.value.push(p.value),
        Err(e) => out.errors.push(ParseError {
            line: None,
            offset,
            message: format!("package {number}: {}", e.message),
        }),
    }
}

/// Comparison of parsed packages with what rpm printed for the same
/// database (see `fixtures/gen/rpmdb.sh` for the query formats).
#[cfg(test)]
pub(crate) mod expected {
    use super::*;

    /// Asserts that `got` equals `expected.rpm-qa.csv` field by field, in
    /// order, and that the file lists equal `expected.files.txt`.
    pub(crate) fn assert_matches_rpm(got: &[InstalledPackage], csv: &str, files: &str) {
        let want: Vec<Vec<&str>> = csv.lines().map(|l| l.split('¶').collect()).collect();
        assert_eq!(
            got.len(),
            want.len(),
            "package count: {:?}",
            got.iter().map(|p| &p.name).collect::<Vec<_>>()
        );
        let none = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        for (p, w) in got.iter().zip(&want) {
            assert_eq!(p.epoch, w[0].parse().ok(), "{} epoch", w[1]);
            assert_eq!(p.name, w[1]);
            assert_eq!(p.version, w[2], "{} version", w[1]);
            assert_eq!(p.release.as_deref(), Some(w[3]), "{} release", w[1]);
            assert_eq!(p.arch, none(w[4]), "{} arch", w[1]);
            assert_eq!(p.source, source_name(w[5]), "{} source", w[1]);
            assert_eq!(p.installed_size_bytes, w[6].parse().ok(), "{} size", w[1]);
            assert_eq!(p.license, none(w[7]), "{} license", w[1]);
            assert_eq!(p.vendor, none(w[8]), "{} vendor", w[1]);
            assert_eq!(p.summary, none(w[9]), "{} summary", w[1]);
            assert_eq!(p.sigmd5, none(w[10]), "{} sigmd5", w[1]);
            assert_eq!(p.install_time, w[11].parse().ok(), "{} install time", w[1]);
            assert_eq!(p.gpg_pubkey, p.name == "gpg-pubkey");
        }
        let got_files: Vec<String> = got
            .iter()
            .flat_map(|p| p.files.iter().map(move |f| format!("{} {f}", p.name)))
            .collect();
        assert_eq!(got_files, files.lines().collect::<Vec<_>>());
    }

    /// The fixture database and expected lists of `fixtures/<case>/`.
    pub(crate) fn fixture(case: &str, db: &str) -> (Vec<u8>, String, String) {
        let dir = format!("{}/../fixtures/{case}", env!("CARGO_MANIFEST_DIR"));
        let read = |p: &str| {
            std::fs::read(format!("{dir}/{p}")).unwrap_or_else(|e| panic!("{dir}/{p}: {e}"))
        };
        let text = |p: &str| String::from_utf8(read(p)).unwrap();
        (
            read(&format!("var/lib/rpm/{db}")),
            text("expected.rpm-qa.csv"),
            text("expected.files.txt"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_name_strips_version_release_and_suffix() {
        assert_eq!(
            source_name("util-linux-2.32.1-42.el8_8.src.rpm").as_deref(),
            Some("util-linux")
        );
        assert_eq!(
            source_name("bash-5.1.8-6.el9.nosrc.rpm").as_deref(),
            Some("bash")
        );
        assert_eq!(source_name("broken.src.rpm"), None);
    }
}
