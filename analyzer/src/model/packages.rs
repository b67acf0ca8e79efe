//! Installed packages from whichever databases the host has, read without
//! rpm or dpkg, and which package owns a path.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use super::facts::Facts;
use super::owners::FileLists;
use crate::parse::{apk, dpkg_list, dpkg_status, pacman, rpmdb, ParseError, Partial};
use crate::sources::{self as src, Source};

pub use crate::vocab::packages::{InstalledPackage, PackageManager};

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
    r: Result<Partial<Vec<InstalledPackage>>, ParseError>,
) -> Vec<InstalledPackage> {
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

fn push(out: &mut Packages, manager: PackageManager, path: &str, pkgs: Vec<InstalledPackage>) {
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
    let mut attach = |out: &mut Packages, pkgs: &[InstalledPackage]| {
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
