//! `lift diff`: two snapshots of one server (source and migrated target, or
//! before and after), compared by identity per category, each difference
//! classified expected (with the reason: what the target profile documents
//! the migration changes) or unexpected. Unexpected changes come first.
//!
//! `inventory` compares the Host models (os, kernel, packages, services,
//! listeners, mounts, interfaces); `files` compares files (/etc/hosts,
//! users and groups, cron, every other file under /etc).

mod files;
mod inventory;

use serde::Serialize;

use crate::model::{self, ConfigKind, Host};
use crate::rules::Profile;
use crate::snapshot::{Root, Snapshot};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub category: &'static str,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub expected: bool,
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

    fn expect(mut self, reason: Option<String>) -> Change {
        self.expected = reason.is_some();
        self.reason = reason;
        self
    }
}

/// The JSON contract of `lift diff --format json`, and the templates' context.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub source: String,
    pub target: String,
    pub profile: &'static str,
    pub changes: Vec<Change>,
}

/// What the profile says the migration changes, from the source's facts.
pub struct Expectations<'h> {
    pub cloud: bool,
    pub profile: Profile,
    /// A firewall was requested: iptables and ip6tables stay as they were.
    pub firewall: bool,
    pub source: &'h Host,
}

impl Expectations<'_> {
    /// The reason a service's new enablement is expected, if it is.
    fn service_state(&self, name: &str, enabled: Option<bool>) -> Option<String> {
        if !self.cloud {
            return None;
        }
        let set = |names: &[&str], to: bool| names.contains(&name) && enabled == Some(to);
        let hal = !matches!(self.profile, Profile::Azure) && set(&["hal", "haldaemon"], false);
        let network = ["NetworkManager", "network", "networking"]
            .iter()
            .find(|n| self.source.services.iter().flatten().any(|s| s.name == **n))
            .is_some_and(|n| *n == name && enabled == Some(true));
        (set(&["libvirtd"], false)
            || set(&["sshd", "ssh"], true)
            || (!self.firewall && set(&["iptables", "ip6tables"], false))
            || hal
            || network)
            .then(|| {
                format!(
                    "the {} migration sets {name} {}",
                    self.profile.name(),
                    if enabled == Some(true) {
                        "enabled"
                    } else {
                        "disabled"
                    }
                )
            })
    }

    /// The reason a package appearing on the target is expected, if it is.
    fn added_package(&self, name: &str) -> Option<String> {
        if !self.cloud {
            return None;
        }
        let pv = self.source.virtualization.kind == "xen-pv";
        let kernel = name.starts_with("kernel")
            || name.starts_with("linux-image")
            || name.starts_with("linux-modules");
        match (self.profile, name) {
            (Profile::Openstack, "cloud-init") => {
                Some("the openstack migration installs cloud-init".into())
            }
            (Profile::Azure, "walinuxagent" | "WALinuxAgent") => {
                Some("the azure migration installs walinuxagent".into())
            }
            _ if pv && kernel => {
                Some("a paravirtualized source gets a kernel for hardware virtualization".into())
            }
            _ => None,
        }
    }

    fn dhcp(&self, iface: &str) -> bool {
        self.source
            .interfaces
            .iter()
            .flatten()
            .any(|i| i.name == iface && i.config == ConfigKind::Dhcp)
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

pub fn diff(
    source: &dyn Snapshot,
    target: &dyn Snapshot,
    options: &crate::rules::Target,
) -> Vec<Change> {
    let profile = options.profile;
    let (a, b) = (model::build(source), model::build(target));
    let ex = Expectations {
        cloud: matches!(profile, Profile::Ec2 | Profile::Openstack | Profile::Azure),
        profile,
        firewall: options.firewall,
        source: &a,
    };
    let mut changes = inventory::compare(&a, &b, &ex);
    changes.extend(files::compare(
        &Root::new(source),
        &Root::new(target),
        &ex,
        &changes,
    ));
    // Unexpected first; otherwise by category and key, for stable output.
    changes.sort_by(|x, y| (x.expected, x.category, &x.key).cmp(&(y.expected, y.category, &y.key)));
    changes
}

#[cfg(test)]
mod tests;
