//! Processes, as `ps -e` would list them at collection time, from the files
//! the probe read under each /proc/PID.
//!
//! Processes come and go while the probe reads them: a pid listed in /proc
//! whose files were gone by the time they were read is kept and marked
//! `exited`, so the list says what the probe saw rather than guessing.

use std::collections::HashMap;

use lift_bundle::Fact;
use serde::Serialize;

use super::facts::Facts;
use crate::parse::proc_pid::{self, ExeLink};
use crate::sources::{self as src, Source};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Process {
    pub pid: u32,
    pub ppid: Option<u32>,
    /// Real uid (from `status`); user names come from the users model.
    pub uid: Option<u32>,
    /// The kernel's command name (`ps -o comm`), spaces and `)` kept.
    pub comm: Option<String>,
    /// Arguments, empty for kernel threads and zombies.
    pub cmdline: Vec<String>,
    pub state: Option<char>,
    pub kernel_thread: bool,
    pub zombie: bool,
    /// The pid was listed in /proc but its files were gone when read.
    pub exited: bool,
    /// UTC, RFC 3339; None without the probe's clock facts (a directory).
    pub start_time: Option<String>,
    /// The executable's path; `exe_deleted` when the kernel said
    /// `(deleted)` (replaced by an upgrade, or removed).
    pub exe: Option<String>,
    pub exe_deleted: bool,
    /// The path in systemd's cgroup hierarchy, and the unit it names.
    pub cgroup: Option<String>,
    pub unit: Option<String>,
    /// The service this process belongs to (filled by `services`).
    pub service: Option<String>,
    /// Inodes of the sockets it holds (`/proc/PID/fd` links).
    #[serde(skip)]
    pub socket_inodes: Vec<u64>,
}

impl Process {
    /// A process known only by its pid; the rest is filled by whoever
    /// knows more (a sosreport's `ps`).
    pub fn new(pid: u32) -> Process {
        Process {
            pid,
            ppid: None,
            uid: None,
            comm: None,
            cmdline: Vec::new(),
            state: None,
            kernel_thread: false,
            zombie: false,
            exited: false,
            start_time: None,
            exe: None,
            exe_deleted: false,
            cgroup: None,
            unit: None,
            service: None,
            socket_inodes: Vec::new(),
        }
    }

    /// The name `ss` and `netstat -p` show: the command name.
    pub fn program(&self) -> String {
        self.comm
            .clone()
            .unwrap_or_else(|| format!("pid {}", self.pid))
    }

    /// The executable's file name, the key for matching a service's binary.
    pub fn exe_name(&self) -> Option<&str> {
        self.exe.as_deref().and_then(|e| e.rsplit('/').next())
    }
}

/// Every process the probe saw; None when none was collected (a directory
/// tree without /proc/PID, or a probe run without the proc spec).
pub fn processes(f: &Facts) -> Option<Vec<Process>> {
    let mut pids: Vec<u32> = f
        .list(&src::PROC)?
        .iter()
        .filter_map(|c| std::str::from_utf8(&c.name).ok()?.parse().ok())
        .collect();
    if pids.is_empty() {
        return None;
    }
    pids.sort_unstable();
    let clock = StartClock::from_facts(f);
    Some(
        pids.into_iter()
            .map(|pid| process(f, pid, &clock))
            .collect(),
    )
}

fn process(f: &Facts, pid: u32, clock: &StartClock) -> Process {
    let pid_s = pid.to_string();
    let at = |s: &Source| s.at(&[&pid_s]);
    let stat = f.parse_at(&src::PID_STAT, &at(&src::PID_STAT), proc_pid::parse_stat);
    let status = f.parse_at(
        &src::PID_STATUS,
        &at(&src::PID_STATUS),
        proc_pid::parse_status,
    );
    let cmdline = f.bytes_at(&src::PID_CMDLINE, &at(&src::PID_CMDLINE));
    let comm = f.line_at(&src::PID_COMM, &at(&src::PID_COMM));
    let cgroups = f.parse_at(
        &src::PID_CGROUP,
        &at(&src::PID_CGROUP),
        proc_pid::parse_cgroup,
    );
    let exe = f
        .lstat_at(&src::PID_EXE, &at(&src::PID_EXE))
        .and_then(|n| n.link_target)
        .map(|t| proc_pid::parse_exe_link(&t));
    let exited = stat.is_none() && status.is_none() && cmdline.is_none() && comm.is_none();
    let cgroup = cgroups.as_ref().and_then(|c| {
        c.iter()
            .find(|l| l.hierarchy == 0 && l.controllers.is_empty())
            .or_else(|| {
                c.iter()
                    .find(|l| l.controllers.iter().any(|n| n == "name=systemd"))
            })
            .map(|l| l.path.clone())
    });
    let (exe, exe_deleted) = match exe {
        Some(ExeLink { path, deleted }) => (Some(path), deleted),
        None => (None, false),
    };
    Process {
        pid,
        ppid: stat
            .as_ref()
            .map(|s| s.ppid)
            .or(status.as_ref().and_then(|s| s.ppid))
            .and_then(|p| u32::try_from(p).ok()),
        uid: status.as_ref().and_then(|s| s.uid).map(|u| u[0]),
        comm: comm
            .or_else(|| stat.as_ref().map(|s| s.comm.clone()))
            .or_else(|| status.as_ref().map(|s| s.name.clone())),
        cmdline: cmdline
            .and_then(|c| proc_pid::parse_cmdline(&c).ok())
            .map(|p| p.value)
            .unwrap_or_default(),
        state: stat
            .as_ref()
            .map(|s| s.state)
            .or(status.as_ref().and_then(|s| s.state)),
        kernel_thread: stat.as_ref().is_some_and(|s| s.is_kernel_thread()),
        zombie: stat.as_ref().is_some_and(|s| s.is_zombie()),
        exited,
        start_time: stat.as_ref().and_then(|s| clock.at(s.starttime)),
        exe,
        exe_deleted,
        unit: cgroups.as_deref().and_then(proc_pid::systemd_unit),
        cgroup,
        service: None,
        socket_inodes: socket_inodes(f, &at(&src::PID_FDS)),
    }
}

/// The inodes of `socket:[INODE]` links in /proc/PID/fd (the probe keeps
/// only those).
fn socket_inodes(f: &Facts, fd_dir: &str) -> Vec<u64> {
    f.list_at(&src::PID_FDS, fd_dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            let t = c.link_target.as_deref()?;
            std::str::from_utf8(t.strip_prefix(b"socket:[")?.strip_suffix(b"]")?)
                .ok()?
                .parse()
                .ok()
        })
        .collect()
}

/// Turns a start time in clock ticks after boot into a wall-clock time:
/// boot time = realtime − boottime, both read together by the probe.
struct StartClock {
    boot_secs: Option<f64>,
    ticks: Option<u64>,
}

impl StartClock {
    fn from_facts(f: &Facts) -> StartClock {
        let mut c = StartClock {
            boot_secs: None,
            ticks: None,
        };
        c.ticks = f.fact(&src::SYSCONF, |x| match x {
            Fact::Sysconf(s) if s.clock_ticks > 0 => Some(s.clock_ticks),
            _ => None,
        });
        let clocks = f.fact(&src::CLOCKS, |x| match x {
            Fact::Clocks(k) => Some(k),
            _ => None,
        });
        c.boot_secs = clocks.and_then(|k| {
            let secs = |t: lift_bundle::Timestamp| t.secs as f64 + f64::from(t.nanos) / 1e9;
            k.boottime.map(|b| secs(k.realtime) - secs(b))
        });
        c
    }

    fn at(&self, ticks: u64) -> Option<String> {
        let secs = self.boot_secs? + ticks as f64 / self.ticks? as f64;
        Some(
            lift_bundle::Timestamp {
                secs: secs.floor() as i64,
                nanos: 0,
            }
            .rfc3339(),
        )
    }
}

/// Socket inode → the processes holding it, for the socket tables.
pub fn socket_owners(processes: &[Process]) -> HashMap<u64, Vec<&Process>> {
    let mut owners: HashMap<u64, Vec<&Process>> = HashMap::new();
    for p in processes {
        for inode in &p.socket_inodes {
            let list = owners.entry(*inode).or_default();
            // One process may hold a socket on several fds.
            if list.last().map(|l| l.pid) != Some(p.pid) {
                list.push(p);
            }
        }
    }
    owners
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Root};

    fn samples() -> Vec<Process> {
        let snap = DirSnapshot::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/proc-samples"
        )));
        let f = Facts::new(Root::new(&snap));
        processes(&f).expect("proc-samples has processes")
    }

    #[test]
    fn proc_samples_as_they_are() {
        let procs = samples();
        let by = |pid| procs.iter().find(|p| p.pid == pid).unwrap();
        assert_eq!(
            procs.iter().map(|p| p.pid).collect::<Vec<_>>(),
            [2, 9, 19610, 19618, 19622, 19845]
        );
        assert!(by(2).kernel_thread && by(9).kernel_thread && !by(2).zombie);
        assert_eq!(by(2).comm.as_deref(), Some("kthreadd"));
        assert!(by(2).cmdline.is_empty() && by(2).exe.is_none());
        // A name with a space and a parenthesis.
        assert_eq!(by(19618).comm.as_deref(), Some("lift worker) x"));
        // An executable deleted after it started.
        let deleted = by(19622);
        assert!(deleted.exe_deleted);
        assert!(!deleted.exe.as_deref().unwrap().ends_with("(deleted)"));
        // A zombie: not a kernel thread, no cmdline, no exe.
        let zombie = by(19845);
        assert!(zombie.zombie && !zombie.kernel_thread && zombie.exe.is_none());
        assert_eq!(zombie.state, Some('Z'));
        // A directory has no clock facts: start times are unknown.
        assert!(procs.iter().all(|p| p.start_time.is_none()));
        assert!(procs.iter().all(|p| !p.exited));
    }
}
