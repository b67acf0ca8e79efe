//! `gen.network-dependencies`: what the host's configuration says it needs
//! from its network (`host.dependencies`). For every profile it lists
//! them; for a move to a cloud it warns about those the move breaks: a
//! dependency inside the source's own subnet (the addressing changes), and
//! a storage or identity server that the cloud must reach through a route
//! or VPN.

use super::{Finding, Rule, Severity};
use crate::model::dependencies::{Dependency, Kind, Scope};
use crate::model::Host;
use crate::profile::{Profile, Target};
use crate::rules::Identified;
use crate::sources::{self as src, State};

pub struct NetworkDependencies;

/// Dependencies listed as evidence, and remediation lines, at most.
const LISTED: usize = 40;
const REMEDIES: usize = 20;

/// Storage and identity: without them the moved server cannot mount its
/// data or log its users in.
fn storage_or_identity(k: Kind) -> bool {
    matches!(
        k,
        Kind::Nfs
            | Kind::Cifs
            | Kind::Iscsi
            | Kind::San
            | Kind::Ldap
            | Kind::Kerberos
            | Kind::ActiveDirectory
    )
}

/// `10.1.2.3:2049`, `[fd00::1]:389`, or the bare target.
fn endpoint(d: &Dependency) -> String {
    endpoint_ports(&d.target, &d.port.into_iter().collect::<Vec<_>>())
}

/// A target and its ports: `dc1.corp.lan:636,88`.
fn endpoint_ports(target: &str, ports: &[u16]) -> String {
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    match ports.as_slice() {
        [] => target.to_string(),
        _ if target.contains(':') => format!("[{target}]:{}", ports.join(",")),
        _ => format!("{target}:{}", ports.join(",")),
    }
}

fn what(k: Kind) -> &'static str {
    match k {
        Kind::Nfs | Kind::Cifs => "the filer",
        Kind::Iscsi => "the iSCSI target",
        Kind::San => "the array",
        Kind::Ldap | Kind::ActiveDirectory => "the directory server",
        Kind::Kerberos => "the KDC",
        _ => "that server",
    }
}

/// What to do about one target, with every port the host uses there.
fn remedy(d: &Dependency, ports: &[u16]) -> String {
    let at = endpoint_ports(&d.target, ports);
    match (d.kind, d.scope) {
        (Kind::San, _) => format!(
            "present LUN {} to the target or copy its data to a cloud volume first",
            d.target
        ),
        (_, Scope::OwnSubnet) if !storage_or_identity(d.kind) => format!(
            "{at} ({}) sits in the source's own subnet, which the move readdresses: change {} or keep a route/VPN to {at}",
            d.kind.name(),
            d.declared_in,
        ),
        (_, Scope::Unresolved) => format!(
            "resolve {} from the cloud and provide a route/VPN to {at} or move {} first",
            d.target,
            what(d.kind)
        ),
        _ => format!("provide a route/VPN to {at} or move {} first", what(d.kind)),
    }
}

/// One remedy per target, in the order the targets first appear.
fn remedies(breaks: &[&Dependency]) -> Vec<String> {
    let mut targets: Vec<(&Dependency, Vec<u16>)> = Vec::new();
    for d in breaks {
        match targets.iter_mut().find(|(t, _)| t.target == d.target) {
            Some((_, ports)) => ports.extend(d.port.filter(|p| !ports.contains(p))),
            None => targets.push((d, d.port.into_iter().collect())),
        }
    }
    let mut lines: Vec<String> = targets
        .iter()
        .take(REMEDIES)
        .map(|(d, ports)| remedy(d, ports))
        .collect();
    if targets.len() > REMEDIES {
        lines.push(format!(
            "and {} more",
            super::count(targets.len() - REMEDIES, "target", "targets")
        ));
    }
    lines
}

fn summary(deps: &[Dependency]) -> String {
    let mut kinds: Vec<(Kind, usize)> = Vec::new();
    for d in deps {
        match kinds.iter_mut().find(|(k, _)| *k == d.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((d.kind, 1)),
        }
    }
    let count = |s: Scope| deps.iter().filter(|d| d.scope == s).count();
    format!(
        "{} ({}): {} in the host's own subnets, {} in other private ranges, {} public, {} unresolved offline",
        super::count(deps.len(), "declared dependency", "declared dependencies"),
        kinds
            .iter()
            .map(|(k, n)| format!("{} {n}", k.name()))
            .collect::<Vec<_>>()
            .join(", "),
        count(Scope::OwnSubnet),
        count(Scope::Private),
        count(Scope::Public),
        count(Scope::Unresolved),
    )
}

impl Rule for NetworkDependencies {
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }

    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let sources = src::DEPENDENCY_SOURCES;
        let unusable: Vec<_> = host
            .sources
            .missing(sources)
            .into_iter()
            .filter(|m| m.state != State::Absent)
            .collect();
        let deps = &host.dependencies;
        if deps.is_empty() {
            if !sources.iter().any(|s| host.sources.present(s)) && !unusable.is_empty() {
                return Finding::unknown(self.id(), host, sources);
            }
            let f = Finding::new(
                self.id(),
                if unusable.is_empty() {
                    Severity::Pass
                } else {
                    Severity::Info
                },
                "the configuration read declares no dependency on other servers",
            );
            return f.lacking(unusable);
        }
        let breaks: Vec<&Dependency> = if target.profile.moves_to_a_cloud() {
            deps.iter()
                .filter(|d| {
                    d.scope == Scope::OwnSubnet
                        || (storage_or_identity(d.kind) && d.scope != Scope::Public)
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut f = if breaks.is_empty() {
            Finding::new(self.id(), Severity::Info, summary(deps))
        } else {
            let lines = remedies(&breaks);
            Finding::new(
                self.id(),
                Severity::Warning,
                format!(
                    "{} of them the move breaks: {}",
                    breaks.len(),
                    summary(deps)
                ),
            )
            .remediation(lines.join("; "))
        };
        let listed: Vec<&Dependency> = if breaks.is_empty() {
            deps.iter().collect()
        } else {
            breaks
        };
        for d in listed.iter().take(LISTED) {
            f = f.evidence(
                d.declared_in.clone(),
                format!(
                    "{} {} ({})",
                    d.kind.name(),
                    endpoint(d),
                    scope_name(d.scope)
                ),
            );
        }
        if listed.len() > LISTED {
            f = f.evidence(
                "host.dependencies",
                format!("{} more not listed here", listed.len() - LISTED),
            );
        }
        f.lacking(unusable)
    }
}

fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::OwnSubnet => "own subnet",
        Scope::Private => "private",
        Scope::Public => "public",
        Scope::Unresolved => "unresolved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture, TempRoot};

    fn host_of(dir: &std::path::Path) -> Host {
        crate::model::build(&crate::snapshot::DirSnapshot::new(dir))
    }

    fn on(profile: Profile, host: &Host) -> Finding {
        NetworkDependencies.check_for(host, &Target::new(profile))
    }

    #[test]
    fn generic_lists_and_clouds_warn() {
        let h = host_of(&fixture("deps-office"));
        let g = on(Profile::Generic, &h);
        g.assert_says(Severity::Info, "nfs 2");
        for p in [
            Profile::AwsMgn,
            Profile::Ec2,
            Profile::Openstack,
            Profile::Azure,
        ] {
            let f = on(p, &h);
            assert_eq!(f.severity, Severity::Warning, "{p:?}");
            let r = f.remediation.unwrap();
            assert!(
                r.contains("provide a route/VPN to 10.1.5.20:3260 or move the iSCSI target first"),
                "{r}"
            );
            assert!(
                r.contains("resolve dc1.corp.lan from the cloud and provide a route/VPN to dc1.corp.lan:636,88,445"),
                "one remedy per target: {r}"
            );
            assert!(
                f.evidence
                    .iter()
                    .any(|e| e.path == "/etc/network/interfaces:14"),
                "own-subnet gateway"
            );
            assert!(f.evidence.iter().any(|e| e.path == "/etc/fstab:6"));
        }
    }

    #[test]
    fn nothing_declared_passes_and_nothing_read_is_unknown() {
        let f = NetworkDependencies.check(&host_of(TempRoot::new().path()));
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        let only_public = TempRoot::with(&[("etc/resolv.conf", "nameserver 1.1.1.1\n")]);
        let f = on(Profile::Ec2, &host_of(only_public.path()));
        assert_eq!(
            f.severity,
            Severity::Info,
            "public resolvers stay reachable"
        );
    }

    /// A bundle made before the `deps` spec (its footer lists the specs
    /// the probe ran, `deps` not among them).
    fn old_bundle(root: &TempRoot) -> Host {
        let ran = |records: &mut Vec<lift_bundle::Record>| {
            if let Some(lift_bundle::Record::Footer(f)) = records.last_mut() {
                f.specs = ["os", "storage", "net", "etc"]
                    .iter()
                    .map(|id| lift_bundle::SpecStatus {
                        id: id.to_string(),
                        ..Default::default()
                    })
                    .collect();
            }
        };
        let b = crate::testing::bundle_edited(root.path(), Vec::new(), true, ran);
        crate::model::build(&b)
    }

    #[test]
    fn an_old_bundle_lacks_the_spec() {
        let f =
            NetworkDependencies.check(&old_bundle(&TempRoot::with(&[("etc/hostname", "old\n")])));
        assert_eq!(f.severity, Severity::Unknown, "{}", f.detail);
        assert!(
            f.missing
                .iter()
                .any(|m| m.state == State::NotCollected && m.spec == "deps"),
            "{:?}",
            f.missing
        );
        // What the older specs gave is still listed, with what is lacking.
        let f = NetworkDependencies.check(&old_bundle(&TempRoot::with(&[(
            "etc/resolv.conf",
            "nameserver 10.1.0.2\n",
        )])));
        assert_eq!(f.severity, Severity::Info, "{}", f.detail);
        assert!(
            f.missing.iter().all(|m| m.spec == "deps"),
            "{:?}",
            f.missing
        );
        assert!(!f.missing.is_empty());
    }
}
