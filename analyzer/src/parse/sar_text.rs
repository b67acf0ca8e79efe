//! The daily text reports sysstat's `sa2` writes beside the binary files
//! (`/var/log/sa/sarDD`: `sar -A` of the day): the history of hosts whose
//! binary files lift cannot read (sysstat 9.0 on CentOS 6 writes format
//! 0x2170).
//!
//! Sample (sysstat 9.1.6's test data through `sar -A`, C locale):
//!
//! ```text
//! Linux 4.4.14-200.fc22.x86_64 (kluane.home)     01/21/17     _x86_64_    (8 CPU)
//!
//! 08:17:01        CPU      %usr     %nice      %sys   %iowait    %steal ... %idle
//! 08:17:02        all      0.13      0.00      0.13      0.38      0.00 ... 99.37
//! ```
//!
//! Sections start with a line of column names after the time; rows follow
//! with the same columns. Times are the host's local clock, `HH:MM:SS` or,
//! in an English locale, `HH:MM:SS AM`. Only the CPU ("all"), memory and
//! run-queue sections are read; `Average:` lines and per-CPU rows are not.

use super::{ParseError, Partial};

/// One row's figures, at `time` seconds since the epoch (the host's local
/// clock read as UTC: the file does not say its zone).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextSample {
    pub time: u64,
    pub busy_percent: Option<f64>,
    pub iowait_percent: Option<f64>,
    pub memory_used_percent: Option<f64>,
    pub load_1: Option<f64>,
}

const MAX_SAMPLES: usize = 1_000_000;

/// Days since the epoch of a civil date (Howard Hinnant's algorithm).
fn days(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of the header line: `MM/DD/YY` (C locale) or `YYYY-MM-DD`.
fn header_date(line: &str) -> Option<i64> {
    line.split_ascii_whitespace().find_map(|w| {
        if let [y, m, d] = w.split('-').collect::<Vec<_>>()[..] {
            return Some(days(
                y.parse().ok()?,
                m.parse().ok().filter(|m| (1..=12).contains(m))?,
                d.parse().ok().filter(|d| (1..=31).contains(d))?,
            ));
        }
        if let [m, d, y] = w.split('/').collect::<Vec<_>>()[..] {
            let y: i64 = y.parse().ok()?;
            let y = if y < 100 { 2000 + y } else { y };
            return Some(days(
                y,
                m.parse().ok().filter(|m| (1..=12).contains(m))?,
                d.parse().ok().filter(|d| (1..=31).contains(d))?,
            ));
        }
        None
    })
}

/// Seconds into the day of `HH:MM:SS` (and a following AM/PM), and how
/// many words the time took.
fn clock(words: &[&str]) -> Option<(u64, usize)> {
    let mut parts = words.first()?.split(':');
    let (h, m, s): (u64, u64, u64) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    match words.get(1) {
        Some(&"AM") => Some(((h % 12) * 3600 + m * 60 + s, 2)),
        Some(&"PM") => Some(((h % 12 + 12) * 3600 + m * 60 + s, 2)),
        _ => Some((h * 3600 + m * 60 + s, 1)),
    }
}

pub fn parse(bytes: &[u8]) -> Result<Partial<Vec<TextSample>>, ParseError> {
    let text = super::text(bytes);
    let mut lines = text.lines().enumerate();
    let (_, header) = lines
        .find(|(_, l)| !l.trim().is_empty())
        .ok_or_else(|| ParseError::new("empty"))?;
    if !header.starts_with("Linux") {
        return Err(ParseError::at_line(
            1,
            "not a sar report (no `Linux ...` header)",
        ));
    }
    let day = header_date(header).ok_or_else(|| ParseError::at_line(1, "no date in the header"))?;
    let start = u64::try_from(day.saturating_mul(86_400))
        .map_err(|_| ParseError::at_line(1, "a date before 1970"))?;
    let mut out: Partial<Vec<TextSample>> = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    let mut columns: Vec<String> = Vec::new();
    let (mut last_clock, mut day_offset) = (0u64, 0u64);
    for (i, line) in lines {
        let words: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some((secs, used)) = clock(&words) else {
            continue;
        };
        let rest = &words[used..];
        let Some(first) = rest.first() else { continue };
        if first.parse::<f64>().is_err() && *first != "all" {
            // A section's header (or LINUX RESTART, a comment).
            columns = rest.iter().map(|w| w.to_string()).collect();
            // Each section starts again at the day's first row.
            (last_clock, day_offset) = (0, 0);
            continue;
        }
        if rest.len() != columns.len() {
            continue;
        }
        if secs < last_clock {
            day_offset += 86_400;
        }
        last_clock = secs;
        let time = start + day_offset + secs;
        let value = |name: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .and_then(|k| rest[k].replace(',', ".").parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let cpu_section = columns.first().map(String::as_str) == Some("CPU")
            && columns.iter().any(|c| c == "%idle");
        let sample = if cpu_section {
            if *first != "all" {
                continue;
            }
            let (idle, iowait) = (value("%idle"), value("%iowait"));
            TextSample {
                time,
                busy_percent: idle.zip(iowait).map(|(i, w)| (100.0 - i - w).max(0.0)),
                iowait_percent: iowait,
                ..TextSample::default()
            }
        } else if columns.iter().any(|c| c == "kbmemfree") {
            TextSample {
                time,
                memory_used_percent: memory_used(&value),
                ..TextSample::default()
            }
        } else if columns.iter().any(|c| c == "runq-sz") {
            TextSample {
                time,
                load_1: value("ldavg-1"),
                ..TextSample::default()
            }
        } else {
            continue;
        };
        if out.value.len() >= MAX_SAMPLES {
            out.errors.push(ParseError::at_line(
                i + 1,
                format!("more than {MAX_SAMPLES} rows: the rest left out"),
            ));
            break;
        }
        out.value.push(sample);
    }
    // One sample per time: the sections' figures joined.
    out.value.sort_by_key(|s| s.time);
    let mut joined: Vec<TextSample> = Vec::with_capacity(out.value.len());
    for s in out.value.drain(..) {
        match joined.last_mut() {
            Some(j) if j.time == s.time => {
                j.busy_percent = j.busy_percent.or(s.busy_percent);
                j.iowait_percent = j.iowait_percent.or(s.iowait_percent);
                j.memory_used_percent = j.memory_used_percent.or(s.memory_used_percent);
                j.load_1 = j.load_1.or(s.load_1);
            }
            _ => joined.push(s),
        }
    }
    out.value = joined;
    Ok(out)
}

/// Memory in use, in percent of the total: the total less what is
/// available (`kbavail`, sysstat 11.2 on; else free, buffers and cache, as
/// lift reads a meminfo without MemAvailable). `kbmemused` meant total
/// less free before sysstat 12 and less buffers, cache and slab too after:
/// the total is whichever sum `%memused` agrees with.
fn memory_used(value: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
    let (free, used) = (value("kbmemfree")?, value("kbmemused")?);
    let (buffers, cached) = (
        value("kbbuffers").unwrap_or(0.0),
        value("kbcached").unwrap_or(0.0),
    );
    let (old_total, new_total) = (
        free + used,
        free + used + buffers + cached + value("kbslab").unwrap_or(0.0),
    );
    let total = match value("%memused").filter(|p| *p > 0.0) {
        Some(pct) => {
            let said = used * 100.0 / pct;
            if (new_total - said).abs() < (old_total - said).abs() {
                new_total
            } else {
                old_total
            }
        }
        None => old_total,
    };
    let avail = value("kbavail").unwrap_or(free + buffers + cached);
    (total > 0.0).then(|| (100.0 * (total - avail) / total).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sysstat/");
        std::fs::read(format!("{root}{name}")).unwrap()
    }

    /// `sar -A` of the file Debian's sadc wrote, against the binary reader
    /// over the same file.
    #[test]
    fn agrees_with_the_binary_file() {
        let text = parse(&fixture("sar-debian12-12.6.1.txt")).unwrap();
        assert!(text.errors.is_empty());
        let binary = crate::parse::sysstat::parse(&fixture("data-debian12-12.6.1"))
            .unwrap()
            .value
            .intervals();
        assert_eq!(text.value.len(), binary.len());
        for (t, b) in text.value.iter().zip(&binary) {
            let busy = b.cpu.unwrap().busy();
            assert!(
                (t.busy_percent.unwrap() - busy).abs() < 0.02,
                "{t:?} vs {busy}"
            );
            assert_eq!(
                t.load_1.unwrap(),
                f64::from(b.queue.unwrap().load_1) / 100.0
            );
            let m = b.memory.unwrap();
            let used = 100.0 * (m.total - m.available) as f64 / m.total as f64;
            assert!(
                (t.memory_used_percent.unwrap() - used).abs() < 0.1,
                "{t:?} vs {used}"
            );
        }
    }

    /// sysstat 9.1.6's own expected `sar -A` output (its tests/), and the
    /// 12-hour clock of an English locale.
    #[test]
    fn old_columns_and_am_pm() {
        let p = parse(&fixture("sar-9.1.6-expected.txt")).unwrap();
        let first = &p.value[0];
        assert_eq!(first.time % 86_400, 8 * 3600 + 17 * 60 + 2);
        assert!(
            (first.busy_percent.unwrap() - 0.25).abs() < 0.001,
            "{first:?}"
        );
        let am_pm = b"Linux 2.6.32-754.el6.x86_64 (web1) \t2026-11-30 \t_x86_64_\t(2 CPU)\n\n01:10:01 PM     CPU     %user     %nice   %system   %iowait    %steal     %idle\n01:20:01 PM     all     10.00      0.00      5.00      1.00      0.00     84.00\n";
        let p = parse(am_pm).unwrap();
        assert_eq!(p.value[0].time % 86_400, 13 * 3600 + 20 * 60 + 1);
        assert_eq!(p.value[0].busy_percent, Some(15.0));
        assert!(parse(b"not sar").is_err());
    }
}
