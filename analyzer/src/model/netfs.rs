//! Network filesystems the host mounts by configuration: NFS lines in
//! /etc/fstab and NFS locations in autofs maps. A cloud migration drops
//! them, since the NFS server is not reachable the same way from the target.

use serde::Serialize;

use super::facts::Facts;
use crate::parse::autofs;
use crate::parse::fstab;
use crate::sources as src;

pub use crate::vocab::fstab::{DeviceSpec, FstabEntry};

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
    let entries = f.parse(&src::FSTAB, fstab::parse);
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
