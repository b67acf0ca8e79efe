//! Installed packages from whichever databases the host has, read without
//! rpm or dpkg, and which package owns a path.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use super::facts::Facts;
use super::owners::FileLists;
use crate::parse::packages as raw;
use crate::parse::{apk, dpkg_list, dpkg_status, pacman, rpmdb, ParseError, Partial};
use crate::sources::{self as src, Source};

/// Which package manager's database a package was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Dpkg,
    Rpm,
    Apk,
    Pacman,
}

/// One installed package, whichever database recorded it: the Host's own
/// type (rules and diff read it), filled from each parser's record by
/// `From<parse::packages::InstalledPackage>`.
///
/// `version` follows each manager's own convention: for dpkg it is the full
/// Debian version (`1:2.3-4`, epoch included and also split out into `epoch`,
/// `release` is `None`); for rpm and pacman it is the version without epoch and
/// release; for apk the full `1.2.3-r4`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstalledPackage {
    pub name: String,
    /// `None` when the database records no epoch (rpm: no EPOCH tag), which
    /// rpm and dpkg both treat as 0 when comparing but print differently.
    pub epoch: Option<u64>,
    pub version: String,
    pub release: Option<String>,
    pub arch: Option<String>,
    pub manager: PackageManager,
    /// Source package name (rpm: from SOURCERPM; dpkg: Source, defaulting to
    /// the package's own name; apk: origin; pacman: %BASE%).
    pub source: Option<String>,
    /// dpkg's Status field (`install ok installed`, `deinstall ok
    /// config-files`, ...); `None` for managers that only list what is
    /// installed.
    pub status: Option<String>,
    pub installed_size_bytes: Option<u64>,
    /// Seconds since the epoch (rpm INSTALLTIME, pacman %INSTALLDATE%).
    pub install_time: Option<i64>,
    /// Seconds since the epoch (apk `t:`, pacman %BUILDDATE%).
    pub build_time: Option<i64>,
    pub vendor: Option<String>,
    pub maintainer: Option<String>,
    pub license: Option<String>,
    pub summary: Option<String>,
    /// rpm keeps imported signing keys as `gpg-pubkey` pseudo-packages.
    pub gpg_pubkey: bool,
    /// rpm's SIGMD5: the digest of the header and payload, hex; it tells apart
    /// two builds with the same name and version.
    pub sigmd5: Option<String>,
    /// Paths the package owns, where the database lists them (rpm, apk; for
    /// dpkg see `dpkg_list`). Left out of JSON: it is large and only serves
    /// file-ownership lookups.
    #[serde(skip_serializing)]
    pub files: Vec<String>,
    /// Names this package needs (dpkg Depends and Pre-Depends, every
    /// alternative; rpm REQUIRENAME without rpmlib() and file paths). Left
    /// out of JSON; diff reads it to explain what an added package brought.
    #[serde(skip_serializing)]
    pub depends: Vec<String>,
}

impl InstalledPackage {
    /// An empty package of `manager`, for parsers to fill field by field.
    pub fn new(manager: PackageManager) -> Self {
        InstalledPackage {
            name: String::new(),
            epoch: None,
            version: String::new(),
            release: None,
            arch: None,
            manager,
            source: None,
            status: None,
            installed_size_bytes: None,
            install_time: None,
            build_time: None,
            vendor: None,
            maintainer: None,
            license: None,
            summary: None,
            gpg_pubkey: false,
            sigmd5: None,
            files: Vec::new(),
            depends: Vec::new(),
        }
    }

    /// Whether the package is installed. Only dpkg records other states:
    /// there, only `install ok installed` counts (removed packages whose
    /// configuration files remain, half-installed ones and so on do not).
    /// A dpkg entry without Status (distroless `status.d/*`) is installed.
    pub fn is_installed(&self) -> bool {
        match &self.status {
            Some(status) => status == "install ok installed",
            None => true,
        }
    }
}

impl From<raw::PackageManager> for PackageManager {
    fn from(m: raw::PackageManager) -> Self {
        match m {
            raw::PackageManager::Dpkg => PackageManager::Dpkg,
            raw::PackageManager::Rpm => PackageManager::Rpm,
            raw::PackageManager::Apk => PackageManager::Apk,
            raw::PackageManager::Pacman => PackageManager::Pacman,
        }
    }
}

impl From<raw::InstalledPackage> for InstalledPackage {
    fn from(p: raw::InstalledPackage) -> Self {
        InstalledPackage {
            name: p.name,
            epoch: p.epoch,
            version: p.version,
            release: p.release,
            arch: p.arch,
            manager: p.manager.into(),
            source: p.source,
            status: p.status,
            installed_size_bytes: p.installed_size_bytes,
            install_time: p.install_time,
            build_time: p.build_time,
            vendor: p.vendor,
            maintainer: p.maintainer,
            license: p.license,
            summary: p.summary,
            gpg_pubkey: p.gpg_pubkey,
            sigmd5: p.sigmd5,
            files: p.files,
            depends: p.depends,
        }
    }
}

/// The Host's packages from a parser's records.
pub(super) fn from_raw(pkgs: Vec<raw::InstalledPackage>) -> Vec<InstalledPackage> {
    pkgs.into_iter().map(InstalledPackage::from).collect()
}

/// rpm databases in the order rpm itself would prefer them: a host upgraded
/// to sqlite or ndb may still carry a stale Berkeley DB `Packages`.
/// rpm's databases, newest backend first: a host converted to sqlite may
/// keep its old Packages file beside it.
const RPM_DBS: &[(&Source, RpmBackend)] = &[
    (&src::RPMDB_SQLITE, RpmBackend::Sqlite),
    (&src::RPMDB_NDB, RpmBackend::Ndb),
    (&src::RPMDB_BDB, RpmBackend::Bdb),
];

#[derive(Clone, Copy)]
enum RpmBackend {
    Sqlite,
    Ndb,
    Bdb,
}

/// One database that was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Database {
    pub manager: PackageManager,
    pub path: String,
    pub packages: usize,
    /// For dpkg: packages in state `install ok installed`.
    pub installed: usize,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Packages {
    /// Every package, each database in its own order.
    pub list: Vec<InstalledPackage>,
    pub databases: Vec<Database>,
    /// dpkg's file lists, as captured; read only to answer who owns a path
    /// (`owners`).
    pub(super) dpkg_files: FileLists,
}

/// The JSON contract's `host.packages` is the list itself.
impl Serialize for Packages {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(s)
    }
}

impl Packages {
    pub fn named(&self, name: &str) -> Option<&InstalledPackage> {
        self.list
            .iter()
            .find(|p| p.name == name && p.is_installed())
    }
}

fn keep(
    f: &Facts,
    source: &'static Source,
    path: &str,
    r: Result<Partial<Vec<raw::InstalledPackage>>, ParseError>,
) -> Vec<raw::InstalledPackage> {
    match r {
        Ok(p) => {
            for e in p.errors {
                f.problem(path, e.to_string());
            }
            p.value
        }
        Err(e) => {
            f.broken(source, path, e);
            Vec::new()
        }
    }
}

fn push(out: &mut Packages, manager: PackageManager, path: &str, pkgs: Vec<raw::InstalledPackage>) {
    let pkgs = from_raw(pkgs);
    let installed = pkgs.iter().filter(|p| p.is_installed()).count();
    out.databases.push(Database {
        manager,
        path: path.into(),
        packages: pkgs.len(),
        installed,
    });
    out.list.extend(pkgs);
}

fn dpkg(f: &Facts, out: &mut Packages) {
    // The lists are checked here (and their state recorded) but read only
    // when someone asks who owns a path (`Packages::owners`).
    let mut files: HashMap<String, String> = HashMap::new();
    for list in f.glob(&src::DPKG_LISTS) {
        let name = list
            .rsplit('/')
            .next()
            .and_then(dpkg_list::package_name)
            .map(str::to_string);
        if let Some(name) = name {
            if f.bytes_at(&src::DPKG_LISTS, &list).is_some() {
                files.insert(name, list);
            }
        }
    }
    let mut attach = |out: &mut Packages, pkgs: &[raw::InstalledPackage]| {
        let base = out.list.len();
        for (i, p) in pkgs.iter().enumerate() {
            // info/NAME.list, or NAME:ARCH.list for Multi-Arch: same.
            let arch_key = p.arch.as_ref().map(|a| format!("{}:{a}", p.name));
            if let Some(fl) = arch_key
                .and_then(|k| files.remove(&k))
                .or_else(|| files.remove(&p.name))
            {
                out.dpkg_files.push(base + i, fl);
            }
        }
    };
    if let Some(pkgs) = f.parse(&src::DPKG_STATUS, dpkg_status::parse) {
        attach(out, &pkgs);
        push(out, PackageManager::Dpkg, src::DPKG_STATUS.path(), pkgs);
    }
    for path in f.glob(&src::DPKG_STATUS_D) {
        if dpkg_status::is_control_file(path.rsplit('/').next().unwrap_or_default()) {
            continue;
        }
        if let Some(pkgs) = f.parse_at(&src::DPKG_STATUS_D, &path, dpkg_status::parse_status_d) {
            push(out, PackageManager::Dpkg, &path, pkgs);
        }
    }
}

fn rpm(f: &Facts, out: &mut Packages) {
    for (source, backend) in RPM_DBS {
        for (i, path) in source.paths.iter().enumerate() {
            let bytes = match f.bytes_or_why(source, path) {
                Ok(b) => b,
                Err(why) => {
                    if let Some(why) = why {
                        f.problem(path, why);
                    }
                    continue;
                }
            };
            let pkgs = match backend {
                RpmBackend::Sqlite => {
                    let wal = src::RPMDB_SQLITE_WAL.paths[i];
                    let wal = f.bytes_at(&src::RPMDB_SQLITE_WAL, wal);
                    keep(
                        f,
                        source,
                        path,
                        rpmdb::sqlite::parse(&bytes, wal.as_deref()),
                    )
                }
                RpmBackend::Ndb => keep(f, source, path, rpmdb::ndb::parse(&bytes)),
                RpmBackend::Bdb => keep(f, source, path, rpmdb::bdb::parse(&bytes)),
            };
            push(out, PackageManager::Rpm, path, pkgs);
            return;
        }
    }
}

/// None when no package database was captured at all.
pub fn packages(f: &Facts) -> Option<Packages> {
    let mut out = Packages::default();
    dpkg(f, &mut out);
    rpm(f, &mut out);
    if let Some(pkgs) = f.parse(&src::APK_INSTALLED, apk::parse) {
        push(
            &mut out,
            PackageManager::Apk,
            src::APK_INSTALLED.path(),
            pkgs,
        );
    }
    let mut arch = Vec::new();
    let local = src::PACMAN_LOCAL.path().trim_end_matches("/*/desc");
    for dir in f.glob_at(&src::PACMAN_LOCAL, &format!("{local}/*")) {
        let desc = format!("{dir}/desc");
        if let Some(p) = f.parse_at(&src::PACMAN_LOCAL, &desc, pacman::parse) {
            arch.push(p);
        }
    }
    if !arch.is_empty() {
        push(&mut out, PackageManager::Pacman, local, arch);
    }
    (!out.databases.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use crate::testing::fixture;

    /// Distroless: one stanza per status.d file; `libc6.md5sums` is not one.
    #[test]
    fn distroless_status_d_skips_control_files() {
        let snap = crate::snapshot::DirSnapshot::new(&fixture("distroless-status-d"));
        let host = crate::model::build(&snap);
        let pkgs = host.packages.expect("status.d is a database");
        let names: Vec<&str> = pkgs.list.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libc6", "libssl3", "openssl"]);
        assert!(pkgs.list.iter().all(|p| p.is_installed()));
        assert!(host.problems.is_empty(), "{:?}", host.problems);
    }
}
