//! `mount -l` (sos: `sos_commands/filesys/mount_-l`, the top `mount` link):
//! the mount table as util-linux prints it, one mount a line, with the
//! filesystem label in brackets when it has one. It gives the same
//! [`Mount`] as `/proc/mounts`, so the model treats both alike.
//!
//! ```text
//! sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)
//! /dev/vda2 on / type ext4 (rw,relatime) [root]
//! /dev/vdb on /var/lib/nova/instances type ext4 (rw,relatime)
//! ```
//!
//! Paths are printed as they are (a space is a space), so a line is split
//! from its ends: the label, then the options, then ` type `, then ` on `.

use super::super::mountinfo::{split_options, Mount, Options};
use super::super::Parsed;

pub fn parse(bytes: &[u8]) -> Parsed<Vec<Mount>> {
    crate::parse::by_line(bytes, 0, |line| {
        mount(line).ok_or_else(|| "not `SOURCE on POINT type TYPE (OPTIONS)`".to_owned())
    })
}

fn mount(line: &str) -> Option<Mount> {
    let line = match line.rsplit_once(") [") {
        Some((head, label)) if label.ends_with(']') => &line[..head.len() + 1],
        _ => line,
    };
    let (head, options) = line.strip_suffix(')')?.rsplit_once(" (")?;
    let (head, fs_type) = head.rsplit_once(" type ")?;
    let (source, point) = head.split_once(" on ")?;
    Some(Mount {
        mount_id: None,
        parent_id: None,
        major_minor: None,
        root: None,
        mount_point: point.to_owned(),
        source: (source != "none").then(|| source.to_owned()),
        fs_type: fs_type.to_owned(),
        mount_options: split_options(options),
        super_options: Options::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hotsos's OpenStack compute node: 54 mounts, the root with its label.
    #[test]
    fn openstack_compute_node() {
        let b = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/sos-hotsos-openstack/sos_commands/filesys/mount_-l"
        ))
        .unwrap();
        let p = parse(&b).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.value.len(), 54);
        let root = p.value.iter().find(|m| m.mount_point == "/").unwrap();
        assert_eq!(root.source.as_deref(), Some("/dev/vda2"));
        assert_eq!(root.fs_type, "ext4");
        assert!(root.has_option("relatime") && !root.read_only());
    }

    #[test]
    fn spaces_in_points_and_bad_lines() {
        let p =
            parse(b"//srv/a share on /mnt/team share type cifs (rw,vers=3.0)\nnonsense\n").unwrap();
        assert_eq!(p.value[0].mount_point, "/mnt/team share");
        assert_eq!(p.value[0].source.as_deref(), Some("//srv/a share"));
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].to_string().contains('2'), "{}", p.errors[0]);
    }
}
