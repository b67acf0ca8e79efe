//! `host.jobs`: what runs on a schedule beside the services: cron's tables
//! (/etc/crontab, /etc/cron.d, each user's spool), anacron's, the periodic
//! directories run-parts runs, systemd timers with the unit they start,
//! and the at queue by name only. What breaks after a cutover is often a
//! nightly job; where it reaches goes to `host.dependencies` (kind `job`).

use serde::Serialize;

use super::facts::Facts;
use super::services::{Service, ServiceKind};
use crate::parse::cron::{self, CronEntry};
use crate::sources::{self as src, Source};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// `cron`, `anacron`, `run-parts`, `systemd-timer`, `at`.
    pub kind: &'static str,
    /// As written: cron's five fields or `@daily`, anacron's period and
    /// delay, a timer's `OnCalendar=...`.
    pub schedule: String,
    /// In words where it is a common schedule ("daily at 02:30").
    pub when: Option<String>,
    pub user: Option<String>,
    /// The command line; for a timer, the unit it starts and its ExecStart.
    pub command: String,
    /// `path:line` (or the unit file, or the directory run-parts runs).
    pub declared_in: String,
}

/// Most jobs kept for one host.
pub const MAX_JOBS: usize = 10_000;

/// Names in the RHEL spool directory that are not users' crontabs.
const NOT_A_USER: &[&str] = &["crontabs", "atjobs", "atspool", "lastrun"];

fn from_cron(
    out: &mut Vec<Job>,
    path: &str,
    entries: Vec<CronEntry>,
    kind: &'static str,
    user: Option<&str>,
) {
    for e in entries {
        out.push(Job {
            kind,
            when: cron::in_words(&e.schedule),
            schedule: e.schedule,
            user: e.user.or_else(|| user.map(str::to_string)),
            command: e.command,
            declared_in: format!("{path}:{}", e.line),
        });
    }
}

/// Reads every table of a row; whether any was read.
fn table(f: &Facts, out: &mut Vec<Job>, row: &'static Source, system: bool) -> bool {
    let mut read = false;
    for path in f.glob(row) {
        let name = path.rsplit('/').next().unwrap_or(&path);
        if !system && NOT_A_USER.contains(&name) {
            continue;
        }
        let Some(bytes) = f.bytes_at(row, &path) else {
            continue;
        };
        read = true;
        let entries = f
            .parsed(row, &path, cron::parse(&bytes, system))
            .unwrap_or_default();
        from_cron(out, &path, entries, "cron", (!system).then_some(name));
    }
    read
}

/// None when the input holds none of the scheduling sources (a bundle
/// without the `sched` spec); else every job found, maybe none.
pub fn jobs(f: &Facts, services: Option<&[Service]>) -> Option<Vec<Job>> {
    let mut out = Vec::new();
    let mut read = table(f, &mut out, &src::CRONTAB, true);
    read |= table(f, &mut out, &src::CRON_D, true);
    read |= table(f, &mut out, &src::CRON_SPOOL, false);
    if let Some(bytes) = f.bytes(&src::ANACRONTAB) {
        read = true;
        let path = src::ANACRONTAB.path();
        let entries = f
            .parsed(&src::ANACRONTAB, path, cron::parse_anacrontab(&bytes))
            .unwrap_or_default();
        from_cron(&mut out, src::ANACRONTAB.path(), entries, "anacron", None);
    }
    let mut listed_any = false;
    for (dir, when) in src::CRON_PERIODIC
        .paths
        .iter()
        .zip(["hourly", "daily", "weekly", "monthly"])
    {
        let Some(children) = f.list_at(&src::CRON_PERIODIC, dir) else {
            continue;
        };
        listed_any = true;
        for c in children {
            let name = String::from_utf8_lossy(&c.name).into_owned();
            // run-parts skips names with dots and the placeholder file.
            if name.contains('.') || name.starts_with('.') || name == "0anacron" {
                continue;
            }
            out.push(Job {
                kind: "run-parts",
                schedule: when.to_string(),
                when: Some(when.to_string()),
                user: Some("root".into()),
                command: format!("{dir}/{name}"),
                declared_in: dir.to_string(),
            });
        }
    }
    for s in services
        .into_iter()
        .flatten()
        .filter(|s| s.kind == ServiceKind::Timer)
    {
        let Some(timer) = &s.timer else { continue };
        out.push(Job {
            kind: "systemd-timer",
            when: timer.when.clone(),
            schedule: timer.schedule.join("; "),
            user: None,
            command: match &timer.exec {
                Some(exec) => format!("{}: {exec}", timer.unit),
                None => timer.unit.clone(),
            },
            declared_in: s.unit_file.clone().unwrap_or_default(),
        });
    }
    for dir in src::AT_QUEUE.paths {
        for c in f.list_at(&src::AT_QUEUE, dir).unwrap_or_default() {
            let name = String::from_utf8_lossy(&c.name).into_owned();
            if name.starts_with('.') || name == "spool" {
                continue;
            }
            out.push(Job {
                kind: "at",
                schedule: "once".into(),
                when: Some("once, queued".into()),
                user: None,
                command: format!(
                    "{dir}/{name} (content never read: it holds its user's environment)"
                ),
                declared_in: dir.to_string(),
            });
        }
    }
    if out.len() > MAX_JOBS {
        f.problem(
            "host.jobs",
            format!("{} jobs; the first {MAX_JOBS} are listed", out.len()),
        );
        out.truncate(MAX_JOBS);
    }
    (read || listed_any || !out.is_empty()).then_some(out)
}
