//! SysV init: the scripts in /etc/init.d (or /etc/rc.d/init.d), their S/K
//! links in each rc directory (the `chkconfig --list` matrix), and the
//! default runlevel from /etc/inittab.

use std::collections::BTreeSet;

use lift_bundle::FileKind;

use super::super::facts::Facts;
use super::{EnableState, InitSystem, Service, ServiceKind};
use crate::parse::sysv::{self, rc_dir_runlevel, Runlevel, RunlevelMatrix};
use crate::parse::{inittab, upstart};
use crate::sources as src;

pub struct Scripts {
    pub services: Vec<Service>,
    pub default_runlevel: Option<Runlevel>,
}

/// In init.d but not services: rc's own helpers and documentation.
const NOT_SCRIPTS: [&str; 5] = ["README", "functions", "skeleton", "rc", "rcS"];

/// None when neither script directory was collected.
pub fn scripts(f: &Facts) -> Option<Scripts> {
    let mut seen = BTreeSet::new();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut any_dir = false;
    for dir in src::INIT_SCRIPTS.paths {
        // CentOS links /etc/init.d to rc.d/init.d: read each directory once.
        let Ok(canon) = f.resolve_at(&src::INIT_SCRIPTS, dir) else {
            continue;
        };
        let Some(children) = f
            .list_at(&src::INIT_SCRIPTS, dir)
            .filter(|_| seen.insert(canon))
        else {
            continue;
        };
        any_dir = true;
        for c in children {
            let name = String::from_utf8_lossy(&c.name).into_owned();
            if is_script_name(&name) && matches!(c.kind, FileKind::File | FileKind::Symlink) {
                found.push((name.clone(), format!("{dir}/{name}")));
            }
        }
    }
    if !any_dir {
        return None;
    }
    let matrix = runlevel_matrix(f);
    // /etc/inittab's initdefault; on Upstart hosts without one, the
    // DEFAULT_RUNLEVEL that rc-sysinit.conf sets.
    let default_runlevel = f
        .parse(&src::INITTAB, inittab::parse)
        .and_then(|t| t.default_runlevel)
        .or_else(|| {
            f.parse(&src::RC_SYSINIT, upstart::default_runlevel)
                .flatten()
        });
    let mut services = Vec::new();
    for (name, path) in found {
        // Ubuntu links scripts of Upstart jobs to this shim: the job is the
        // service.
        let target = f
            .lstat_at(&src::INIT_SCRIPT, &path)
            .and_then(|n| n.link_target);
        if target.is_some_and(|t| t.ends_with(b"upstart-job")) {
            continue;
        }
        let headers = f
            .head_at(&src::INIT_SCRIPT, &path)
            .and_then(|b| f.parsed(&src::INIT_SCRIPT, &path, sysv::parse(&b)))
            .unwrap_or_default();
        let links = matrix.services.get(&name);
        if headers.lsb.is_none() && headers.chkconfig.is_none() && links.is_none() {
            continue;
        }
        let on = links.map(|l| l.on_runlevels()).unwrap_or_default();
        let at_boot = on.iter().any(|l| l.number().is_none());
        let enabled = match default_runlevel {
            Some(d) => at_boot || on.contains(&d),
            None => at_boot || on.iter().any(|l| matches!(l.number(), Some(2..=5))),
        };
        let state = if enabled {
            EnableState::Enabled
        } else {
            EnableState::Disabled
        };
        let mut s = Service::new(name.clone(), InitSystem::Sysv, ServiceKind::Service, state);
        s.enabled = Some(enabled);
        s.runlevels = on.iter().filter_map(|l| l.number()).collect();
        s.at_boot = at_boot;
        s.unit_file = Some(path);
        let mut names = vec![name.clone()];
        if let Some(lsb) = &headers.lsb {
            s.description = lsb.short_description.clone();
            names.extend(lsb.provides.iter().cloned());
        }
        if let Some(chk) = &headers.chkconfig {
            s.description = s.description.or_else(|| chk.description.clone());
            names.extend(chk.processname.iter().map(|p| base(p).to_string()));
            s.pid_files.extend(chk.pidfiles.iter().cloned());
        }
        names.retain(|n| !n.starts_with('$'));
        let mut unique: Vec<String> = Vec::new();
        for n in names {
            if !unique.contains(&n) {
                unique.push(n);
            }
        }
        let names = unique;
        for n in &names {
            s.pid_files.extend(src::PID_FILES.all_at(&[n]));
        }
        s.exec_names = names;
        services.push(s);
    }
    Some(Scripts {
        services,
        default_runlevel,
    })
}

fn is_script_name(name: &str) -> bool {
    !name.starts_with('.')
        && !NOT_SCRIPTS.contains(&name)
        && ![
            ".dpkg-old",
            ".dpkg-dist",
            ".dpkg-new",
            ".rpmsave",
            ".rpmnew",
            "~",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// The S/K links of every rc directory, each directory read once.
fn runlevel_matrix(f: &Facts) -> RunlevelMatrix {
    let mut seen = BTreeSet::new();
    let mut links = Vec::new();
    for pattern in src::RC_DIRS.paths {
        for dir in f.glob_at(&src::RC_DIRS, pattern) {
            let Some(level) = rc_dir_runlevel(base(&dir)) else {
                continue;
            };
            let Ok(canon) = f.resolve_at(&src::RC_DIRS, &dir) else {
                continue;
            };
            if !seen.insert(canon) {
                continue;
            }
            for c in f.list_at(&src::RC_DIRS, &dir).unwrap_or_default() {
                let target = c
                    .link_target
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                links.push((level, String::from_utf8_lossy(&c.name).into_owned(), target));
            }
        }
    }
    RunlevelMatrix::from_links(links.iter().map(|(l, n, t)| (*l, n.as_str(), t.as_str())))
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
