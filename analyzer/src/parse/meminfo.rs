//! `/proc/meminfo`, through procfs-core's `Meminfo`.
//!
//! Sample (CentOS 6, kernel 2.6.32: no `MemAvailable`, which came in 3.14):
//!
//! ```text
//! MemTotal:        1922000 kB
//! MemFree:          987436 kB
//! Buffers:           74328 kB
//! Cached:           638056 kB
//! SwapCached:            0 kB
//! ```
//!
//! procfs-core rejects the whole file on one odd line and can panic on some
//! (a multi-byte key, a value that overflows when scaled), so each line is
//! checked first and damaged ones are skipped and reported.

use super::{ParseError, Partial};
use procfs_core::{FromRead, Meminfo};

/// Memory figures in bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Memory {
    pub total: u64,
    pub free: u64,
    /// `MemAvailable`: absent before Linux 3.14.
    pub mem_available: Option<u64>,
    pub buffers: u64,
    pub cached: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

/// How [`Memory::available`] was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AvailableSource {
    /// The kernel's own estimate (Linux 3.14 and later).
    MemAvailable,
    /// `MemFree + Buffers + Cached`, what older tools (and AWS MGN's
    /// requirements) use when the kernel gives no estimate.
    FreeBuffersCached,
}

impl Memory {
    /// Memory available for new work, and how it was computed.
    pub fn available(&self) -> (u64, AvailableSource) {
        match self.mem_available {
            Some(bytes) => (bytes, AvailableSource::MemAvailable),
            None => (
                self.free
                    .saturating_add(self.buffers)
                    .saturating_add(self.cached),
                AvailableSource::FreeBuffersCached,
            ),
        }
    }
}

pub fn parse(bytes: &[u8]) -> Result<Partial<Memory>, ParseError> {
    let text = String::from_utf8_lossy(bytes);
    let mut clean = String::with_capacity(text.len());
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match check_line(line) {
            Ok(()) => {
                clean.push_str(line);
                clean.push('\n');
            }
            Err(message) => errors.push(ParseError::at_line(
                index + 1,
                format!("{message}: `{}`", line.escape_debug()),
            )),
        }
    }
    // procfs-core's own message for a missing field asks to report a bug
    // in it, with a build path: never shown. A broken line that held a
    // required field says what is wrong; otherwise the field is missing.
    let info = Meminfo::from_read(clean.as_bytes()).map_err(|_| match errors.first() {
        Some(broken) => ParseError {
            line: broken.line,
            offset: None,
            message: format!("broken: {}", broken.message),
        },
        None => ParseError::new(
            "lacks a field every kernel writes (MemTotal, MemFree, Buffers, Cached, SwapTotal, \
             SwapFree, ...)",
        ),
    })?;
    let value = Memory {
        total: info.mem_total,
        free: info.mem_free,
        mem_available: info.mem_available,
        buffers: info.buffers,
        cached: info.cached,
        swap_total: info.swap_total,
        swap_free: info.swap_free,
    };
    Ok(Partial { value, errors })
}

/// Accepts `Key: 123 kB` and `Key: 123`, with a value that cannot overflow
/// when procfs-core scales it to bytes.
fn check_line(line: &str) -> Result<(), &'static str> {
    let mut words = line.split_whitespace();
    let key = words.next().ok_or("empty line")?;
    if !key.ends_with(':') || !key.is_ascii() || key.len() < 2 {
        return Err("key is not `Name:`");
    }
    let word = words.next().ok_or("no value")?;
    let value: u64 = word.parse().map_err(|_| {
        if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
            "value too large"
        } else {
            "value is not a number"
        }
    })?;
    match words.next() {
        None => Ok(()),
        Some("kB") if value <= u64::MAX >> 10 => Ok(()),
        Some("kB") => Err("value too large"),
        Some(_) => Err("unknown unit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn centos6_has_no_mem_available() {
        let parsed = parse(&fixture("centos6/proc/meminfo")).unwrap();
        assert!(parsed.errors.is_empty());
        let mem = parsed.value;
        assert_eq!(mem.total, 1_922_000 * 1024);
        assert_eq!(mem.mem_available, None);
        let expected = (987_436 + 74_328 + 638_056) * 1024;
        assert_eq!(
            mem.available(),
            (expected, AvailableSource::FreeBuffersCached)
        );
        assert_eq!(mem.swap_total, 4_128_764 * 1024);
    }

    #[test]
    fn this_machine_has_mem_available() {
        let text = fixture("debian12-this-machine/proc/meminfo");
        let parsed = parse(&text).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let line = String::from_utf8_lossy(&text)
            .lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap())
            .unwrap();
        assert_eq!(
            parsed.value.available(),
            (line * 1024, AvailableSource::MemAvailable)
        );
        assert!(parsed.value.total >= line * 1024);
    }

    #[test]
    fn damaged_lines_are_skipped_missing_fields_are_errors() {
        let mut text = fixture("centos6/proc/meminfo");
        text.extend_from_slice("é 5\nHuge: 18446744073709551615 kB\nOdd: 1 parsecs\n".as_bytes());
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.errors.len(), 3);
        assert_eq!(parsed.value.total, 1_922_000 * 1024);
        assert!(parse(b"MemTotal: 10 kB\n").is_err());
        assert!(parse(b"").is_err());
    }

    /// Issue 23: an overflowing MemTotal printed procfs-core's "Internal
    /// error ... please report this procfs bug" with a build path. It is
    /// broken, with its line.
    #[test]
    fn an_overflowing_value_is_broken_with_its_line() {
        let text = String::from_utf8(fixture("centos6/proc/meminfo")).unwrap();
        for bad in ["18446744073709551615 kB", "99999999999999999999999 kB"] {
            let broken = text.replacen("1922000 kB", bad, 1);
            let err = parse(broken.as_bytes()).unwrap_err();
            assert_eq!(err.line, Some(1), "{err:?}");
            assert!(
                err.message.starts_with("broken: value too large"),
                "{err:?}"
            );
            assert!(err.message.contains("MemTotal:"), "{err:?}");
            assert!(!err.message.contains("procfs"), "{err:?}");
        }
        let err = parse(b"Zswap: 1 kB\n").unwrap_err();
        assert!(!err.message.contains("procfs"), "{err:?}");
    }
}
