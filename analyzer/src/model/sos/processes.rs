//! A sosreport's processes from `ps`: sos copies only each process's
//! /proc/PID/mountinfo, so the /proc reading finds pids and nothing else.

use super::super::facts::Facts;
use super::super::processes::Process;
use super::{captured, first};
use crate::parse::proc_pid;
use crate::parse::sos::ps;
use crate::sources as src;

/// The processes `ps` listed, when the root is a sosreport whose /proc copy
/// has none with any fact; with the captures they came from.
pub fn processes(f: &Facts, from_proc: Option<&[Process]>) -> Option<(Vec<Process>, Vec<String>)> {
    if !f.is_sosreport() {
        return None;
    }
    if from_proc.is_some_and(|ps| ps.iter().any(|p| !p.exited)) {
        return None;
    }
    let (aux_path, aux) = captured(f, &src::SOS_PS_AUX, ps::parse_aux)?;
    if aux.is_empty() {
        return None;
    }
    let mut paths = vec![aux_path];
    let axo = match first(f, &src::SOS_PS_AXO) {
        Some((path, b)) => {
            let rows = f.parsed(&src::SOS_PS_AXO, &path, ps::parse_axo(&b));
            paths.push(path);
            rows.unwrap_or_default()
        }
        None => Vec::new(),
    };
    let mut list: Vec<Process> = aux
        .into_iter()
        .map(|row| {
            let o = axo.iter().find(|o| o.pid == row.pid);
            let thread = row
                .command
                .strip_prefix('[')
                .and_then(|c| c.strip_suffix(']'))
                .map(str::to_string);
            let cgroups = o
                .and_then(|o| proc_pid::parse_cgroup(o.cgroup.join("\n").as_bytes()).ok())
                .map(|p| p.value)
                .unwrap_or_default();
            let mut p = Process::new(row.pid);
            p.ppid = o.map(|o| o.ppid);
            p.comm = o
                .map(|o| o.comm.clone())
                .or_else(|| thread.clone())
                .or_else(|| {
                    let argv0 = row.command.split_whitespace().next()?;
                    Some(argv0.rsplit('/').next()?.chars().take(15).collect())
                });
            p.kernel_thread = thread.is_some() && o.is_none_or(|o| o.ppid == 2 || o.pid == 2);
            p.cmdline = if p.kernel_thread {
                Vec::new()
            } else {
                row.command.split_whitespace().map(str::to_string).collect()
            };
            p.state = row.state;
            p.zombie = row.state == Some('Z');
            p.cgroup = cgroups
                .iter()
                .find(|l| l.hierarchy == 0 && l.controllers.is_empty())
                .map(|l| l.path.clone());
            p.unit = proc_pid::systemd_unit(&cgroups);
            p
        })
        .collect();
    list.sort_by_key(|p| p.pid);
    list.dedup_by_key(|p| p.pid);
    Some((list, paths))
}
