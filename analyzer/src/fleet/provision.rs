//! What each host asks of the target, for the fleet: its size as it is
//! and as used, its disks, and the catalog rows chosen for it; the rows of
//! `utilization.jsonl` and `volumes.jsonl`; and the fleet's totals on the
//! index (issue 27).

use serde::{Deserialize, Serialize};

use crate::report::fleet::Totals;
use crate::report::Report;
use crate::sizing::volumes;

/// One host's figures, kept in its summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provision {
    pub vcpus: Option<u32>,
    pub memory_bytes: Option<u64>,
    /// The 95th percentile of CPU busy and memory used (percent), from the
    /// host's history; the means since boot where it keeps none.
    pub cpu_p95: Option<f64>,
    pub memory_p95: Option<f64>,
    /// Where those figures come from (`sysstat 12.6.1`, `since boot`).
    pub utilization_source: Option<String>,
    pub disks_allocated_bytes: Option<u64>,
    pub disks_used_bytes: Option<u64>,
    /// The catalog rows chosen (null for a profile with no catalog).
    pub as_is: Option<String>,
    pub right_sized: Option<String>,
    /// The right-sized row's vCPUs and memory, for the fleet's totals.
    pub right_vcpus: Option<u32>,
    pub right_memory_gib: Option<f64>,
}

impl Provision {
    pub fn new(report: &Report) -> Provision {
        let host = &report.host;
        let u = host.utilization.as_ref();
        let pick =
            |s: Option<crate::model::utilization::Summary>| s.map(|s| s.p95.unwrap_or(s.mean));
        let volumes = volumes::volumes(host);
        let sum = |f: fn(&volumes::PlannedVolume) -> Option<u64>| {
            volumes
                .as_ref()
                .and_then(|v| v.iter().map(f).sum::<Option<u64>>())
        };
        let sizing = report.sizing.as_ref();
        let right = sizing.and_then(|s| s.right_sized.as_ref());
        Provision {
            vcpus: host.cpu.as_ref().map(|c| c.logical_cpus as u32),
            memory_bytes: host.memory.total_bytes,
            cpu_p95: u.and_then(|u| pick(u.cpu_busy_percent)),
            memory_p95: u.and_then(|u| pick(u.memory_used_percent)),
            utilization_source: u.map(|u| u.source.clone()),
            disks_allocated_bytes: sum(|v| Some(v.allocated_bytes)),
            disks_used_bytes: sum(|v| v.used_bytes),
            as_is: sizing
                .and_then(|s| s.as_is.as_ref())
                .map(|p| p.name.clone()),
            right_sized: right.map(|p| p.name.clone()),
            right_vcpus: right.map(|p| p.vcpus),
            right_memory_gib: right.map(|p| p.memory_gib),
        }
    }
}

/// One row of utilization.jsonl: the history's (or since boot's) summary,
/// flat, for a warehouse.
#[derive(Serialize)]
pub struct UtilizationRow {
    pub source: String,
    pub window_from: Option<String>,
    pub window_to: Option<String>,
    pub days: f64,
    pub samples: usize,
    pub cpu_busy_mean: Option<f64>,
    pub cpu_busy_p95: Option<f64>,
    pub cpu_busy_peak: Option<f64>,
    pub cpu_iowait_p95: Option<f64>,
    pub memory_used_mean: Option<f64>,
    pub memory_used_p95: Option<f64>,
    pub memory_used_peak: Option<f64>,
    pub load_1_p95: Option<f64>,
    pub vcpus: Option<u32>,
    pub memory_bytes: Option<u64>,
}

pub fn utilization_rows(report: &Report) -> Vec<UtilizationRow> {
    let host = &report.host;
    let Some(u) = &host.utilization else {
        return Vec::new();
    };
    vec![UtilizationRow {
        source: u.source.clone(),
        window_from: u.window.from.clone(),
        window_to: u.window.to.clone(),
        days: u.window.days,
        samples: u.window.samples,
        cpu_busy_mean: u.cpu_busy_percent.map(|s| s.mean),
        cpu_busy_p95: u.cpu_busy_percent.and_then(|s| s.p95),
        cpu_busy_peak: u.cpu_busy_percent.and_then(|s| s.peak),
        cpu_iowait_p95: u.cpu_iowait_percent.and_then(|s| s.p95),
        memory_used_mean: u.memory_used_percent.map(|s| s.mean),
        memory_used_p95: u.memory_used_percent.and_then(|s| s.p95),
        memory_used_peak: u.memory_used_percent.and_then(|s| s.peak),
        load_1_p95: u.load_1.and_then(|s| s.p95),
        vcpus: host.cpu.as_ref().map(|c| c.logical_cpus as u32),
        memory_bytes: host.memory.total_bytes,
    }]
}

pub fn volume_rows(report: &Report) -> Vec<volumes::PlannedVolume> {
    volumes::volumes(&report.host).unwrap_or_default()
}

/// The fleet's totals ([`Totals`], the index's): each host's figures
/// counted in.
impl Totals {
    pub fn add(&mut self, p: &Provision) {
        const GIB: f64 = (1u64 << 30) as f64;
        self.hosts += 1;
        self.sized_hosts += usize::from(p.vcpus.is_some());
        self.vcpus += u64::from(p.vcpus.unwrap_or(0));
        self.memory_gib += p.memory_bytes.unwrap_or(0) as f64 / GIB;
        if let (Some(v), Some(m)) = (p.right_vcpus, p.right_memory_gib) {
            self.right_sized_hosts += 1;
            self.right_sized_vcpus += u64::from(v);
            self.right_sized_memory_gib += m;
        }
        self.disks_allocated_gib += p.disks_allocated_bytes.unwrap_or(0) as f64 / GIB;
        self.disks_used_gib += p.disks_used_bytes.unwrap_or(0) as f64 / GIB;
    }
}
