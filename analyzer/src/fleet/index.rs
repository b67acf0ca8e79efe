//! DIR/index.html: the fleet at a glance. One self-contained page (inline
//! CSS, JS and SVG); every count a chart shows is also in a `data-count`
//! attribute, which is what the tests read.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;

use super::{DependencyMap, Failure, Kept, Outcome};
use crate::profile::Profile;
use crate::rules::Severity;

/// Bars a chart shows before the rest are summed into "other".
const MAX_BARS: usize = 15;
const TOP_FINDINGS: usize = 20;

#[derive(Serialize)]
struct Bar {
    label: String,
    /// The label cut to fit beside the bar.
    short: String,
    count: usize,
    /// Bar length in pixels, out of 300.
    width: usize,
}

#[derive(Serialize)]
struct Chart {
    id: &'static str,
    title: &'static str,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct TopFinding<'a> {
    id: &'a str,
    title: &'a str,
    severity: Severity,
    hosts: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    hostname: &'a str,
    os: &'a str,
    kernel: &'a str,
    init: &'a str,
    virtualization: &'a str,
    readiness: &'a str,
    blockers: usize,
    warnings: usize,
    started_at: &'a str,
    input: &'a str,
    /// (input, started_at) of older bundles of this host.
    older: Vec<(&'a str, &'a str)>,
}

fn chart(id: &'static str, title: &'static str, values: impl Iterator<Item = String>) -> Chart {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut all: Vec<(String, usize)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if all.len() > MAX_BARS {
        let rest: usize = all[MAX_BARS - 1..].iter().map(|x| x.1).sum();
        let kinds = all.len() - (MAX_BARS - 1);
        all.truncate(MAX_BARS - 1);
        all.push((format!("other ({kinds} kinds)"), rest));
    }
    let max = all.iter().map(|x| x.1).max().unwrap_or(1).max(1);
    Chart {
        id,
        title,
        bars: all
            .into_iter()
            .map(|(label, count)| Bar {
                width: (count * 300).div_ceil(max),
                short: shorten(&label),
                label,
                count,
            })
            .collect(),
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= 30 {
        label.to_owned()
    } else {
        label.chars().take(29).chain(['…']).collect()
    }
}

fn top_findings<'a>(kept: &[Kept<'a>]) -> Vec<TopFinding<'a>> {
    let mut hits: BTreeMap<&'a str, TopFinding<'a>> = BTreeMap::new();
    for k in kept {
        let mut seen: Vec<&str> = Vec::new();
        for f in &k.host.findings {
            if seen.contains(&f.id.as_str()) {
                continue;
            }
            seen.push(&f.id);
            let t = hits.entry(&f.id).or_insert(TopFinding {
                id: &f.id,
                title: &f.title,
                severity: f.severity,
                hosts: 0,
            });
            t.severity = t.severity.min(f.severity);
            t.hosts += 1;
        }
    }
    let mut list: Vec<TopFinding> = hits.into_values().collect();
    list.sort_by(|a, b| {
        (a.severity, std::cmp::Reverse(a.hosts), a.id).cmp(&(
            b.severity,
            std::cmp::Reverse(b.hosts),
            b.id,
        ))
    });
    list.truncate(TOP_FINDINGS);
    list
}

pub fn render(
    kept: &[Kept],
    map: &DependencyMap,
    failures: &[Failure],
    outcome: &Outcome,
    profile: Profile,
) -> Result<String, minijinja::Error> {
    let hosts = || kept.iter().map(|k| k.host);
    let charts = vec![
        chart(
            "readiness",
            "Readiness",
            hosts().map(|h| h.readiness.clone()),
        ),
        chart("os", "OS and version", hosts().map(|h| h.os.clone())),
        chart("kernel", "Kernel", hosts().map(|h| h.kernel.clone())),
        chart("init", "Init system", hosts().map(|h| h.init.clone())),
        chart(
            "virtualization",
            "Virtualization",
            hosts().map(|h| h.virtualization.clone()),
        ),
    ];
    let rows: Vec<Row> = kept
        .iter()
        .map(|k| Row {
            id: &k.host.id,
            hostname: &k.host.hostname,
            os: &k.host.os,
            kernel: &k.host.kernel,
            init: &k.host.init,
            virtualization: &k.host.virtualization,
            readiness: &k.host.readiness,
            blockers: k.host.count(Severity::Blocker),
            warnings: k.host.count(Severity::Warning),
            started_at: &k.host.started_at,
            input: &k.host.input,
            older: k
                .older
                .iter()
                .map(|h| (h.input.as_str(), h.started_at.as_str()))
                .collect(),
        })
        .collect();
    let groups: Vec<&Vec<String>> = map.groups.iter().filter(|g| g.len() > 1).collect();
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template(
        "fleet.html.j2",
        include_str!("../../templates/fleet.html.j2"),
    )?;
    env.get_template("fleet.html.j2")?
        .render(Value::from_serialize(serde_json::json!({
            "lift_version": env!("CARGO_PKG_VERSION"),
            "target": profile.name(),
            "outcome": outcome,
            "charts": charts,
            "top_findings": top_findings(kept),
            "hosts": rows,
            "groups": groups,
            "standalone": map.groups.len() - groups.len(),
            "edges": map.edges,
            "external": map.external,
            "failures": failures,
        })))
}

#[cfg(test)]
mod tests {
    use super::super::depmap::{Edge, External, Via};
    use super::*;

    fn host(id: &str) -> super::super::HostSummary {
        serde_json::from_value(serde_json::json!({
            "id": id, "hostname": id, "machine_id_sha256": null, "input": "x.lift",
            "started_secs": 0, "started_at": "", "os": "debian 12", "kernel": "6.1",
            "init": "systemd", "virtualization": "kvm", "readiness": "ready",
            "complete": true, "findings": [], "packages": 0, "addresses": [],
            "listening": [], "links": [], "links_omitted": 0
        }))
        .unwrap()
    }

    /// Declared edges and external dependencies are marked apart from
    /// observed ones, and a target from a configuration file is escaped.
    #[test]
    fn declared_edges_are_marked_and_escaped() {
        let (a, b) = (host("a-1"), host("b-2"));
        let kept = vec![
            Kept {
                index: 0,
                host: &a,
                older: vec![],
            },
            Kept {
                index: 1,
                host: &b,
                older: vec![],
            },
        ];
        let map = DependencyMap {
            edges: vec![
                Edge {
                    from: "a-1".into(),
                    to: "b-2".into(),
                    port: Some(2049),
                    service: None,
                    via: vec![Via::Declared],
                    kinds: vec!["nfs".into()],
                },
                Edge {
                    from: "a-1".into(),
                    to: "b-2".into(),
                    port: Some(22),
                    service: Some("sshd".into()),
                    via: vec![Via::Declared, Via::Observed],
                    kinds: vec!["address".into()],
                },
            ],
            groups: vec![vec!["a-1".into(), "b-2".into()]],
            external: vec![External {
                host: "a-1".into(),
                address: "<img src=x onerror=alert(1)>".into(),
                port: None,
                via: vec![Via::Declared],
                kinds: vec!["ldap".into()],
            }],
        };
        let outcome = Outcome {
            bundles: 2,
            hosts: 2,
            failed: 0,
            superseded: 0,
            groups: 1,
        };
        let page = render(&kept, &map, &[], &outcome, Profile::Generic).unwrap();
        assert!(page.contains(r#"<tr class="edge declared" data-from="a-1" data-to="b-2" data-port="2049" data-via="declared">"#), "{page}");
        assert!(page.contains(r#"data-port="22" data-via="declared observed">"#));
        assert!(page.contains(
            r#"<span class="via-declared">declared</span> (address), <span class="via-observed">observed</span>"#
        ));
        assert!(page.contains(r#"<tr class="ext declared" data-via="declared">"#));
        assert!(!page.contains("<img"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}
