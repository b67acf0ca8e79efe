//! What a sosreport's command outputs say of services and sockets: masked
//! units, SysV services (`chkconfig --list`) and listeners (`netstat`, `ss`).

use super::super::facts::Facts;
use super::super::services::{EnableState, InitSystem, Service, ServiceKind};
use super::super::sockets::Listener;
use super::super::Host;
use super::first;
use crate::parse::sos::{chkconfig, netstat, ss, unit_files};
use crate::sources as src;

/// Masked units from `systemctl list-unit-files` whose links sos did not
/// copy, and SysV services from `chkconfig --list` when no init script was.
pub(super) fn services(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if let Some((path, b)) = first(f, &src::SOS_UNIT_FILES) {
        let mut added = false;
        for u in unit_files::parse(&b)
            .into_iter()
            .filter(|u| u.state == "masked")
        {
            let (short, kind) = match u.unit.rsplit_once('.') {
                Some((s, "service")) => (s.to_string(), ServiceKind::Service),
                Some((_, "socket")) => (u.unit.clone(), ServiceKind::Socket),
                Some((_, "timer")) => (u.unit.clone(), ServiceKind::Timer),
                _ => continue,
            };
            let list = host.services.get_or_insert_with(Vec::new);
            match list.iter_mut().find(|s| s.unit.as_deref() == Some(&u.unit)) {
                Some(s) if s.state == EnableState::Masked => continue,
                Some(s) => {
                    s.state = EnableState::Masked;
                    s.enabled = Some(false);
                }
                None => {
                    let mut s = Service::new(short, InitSystem::Systemd, kind, EnableState::Masked);
                    s.unit = Some(u.unit.clone());
                    s.enabled = Some(false);
                    list.push(s);
                }
            }
            added = true;
        }
        if added {
            record("services.masked", &path);
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
    let entries = chkconfig::parse(&b);
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

pub(super) fn listeners(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if host.listeners.is_some() {
        return;
    }
    let from_ss = || {
        let path = f.glob(&src::SOS_SS).into_iter().next()?;
        let b = f.bytes_at(&src::SOS_SS, &path)?;
        Some((path, ss::parse(&b)))
    };
    let Some((path, sockets)) = first(f, &src::SOS_NETSTAT)
        .map(|(p, b)| (p, netstat::parse(&b)))
        .or_else(from_ss)
    else {
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
