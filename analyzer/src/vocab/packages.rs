//! The installed package, one type for every package manager.
//!
//! Each database parser (`dpkg_status`, `rpmdb`, `apk`, `pacman`) fills this
//! type with what its format records and leaves the rest `None`, so rules and
//! reports compare packages without knowing where they came from.

use serde::Serialize;

/// Which package manager's database a package was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Dpkg,
    Rpm,
    Apk,
    Pacman,
}

/// One package as its manager's database records it.
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
