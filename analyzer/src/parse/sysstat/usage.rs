//! From cumulative counters to use over an interval, as `sar` computes it
//! (sysstat's `get_per_cpu_interval` and `ll_sp_value`): one [`Interval`]
//! for each pair of statistics records with no restart between them.

use super::{CpuTimes, Memory, Queue, RecordKind, SaFile};

/// Use between two statistics records.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// The later record's time, seconds since the epoch.
    pub time: u64,
    /// The interval's length in seconds, from the uptimes (`0x2175`) or the
    /// wall clock.
    pub seconds: f64,
    pub cpu: Option<CpuShare>,
    /// Memory at the end of the interval.
    pub memory: Option<Memory>,
    pub queue: Option<Queue>,
}

/// Percent of all CPUs' time, as `sar -u` shows it: `user` and `nice` less
/// the guest time they include, `system` with hard and soft interrupts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuShare {
    pub user: f64,
    pub nice: f64,
    pub system: f64,
    pub iowait: f64,
    pub steal: f64,
    pub idle: f64,
}

impl CpuShare {
    /// Time the CPUs were doing work: everything but idle and iowait.
    pub fn busy(&self) -> f64 {
        (100.0 - self.idle - self.iowait).max(0.0)
    }
}

impl SaFile {
    /// One interval for each pair of consecutive statistics records; a
    /// restart starts the counters again, so no interval spans one.
    pub fn intervals(&self) -> Vec<Interval> {
        let mut out = Vec::new();
        let mut previous = None;
        for record in &self.records {
            match &record.kind {
                RecordKind::Restart { .. } => previous = None,
                RecordKind::Comment => {}
                RecordKind::Stats(sample) => {
                    if let Some((time, uptime, before)) = previous {
                        let seconds = if self.format == super::FORMAT_2175 && record.uptime > uptime
                        {
                            (record.uptime - uptime) as f64 / 100.0
                        } else {
                            record.time.saturating_sub(time) as f64
                        };
                        let before: &super::Sample = before;
                        out.push(Interval {
                            time: record.time,
                            seconds,
                            cpu: share(&before.cpu, &sample.cpu),
                            memory: sample.memory,
                            queue: sample.queue,
                        });
                    }
                    previous = Some((record.time, record.uptime, &**sample));
                }
            }
        }
        out
    }
}

/// `sar`'s CPU percentages between two records (sysstat's
/// `get_global_cpu_statistics`): on a machine of several CPUs, "all" is the
/// sum of the CPUs online at both ends; `None` when no tick passed.
fn share(p: &[CpuTimes], c: &[CpuTimes]) -> Option<CpuShare> {
    let (mut before, mut after, mut ticks) = (CpuTimes::default(), CpuTimes::default(), 0u64);
    if c.len() > 1 && p.len() == c.len() {
        for (p, c) in p[1..].iter().zip(&c[1..]) {
            if total(c) == 0 || total(p) == 0 {
                // Offline at one end: left out, as sar leaves it out.
                continue;
            }
            let mut p = *p;
            ticks = ticks.wrapping_add(per_cpu_interval(&mut p, c));
            add(&mut before, &p);
            add(&mut after, c);
        }
    } else {
        let (mut p, c) = (*p.first()?, *c.first()?);
        ticks = per_cpu_interval(&mut p, &c);
        (before, after) = (p, c);
    }
    if ticks == 0 {
        return None;
    }
    // sysstat's ll_sp_value: a counter that went backwards counts as zero.
    let pct = |b: u64, a: u64| {
        if a < b {
            0.0
        } else {
            (a - b) as f64 / ticks as f64 * 100.0
        }
    };
    let (p, c) = (before, after);
    Some(CpuShare {
        user: pct(p.user, c.user),
        nice: pct(p.nice, c.nice),
        system: pct(
            p.system.wrapping_add(p.hardirq).wrapping_add(p.softirq),
            c.system.wrapping_add(c.hardirq).wrapping_add(c.softirq),
        ),
        iowait: pct(p.iowait, c.iowait),
        steal: pct(p.steal, c.steal),
        idle: if c.idle < p.idle {
            0.0
        } else {
            pct(p.idle, c.idle)
        },
    })
}

/// Ticks a CPU counted (guest time is inside user and nice already).
fn total(t: &CpuTimes) -> u64 {
    [
        t.user, t.nice, t.system, t.idle, t.iowait, t.hardirq, t.steal, t.softirq,
    ]
    .iter()
    .fold(0u64, |sum, v| sum.wrapping_add(*v))
}

fn add(sum: &mut CpuTimes, t: &CpuTimes) {
    sum.user = sum.user.wrapping_add(t.user);
    sum.nice = sum.nice.wrapping_add(t.nice);
    sum.system = sum.system.wrapping_add(t.system);
    sum.idle = sum.idle.wrapping_add(t.idle);
    sum.iowait = sum.iowait.wrapping_add(t.iowait);
    sum.steal = sum.steal.wrapping_add(t.steal);
    sum.hardirq = sum.hardirq.wrapping_add(t.hardirq);
    sum.softirq = sum.softirq.wrapping_add(t.softirq);
    sum.guest = sum.guest.wrapping_add(t.guest);
    sum.guest_nice = sum.guest_nice.wrapping_add(t.guest_nice);
}

/// sysstat's `get_per_cpu_interval`: the ticks between two readings of one
/// CPU, mending the previous idle and iowait where the kernel restarted
/// them (a CPU back online) or moved iowait to idle.
fn per_cpu_interval(p: &mut CpuTimes, c: &CpuTimes) -> u64 {
    const NEAR_MAX: u64 = u64::MAX - 0x7ffff;
    let mut shift = 0u64;
    if c.user >= p.user && c.user.wrapping_sub(c.guest) < p.user.wrapping_sub(p.guest) {
        shift = shift.wrapping_add(
            p.user
                .wrapping_sub(p.guest)
                .wrapping_sub(c.user.wrapping_sub(c.guest)),
        );
    }
    if c.nice >= p.nice && c.nice.wrapping_sub(c.guest_nice) < p.nice.wrapping_sub(p.guest_nice) {
        shift = shift.wrapping_add(
            p.nice
                .wrapping_sub(p.guest_nice)
                .wrapping_sub(c.nice.wrapping_sub(c.guest_nice)),
        );
    }
    if c.iowait < p.iowait && p.iowait < NEAR_MAX {
        p.iowait = if c.idle > p.idle || p.idle >= NEAR_MAX {
            c.iowait
        } else {
            0
        };
    }
    if c.idle < p.idle && p.idle < NEAR_MAX {
        p.idle = 0;
    }
    let delta = |b: u64, a: u64| a.saturating_sub(b);
    [
        delta(p.user, c.user),
        delta(p.nice, c.nice),
        delta(p.system, c.system),
        delta(p.iowait, c.iowait),
        delta(p.idle, c.idle),
        delta(p.steal, c.steal),
        delta(p.hardirq, c.hardirq),
        delta(p.softirq, c.softirq),
    ]
    .iter()
    .fold(shift, |sum, v| sum.wrapping_add(*v))
}
