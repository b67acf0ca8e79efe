//! `/proc/uptime` and `/proc/loadavg`, through procfs-core.
//!
//! Samples (this machine):
//!
//! ```text
//! /proc/uptime    328.27 514.94
//! /proc/loadavg   0.74 0.42 0.18 1/87 18014
//! ```

use super::{ParseError, Parsed, Partial};
use procfs_core::{FromRead, LoadAverage};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Uptime {
    /// Seconds since boot, suspend included.
    pub up_seconds: f64,
    /// Idle seconds summed over all CPUs.
    pub idle_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadAvg {
    pub one: f32,
    pub five: f32,
    pub fifteen: f32,
    pub runnable: u32,
    pub total_tasks: u32,
    pub last_pid: u32,
}

pub fn parse_uptime(bytes: &[u8]) -> Parsed<Uptime> {
    let uptime = procfs_core::Uptime::from_read(bytes).map_err(|e| {
        ParseError::at_line(1, format!("not `UP IDLE`: {}", super::procfs_message(e)))
    })?;
    let valid = |x: f64| x.is_finite() && x >= 0.0;
    if !valid(uptime.uptime) || !valid(uptime.idle) {
        return Err(ParseError::at_line(1, "uptime is negative or not finite"));
    }
    Ok(Partial::whole(Uptime {
        up_seconds: uptime.uptime,
        idle_seconds: uptime.idle,
    }))
}

pub fn parse_loadavg(bytes: &[u8]) -> Parsed<LoadAvg> {
    // procfs-core reads the text as UTF-8; make it so, as for every parser.
    let text = String::from_utf8_lossy(bytes);
    let load = LoadAverage::from_read(text.as_bytes()).map_err(|e| {
        ParseError::at_line(
            1,
            format!("not `1 5 15 RUN/ALL PID`: {}", super::procfs_message(e)),
        )
    })?;
    Ok(Partial::whole(LoadAvg {
        one: load.one,
        five: load.five,
        fifteen: load.fifteen,
        runnable: load.cur,
        total_tasks: load.max,
        last_pid: load.latest_pid,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn this_machine() {
        let up = parse_uptime(&fixture("debian12-this-machine/proc/uptime"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(
            up,
            Uptime {
                up_seconds: 328.27,
                idle_seconds: 514.94
            }
        );
        let load = parse_loadavg(&fixture("debian12-this-machine/proc/loadavg"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(
            (load.one, load.runnable, load.total_tasks, load.last_pid),
            (0.74, 1, 87, 18014)
        );
    }

    #[test]
    fn damaged() {
        assert!(parse_uptime(b"").map(|p| p.value).is_err());
        assert!(parse_uptime(b"NaN 1").map(|p| p.value).is_err());
        assert!(parse_uptime(b"-5 1").map(|p| p.value).is_err());
        assert!(parse_loadavg(b"0.1 0.2 0.3 2 77").map(|p| p.value).is_err());
        assert!(parse_loadavg(b"\xff").map(|p| p.value).is_err());
    }
}
