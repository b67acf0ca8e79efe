//! `lsblk` (sos: `sos_commands/block/lsblk`, sos 3's `sos_commands/
//! filesys/lsblk`): the block device tree.
//!
//! ```text
//! NAME                       MAJ:MIN RM    SIZE RO TYPE  MOUNTPOINT
//! sda                          8:0    0     25G  0 disk
//! |-sda2                       8:2    0   18.6G  0 part
//! | `-vg_root-lv_root (dm-0) 253:0    0   18.5G  0 lvm   /
//! ```
//!
//! Newer util-linux draws the tree with `├─`/`└─` and calls the last
//! column MOUNTPOINTS.

use crate::parse::{shown, whole, ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDevice {
    pub name: String,
    /// Nesting depth in the tree (0 for a disk).
    pub depth: usize,
    pub maj_min: String,
    pub size: String,
    pub read_only: bool,
    /// `disk`, `part`, `lvm`, `mpath`, `rom`, `raid1`, `crypt`, ...
    pub kind: String,
    pub mount_point: Option<String>,
}

/// Broken without lsblk's `NAME` heading; a device line without a
/// `MAJ:MIN` or its columns is skipped, by its line number.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<BlockDevice>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let Some(head) = text.lines().position(|l| l.starts_with("NAME")) else {
        if text.trim().is_empty() {
            return whole(out);
        }
        return Err(ParseError::new("no NAME heading: not lsblk's output"));
    };
    for (n, line) in text.lines().enumerate().skip(head + 1) {
        let skipped = || {
            ParseError::at_line(
                n + 1,
                format!("no MAJ:MIN and its columns in {}", shown(line)),
            )
        };
        let tree_len = line
            .char_indices()
            .find(|(_, c)| c.is_alphanumeric() || *c == '[' || *c == '/')
            .map(|(i, _)| i)
            .unwrap_or(line.len());
        let (tree, rest) = line.split_at(tree_len);
        let words: Vec<&str> = rest.split_whitespace().collect();
        let Some(mm_at) = words.iter().position(|w| {
            w.split_once(':')
                .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
        }) else {
            if !line.trim().is_empty() {
                errors.push(skipped());
            }
            continue;
        };
        let (Some(size), Some(ro), Some(kind)) = (
            words.get(mm_at + 2),
            words.get(mm_at + 3),
            words.get(mm_at + 4),
        ) else {
            errors.push(skipped());
            continue;
        };
        let mount = words[mm_at + 5..].join(" ");
        out.push(BlockDevice {
            name: words[0].to_string(),
            depth: tree.chars().count() / 2,
            maj_min: words[mm_at].to_string(),
            size: size.to_string(),
            read_only: *ro == "1",
            kind: kind.to_string(),
            mount_point: (!mount.is_empty()).then_some(mount),
        });
    }
    Ok(Partial { value: out, errors })
}

#[cfg(test)]
mod tests {
    #[test]
    fn other_text_is_broken() {
        super::super::refuses(super::parse, b"sda 8:0\n");
    }

    #[test]
    fn insights_core_and_sos_captures() {
        let devs = super::super::read(super::parse, "insights-core/lsblk.LSBLK_DATA2");
        let root = devs
            .iter()
            .find(|d| d.mount_point.as_deref() == Some("/"))
            .unwrap();
        assert_eq!(
            (root.name.as_str(), root.kind.as_str(), root.depth),
            ("vg_root-lv_root", "lvm", 2)
        );
        assert_eq!(devs[0].name, "sr0");
        assert_eq!(devs.iter().filter(|d| d.kind == "mpath").count(), 6);
        let devs = super::super::read(super::parse, "debian12-sos4.0/sos_commands/block/lsblk");
        assert_eq!(devs.len(), 2);
        assert_eq!(devs[1].mount_point.as_deref(), Some("/"));
    }
}
