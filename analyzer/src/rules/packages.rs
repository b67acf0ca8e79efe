//! The package inventory: the one fact every profile needs before it can
//! call a host ready. A root whose package databases are all unreadable or
//! broken, or an input with nothing in it, has no inventory, and every
//! other check's silence about it means nothing.

use super::{Finding, Rule, Severity};
use crate::model::Host;
use crate::rules::Identified;
use crate::sources::{self, State};

pub struct PackageDatabases;

impl Rule for PackageDatabases {
    fn check(&self, host: &Host) -> Finding {
        let read: Vec<_> = host
            .packages
            .iter()
            .flat_map(|p| &p.databases)
            .filter(|d| d.packages > 0)
            .collect();
        // A database that was present but broken makes any inventory beside
        // it doubtful, and says so; none at all is unknown.
        let broken: Vec<_> = host
            .sources
            .missing(sources::PACKAGE_DATABASES)
            .into_iter()
            .filter(|m| m.state != State::Absent)
            .collect();
        if read.is_empty() {
            return Finding::unknown(self.id(), host, sources::PACKAGE_DATABASES);
        }
        let summary = read
            .iter()
            .map(|d| {
                format!(
                    "{} in {}",
                    super::count(d.installed, "package", "packages"),
                    d.path
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut f = if broken.is_empty() {
            Finding::new(self.id(), Severity::Pass, summary)
        } else {
            Finding::new(self.id(), Severity::Warning, summary)
                .lacking(broken)
                .remediation("Check the package database on the host (rpm --rebuilddb, or dpkg --audit) and run the probe again")
        };
        for d in &read {
            f = f.evidence(
                d.path.clone(),
                format!("{} of {} installed", d.installed, d.packages),
            );
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture, TempRoot};

    fn host_of(dir: &std::path::Path) -> Host {
        crate::model::build(&crate::snapshot::DirSnapshot::new(dir))
    }

    #[test]
    fn a_real_database_passes() {
        let f = PackageDatabases.check(&host_of(&fixture("debian12-systemd")));
        f.assert_says(Severity::Pass, "/var/lib/dpkg/status");
    }

    #[test]
    fn nothing_readable_is_unknown_and_says_which_state() {
        let empty = TempRoot::new();
        let f = PackageDatabases.check(&host_of(empty.path()));
        assert_eq!(f.severity, Severity::Unknown);
        assert!(
            f.missing.iter().all(|m| m.state == State::Absent),
            "{:?}",
            f.missing
        );
        let garbage = TempRoot::with(&[("var/lib/rpm/Packages", "not a Berkeley DB file at all")]);
        let f = PackageDatabases.check(&host_of(garbage.path()));
        assert_eq!(f.severity, Severity::Unknown);
        let rpm = f
            .missing
            .iter()
            .find(|m| m.source == "/var/lib/rpm/Packages")
            .unwrap();
        assert_eq!(rpm.state, State::Broken, "{:?}", f.missing);
    }
}
