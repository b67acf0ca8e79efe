//! A verdict needs present evidence. Rules name the sources a verdict
//! stands on (`Finding::on`, `Finding::on_any`); `gate` turns a blocker,
//! warning or pass that stands on an absent, unreadable, broken, cut-short
//! or not-collected source into an unknown naming it.

use super::{Basis, Finding, Severity};
use crate::model::Host;
use crate::sources::{Missing, Source, State};

pub(super) fn basis(host: &Host, s: &Source) -> Basis {
    match host.sources.get(s) {
        Some(r) => Basis {
            source: r.path.clone(),
            spec: r.spec,
            state: r.state,
        },
        None => Basis {
            source: s.paths.join(", "),
            spec: s.spec,
            state: State::Absent,
        },
    }
}

/// A verdict needs present evidence: a blocker, warning or pass whose
/// basis holds a source that is not present becomes an unknown naming
/// those sources. What the rule saw stays in the detail, marked as not
/// proven; its fix is dropped (a fix for an unproven blocker may be wrong).
pub(super) fn gate(mut f: Finding, host: &Host) -> Finding {
    if !matches!(
        f.severity,
        Severity::Blocker | Severity::Warning | Severity::Pass
    ) {
        return f;
    }
    let lacking: Vec<&Basis> = f
        .basis
        .iter()
        .filter(|b| b.state != State::Present)
        .collect();
    if lacking.is_empty() {
        return f;
    }
    let names: Vec<&str> = lacking.iter().map(|b| b.source.as_str()).collect();
    let missing = host.sources.iter().filter(|r| r.state != State::Present);
    let mut seen = Vec::new();
    for r in missing {
        if names.contains(&r.path.as_str()) && !seen.contains(&r.path) {
            seen.push(r.path.clone());
            f.missing.push(Missing {
                source: r.path.clone(),
                spec: r.spec,
                state: r.state,
                detail: r.detail.clone(),
            });
        }
    }
    for b in lacking {
        if !seen.contains(&b.source) {
            f.missing.push(Missing {
                source: b.source.clone(),
                spec: b.spec,
                state: b.state,
                detail: "not looked for".into(),
            });
        }
    }
    let was = match f.severity {
        Severity::Blocker => "a blocker",
        Severity::Warning => "a warning",
        _ => "a pass",
    };
    f.detail = format!(
        "cannot judge without {}; what was read alone would make it {was} ({})",
        names.join(", "),
        f.detail
    );
    f.severity = Severity::Unknown;
    f.remediation = None;
    f.command = None;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Profile, Target};
    use crate::rules::evaluate;
    use crate::testing::fixture;

    fn host_of(dir: &std::path::Path) -> Host {
        crate::model::build(
            &crate::snapshot::DirSnapshot::new(dir) as &dyn crate::snapshot::Snapshot
        )
    }

    /// Every fixture that is a root filesystem (it holds etc/).
    fn fixture_roots() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");
        let mut roots: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                p.join("etc")
                    .is_dir()
                    .then(|| p.file_name().unwrap().to_string_lossy().into_owned())
            })
            .collect();
        roots.sort();
        assert!(roots.len() >= 8, "{roots:?}");
        roots
    }

    /// The blocker on fixtures/centos6-sysv stood on `uname -r` alone while
    /// no package database could be read: walk every root and profile and
    /// fail on a verdict whose basis or evidence names a source the same
    /// report holds absent, unreadable, broken or not collected.
    #[test]
    fn no_verdict_stands_on_a_missing_source() {
        for name in fixture_roots() {
            let host = host_of(&fixture(&name));
            let not_present: Vec<(&str, State)> = host
                .sources
                .iter()
                .filter(|r| r.state != State::Present)
                .map(|r| (r.path.as_str(), r.state))
                .collect();
            for &profile in Profile::ALL {
                let target = Target::new(profile);
                for f in evaluate(&host, &target).findings {
                    if !matches!(
                        f.severity,
                        Severity::Blocker | Severity::Warning | Severity::Pass
                    ) {
                        continue;
                    }
                    let at = format!("{name} {} {}", profile.name(), f.id);
                    for b in &f.basis {
                        assert_eq!(b.state, State::Present, "{at}: stands on {}", b.source);
                    }
                    for e in &f.evidence {
                        let path = e.path.split(':').next().unwrap_or("");
                        if let Some((p, s)) = not_present.iter().find(|(p, _)| *p == path) {
                            panic!("{at}: evidence from {p}, which is {}", s.name());
                        }
                    }
                    if f.severity != Severity::Pass {
                        assert!(
                            !f.evidence.is_empty(),
                            "{at}: a {:?} with no evidence",
                            f.severity
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn centos6_kernel_headers_without_a_package_database_is_unknown() {
        let host = host_of(&fixture("centos6-sysv"));
        let target = Target::new(Profile::AwsMgn);
        let f = evaluate(&host, &target)
            .findings
            .into_iter()
            .find(|f| f.id == crate::rules::RuleId::MgnKernelHeaders)
            .unwrap();
        assert_eq!(f.severity, Severity::Unknown, "{}", f.detail);
        assert!(f.remediation.is_none());
        assert!(
            f.missing
                .iter()
                .any(|m| m.source == "/var/lib/rpm/Packages" && m.state == State::Absent),
            "{:?}",
            f.missing
        );
        assert!(
            f.detail.starts_with("cannot judge without "),
            "{}",
            f.detail
        );
    }

    #[test]
    fn a_pass_on_a_broken_source_is_unknown() {
        let host = host_of(&fixture("centos6-sysv"));
        let f = Finding::new(crate::rules::RuleId::MgnFreeRam, Severity::Pass, "fine")
            .on_any(&host, crate::sources::PACKAGE_DATABASES);
        let g = gate(f, &host);
        assert_eq!(g.severity, Severity::Unknown);
        assert_eq!(g.missing.len(), crate::sources::PACKAGE_DATABASES.len());
        let present = Finding::new(crate::rules::RuleId::MgnFreeRam, Severity::Pass, "fine")
            .on(&host, &[&crate::sources::MEMINFO]);
        assert_eq!(gate(present, &host).severity, Severity::Pass);
    }
}
