//! sysstat's binary daily files name the host in their header (the
//! `nodename` of uname, 65 bytes). Redaction rewrites that field in place,
//! to the same length, and leaves the rest: counters and device names are
//! not this host's names, and a text scan would shift the binary layout.

/// Whether a path is one of sysstat's daily files (the probe's `history`).
pub fn is_history(path: &[u8]) -> bool {
    let name = match path.rsplit(|&b| b == b'/').next() {
        Some(n) => n,
        None => return false,
    };
    let dir_ok = path.starts_with(b"/var/log/sa/") || path.starts_with(b"/var/log/sysstat/");
    dir_ok && name.starts_with(b"sa") && name.len() > 2 && name[2..].iter().all(u8::is_ascii_digit)
}

/// Whether a path is one of sa2's daily text reports (`sarDD`).
pub fn is_history_text(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let dir_ok = path.starts_with(b"/var/log/sa/") || path.starts_with(b"/var/log/sysstat/");
    dir_ok && name.starts_with(b"sar") && name.len() > 3 && name[3..].iter().all(u8::is_ascii_digit)
}

/// The host name a `sar -A` report's first line gives:
/// `Linux 4.4.14-200.fc22.x86_64 (kluane.home) \t01/21/17 ...`.
pub fn text_nodename(data: &[u8]) -> Option<String> {
    let line = data.split(|&b| b == b'\n').next()?;
    let line = String::from_utf8_lossy(line);
    let rest = line.strip_prefix("Linux ")?;
    let (_, after) = rest.split_once(" (")?;
    let (name, _) = after.split_once(')')?;
    (!name.is_empty()).then(|| name.to_string())
}

const UTSNAME_LEN: usize = 65;

/// Where the nodename field lies in the file's first bytes, by its format
/// (the layouts of lift's `parse::sysstat`); None when the header is not
/// one of them.
pub fn nodename_field(data: &[u8]) -> Option<std::ops::Range<usize>> {
    let head = data.get(..4)?;
    let big = match (head[0], head[1]) {
        (0x96, 0xd5) => false,
        (0xd5, 0x96) => true,
        _ => return None,
    };
    let word16 = |b: [u8; 2]| {
        if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    };
    let word32 = |at: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    // Where the header's bytes after its numbers start; the names follow
    // the day, month and size-of-long bytes (0x2175) or the four bytes of
    // day, month, year and size of long (older formats).
    let names_at = match word16([head[2], head[3]]) {
        0x2171 => 8 + 16,
        0x2173 => 76 + 24,
        0x2175 => {
            let types = [word32(16)?, word32(20)?, word32(24)?].map(|t| t as usize);
            76usize.checked_add(
                types[0].checked_mul(8)? + types[1].checked_mul(8)? + types[2].checked_mul(4)? + 3,
            )?
        }
        _ => return None,
    };
    let start = names_at.checked_add(UTSNAME_LEN)?;
    let end = start.checked_add(UTSNAME_LEN)?;
    (end <= data.len()).then_some(start..end)
}

/// The field rewritten with `new` (cut to fit, NUL-padded).
pub fn replace_nodename(data: &mut [u8], field: std::ops::Range<usize>, new: &str) {
    let slot = &mut data[field];
    slot.fill(0);
    let keep = new.len().min(slot.len() - 1);
    slot[..keep].copy_from_slice(&new.as_bytes()[..keep]);
}

/// The nodename as written.
pub fn nodename(data: &[u8], field: std::ops::Range<usize>) -> String {
    let slot = &data[field];
    let end = slot.iter().position(|&b| b == 0).unwrap_or(slot.len());
    String::from_utf8_lossy(&slot[..end]).into_owned()
}
