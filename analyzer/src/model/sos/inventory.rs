//! What a sosreport's command outputs say of services and sockets: unit
//! states (`systemctl list-unit-files`), SysV services (`chkconfig --list`)
//! and listeners (`netstat`, `ss`).

use std::collections::HashMap;

use super::super::facts::Facts;
use super::super::services::{EnableState, InitSystem, Service, ServiceKind};
use super::super::sockets::{Connection, Listener};
use super::super::Host;
use super::first;
use crate::parse::sos::{chkconfig, netstat, ss, unit_files};
use crate::sources as src;

/// `systemctl list-unit-files` is systemd's own answer, and sos copies
/// /etc's enable links but not the vendor unit files under /lib/systemd
/// they point to, so the copied files alone lose units (ssh, cron,
/// libvirtd) and let a SysV script stand for a native unit (iscsid). Its
/// state wins over the files'; units it lists that the files missed are
/// added; SysV services from `chkconfig --list` when no init script was
/// copied.
pub(super) fn services(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if let Some((path, b)) = first(f, &src::SOS_UNIT_FILES) {
        let units = f.parsed(&src::SOS_UNIT_FILES, &path, unit_files::parse(&b));
        if unit_states(&units.unwrap_or_default(), &admin_aliases(f), host) {
            record("services.state", &path);
            running_by_cgroup(host);
        }
    }
    let has_sysv = host
        .services
        .iter()
        .flatten()
        .any(|s| s.init == InitSystem::Sysv);
    if has_sysv {
        return;
    }
    let Some((path, b)) = first(f, &src::SOS_CHKCONFIG) else {
        return;
    };
    // xinetd's services are services too: xinetd starts them on demand
    // when they are on.
    let Some(entries) = f.parsed(&src::SOS_CHKCONFIG, &path, chkconfig::parse(&b)) else {
        return;
    };
    if entries.is_empty() {
        return;
    }
    let list = host.services.get_or_insert_with(Vec::new);
    for e in entries {
        let state = if e.enabled {
            EnableState::Enabled
        } else {
            EnableState::Disabled
        };
        let mut s = Service::new(e.name, InitSystem::Sysv, ServiceKind::Service, state);
        s.enabled = Some(e.enabled);
        s.runlevels = e.on_in;
        if e.xinetd {
            s.description = Some("started on demand by xinetd".into());
        }
        list.push(s);
    }
    record("services", &path);
}

/// Applies each listed unit's state; true when the list was used.
/// `list-unit-files` lists an alias as a unit of its own (`sshd.service
/// enabled`): an alias the administrator's links name is its unit's.
fn unit_states(
    units: &[unit_files::UnitFile],
    aliases: &HashMap<String, String>,
    host: &mut Host,
) -> bool {
    let mut used = false;
    for u in units.iter().filter(|u| !aliases.contains_key(&u.unit)) {
        let Some(state) = enable_state(&u.state) else {
            continue;
        };
        let Some((short, kind)) = unit_kind(&u.unit) else {
            continue;
        };
        let list = host.services.get_or_insert_with(Vec::new);
        let enabled = match state {
            EnableState::Static | EnableState::Indirect => None,
            _ => Some(state == EnableState::Enabled),
        };
        match list.iter_mut().find(|s| s.unit.as_deref() == Some(&u.unit)) {
            Some(s) => {
                // A SysV script whose unit systemd lists with a state of its
                // own is shadowed by a native unit sos did not copy.
                if s.init == InitSystem::Sysv {
                    s.init = InitSystem::Systemd;
                    s.runlevels.clear();
                }
                s.state = state;
                s.enabled = enabled;
            }
            // Static units are started only as dependencies, listed only
            // when something of theirs runs (as from the files).
            None if state == EnableState::Static => continue,
            None => {
                let mut s = Service::new(short, InitSystem::Systemd, kind, state);
                s.unit = Some(u.unit.clone());
                s.enabled = enabled;
                list.push(s);
            }
        }
        used = true;
    }
    if used {
        let list = host.services.get_or_insert_with(Vec::new);
        for (alias, unit) in aliases {
            if let Some(s) = list.iter_mut().find(|s| s.unit.as_deref() == Some(unit)) {
                if !s.aliases.contains(alias) {
                    s.aliases.push(alias.clone());
                    s.aliases.sort();
                }
            }
        }
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.unit.cmp(&b.unit)));
    }
    used
}

/// Units the list added were not there when the processes were tied to
/// services: a process in a unit's cgroup (`ps`'s CGROUP) runs it.
fn running_by_cgroup(host: &mut Host) {
    let (Some(services), Some(processes)) = (host.services.as_mut(), host.processes.as_mut())
    else {
        return;
    };
    for s in services.iter_mut().filter(|s| s.pids.is_empty()) {
        let Some(unit) = s.unit.as_deref() else {
            continue;
        };
        let pids: Vec<u32> = processes
            .iter()
            .filter(|p| !p.kernel_thread && !p.exited && p.unit.as_deref() == Some(unit))
            .map(|p| p.pid)
            .collect();
        if pids.is_empty() {
            continue;
        }
        for p in processes.iter_mut().filter(|p| pids.contains(&p.pid)) {
            p.service.get_or_insert_with(|| s.name.clone());
        }
        s.running = Some(true);
        s.running_evidence = format!("{} process(es) in the cgroup of {unit}", pids.len());
        s.pids = pids;
    }
}

/// Links in the administrator's unit directories that name another unit
/// of the same type (`sshd.service -> .../ssh.service`): alias -> unit.
fn admin_aliases(f: &Facts) -> HashMap<String, String> {
    let kind = |n: &str| n.rsplit_once('.').map(|(_, k)| k.to_string());
    src::SYSTEMD_ADMIN_DIRS
        .paths
        .iter()
        .flat_map(|d| f.list_at(&src::SYSTEMD_ADMIN_DIRS, d).unwrap_or_default())
        .filter_map(|c| {
            let name = String::from_utf8_lossy(&c.name).into_owned();
            let target = String::from_utf8_lossy(c.link_target.as_deref()?).into_owned();
            let unit = target.rsplit('/').next()?.to_string();
            (unit != name && kind(&unit).is_some() && kind(&unit) == kind(&name))
                .then_some((name, unit))
        })
        .collect()
}

/// `list-unit-files`' states; None for those that say nothing of boot
/// (`generated`: a SysV script's unit, whose rc links say it; `alias`,
/// `linked`, `transient`, `bad`).
fn enable_state(state: &str) -> Option<EnableState> {
    Some(match state {
        "enabled" | "enabled-runtime" => EnableState::Enabled,
        "disabled" => EnableState::Disabled,
        "static" => EnableState::Static,
        "indirect" => EnableState::Indirect,
        "masked" | "masked-runtime" => EnableState::Masked,
        _ => return None,
    })
}

/// The service's short name and kind; None for templates and other types.
fn unit_kind(unit: &str) -> Option<(String, ServiceKind)> {
    if unit.contains("@.") {
        return None;
    }
    match unit.rsplit_once('.')? {
        (s, "service") => Some((s.to_string(), ServiceKind::Service)),
        (_, "socket") => Some((unit.to_string(), ServiceKind::Socket)),
        (_, "timer") => Some((unit.to_string(), ServiceKind::Timer)),
        _ => None,
    }
}

/// sos's socket table: netstat's output, or ss's where sos kept no netstat.
fn sockets(f: &Facts) -> Option<(String, Vec<ss::InetSocket>)> {
    let from_ss = || {
        let path = f.glob(&src::SOS_SS).into_iter().next()?;
        let b = f.bytes_at(&src::SOS_SS, &path)?;
        let list = f.parsed(&src::SOS_SS, &path, ss::parse(&b))?;
        Some((path, list))
    };
    first(f, &src::SOS_NETSTAT)
        .and_then(|(p, b)| {
            let list = f.parsed(&src::SOS_NETSTAT, &p, netstat::parse(&b))?;
            Some((p, list))
        })
        .or_else(from_ss)
}

/// Most connections taken from a sosreport's socket table.
pub const MAX_CONNECTIONS: usize = 100_000;

/// Established TCP connections from sos's netstat or ss output, where its
/// /proc copy held no /proc/net/tcp.
pub(super) fn connections(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if host.connections.is_some() {
        return;
    }
    let Some((path, sockets)) = sockets(f) else {
        return;
    };
    let established: Vec<ss::InetSocket> = sockets
        .into_iter()
        .filter(ss::InetSocket::is_established_tcp)
        .collect();
    if established.len() > MAX_CONNECTIONS {
        f.problem(
            &path,
            format!(
                "{} more connections past the first {MAX_CONNECTIONS} not listed",
                established.len() - MAX_CONNECTIONS
            ),
        );
    }
    let list = established
        .into_iter()
        .take(MAX_CONNECTIONS)
        .filter_map(|s| {
            Some(Connection {
                proto: if s.local_address.contains(':') {
                    "tcp6"
                } else {
                    "tcp"
                },
                local_port: s.local_port?,
                remote_port: s.remote_port?,
                local_address: s.local_address,
                remote_address: s.remote_address,
                pid: s.pid,
                program: s.program,
                service: None,
            })
        })
        .collect();
    host.connections = Some(list);
    record("connections", &path);
}

pub(super) fn listeners(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if host.listeners.is_some() {
        return;
    }
    let Some((path, sockets)) = sockets(f) else {
        return;
    };
    let list = sockets
        .into_iter()
        .filter(ss::InetSocket::is_listening)
        .map(|s| Listener {
            proto: match (s.proto.as_str(), s.local_address.contains(':')) {
                ("tcp" | "tcp6", false) => "tcp",
                ("tcp" | "tcp6", true) => "tcp6",
                ("udp" | "udp6", false) => "udp",
                ("udp" | "udp6", true) => "udp6",
                ("raw6", _) => "raw6",
                _ => "raw",
            },
            address: Some(s.local_address),
            port: s.local_port,
            path: None,
            pid: s.pid,
            program: s.program,
            owners: Vec::new(),
            uid: None,
            inode: 0,
            service: None,
            managed: None,
            package: None,
        })
        .collect();
    host.listeners = Some(list);
    record("listeners", &path);
}
