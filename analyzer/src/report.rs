//! The report: model, then rules, then one serializable value (`Report`)
//! that is the JSON contract and every template's context. `render/` only
//! formats it; `fleet/` builds one per host through here.

use serde::Serialize;

use crate::model::{self, Host};
use crate::profile::Target;
use crate::rules::{self, Finding, Readiness};
use crate::snapshot::Snapshot;

/// The `bundle` object of the JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    pub path: String,
    pub kind: String,
    pub format_version: Option<u32>,
    pub complete: bool,
    pub probe_version: Option<String>,
    pub collected_at: Option<String>,
    pub as_root: Option<bool>,
}

/// The whole report: what `--format json` prints, and every template's context.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lift_version: &'static str,
    pub bundle: BundleInfo,
    pub host: Host,
    pub target: &'static str,
    pub readiness: Readiness,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    /// How the facts were collected, in detail.
    pub collection: model::Collection,
    /// The package databases read (the packages themselves are in `host`).
    pub package_databases: Vec<model::Database>,
    /// Established connections grouped by direction and endpoint.
    pub connection_summary: Vec<model::sockets::ConnectionGroup>,
    /// The packages behind the host's services, running ones first: what
    /// must work on the target.
    pub important_components: Vec<Component>,
    /// What to provision on the target; null for a profile with no
    /// catalog (generic, and openstack without `--catalog`).
    pub sizing: Option<crate::sizing::Sizing>,
    /// The volumes to create on the target; null for generic, or where the
    /// storage layout is not known.
    pub volume_plan: Option<Vec<crate::sizing::volumes::PlannedVolume>>,
    /// Every source the model read, with its state and evidence.
    pub sources: model::Ledger,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub package: String,
    pub version: Option<String>,
    pub services: Vec<String>,
    pub running: bool,
}

/// Groups the services by the package that owns them.
fn components(host: &Host) -> Vec<Component> {
    let mut out: Vec<Component> = Vec::new();
    for s in host.services.iter().flatten() {
        let Some(pkg) = &s.package else { continue };
        let running = s.running == Some(true);
        match out.iter_mut().find(|c| &c.package == pkg) {
            Some(c) => {
                c.services.push(s.name.clone());
                c.running |= running;
            }
            None => out.push(Component {
                package: pkg.clone(),
                version: s.package_version.clone(),
                services: vec![s.name.clone()],
                running,
            }),
        }
    }
    out.sort_by(|a, b| b.running.cmp(&a.running).then(a.package.cmp(&b.package)));
    out
}

/// What a sosreport input is, and which facts its command outputs gave.
fn sos_note(sos: &model::SosReport) -> String {
    let version = sos.version.as_deref().unwrap_or("of unknown version");
    let mut note = format!("This input is a sosreport (sos {version}).");
    if !sos.from_commands.is_empty() {
        let list: Vec<String> = sos
            .from_commands
            .iter()
            .map(|c| format!("{} (from {})", c.fact, c.source))
            .collect();
        note.push_str(&format!(
            " These facts came from command output, not files: {}.",
            list.join(", ")
        ));
    }
    note
}

impl Report {
    pub fn build(snap: &dyn Snapshot, target: &Target) -> Report {
        let profile = target.profile;
        let host = model::build(snap);
        let eval = rules::evaluate(&host, target);
        let c = &host.collection;
        let mut notes = Vec::new();
        if !c.complete {
            notes.push(
                "This bundle is incomplete: the probe did not finish, so facts may be missing."
                    .to_string(),
            );
        }
        if c.skipped_records > 0 {
            notes.push(format!(
                "{} records from a newer probe were skipped.",
                c.skipped_records
            ));
        }
        if c.unreadable_total > 0 {
            notes.push(format!(
                "{} paths could not be read by the probe.",
                c.unreadable_total
            ));
        }
        if let Some(sos) = &c.sosreport {
            notes.push(sos_note(sos));
        }
        for p in &host.problems {
            notes.push(format!("{} could not be parsed: {}", p.path, p.message));
        }
        Report {
            lift_version: env!("CARGO_PKG_VERSION"),
            bundle: BundleInfo {
                path: c.path.clone(),
                kind: c.kind.clone(),
                format_version: c.format_version,
                complete: c.complete,
                probe_version: c.probe_version.clone(),
                collected_at: c.collected_at.clone(),
                as_root: c.as_root,
            },
            collection: c.clone(),
            package_databases: host
                .packages
                .as_ref()
                .map(|p| p.databases.clone())
                .unwrap_or_default(),
            important_components: components(&host),
            connection_summary: match (&host.connections, &host.listeners) {
                (Some(c), Some(l)) => model::sockets::summarize(c, l),
                _ => Vec::new(),
            },
            target: profile.name(),
            readiness: eval.readiness,
            findings: eval.findings,
            notes,
            sizing: crate::sizing::size(&host, profile, &target.sizing),
            volume_plan: crate::sizing::volumes::plan(&host, profile),
            sources: host.sources.clone(),
            host,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::DirSnapshot;

    #[test]
    fn components_group_services_by_package_running_first() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/debian12-systemd");
        let mut host = model::build(&DirSnapshot::new(std::path::Path::new(dir)));
        let c = components(&host);
        let ssh = c
            .iter()
            .find(|c| c.package == "openssh-server")
            .expect("openssh-server");
        assert!(
            ssh.services.contains(&"ssh".to_string()),
            "{:?}",
            ssh.services
        );
        assert!(c.iter().all(|c| !c.running));
        for s in host
            .services
            .iter_mut()
            .flatten()
            .filter(|s| s.name == "cron")
        {
            s.running = Some(true);
        }
        let c = components(&host);
        assert_eq!((c[0].package.as_str(), c[0].running), ("cron", true));
    }
}
