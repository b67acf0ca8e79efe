//! An /etc/fstab line (fstab(5)), as `parse::fstab` reads it and the Host
//! keeps it.

use std::collections::BTreeMap;

/// One /etc/fstab line: the parser's record and the Host's (diff compares
/// them).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FstabEntry {
    /// 1-based line in the file, for evidence.
    pub line: usize,
    pub device: DeviceSpec,
    pub mount_point: String,
    pub fs_type: String,
    /// Each option, with its value where it has one (`size=10G`).
    pub options: BTreeMap<String, Option<String>>,
    pub dump: u32,
    pub pass: u32,
}

/// How the first field names the filesystem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "by", content = "value", rename_all = "kebab-case")]
pub enum DeviceSpec {
    Uuid(String),
    Label(String),
    PartUuid(String),
    PartLabel(String),
    /// A device or file path: `/dev/sda1`, `/dev/mapper/vg-root`, a bind source.
    Path(String),
    /// `host:/export` (NFS) or `//host/share` (CIFS).
    Network(String),
    /// Anything else: `tmpfs`, `proc`, `none`.
    Other(String),
}

impl FstabEntry {
    pub fn is_network(&self) -> bool {
        matches!(self.device, DeviceSpec::Network(_))
            || matches!(
                self.fs_type.as_str(),
                "nfs" | "nfs4" | "cifs" | "smbfs" | "smb3" | "ceph" | "glusterfs" | "9p"
            )
    }

    pub fn is_swap(&self) -> bool {
        self.fs_type == "swap"
    }
}
