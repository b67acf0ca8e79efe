//! `gen.containers`: a host whose services are containers, or a Kubernetes
//! node, moves differently from a plain server. A node is drained and
//! replaced by a new one in the target; a container host moves as its
//! images, their settings and the host paths bound into them, which can go
//! to the target's container service instead of a lift-and-shift.

use super::{Finding, Rule, Severity};
use crate::model::containers::{Container, ContainerPlatform};
use crate::model::Host;
use crate::profile::{Profile, Target};
use crate::rules::Identified;
use crate::sources as src;

pub struct Containers;

/// Containers listed as evidence, at most.
const LISTED: usize = 30;

/// The target's container service, its registry and where bound data goes.
fn instead(p: Profile) -> &'static str {
    match p {
        Profile::AwsMgn | Profile::Ec2 => {
            "rather than replicating the server, run the images on Amazon ECS or EKS (pushed to ECR), with the bound host paths on EFS or EBS volumes"
        }
        Profile::Azure => {
            "rather than moving the VM, run the images on Azure Container Apps or AKS (pushed to ACR), with the bound host paths on Azure Files or managed disks"
        }
        Profile::Openstack => {
            "rather than moving the VM, run the images on the cloud's Kubernetes (Magnum) or Zun, from a registry it reaches, with the bound host paths on Cinder volumes or Manila shares"
        }
        Profile::Generic => {
            "the host moves as its images, their settings (ports, restart policy, environment) and the host paths bound into them"
        }
    }
}

fn node_remedy(p: Profile) -> &'static str {
    match p {
        Profile::AwsMgn | Profile::Ec2 => {
            "do not lift and shift a Kubernetes node: drain it (kubectl drain) and join a new node in the target (an EKS managed node group, or kubeadm join on EC2) with the same labels and taints; a control-plane node moves by the cluster's own procedure (etcd snapshot and restore)"
        }
        Profile::Azure => {
            "do not lift and shift a Kubernetes node: drain it (kubectl drain) and add an AKS node pool or a kubeadm-joined VM with the same labels and taints; a control-plane node moves by the cluster's own procedure (etcd snapshot and restore)"
        }
        Profile::Openstack => {
            "do not lift and shift a Kubernetes node: drain it (kubectl drain) and join a new node (Magnum, or kubeadm join) with the same labels and taints; a control-plane node moves by the cluster's own procedure (etcd snapshot and restore)"
        }
        Profile::Generic => {
            "a Kubernetes node is drained and replaced by a new node, not moved; a control-plane node moves by the cluster's own procedure"
        }
    }
}

/// Host paths bound into containers (not named volumes), each once.
fn bound_paths(cs: &[Container]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in cs.iter().flat_map(|c| &c.mounts) {
        if m.kind != "bind" {
            continue;
        }
        if let Some(s) = &m.source {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

fn summary(c: &Container) -> String {
    let mut parts = vec![format!(
        "{} {} ({})",
        c.runtime,
        c.name.as_deref().unwrap_or(&c.id[..c.id.len().min(12)]),
        c.image.as_deref().unwrap_or("image unknown")
    )];
    parts.push(
        c.state
            .clone()
            .unwrap_or_else(|| "state not recorded".into()),
    );
    if let Some(r) = &c.restart_policy {
        parts.push(format!("restart {r}"));
    }
    if let Some(ports) = &c.ports {
        for p in ports {
            parts.push(format!(
                "{}:{}->{}/{}",
                p.host_ip.as_deref().unwrap_or("*"),
                p.host_port.map(|p| p.to_string()).unwrap_or_default(),
                p.container_port,
                p.proto
            ));
        }
    }
    for m in &c.mounts {
        parts.push(format!(
            "{} {}:{}{}",
            m.kind,
            m.volume.as_deref().or(m.source.as_deref()).unwrap_or("?"),
            m.destination,
            if m.read_only { ":ro" } else { "" }
        ));
    }
    parts.join(", ")
}

impl Rule for Containers {
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Generic))
    }

    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let sources = [&src::DOCKER_CONTAINERS, &src::CONTAINER_STORAGE];
        let (Some(cs), Some(platform)) = (&host.containers, &host.container_platform) else {
            return Finding::unknown(self.id(), host, &sources);
        };
        let p = target.profile;
        let ContainerPlatform {
            runtimes,
            kubernetes,
            ..
        } = platform;
        if cs.is_empty() && runtimes.is_empty() && kubernetes.is_none() {
            // Absence is the evidence: no basis to stand on.
            return Finding::new(
                self.id(),
                Severity::Pass,
                "no container engine, container or Kubernetes node configuration found",
            );
        }
        let binds = bound_paths(cs);
        let running = cs
            .iter()
            .filter(|c| c.state.as_deref() == Some("running"))
            .count();
        let names: Vec<&str> = runtimes.iter().map(|r| r.name).collect();
        let engines = format!(
            "engines: {}",
            if names.is_empty() {
                "none configured".to_string()
            } else {
                names.join(", ")
            }
        );
        let mut detail = if cs.is_empty() {
            engines
        } else {
            format!(
                "{} ({running} running), {engines}",
                super::count(cs.len(), "container", "containers"),
            )
        };
        if !binds.is_empty() {
            detail.push_str(&format!(
                "; host paths bound into them, which must move with them: {}",
                binds.join(", ")
            ));
        }
        if let Some(root) = &platform.docker_data_root {
            detail.push_str(&format!(
                "; Docker's data root is {root} (its containers there were not read)"
            ));
        }
        let mut remedies = Vec::new();
        if let Some(k) = kubernetes {
            let pods: Vec<&str> = k.static_pods.iter().map(|s| s.name.as_str()).collect();
            detail = format!(
                "a Kubernetes node ({}{} in pods); {detail}",
                if pods.is_empty() {
                    String::new()
                } else {
                    format!("static pods {}; ", pods.join(", "))
                },
                super::count(k.pod_processes, "process", "processes"),
            );
            remedies.push(node_remedy(p).to_string());
        }
        if !cs.is_empty() {
            remedies.push(instead(p).to_string());
        }
        let severity =
            if p.moves_to_a_cloud() && (kubernetes.is_some() || !binds.is_empty() || running > 0) {
                Severity::Warning
            } else {
                Severity::Info
            };
        let mut f = Finding::new(self.id(), severity, detail);
        if !remedies.is_empty() {
            f = f.remediation(remedies.join("; "));
        }
        for c in cs.iter().take(LISTED) {
            f = f.evidence(c.declared_in.clone(), summary(c));
        }
        if cs.len() > LISTED {
            f = f.evidence(
                "host.containers",
                format!(
                    "and {} more",
                    super::count(cs.len() - LISTED, "container", "containers")
                ),
            );
        }
        if let Some(k) = kubernetes {
            for s in &k.static_pods {
                f = f.evidence(
                    s.file.clone(),
                    format!("static pod {}: {}", s.name, s.images.join(", ")),
                );
            }
            if let Some(c) = &k.kubelet_config {
                f = f.evidence(c.clone(), "kubelet configuration");
            }
        }
        for r in runtimes {
            f = f.evidence("engine", format!("{}: {}", r.name, r.evidence.join("; ")));
        }
        // The verdict stands on the sources that gave its facts.
        let read: Vec<&src::Source> = [
            &src::DOCKER_CONTAINERS,
            &src::CONTAINER_STORAGE,
            &src::DOCKER_DAEMON_JSON,
            &src::PODMAN_CONFIG,
            &src::CONTAINERD_CONFIG,
            &src::KUBELET_CONFIG,
            &src::KUBE_MANIFESTS,
            &src::KUBE_DIR,
        ]
        .into_iter()
        .filter(|s| host.sources.present(s))
        .collect();
        f.on(host, &read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_of(dir: &std::path::Path) -> Host {
        crate::model::build(&crate::snapshot::DirSnapshot::new(dir))
    }

    const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/containers-host");

    #[test]
    fn a_container_host_is_a_warning_for_a_cloud_and_info_for_generic() {
        let host = host_of(std::path::Path::new(FIX));
        let f = Containers.check(&host);
        assert_eq!(f.severity, Severity::Info, "{f:?}");
        f.assert_detail("/srv/api-uploads");
        for p in [
            Profile::Ec2,
            Profile::Azure,
            Profile::Openstack,
            Profile::AwsMgn,
        ] {
            let f = Containers.check_for(&host, &Target::new(p));
            assert_eq!(f.severity, Severity::Warning, "{p:?}");
            assert!(f
                .remediation
                .as_deref()
                .unwrap()
                .contains("bound host paths"));
        }
        let ec2 = Containers.check_for(&host, &Target::new(Profile::Ec2));
        assert!(ec2.remediation.unwrap().contains("ECS"));
    }

    #[test]
    fn a_plain_root_passes() {
        let tmp = crate::testing::TempRoot::with(&[("etc/hostname", "plain\n")]);
        let f = Containers.check(&host_of(tmp.path()));
        assert_eq!(f.severity, Severity::Pass, "{f:?}");
    }
}
