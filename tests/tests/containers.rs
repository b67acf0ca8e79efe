//! Containers (issue 28 item 1): the files Docker 20.10 and Podman 4.3
//! wrote for containers created on Debian 12 (fixtures/containers-host)
//! read the same from the tree and through the probe, a running container
//! tied to its process by cgroup; a container's password in `Env` never
//! reaches the bundle; a Kubernetes node's kubeconfigs and keys are
//! presence records; containers.jsonl in a batch; and the bounds: a
//! 100 MB config.v2.json and a containers.json of a million entries.

use lift_tests::{contains, copy_tree, decompressed, fixture, lift, probe, report_json, Scratch};
use serde_json::Value;

const API: &str = "5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4";

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn docker_and_podman_from_the_tree_and_the_bundle() {
    let root = fixture("containers-host");
    let tree = report_json(&root, "ec2");
    let cs = tree["host"]["containers"].as_array().unwrap();
    let names: Vec<(&str, &str)> = cs
        .iter()
        .map(|c| (c["runtime"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("docker", "api"),
            ("docker", "cron-runner"),
            ("podman", "web"),
            ("podman", "worker")
        ]
    );
    let api = &cs[0];
    assert_eq!(api["id"], API);
    assert_eq!(api["state"], "running");
    assert_eq!(api["restart_policy"], "unless-stopped");
    assert_eq!(api["pids"], serde_json::json!([18865]));
    assert_eq!(api["ports"][0]["host_port"], 8081);
    assert_eq!(api["ports"][1]["host_ip"], "127.0.0.1");
    assert_eq!(cs[1]["state"], "created");
    assert_eq!(cs[2]["service"], "container-web");
    let f = finding(&tree, "gen.containers");
    assert_eq!(f["severity"], "warning");
    let detail = f["detail"].as_str().unwrap();
    for path in ["/srv/api-uploads", "/etc/shop", "/srv/www"] {
        assert!(detail.contains(path), "{detail}");
    }
    assert!(f["remediation"].as_str().unwrap().contains("ECS"));
    assert_eq!(
        finding(&report_json(&root, "generic"), "gen.containers")["severity"],
        "info"
    );

    let dir = Scratch::new("containers");
    let bundle = dir.join("c.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    // The planted passwords of `-e POSTGRES_PASSWORD=...` and `-e DB_PASSWORD=...`.
    for secret in [&b"Dk3rSecretPw55"[..], b"Sup3rSecretPw9"] {
        assert!(
            !contains(&raw, secret),
            "a container's Env secret left the host"
        );
    }
    let from_bundle = report_json(&bundle, "ec2");
    assert_eq!(
        from_bundle["host"]["containers"],
        tree["host"]["containers"]
    );
}

#[test]
fn a_kubernetes_node_keeps_its_keys_home() {
    let root = fixture("containers-k8s-node");
    let dir = Scratch::new("containers-k8s");
    let bundle = dir.join("k.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    for secret in [
        &b"S1VCRUFETUlOS0VZUExBTlRFRDQ3MTE="[..],
        b"KUBECAKEYPLANTED4711",
        b"KUBECERTPLANTED",
    ] {
        assert!(!contains(&raw, secret), "a kubeconfig or key left the host");
    }
    let r = report_json(&bundle, "azure");
    let k = &r["host"]["container_platform"]["kubernetes"];
    assert_eq!(k["static_pod_path"], "/etc/kubernetes/manifests");
    let pods: Vec<&str> = k["static_pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        pods,
        [
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler"
        ]
    );
    let keys = k["key_files"].to_string();
    assert!(
        keys.contains("/etc/kubernetes/admin.conf") && keys.contains("/etc/kubernetes/pki/ca.key"),
        "{keys}"
    );
    assert_eq!(k["pod_processes"], 1);
    let f = finding(&r, "gen.containers");
    assert_eq!(f["severity"], "warning");
    assert!(f["detail"]
        .as_str()
        .unwrap()
        .starts_with("a Kubernetes node"));
    assert!(f["remediation"].as_str().unwrap().contains("AKS"));
}

#[test]
fn containers_jsonl_in_a_batch() {
    let dir = Scratch::new("containers-batch");
    let bundles = dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    probe(
        Some(&fixture("containers-host")),
        &bundles.join("c.lift"),
        &["-q"],
    );
    let out = dir.join("fleet");
    let o = lift(&[
        "batch",
        bundles.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = std::fs::read_to_string(out.join("containers.jsonl")).unwrap();
    assert_eq!(rows.lines().count(), 4, "{rows}");
    let api: Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    assert_eq!(api["name"], "api");
    assert_eq!(api["restart_policy"], "unless-stopped");
    assert!(api["host_id"].is_string(), "{api}");
    // The bound host paths of every container, as an analyst would ask DuckDB.
    let script = format!(
        "import duckdb\nrows = duckdb.sql(\"select distinct m.source from (select unnest(mounts) as m from read_json_auto('{}')) where m.kind = 'bind' order by 1\").fetchall()\nprint(';'.join(r[0] for r in rows))",
        out.join("containers.jsonl").display()
    );
    if let Some(stdout) = lift_tests::duckdb_script(&script, &[]) {
        assert_eq!(
            String::from_utf8_lossy(&stdout).trim(),
            "/etc/shop;/srv/api-uploads;/srv/www"
        );
    }
}

/// A 100 MB config.v2.json is cut by the probe at its cap (8 MiB) and the
/// analyzer says the source was truncated; a containers.json of a million
/// entries read from a tree keeps 5,000 and says how many more there were.
#[test]
fn hostile_sizes_are_bounded() {
    let dir = Scratch::new("containers-hostile");
    let root = dir.join("root");
    copy_tree(&fixture("containers-host"), &root);
    let big = root.join(format!("var/lib/docker/containers/{API}/config.v2.json"));
    let mut json = std::fs::read(&big).unwrap();
    json.pop();
    json.extend_from_slice(b",\"Pad\":\"");
    json.resize(100 * 1024 * 1024, b'x');
    json.extend_from_slice(b"\"}");
    std::fs::write(&big, &json).unwrap();
    let mut list = String::from("[");
    for i in 0..1_000_000u32 {
        if i > 0 {
            list.push(',');
        }
        list.push_str(&format!("{{\"id\":\"{i:064x}\",\"names\":[\"c{i}\"],\"metadata\":\"{{\\\"image-name\\\":\\\"img\\\"}}\"}}"));
    }
    list.push(']');
    std::fs::write(
        root.join("var/lib/containers/storage/vfs-containers/containers.json"),
        list,
    )
    .unwrap();

    let started = std::time::Instant::now();
    let tree = report_json(&root, "generic");
    let cs = tree["host"]["containers"].as_array().unwrap();
    // 100 MB is past the 64 MiB a config.v2.json is read to: refused, named.
    assert!(cs.iter().all(|c| c["id"] != API));
    assert_eq!(cs.len(), 5000, "one host keeps 5,000 containers");
    let problems = tree.to_string();
    assert!(
        problems.contains("995000 more containers past the first 5000"),
        "no bound stated"
    );
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());

    let bundle = dir.join("h.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let r = report_json(&bundle, "generic");
    let sources = r.to_string();
    assert!(
        sources.contains("truncated"),
        "the cut config.v2.json is not said"
    );
}
