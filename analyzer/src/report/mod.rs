//! The report layer: what render/ formats. Here, a host's report: model,
//! then rules, then one serializable value (`Report`) that is the JSON
//! contract and every host template's context; `fleet/` builds one per host
//! through here. [`diff`] is `lift diff`'s report, [`fleet`] the fleet
//! index's page. render/ reads only these types.

pub mod diff;
pub mod fleet;

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
    /// The day support dates are judged on: `SOURCE_DATE_EPOCH` when set,
    /// otherwise today (UTC).
    pub report_date: crate::lifecycle::Date,
    /// The distribution's vendor support dates (lift's table) and where
    /// they stand on `report_date`; null when the OS, its version or its
    /// row is unknown (`gen.os-support` says which).
    pub os_support: Option<crate::lifecycle::Support>,
    /// No target was asked for (`lift report` without `--target`): the
    /// page is an inventory and shows no verdict; `readiness` is the
    /// generic profile's.
    pub inventory: bool,
    /// Every profile `--target` takes.
    pub targets: Vec<&'static str>,
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
        if let Some(skipped) = rules::skipped_records(c) {
            notes.push(format!("{skipped}."));
        }
        if c.unreadable_total > 0 {
            notes.push(format!(
                "{} could not be read by the probe.",
                rules::count(c.unreadable_total as usize, "path", "paths")
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
                kind: c.kind.name().to_string(),
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
            report_date: target.today,
            os_support: rules::os_support(&host, target),
            inventory: false,
            targets: crate::profile::Profile::ALL
                .iter()
                .map(|p| p.name())
                .collect(),
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

/// `lift check`'s output: `INPUT: VERDICT for TARGET`, then one line per
/// blocker and per unknown that decides the verdict (id, title, the first
/// line of the reason); for a conditionally-ready verdict, one per warning
/// (what makes it conditional, and what `--fail-on warning` fails on).
pub fn check_lines(input: &str, report: &Report) -> String {
    let readiness = match report.readiness {
        Readiness::Ready => "ready",
        Readiness::ConditionallyReady => "conditionally-ready",
        Readiness::NotReady => "not-ready",
        Readiness::Unknown => "unknown",
    };
    let mut out = format!("{input}: {readiness} for {}\n", report.target);
    let conditional = report.readiness == Readiness::ConditionallyReady;
    for f in &report.findings {
        let tag = match f.severity {
            rules::Severity::Blocker => "blocker",
            rules::Severity::Unknown if f.decides => "unknown",
            rules::Severity::Warning if conditional => "warning",
            _ => continue,
        };
        let reason = f.detail.lines().next().unwrap_or("");
        out.push_str(&format!(
            "  {tag:<8} {}: {}: {}\n",
            f.id,
            f.title,
            one_line(reason, 140)
        ));
    }
    out
}

/// At most `max` characters, cut at a word with an ellipsis.
fn one_line(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut} …")
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

    /// `lift check` printed only "PATH: not-ready": the blockers and the
    /// unknowns that decide the verdict now follow, one line each.
    #[test]
    fn check_lists_blockers_and_deciding_unknowns() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/centos6-sysv");
        let target = Target::new(crate::profile::Profile::AwsMgn);
        let r = Report::build(&DirSnapshot::new(std::path::Path::new(dir)), &target);
        let text = check_lines("c6", &r);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("c6: not-ready for aws-mgn"));
        let rest: Vec<&str> = lines.collect();
        assert!(
            rest.iter()
                .any(|l| l.starts_with("  blocker  mgn.tmp-exec: /tmp exec permission: ")),
            "{text}"
        );
        assert!(
            rest.iter()
                .any(|l| l.starts_with("  unknown  mgn.root-free-space: ")),
            "{text}"
        );
        // mgn.network is unknown but does not decide: not listed.
        assert!(!text.contains("mgn.network"), "{text}");
        let blockers = r
            .findings
            .iter()
            .filter(|f| f.severity == rules::Severity::Blocker)
            .count();
        let deciding = r.findings.iter().filter(|f| f.decides).count();
        assert_eq!(rest.len(), blockers + deciding);
        assert!(rest.iter().all(|l| l.chars().count() < 240), "{text}");
        // Not ready: its warnings are not what the verdict stands on.
        assert!(!text.contains("  warning  "), "{text}");
    }

    /// A conditionally-ready verdict (exit 1 under --fail-on warning)
    /// printed no reason: its warnings follow, one line each.
    #[test]
    fn check_lists_the_warnings_of_a_conditional_verdict() {
        // Ubuntu 20.04, past its standard support: conditionally ready.
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/sos-hotsos-openstack"
        );
        let target = Target::new(crate::profile::Profile::Generic);
        let r = Report::build(&DirSnapshot::new(std::path::Path::new(dir)), &target);
        assert_eq!(r.readiness, Readiness::ConditionallyReady);
        let text = check_lines("c6", &r);
        let warnings = r
            .findings
            .iter()
            .filter(|f| f.severity == rules::Severity::Warning)
            .count();
        assert!(warnings > 0);
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("  warning  "))
                .count(),
            warnings,
            "{text}"
        );
    }
}
