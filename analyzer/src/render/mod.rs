//! Reports: one serializable context (`Report`, which is also the JSON
//! contract) rendered by embedded minijinja templates. Every string from a
//! bundle is hostile: HTML templates auto-escape, and Markdown templates use
//! an auto-escape formatter that backslash-escapes Markdown syntax.

pub(crate) mod escape;

use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;

use crate::model::{self, Host};
use crate::rules::{self, Finding, Readiness, Target};
use crate::snapshot::Snapshot;

pub use escape::markdown_escape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
}

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
            host,
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            AutoEscape::Html
        } else if name.ends_with(".md.j2") {
            AutoEscape::Custom("markdown")
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(escape::format);
    env.add_filter("bytes", human_bytes);
    env.add_filter("code", escape::code_span);
    env.add_filter("html", escape::html_in_markdown);
    env.add_filter("duration", human_duration);
    env.add_template("report.md.j2", include_str!("../../templates/report.md.j2"))
        .expect("valid template");
    env.add_template(
        "report.html.j2",
        include_str!("../../templates/report.html.j2"),
    )
    .expect("valid template");
    env.add_template("diff.md.j2", include_str!("../../templates/diff.md.j2"))
        .expect("valid template");
    env.add_template("diff.html.j2", include_str!("../../templates/diff.html.j2"))
        .expect("valid template");
    env
}

/// A `lift diff` report in the given format.
pub fn render_diff(
    report: &crate::diff::DiffReport,
    format: Format,
) -> Result<String, minijinja::Error> {
    let name = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
            })?;
            s.push('\n');
            return Ok(escape::json_terminal_safe(s));
        }
        Format::Markdown => "diff.md.j2",
        Format::Html => "diff.html.j2",
    };
    environment()
        .get_template(name)?
        .render(Value::from_serialize(report))
}

pub fn render(report: &Report, format: Format) -> Result<String, minijinja::Error> {
    let name = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
            })?;
            s.push('\n');
            return Ok(escape::json_terminal_safe(s));
        }
        Format::Markdown => "report.md.j2",
        Format::Html => "report.html.j2",
    };
    let env = environment();
    env.get_template(name)?
        .render(Value::from_serialize(report))
}

fn human_bytes(v: Value) -> String {
    let Some(n) = v
        .as_i64()
        .map(|n| n as f64)
        .or_else(|| f64::try_from(v.clone()).ok())
    else {
        return "?".into();
    };
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut x = n;
    let mut i = 0;
    while x >= 1024.0 && i < UNITS.len() - 1 {
        x /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[i])
    }
}

fn human_duration(v: Value) -> String {
    let Some(s) = v.as_i64() else {
        return "?".into();
    };
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
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
