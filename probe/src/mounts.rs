//! The live kernel's mount table, read once at start: which mount points
//! are network filesystems (never touched), which local ones get statvfs,
//! and which devices hold / and /boot.

#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub major: u32,
    pub minor: u32,
    pub mount_point: Vec<u8>,
    pub fs_type: String,
}

/// Parses /proc/self/mountinfo; lines it cannot read are passed over (the
/// analyzer parses the captured copy properly).
pub fn parse_mountinfo(bytes: &[u8]) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in bytes.split(|&b| b == b'\n') {
        let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == b"-") else {
            continue;
        };
        if fields.len() < 5 || sep + 1 >= fields.len() {
            continue;
        }
        let dev = String::from_utf8_lossy(fields[2]);
        let Some((major, minor)) = dev.split_once(':') else {
            continue;
        };
        let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else {
            continue;
        };
        out.push(Mount {
            major,
            minor,
            mount_point: unescape(fields[4]),
            fs_type: String::from_utf8_lossy(fields[sep + 1]).into_owned(),
        });
    }
    out
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
pub fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\'
            && i + 3 < field.len()
            && field[i + 1..i + 4]
                .iter()
                .all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (field[i + 1] - b'0') as u32 * 64
                + (field[i + 2] - b'0') as u32 * 8
                + (field[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(field[i]);
            i += 1;
        }
    }
    out
}

/// Mount points never to touch: network filesystems, and anything mounted
/// below an autofs point (an automounter may be waiting on a dead server).
pub fn avoid_list(mounts: &[Mount]) -> Vec<Vec<u8>> {
    let mut avoid: Vec<Vec<u8>> = mounts
        .iter()
        .filter(|m| crate::fs::is_network_fs(&m.fs_type))
        .map(|m| m.mount_point.clone())
        .collect();
    let autofs: Vec<Vec<u8>> = mounts
        .iter()
        .filter(|m| m.fs_type == "autofs")
        .map(|m| m.mount_point.clone())
        .collect();
    for m in mounts {
        if autofs
            .iter()
            .any(|a| m.mount_point.starts_with(a) && m.mount_point != *a)
        {
            avoid.push(m.mount_point.clone());
        }
    }
    avoid
}

#[cfg(test)]
mod tests {
    use super::*;

    // As the kernel writes it, with an NFS mount, an autofs point and a
    // mount under it, and a mount point holding a space.
    const SAMPLE: &[u8] = b"22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n\
30 22 0:40 / /tmp rw,nosuid,nodev,noexec shared:2 - tmpfs tmpfs rw\n\
41 22 0:45 / /mnt/data\\040disk rw - ext4 /dev/vdb rw\n\
50 22 0:52 / /srv/nfs rw - nfs4 fs:/export rw,vers=4.2\n\
51 22 0:53 / /net rw - autofs systemd-1 rw,fd=40\n\
52 51 0:54 / /net/host1 rw - ext4 /dev/sdz rw\n";

    #[test]
    fn parses_and_avoids_network_mounts() {
        let m = parse_mountinfo(SAMPLE);
        assert_eq!(m.len(), 6);
        assert_eq!(
            m[0],
            Mount {
                major: 254,
                minor: 1,
                mount_point: b"/".to_vec(),
                fs_type: "ext4".into()
            }
        );
        assert_eq!(m[2].mount_point, b"/mnt/data disk");
        let avoid = avoid_list(&m);
        assert_eq!(
            avoid,
            vec![
                b"/srv/nfs".to_vec(),
                b"/net".to_vec(),
                b"/net/host1".to_vec()
            ]
        );
    }
}
