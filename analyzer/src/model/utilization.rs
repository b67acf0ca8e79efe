//! `host.utilization`: how busy the host has been, from the history sysstat
//! keeps on its own disk (`/var/log/sa/saDD`, `/var/log/sysstat/saDD`):
//! per metric the mean, the 95th percentile and the peak over the newest
//! 31 days of samples, with the window and the files it came from.

use super::facts::Facts;
use crate::parse::sysstat::{self, Interval};
use crate::sources as src;
use lift_bundle::Timestamp;
use serde::Serialize;

/// At most this much history is weighed: about a month, newest first.
const WINDOW_SECONDS: u64 = 31 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utilization {
    /// Where the figures come from, e.g. "sysstat 12.6.1".
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub from: String,
    pub to: String,
    pub days: f64,
    pub samples: usize,
}

/// One metric over the window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub p95: f64,
    pub peak: f64,
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
            p95: round2(values[rank.clamp(1, n) - 1]),
            peak: round2(values[n - 1]),
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

/// None when the host keeps no sysstat history (or none could be read:
/// the ledger says which file and why).
pub fn utilization(f: &Facts<'_>) -> Option<Utilization> {
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
            from: at(from),
            to: at(last.time),
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
    })
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn summary_by_nearest_rank() {
        let s = Summary::of((1..=100).map(f64::from).collect()).unwrap();
        assert_eq!((s.mean, s.p95, s.peak), (50.5, 95.0, 100.0));
        let one = Summary::of(vec![3.0]).unwrap();
        assert_eq!((one.mean, one.p95, one.peak), (3.0, 3.0, 3.0));
        assert_eq!(Summary::of(vec![f64::NAN]), None);
    }
}
