//! The kernel's cumulative counters since boot: `/proc/stat` (CPU time),
//! `/proc/diskstats`, `/proc/vmstat` (swap), `/proc/net/dev` and the
//! pressure stall files `/proc/pressure/{cpu,io,memory}` (Linux 4.20+).
//! Divided by the uptime they give a host's average use since boot, where
//! it keeps no history.
//!
//! Samples (this project's build machine, Linux 6.18; a CentOS 6 kernel,
//! 2.6.32, writes nine CPU columns and 14 diskstats columns, and no
//! pressure files):
//!
//! ```text
//! /proc/stat           cpu  155923 777 30702 33312 917 0 163 326 0 0
//! /proc/diskstats      254       0 vda 112397 9551 8136362 90312 48259 ...
//! /proc/vmstat         pswpin 0
//! /proc/net/dev          eth0: 461725922   12343    0    0 ...
//! /proc/pressure/io    some avg10=1.54 avg60=1.08 avg300=0.85 total=19183469
//! ```
//!
//! Each parser keeps the good rows and reports each damaged one by line.

use super::{ParseError, Parsed, Partial};

/// Clock ticks since boot, all CPUs together (`cpu`) or one (`cpuN`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTicks {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTicks {
    /// Every tick counted (guest time is already inside user and nice).
    pub fn total(&self) -> u64 {
        [
            self.user,
            self.nice,
            self.system,
            self.idle,
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
        ]
        .iter()
        .fold(0u64, |s, v| s.saturating_add(*v))
    }
}

/// `/proc/stat`'s CPU lines: the `cpu` total and each `cpuN` in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stat {
    pub all: Option<CpuTicks>,
    pub each: Vec<(u32, CpuTicks)>,
}

pub fn parse_stat(bytes: &[u8]) -> Parsed<Stat> {
    let mut out = Partial {
        value: Stat::default(),
        errors: Vec::new(),
    };
    for (i, line) in super::text(bytes).lines().enumerate() {
        let mut words = line.split_ascii_whitespace();
        let Some(name) = words.next().filter(|w| w.starts_with("cpu")) else {
            continue;
        };
        let numbers: Result<Vec<u64>, _> = words.map(str::parse::<u64>).collect();
        let ticks = match numbers {
            Ok(n) if n.len() >= 4 => {
                let v = |k: usize| n.get(k).copied().unwrap_or(0);
                CpuTicks {
                    user: v(0),
                    nice: v(1),
                    system: v(2),
                    idle: v(3),
                    iowait: v(4),
                    irq: v(5),
                    softirq: v(6),
                    steal: v(7),
                }
            }
            _ => {
                out.errors.push(ParseError::at_line(
                    i + 1,
                    "a cpu line without four counters",
                ));
                continue;
            }
        };
        match name[3..].parse::<u32>() {
            _ if name == "cpu" => out.value.all = Some(ticks),
            Ok(n) => out.value.each.push((n, ticks)),
            Err(_) => out.errors.push(ParseError::at_line(
                i + 1,
                format!("not a cpu name: {name}"),
            )),
        }
    }
    Ok(out)
}

/// One block device's counters since boot (sectors are 512 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskCounters {
    pub major: u32,
    pub minor: u32,
    pub name: String,
    pub reads: u64,
    pub read_sectors: u64,
    pub writes: u64,
    pub write_sectors: u64,
    /// Milliseconds with I/O in flight.
    pub busy_ms: u64,
}

/// Most devices one diskstats file is taken to list.
const MAX_DEVICES: usize = 65_536;

pub fn parse_diskstats(bytes: &[u8]) -> Parsed<Vec<DiskCounters>> {
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    for (i, line) in super::text(bytes).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if out.value.len() >= MAX_DEVICES {
            out.errors.push(ParseError::at_line(
                i + 1,
                format!("more than {MAX_DEVICES} devices: the rest left out"),
            ));
            break;
        }
        let w: Vec<&str> = line.split_ascii_whitespace().collect();
        let n = |k: usize| w.get(k).and_then(|s| s.parse::<u64>().ok());
        let row = (|| {
            Some(DiskCounters {
                major: u32::try_from(n(0)?).ok()?,
                minor: u32::try_from(n(1)?).ok()?,
                name: w.get(2)?.to_string(),
                reads: n(3)?,
                read_sectors: n(5)?,
                writes: n(7)?,
                write_sectors: n(9)?,
                busy_ms: n(12)?,
            })
        })();
        match row {
            Some(d) => out.value.push(d),
            None => out.errors.push(ParseError::at_line(
                i + 1,
                "not `MAJOR MINOR NAME` and eleven counters",
            )),
        }
    }
    Ok(out)
}

/// `/proc/vmstat`'s pages swapped in and out since boot; None where the
/// kernel has no such lines. A line that is no `name count` pair is
/// skipped, by line.
pub fn parse_vmstat_swap(bytes: &[u8]) -> Parsed<Option<(u64, u64)>> {
    let (mut pin, mut pout) = (None, None);
    let mut errors = Vec::new();
    for (i, line) in super::text(bytes).lines().enumerate() {
        let mut w = line.split_ascii_whitespace();
        match (w.next(), w.next().and_then(|v| v.parse::<u64>().ok())) {
            (Some("pswpin"), Some(v)) => pin = Some(v),
            (Some("pswpout"), Some(v)) => pout = Some(v),
            (Some(_), Some(_)) | (None, _) => {}
            (Some(_), None) => errors.push(ParseError::at_line(
                i + 1,
                format!("not a name and a count: {}", super::shown(line)),
            )),
        }
    }
    Ok(Partial::new(pin.zip(pout), errors))
}

/// One interface's bytes since boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetCounters {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

pub fn parse_net_dev(bytes: &[u8]) -> Parsed<Vec<NetCounters>> {
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    // Two header lines, then `NAME: 16 counters` (the name may touch the colon).
    for (i, line) in super::text(bytes).lines().enumerate().skip(2) {
        if out.value.len() >= MAX_DEVICES {
            break;
        }
        let Some((name, rest)) = line.split_once(':') else {
            out.errors.push(ParseError::at_line(i + 1, "no `NAME:`"));
            continue;
        };
        let n: Vec<u64> = rest
            .split_ascii_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        if n.len() < 9 {
            out.errors
                .push(ParseError::at_line(i + 1, "fewer than nine counters"));
            continue;
        }
        out.value.push(NetCounters {
            name: name.trim().to_string(),
            rx_bytes: n[0],
            tx_bytes: n[8],
        });
    }
    Ok(out)
}

/// A pressure file's five-minute averages: the share of time some (and,
/// for io and memory, all) runnable tasks were stalled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pressure {
    pub some_avg300: f64,
    pub full_avg300: Option<f64>,
}

pub fn parse_pressure(bytes: &[u8]) -> Parsed<Pressure> {
    let (mut some, mut full) = (None, None);
    for (i, line) in super::text(bytes).lines().enumerate() {
        let mut w = line.split_ascii_whitespace();
        let kind = w.next();
        let avg300 = w
            .find_map(|f| f.strip_prefix("avg300="))
            .map(|v| v.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0))
            .ok_or_else(|| ParseError::at_line(i + 1, "no avg300="))?
            .ok_or_else(|| ParseError::at_line(i + 1, "avg300 is not a percentage"))?;
        match kind {
            Some("some") => some = Some(avg300),
            Some("full") => full = Some(avg300),
            _ => return Err(ParseError::at_line(i + 1, "neither `some` nor `full`")),
        }
    }
    Ok(Partial::whole(Pressure {
        some_avg300: some.ok_or_else(|| ParseError::new("no `some` line"))?,
        full_avg300: full,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/proc-samples/counters/"
        );
        std::fs::read(format!("{root}{name}")).unwrap()
    }

    #[test]
    fn this_machines_counters() {
        let stat = parse_stat(&sample("stat")).unwrap();
        assert!(stat.errors.is_empty());
        let all = stat.value.all.unwrap();
        assert_eq!(all.user, 155_923);
        assert_eq!(stat.value.each.len(), 2);
        let sum: u64 = stat.value.each.iter().map(|(_, t)| t.total()).sum();
        // The kernel's total is the sum of its CPUs.
        assert!(all.total().abs_diff(sum) < 10, "{} vs {sum}", all.total());

        let disks = parse_diskstats(&sample("diskstats")).unwrap();
        assert!(disks.errors.is_empty());
        let vda = disks.value.iter().find(|d| d.name == "vda").unwrap();
        assert_eq!((vda.major, vda.minor), (254, 0));
        assert!(vda.reads > 0 && vda.read_sectors > 0);

        assert_eq!(
            parse_vmstat_swap(&sample("vmstat")),
            super::super::whole(Some((0, 0)))
        );
        assert_eq!(
            parse_vmstat_swap(b"pswpin 1\npswpout\n").unwrap().errors[0].line,
            Some(2)
        );
        let net = parse_net_dev(&sample("net-dev")).unwrap();
        assert!(net.errors.is_empty());
        let eth0 = net.value.iter().find(|n| n.name == "eth0").unwrap();
        assert_eq!((eth0.rx_bytes, eth0.tx_bytes), (461_725_922, 568_524));

        let io = parse_pressure(&sample("pressure-io"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!((io.some_avg300, io.full_avg300), (0.85, Some(0.12)));
    }

    /// Linux 2.6.32 (CentOS 6), as it writes these files: nine CPU columns
    /// (no guest_nice) and 14 diskstats columns (no discard counters).
    #[test]
    fn centos6_columns() {
        let stat = parse_stat(
            b"cpu  1000 0 200 8000 50 1 2 0 0\ncpu0 1000 0 200 8000 50 1 2 0 0\nintr 1\n",
        )
        .unwrap();
        assert_eq!(stat.value.all.unwrap().total(), 9253);
        let d = parse_diskstats(
            b"   8       0 sda 4215 1254 183834 21049 5132 9917 120392 137316 0 22658 158335\n",
        )
        .unwrap();
        assert!(d.errors.is_empty());
        assert_eq!(d.value[0].busy_ms, 22658);
    }

    #[test]
    fn damaged_rows_are_named() {
        let stat = parse_stat(b"cpu 1 2\ncpuX 1 2 3 4\n").unwrap();
        assert_eq!(stat.errors.len(), 2);
        let d = parse_diskstats(b"8 0 sda x\n").unwrap();
        assert_eq!(d.errors[0].line, Some(1));
        assert!(parse_pressure(b"some avg10=1 avg60=1 avg300=NaN total=1\n")
            .map(|p| p.value)
            .is_err());
        assert!(parse_pressure(b"").map(|p| p.value).is_err());
    }
}
