//! Services: one list across SysV scripts, Upstart jobs and systemd units,
//! what `chkconfig --list`, `initctl list`, `systemctl list-unit-files` and
//! `service --status-all` would say together.
//!
//! Each init system's files are read by its own module (`sysv`, `upstart`,
//! `systemd`); `detect` decides which init system the host runs, which
//! decides whose services are listed; `running` ties processes to services.

mod detect;
mod openrc;
mod running;
mod systemd;
mod sysv;
mod upstart;

use std::collections::HashMap;

use serde::Serialize;

use super::facts::Facts;
use super::packages::Packages;
use super::processes::Process;
use super::sockets::Listener;
use crate::sources::marks;
pub use crate::vocab::openrc::Depend;

pub use detect::InitSystem;
pub use systemd::DependencyLine;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The script or job name; for systemd the unit name without
    /// `.service` (`ssh`), other unit types keep their suffix.
    pub name: String,
    pub init: InitSystem,
    pub kind: ServiceKind,
    /// The systemd unit (`ssh.service`), for systemd and for SysV scripts
    /// that systemd runs through its generator.
    pub unit: Option<String>,
    pub state: EnableState,
    /// Started at boot; None when the notion does not apply (static units).
    pub enabled: Option<bool>,
    /// SysV runlevels it is started in (S links, or an Upstart `runlevel`).
    pub runlevels: Vec<u8>,
    /// OpenRC: the named runlevels it is added to (`boot`, `default`).
    pub runlevel_names: Vec<String>,
    /// OpenRC: the script's `depend()` block.
    pub depend: Option<Depend>,
    /// Started from Debian's rcS.d (runlevel S, once at boot).
    pub at_boot: bool,
    /// systemd: the units whose `.wants`/`.requires` links enable it.
    pub targets: Vec<String>,
    /// Upstart: the event expressions.
    pub start_on: Option<String>,
    pub stop_on: Option<String>,
    pub aliases: Vec<String>,
    pub description: Option<String>,
    /// None when unknown (no processes collected, or nothing to tell by).
    pub running: Option<bool>,
    /// How `running` was decided.
    pub running_evidence: String,
    pub pids: Vec<u32>,
    /// `tcp/22`, `udp/123`: what its processes listen on.
    pub ports: Vec<String>,
    /// The unit file, init script or job file.
    pub unit_file: Option<String>,
    pub dropins: Vec<String>,
    pub package: Option<String>,
    pub package_version: Option<String>,
    /// Executable names that identify its processes.
    #[serde(skip)]
    pub exec_names: Vec<String>,
    /// An Upstart job's whole `exec` line, when it has no variables.
    #[serde(skip)]
    pub exec_command: Option<String>,
    #[serde(skip)]
    pub pid_files: Vec<String>,
    /// systemd `Type=oneshot`: leaves no process when done.
    #[serde(skip)]
    pub oneshot: bool,
    /// systemd socket units: `ListenStream=` and friends.
    #[serde(skip)]
    pub listens: Vec<String>,
    /// systemd timer units: when, and what they start (`host.jobs`).
    #[serde(skip)]
    pub timer: Option<Timer>,
}

/// A systemd timer: its `On...=` settings, in words where common, and
/// the unit it starts with that unit's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub schedule: Vec<String>,
    pub when: Option<String>,
    pub unit: String,
    pub exec: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Service,
    Socket,
    Timer,
    /// An Upstart `task`: runs to completion.
    Task,
}

/// As `systemctl list-unit-files` says it; Upstart's `manual` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnableState {
    Enabled,
    Disabled,
    /// No install information: started only as another unit's dependency.
    Static,
    /// Only `Also=` in its install section.
    Indirect,
    Masked,
    /// An Upstart job with `manual`.
    Manual,
}

impl Service {
    pub(crate) fn new(
        name: String,
        init: InitSystem,
        kind: ServiceKind,
        state: EnableState,
    ) -> Service {
        Service {
            name,
            init,
            kind,
            unit: None,
            state,
            enabled: None,
            runlevels: Vec::new(),
            runlevel_names: Vec::new(),
            depend: None,
            at_boot: false,
            targets: Vec::new(),
            start_on: None,
            stop_on: None,
            aliases: Vec::new(),
            description: None,
            running: None,
            running_evidence: String::new(),
            pids: Vec::new(),
            ports: Vec::new(),
            timer: None,
            unit_file: None,
            dropins: Vec::new(),
            package: None,
            package_version: None,
            exec_names: Vec::new(),
            exec_command: None,
            pid_files: Vec::new(),
            oneshot: false,
            listens: Vec::new(),
        }
    }
}

/// Which init system runs the host and what it starts by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InitInfo {
    /// None when it could not be told.
    pub system: Option<InitSystem>,
    pub decided_by: String,
    /// From /etc/inittab's `initdefault`.
    pub default_runlevel: Option<u8>,
    pub default_target: Option<String>,
    /// `systemctl list-dependencies DEFAULT`: targets expanded, bounded.
    pub default_target_tree: Vec<DependencyLine>,
}

/// The services, or None when no init system's files were collected.
pub fn services(
    f: &Facts,
    processes: Option<&mut Vec<Process>>,
    listeners: Option<&mut Vec<Listener>>,
) -> (Option<Vec<Service>>, InitInfo) {
    let init = detect::detect(f, processes.as_deref().map(Vec::as_slice));
    let cgroup_units: Vec<String> = processes
        .as_deref()
        .map(|ps| ps.iter().filter_map(|p| p.unit.clone()).collect())
        .unwrap_or_default();
    let sysv = sysv::scripts(f);
    let upstart = upstart::jobs(f);
    let systemd = systemd::units(f, &cgroup_units);
    let openrc = openrc::scripts(f);
    let mut info = InitInfo {
        system: init.system,
        decided_by: init.decided_by.clone(),
        default_runlevel: sysv
            .as_ref()
            .and_then(|s| s.default_runlevel)
            .and_then(|r| r.number()),
        ..InitInfo::default()
    };
    if sysv.is_none() && upstart.is_none() && systemd.is_none() && openrc.is_none() {
        return (None, info);
    }
    let in_use = |s: InitSystem| info.system.is_none() || info.system == Some(s);
    let mut list = Vec::new();
    let unit_names = systemd
        .as_ref()
        .map(|s| s.names.clone())
        .unwrap_or_default();
    if let Some(sd) = systemd.filter(|_| in_use(InitSystem::Systemd)) {
        info.default_target = sd.default_target;
        info.default_target_tree = sd.tree;
        list.extend(sd.services);
    }
    let upstart_names: Vec<String> = upstart.iter().flatten().map(|s| s.name.clone()).collect();
    if let Some(jobs) = upstart.filter(|_| in_use(InitSystem::Upstart)) {
        list.extend(jobs);
    }
    // OpenRC's scripts are in /etc/init.d too, without LSB headers or rc?.d
    // links, so the SysV reading does not list them.
    if let Some(scripts) = openrc.filter(|_| in_use(InitSystem::Openrc)) {
        list.extend(scripts);
    }
    // Upstart and systemd both run the SysV scripts that have no job or
    // unit of their own (Upstart through /etc/init/rc.conf, systemd through
    // systemd-sysv-generator); a script that has one is shadowed by it.
    // Where PID 1 is no init at all (a container, a sosreport's sandbox),
    // the root's own /sbin/init says which rule would apply at boot.
    let rule = info.system.or(init.on_disk);
    for mut s in sysv.map(|s| s.services).unwrap_or_default() {
        let unit = format!("{}.service", s.name.trim_end_matches(".sh"));
        match rule {
            Some(InitSystem::Systemd) if unit_names.contains(&unit) => continue,
            Some(InitSystem::Systemd) => s.unit = Some(unit),
            Some(InitSystem::Upstart) if upstart_names.contains(&s.name) => continue,
            _ => {}
        }
        list.push(s);
    }
    running::decide(f, &mut list, processes, listeners, info.system);
    // Static units are started only as dependencies; they are listed only
    // when something of theirs runs.
    list.retain(|s| s.state != EnableState::Static || s.running == Some(true));
    list.sort_by(|a, b| a.name.cmp(&b.name).then(a.unit.cmp(&b.unit)));
    (Some(list), info)
}

/// The package behind each service (its unit file or script, else its
/// executable) and each listener (its program's executable, else its
/// service's package).
pub fn attach_packages(
    f: &Facts,
    packages: &Packages,
    services: Option<&mut [Service]>,
    listeners: Option<&mut [Listener]>,
    processes: &[Process],
) {
    let exe_of = |pid: u32| {
        processes
            .binary_search_by_key(&pid, |p| p.pid)
            .ok()
            .and_then(|i| processes[i].exe.as_deref())
    };
    // Every path asked about, in both /usr spellings, answered in one pass
    // over the package databases' file lists.
    let mut services = services;
    let mut listeners = listeners;
    let mut asked: Vec<String> = Vec::new();
    for s in services.iter().flat_map(|s| s.iter()) {
        asked.extend(s.unit_file.clone());
        asked.extend(s.pids.iter().filter_map(|&p| exe_of(p)).map(str::to_owned));
    }
    for l in listeners.iter().flat_map(|l| l.iter()) {
        asked.extend(
            l.owners
                .iter()
                .filter_map(|o| exe_of(o.pid))
                .map(str::to_owned),
        );
    }
    let spelled: Vec<String> = asked.iter().map(|p| other_spelling(p)).collect();
    let all: Vec<&str> = asked.iter().chain(&spelled).map(String::as_str).collect();
    let owners: HashMap<&str, usize> = all
        .iter()
        .zip(packages.owners(f, &all))
        .filter_map(|(&p, o)| Some((p, o?)))
        .collect();
    let owner_of = |path: &str| {
        owners
            .get(path)
            .or_else(|| owners.get(other_spelling(path).as_str()))
            .map(|&i| &packages.list[i])
    };
    let mut by_service = HashMap::new();
    for s in services.iter_mut().flat_map(|s| s.iter_mut()) {
        let owner = s
            .unit_file
            .as_deref()
            .and_then(owner_of)
            .or_else(|| s.pids.iter().find_map(|&p| owner_of(exe_of(p)?)));
        if let Some(p) = owner {
            s.package = Some(p.name.clone());
            s.package_version = Some(match &p.release {
                Some(r) => format!("{}-{r}", p.version),
                None => p.version.clone(),
            });
            by_service.insert(s.name.clone(), p.name.clone());
        }
    }
    for l in listeners.iter_mut().flat_map(|l| l.iter_mut()) {
        l.package = l
            .owners
            .iter()
            .find_map(|o| owner_of(exe_of(o.pid)?))
            .map(|p| p.name.clone())
            .or_else(|| l.service.as_ref().and_then(|s| by_service.get(s).cloned()));
    }
}

/// A file's other spelling on merged-/usr systems (the database says
/// /lib/..., the kernel says /usr/lib/..., or the reverse).
fn other_spelling(path: &str) -> String {
    match path.strip_prefix(marks::USR) {
        Some(short) => short.to_string(),
        None => format!("{}{path}", marks::USR),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{copy_tree, fixture, TempRoot};

    /// A container or sosreport sandbox: PID 1 is a shell, the root is
    /// Debian 12 with systemd. systemd-sysv-generator's rule still holds: a
    /// script with a native unit of its name is that unit, not a second
    /// service.
    #[test]
    fn native_units_shadow_scripts_when_pid1_is_no_init() {
        let r = TempRoot::new();
        copy_tree(&fixture("debian12-systemd"), r.path());
        r.write("proc/1/comm", b"bash\n");
        r.write("proc/1/cmdline", b"/bin/bash\0");
        let host = crate::model::build(&crate::snapshot::DirSnapshot::new(r.path()));
        assert_eq!(host.init.system, None, "{}", host.init.decided_by);
        let services = host.services.unwrap();
        for name in ["cron", "ssh", "networking"] {
            let all: Vec<_> = services.iter().filter(|s| s.name == name).collect();
            assert_eq!(all.len(), 1, "{name}: {all:#?}");
            assert_eq!(all[0].init, super::InitSystem::Systemd, "{name}");
        }
        // procps and hwclock.sh have units too (static or masked): no SysV
        // service stands in for them.
        let sysv: Vec<_> = services
            .iter()
            .filter(|s| s.init == super::InitSystem::Sysv)
            .map(|s| s.name.as_str())
            .collect();
        assert!(sysv.is_empty(), "{sysv:?}");
    }

    /// Ubuntu 14.04 has no /etc/inittab: the default runlevel is the one
    /// Upstart's rc-sysinit.conf sets.
    #[test]
    fn upstart_default_runlevel() {
        let host = crate::model::build(&crate::snapshot::DirSnapshot::new(&fixture(
            "ubuntu1404-upstart",
        )));
        assert_eq!(host.init.default_runlevel, Some(2));
    }
}
