//! What DIR/index.html counts, host by host ([`Tally`]), and its host
//! rows: the report layer's page (`report::fleet::Index`), which render/
//! writes.

use std::collections::BTreeMap;

use super::HostSummary;
use crate::profile::Profile;
use crate::report::fleet::{Bar, Chart, Counts, Reason, Row, State, TopFinding, Totals};
use crate::rules::{RuleId, Severity};

/// Bars a chart shows before the rest are summed into "other".
const MAX_BARS: usize = 15;
const TOP_FINDINGS: usize = 20;

/// The readiness states, worst first, as the host report names them.
const STATES: [&str; 4] = ["not-ready", "unknown", "conditionally-ready", "ready"];
/// Reasons listed per readiness state.
const TOP_REASONS: usize = 5;

/// (finding id, severity) -> its index in the page's finding list.
pub type FindingIndex = std::collections::HashMap<(String, Severity), usize>;

/// A host's row in the host table.
pub fn row(
    h: &HostSummary,
    older: &[(HostSummary, &str)],
    renamed_from: &[String],
    index: &FindingIndex,
) -> Row {
    let mut findings: Vec<usize> = h
        .findings
        .iter()
        .filter_map(|f| index.get(&(f.id.clone(), f.severity)).copied())
        .collect();
    findings.sort_unstable();
    findings.dedup();
    Row {
        id: h.id.clone(),
        hostname: h.hostname.clone(),
        os: h.os.clone(),
        kernel: h.kernel.clone(),
        init: h.init.clone(),
        virtualization: h.virtualization.clone(),
        readiness: h.readiness.clone(),
        blockers: h.count(Severity::Blocker),
        warnings: h.count(Severity::Warning),
        unknowns: h.count(Severity::Unknown),
        required_unknowns: h.required_unknowns,
        started_at: h.started_at.clone(),
        input: h.input.clone(),
        older: older
            .iter()
            .map(|(o, matched)| (o.input.clone(), o.started_at.clone(), matched.to_string()))
            .collect(),
        renamed_from: renamed_from.to_vec(),
        findings,
    }
}

/// What the charts and the top findings count, host by host, so that no
/// host needs to stay in memory.
#[derive(Default)]
pub struct Tally {
    readiness: BTreeMap<String, usize>,
    os: BTreeMap<String, usize>,
    kernel: BTreeMap<String, usize>,
    init: BTreeMap<String, usize>,
    virtualization: BTreeMap<String, usize>,
    findings: BTreeMap<(String, Severity), TopFinding>,
    /// Per readiness state, per finding id: (title, hosts).
    reasons: BTreeMap<String, BTreeMap<String, (String, usize)>>,
    /// Cores, memory and disks as they are and right-sized.
    provision: Totals,
}

impl Tally {
    pub fn add(&mut self, h: &HostSummary) {
        self.provision.add(&h.provision);
        for (counts, value) in [
            (&mut self.readiness, &h.readiness),
            (&mut self.os, &h.os),
            (&mut self.kernel, &h.kernel),
            (&mut self.init, &h.init),
            (&mut self.virtualization, &h.virtualization),
        ] {
            match counts.get_mut(value) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(value.clone(), 1);
                }
            }
        }
        let mut seen: Vec<(&str, Severity)> = Vec::new();
        for f in &h.findings {
            if seen.contains(&(f.id.as_str(), f.severity)) {
                continue;
            }
            seen.push((&f.id, f.severity));
            self.findings
                .entry((f.id.clone(), f.severity))
                .or_insert_with(|| TopFinding {
                    id: f.id.clone(),
                    title: f.title.clone(),
                    severity: f.severity,
                    hosts: 0,
                })
                .hosts += 1;
        }
        let reasons = self.reasons.entry(h.readiness.clone()).or_default();
        for id in &h.reasons {
            let title = h
                .findings
                .iter()
                .find(|f| &f.id == id)
                .map_or_else(String::new, |f| f.title.clone());
            reasons.entry(id.clone()).or_insert((title, 0)).1 += 1;
        }
    }

    /// Every readiness state, worst first, with its hosts and top reasons
    /// (`HostSummary::readiness` is always one of them).
    fn states(&self) -> Vec<State> {
        STATES
            .into_iter()
            .map(|r| {
                let mut reasons: Vec<Reason> = self
                    .reasons
                    .get(r)
                    .into_iter()
                    .flatten()
                    .map(|(id, (title, hosts))| Reason {
                        id: id.clone(),
                        title: title.clone(),
                        hosts: *hosts,
                    })
                    .collect();
                reasons.sort_by(|a, b| b.hosts.cmp(&a.hosts).then_with(|| a.id.cmp(&b.id)));
                reasons.truncate(TOP_REASONS);
                State {
                    readiness: r,
                    hosts: self.readiness.get(r).copied().unwrap_or(0),
                    reasons,
                }
            })
            .collect()
    }

    fn charts(&self) -> Vec<Chart> {
        vec![
            chart("readiness", "Readiness", &self.readiness),
            chart("os", "OS and version", &self.os),
            chart("kernel", "Kernel", &self.kernel),
            chart("init", "Init system", &self.init),
            chart("virtualization", "Virtualization", &self.virtualization),
        ]
    }

    /// Every (finding, severity) seen, in one order: the page's finding
    /// list, which host rows point into.
    pub fn finding_index(&self) -> FindingIndex {
        self.findings
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect()
    }

    fn finding_list(&self) -> Vec<(&str, Severity, &str)> {
        self.findings
            .values()
            .map(|f| (f.id.as_str(), f.severity, f.title.as_str()))
            .collect()
    }

    /// The most pressing (finding, severity) pairs, in the host table's
    /// order of worst: blockers, then unknowns of the profile's required
    /// checks (what makes a host unknown), then warnings, then other
    /// unknowns; within each, most hosts first.
    fn top_findings(&self, required: &[RuleId]) -> Vec<&TopFinding> {
        let rank = |f: &TopFinding| match f.severity {
            Severity::Blocker => 0,
            Severity::Unknown if required.iter().any(|r| r.as_str() == f.id) => 1,
            Severity::Warning => 2,
            _ => 3,
        };
        let mut list: Vec<&TopFinding> = self.findings.values().collect();
        list.sort_by(|a, b| {
            (rank(a), std::cmp::Reverse(a.hosts), &a.id).cmp(&(
                rank(b),
                std::cmp::Reverse(b.hosts),
                &b.id,
            ))
        });
        list.truncate(TOP_FINDINGS);
        list
    }

    /// What the page counts over every host, for `profile`.
    pub fn counts(&self, profile: Profile) -> Counts<'_> {
        Counts {
            charts: self.charts(),
            states: self.states(),
            top_findings: self.top_findings(profile.required()),
            top_findings_all: self.findings.len(),
            finding_list: self.finding_list(),
            provision: self.provision.clone().rounded(),
        }
    }
}

fn chart(id: &'static str, title: &'static str, counts: &BTreeMap<String, usize>) -> Chart {
    let mut all: Vec<(String, usize)> = counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
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

#[cfg(test)]
mod tests {
    use super::super::depmap::{Edge, External, Via};
    use super::super::{DependencyMap, Outcome};
    use super::*;
    use crate::render::script_json;
    use crate::report::fleet::{Index, Lazy};

    fn listed<T: Clone + Send + Sync + 'static>(items: Vec<T>) -> Lazy<T> {
        Lazy::new(items.len(), move || Box::new(items.clone().into_iter()))
    }

    /// The page as the batch writes it, from the tally and these rows.
    fn page(
        tally: &Tally,
        rows: Vec<Row>,
        map: &DependencyMap,
        outcome: &Outcome,
        profile: Profile,
    ) -> String {
        let mut page = Vec::new();
        crate::render::fleet_index(
            Index {
                profile,
                outcome,
                counts: tally.counts(profile),
                hosts: listed(rows),
                edges: &map.edges,
                groups: &map.groups.moves,
                standalone: map.groups.alone.len(),
                external: listed(map.external.clone()),
                failures: &[],
                shared: &[],
                renamed: &[],
            },
            &mut page,
        )
        .unwrap();
        String::from_utf8(page).unwrap()
    }

    fn host(id: &str) -> super::super::HostSummary {
        serde_json::from_value(serde_json::json!({
            "id": id, "hostname": id, "input": "x.lift",
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
        let mut tally = Tally::default();
        tally.add(&a);
        tally.add(&b);
        let index = tally.finding_index();
        let rows: Vec<Row> = [&a, &b].iter().map(|h| row(h, &[], &[], &index)).collect();
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
            groups: super::super::depmap::Groups {
                moves: vec![vec!["a-1".into(), "b-2".into()]],
                alone: vec![],
            },
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
            kept: 0,
            notes: Vec::new(),
            skipped: 0,
            forms: Vec::new(),
        };
        let page = page(&tally, rows, &map, &outcome, Profile::Generic);
        assert!(page.contains(r#"<a href="hosts/b-2.html">"#), "{page}");
        assert!(page.contains("1 connections and declared dependencies outside the fleet"));
        assert!(page.contains(r#"<tr class="edge declared" data-from="a-1" data-to="b-2" data-port="2049" data-via="declared">"#), "{page}");
        assert!(page.contains(r#"data-port="22" data-via="declared observed">"#));
        assert!(page.contains(
            r#"<span class="via-declared">declared</span> (address), <span class="via-observed">observed</span>"#
        ));
        assert!(page.contains(r#"<tr class="ext declared" data-via="declared">"#));
        assert!(!page.contains("<img"));
        // A host row is JSON in the page, and cannot close its element.
        let mut evil = host("c-3");
        evil.hostname = "</script><img src=x onerror=alert(1)>".into();
        let row = script_json(&row(&evil, &[], &[], &index));
        assert!(!row.contains('<') && !row.contains('>'), "{row}");
        let back: serde_json::Value = serde_json::from_str(&row).unwrap();
        assert_eq!(back["hostname"], "</script><img src=x onerror=alert(1)>");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        // The page has render/'s one escaping setup: a bidi override in a
        // host name (a row's JSON) or an address becomes U+FFFD, as on
        // every other page.
        let (mut c, d) = (host("c-3"), host("d-4"));
        c.hostname = "web\u{202e}gnp.exe".into();
        let mut tally = Tally::default();
        tally.add(&c);
        tally.add(&d);
        let index = tally.finding_index();
        let mut map = map;
        map.external[0].address = "ldap\u{202e}1.example".into();
        let rows = vec![
            super::row(&c, &[], &[], &index),
            super::row(&d, &[], &[], &index),
        ];
        let page = self::page(&tally, rows, &map, &outcome, Profile::Generic);
        assert!(
            !page.contains('\u{202e}'),
            "a bidi override reached the page"
        );
        assert!(page.contains("web\u{fffd}gnp.exe"), "{page}");
        assert!(page.contains("ldap\u{fffd}1.example"), "{page}");
    }

    /// Issue 24 item 3's order of worst, in the top findings too: an
    /// unknown required check (what makes a host unknown) before a warning,
    /// however many hosts each has.
    #[test]
    fn top_findings_worst_first() {
        let finding = |id: &str, severity| super::super::summary::FindingRef {
            id: id.into(),
            severity,
            title: id.into(),
        };
        let mut tally = Tally::default();
        let spread = [
            ("gen.note", Severity::Unknown, 9),
            ("gen.warned", Severity::Warning, 5),
            ("mgn.python", Severity::Unknown, 2),
            ("mgn.python", Severity::Blocker, 1),
        ];
        let mut i = 0;
        for (id, sev, n) in spread {
            for _ in 0..n {
                let mut h = host(&format!("h{i}"));
                h.findings = vec![finding(id, sev)];
                tally.add(&h);
                i += 1;
            }
        }
        let rows: Vec<(&str, Severity)> = tally
            .top_findings(&[RuleId::MgnPython])
            .iter()
            .map(|f| (f.id.as_str(), f.severity))
            .collect();
        assert_eq!(
            rows,
            [
                ("mgn.python", Severity::Blocker),
                ("mgn.python", Severity::Unknown),
                ("gen.warned", Severity::Warning),
                ("gen.note", Severity::Unknown)
            ]
        );
    }

    /// Issue 24: "mgn.kernel-headers: blocker, 26 hosts" where 20 were
    /// blockers and 6 unknown. Each (finding, severity) is its own row, and
    /// each readiness state counts the findings that decided it.
    #[test]
    fn counts_are_per_finding_and_severity() {
        let finding = |id: &str, severity| super::super::summary::FindingRef {
            id: id.into(),
            severity,
            title: id.into(),
        };
        let mut tally = Tally::default();
        for (i, sev) in [Severity::Blocker, Severity::Blocker, Severity::Unknown]
            .into_iter()
            .enumerate()
        {
            let mut h = host(&format!("h{i}"));
            h.findings = vec![
                finding("mgn.kernel-headers", sev),
                finding("mgn.kernel-headers", sev),
            ];
            h.readiness = if sev == Severity::Blocker {
                "not-ready"
            } else {
                "unknown"
            }
            .into();
            h.reasons = vec!["mgn.kernel-headers".into()];
            tally.add(&h);
        }
        let rows: Vec<(String, Severity, usize)> = tally
            .top_findings(&[])
            .iter()
            .map(|f| (f.id.clone(), f.severity, f.hosts))
            .collect();
        assert_eq!(
            rows,
            [
                ("mgn.kernel-headers".to_string(), Severity::Blocker, 2),
                ("mgn.kernel-headers".to_string(), Severity::Unknown, 1)
            ]
        );
        type Reasons = Vec<(String, usize)>;
        let states: Vec<(&str, usize, Reasons)> = tally
            .states()
            .into_iter()
            .map(|s| {
                (
                    s.readiness,
                    s.hosts,
                    s.reasons.into_iter().map(|r| (r.id, r.hosts)).collect(),
                )
            })
            .collect();
        assert_eq!(
            states[0],
            ("not-ready", 2, vec![("mgn.kernel-headers".into(), 2)])
        );
        assert_eq!(
            states[1],
            ("unknown", 1, vec![("mgn.kernel-headers".into(), 1)])
        );
        assert_eq!(states[3], ("ready", 0, vec![]));
    }

    /// Issue 24 item 3: the index of a 10,000-host fleet stays small enough
    /// to open in a browser in under 3 s (README: the figure and command).
    /// Writes it to $LIFT_INDEX_OUT/index.html when set, for measuring.
    #[test]
    #[ignore = "renders a 10,000-host index (a few seconds in a debug build); run for the README's load-time measurement"]
    fn ten_thousand_hosts() {
        let ids = [
            "mgn.kernel-headers",
            "mgn.network",
            "gen.packages",
            "cloud.drivers",
            "gen.disk-space",
            "gen.selinux",
        ];
        let sev = [Severity::Blocker, Severity::Unknown, Severity::Warning];
        let os = [
            "debian 12",
            "debian 11",
            "centos 7.9",
            "rhel 8.9",
            "ubuntu 22.04",
            "sles 15.5",
            "centos 6.10",
        ];
        let mut tally = Tally::default();
        let hosts: Vec<HostSummary> = (0..10_000)
            .map(|i| {
                let mut h = host(&format!("host{i:05}.dc1.example.com-{i:08x}"));
                h.hostname = format!("host{i:05}.dc1.example.com");
                h.os = os[i % os.len()].into();
                h.kernel = format!("5.{}.0-{}-amd64", i % 19, i % 7);
                h.init = ["systemd", "sysv", "upstart"][i % 3].into();
                h.readiness =
                    ["ready", "not-ready", "unknown", "conditionally-ready"][i % 4].into();
                h.started_at = "2026-11-29T10:00:00Z".into();
                h.input = format!("/srv/bundles/wave{}/host{i:05}.lift", i % 12);
                h.findings = (0..(i % 9))
                    .map(|k| super::super::summary::FindingRef {
                        id: ids[(i + k) % ids.len()].into(),
                        severity: sev[(i * 7 + k) % sev.len()],
                        title: format!("finding {}", (i + k) % ids.len()),
                    })
                    .collect();
                tally.add(&h);
                h
            })
            .collect();
        let index = tally.finding_index();
        let rows: Vec<Row> = hosts.iter().map(|h| row(h, &[], &[], &index)).collect();
        let outcome = Outcome {
            bundles: 10_000,
            hosts: 10_000,
            failed: 0,
            superseded: 0,
            groups: 0,
            kept: 0,
            notes: Vec::new(),
            skipped: 0,
            forms: Vec::new(),
        };
        let page = page(
            &tally,
            rows,
            &DependencyMap::default(),
            &outcome,
            Profile::AwsMgn,
        );
        // About 400 bytes a host: the table is data, drawn 100 rows at a time.
        assert!(page.len() < 10_000 * 600, "{} bytes", page.len());
        if let Some(dir) = std::env::var_os("LIFT_INDEX_OUT") {
            let dir = std::path::PathBuf::from(dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("index.html"), &page).unwrap();
        }
    }
}
