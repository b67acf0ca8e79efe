//! OpenRC (Alpine, Gentoo): the scripts in /etc/init.d that run under
//! `openrc-run`, and the named runlevels in /etc/runlevels whose links add
//! them (`rc-update add sshd default` makes
//! `/etc/runlevels/default/sshd -> /etc/init.d/sshd`). A script in any
//! runlevel is enabled; `sysinit` and `boot` ones start at boot.

use std::collections::BTreeMap;

use lift_bundle::FileKind;

use super::super::facts::Facts;
use super::{EnableState, InitSystem, Service, ServiceKind};
use crate::parse::openrc;
use crate::sources as src;

/// Runlevel names each script is added to, by script name.
fn runlevels(f: &Facts) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let runlevels = src::OPENRC_RUNLEVELS.path();
    for level in f.list(&src::OPENRC_RUNLEVELS).unwrap_or_default() {
        if level.kind != FileKind::Dir {
            continue;
        }
        let level = String::from_utf8_lossy(&level.name).into_owned();
        let dir = format!("{runlevels}/{level}");
        for c in f.list_at(&src::OPENRC_RUNLEVELS, &dir).unwrap_or_default() {
            // The link names the script; its target is /etc/init.d/NAME.
            if c.kind != FileKind::Symlink {
                continue;
            }
            let name = String::from_utf8_lossy(&c.name).into_owned();
            out.entry(name).or_default().push(level.clone());
        }
    }
    out
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// None when there is no /etc/runlevels: not an OpenRC host.
pub fn scripts(f: &Facts) -> Option<Vec<Service>> {
    f.list(&src::OPENRC_RUNLEVELS)?;
    let levels = runlevels(f);
    let mut out = Vec::new();
    // OpenRC keeps its scripts in /etc/init.d, the first of SysV's places.
    let scripts = src::INIT_SCRIPTS.path();
    for c in f.list(&src::INIT_SCRIPTS).unwrap_or_default() {
        let name = String::from_utf8_lossy(&c.name).into_owned();
        let path = format!("{scripts}/{name}");
        if name.starts_with('.') || !matches!(c.kind, FileKind::File | FileKind::Symlink) {
            continue;
        }
        let Some(bytes) = f.head_at(&src::INIT_SCRIPT, &path) else {
            continue;
        };
        if !openrc::is_openrc(&bytes) {
            continue;
        }
        let Some(script) = f.parsed(&src::INIT_SCRIPT, &path, openrc::parse(&bytes)) else {
            continue;
        };
        let in_levels = levels.get(&name).cloned().unwrap_or_default();
        let enabled = !in_levels.is_empty();
        let state = if enabled {
            EnableState::Enabled
        } else {
            EnableState::Disabled
        };
        let mut s = Service::new(
            name.clone(),
            InitSystem::Openrc,
            ServiceKind::Service,
            state,
        );
        s.enabled = Some(enabled);
        s.at_boot = in_levels.iter().any(|l| l == "sysinit" || l == "boot");
        s.runlevel_names = in_levels;
        s.unit_file = Some(path);
        s.description = script.description;
        let mut names = vec![name.clone()];
        if let Some(cmd) = &script.command {
            names.push(base(cmd).to_string());
        }
        names.dedup();
        s.pid_files.extend(script.pidfile.clone());
        s.pid_files.push(src::PID_FILES.at(&[&name]));
        s.exec_names = names;
        s.depend = Some(script.depend);
        out.push(s);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::model::services::{EnableState, InitSystem};
    use crate::snapshot::DirSnapshot;
    use crate::testing::fixture;

    /// Alpine's default runlevels: every script added to one is enabled,
    /// in that runlevel; localmount (pulled in by `need`) is not.
    #[test]
    fn alpine_runlevels() {
        let snap = DirSnapshot::new(&fixture("alpine-openrc"));
        let host = crate::model::build(&snap);
        assert_eq!(
            host.init.system,
            Some(InitSystem::Openrc),
            "{}",
            host.init.decided_by
        );
        assert!(
            host.init.decided_by.contains("openrc"),
            "{}",
            host.init.decided_by
        );
        let services = host.services.expect("services");
        let by_level = |level: &str| -> Vec<&str> {
            services
                .iter()
                .filter(|s| s.runlevel_names.iter().any(|l| l == level))
                .map(|s| s.name.as_str())
                .collect()
        };
        assert_eq!(by_level("sysinit"), ["devfs", "dmesg"]);
        assert_eq!(
            by_level("boot"),
            ["bootmisc", "hostname", "hwclock", "modules", "swap", "sysctl", "syslog"]
        );
        assert_eq!(by_level("default"), ["crond", "sshd"]);
        assert_eq!(by_level("shutdown"), ["killprocs", "mount-ro", "savecache"]);
        for s in &services {
            assert_eq!(s.init, InitSystem::Openrc, "{}", s.name);
            let in_a_level = !s.runlevel_names.is_empty();
            assert_eq!(s.enabled, Some(in_a_level), "{}", s.name);
            assert_eq!(s.state == EnableState::Enabled, in_a_level, "{}", s.name);
        }
        let localmount = services.iter().find(|s| s.name == "localmount").unwrap();
        assert_eq!(localmount.enabled, Some(false));
        let syslog = services.iter().find(|s| s.name == "syslog").unwrap();
        assert!(syslog.at_boot);
        assert_eq!(syslog.depend.as_ref().unwrap().provide, ["logger"]);
        assert_eq!(syslog.unit_file.as_deref(), Some("/etc/init.d/syslog"));
        assert_eq!(services.len(), 15);
    }
}
