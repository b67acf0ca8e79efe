//! `host.utilization`: how busy the host has been, from the history sysstat
//! keeps on its own disk (`/var/log/sa/saDD`, `/var/log/sysstat/saDD`):
//! per metric the mean, the 95th percentile and the peak over the newest
//! 31 days of samples, with the window and the files it came from. Where
//! the host keeps no history, the kernel's counters since boot give the
//! means (no percentile, no peak), and `source` says so.

use super::facts::Facts;
use super::since_boot::{self, SinceBoot};
use crate::parse::sysstat::{self, Interval};
use crate::sources as src;
use lift_bundle::Timestamp;
use serde::Serialize;

/// At most this much history is weighed: about a month, newest first.
const WINDOW_SECONDS: u64 = 31 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utilization {
    /// Where the figures come from: "sysstat 12.6.1", or "since boot".
    pub source: String,
    pub window: Window,
    /// Percent of all CPUs' time spent working (not idle, not waiting for I/O).
    pub cpu_busy_percent: Option<Summary>,
    pub cpu_iowait_percent: Option<Summary>,
    /// Percent of memory in use: total less what the kernel says is available.
    pub memory_used_percent: Option<Summary>,
    /// The one-minute load average.
    pub load_1: Option<Summary>,
    /// The history files read, newest first.
    pub files: Vec<String>,
    /// The kernel's counters since boot, where the input has them.
    pub since_boot: Option<SinceBoot>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    /// Null where the input does not say when it was collected.
    pub from: Option<String>,
    pub to: Option<String>,
    pub days: f64,
    pub samples: usize,
}

/// One metric over the window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    /// Null for a mean since boot.
    pub p95: Option<f64>,
    pub peak: Option<f64>,
}

impl Summary {
    /// None for no values; the 95th percentile by nearest rank.
    pub fn of(mut values: Vec<f64>) -> Option<Summary> {
        values.retain(|v| v.is_finite());
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let rank = (0.95 * n as f64).ceil() as usize;
        Some(Summary {
            mean: round2(values.iter().sum::<f64>() / n as f64),
            p95: Some(round2(values[rank.clamp(1, n) - 1])),
            peak: Some(round2(values[n - 1])),
        })
    }
}

fn at(secs: u64) -> String {
    Timestamp {
        secs: secs.min(i64::MAX as u64) as i64,
        nanos: 0,
    }
    .rfc3339()
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// None when the input has neither history nor counters since boot; a
/// history file that could not be read is named in the notes.
/// `collected_at` is the probe's start, seconds since the epoch.
pub fn utilization(
    f: &Facts<'_>,
    uptime: Option<u64>,
    collected_at: Option<i64>,
) -> Option<Utilization> {
    let boot = since_boot::since_boot(f, uptime);
    match history(f) {
        Some(mut u) => {
            u.since_boot = boot;
            Some(u)
        }
        None => {
            let b = boot?;
            let mean = |v: Option<f64>| {
                v.map(|mean| Summary {
                    mean,
                    p95: None,
                    peak: None,
                })
            };
            let to = collected_at.map(|t| t.max(0) as u64);
            Some(Utilization {
                source: "since boot".into(),
                window: Window {
                    from: to.map(|t| at(t.saturating_sub(b.seconds))),
                    to: to.map(at),
                    days: round2(b.seconds as f64 / 86400.0),
                    samples: 0,
                },
                cpu_busy_percent: mean(b.cpu_busy_percent),
                cpu_iowait_percent: mean(b.cpu_iowait_percent),
                memory_used_percent: None,
                load_1: None,
                files: Vec::new(),
                since_boot: Some(b),
            })
        }
    }
}

/// The sysstat history's summary; None when the host keeps none.
fn history(f: &Facts<'_>) -> Option<Utilization> {
    let mut files: Vec<(u64, String, sysstat::SaFile)> = Vec::new();
    for path in f.glob(&src::SYSSTAT_HISTORY) {
        let Some(partial) = f.parse_at(&src::SYSSTAT_HISTORY, &path, sysstat::parse) else {
            continue;
        };
        for e in partial.errors {
            f.problem(&path, e.to_string());
        }
        let parsed = partial.value;
        let newest = parsed.records.last().map_or(parsed.created, |r| r.time);
        files.push((newest, path, parsed));
    }
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let newest = files.first()?.0;
    let oldest_kept = newest.saturating_sub(WINDOW_SECONDS);
    let mut intervals: Vec<Interval> = files
        .iter()
        .flat_map(|(_, _, file)| file.intervals())
        .filter(|i| i.time >= oldest_kept && i.time <= newest)
        .collect();
    intervals.sort_by_key(|i| i.time);
    intervals.dedup_by_key(|i| i.time);
    let (first, last) = (intervals.first()?, intervals.last()?);
    let from = first.time.saturating_sub(first.seconds as u64);
    let memory = |i: &Interval| {
        let m = i.memory?;
        (m.total > 0).then(|| 100.0 * m.total.saturating_sub(m.available) as f64 / m.total as f64)
    };
    let versions: std::collections::BTreeSet<&str> =
        files.iter().map(|(_, _, f)| f.version.as_str()).collect();
    Some(Utilization {
        source: format!(
            "sysstat {}",
            versions.into_iter().collect::<Vec<_>>().join(", ")
        ),
        window: Window {
            from: Some(at(from)),
            to: Some(at(last.time)),
            days: round2((last.time - from) as f64 / 86400.0),
            samples: intervals.len(),
        },
        cpu_busy_percent: Summary::of(
            intervals
                .iter()
                .filter_map(|i| Some(i.cpu?.busy()))
                .collect(),
        ),
        cpu_iowait_percent: Summary::of(
            intervals
                .iter()
                .filter_map(|i| Some(i.cpu?.iowait))
                .collect(),
        ),
        memory_used_percent: Summary::of(intervals.iter().filter_map(memory).collect()),
        load_1: Summary::of(
            intervals
                .iter()
                .filter_map(|i| Some(f64::from(i.queue?.load_1) / 100.0))
                .collect(),
        ),
        files: files.into_iter().map(|(_, path, _)| path).collect(),
        since_boot: None,
    })
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn summary_by_nearest_rank() {
        let s = Summary::of((1..=100).map(f64::from).collect()).unwrap();
        assert_eq!((s.mean, s.p95, s.peak), (50.5, Some(95.0), Some(100.0)));
        let one = Summary::of(vec![3.0]).unwrap();
        assert_eq!((one.mean, one.p95, one.peak), (3.0, Some(3.0), Some(3.0)));
        assert_eq!(Summary::of(vec![f64::NAN]), None);
    }
}
