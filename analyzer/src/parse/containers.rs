//! Container engines' own files: Docker's per-container `config.v2.json`
//! and `hostconfig.json` and its `daemon.json`, Podman's (containers/storage)
//! `containers.json` and each container's OCI `userdata/config.json`, and a
//! Kubernetes node's kubelet configuration and static pod manifests.
//!
//! A Docker container as the daemon writes it (cut to the fields read):
//!
//! ```text
//! {"State":{"Running":true,"Paused":false,"Restarting":false,"Dead":false,
//!  "StartedAt":"2026-12-07T05:18:45.872572468Z"},
//!  "ID":"5bbd4f09fc01...","Config":{"Image":"registry.example.com/shop/api:2.4"},
//!  "Name":"/api","MountPoints":{"/uploads":{"Source":"/srv/api-uploads",
//!  "Destination":"/uploads","RW":true,"Name":"","Type":"bind"}}}
//! ```
//!
//! Every reader is bounded: a file past `MAX_FILE` is refused unread, and
//! a list (containers.json's entries, a container's mounts and ports) keeps
//! its first `MAX_CONTAINERS` or `MAX_ITEMS` and counts the rest, skipping
//! them without keeping them.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use super::{ParseError, Parsed, Partial};
pub use crate::vocab::containers::{Mount, Port};

/// Largest file read: Docker's and Podman's per-container files are a few
/// KiB, and containers.json some 600 bytes a container.
pub const MAX_FILE: usize = 64 * 1024 * 1024;
/// Largest containers.json read: its entries past `MAX_CONTAINERS` are
/// skipped as they are read, unkept, so only time grows with it (a million
/// entries, 94 MB, in about a second).
pub const MAX_LIST_FILE: usize = 1024 * 1024 * 1024;
/// Most containers kept from one containers.json.
pub const MAX_CONTAINERS: usize = 5000;
/// Most mounts, ports or environment entries kept for one container.
pub const MAX_ITEMS: usize = 200;

/// A list whose first `N` items are kept; the rest are skipped unkept and
/// counted.
#[derive(Debug, Default)]
pub struct Bounded<T, const N: usize> {
    pub items: Vec<T>,
    pub dropped: usize,
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Bounded<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = Bounded<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Bounded {
                    items: Vec::new(),
                    dropped: 0,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Bounded {
                    items: Vec::new(),
                    dropped: 0,
                };
                while out.items.len() < N {
                    match seq.next_element()? {
                        Some(v) => out.items.push(v),
                        None => return Ok(out),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    out.dropped += 1;
                }
                Ok(out)
            }
        }
        d.deserialize_any(V::<T, N>(PhantomData))
    }
}

fn json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ParseError> {
    json_within(bytes, MAX_FILE)
}

fn json_within<'a, T: Deserialize<'a>>(bytes: &'a [u8], most: usize) -> Result<T, ParseError> {
    if bytes.len() > most {
        return Err(ParseError::new(format!(
            "{} bytes, past the {} MiB a container engine's file is read to",
            bytes.len(),
            most >> 20
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| ParseError::at_line(e.line(), e.to_string()))
}

// ---- Docker -------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerState {
    #[serde(default)]
    running: bool,
    #[serde(default)]
    paused: bool,
    #[serde(default)]
    restarting: bool,
    #[serde(default)]
    dead: bool,
    #[serde(default)]
    started_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerInnerConfig {
    #[serde(default)]
    image: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerMountPoint {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    destination: Option<String>,
    #[serde(default, rename = "RW")]
    rw: bool,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "Type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerConfigFile {
    #[serde(rename = "ID")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    state: DockerState,
    #[serde(default)]
    config: Option<DockerInnerConfig>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    mount_points: Option<BTreeMap<String, DockerMountPoint>>,
}

/// What config.v2.json says of a container.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerContainer {
    pub id: String,
    pub name: Option<String>,
    pub image: Option<String>,
    /// running, paused, restarting, dead, exited, created.
    pub state: &'static str,
    pub mounts: Vec<Mount>,
}

/// Docker's `containers/ID/config.v2.json`.
pub fn docker_config(bytes: &[u8]) -> Parsed<DockerContainer> {
    let c: DockerConfigFile = json(bytes)?;
    let s = &c.state;
    let state = if s.dead {
        "dead"
    } else if s.restarting {
        "restarting"
    } else if s.paused {
        "paused"
    } else if s.running {
        "running"
    } else if !matches!(s.started_at.as_deref(), Some(t) if !t.starts_with("0001-01-01")) {
        "created"
    } else {
        "exited"
    };
    let mounts = c
        .mount_points
        .unwrap_or_default()
        .into_iter()
        .take(MAX_ITEMS)
        .map(|(dest, m)| Mount {
            kind: m.kind.unwrap_or_else(|| "bind".into()),
            source: m.source.filter(|s| !s.is_empty()),
            volume: m.name.filter(|n| !n.is_empty()),
            destination: m.destination.unwrap_or(dest),
            read_only: !m.rw,
        })
        .collect();
    Ok(Partial::whole(DockerContainer {
        id: c.id,
        name: c.name.map(|n| n.trim_start_matches('/').to_string()),
        image: c.config.and_then(|c| c.image).or(c.image),
        state,
        mounts,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PortBinding {
    #[serde(default)]
    host_ip: Option<String>,
    #[serde(default)]
    host_port: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RestartPolicy {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    maximum_retry_count: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HostConfigFile {
    #[serde(default)]
    port_bindings: Option<BTreeMap<String, Option<Bounded<PortBinding, MAX_ITEMS>>>>,
    #[serde(default)]
    restart_policy: Option<RestartPolicy>,
    #[serde(default)]
    network_mode: Option<String>,
}

/// What hostconfig.json says of a container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DockerHostConfig {
    pub ports: Vec<Port>,
    /// `no`, `always`, `unless-stopped`, `on-failure:N`.
    pub restart_policy: Option<String>,
    pub network_mode: Option<String>,
}

/// Docker's `containers/ID/hostconfig.json`.
pub fn docker_hostconfig(bytes: &[u8]) -> Parsed<DockerHostConfig> {
    let h: HostConfigFile = json(bytes)?;
    let mut ports = Vec::new();
    for (key, bindings) in h.port_bindings.unwrap_or_default() {
        let (port, proto) = key.split_once('/').unwrap_or((&key, "tcp"));
        let Ok(container_port) = port.parse::<u16>() else {
            continue;
        };
        for b in bindings.map(|b| b.items).unwrap_or_default() {
            if ports.len() == MAX_ITEMS {
                break;
            }
            ports.push(Port {
                host_ip: b.host_ip.filter(|i| !i.is_empty()),
                host_port: b.host_port.and_then(|p| p.parse().ok()),
                container_port,
                proto: proto.to_string(),
            });
        }
    }
    let restart_policy = h.restart_policy.and_then(|r| {
        let name = r.name.filter(|n| !n.is_empty())?;
        Some(if name == "on-failure" && r.maximum_retry_count > 0 {
            format!("on-failure:{}", r.maximum_retry_count)
        } else {
            name
        })
    });
    Ok(Partial::whole(DockerHostConfig {
        ports,
        restart_policy,
        network_mode: h.network_mode.filter(|m| !m.is_empty()),
    }))
}

#[derive(Debug, Deserialize)]
struct DaemonJson {
    #[serde(default, rename = "data-root")]
    data_root: Option<String>,
    /// The name before Docker 17.05.
    #[serde(default)]
    graph: Option<String>,
}

/// `/etc/docker/daemon.json`: where the daemon keeps its data, when it
/// says (`data-root`, or the older `graph`).
pub fn docker_data_root(bytes: &[u8]) -> Parsed<Option<String>> {
    let d: DaemonJson = json(bytes)?;
    Ok(Partial::whole(
        d.data_root.or(d.graph).filter(|r| !r.is_empty()),
    ))
}

// ---- Podman -------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct StorageEntry {
    id: String,
    #[serde(default)]
    names: Option<Bounded<String, 8>>,
    #[serde(default)]
    metadata: Option<String>,
    #[serde(default)]
    created: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct StorageMetadata {
    #[serde(default, rename = "image-name")]
    image_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "pod-name")]
    pod_name: Option<String>,
}

/// One container of containers/storage's `containers.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageContainer {
    pub id: String,
    pub name: Option<String>,
    pub image: Option<String>,
    pub pod: Option<String>,
    pub created: Option<String>,
}

/// containers/storage's `containers.json` (Podman, Buildah, CRI-O): the
/// first `MAX_CONTAINERS` entries, and how many more there were.
pub fn storage_containers(bytes: &[u8]) -> Parsed<(Vec<StorageContainer>, usize)> {
    let list: Bounded<StorageEntry, MAX_CONTAINERS> = json_within(bytes, MAX_LIST_FILE)?;
    let out = list
        .items
        .into_iter()
        .map(|e| {
            // The metadata is JSON inside a string; a broken one names nothing.
            let meta: StorageMetadata = e
                .metadata
                .as_deref()
                .filter(|m| m.len() <= 64 * 1024)
                .and_then(|m| serde_json::from_str(m).ok())
                .unwrap_or_default();
            StorageContainer {
                name: meta
                    .name
                    .or_else(|| e.names.and_then(|n| n.items.into_iter().next())),
                image: meta.image_name,
                pod: meta.pod_name.filter(|p| !p.is_empty()),
                created: e.created,
                id: e.id,
            }
        })
        .collect();
    Ok(Partial::whole((out, list.dropped)))
}

#[derive(Debug, Deserialize)]
struct OciMount {
    destination: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    options: Option<Bounded<String, 32>>,
}

#[derive(Debug, Deserialize)]
struct OciConfig {
    #[serde(default)]
    mounts: Option<Bounded<OciMount, MAX_ITEMS>>,
}

/// The mounts of an OCI runtime configuration (Podman's
/// `userdata/config.json`) that come from the host: bind mounts, less the
/// engine's own per-container files (under `storage_dirs`); a bind from a
/// `volumes/NAME/_data` directory is the named volume NAME.
pub fn oci_mounts(bytes: &[u8], storage_dirs: &[&str]) -> Parsed<Vec<Mount>> {
    let c: OciConfig = json(bytes)?;
    let mut out = Vec::new();
    for m in c.mounts.map(|m| m.items).unwrap_or_default() {
        let opts = m.options.map(|o| o.items).unwrap_or_default();
        let bind = m.kind.as_deref() == Some("bind") || opts.iter().any(|o| o.ends_with("bind"));
        let Some(source) = m.source.filter(|_| bind) else {
            continue;
        };
        let volume = source
            .strip_suffix("/_data")
            .and_then(|s| s.rsplit_once("/volumes/"))
            .map(|(_, name)| name.to_string());
        if volume.is_none() && storage_dirs.iter().any(|d| source.starts_with(d)) {
            continue;
        }
        out.push(Mount {
            kind: if volume.is_some() { "volume" } else { "bind" }.into(),
            read_only: opts.iter().any(|o| o == "ro"),
            source: Some(source),
            volume,
            destination: m.destination,
        });
    }
    Ok(Partial::whole(out))
}

// ---- Kubernetes ---------------------------------------------------------

/// The kubelet's `staticPodPath` from its configuration file (YAML as
/// kubeadm writes it, or JSON), by line: `staticPodPath: /etc/kubernetes/manifests`.
/// Read by its one line, so nothing else in the file can be damage to it.
pub fn kubelet_static_pod_path(bytes: &[u8]) -> Parsed<Option<String>> {
    let text = super::text(bytes);
    super::whole(text.lines().find_map(|l| {
        let l = l.trim().trim_start_matches('"');
        let rest = l.strip_prefix("staticPodPath")?;
        let v = rest
            .trim_start_matches('"')
            .trim_start()
            .strip_prefix(':')?
            .trim()
            .trim_end_matches(',')
            .trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    }))
}

/// A static pod manifest's images, by line (`image: registry.k8s.io/etcd:3.5.9-0`),
/// at most `MAX_ITEMS`; an `image:` with no value is skipped, by line.
pub fn manifest_images(bytes: &[u8]) -> Parsed<Vec<String>> {
    let mut errors = Vec::new();
    let value = super::text(bytes)
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim().trim_start_matches("- ").trim();
            let v = l.strip_prefix("image:")?.trim();
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            if v.is_empty() {
                errors.push(ParseError::at_line(i + 1, "an image: with no value"));
            }
            (!v.is_empty()).then(|| v.to_string())
        })
        .take(MAX_ITEMS)
        .collect();
    Ok(Partial::new(value, errors))
}

/// What a process's cgroup path says of the container it runs in:
/// `/docker/ID`, `/system.slice/docker-ID.scope`,
/// `/machine.slice/libpod-ID.scope`, `.../cri-containerd-ID.scope`,
/// `.../crio-ID.scope`, and whether the path is under `kubepods`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupContainer {
    /// docker, podman, containerd, cri-o.
    pub runtime: &'static str,
    pub id: String,
    pub kubernetes: bool,
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The container a cgroup path names, if any. Podman's monitor
/// (`libpod-conmon-ID.scope`) is not the container.
pub fn cgroup_container(path: &str) -> Option<CgroupContainer> {
    let kubernetes = path.contains("kubepods");
    let mut parts = path.rsplit('/');
    let last = parts.next()?;
    let parent = parts.next().unwrap_or("");
    let name = last.strip_suffix(".scope").unwrap_or(last);
    for (prefix, runtime) in [
        ("docker-", "docker"),
        ("libpod-", "podman"),
        ("cri-containerd-", "containerd"),
        ("crio-", "cri-o"),
    ] {
        if let Some(id) = name.strip_prefix(prefix).filter(|id| is_id(id)) {
            return Some(CgroupContainer {
                runtime,
                id: id.to_string(),
                kubernetes,
            });
        }
    }
    if is_id(name) {
        let runtime = match parent {
            "docker" => "docker",
            _ if kubernetes => "containerd",
            _ => return None,
        };
        return Some(CgroupContainer {
            runtime,
            id: name.to_string(),
            kubernetes,
        });
    }
    None
}

#[cfg(test)]
mod tests;
