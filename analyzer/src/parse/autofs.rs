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

use super::{ParseError, Parsed, Partial};

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

/// The master map's entries; a mount point that names no map is skipped,
/// by line.
pub fn parse_master(bytes: &[u8]) -> Parsed<Vec<MasterEntry>> {
    let mut errors = Vec::new();
    let value = lines(bytes)
        .filter_map(|(line, w)| {
            let Some(map) = w.get(1) else {
                errors.push(ParseError::at_line(line, "a mount point that names no map"));
                return None;
            };
            Some(MasterEntry {
                line,
                mount_point: w[0].clone(),
                map: map.clone(),
            })
        })
        .collect();
    Ok(Partial::new(value, errors))
}

/// The entries of an indirect or direct map that mount `host:/path`; a
/// key without a location is skipped, by line (`parse_shares` reads the
/// same lines and leaves the noting to this one).
pub fn parse_map(bytes: &[u8]) -> Parsed<Vec<MapEntry>> {
    let mut errors = Vec::new();
    let value = lines(bytes)
        .filter_map(|(line, w)| {
            let Some(location) = w.iter().skip(1).find(|x| !x.starts_with('-')) else {
                errors.push(ParseError::at_line(line, "a key without a location"));
                return None;
            };
            location
                .split_once(":/")
                .is_some_and(|(host, _)| !host.is_empty())
                .then(|| MapEntry {
                    line,
                    key: w[0].clone(),
                    location: location.clone(),
                })
        })
        .collect();
    Ok(Partial::new(value, errors))
}

/// The entries of a map that mount a CIFS share, `://host/share`
/// (autofs(5): a location starting with `:` names no host to autofs, and
/// mount.cifs takes the rest).
pub fn parse_shares(bytes: &[u8]) -> Parsed<Vec<MapEntry>> {
    let value = lines(bytes)
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
        .collect();
    super::whole(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample() {
        let m = parse_master(
            b"# c\n/home   /etc/auto.home  --timeout=60\n/net    -hosts\n+auto.master\nbad\n",
        )
        .unwrap();
        assert_eq!(
            m.errors,
            [ParseError::at_line(5, "a mount point that names no map")]
        );
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].mount_point.as_str(), m[0].map.as_str()),
            ("/home", "/etc/auto.home")
        );
        let e = parse_map(b"*  -fstype=nfs4,rw  nfs1.example.lan:/export/home/&\ncd -fstype=iso9660 :/dev/cdrom\nlonely -rw\n").unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e.errors[0].line, Some(3));
        assert_eq!(e[0].location, "nfs1.example.lan:/export/home/&");
        // The share form of auto.smb's documentation (autofs 5).
        let s = parse_shares(b"scans -fstype=cifs,credentials=/etc/creds ://nas1.example.lan/scans\nhome nfs1:/home\n").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].location, "://nas1.example.lan/scans");
    }
}
