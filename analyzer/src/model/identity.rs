//! Which bundles are one host. A machine keeps a few things across
//! collections: its machine-id, its firmware's product UUID, its network
//! cards' burnt-in MAC addresses and, unless it is a default, its host
//! name. Two bundles are one host only where these agree; a bundle that
//! keeps none is a host of its own, known by its file. Images copied
//! without regenerating the machine-id are the trap: the same machine-id
//! with another host name *and* other MACs is another machine (a clone),
//! while the same machine-id and MACs under a new name is the host renamed.

use serde::{Deserialize, Serialize};

use super::Nic;

/// What a bundle says about the machine it came from; `None` (or no MACs)
/// where it says nothing usable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// SHA-256 (hex) of /etc/machine-id, or of /var/lib/dbus/machine-id
    /// where /etc has none; an empty or `uninitialized` file is none.
    pub machine_id: Option<String>,
    /// /sys/class/dmi/id/product_uuid, where captured (root only).
    pub product_uuid: Option<String>,
    /// Permanent (burnt-in) MACs of physical Ethernet cards, sorted.
    pub macs: Vec<String>,
    /// The host name, unless it is a default many machines share.
    pub hostname: Option<String>,
    /// The machine's architecture: never the same machine where it differs
    /// (two images of one distribution, aarch64 and s390x).
    #[serde(default)]
    pub arch: Option<String>,
}

/// Host names that name no machine: installers' and images' defaults.
const DEFAULT_HOSTNAMES: &[&str] = &[
    "",
    "unknown",
    "(none)",
    "localhost",
    "localhost.localdomain",
    "localhost6",
    "localhost6.localdomain6",
    "localdomain",
];

pub fn is_default_hostname(name: &str) -> bool {
    DEFAULT_HOSTNAMES.contains(&name.trim().to_ascii_lowercase().as_str())
}

/// A NIC's MAC where it is the card's own: an Ethernet device on a bus
/// (not a bridge, veth or tunnel), whose address the kernel took from the
/// hardware (addr_assign_type 0; before Linux 3.2, not locally administered).
fn permanent_mac(n: &Nic) -> Option<String> {
    let mac = n.mac.as_deref()?.trim().to_ascii_lowercase();
    let burnt_in = match n.addr_assign_type {
        Some(t) => t == 0,
        None => !n.locally_administered(),
    };
    (n.link_type == Some(1)
        && !n.virtual_device
        && burnt_in
        && mac.len() == 17
        && mac != "00:00:00:00:00:00")
        .then_some(mac)
}

impl Identity {
    pub fn of(host: &crate::model::Host) -> Identity {
        let mut macs: Vec<String> = host
            .links
            .nics
            .iter()
            .flatten()
            .filter_map(permanent_mac)
            .collect();
        macs.sort();
        macs.dedup();
        Identity {
            machine_id: host.files.machine_id.clone(),
            product_uuid: host.files.product_uuid.clone(),
            macs,
            hostname: host
                .hostname
                .clone()
                .or_else(|| host.files.probe_hostname.clone())
                .filter(|h| !is_default_hostname(h)),
            arch: host.kernel.arch.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.machine_id.is_none()
            && self.product_uuid.is_none()
            && self.macs.is_empty()
            && self.hostname.is_none()
    }

    /// The lines hashed into the host id: every part, so that two bundles
    /// one host by [`compare`] share an id only if nothing differs.
    pub fn key(&self) -> String {
        format!(
            "machine-id {}\nproduct-uuid {}\nmacs {}\nhostname {}\narch {}",
            self.machine_id.as_deref().unwrap_or(""),
            self.product_uuid.as_deref().unwrap_or(""),
            self.macs.join(" "),
            self.hostname.as_deref().unwrap_or(""),
            self.arch.as_deref().unwrap_or("")
        )
    }
}

/// Whether one part is known on both sides, and equal.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Agree,
    Conflict,
    Unknown,
}

fn part<T: PartialEq>(a: Option<T>, b: Option<T>) -> Part {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Part::Agree,
        (Some(_), Some(_)) => Part::Conflict,
        _ => Part::Unknown,
    }
}

/// How two bundles' identities relate.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// One host; what agreed, for the index ("machine-id, MACs").
    Same {
        matched: String,
        renamed: bool,
    },
    Different,
}

/// Two bundles are one host where what they keep agrees (see the module
/// doc). A machine-id or product UUID that differs is always two hosts;
/// one that agrees is one host unless both the host name and the MACs say
/// otherwise, or the host name is a default and the MACs differ. Without
/// either, a host name and MACs must agree and neither contradict.
pub fn compare(a: &Identity, b: &Identity) -> Verdict {
    let mid = part(a.machine_id.as_ref(), b.machine_id.as_ref());
    let uuid = part(a.product_uuid.as_ref(), b.product_uuid.as_ref());
    let macs = part(
        (!a.macs.is_empty()).then_some(&a.macs),
        (!b.macs.is_empty()).then_some(&b.macs),
    );
    let name = part(a.hostname.as_ref(), b.hostname.as_ref());
    let arch = part(a.arch.as_ref(), b.arch.as_ref());
    if mid == Part::Conflict || uuid == Part::Conflict || arch == Part::Conflict {
        return Verdict::Different;
    }
    let strong = mid == Part::Agree || uuid == Part::Agree;
    let same = if strong {
        match name {
            Part::Agree => true,
            Part::Conflict => macs == Part::Agree,
            Part::Unknown => macs != Part::Conflict,
        }
    } else {
        match (name, macs) {
            (Part::Agree, m) => m != Part::Conflict,
            (Part::Unknown, Part::Agree) => true,
            _ => false,
        }
    };
    if !same {
        return Verdict::Different;
    }
    let matched: Vec<&str> = [
        (mid, "machine-id"),
        (uuid, "product UUID"),
        (macs, "MACs"),
        (name, "hostname"),
    ]
    .iter()
    .filter(|(p, _)| *p == Part::Agree)
    .map(|(_, n)| *n)
    .collect();
    Verdict::Same {
        matched: matched.join(", "),
        renamed: name == Part::Conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(mid: Option<&str>, macs: &[&str], name: Option<&str>) -> Identity {
        Identity {
            machine_id: mid.map(str::to_owned),
            product_uuid: None,
            macs: macs.iter().map(|m| m.to_string()).collect(),
            hostname: name.map(str::to_owned),
            arch: None,
        }
    }

    const M1: &str = "52:54:00:00:00:01";
    const M2: &str = "52:54:00:00:00:02";

    /// Issue 24, "Bad input": the clone rules.
    #[test]
    fn clones_are_two_hosts_and_a_rename_is_one() {
        let a = id(Some("aa"), &[M1], Some("web-a"));
        // Same machine-id, other name and other MACs: a copied image.
        assert_eq!(
            compare(&a, &id(Some("aa"), &[M2], Some("web-b"))),
            Verdict::Different
        );
        // Same machine-id and MACs, new name: renamed.
        assert_eq!(
            compare(&a, &id(Some("aa"), &[M1], Some("web-a2"))),
            Verdict::Same {
                matched: "machine-id, MACs".into(),
                renamed: true
            }
        );
        // A new name and no MACs to vouch for it: not merged.
        assert_eq!(
            compare(&a, &id(Some("aa"), &[], Some("web-b"))),
            Verdict::Different
        );
        // A default name (none) and other MACs: a clone too.
        assert_eq!(
            compare(&id(Some("aa"), &[M1], None), &id(Some("aa"), &[M2], None)),
            Verdict::Different
        );
        // The same machine later, a NIC replaced: one host.
        assert!(matches!(
            compare(&a, &id(Some("aa"), &[M2], Some("web-a"))),
            Verdict::Same { renamed: false, .. }
        ));
        assert_eq!(
            compare(&a, &id(Some("bb"), &[M1], Some("web-a"))),
            Verdict::Different
        );
        // One image for two architectures: never one machine.
        let arm = Identity {
            arch: Some("aarch64".into()),
            ..id(Some("aa"), &[], None)
        };
        let s390 = Identity {
            arch: Some("s390x".into()),
            ..id(Some("aa"), &[], None)
        };
        assert_eq!(compare(&arm, &s390), Verdict::Different);
        assert_ne!(arm.key(), s390.key());
    }

    /// Issue 24: five roots without a host name or machine-id were one
    /// host "unknown"; a bundle that keeps nothing matches nothing.
    #[test]
    fn nothing_kept_matches_nothing() {
        let none = Identity::default();
        assert!(none.is_empty());
        assert_eq!(compare(&none, &none), Verdict::Different);
        // CentOS 6: no machine-id; a name and MACs that agree are one host.
        assert!(matches!(
            compare(&id(None, &[M1], Some("db1")), &id(None, &[M1], Some("db1"))),
            Verdict::Same { .. }
        ));
        assert_eq!(
            compare(&id(None, &[M1], Some("db1")), &id(None, &[M2], Some("db1"))),
            Verdict::Different
        );
        assert!(matches!(
            compare(&id(None, &[M1], None), &id(None, &[M1], None)),
            Verdict::Same { .. }
        ));
    }

    /// The DMI product UUID, where an input has it (a root tree's /sys; the
    /// probe never captures it, SECURITY.md): one that differs is two
    /// machines whatever the name (firmware's placeholders are read as none
    /// in `model::files`).
    #[test]
    fn product_uuids() {
        let with = |uuid: &str, name: &str| Identity {
            product_uuid: Some(uuid.into()),
            ..id(None, &[], Some(name))
        };
        let u1 = "4c4c4544-0042-3510-8052-b4c04f4b4e31";
        let u2 = "4c4c4544-0042-3510-8052-b4c04f4b4e32";
        assert_eq!(
            compare(&with(u1, "db1"), &with(u2, "db1")),
            Verdict::Different
        );
        assert_eq!(
            compare(&with(u1, "db1"), &with(u1, "db1")),
            Verdict::Same {
                matched: "product UUID, hostname".into(),
                renamed: false
            }
        );
    }

    #[test]
    fn default_hostnames() {
        for n in [
            "localhost.localdomain",
            "LOCALHOST",
            "unknown",
            "",
            " (none)",
        ] {
            assert!(is_default_hostname(n), "{n}");
        }
        assert!(!is_default_hostname("localhost-db"));
    }
}
