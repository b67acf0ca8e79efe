//! Which init system the host runs: PID 1 when processes were collected,
//! else what /sbin/init is, else what is installed. The answer says how it
//! was decided, because the files of all three often sit side by side
//! (Debian ships systemd units with sysvinit; CentOS 6 runs SysV scripts
//! from Upstart).

use serde::Serialize;

use super::super::facts::Facts;
use super::super::processes::Process;
use crate::parse::inittab;
use crate::snapshot::Node;
use crate::sources as src;
use lift_bundle::FileKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InitSystem {
    Systemd,
    Sysv,
    Upstart,
    Openrc,
}

pub struct Detected {
    pub system: Option<InitSystem>,
    pub decided_by: String,
    /// What the root's files say, when PID 1 decided nothing.
    pub on_disk: Option<InitSystem>,
}

fn by_name(name: &str) -> Option<InitSystem> {
    if name.contains("systemd") {
        Some(InitSystem::Systemd)
    } else if name.contains("upstart") {
        Some(InitSystem::Upstart)
    } else if name.contains("openrc") {
        Some(InitSystem::Openrc)
    } else {
        None
    }
}

pub fn detect(f: &Facts, processes: Option<&[Process]>) -> Detected {
    let init = processes.and_then(|ps| ps.iter().find(|p| p.pid == 1));
    if let Some(p) = init {
        let comm = p.comm.clone().unwrap_or_default();
        let exe = p.exe.clone().unwrap_or_default();
        if let Some(system) = by_name(&comm).or_else(|| by_name(&exe)) {
            return Detected {
                system: Some(system),
                decided_by: format!("PID 1 is {comm} ({})", or_unknown(&exe)),
                on_disk: None,
            };
        }
        if comm != "init" {
            return Detected {
                system: None,
                decided_by: format!(
                    "PID 1 is {} ({}), not an init system",
                    or_unknown(&comm),
                    or_unknown(&exe)
                ),
                on_disk: from_files(f).0,
            };
        }
    }
    let prefix = match init {
        Some(_) => "PID 1 is init; ",
        None => "",
    };
    let (system, why) = from_files(f);
    Detected {
        system,
        decided_by: format!("{prefix}{why}"),
        on_disk: None,
    }
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "executable unknown"
    } else {
        s
    }
}

/// What /sbin/init is, and what else is installed.
fn from_files(f: &Facts) -> (Option<InitSystem>, String) {
    let sbin_init = src::SBIN_INIT.path();
    let init = f.lstat(&src::SBIN_INIT);
    if let Some(Node {
        kind: FileKind::Symlink,
        ..
    }) = init
    {
        let target = f
            .resolve_at(&src::SBIN_INIT, sbin_init)
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        if let Some(system) = by_name(&target) {
            return (Some(system), format!("{sbin_init} is a link to {target}"));
        }
    }
    let what = match &init {
        Some(n) if n.kind == FileKind::File => "is a program of its own",
        Some(_) => "names no init system",
        None => "is not in the snapshot",
    };
    let what = format!("{sbin_init} {what}");
    let upstart_bridge = src::UPSTART_BRIDGE
        .paths
        .iter()
        .find(|p| f.lstat_at(&src::UPSTART_BRIDGE, p).is_some());
    if let Some(job) = upstart_bridge {
        return (
            Some(InitSystem::Upstart),
            format!("{what}, and Upstart's {job} is present"),
        );
    }
    // Its skipped lines are noted where the services are read from it.
    let inittab = f
        .bytes(&src::INITTAB)
        .and_then(|b| inittab::parse(&b).ok())
        .map(|p| p.value)
        .unwrap_or_default();
    // busybox init (Alpine) and sysvinit (Gentoo) both hand over to
    // OpenRC from inittab: `::sysinit:/sbin/openrc sysinit`.
    let calls_openrc = inittab.entries.iter().find_map(|e| {
        let program = e.process.split_whitespace().next()?;
        e.process.contains("openrc").then_some(program)
    });
    if let Some(program) = calls_openrc {
        // An Alpine minirootfs keeps the inittab but not openrc: the init
        // system is the program, not the line that would call it. A
        // directory that was not listed (a sosreport's /sbin) says nothing.
        let dir = program.rsplit_once('/').map_or("/", |(d, _)| d);
        let dir = if dir.is_empty() { "/" } else { dir };
        let listed = f.list_at(&src::PATH_DIRS, dir).is_some();
        if !listed || f.lstat_at(&src::PATH_DIRS, program).is_some() {
            return (
                Some(InitSystem::Openrc),
                format!("{what}, and {} calls openrc", src::INITTAB.path()),
            );
        }
        return (
            None,
            format!(
                "{what}, and {} calls {program}, which is not in the root: openrc is not installed",
                src::INITTAB.path()
            ),
        );
    }
    let inittab_runs_rc = inittab.entries.iter().any(|e| e.action == "sysinit");
    if inittab_runs_rc {
        return (
            Some(InitSystem::Sysv),
            format!(
                "{what}, and {} has sysvinit's sysinit entries",
                src::INITTAB.path()
            ),
        );
    }
    let etc_systemd = src::SYSTEMD_ADMIN_DIRS.path();
    if init.is_none() && f.list_at(&src::SYSTEMD_ADMIN_DIRS, etc_systemd).is_some() {
        return (
            Some(InitSystem::Systemd),
            format!("no {sbin_init}, and only systemd's configuration is present"),
        );
    }
    (None, format!("{what}, and no init system's files tell"))
}
