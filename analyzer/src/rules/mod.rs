//! Rules: `Host` in, `Finding`s out, per target profile. A rule is a unit
//! struct implementing `Rule`, registered once in `REGISTRY`; its tests sit
//! beside it. Findings are data (a stable id, a severity, fields); the words
//! a person reads come from `text::title` and the templates.

mod cloud;
mod generic;
mod inventory;
mod mgn;
mod text;

use serde::Serialize;

use crate::model::Host;

pub use text::title;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Blocker,
    Warning,
    Unknown,
    Info,
    Pass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    Generic,
    AwsMgn,
    Ec2,
    Openstack,
    Azure,
}

/// What the report is for: the profile, and the analyst's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub profile: Profile,
    /// The migration is asked to keep a firewall: iptables and ip6tables
    /// stay enabled on the target (`--firewall`).
    pub firewall: bool,
}

impl Target {
    pub fn new(profile: Profile) -> Target {
        Target {
            profile,
            firewall: false,
        }
    }
}

impl Profile {
    pub const ALL: &'static [Profile] = &[
        Profile::Generic,
        Profile::AwsMgn,
        Profile::Ec2,
        Profile::Openstack,
        Profile::Azure,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Generic => "generic",
            Profile::AwsMgn => "aws-mgn",
            Profile::Ec2 => "ec2",
            Profile::Openstack => "openstack",
            Profile::Azure => "azure",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL.iter().copied().find(|p| p.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub path: String,
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub detail: String,
    pub evidence: Vec<Evidence>,
    pub remediation: Option<String>,
}

impl Finding {
    pub fn new(id: &'static str, severity: Severity, detail: impl Into<String>) -> Self {
        Finding {
            id,
            severity,
            title: title(id),
            detail: detail.into(),
            evidence: Vec::new(),
            remediation: None,
        }
    }

    pub fn evidence(mut self, path: impl Into<String>, excerpt: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            path: path.into(),
            excerpt: excerpt.into(),
        });
        self
    }

    pub fn remediation(mut self, r: impl Into<String>) -> Self {
        self.remediation = Some(r.into());
        self
    }
}

pub trait Rule: Sync {
    fn id(&self) -> &'static str;
    /// The profiles it belongs to; empty means every profile.
    fn profiles(&self) -> &'static [Profile] {
        &[]
    }
    /// An `unknown` from a required rule makes the readiness `unknown`.
    fn required(&self) -> bool {
        false
    }
    fn check(&self, host: &Host) -> Finding;
    /// For rules whose answer depends on the target profile (which packages
    /// a cloud adds); `evaluate` calls this.
    fn check_for(&self, host: &Host, _target: &Target) -> Finding {
        self.check(host)
    }
}

/// Every rule, in report order within a severity.
pub static REGISTRY: &[&dyn Rule] = &[
    &generic::IncompleteBundle,
    &generic::NotRoot,
    &mgn::OsSupported,
    &mgn::RootFreeSpace,
    &mgn::TmpFreeSpace,
    &mgn::TmpWritable,
    &mgn::TmpExec,
    &mgn::FreeRam,
    &mgn::Python,
    &mgn::BuildTools,
    &mgn::Bootloader,
    &mgn::Privileges,
    &mgn::Dhclient,
    &mgn::KernelHeaders,
    &mgn::MacStable,
    &mgn::NotParavirtualized,
    &mgn::Multipath,
    &inventory::UnmanagedListeners,
    &cloud::StaticIp,
    &cloud::DhcpIp,
    &cloud::NfsFstab,
    &cloud::InjectedPackages,
    &cloud::ServiceChanges,
    &cloud::Drivers,
    &cloud::Adjtime,
    &cloud::BootRewrite,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Readiness {
    Ready,
    ConditionallyReady,
    NotReady,
    Unknown,
}

pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub readiness: Readiness,
}

/// Runs the profile's rules. Readiness: not-ready if any blocker, else
/// unknown if a required check is unknown, else conditionally-ready if any
/// warning, else ready.
pub fn evaluate(host: &Host, target: &Target) -> Evaluation {
    let profile = target.profile;
    let mut findings = Vec::new();
    let mut unknown_required = false;
    for rule in REGISTRY
        .iter()
        .filter(|r| r.profiles().is_empty() || r.profiles().contains(&profile))
    {
        let f = rule.check_for(host, target);
        debug_assert_eq!(f.id, rule.id());
        unknown_required |= f.severity == Severity::Unknown && rule.required();
        findings.push(f);
    }
    findings.sort_by_key(|f| f.severity);
    let has = |s| findings.iter().any(|f: &Finding| f.severity == s);
    let readiness = if has(Severity::Blocker) {
        Readiness::NotReady
    } else if unknown_required {
        Readiness::Unknown
    } else if has(Severity::Warning) {
        Readiness::ConditionallyReady
    } else {
        Readiness::Ready
    };
    Evaluation {
        findings,
        readiness,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_titled() {
        let mut ids: Vec<_> = REGISTRY.iter().map(|r| r.id()).collect();
        for id in &ids {
            assert!(
                !title(id).is_empty() && title(id) != text::UNTITLED,
                "{id} has no title"
            );
        }
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
    }

    /// A rule file whose unit structs are not all in REGISTRY is dead code
    /// that looks alive: every `impl Rule for` in rules/ must be registered.
    #[test]
    fn every_rule_is_registered() {
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/rules"
        ))];
        let mut impls = 0;
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(path).unwrap();
                impls += text
                    .lines()
                    .filter(|l| l.starts_with("impl Rule for "))
                    .count();
            }
        }
        assert_eq!(impls, REGISTRY.len());
    }
}
