//! The kernel's and the administrator's tables of block devices:
//! `/proc/partitions`, `/proc/swaps`, `/proc/mdstat` and `/etc/crypttab`.
//!
//! Samples:
//!
//! ```text
//! /proc/partitions   major minor  #blocks  name
//!                     254        0  268435456 vda
//! /proc/swaps        Filename    Type       Size     Used  Priority
//!                    /dev/sda3   partition  2097148  0     -2
//! /proc/mdstat       md1 : active raid1 sdb2[1] sda2[0]
//!                          136448 blocks [2/2] [UU]
//! /etc/crypttab      luks-3f1c  UUID=3f1c...  none  luks,discard
//! ```
//!
//! `#blocks`, swap sizes and md blocks are KiB.

use super::{ParseError, Parsed, Partial};

/// Rows one table is taken to hold at most.
const MAX_ROWS: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub major: u32,
    pub minor: u32,
    pub size_bytes: u64,
    pub name: String,
}

pub fn parse_partitions(bytes: &[u8]) -> Parsed<Vec<Partition>> {
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    for (i, line) in super::text(bytes).lines().enumerate() {
        let w: Vec<&str> = line.split_ascii_whitespace().collect();
        if w.is_empty() || w[0] == "major" {
            continue;
        }
        if out.value.len() >= MAX_ROWS {
            out.errors.push(ParseError::at_line(
                i + 1,
                format!("more than {MAX_ROWS} rows: the rest left out"),
            ));
            break;
        }
        let row = (|| {
            Some(Partition {
                major: w.first()?.parse().ok()?,
                minor: w.get(1)?.parse().ok()?,
                size_bytes: w.get(2)?.parse::<u64>().ok()?.checked_mul(1024)?,
                name: w.get(3)?.to_string(),
            })
        })();
        match row {
            Some(p) => out.value.push(p),
            None => out
                .errors
                .push(ParseError::at_line(i + 1, "not `MAJOR MINOR BLOCKS NAME`")),
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    pub path: String,
    /// `partition` or `file`.
    pub kind: String,
    pub size_bytes: u64,
    pub used_bytes: u64,
}

pub fn parse_swaps(bytes: &[u8]) -> Parsed<Vec<Swap>> {
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    for (i, line) in super::text(bytes).lines().enumerate().skip(1) {
        let w: Vec<&str> = line.split_ascii_whitespace().collect();
        if w.is_empty() {
            continue;
        }
        if out.value.len() >= MAX_ROWS {
            break;
        }
        let kib = |k: usize| {
            w.get(k)
                .and_then(|v| v.parse::<u64>().ok())
                .and_then(|v| v.checked_mul(1024))
        };
        match (kib(2), kib(3)) {
            (Some(size_bytes), Some(used_bytes)) if w.len() >= 4 => out.value.push(Swap {
                // The kernel writes spaces in the path as `\040`.
                path: w[0].replace("\\040", " "),
                kind: w[1].to_string(),
                size_bytes,
                used_bytes,
            }),
            _ => out.errors.push(ParseError::at_line(
                i + 1,
                "not `PATH TYPE SIZE USED PRIORITY`",
            )),
        }
    }
    Ok(out)
}

/// One md array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdArray {
    pub name: String,
    pub active: bool,
    /// `raid1`, `raid5`, ...; None for an inactive array.
    pub level: Option<String>,
    /// Member device names (without `/dev/`), in the order listed.
    pub members: Vec<String>,
    pub size_bytes: Option<u64>,
    /// Members marked failed `(F)`.
    pub failed: Vec<String>,
}

pub fn parse_mdstat(bytes: &[u8]) -> Parsed<Vec<MdArray>> {
    let mut out: Partial<Vec<MdArray>> = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    for (i, line) in super::text(bytes).lines().enumerate() {
        let Some((name, rest)) = line.split_once(" : ") else {
            // The line after an array's gives its size in blocks.
            if let Some(last) = out.value.last_mut().filter(|a| a.size_bytes.is_none()) {
                let mut w = line.split_ascii_whitespace();
                if let (Some(n), Some("blocks")) = (w.next(), w.next()) {
                    last.size_bytes = n.parse::<u64>().ok().and_then(|n| n.checked_mul(1024));
                }
            }
            continue;
        };
        let name = name.trim();
        if name == "Personalities" || name.contains(char::is_whitespace) {
            continue;
        }
        if out.value.len() >= MAX_ROWS {
            break;
        }
        let mut words = rest.split_ascii_whitespace().peekable();
        let active = match words.next() {
            Some("active") => true,
            Some("inactive") => false,
            _ => {
                out.errors.push(ParseError::at_line(
                    i + 1,
                    format!("{name}: neither active nor inactive"),
                ));
                continue;
            }
        };
        while words.peek().is_some_and(|w| w.starts_with('(')) {
            words.next();
        }
        let level = if active {
            words.next().map(str::to_string)
        } else {
            None
        };
        let (mut members, mut failed) = (Vec::new(), Vec::new());
        for w in words {
            let Some((dev, role)) = w.split_once('[') else {
                out.errors.push(ParseError::at_line(
                    i + 1,
                    format!("{name}: not a member: {w}"),
                ));
                continue;
            };
            if role.ends_with("](F)") {
                failed.push(dev.to_string());
            }
            members.push(dev.to_string());
        }
        out.value.push(MdArray {
            name: name.to_string(),
            active,
            level,
            members,
            size_bytes: None,
            failed,
        });
    }
    Ok(out)
}

/// One line of /etc/crypttab: the mapped name and what it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptEntry {
    pub name: String,
    /// `/dev/sda2`, `UUID=...`, `PARTUUID=...`.
    pub device: String,
    /// The key file, or `none` (a passphrase asked at boot).
    pub key: Option<String>,
    pub options: Vec<String>,
}

pub fn parse_crypttab(bytes: &[u8]) -> Parsed<Vec<CryptEntry>> {
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    for (i, line) in super::text(bytes).lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if out.value.len() >= MAX_ROWS {
            break;
        }
        let w: Vec<&str> = line.split_ascii_whitespace().collect();
        if w.len() < 2 {
            out.errors.push(ParseError::at_line(
                i + 1,
                "not `NAME DEVICE [KEY [OPTIONS]]`",
            ));
            continue;
        }
        out.value.push(CryptEntry {
            name: w[0].to_string(),
            device: w[1].to_string(),
            key: w.get(2).map(|k| k.to_string()),
            options: w
                .get(3)
                .map(|o| o.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A device's name under /dev (`/dev/sda` → `sda`); other text as it is.
pub fn device_name(path: &str) -> &str {
    path.strip_prefix("/dev/").unwrap_or(path)
}

/// The paths /proc/swaps may name a device by: `/dev/KERNEL` and, for a
/// device-mapper device, `/dev/mapper/NAME`.
pub fn device_paths(kernel: &str, dm_name: &str) -> [String; 2] {
    [format!("/dev/{kernel}"), format!("/dev/mapper/{dm_name}")]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/storage-md/");
        std::fs::read(format!("{root}{name}")).unwrap()
    }

    /// insights-core's own mdstat samples, with what its parser says of them.
    #[test]
    fn mdstat_as_insights_core_reads_it() {
        let p = parse_mdstat(&sample("mdstat-2.txt")).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let names: Vec<_> = p.value.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["md1", "md2", "md0"]);
        let md0 = &p.value[2];
        assert_eq!(
            (md0.level.as_deref(), md0.size_bytes),
            (Some("raid1"), Some(16_787_776 * 1024))
        );
        assert_eq!(
            (md0.members.clone(), md0.failed.clone()),
            (
                vec!["sdb1".to_string(), "sda1".into()],
                vec!["sdb1".to_string()]
            )
        );
        let p = parse_mdstat(&sample("mdstat-1.txt")).unwrap();
        let a = &p.value[0];
        assert_eq!(
            (a.name.as_str(), a.level.as_deref(), a.members.len()),
            ("md_d0", Some("raid5"), 6)
        );
        assert!(a.members.contains(&"cciss/c0d0p1".to_string()));
        let p = parse_mdstat(
            b"md0 : inactive sdb[1](S) sda[0](S)\n      6306 blocks super external:imsm\n",
        )
        .unwrap();
        assert_eq!(
            (
                p.value[0].active,
                p.value[0].level.clone(),
                p.value[0].members.len()
            ),
            (false, None, 2)
        );
        let p = parse_mdstat(b"md0 : active (auto-read-only) raid6 sdf1[0] sde1[1] sdd1[2](S)\n")
            .unwrap();
        assert_eq!(p.value[0].level.as_deref(), Some("raid6"));
    }

    #[test]
    fn partitions_swaps_and_crypttab() {
        let p = parse_partitions(b"major minor  #blocks  name\n\n 254        0  268435456 vda\n   8        1     524288 sda1\n").unwrap();
        assert_eq!(p.value[0].size_bytes, 274_877_906_944);
        assert_eq!(p.value[1].name, "sda1");
        let s = parse_swaps(b"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda3                               partition\t2097148\t\t0\t\t-2\n/swap\\040file file 1024 512 -3\n").unwrap();
        assert_eq!(
            (s.value[0].path.as_str(), s.value[0].size_bytes),
            ("/dev/sda3", 2_097_148 * 1024)
        );
        assert_eq!(s.value[1].path, "/swap file");
        let c = parse_crypttab(b"# <target name> <source device> <key file> <options>\nluks-3f1c UUID=3f1c-aa none luks,discard\nbad\n").unwrap();
        assert_eq!(
            (c.value[0].name.as_str(), c.value[0].key.as_deref()),
            ("luks-3f1c", Some("none"))
        );
        assert_eq!(c.errors[0].line, Some(3));
    }
}
