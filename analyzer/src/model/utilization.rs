//! `host.utilization`: how busy the host has been, from the history sysstat
//! keeps on its own disk (`/var/log/sa/saDD`, `/var/log/sysstat/saDD`):
//! per metric the mean, the 95th percentile and the peak over the newest
//! 31 days of samples, with the window and the files it came from. Where
//! the host keeps no history, the kernel's counters since boot give the
//! means (no percentile, no peak), and `source` says so.

use super::facts::Facts;
use super::since_boot::{self, SinceBoot};
use crate::parse::sar_text;
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
    /// Each day of the history, oldest first: what the charts draw.
    pub daily: Vec<Day>,
    /// The kernel's counters since boot, where the input has them.
    pub since_boot: Option<SinceBoot>,
    /// The machine as its newest binary history file recorded it (null for
    /// text reports and since boot): what sizes a host whose input lacks
    /// /proc (a disk image read with --root).
    pub recorded: Option<Recorded>,
}

/// What an sa file says of the machine that wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// The file, e.g. /var/log/sysstat/sa07.
    pub file: String,
    /// Logical CPUs (the CPU activity's entries after "all").
    pub cpus: Option<u32>,
    /// Total memory (the memory activity's kbmemtotal), in bytes.
    pub memory_bytes: Option<u64>,
    /// `uname -m` in the file's header.
    pub machine: Option<String>,
}

/// One day (UTC, or the host's local time for text reports) of history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// `2026-11-30`
    pub date: String,
    pub samples: usize,
    pub cpu_busy_percent: Option<Summary>,
    pub cpu_iowait_percent: Option<Summary>,
    pub memory_used_percent: Option<Summary>,
    pub load_1: Option<Summary>,
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
                daily: Vec::new(),
                since_boot: Some(b),
                recorded: None,
            })
        }
    }
}

/// The sysstat history's summary; None when the host keeps none.
fn history(f: &Facts<'_>) -> Option<Utilization> {
    binary_history(f).or_else(|| text_history(f))
}

/// One sample of the history, whichever file it came from.
struct Point {
    /// End of the sample, seconds since the epoch.
    time: u64,
    seconds: u64,
    busy: Option<f64>,
    iowait: Option<f64>,
    memory: Option<f64>,
    load: Option<f64>,
}

/// The newest 31 days of points, summarised; files newest first.
fn summarise(mut points: Vec<Point>, source: String, files: Vec<String>) -> Option<Utilization> {
    let newest = points.iter().map(|p| p.time).max()?;
    let oldest_kept = newest.saturating_sub(WINDOW_SECONDS);
    points.retain(|p| p.time >= oldest_kept);
    points.sort_by_key(|p| p.time);
    points.dedup_by_key(|p| p.time);
    let (first, last) = (points.first()?, points.last()?);
    let from = first.time.saturating_sub(first.seconds);
    let of =
        |pick: fn(&Point) -> Option<f64>| Summary::of(points.iter().filter_map(pick).collect());
    let daily = points
        .chunk_by(|a, b| a.time / 86_400 == b.time / 86_400)
        .map(|day| {
            let of = |pick: fn(&Point) -> Option<f64>| {
                Summary::of(day.iter().filter_map(pick).collect())
            };
            Day {
                date: at(day[0].time)[..10].to_string(),
                samples: day.len(),
                cpu_busy_percent: of(|p| p.busy),
                cpu_iowait_percent: of(|p| p.iowait),
                memory_used_percent: of(|p| p.memory),
                load_1: of(|p| p.load),
            }
        })
        .collect();
    Some(Utilization {
        source,
        window: Window {
            from: Some(at(from)),
            to: Some(at(last.time)),
            days: round2((last.time - from) as f64 / 86400.0),
            samples: points.len(),
        },
        cpu_busy_percent: of(|p| p.busy),
        cpu_iowait_percent: of(|p| p.iowait),
        memory_used_percent: of(|p| p.memory),
        load_1: of(|p| p.load),
        files,
        daily,
        since_boot: None,
        recorded: None,
    })
}

/// sysstat's binary files.
fn binary_history(f: &Facts<'_>) -> Option<Utilization> {
    let mut files: Vec<(u64, String, sysstat::SaFile)> = Vec::new();
    for path in f.glob(&src::SYSSTAT_HISTORY) {
        let Some(parsed) = f.parse_at(&src::SYSSTAT_HISTORY, &path, sysstat::parse) else {
            continue;
        };
        let newest = parsed.records.last().map_or(parsed.created, |r| r.time);
        files.push((newest, path, parsed));
    }
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let memory = |i: &Interval| {
        let m = i.memory?;
        (m.total > 0).then(|| 100.0 * m.total.saturating_sub(m.available) as f64 / m.total as f64)
    };
    let points: Vec<Point> = files
        .iter()
        .flat_map(|(_, _, file)| file.intervals())
        .map(|i| Point {
            time: i.time,
            seconds: i.seconds as u64,
            busy: i.cpu.map(|c| c.busy()),
            iowait: i.cpu.map(|c| c.iowait),
            memory: memory(&i),
            load: i.queue.map(|q| f64::from(q.load_1) / 100.0),
        })
        .collect();
    let versions: std::collections::BTreeSet<&str> =
        files.iter().map(|(_, _, f)| f.version.as_str()).collect();
    let source = format!(
        "sysstat {}",
        versions.into_iter().collect::<Vec<_>>().join(", ")
    );
    let recorded = files.first().map(|(_, path, file)| recorded(path, file));
    let mut u = summarise(
        points,
        source,
        files.into_iter().map(|(_, path, _)| path).collect(),
    )?;
    u.recorded = recorded;
    Some(u)
}

/// The machine as an sa file's newest records describe it.
fn recorded(path: &str, file: &sysstat::SaFile) -> Recorded {
    let samples = || {
        file.records.iter().rev().filter_map(|r| match &r.kind {
            sysstat::RecordKind::Stats(s) => Some(s),
            _ => None,
        })
    };
    Recorded {
        file: path.to_string(),
        cpus: samples()
            .find(|s| s.cpu.len() > 1)
            .map(|s| (s.cpu.len() - 1) as u32),
        memory_bytes: samples()
            .find_map(|s| s.memory.filter(|m| m.total > 0))
            .map(|m| m.total.saturating_mul(1024)),
        machine: Some(file.machine.clone()).filter(|m| !m.is_empty()),
    }
}

/// sa2's daily text reports, where no binary file could be read (sysstat
/// 9.0 on CentOS 6): their times are the host's local clock.
fn text_history(f: &Facts<'_>) -> Option<Utilization> {
    let mut points = Vec::new();
    let mut files = Vec::new();
    for path in f.glob(&src::SAR_TEXT) {
        let Some(samples) = f.parse_at(&src::SAR_TEXT, &path, sar_text::parse) else {
            continue;
        };
        let mut previous: Option<u64> = None;
        for s in samples {
            points.push(Point {
                time: s.time,
                seconds: previous.map_or(0, |p| s.time.saturating_sub(p)),
                busy: s.busy_percent,
                iowait: s.iowait_percent,
                memory: s.memory_used_percent,
                load: s.load_1,
            });
            previous = Some(s.time);
        }
        files.push(path);
    }
    files.reverse();
    summarise(
        points,
        "sysstat's sar text reports (the host's local time)".into(),
        files,
    )
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
