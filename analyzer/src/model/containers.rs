//! `host.containers` and `host.container_platform`: the containers Docker
//! and Podman keep on the host (from their own files, never a daemon),
//! tied to the processes whose cgroup names them and to the listeners
//! those hold; and what the host is to its container platform: which
//! engines are configured, where Docker keeps its data, and whether it is a
//! Kubernetes node (the kubelet's configuration, static pods by name, and
//! the key files beside them by name only).

use serde::Serialize;

use super::facts::Facts;
use super::processes::Process;
use super::services::Service;
use super::sockets::Listener;
use crate::parse::containers as pc;
use crate::sources::{self as src, State};
pub use crate::vocab::containers::{Mount, Port};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Container {
    /// docker, podman.
    pub runtime: &'static str,
    pub id: String,
    pub name: Option<String>,
    pub image: Option<String>,
    /// running, paused, restarting, exited, created, dead; for Podman,
    /// `running` when a process runs in its cgroup, else null (Podman keeps
    /// the state in its database, which the probe does not read).
    pub state: Option<String>,
    /// `no`, `always`, `unless-stopped`, `on-failure:N`; null where the
    /// files read do not say (Podman's database).
    pub restart_policy: Option<String>,
    /// Ports published on the host; null where the files read do not say.
    pub ports: Option<Vec<Port>>,
    /// Host paths bound in and named volumes.
    pub mounts: Vec<Mount>,
    /// Processes whose cgroup names the container.
    pub pids: Vec<u32>,
    /// The service that starts it: its processes' unit, Podman's
    /// `container-NAME.service`, or the Docker daemon's.
    pub service: Option<String>,
    /// Sockets listened on by its processes, or on its published ports.
    pub listeners: Vec<String>,
    /// The file it was read from.
    pub declared_in: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runtime {
    /// docker, podman, containerd, cri-o, kubelet.
    pub name: &'static str,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaticPod {
    /// The manifest's file name without `.yaml`/`.yml`/`.json`.
    pub name: String,
    pub images: Vec<String>,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KubernetesNode {
    pub kubelet_config: Option<String>,
    pub static_pod_path: Option<String>,
    pub static_pods: Vec<StaticPod>,
    /// Kubeconfigs and certificates under /etc/kubernetes, by name only
    /// (the probe never reads them: they hold client keys).
    pub key_files: Vec<String>,
    /// Processes running in a `kubepods` cgroup.
    pub pod_processes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ContainerPlatform {
    pub runtimes: Vec<Runtime>,
    /// daemon.json's `data-root`; null where it does not move it from
    /// /var/lib/docker.
    pub docker_data_root: Option<String>,
    /// CNI network configurations (/etc/cni/net.d).
    pub cni: Vec<String>,
    pub kubernetes: Option<KubernetesNode>,
    /// Processes whose cgroup names a container.
    pub containerized_processes: usize,
    /// Containers seen running (by cgroup) whose files were not read: a
    /// Docker data root elsewhere, or containerd's and CRI-O's own.
    pub unmatched_running: Vec<String>,
}

/// Most containers kept for one host (the rest counted in `problems`).
pub const MAX_CONTAINERS: usize = pc::MAX_CONTAINERS;
use crate::sources::marks::{CONTAINER_ENGINE_DIRS as ENGINE_DIRS, DOCKER_ROOT};

fn docker(f: &Facts, out: &mut Vec<Container>) {
    let Some(ids) = f.list(&src::DOCKER_CONTAINERS) else {
        return;
    };
    for child in ids {
        if out.len() >= MAX_CONTAINERS {
            f.problem(
                src::DOCKER_CONTAINERS.path(),
                format!("more than {MAX_CONTAINERS} containers; the first are listed"),
            );
            return;
        }
        let id = String::from_utf8_lossy(&child.name).into_owned();
        let config = src::DOCKER_CONFIG.at(&[&id]);
        let Some(c) = f.parse_at(&src::DOCKER_CONFIG, &config, pc::docker_config) else {
            continue;
        };
        let host = f.parse_at(
            &src::DOCKER_HOSTCONFIG,
            &src::DOCKER_HOSTCONFIG.at(&[&id]),
            pc::docker_hostconfig,
        );
        out.push(Container {
            runtime: "docker",
            id: c.id,
            name: c.name,
            image: c.image,
            state: Some(c.state.to_string()),
            restart_policy: host.as_ref().and_then(|h| h.restart_policy.clone()),
            ports: host.map(|h| h.ports),
            mounts: c.mounts,
            pids: Vec::new(),
            service: None,
            listeners: Vec::new(),
            declared_in: config,
        });
    }
}

fn podman(f: &Facts, out: &mut Vec<Container>) {
    let Some(dirs) = f.list(&src::CONTAINER_STORAGE) else {
        return;
    };
    for dir in dirs {
        let dir = String::from_utf8_lossy(&dir.name).into_owned();
        if !dir.ends_with("-containers") {
            continue;
        }
        let path = src::PODMAN_CONTAINERS.at(&[&dir]);
        let Some((list, dropped)) =
            f.parse_at(&src::PODMAN_CONTAINERS, &path, pc::storage_containers)
        else {
            continue;
        };
        if dropped > 0 {
            f.problem(
                &path,
                format!(
                    "{dropped} more containers past the first {} not listed",
                    pc::MAX_CONTAINERS
                ),
            );
        }
        for c in list {
            if out.len() >= MAX_CONTAINERS {
                f.problem(&path, format!("more than {MAX_CONTAINERS} containers"));
                return;
            }
            let oci = src::PODMAN_OCI_CONFIG.at(&[&dir, &c.id]);
            // Written when the container is first started; a container
            // only created has none.
            let mounts = if f.lstat_at(&src::PODMAN_OCI_CONFIG, &oci).is_some() {
                f.parse_at(&src::PODMAN_OCI_CONFIG, &oci, |b| {
                    pc::oci_mounts(b, ENGINE_DIRS)
                })
                .unwrap_or_default()
            } else {
                Vec::new()
            };
            out.push(Container {
                runtime: "podman",
                id: c.id,
                name: c.name,
                image: c.image,
                state: None,
                restart_policy: None,
                ports: None,
                mounts,
                pids: Vec::new(),
                service: None,
                listeners: Vec::new(),
                declared_in: path.clone(),
            });
        }
    }
}

/// Ties each container to the processes its cgroup holds, their service
/// and listeners; returns what the processes say beyond the files.
fn tie(
    containers: &mut [Container],
    processes: &[Process],
    services: &[Service],
    listeners: &[Listener],
    platform: &mut ContainerPlatform,
) {
    let mut pod_processes = 0;
    for p in processes {
        let Some(c) = p.cgroup.as_deref().and_then(pc::cgroup_container) else {
            continue;
        };
        platform.containerized_processes += 1;
        if c.kubernetes {
            pod_processes += 1;
        }
        match containers.iter_mut().find(|k| k.id == c.id) {
            Some(k) => {
                k.pids.push(p.pid);
                if k.service.is_none() {
                    k.service = p.service.clone();
                }
                if k.state.is_none() {
                    k.state = Some("running".into());
                }
            }
            None => {
                let seen = format!("{} {}", c.runtime, &c.id[..12]);
                if !platform.unmatched_running.contains(&seen)
                    && platform.unmatched_running.len() < 100
                {
                    platform.unmatched_running.push(seen);
                }
            }
        }
    }
    if let Some(k) = platform.kubernetes.as_mut() {
        k.pod_processes = pod_processes;
    }
    let has = |name: &str| services.iter().any(|s| s.name == name);
    for k in containers.iter_mut() {
        if k.service.is_none() {
            k.service = match (k.runtime, &k.name) {
                ("podman", Some(n)) if has(&format!("container-{n}")) => {
                    Some(format!("container-{n}"))
                }
                ("docker", _) if has("docker") => Some("docker".into()),
                _ => None,
            };
        }
        let published: Vec<u16> = k
            .ports
            .iter()
            .flatten()
            .filter_map(|p| p.host_port)
            .collect();
        for l in listeners {
            let mine = l.pid.is_some_and(|pid| k.pids.contains(&pid))
                || l.owners.iter().any(|o| k.pids.contains(&o.pid))
                || l.port
                    .is_some_and(|p| published.contains(&p) && l.proto != "unix");
            if mine && k.listeners.len() < pc::MAX_ITEMS {
                k.listeners.push(format!(
                    "{} {}:{}{}",
                    l.proto,
                    l.address.as_deref().unwrap_or("*"),
                    l.port.map(|p| p.to_string()).unwrap_or_default(),
                    l.program
                        .as_deref()
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default()
                ));
            }
        }
    }
}

fn kubernetes(f: &Facts) -> Option<KubernetesNode> {
    let config = f.parse(&src::KUBELET_CONFIG, pc::kubelet_static_pod_path);
    let static_pod_path = config.clone().flatten();
    let mut static_pods = Vec::new();
    for file in f.glob(&src::KUBE_MANIFESTS) {
        let Some(images) = f.parse_at(&src::KUBE_MANIFESTS, &file, pc::manifest_images) else {
            continue;
        };
        let base = file.rsplit('/').next().unwrap_or(&file);
        let name = [".yaml", ".yml", ".json"]
            .iter()
            .find_map(|x| base.strip_suffix(x))
            .unwrap_or(base)
            .to_string();
        static_pods.push(StaticPod { name, images, file });
    }
    let mut key_files = Vec::new();
    for dir in src::KUBE_DIR.paths {
        for c in f.list_at(&src::KUBE_DIR, dir).unwrap_or_default() {
            let name = String::from_utf8_lossy(&c.name).into_owned();
            let path = format!("{dir}/{name}");
            let keyish =
                name.ends_with(".conf") || name.ends_with(".key") || *dir != src::KUBE_DIR.path();
            if keyish && key_files.len() < pc::MAX_ITEMS {
                key_files.push(path);
            }
        }
    }
    (config.is_some() || !static_pods.is_empty() || !key_files.is_empty()).then(|| KubernetesNode {
        kubelet_config: config
            .is_some()
            .then(|| src::KUBELET_CONFIG.path().to_string()),
        static_pod_path,
        static_pods,
        key_files,
        pod_processes: 0,
    })
}

fn runtimes(f: &Facts, containers: &[Container], processes: &[Process], k8s: bool) -> Vec<Runtime> {
    let mut out: Vec<Runtime> = Vec::new();
    let mut add = |name: &'static str, why: String| match out.iter_mut().find(|r| r.name == name) {
        Some(r) => {
            if !r.evidence.contains(&why) {
                r.evidence.push(why)
            }
        }
        None => out.push(Runtime {
            name,
            evidence: vec![why],
        }),
    };
    if f.lstat(&src::DOCKER_DAEMON_JSON).is_some() {
        add("docker", src::DOCKER_DAEMON_JSON.path().to_string());
    }
    for c in containers {
        let dir = match c.runtime {
            "docker" => src::DOCKER_CONTAINERS.path(),
            _ => c.declared_in.rsplit_once('/').map_or("", |(d, _)| d),
        };
        add(c.runtime, format!("containers in {dir}"));
    }
    for path in src::PODMAN_CONFIG.paths {
        if f.lstat_at(&src::PODMAN_CONFIG, path).is_some() {
            add("podman", path.to_string());
            break;
        }
    }
    if f.lstat(&src::CONTAINERD_CONFIG).is_some() {
        add("containerd", src::CONTAINERD_CONFIG.path().to_string());
    }
    for p in processes {
        let name = match p.comm.as_deref() {
            Some("dockerd") => "docker",
            Some("containerd") => "containerd",
            Some("conmon") => "podman",
            Some("crio") => "cri-o",
            Some("kubelet") => "kubelet",
            _ => continue,
        };
        add(
            name,
            format!("process {} ({})", p.pid, p.comm.as_deref().unwrap_or("")),
        );
    }
    if k8s {
        add("kubelet", "Kubernetes node configuration".into());
    }
    out
}

/// None when the input could not hold the engines' files (a bundle made
/// before the `containers` spec, a sosreport: sos copies none of them) and
/// nothing else tells of containers; else every container found.
pub fn containers(
    f: &Facts,
    sosreport: bool,
    processes: Option<&[Process]>,
    services: Option<&[Service]>,
    listeners: Option<&[Listener]>,
) -> (Option<Vec<Container>>, Option<ContainerPlatform>) {
    let mut out = Vec::new();
    docker(f, &mut out);
    podman(f, &mut out);
    let data_root = f
        .parse(&src::DOCKER_DAEMON_JSON, pc::docker_data_root)
        .flatten()
        .filter(|r| r.trim_end_matches('/') != DOCKER_ROOT);
    if let Some(root) = &data_root {
        f.problem(
            src::DOCKER_DAEMON_JSON.path(),
            format!("Docker keeps its data in {root}; the probe reads containers under {DOCKER_ROOT} only"),
        );
    }
    let cni = f.glob(&src::CNI_CONFIG);
    let mut platform = ContainerPlatform {
        docker_data_root: data_root,
        cni,
        kubernetes: kubernetes(f),
        ..ContainerPlatform::default()
    };
    let ps = processes.unwrap_or_default();
    tie(
        &mut out,
        ps,
        services.unwrap_or_default(),
        listeners.unwrap_or_default(),
        &mut platform,
    );
    platform.runtimes = runtimes(f, &out, ps, platform.kubernetes.is_some());
    let collected = !sosreport
        && [&src::DOCKER_CONTAINERS, &src::CONTAINER_STORAGE]
            .iter()
            .any(|s| matches!(f.state(s), Some(State::Present | State::Absent)));
    if !collected
        && out.is_empty()
        && platform.runtimes.is_empty()
        && platform.containerized_processes == 0
    {
        return (None, None);
    }
    (Some(out), Some(platform))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4";

    fn listener(pid: Option<u32>, port: u16, program: &str) -> Listener {
        Listener::tcp_any(port, pid, Some(program))
    }

    /// The container's process holds 8080 inside; docker-proxy holds the
    /// published 8081 on the host; sshd's 22 is nobody's container.
    #[test]
    fn a_running_container_gets_its_processes_and_listeners() {
        let mut c = vec![Container {
            runtime: "docker",
            id: ID.into(),
            name: Some("api".into()),
            image: None,
            state: Some("running".into()),
            restart_policy: None,
            ports: Some(vec![Port {
                host_ip: None,
                host_port: Some(8081),
                container_port: 8080,
                proto: "tcp".into(),
            }]),
            mounts: Vec::new(),
            pids: Vec::new(),
            service: None,
            listeners: Vec::new(),
            declared_in: String::new(),
        }];
        let mut inside = Process::new(18865);
        inside.cgroup = Some(format!("/system.slice/docker-{ID}.scope"));
        let mut other = Process::new(7);
        other.cgroup = Some(format!("/machine.slice/libpod-{}.scope", "a".repeat(64)));
        let listeners = [
            listener(Some(18865), 8080, "httpd"),
            listener(Some(900), 8081, "docker-proxy"),
            listener(Some(1), 22, "sshd"),
        ];
        let mut platform = ContainerPlatform::default();
        tie(&mut c, &[inside, other], &[], &listeners, &mut platform);
        assert_eq!(c[0].pids, [18865]);
        assert_eq!(
            c[0].listeners,
            [
                "tcp 0.0.0.0:8080 (httpd)",
                "tcp 0.0.0.0:8081 (docker-proxy)"
            ]
        );
        assert_eq!(platform.containerized_processes, 2);
        assert_eq!(platform.unmatched_running, ["podman aaaaaaaaaaaa"]);
    }
}
