//! What to provision on the target: the catalog row that holds the host as
//! it is (its vCPUs and memory), and the one that holds what it uses (the
//! 95th percentile of its history plus a headroom), each with why.
//!
//! The catalog is the target's shipped one (EC2 for `aws-mgn` and `ec2`,
//! Azure for `azure`) or the user's (`--catalog`, which every target takes;
//! OpenStack's flavours are only ever the user's).

pub mod catalog;
pub mod volumes;

use serde::Serialize;

use crate::model::utilization::Utilization;
use crate::model::Host;
use crate::profile::Profile;
pub use catalog::{Catalog, CatalogError, Row};

/// The `--catalog` and `--headroom` the analyst chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Replaces the shipped catalog for every target.
    pub catalog: Option<&'static Catalog>,
    /// Percent added to the measured use before choosing.
    pub headroom_percent: u32,
}

impl Default for Choice {
    fn default() -> Self {
        Choice {
            catalog: None,
            headroom_percent: 30,
        }
    }
}

/// The report's `sizing` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    /// Which catalog the rows come from.
    pub catalog: String,
    pub headroom_percent: u32,
    /// The host as it is: logical CPUs and memory.
    pub vcpus: Option<u32>,
    pub memory_gib: Option<f64>,
    /// The architecture rows are matched on.
    pub arch: Option<String>,
    /// The smallest row that holds the host as it is.
    pub as_is: Option<Pick>,
    /// The smallest row that holds what the host uses, with the headroom.
    pub right_sized: Option<Pick>,
    /// Why a recommendation is missing (no CPU count, no history, no row
    /// large enough).
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    pub name: String,
    pub vcpus: u32,
    pub memory_gib: f64,
    pub family: Option<String>,
    /// What the row had to hold.
    pub needs_vcpus: u32,
    pub needs_memory_gib: f64,
    pub why: String,
}

fn gib(mib: u64) -> f64 {
    (mib as f64 / 1024.0 * 100.0).round() / 100.0
}

/// The catalog for a profile: the user's, else the shipped one; None for
/// `generic`, and for `openstack` without `--catalog`.
fn catalog_for(profile: Profile, choice: &Choice) -> Option<Catalog> {
    if let Some(c) = choice.catalog {
        return Some(c.clone());
    }
    match profile {
        Profile::AwsMgn | Profile::Ec2 => Catalog::shipped("ec2"),
        Profile::Azure => Catalog::shipped("azure"),
        Profile::Openstack | Profile::Generic => None,
    }
}

/// The architecture a row must run: 32-bit x86 hosts are sized on x86_64.
fn arch_of(host: &Host) -> Option<String> {
    host.kernel.arch.as_deref().map(normal_arch)
}

fn normal_arch(arch: &str) -> String {
    match arch {
        "i386" | "i486" | "i586" | "i686" | "amd64" => "x86_64".into(),
        "arm64" => "aarch64".into(),
        other => other.to_string(),
    }
}

/// CPU use (percent) at or under which a burstable row (T3's baseline is
/// 20% of each vCPU for most sizes) can carry the host.
const BURSTABLE_CPU: f64 = 20.0;

fn burstable(r: &Row) -> bool {
    r.family.as_deref().is_some_and(|f| f.contains("burstable"))
}

/// The smallest row (fewest vCPUs, then least memory, then the catalog's
/// order) of the right architecture that holds `vcpus` and `memory_mib`;
/// burstable rows only where `bursts` (the host is mostly idle).
fn smallest<'c>(
    c: &'c Catalog,
    arch: Option<&str>,
    vcpus: u32,
    memory_mib: u64,
    bursts: bool,
) -> Option<&'c Row> {
    c.rows
        .iter()
        .filter(|r| match (r.arch.as_deref(), arch) {
            (Some(row), Some(host)) => row == host,
            _ => true,
        })
        .filter(|r| bursts || !burstable(r))
        .filter(|r| r.vcpus >= vcpus && r.memory_mib >= memory_mib)
        .min_by_key(|r| (r.vcpus, r.memory_mib))
}

fn pick(row: &Row, vcpus: u32, memory_mib: u64, why: String) -> Pick {
    Pick {
        name: row.name.clone(),
        vcpus: row.vcpus,
        memory_gib: gib(row.memory_mib),
        family: row.family.clone(),
        needs_vcpus: vcpus,
        needs_memory_gib: gib(memory_mib),
        why,
    }
}

/// What the host uses: CPU and memory percentages and where they come from.
fn measured(u: &Utilization, host: &Host) -> Option<(f64, Option<f64>, String)> {
    let cpu = u.cpu_busy_percent?;
    if let Some(p95) = cpu.p95 {
        let mem = u.memory_used_percent.and_then(|m| m.p95);
        let basis = format!("{}, {} days", u.source, u.window.days);
        return Some((p95, mem, format!("p95 over {basis}")));
    }
    // Since boot: a mean, and memory as it was at collection.
    let m = &host.memory;
    let mem = match (m.total_bytes, m.available_bytes) {
        (Some(t), Some(a)) if t > 0 => Some(100.0 * t.saturating_sub(a) as f64 / t as f64),
        _ => None,
    };
    Some((
        cpu.mean,
        mem,
        "mean since boot; no history, so peaks are unknown".into(),
    ))
}

/// None for a profile with no catalog.
pub fn size(host: &Host, profile: Profile, choice: &Choice) -> Option<Sizing> {
    let catalog = catalog_for(profile, choice)?;
    // The input's own /proc first; else what the newest sa file recorded
    // of the machine (a disk image read with --root has no /proc).
    let recorded = host.utilization.as_ref().and_then(|u| u.recorded.as_ref());
    let own_vcpus = host
        .cpu
        .as_ref()
        .map(|c| c.logical_cpus as u32)
        .filter(|&v| v > 0);
    let vcpus = own_vcpus.or(recorded.and_then(|r| r.cpus).filter(|&v| v > 0));
    let own_memory = host.memory.total_bytes;
    let memory_mib = own_memory
        .or(recorded.and_then(|r| r.memory_bytes))
        .map(|b| b.div_ceil(1 << 20));
    let from_history = match (own_vcpus.is_none() || own_memory.is_none(), recorded) {
        (true, Some(r)) if vcpus.is_some() && memory_mib.is_some() => {
            format!(
                " (as {} recorded it: no /proc/cpuinfo or /proc/meminfo)",
                r.file
            )
        }
        _ => String::new(),
    };
    let arch =
        arch_of(host).or_else(|| recorded.and_then(|r| r.machine.as_deref()).map(normal_arch));
    let h = choice.headroom_percent;
    let mut out = Sizing {
        catalog: catalog.name.clone(),
        headroom_percent: h,
        vcpus,
        memory_gib: memory_mib.map(gib),
        arch: arch.clone(),
        as_is: None,
        right_sized: None,
        unknown: Vec::new(),
    };
    let (Some(vcpus), Some(memory_mib)) = (vcpus, memory_mib) else {
        out.unknown.push(
            "the host's CPU count or memory is not known (/proc/cpuinfo, /proc/meminfo)".into(),
        );
        return Some(out);
    };
    match smallest(&catalog, arch.as_deref(), vcpus, memory_mib, false) {
        Some(row) => {
            let why = format!(
                "the smallest row with at least {vcpus} vCPUs and {} GiB, as the host has{from_history}",
                gib(memory_mib)
            );
            out.as_is = Some(pick(row, vcpus, memory_mib, why));
        }
        None => out.unknown.push(format!(
            "no row of the catalog holds {vcpus} vCPUs and {} GiB",
            gib(memory_mib)
        )),
    }
    let Some((cpu, mem, basis)) = host.utilization.as_ref().and_then(|u| measured(u, host)) else {
        out.unknown.push("nothing says how busy the host is (no sysstat history, no counters since boot), so no right size".into());
        return Some(out);
    };
    let grow = 1.0 + f64::from(h) / 100.0;
    let want_vcpus = f64::from(vcpus) * cpu / 100.0 * grow;
    let need_vcpus = (want_vcpus.ceil() as u32).clamp(1, vcpus);
    let need_mib = match mem {
        Some(m) => ((memory_mib as f64 * m / 100.0 * grow).ceil() as u64).clamp(512, memory_mib),
        None => memory_mib,
    };
    // Never more than the host has: a host busy past 1 / (1 + headroom)
    // of its CPUs keeps them all, and the why says so.
    let capped = if want_vcpus > f64::from(vcpus) {
        format!(" ({want_vcpus:.1} vCPUs, capped at the host's {vcpus}: it is CPU-bound at its p95, and may want more)")
    } else {
        String::new()
    };
    let mem_words = match mem {
        Some(m) => format!("memory {m:.1}% used"),
        None => "memory use unknown, so all of it".into(),
    };
    match smallest(
        &catalog,
        arch.as_deref(),
        need_vcpus,
        need_mib,
        cpu <= BURSTABLE_CPU,
    ) {
        Some(row) => {
            let why = format!("CPU {cpu:.1}% busy and {mem_words} ({basis}), plus {h}% headroom: {need_vcpus} vCPUs and {} GiB{capped}", gib(need_mib));
            out.right_sized = Some(pick(row, need_vcpus, need_mib, why));
        }
        None => out.unknown.push(format!(
            "no row of the catalog holds {need_vcpus} vCPUs and {} GiB",
            gib(need_mib)
        )),
    }
    Some(out)
}

#[cfg(test)]
mod tests;
