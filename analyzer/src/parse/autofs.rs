//! autofs maps (auto.master(5), autofs(5)): the master map names a mount
//! point and the map that serves it; an indirect map's lines name a key,
//! options and a location (`host:/export` for NFS).
//!
//! Sample (/etc/auto.master, then /etc/auto.home):
//!
//! ```text
//! /home   /etc/auto.home  --timeout=60
//! /net    -hosts
//! +auto.master
//!
//! *       -fstype=nfs4,rw  nfs1.example.lan:/export/home/&
//! ```

/// One master-map line: mount point and map (a path, `-hosts`, a NIS name).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MasterEntry {
    pub line: usize,
    pub mount_point: String,
    pub map: String,
}

/// One map line whose location is a network export.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MapEntry {
    pub line: usize,
    pub key: String,
    pub location: String,
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
    let text = String::from_utf8_lossy(bytes).into_owned();
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            (
                i + 1,
                l.split_whitespace().map(String::from).collect::<Vec<_>>(),
            )
        })
        .filter(|(_, w)| {
            w.first()
                .is_some_and(|w| !w.starts_with('#') && !w.starts_with('+'))
        })
        .collect::<Vec<_>>()
        .into_iter()
}

pub fn parse_master(bytes: &[u8]) -> Vec<MasterEntry> {
    lines(bytes)
        .filter_map(|(line, w)| {
            Some(MasterEntry {
                line,
                mount_point: w.first()?.clone(),
                map: w.get(1)?.clone(),
            })
        })
        .collect()
}

/// The entries of an indirect or direct map that mount `host:/path`.
pub fn parse_map(bytes: &[u8]) -> Vec<MapEntry> {
    lines(bytes)
        .filter_map(|(line, w)| {
            let location = w.iter().skip(1).find(|x| !x.starts_with('-'))?;
            location
                .split_once(":/")
                .is_some_and(|(host, _)| !host.is_empty())
                .then(|| MapEntry {
                    line,
                    key: w[0].clone(),
                    location: location.clone(),
                })
        })
        .collect()
}

/// The entries of a map that mount a CIFS share, `://host/share`
/// (autofs(5): a location starting with `:` names no host to autofs, and
/// mount.cifs takes the rest).
pub fn parse_shares(bytes: &[u8]) -> Vec<MapEntry> {
    lines(bytes)
        .filter_map(|(line, w)| {
            let location = w.iter().skip(1).find(|x| !x.starts_with('-'))?;
            location
                .strip_prefix("://")
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
                .then(|| MapEntry {
                    line,
                    key: w[0].clone(),
                    location: location.clone(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample() {
        let m = parse_master(
            b"# c\n/home   /etc/auto.home  --timeout=60\n/net    -hosts\n+auto.master\nbad\n",
        );
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].mount_point.as_str(), m[0].map.as_str()),
            ("/home", "/etc/auto.home")
        );
        let e = parse_map(b"*  -fstype=nfs4,rw  nfs1.example.lan:/export/home/&\ncd -fstype=iso9660 :/dev/cdrom\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].location, "nfs1.example.lan:/export/home/&");
        // The share form of auto.smb's documentation (autofs 5).
        let s = parse_shares(b"scans -fstype=cifs,credentials=/etc/creds ://nas1.example.lan/scans\nhome nfs1:/home\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].location, "://nas1.example.lan/scans");
    }
}
