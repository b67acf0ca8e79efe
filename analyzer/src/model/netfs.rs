//! Network filesystems the host mounts by configuration: NFS lines in
//! /etc/fstab and NFS locations in autofs maps. A cloud migration drops
//! them, since the NFS server is not reachable the same way from the target.

use std::collections::BTreeMap;

use serde::Serialize;

use super::facts::Facts;
use crate::parse::autofs;
use crate::parse::fstab;
use crate::sources as src;

/// One /etc/fstab line as the Host speaks of it (diff compares them),
/// converted from the parser's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

impl From<fstab::DeviceSpec> for DeviceSpec {
    fn from(d: fstab::DeviceSpec) -> Self {
        match d {
            fstab::DeviceSpec::Uuid(v) => DeviceSpec::Uuid(v),
            fstab::DeviceSpec::Label(v) => DeviceSpec::Label(v),
            fstab::DeviceSpec::PartUuid(v) => DeviceSpec::PartUuid(v),
            fstab::DeviceSpec::PartLabel(v) => DeviceSpec::PartLabel(v),
            fstab::DeviceSpec::Path(v) => DeviceSpec::Path(v),
            fstab::DeviceSpec::Network(v) => DeviceSpec::Network(v),
            fstab::DeviceSpec::Other(v) => DeviceSpec::Other(v),
        }
    }
}

impl From<fstab::FstabEntry> for FstabEntry {
    fn from(e: fstab::FstabEntry) -> Self {
        FstabEntry {
            line: e.line,
            device: e.device.into(),
            mount_point: e.mount_point,
            fs_type: e.fs_type,
            options: e.options,
            dump: e.dump,
            pass: e.pass,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkMount {
    /// `/etc/fstab:12` or `/etc/auto.home:3`.
    pub source: String,
    pub mount_point: String,
    pub location: String,
    pub fs_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Fstab {
    /// None when /etc/fstab was not captured.
    pub entries: Option<Vec<FstabEntry>>,
    /// NFS mounts from fstab and autofs maps.
    pub nfs: Vec<NetworkMount>,
}

pub fn fstab(f: &Facts) -> Fstab {
    let entries: Option<Vec<FstabEntry>> = f
        .parse(&src::FSTAB, fstab::parse)
        .map(|v| v.into_iter().map(FstabEntry::from).collect());
    let mut nfs: Vec<NetworkMount> = entries
        .iter()
        .flatten()
        .filter(|e| e.fs_type.starts_with("nfs"))
        .map(|e| NetworkMount {
            source: format!("{}:{}", src::FSTAB.path(), e.line),
            mount_point: e.mount_point.clone(),
            location: match &e.device {
                DeviceSpec::Network(s) | DeviceSpec::Path(s) | DeviceSpec::Other(s) => s.clone(),
                other => format!("{other:?}"),
            },
            fs_type: e.fs_type.clone(),
        })
        .collect();
    let master = f.parse(&src::AUTO_MASTER, autofs::parse_master);
    for m in master.into_iter().flatten() {
        // A map named without a directory is in /etc, as auto.master is.
        let path = if m.map.starts_with('/') {
            m.map.clone()
        } else {
            src::AUTOFS_MAP.path().replace("auto.*", &m.map)
        };
        let Some(map) = f.parse_at(&src::AUTOFS_MAP, &path, autofs::parse_map) else {
            continue;
        };
        for e in map {
            nfs.push(NetworkMount {
                source: format!("{path}:{}", e.line),
                mount_point: if m.mount_point == "/-" {
                    e.key.clone()
                } else {
                    format!("{}/{}", m.mount_point.trim_end_matches('/'), e.key)
                },
                location: e.location,
                fs_type: "autofs".into(),
            });
        }
    }
    Fstab { entries, nfs }
}
