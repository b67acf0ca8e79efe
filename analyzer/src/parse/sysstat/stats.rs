//! The statistics structures of the activities lift reads, in each layout
//! sysstat has written them (rd_stats.h for the current ones, sa_conv.h for
//! the older ones), by activity magic.

use super::layout::{word32, word64, Bytes};
use super::{c_string, Activity, FileActivity, Sample};

/// Cumulative clock ticks, as /proc/stat counts them (`guest` is included
/// in `user`, `guest_nice` in `nice`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub steal: u64,
    pub hardirq: u64,
    pub softirq: u64,
    pub guest: u64,
    pub guest_nice: u64,
}

/// Memory at the sample's time, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    pub total: u64,
    pub free: u64,
    /// `MemAvailable`; sysstat writes `free` here where the kernel (before
    /// 3.14) or the file (before sysstat 11.2) has none.
    pub available: u64,
    pub buffers: u64,
    pub cached: u64,
    pub slab: u64,
    pub committed: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

/// Run queue and load averages (the load is a hundred times the average).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queue {
    pub running: u64,
    pub threads: u64,
    pub blocked: u64,
    pub load_1: u32,
    pub load_5: u32,
    pub load_15: u32,
}

/// One block device's cumulative counters (sectors are 512 bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Disk {
    pub major: u32,
    pub minor: u32,
    pub ios: u64,
    pub read_sectors: u64,
    pub write_sectors: u64,
    /// Milliseconds the device was busy.
    pub busy_ms: u32,
}

/// One network interface's cumulative counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDev {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub tx_packets: u64,
}

/// The ten counters in the order every layout keeps them.
fn cpu_times(field: impl Fn(usize) -> Option<u64>) -> CpuTimes {
    let v = |i| field(i).unwrap_or(0);
    CpuTimes {
        user: v(0),
        nice: v(1),
        system: v(2),
        idle: v(3),
        iowait: v(4),
        steal: v(5),
        hardirq: v(6),
        softirq: v(7),
        guest: v(8),
        guest_nice: v(9),
    }
}

/// The memory fields in the order every layout keeps them (kbavail, the
/// 17th, came in sysstat 11.2 without a new magic: free where missing).
fn memory(field: impl Fn(usize) -> Option<u64>) -> Memory {
    let v = |i| field(i).unwrap_or(0);
    Memory {
        free: v(0),
        buffers: v(1),
        cached: v(2),
        total: v(3),
        swap_free: v(4),
        swap_total: v(5),
        committed: v(7),
        slab: v(12),
        available: field(16).unwrap_or_else(|| v(0)),
    }
}

/// Interfaces' names are at most this long (sysstat's MAX_IFACE_LEN).
const IFACE_LEN: usize = 16;

/// The current layouts (format `0x2175`), found through the field counts
/// the file declares; a magic lift does not know leaves the activity out.
pub(super) fn decode(
    a: &FileActivity,
    nr: u32,
    items: &[u8],
    b: &Bytes<'_>,
    long_64: bool,
    sample: &mut Sample,
) {
    let size = a.size as usize;
    let item = |i: usize| a.fields(&items[i * size..(i + 1) * size], b, long_64);
    let count = nr as usize * a.nr2 as usize;
    match (a.kind, a.magic) {
        (Activity::Cpu, 0x8b) => {
            sample.cpu = (0..count)
                .map(|i| {
                    let f = item(i);
                    cpu_times(|n| f.ull(n as u32))
                })
                .collect();
        }
        (Activity::Memory, 0x8b) => {
            let f = item(0);
            sample.memory = Some(memory(|n| f.ull(n as u32)));
        }
        (Activity::Queue, 0x8c) => {
            let f = item(0);
            sample.queue = Some(Queue {
                running: f.ull(0).unwrap_or(0),
                blocked: f.ull(1).unwrap_or(0),
                threads: f.ull(2).unwrap_or(0),
                load_1: f.u(0).unwrap_or(0),
                load_5: f.u(1).unwrap_or(0),
                load_15: f.u(2).unwrap_or(0),
            });
        }
        (Activity::Disk, 0x8c) => {
            sample.disks = (0..count)
                .map(|i| {
                    let f = item(i);
                    Disk {
                        ios: f.ull(0).unwrap_or(0),
                        read_sectors: f.ul(0).unwrap_or(0),
                        write_sectors: f.ul(1).unwrap_or(0),
                        busy_ms: f.u(2).unwrap_or(0),
                        major: f.u(4).unwrap_or(0),
                        minor: f.u(5).unwrap_or(0),
                    }
                })
                .collect();
        }
        (Activity::NetDev, 0x8d) => {
            sample.interfaces = (0..count)
                .map(|i| {
                    let f = item(i);
                    let tail = f.tail();
                    NetDev {
                        rx_packets: f.ull(0).unwrap_or(0),
                        tx_packets: f.ull(1).unwrap_or(0),
                        rx_bytes: f.ull(2).unwrap_or(0),
                        tx_bytes: f.ull(3).unwrap_or(0),
                        name: c_string(&tail[..tail.len().min(IFACE_LEN)]),
                    }
                })
                .collect();
        }
        _ => {}
    }
}

/// The layouts of formats `0x2171` and `0x2173`, by activity magic.
pub(super) fn decode_old(
    a: &FileActivity,
    items: &[u8],
    big_endian: bool,
    long_64: bool,
    sample: &mut Sample,
) {
    let size = a.size as usize;
    if size == 0 {
        return;
    }
    let first = &items[..size.min(items.len())];
    // A field at `at`, if the item is long enough to hold it.
    let u64_at = |at: usize| first.get(at..at + 8).map(|b| word64(b, big_endian));
    let u32_at = |at: usize| first.get(at..at + 4).map(|b| word32(b, big_endian));
    // `unsigned long` in an 8-byte slot: its first 4 bytes on a 32-bit machine.
    let long_at = |at: usize| {
        if long_64 {
            u64_at(at)
        } else {
            u32_at(at).map(u64::from)
        }
    };
    match (a.kind, a.magic) {
        (Activity::Cpu, 0x8a | 0x8b) => {
            // 0x8a: every field 16-byte aligned; 0x8b: packed 64-bit fields.
            let step = if a.magic == 0x8a { 16 } else { 8 };
            sample.cpu = items
                .chunks_exact(size)
                .map(|item| {
                    cpu_times(|n| {
                        item.get(n * step..n * step + 8)
                            .map(|b| word64(b, big_endian))
                    })
                })
                .collect();
        }
        (Activity::Memory, 0x8a) => {
            // `unsigned long` fields in 8-byte slots.
            sample.memory = Some(memory(|n| long_at(8 * n)));
        }
        (Activity::Queue, 0x8a | 0x8b) => {
            // 0x8b added procs_blocked after nr_running.
            let (blocked, ints) = if a.magic == 0x8a {
                (0, 8)
            } else {
                (long_at(8).unwrap_or(0), 16)
            };
            sample.queue = Some(Queue {
                running: long_at(0).unwrap_or(0),
                blocked,
                load_1: u32_at(ints).unwrap_or(0),
                load_5: u32_at(ints + 4).unwrap_or(0),
                load_15: u32_at(ints + 8).unwrap_or(0),
                threads: u32_at(ints + 12).map_or(0, u64::from),
            });
        }
        _ => {}
    }
}
