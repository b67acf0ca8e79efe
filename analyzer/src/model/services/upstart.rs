//! Upstart: the jobs in /etc/init (`*.conf`), each with its `.override`
//! applied, as `initctl show-config` sees them.

use super::super::facts::Facts;
use super::{EnableState, InitSystem, Service, ServiceKind};
use crate::parse::upstart::{self, JobProcess, UpstartJob};
use crate::sources as src;

/// None when /etc/init was not collected or holds no job.
pub fn jobs(f: &Facts) -> Option<Vec<Service>> {
    let files = f.glob(&src::UPSTART_JOBS);
    if files.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for path in files {
        let Some(job) = f.parse_at(&src::UPSTART_JOBS, &path, upstart::parse) else {
            continue;
        };
        let stem = path.trim_end_matches(".conf");
        let name = stem.rsplit('/').next().unwrap_or(stem).to_string();
        let override_path = src::UPSTART_OVERRIDES.at(&[&name]);
        let job = match f.parse_at(&src::UPSTART_OVERRIDES, &override_path, upstart::parse) {
            Some(over) => upstart::apply_override(&job, &over),
            None => job,
        };
        out.push(service(name, path, &job));
    }
    Some(out)
}

fn service(name: String, path: String, job: &UpstartJob) -> Service {
    let (state, enabled) = match (&job.start_on, job.manual) {
        (_, true) => (EnableState::Manual, Some(false)),
        (Some(_), false) => (EnableState::Enabled, Some(true)),
        // No `start on`: only another job or an admin starts it.
        (None, false) => (EnableState::Static, None),
    };
    let kind = if job.task {
        ServiceKind::Task
    } else {
        ServiceKind::Service
    };
    let mut s = Service::new(name.clone(), InitSystem::Upstart, kind, state);
    s.enabled = enabled;
    s.runlevels = job
        .start_on
        .as_deref()
        .and_then(upstart::runlevels_of)
        .unwrap_or_default()
        .iter()
        .filter_map(|l| l.number())
        .collect();
    s.start_on = job.start_on.clone();
    s.stop_on = job.stop_on.clone();
    s.description = job.description.clone();
    s.unit_file = Some(path);
    s.exec_names = vec![name.clone()];
    if let Some(program) = job.main.as_ref().and_then(JobProcess::program) {
        if !s.exec_names.contains(&program) {
            s.exec_names.push(program);
        }
    }
    s.exec_command = match &job.main {
        Some(JobProcess::Exec(c)) if !c.contains('$') => Some(c.clone()),
        _ => None,
    };
    s.pid_files = src::PID_FILES.all_at(&[&name]);
    s
}
