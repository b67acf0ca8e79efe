//! Which init system the host runs: PID 1 when processes were collected,
//! else what /sbin/init is, else what is installed. The answer says how it
//! was decided, because the files of all three often sit side by side
//! (Debian ships systemd units with sysvinit; CentOS 6 runs SysV scripts
//! from Upstart).

use serde::Serialize;

use super::super::facts::Facts;
use super::super::processes::Process;
use crate::snapshot::Node;
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
    let init = f.root.lstat("/sbin/init");
    if let Some(Node {
        kind: FileKind::Symlink,
        ..
    }) = init
    {
        let target = f
            .root
            .resolve(b"/sbin/init", true)
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        if let Some(system) = by_name(&target) {
            return (Some(system), format!("/sbin/init is a link to {target}"));
        }
    }
    let what = match &init {
        Some(n) if n.kind == FileKind::File => "/sbin/init is a program of its own",
        Some(_) => "/sbin/init names no init system",
        None => "/sbin/init is not in the snapshot",
    };
    let upstart_bridge = ["/etc/init/rc-sysinit.conf", "/etc/init/rc.conf"]
        .into_iter()
        .find(|p| f.root.lstat(p).is_some());
    if let Some(job) = upstart_bridge {
        return (
            Some(InitSystem::Upstart),
            format!("{what}, and Upstart's {job} is present"),
        );
    }
    let inittab = f
        .root
        .read("/etc/inittab")
        .map(|t| String::from_utf8_lossy(&t).into_owned())
        .unwrap_or_default();
    // busybox init (Alpine) and sysvinit (Gentoo) both hand over to
    // OpenRC from inittab: `::sysinit:/sbin/openrc sysinit`.
    let calls_openrc = inittab.lines().any(|l| {
        !l.trim_start().starts_with('#')
            && l.split(':').nth(3).is_some_and(|c| c.contains("openrc"))
    });
    if calls_openrc {
        return (
            Some(InitSystem::Openrc),
            format!("{what}, and /etc/inittab calls openrc"),
        );
    }
    let inittab_runs_rc = inittab.contains("sysinit");
    if inittab_runs_rc {
        return (
            Some(InitSystem::Sysv),
            format!("{what}, and /etc/inittab has sysvinit's sysinit entries"),
        );
    }
    if init.is_none() && f.root.list("/etc/systemd/system").is_some() {
        return (
            Some(InitSystem::Systemd),
            "no /sbin/init, and only systemd's configuration is present".into(),
        );
    }
    (None, format!("{what}, and no init system's files tell"))
}
