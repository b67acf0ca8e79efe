//! `gen.os-support`: the distribution's vendor support dates against the
//! report's date. Past standard support is a warning in every profile (a
//! CentOS 7 or Ubuntu 16.04 server changes the plan: extended support,
//! upgrade first, or re-platform), never a blocker: the migration itself
//! still works. A release the table lacks is unknown, saying so.

use super::{Finding, Rule, Severity};
use crate::lifecycle::{self, Phase, Support};
use crate::model::Host;
use crate::profile::{Profile, Target};
use crate::rules::Identified;
use crate::sources;

pub struct OsSupport;

/// What the shipped table is called in words.
const TABLE: &str = "lift's table of support dates (analyzer/catalogs/os-support.csv)";

/// The host's release in the table and where it stands on `target.today`;
/// None when the OS, its version or its row is unknown.
pub fn support(host: &Host, target: &Target) -> Option<Support> {
    let os = &host.os;
    let row = lifecycle::lookup(
        os.id.as_deref()?,
        os.version_id.as_deref()?,
        os.pretty_name.as_deref(),
    )?;
    Some(Support::of(row, target.today))
}

impl Rule for OsSupport {
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }

    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let os = &host.os;
        let Some(id) = os.id.as_deref() else {
            return Finding::unknown(self.id(), host, &sources::OS_SOURCES);
        };
        let source = os.source.clone().unwrap_or_else(|| "release files".into());
        let shown = os.pretty_name.clone().unwrap_or_else(|| id.to_string());
        let Some(version) = os.version_id.as_deref() else {
            return Finding::new(
                self.id(),
                Severity::Unknown,
                format!("{shown}: no version found, so its support dates cannot be looked up"),
            )
            .evidence(source, format!("ID={id}"));
        };
        let excerpt = format!("ID={id} VERSION_ID={version}");
        let Some(s) = support(host, target) else {
            return Finding::new(
                self.id(),
                Severity::Unknown,
                format!("{shown} ({id} {version}) is not in {TABLE}: look its support dates up on the vendor's lifecycle page"),
            )
            .evidence(source, excerpt);
        };
        let r = &s.release;
        let today = s.as_of;
        let extended = r.extended.as_deref().unwrap_or("extended support");
        let (severity, detail) = match (s.phase, r.standard_end) {
            (Phase::Standard, None) => (
                Severity::Pass,
                format!("{}: the vendor has published no end of support yet (as of {today})", r.name),
            ),
            (Phase::Standard, Some(end)) => (
                Severity::Pass,
                format!(
                    "{}: standard support until {end} ({} days after {today})",
                    r.name,
                    end.days() - today.days()
                ),
            ),
            (Phase::Extended, end) => (
                Severity::Warning,
                format!(
                    "{}: standard support ended {}; only the vendor's {extended} runs on, to {} (as of {today})",
                    r.name,
                    end.map(|d| d.to_string()).unwrap_or_default(),
                    r.extended_end.map(|d| d.to_string()).unwrap_or_default()
                ),
            ),
            (Phase::Ended, end) => (
                Severity::Warning,
                match r.extended_end {
                    Some(x) => format!(
                        "{}: standard support ended {}, and the vendor's {extended} on {x} (as of {today}): past every support date lift's table records",
                        r.name,
                        end.map(|d| d.to_string()).unwrap_or_default()
                    ),
                    None => format!(
                        "{}: support ended {} and the vendor offers no extended support (as of {today})",
                        r.name,
                        end.map(|d| d.to_string()).unwrap_or_default()
                    ),
                },
            ),
        };
        let mut f = Finding::new(self.id(), severity, detail)
            .evidence(source, excerpt)
            .evidence(r.source.clone(), format!("read {}", r.checked));
        if let Some(note) = &r.note {
            f = f.evidence("os-support.csv", note.clone());
        }
        if severity == Severity::Warning {
            f = f.remediation(match s.phase {
                Phase::Extended => format!("Decide before the move: buy the vendor's {extended}, upgrade the distribution first, or re-platform the workload on a supported release"),
                _ => "Decide before the move: upgrade the distribution first, re-platform the workload on a supported release, or accept running it without vendor security updates".to_string(),
            });
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Date;
    use crate::rules::mgn::testing::host_of;
    use crate::testing::{fixture, TempRoot};

    fn on(host: &Host, day: &str) -> Finding {
        let mut t = Target::new(Profile::Generic);
        t.today = Date::parse(day).unwrap();
        OsSupport.check_for(host, &t)
    }

    #[test]
    fn centos6_is_past_every_support() {
        let h = host_of(&fixture("centos6-sysv"));
        let f = on(&h, "2026-12-07");
        f.assert_says(
            Severity::Warning,
            "CentOS Linux 6: support ended 2020-11-30",
        );
        assert!(f.remediation.unwrap().starts_with("Decide"));
    }

    #[test]
    fn debian12_moves_with_the_date() {
        let h = host_of(&fixture("debian12-systemd"));
        let f = on(&h, "2026-01-01");
        f.assert_says(Severity::Pass, "standard support until 2026-07-11");
        let f = on(&h, "2026-12-07");
        f.assert_says(Severity::Warning, "Debian LTS runs on, to 2028-06-30");
        assert!(f
            .evidence
            .iter()
            .any(|e| e.path.starts_with("https://wiki.debian.org")));
    }

    #[test]
    fn unlisted_and_unknown() {
        let fedora = TempRoot::with(&[("etc/os-release", "ID=fedora\nVERSION_ID=39\n")]);
        let f = on(&host_of(fedora.path()), "2026-12-07");
        f.assert_says(Severity::Unknown, "not in lift's table");
        let none = TempRoot::with(&[("etc/hostname", "x\n")]);
        let f = on(&host_of(none.path()), "2026-12-07");
        assert_eq!(f.severity, Severity::Unknown);
        assert!(!f.missing.is_empty());
    }

    #[test]
    fn every_profile_runs_it() {
        let h = host_of(&fixture("centos6-sysv"));
        for p in Profile::ALL {
            let mut t = Target::new(*p);
            t.today = Date::parse("2026-12-07").unwrap();
            let e = crate::rules::evaluate(&h, &t);
            let f = e
                .findings
                .iter()
                .find(|f| f.id == crate::rules::RuleId::GenOsSupport)
                .unwrap();
            assert_eq!(f.severity, Severity::Warning, "{p:?}");
            assert_eq!(f.action, crate::rules::Action::Decide);
        }
    }
}
