//! Running state: which processes belong to which service, by systemd
//! cgroup, by pid file, or by executable name, in that order of trust; and
//! from there each service's pids and ports, and each process's and
//! listener's service.

use std::collections::HashMap;

use super::super::facts::Facts;
use super::super::processes::Process;
use super::super::sockets::{ports_by_pid, Listener};
use super::{InitSystem, Service, ServiceKind};
use crate::parse::pidfile;
use crate::sources::{self as src, marks};

pub fn decide(
    f: &Facts,
    services: &mut [Service],
    processes: Option<&mut Vec<Process>>,
    listeners: Option<&mut Vec<Listener>>,
    system: Option<InitSystem>,
) {
    let Some(processes) = processes else {
        for s in services.iter_mut() {
            s.running_evidence = "processes were not collected".into();
        }
        return;
    };
    let index: HashMap<u32, usize> = processes
        .iter()
        .enumerate()
        .map(|(i, p)| (p.pid, i))
        .collect();
    let children = children_of(processes);
    let mut by_unit: HashMap<&str, Vec<u32>> = HashMap::new();
    let mut by_exe: HashMap<&str, Vec<u32>> = HashMap::new();
    for p in processes.iter().filter(|p| !p.kernel_thread && !p.exited) {
        if let Some(u) = &p.unit {
            by_unit.entry(u).or_default().push(p.pid);
        }
        // A process whose exe link was unreadable is known by its comm.
        if let Some(name) = p.exe_name().or(p.comm.as_deref()) {
            by_exe.entry(name).or_default().push(p.pid);
        }
    }
    let live = |pid: u32| {
        index
            .get(&pid)
            .map(|&i| &processes[i])
            .filter(|p| !p.zombie && !p.exited)
    };
    let systemd = system == Some(InitSystem::Systemd);
    for s in services.iter_mut() {
        let (pids, running, evidence) = match s.unit.as_deref().filter(|_| systemd) {
            Some(unit) => match by_unit.get(unit) {
                Some(pids) => (
                    pids.clone(),
                    Some(true),
                    format!("{} process(es) in the cgroup of {unit}", pids.len()),
                ),
                None => {
                    let (running, why) = systemd_idle(s, listeners.as_deref().map(Vec::as_slice));
                    (Vec::new(), running, why)
                }
            },
            None => by_pid_file_or_exe(f, s, &by_exe, &live, &children),
        };
        s.running = running;
        s.running_evidence = evidence;
        s.pids = pids;
    }
    for s in services.iter() {
        for pid in &s.pids {
            if let Some(&i) = index.get(pid) {
                processes[i].service.get_or_insert_with(|| s.name.clone());
            }
        }
    }
    // Processes in a system unit that the table does not list (a static
    // unit's) are still managed by systemd.
    for p in processes.iter_mut().filter(|p| p.service.is_none()) {
        let system_unit = p
            .cgroup
            .as_deref()
            .is_some_and(|c| !c.starts_with(marks::USER_SLICE))
            && p.unit.as_deref().is_some_and(|u| u.ends_with(".service"));
        if system_unit {
            p.service = p
                .unit
                .as_deref()
                .map(|u| u.trim_end_matches(".service").to_string());
        }
    }
    let Some(listeners) = listeners else { return };
    let ports = ports_by_pid(listeners);
    for s in services.iter_mut() {
        let mut mine: Vec<String> = s
            .pids
            .iter()
            .filter_map(|p| ports.get(p))
            .flatten()
            .cloned()
            .collect();
        mine.sort();
        mine.dedup();
        s.ports = mine;
    }
    for l in listeners.iter_mut() {
        l.service = l
            .owners
            .iter()
            .find_map(|o| {
                index
                    .get(&o.pid)
                    .and_then(|&i| processes[i].service.clone())
            })
            .or_else(|| socket_unit_for(l, services));
        // PID 1 is the init system itself (socket activation, or a
        // container's entry point).
        l.managed = (!l.owners.is_empty())
            .then(|| l.service.is_some() || l.owners.iter().any(|o| o.pid == 1));
    }
}

/// SysV scripts and Upstart jobs: a live pid file, else a process running
/// one of the service's executables (with its workers).
fn by_pid_file_or_exe<'p>(
    f: &Facts,
    s: &Service,
    by_exe: &HashMap<&str, Vec<u32>>,
    live: &dyn Fn(u32) -> Option<&'p Process>,
    children: &HashMap<u32, Vec<u32>>,
) -> (Vec<u32>, Option<bool>, String) {
    let pid_file = s.pid_files.iter().find_map(|p| {
        f.parse_at(&src::PID_FILES, p, pidfile::parse)
            .map(|pid| (p, pid))
    });
    if let Some((path, pid)) = pid_file {
        return match live(pid) {
            Some(p) => (
                with_descendants(pid, children),
                Some(true),
                format!("{path} names pid {pid} ({})", p.program()),
            ),
            None => (
                Vec::new(),
                Some(false),
                format!("{path} names pid {pid}, which is not running"),
            ),
        };
    }
    let mut pids: Vec<u32> = s
        .exec_names
        .iter()
        .filter(|n| !GENERIC_PROGRAMS.contains(&n.as_str()))
        .filter_map(|n| by_exe.get(n.as_str()))
        .flatten()
        .copied()
        .filter(|&pid| live(pid).is_some_and(|p| runs_command(p, s.exec_command.as_deref())))
        .flat_map(|pid| with_descendants(pid, children))
        .collect();
    pids.sort_unstable();
    pids.dedup();
    let names = s.exec_names.join(", ");
    if pids.is_empty() {
        (
            Vec::new(),
            Some(false),
            format!("no live pid file, and no process runs {names}"),
        )
    } else {
        (pids, Some(true), format!("a process runs {names}"))
    }
}

/// Programs that many things run: a unit whose ExecStart is a shell says
/// nothing about which shell process is its own.
const GENERIC_PROGRAMS: &[&str] = &[
    "sh", "bash", "dash", "ash", "ksh", "zsh", "busybox", "env", "nohup", "su", "sudo", "runuser",
    "python", "python2", "python3", "perl", "ruby", "node", "java", "sleep", "true", "false",
];

/// When a job names its whole command (`exec /sbin/getty -8 38400 tty1`),
/// only a process with that command line is its own: six tty jobs run
/// the same getty.
fn runs_command(p: &Process, command: Option<&str>) -> bool {
    match command {
        None => true,
        Some(c) => c
            .split_whitespace()
            .eq(p.cmdline.iter().flat_map(|a| a.split_whitespace())),
    }
}

/// A systemd unit with no process in its cgroup.
fn systemd_idle(s: &Service, listeners: Option<&[Listener]>) -> (Option<bool>, String) {
    match s.kind {
        ServiceKind::Timer => (
            None,
            "a timer's state lives in systemd's memory, not in the bundle".into(),
        ),
        ServiceKind::Socket => match listeners {
            None => (None, "the socket tables were not collected".into()),
            Some(ls) => match ls.iter().find(|l| listens_on(&s.listens, l)) {
                Some(l) => (Some(true), format!("something listens on {}", describe(l))),
                None if s.listens.is_empty() => (None, "the unit names no address".into()),
                None => (
                    Some(false),
                    format!("nothing listens on {}", s.listens.join(", ")),
                ),
            },
        },
        _ if s.oneshot => (None, "a oneshot unit leaves no process when done".into()),
        _ => (
            Some(false),
            format!(
                "no process in the cgroup of {}",
                s.unit.as_deref().unwrap_or_default()
            ),
        ),
    }
}

fn socket_unit_for(l: &Listener, services: &[Service]) -> Option<String> {
    services
        .iter()
        .find(|s| s.kind == ServiceKind::Socket && listens_on(&s.listens, l))
        .map(|s| s.name.clone())
}

/// Whether a `ListenStream=` value (`22`, `0.0.0.0:22`, `[::]:22`, a path)
/// names this socket.
fn listens_on(listens: &[String], l: &Listener) -> bool {
    listens.iter().any(|v| match (&l.path, l.port) {
        (Some(path), _) => path == v,
        (None, Some(port)) => v.rsplit(':').next().and_then(|p| p.parse().ok()) == Some(port),
        _ => false,
    })
}

fn describe(l: &Listener) -> String {
    match (&l.path, l.port) {
        (Some(p), _) => p.clone(),
        (None, Some(port)) => format!("{} port {port}", l.proto),
        _ => l.proto.to_string(),
    }
}

fn children_of(processes: &[Process]) -> HashMap<u32, Vec<u32>> {
    let mut out: HashMap<u32, Vec<u32>> = HashMap::new();
    for p in processes {
        if let Some(pp) = p.ppid.filter(|&pp| pp > 1) {
            out.entry(pp).or_default().push(p.pid);
        }
    }
    out
}

/// A process and everything it forked (a daemon's workers); a ppid loop in
/// damaged input ends at the first repeat.
fn with_descendants(pid: u32, children: &HashMap<u32, Vec<u32>>) -> Vec<u32> {
    let mut seen = std::collections::HashSet::from([pid]);
    let mut out = vec![pid];
    let mut i = 0;
    while let Some(&p) = out.get(i) {
        for &c in children.get(&p).into_iter().flatten() {
            if seen.insert(c) {
                out.push(c);
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out
}
