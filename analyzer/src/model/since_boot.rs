//! `host.utilization.since_boot`: the kernel's counters since boot divided
//! by the uptime: CPU busy and iowait (all CPUs and each), swap traffic,
//! each disk's and interface's average rates, and the pressure stall
//! averages where the kernel keeps them. The only figures a host without
//! history has; a mean over the whole uptime, with no peak.

use super::facts::Facts;
use crate::parse::counters::{self, CpuTicks};
use crate::sources as src;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SinceBoot {
    pub seconds: u64,
    pub cpu_busy_percent: Option<f64>,
    pub cpu_iowait_percent: Option<f64>,
    pub per_cpu: Vec<CoreUse>,
    pub swap_in_pages_per_second: Option<f64>,
    pub swap_out_pages_per_second: Option<f64>,
    /// Whole disks with any I/O since boot (partitions, loop and RAM
    /// devices left out).
    pub disks: Vec<DiskUse>,
    pub interfaces: Vec<InterfaceUse>,
    /// Five-minute stall averages at collection (Linux 4.20 and later).
    pub pressure: Option<PressureUse>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoreUse {
    pub cpu: u32,
    pub busy_percent: f64,
    pub iowait_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskUse {
    pub name: String,
    pub iops: f64,
    pub read_bytes_per_second: f64,
    pub write_bytes_per_second: f64,
    pub busy_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterfaceUse {
    pub name: String,
    pub rx_bytes_per_second: f64,
    pub tx_bytes_per_second: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PressureUse {
    pub cpu_some_percent: Option<f64>,
    pub io_some_percent: Option<f64>,
    pub io_full_percent: Option<f64>,
    pub memory_some_percent: Option<f64>,
    pub memory_full_percent: Option<f64>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Busy and iowait percent of one tick count; None for no ticks.
fn shares(t: &CpuTicks) -> Option<(f64, f64)> {
    let total = t.total();
    (total > 0).then(|| {
        let pct = |v: u64| round2(v as f64 * 100.0 / total as f64);
        (
            pct(total - t.idle.min(total) - t.iowait.min(total - t.idle.min(total))),
            pct(t.iowait),
        )
    })
}

/// Partitions are left out: a name that is a listed disk's name followed by
/// digits (`sda1`) or `p` and digits (`nvme0n1p2`).
fn is_partition(name: &str, all: &[counters::DiskCounters]) -> bool {
    all.iter().any(|d| {
        name.strip_prefix(d.name.as_str()).is_some_and(|rest| {
            let rest = rest.strip_prefix('p').unwrap_or(rest);
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// None when the input has no uptime (`host.uptime_seconds`) or none of
/// the counters.
pub fn since_boot(f: &Facts<'_>, uptime: Option<u64>) -> Option<SinceBoot> {
    let uptime = uptime.filter(|&u| u > 0)? as f64;
    let per_s = |v: u64| round2(v as f64 / uptime);
    let stat = f.parse(&src::PROC_STAT, counters::parse_stat);
    let (busy, iowait) = match stat.as_ref().and_then(|s| s.all.as_ref()).and_then(shares) {
        Some((b, w)) => (Some(b), Some(w)),
        None => (None, None),
    };
    let per_cpu = stat
        .iter()
        .flat_map(|s| &s.each)
        .filter_map(|(cpu, t)| {
            let (busy_percent, iowait_percent) = shares(t)?;
            Some(CoreUse {
                cpu: *cpu,
                busy_percent,
                iowait_percent,
            })
        })
        .collect();
    let swap = f.parse(&src::VMSTAT, counters::parse_vmstat_swap).flatten();
    let all_disks = f
        .parse(&src::DISKSTATS, counters::parse_diskstats)
        .unwrap_or_default();
    let disks = all_disks
        .iter()
        .filter(|d| d.reads + d.writes > 0)
        .filter(|d| {
            !["loop", "ram", "zram", "fd", "sr"]
                .iter()
                .any(|p| d.name.starts_with(p))
        })
        .filter(|d| !is_partition(&d.name, &all_disks))
        .map(|d| DiskUse {
            name: d.name.clone(),
            iops: per_s(d.reads.saturating_add(d.writes)),
            read_bytes_per_second: per_s(d.read_sectors.saturating_mul(512)),
            write_bytes_per_second: per_s(d.write_sectors.saturating_mul(512)),
            busy_percent: round2((d.busy_ms as f64 / 10.0 / uptime).min(100.0)),
        })
        .collect();
    let interfaces = f
        .parse(&src::NET_DEV, counters::parse_net_dev)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.name != "lo" && n.rx_bytes + n.tx_bytes > 0)
        .map(|n| InterfaceUse {
            rx_bytes_per_second: per_s(n.rx_bytes),
            tx_bytes_per_second: per_s(n.tx_bytes),
            name: n.name,
        })
        .collect();
    let pressure_of = |what: &str| {
        let path = src::PRESSURE.at(&[what]);
        f.parse_at(&src::PRESSURE, &path, counters::parse_pressure)
    };
    let (cpu_p, io_p, mem_p) = (pressure_of("cpu"), pressure_of("io"), pressure_of("memory"));
    let pressure = (cpu_p.is_some() || io_p.is_some() || mem_p.is_some()).then(|| PressureUse {
        cpu_some_percent: cpu_p.map(|p| p.some_avg300),
        io_some_percent: io_p.map(|p| p.some_avg300),
        io_full_percent: io_p.and_then(|p| p.full_avg300),
        memory_some_percent: mem_p.map(|p| p.some_avg300),
        memory_full_percent: mem_p.and_then(|p| p.full_avg300),
    });
    let out = SinceBoot {
        seconds: uptime as u64,
        cpu_busy_percent: busy,
        cpu_iowait_percent: iowait,
        per_cpu,
        swap_in_pages_per_second: swap.map(|(i, _)| per_s(i)),
        swap_out_pages_per_second: swap.map(|(_, o)| per_s(o)),
        disks,
        interfaces,
        pressure,
    };
    let any = out.cpu_busy_percent.is_some()
        || out.swap_in_pages_per_second.is_some()
        || !out.disks.is_empty();
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_is_all_but_idle_and_iowait() {
        let t = CpuTicks {
            user: 30,
            system: 10,
            idle: 50,
            iowait: 10,
            ..CpuTicks::default()
        };
        assert_eq!(shares(&t), Some((40.0, 10.0)));
        assert_eq!(shares(&CpuTicks::default()), None);
    }

    #[test]
    fn partitions_are_told_from_disks() {
        let d = |n: &str| counters::DiskCounters {
            major: 8,
            minor: 0,
            name: n.into(),
            reads: 1,
            read_sectors: 1,
            writes: 1,
            write_sectors: 1,
            busy_ms: 1,
        };
        let all = [d("sda"), d("sda1"), d("nvme0n1"), d("nvme0n1p2"), d("sdb")];
        assert!(is_partition("sda1", &all) && is_partition("nvme0n1p2", &all));
        assert!(
            !is_partition("sda", &all)
                && !is_partition("sdb", &all)
                && !is_partition("nvme0n1", &all)
        );
    }
}
