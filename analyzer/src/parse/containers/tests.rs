use super::*;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/containers-host");
const API: &str = "5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4";

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{FIX}/{rel}")).unwrap()
}

/// Docker 20.10's own files for `docker create --restart unless-stopped
/// -p 8081:8080 -p 127.0.0.1:9090:9090/udp -v /srv/api-uploads:/uploads
/// -v /etc/shop:/etc/shop:ro -v apidata:/var/lib/api`, then started.
#[test]
fn docker_container_as_the_daemon_wrote_it() {
    let c = docker_config(&read(&format!(
        "var/lib/docker/containers/{API}/config.v2.json"
    )))
    .map(|p| p.value)
    .unwrap();
    assert_eq!(c.id, API);
    assert_eq!(c.name.as_deref(), Some("api"));
    assert_eq!(
        c.image.as_deref(),
        Some("registry.example.com/shop/api:2.4")
    );
    assert_eq!(c.state, "running");
    let binds: Vec<_> = c.mounts.iter().filter(|m| m.kind == "bind").collect();
    assert_eq!(binds.len(), 2);
    assert!(binds
        .iter()
        .any(|m| m.source.as_deref() == Some("/etc/shop") && m.read_only));
    let vol = c.mounts.iter().find(|m| m.kind == "volume").unwrap();
    assert_eq!(vol.volume.as_deref(), Some("apidata"));
    assert_eq!(
        vol.source.as_deref(),
        Some("/var/lib/docker/volumes/apidata/_data")
    );

    let h = docker_hostconfig(&read(&format!(
        "var/lib/docker/containers/{API}/hostconfig.json"
    )))
    .map(|p| p.value)
    .unwrap();
    assert_eq!(h.restart_policy.as_deref(), Some("unless-stopped"));
    assert_eq!(
        h.ports,
        vec![
            Port {
                host_ip: None,
                host_port: Some(8081),
                container_port: 8080,
                proto: "tcp".into()
            },
            Port {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(9090),
                container_port: 9090,
                proto: "udp".into()
            },
        ]
    );
}

#[test]
fn a_created_container_never_started() {
    let c = docker_config(
        br#"{"ID":"x","State":{"Running":false,"StartedAt":"0001-01-01T00:00:00Z"}}"#,
    )
    .map(|p| p.value)
    .unwrap();
    assert_eq!(c.state, "created");
    let c = docker_config(
        br#"{"ID":"x","State":{"Running":false,"StartedAt":"2026-01-01T00:00:00Z"}}"#,
    )
    .map(|p| p.value)
    .unwrap();
    assert_eq!(c.state, "exited");
    let h = docker_hostconfig(
        br#"{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"PortBindings":null}"#,
    )
    .map(|p| p.value)
    .unwrap();
    assert_eq!(h.restart_policy.as_deref(), Some("on-failure:3"));
}

#[test]
fn broken_files_say_where() {
    let e = docker_config(b"{\"ID\": \n [")
        .map(|p| p.value)
        .unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(docker_hostconfig(b"").map(|p| p.value).is_err());
    assert!(storage_containers(b"{}").map(|p| p.value).is_err());
}

/// Podman 4.3's containers.json (containers/storage) and a started
/// container's OCI configuration.
#[test]
fn podman_containers_as_podman_wrote_them() {
    let (list, dropped) = storage_containers(&read(
        "var/lib/containers/storage/vfs-containers/containers.json",
    ))
    .map(|p| p.value)
    .unwrap();
    assert_eq!(dropped, 0);
    let names: Vec<_> = list.iter().map(|c| c.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["web", "worker"]);
    assert_eq!(list[0].image.as_deref(), Some("localhost/mini-httpd:1.0"));
    let id = &list[0].id;
    let mounts = oci_mounts(
        &read(&format!(
            "var/lib/containers/storage/vfs-containers/{id}/userdata/config.json"
        )),
        &["/var/lib/containers/storage", "/run/containers/storage"],
    )
    .map(|p| p.value)
    .unwrap();
    assert_eq!(mounts.len(), 2, "{mounts:?}");
    assert!(mounts
        .iter()
        .any(|m| m.source.as_deref() == Some("/srv/www") && m.read_only && m.kind == "bind"));
    assert!(mounts
        .iter()
        .any(|m| m.volume.as_deref() == Some("webcache")));
}

/// A containers.json of a million entries keeps the first 5,000 and counts
/// the rest, in bounded memory.
#[test]
fn a_million_containers_are_bounded() {
    let mut s = String::from("[");
    for i in 0..1_000_000 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{{\"id\":\"{i:064x}\",\"names\":[\"c{i}\"]}}"));
    }
    s.push(']');
    let (list, dropped) = storage_containers(s.as_bytes()).map(|p| p.value).unwrap();
    assert_eq!(list.len(), MAX_CONTAINERS);
    assert_eq!(dropped, 1_000_000 - MAX_CONTAINERS);
    assert_eq!(list[1].name.as_deref(), Some("c1"));
}

#[test]
fn a_file_past_the_bound_is_refused_unread() {
    let big = vec![b' '; MAX_FILE + 1];
    let e = docker_config(&big).map(|p| p.value).unwrap_err();
    assert!(e.message.contains("MiB"), "{e}");
}

#[test]
fn kubelet_and_manifests() {
    let yaml = b"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/manifests\n";
    assert_eq!(
        kubelet_static_pod_path(yaml).unwrap().as_deref(),
        Some("/etc/kubernetes/manifests")
    );
    let json = b"{\n  \"kind\": \"KubeletConfiguration\",\n  \"staticPodPath\": \"/etc/kubernetes/manifests\",\n}";
    assert_eq!(
        kubelet_static_pod_path(json).unwrap().as_deref(),
        Some("/etc/kubernetes/manifests")
    );
    let pod = b"spec:\n  containers:\n  - command:\n    - etcd\n    image: registry.k8s.io/etcd:3.5.9-0\n";
    assert_eq!(
        manifest_images(pod).unwrap().value,
        ["registry.k8s.io/etcd:3.5.9-0"]
    );
    assert_eq!(
        manifest_images(b"- image: \"\"\n").unwrap().errors[0].line,
        Some(1)
    );
}

#[test]
fn cgroups_name_their_container() {
    let id = API;
    let c = cgroup_container(&format!("/docker/{id}")).unwrap();
    assert_eq!((c.runtime, c.kubernetes), ("docker", false));
    let c = cgroup_container(&format!("/system.slice/docker-{id}.scope")).unwrap();
    assert_eq!(c.runtime, "docker");
    let c = cgroup_container(&format!("/machine.slice/libpod-{id}.scope")).unwrap();
    assert_eq!(c.runtime, "podman");
    assert!(cgroup_container(&format!("/machine.slice/libpod-conmon-{id}.scope")).is_none());
    let c = cgroup_container(&format!(
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-{id}.scope"
    ))
    .unwrap();
    assert_eq!((c.runtime, c.kubernetes), ("containerd", true));
    let c = cgroup_container(&format!("/kubepods/burstable/pod1234/{id}")).unwrap();
    assert_eq!((c.runtime, c.kubernetes), ("containerd", true));
    assert!(cgroup_container("/system.slice/ssh.service").is_none());
}

#[test]
fn daemon_json_moves_the_data_root() {
    let d = read("etc/docker/daemon.json");
    assert_eq!(
        docker_data_root(&d).map(|p| p.value).unwrap().as_deref(),
        Some("/var/lib/docker")
    );
    assert_eq!(
        docker_data_root(br#"{"graph": "/srv/docker"}"#)
            .map(|p| p.value)
            .unwrap()
            .as_deref(),
        Some("/srv/docker")
    );
    assert_eq!(docker_data_root(b"{}").map(|p| p.value).unwrap(), None);
    assert!(docker_data_root(b"{\"data-root\": 7}")
        .map(|p| p.value)
        .is_err());
}
