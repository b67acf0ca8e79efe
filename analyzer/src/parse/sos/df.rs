//! `df -al` in 1K blocks (sos: `sos_commands/filesys/df_-al_-x_autofs`, sos
//! 3's `df_-al`, linked as `df`): the free space that the probe takes from
//! `statvfs`.
//!
//! ```text
//! Filesystem                             1K-blocks      Used Available     Use% Mounted on
//! /dev/mapper/vg_lxcrhel6sat56-lv_root    98571884   4244032  89313940       5% /
//! sysfs                                          0         0         0        - /sys
//! ```
//!
//! Without `-P`, df wraps a long device name onto a line of its own; the
//! numbers follow on the next line. A mount point may hold spaces.

use crate::parse::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DfRow {
    pub filesystem: String,
    pub mount_point: String,
    pub total_bytes: u64,
    pub used_bytes: u64,
    pub avail_bytes: u64,
}

pub fn parse(bytes: &[u8]) -> Parsed<Vec<DfRow>> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.starts_with("Filesystem"));
    let Some((_, header)) = lines.next() else {
        return Err(ParseError::new("no `Filesystem ...` header"));
    };
    if !header.contains("1K-blocks") {
        return Err(ParseError::at_line(
            1,
            format!("not in 1K blocks: {header:?}"),
        ));
    }
    let mut out = Vec::new();
    let mut wrapped: Option<String> = None;
    for (n, line) in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 1 {
            wrapped = Some(words[0].to_string());
            continue;
        }
        let (fs, nums) = match wrapped.take() {
            Some(fs) => (fs, &words[..]),
            None if words.is_empty() => continue,
            None => (words[0].to_string(), &words[1..]),
        };
        if nums.len() < 5 {
            return Err(ParseError::at_line(n + 1, "fewer than six columns"));
        }
        let num = |i: usize| {
            nums[i]
                .parse::<u64>()
                .ok()
                // 1K-blocks: a count past u64 bytes is no size.
                .and_then(|k| k.checked_mul(1024))
                .ok_or_else(|| {
                    ParseError::at_line(n + 1, format!("not a size in 1K-blocks: {:?}", nums[i]))
                })
        };
        out.push(DfRow {
            filesystem: fs,
            total_bytes: num(0)?,
            used_bytes: num(1)?,
            avail_bytes: num(2)?,
            mount_point: nums[4..].join(" "),
        });
    }
    Ok(Partial::whole(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sos_and_insights_captures() {
        let rows = parse(&super::super::sample(
            "debian12-sos4.0/sos_commands/filesys/df_-al_-x_autofs",
        ))
        .map(|p| p.value)
        .unwrap();
        let root = rows.iter().find(|r| r.mount_point == "/").unwrap();
        assert_eq!(root.filesystem, "/dev/vda");
        assert_eq!(root.avail_bytes, 67928828 * 1024);
        assert_eq!(root.total_bytes, 264212084 * 1024);
        let rows = parse(&super::super::sample("insights-core/df_-al.DF_AL"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(rows[0].filesystem, "/dev/mapper/vg_lxcrhel6sat56-lv_root");
        assert_eq!(rows[0].avail_bytes, 89313940 * 1024);
        assert!(parse(b"Filesystem 1024-blocks Used\n")
            .map(|p| p.value)
            .is_err());
    }

    /// Found by the sos_commands fuzzer: a 1K-block count whose bytes pass
    /// u64 multiplied and overflowed (a panic with overflow checks, a wrong
    /// size without).
    #[test]
    fn a_block_count_past_u64_bytes_is_an_error() {
        let text = b"Filesystem 1K-blocks Used Available Use% Mounted on\n\
                     /dev/vda 18014398509481984 1 1 1% /\n";
        let err = parse(text).map(|p| p.value).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("1K-blocks"), "{err}");
        let fits = b"Filesystem 1K-blocks Used Available Use% Mounted on\n\
                     /dev/vda 18014398509481983 1 1 1% /\n";
        assert_eq!(
            parse(fits).map(|p| p.value).unwrap()[0].total_bytes,
            18014398509481983 * 1024
        );
    }
}
