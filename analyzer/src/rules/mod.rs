//! Rules: `Host` in, `Finding`s out, per target profile. A rule is a unit
//! struct implementing `Rule` (its `check`) with one row in `registry!`
//! (its id and profiles); its tests sit beside it. Findings are data (a
//! stable id, a severity, fields); the words a person reads come from
//! `text::title` and the templates.

mod applications;
mod cloud;
mod containers;
mod dependencies;
mod gate;
mod generic;
mod ids;
mod listeners;
mod mgn;
mod packages;
mod security;
mod support;
mod text;

use serde::Serialize;

use crate::model::Host;
use crate::profile::{Profile, Target};
use crate::sources::{Missing, Source, State};

pub use generic::skipped_records;
pub use ids::RuleId;
pub use support::support as os_support;
pub use text::{count, title};

use gate::{basis, gate};

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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub path: String,
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: RuleId,
    pub severity: Severity,
    pub title: &'static str,
    pub detail: String,
    pub evidence: Vec<Evidence>,
    /// What to do, in words (beside the command, or alone).
    pub remediation: Option<String>,
    /// The fix as one command to paste into a root shell on the host, for
    /// its own package manager; None where no command would be right.
    pub command: Option<String>,
    /// For an unknown: the step that would resolve it.
    pub resolve: Option<String>,
    /// Where the finding goes on the to-do list: fix (a command on the
    /// host), decide (a decision or a re-platform), resolve (an unknown
    /// that decides the verdict), unknown (one that does not), or done.
    pub action: Action,
    /// For an `unknown`: the sources it lacked, and why.
    pub missing: Vec<Missing>,
    /// The sources the verdict stands on, with their state when the rule
    /// judged. A blocker, warning or pass stands only on present sources
    /// (`evaluate` turns any other into an unknown naming them).
    pub basis: Vec<Basis>,
    /// An unknown that decides the verdict: the profile requires the
    /// check, so the host cannot be called ready until it is resolved.
    pub decides: bool,
}

/// One source a verdict stands on: the JSON contract's `findings[].basis[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Basis {
    pub source: String,
    pub spec: &'static str,
    pub state: State,
}

impl Finding {
    pub fn new(id: RuleId, severity: Severity, detail: impl Into<String>) -> Self {
        Finding {
            id,
            severity,
            title: id.title(),
            detail: detail.into(),
            evidence: Vec::new(),
            remediation: None,
            command: None,
            resolve: None,
            action: Action::Done,
            missing: Vec::new(),
            basis: Vec::new(),
            decides: false,
        }
    }

    /// The verdict stands on every one of these sources.
    pub fn on(mut self, host: &Host, sources: &[&Source]) -> Self {
        self.basis.extend(sources.iter().map(|s| basis(host, s)));
        self
    }

    /// The verdict stands on one of these sources, whichever gave its
    /// fact: the present ones, or, when none is, all of them.
    pub fn on_any(mut self, host: &Host, sources: &[&Source]) -> Self {
        let all: Vec<Basis> = sources.iter().map(|s| basis(host, s)).collect();
        let present: Vec<Basis> = all
            .iter()
            .filter(|b| b.state == State::Present)
            .cloned()
            .collect();
        self.basis
            .extend(if present.is_empty() { all } else { present });
        self
    }

    /// A check that cannot judge because these sources gave nothing: the
    /// detail says why, from the ledger.
    pub fn unknown(id: RuleId, host: &Host, sources: &[&Source]) -> Self {
        Finding::new(id, Severity::Unknown, String::new()).lacking(host.sources.missing(sources))
    }

    /// Adds sources the check lacked. The rule's own words stay the
    /// detail; without them the detail names what was missing, in short
    /// (`missing` holds each source's state and evidence).
    pub fn lacking(mut self, missing: Vec<Missing>) -> Self {
        self.missing.extend(missing);
        if self.detail.is_empty() {
            self.detail = match self.missing.as_slice() {
                [] => "cannot judge".to_string(),
                [one] => format!("cannot judge: {one}"),
                many => format!(
                    "cannot judge: none of {} sources was usable ({})",
                    many.len(),
                    many.iter()
                        .map(|m| m.source.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        }
        self
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

    /// A fix: one command, and the words beside it.
    pub fn fix(mut self, command: impl Into<String>, why: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self.remediation = Some(why.into());
        self
    }
}

#[cfg(test)]
impl Finding {
    /// Test: the finding has this severity and its detail says `text`.
    #[track_caller]
    pub fn assert_says(&self, severity: Severity, text: &str) {
        assert_eq!(self.severity, severity, "{}", self.detail);
        self.assert_detail(text);
    }

    /// Test: the finding has this severity and its detail starts with
    /// `text`.
    #[track_caller]
    pub fn assert_opens(&self, severity: Severity, text: &str) {
        assert_eq!(self.severity, severity, "{}", self.detail);
        assert!(
            self.detail.starts_with(text),
            "{:?} does not start with {text:?}",
            self.detail
        );
    }

    /// Test: the detail says `text`.
    #[track_caller]
    pub fn assert_detail(&self, text: &str) {
        assert!(
            self.detail.contains(text),
            "{text:?} is not in {:?}",
            self.detail
        );
    }
}

/// The sources that tell the active boot loader, for an `unknown` verdict:
/// the boot sectors, the EFI boot entry on a UEFI host, and GRUB's files.
pub(crate) fn boot_evidence(host: &Host) -> Vec<&'static Source> {
    use crate::sources as s;
    let mut v: Vec<&'static Source> = vec![&s::BOOT_SECTORS];
    // Read only behind a chain-loading or empty MBR.
    if host.sources.get(&s::PARTITION_SECTORS).is_some() {
        v.push(&s::PARTITION_SECTORS);
    }
    if host.boot.firmware == crate::model::Firmware::Uefi {
        v.extend([&s::EFI_BOOT_CURRENT, &s::ESP_EFI]);
    }
    v.extend([&s::GRUB2_CFG, &s::GRUB_CFG, &s::GRUB_MENU_LST]);
    v
}

/// A boot-loader check that cannot judge: the conflict in the evidence,
/// or the sources that gave nothing. Where the sources were read and
/// disagree nothing is missing: `missing` is empty and the detail and the
/// evidence (the callers add `with_boot_evidence`) say what named which
/// loader. Of GRUB's configuration files one is enough: the others are not
/// missing when one was read.
pub(crate) fn boot_unknown(id: RuleId, host: &Host) -> Finding {
    let f = Finding::new(id, Severity::Unknown, String::new());
    if let Some(c) = &host.boot.conflict {
        // Nothing is missing, so the ledger gives no step: say what
        // settles it (this was an unknown with nothing to do).
        return Finding {
            detail: format!("the boot loader cannot be told: {c}"),
            ..f
        }
        .remediation(
            "look on the host: which loader was installed last (the dates of its files under /boot, or whoever set it up) is most likely the one that boots; remove the other's stale files and run the probe again",
        );
    }
    let present = |s: &Source| {
        host.sources
            .get(s)
            .is_some_and(|r| r.state == crate::sources::State::Present)
    };
    let mut wanted = boot_evidence(host);
    let grub = [
        &crate::sources::GRUB2_CFG,
        &crate::sources::GRUB_CFG,
        &crate::sources::GRUB_MENU_LST,
    ];
    if grub.iter().any(|s| present(s)) {
        wanted.retain(|s| !grub.iter().any(|g| std::ptr::eq(*g, *s)));
    }
    f.lacking(host.sources.missing(&wanted))
}

/// A boot-loader finding's evidence: which evidence decided, then each
/// piece the model weighed.
pub(crate) fn with_boot_evidence(mut f: Finding, host: &Host) -> Finding {
    let b = &host.boot;
    if let Some(by) = b.decided_by {
        f = f.evidence("decided by", by);
    }
    for e in &b.evidence {
        f = f.evidence("boot", e.clone());
    }
    f
}

/// A rule's row in the registry: which check it is, and the profiles it
/// belongs to (empty: every profile). `registry!` implements it.
pub trait Identified {
    fn id(&self) -> RuleId;
    fn profiles(&self) -> &'static [Profile];
}

pub trait Rule: Identified + Sync {
    fn check(&self, host: &Host) -> Finding;
    /// For rules whose answer depends on the target profile (which packages
    /// a cloud adds); `evaluate` calls this.
    fn check_for(&self, host: &Host, _target: &Target) -> Finding {
        self.check(host)
    }
}

macro_rules! registry {
    ($($rule:path = $id:ident, $profiles:ident;)+) => {
        $(impl Identified for $rule {
            fn id(&self) -> RuleId {
                RuleId::$id
            }
            fn profiles(&self) -> &'static [Profile] {
                $profiles
            }
        })+
        pub static REGISTRY: &[&dyn Rule] = &[$(&$rule),+];
    };
}

use crate::profile::{CLOUDS, EVERY, MGN, MOVES};

// Every rule, in report order within a severity: its id and the profiles
// it belongs to (`EVERY` is every profile). A rule's struct writes only
// its `check`; its row gives it the rest, so a rule left out of this table
// does not compile.
registry! {
    generic::IncompleteBundle = GenIncompleteBundle, EVERY;
    generic::NotRoot = GenNotRoot, EVERY;
    packages::PackageDatabases = GenPackages, EVERY;
    support::OsSupport = GenOsSupport, EVERY;
    security::SelinuxRelabel = GenSelinuxRelabel, EVERY;
    mgn::OsSupported = MgnOsSupported, MGN;
    mgn::RootFreeSpace = MgnRootFreeSpace, MGN;
    mgn::TmpFreeSpace = MgnTmpFreeSpace, MGN;
    mgn::TmpWritable = MgnTmpWritable, MGN;
    mgn::TmpExec = MgnTmpExec, MGN;
    mgn::FreeRam = MgnFreeRam, MGN;
    mgn::Python = MgnPython, MGN;
    mgn::BuildTools = MgnBuildTools, MGN;
    mgn::Bootloader = MgnBootloader, MGN;
    mgn::Privileges = MgnPrivileges, MGN;
    mgn::Dhclient = MgnDhclient, MGN;
    mgn::KernelHeaders = MgnKernelHeaders, MGN;
    mgn::MacStable = MgnMacStable, MGN;
    mgn::NotParavirtualized = MgnNotParavirtualized, MGN;
    mgn::Multipath = MgnMultipath, MGN;
    mgn::Network = MgnNetwork, MGN;
    listeners::UnmanagedListeners = GenUnmanagedListeners, EVERY;
    dependencies::NetworkDependencies = GenNetworkDependencies, EVERY;
    containers::Containers = GenContainers, EVERY;
    applications::CertificateExpiry = GenCertificateExpiry, EVERY;
    applications::CertificateNamesIp = CloudCertificateNamesIp, MOVES;
    cloud::StaticIp = CloudStaticIp, CLOUDS;
    cloud::DhcpIp = CloudDhcpIp, CLOUDS;
    cloud::NfsFstab = CloudNfsFstab, CLOUDS;
    cloud::InjectedPackages = CloudInjectedPackages, CLOUDS;
    cloud::ServiceChanges = CloudServiceChanges, CLOUDS;
    cloud::Bootloader = CloudBootloader, CLOUDS;
    cloud::Architecture = CloudArchitecture, CLOUDS;
    cloud::Drivers = CloudDrivers, CLOUDS;
    cloud::Adjtime = CloudAdjtime, CLOUDS;
    cloud::BootRewrite = CloudBootRewrite, CLOUDS;
    cloud::StorageLayout = CloudStorageLayout, MOVES;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Fix,
    Decide,
    Resolve,
    Unknown,
    Done,
}

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
        let mut f = gate(rule.check_for(host, target), host);
        debug_assert_eq!(f.id, rule.id());
        f.decides = f.severity == Severity::Unknown && profile.required().contains(&rule.id());
        unknown_required |= f.decides;
        f.action = match f.severity {
            Severity::Blocker | Severity::Warning if text::is_decision(f.id) => Action::Decide,
            Severity::Blocker | Severity::Warning => Action::Fix,
            Severity::Unknown if f.decides => Action::Resolve,
            Severity::Unknown => Action::Unknown,
            _ => Action::Done,
        };
        if f.severity == Severity::Unknown {
            // What an unknown's remediation says is how to find out.
            // It says to run the probe again only where a probe made the
            // input ("sudo ./lift-probe" on a directory tree misleads).
            let c = &host.collection;
            let probed = c.probe_version.is_some();
            let rule_says = f
                .remediation
                .take()
                .filter(|r| probed || !r.contains("lift-probe"));
            f.resolve = rule_says
                .or_else(|| text::resolve_step(&f.missing, c.kind.name(), probed, c.as_root));
            f.command = None;
        }
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
        // Each id once in the registry, and every id has its rule.
        let mut ids: Vec<_> = REGISTRY.iter().map(|r| r.id()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        let mut all = RuleId::ALL.to_vec();
        all.sort();
        assert_eq!(ids, all, "ids without a rule, or rules without an id");
        for id in ids {
            assert_eq!(title(id.as_str()), id.title());
            assert_ne!(id.title(), text::UNTITLED);
        }
    }
}
