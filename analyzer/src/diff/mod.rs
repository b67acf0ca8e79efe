//! `lift diff`: two snapshots of one server (source and migrated target, or
//! before and after), compared by identity per category, each difference
//! classified expected (with the reason: what the target profile documents
//! the migration changes) or unexpected. Unexpected changes come first.
//!
//! `hosts` compares the Host models (os, kernel, packages, services,
//! listeners, mounts, interfaces); `files` compares files (/etc/hosts,
//! users and groups, cron, every other file under /etc).

mod content;
mod files;
mod hosts;
pub mod view;

use serde::Serialize;

use crate::model::{self, ConfigKind, EtcTree, Host};
use crate::profile::Target;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub category: &'static str,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub expected: bool,
    /// Why the change is expected, or why it is not.
    pub reason: Option<String>,
}

impl Change {
    fn new(
        category: &'static str,
        key: impl Into<String>,
        before: Option<String>,
        after: Option<String>,
    ) -> Change {
        Change {
            category,
            key: key.into(),
            before,
            after,
            expected: false,
            reason: None,
        }
    }

    /// Expected when there is a reason, unexpected otherwise.
    fn because(mut self, reason: Option<String>) -> Change {
        self.expected = reason.is_some();
        self.reason = reason;
        self
    }

    /// Unexpected, and why.
    fn unexpected(mut self, why: impl Into<String>) -> Change {
        self.expected = false;
        self.reason = Some(why.into());
        self
    }
}

/// A file one side could not see the content of (not captured, scrubbed,
/// unreadable) while the sizes agree: neither a change nor the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotComparable {
    pub category: &'static str,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub why: String,
}

/// What the profile says the migration changes, from the source's facts.
pub struct Expectations<'h> {
    pub cloud: bool,
    pub target: Target,
    pub source: &'h Host,
}

impl Expectations<'_> {
    /// The reason a service's new enablement is expected, if it is.
    fn service_state(&self, name: &str, enabled: Option<bool>) -> Option<String> {
        let has = |n: &str| self.source.services.iter().flatten().any(|s| s.name == n);
        let set = self.target.service_state(name, has)?;
        (enabled == Some(set)).then(|| {
            format!(
                "the {} migration sets {name} {}",
                self.target.profile.name(),
                if set { "enabled" } else { "disabled" }
            )
        })
    }

    /// The reason a package appearing on the target is expected, if it is.
    fn added_package(&self, name: &str) -> Option<String> {
        self.target.installs(
            name,
            self.source.virtualization.kind == model::VirtKind::XenPv,
        )
    }

    fn dhcp(&self, iface: &str) -> bool {
        self.source
            .interfaces
            .iter()
            .flatten()
            .any(|i| i.name == iface && i.config == ConfigKind::Dhcp)
    }

    /// The source's interfaces configured by DHCP.
    fn dhcp_interfaces(&self) -> Vec<String> {
        self.source
            .interfaces
            .iter()
            .flatten()
            .filter(|i| i.config == ConfigKind::Dhcp)
            .map(|i| i.name.clone())
            .collect()
    }

    fn dhcp_addresses(&self) -> Vec<String> {
        self.source
            .interfaces
            .iter()
            .flatten()
            .filter(|i| i.config == ConfigKind::Dhcp)
            .flat_map(|i| {
                i.addresses
                    .iter()
                    .map(|a| a.split('/').next().unwrap_or("").to_string())
            })
            .collect()
    }
}

/// Compares the `before` snapshot (the source server) with `after` (the
/// migrated one, or the same server later), by what `target` says the
/// migration changes.
pub fn diff(before: &dyn Snapshot, after: &dyn Snapshot, target: &Target) -> Vec<Change> {
    let (a, b) = (model::build(before), model::build(after));
    compare(before, after, &a, &b, target).0
}

/// The changes, and the files that could not be compared (what
/// `report::diff::DiffReport` is built from).
pub fn compare(
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    a: &Host,
    b: &Host,
    target: &Target,
) -> (Vec<Change>, Vec<NotComparable>) {
    let ex = Expectations {
        cloud: target.profile.is_blackbox(),
        target: *target,
        source: a,
    };
    let mut unseen = Vec::new();
    let mut changes = hosts::compare(a, b, &ex, &mut unseen);
    changes.extend(view::system_changes(a, b));
    changes.extend(files::compare(
        (&a.files, &b.files),
        (&EtcTree::read(before), &EtcTree::read(after)),
        &ex,
        &changes,
        &mut unseen,
    ));
    for c in changes.iter_mut().filter(|c| c.reason.is_none()) {
        c.reason = Some(why_unexpected(c, target));
    }
    // Unexpected first; otherwise by category and key, for stable output.
    changes.sort_by(|x, y| (x.expected, x.category, &x.key).cmp(&(y.expected, y.category, &y.key)));
    unseen.sort_by(|x, y| (x.category, &x.key).cmp(&(y.category, &y.key)));
    (changes, unseen)
}

#[cfg(test)]
mod tests;

/// Why a change no rule explains is unexpected: what the profile does not
/// do to that category.
fn why_unexpected(c: &Change, target: &Target) -> String {
    if !target.profile.is_blackbox() {
        return format!(
            "the {} profile expects no change; pick the migration's profile (--target ec2, openstack or azure) to classify what it does",
            target.profile.name()
        );
    }
    let p = target.profile.name();
    let what = match c.category {
        "packages" | "packages upgraded" | "packages downgraded" => {
            "installs only its cloud agent and, for a paravirtualized source, a kernel; it upgrades, downgrades and removes nothing"
        }
        "services" => "sets only sshd, the network service, the firewall, libvirtd and hal; every other service keeps its state",
        "listeners" => "changes no program's ports: a port that came or went follows a service that did not start or a program that changed",
        "mounts" | "fstab" => "drops only NFS mounts",
        "users" | "groups" => "adds no users or groups",
        "cron" => "changes no scheduled job",
        "interfaces" => "keeps static addresses and renews only DHCP ones",
        "hosts" => "leaves /etc/hosts alone on a host whose interfaces are all static",
        "os" => "keeps the distribution, kernel and host name (a paravirtualized source aside)",
        _ => "rewrites only the boot configuration, /etc/adjtime, network configuration of DHCP interfaces, and the files of the packages and services it changes",
    };
    format!("the {p} migration {what}")
}
