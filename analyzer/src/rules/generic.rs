//! Universal rules: every profile runs them.

use super::{Finding, Rule, Severity};
use crate::model::{Collection, Host};
use crate::rules::Identified;

/// What a newer probe wrote that this lift skipped, if anything: "2
/// records from a newer probe were skipped".
pub fn skipped_records(c: &Collection) -> Option<String> {
    let n = c.skipped_records as usize;
    (n > 0).then(|| {
        let were = if n == 1 { "was" } else { "were" };
        format!(
            "{} from a newer probe {were} skipped",
            super::count(n, "record", "records")
        )
    })
}

/// The bundle has its footer, was not interrupted, and no spec ran out of
/// budget or time: otherwise every other finding may be missing facts.
pub struct IncompleteBundle;

impl Rule for IncompleteBundle {
    fn check(&self, host: &Host) -> Finding {
        let c = &host.collection;
        let mut why = Vec::new();
        if !c.complete {
            why.push(if c.interrupted {
                "the probe was interrupted and flushed what it had".to_string()
            } else {
                "the bundle has no footer: the probe did not finish".to_string()
            });
        }
        if !c.truncated_specs.is_empty() {
            why.push(format!(
                "specs cut short by their budgets: {}",
                c.truncated_specs.join(", ")
            ));
        }
        if !c.timed_out_specs.is_empty() {
            why.push(format!(
                "specs out of time: {}",
                c.timed_out_specs.join(", ")
            ));
        }
        why.extend(skipped_records(c));
        if why.is_empty() {
            let what = if c.kind == crate::model::InputKind::Directory {
                "read from a directory tree"
            } else {
                "footer present, nothing cut"
            };
            return Finding::new(self.id(), Severity::Pass, what);
        }
        Finding::new(self.id(), Severity::Warning, why.join("; ")).remediation(
            "Run the probe again with a larger --max-seconds or --max-bytes, and let it finish.",
        )
    }
}

/// Without root, the probe cannot read everything (boot sectors, other
/// users' processes, /boot on some distributions): those checks say unknown.
pub struct NotRoot;

impl Rule for NotRoot {
    fn check(&self, host: &Host) -> Finding {
        let c = &host.collection;
        match c.as_root {
            Some(true) => Finding::new(self.id(), Severity::Pass, "the probe ran as root"),
            Some(false) => {
                let mut f = Finding::new(
                    self.id(),
                    Severity::Warning,
                    format!(
                        "the probe ran as a normal user: {} paths could not be read, and checks that need them say unknown",
                        c.unreadable_total
                    ),
                )
                .remediation("sudo ./lift-probe");
                for u in c.unreadable.iter().take(5) {
                    f = f.evidence(u.path.clone(), u.reason.clone());
                }
                f
            }
            None => Finding::new(
                self.id(),
                Severity::Info,
                "read from a directory tree: no probe privileges apply",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Collection;
    use crate::snapshot::{DirSnapshot, Snapshot};

    fn host(c: Collection) -> Host {
        let snap = DirSnapshot::new(std::path::Path::new("/nonexistent-lift-root"));
        let mut h = crate::model::build(&snap as &dyn Snapshot);
        h.collection = c;
        h
    }

    #[test]
    fn incomplete_bundle() {
        let ok = Collection {
            kind: crate::model::InputKind::Bundle,
            complete: true,
            ..Default::default()
        };
        assert_eq!(
            IncompleteBundle.check(&host(ok.clone())).severity,
            Severity::Pass
        );
        let cut = Collection {
            complete: false,
            ..ok.clone()
        };
        let f = IncompleteBundle.check(&host(cut));
        f.assert_says(Severity::Warning, "no footer");
        let slow = Collection {
            timed_out_specs: vec!["pkg".into()],
            ..ok
        };
        assert!(IncompleteBundle
            .check(&host(slow))
            .detail
            .contains("out of time: pkg"));
    }

    #[test]
    fn not_root() {
        let root = Collection {
            as_root: Some(true),
            ..Default::default()
        };
        assert_eq!(NotRoot.check(&host(root)).severity, Severity::Pass);
        let user = Collection {
            as_root: Some(false),
            unreadable_total: 3,
            ..Default::default()
        };
        let f = NotRoot.check(&host(user));
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.detail.contains("3 paths"));
        assert_eq!(
            NotRoot.check(&host(Collection::default())).severity,
            Severity::Info
        );
    }
}
