//! Scheduled jobs (issue 28 item 2): Debian's own cron, anacron, run-parts
//! and systemd timer files (fixtures/host-samples/debian12-jobs) read the
//! same from the tree and through the probe; the at queue listed by name,
//! its content never captured; and a cron job's rsync target joining two
//! hosts in one move group.

use lift_tests::{contains, copy_tree, decompressed, fixture, lift, probe, report_json, Scratch};
use serde_json::Value;

#[test]
fn debian_jobs_from_the_tree_and_the_bundle() {
    let root = fixture("host-samples/debian12-jobs");
    let tree = report_json(&root, "generic");
    let jobs = tree["host"]["jobs"].as_array().unwrap();
    let count = |kind: &str| jobs.iter().filter(|j| j["kind"] == kind).count();
    // /etc/crontab 4, cron.d 3, www-data's spool 3; anacrontab 3; run-parts
    // 4 (0anacron is left out); timers 4.
    assert_eq!(
        (
            count("cron"),
            count("anacron"),
            count("run-parts"),
            count("systemd-timer")
        ),
        (10, 3, 4, 4)
    );
    let logrotate = jobs
        .iter()
        .find(|j| j["declared_in"] == "/lib/systemd/system/logrotate.timer")
        .unwrap();
    assert_eq!(logrotate["when"], "daily");
    assert_eq!(
        logrotate["command"],
        "logrotate.service: /usr/sbin/logrotate /etc/logrotate.conf"
    );
    let rsync = jobs
        .iter()
        .find(|j| j["declared_in"] == "/var/spool/cron/crontabs/www-data:3")
        .unwrap();
    assert_eq!(
        (rsync["user"].as_str(), rsync["when"].as_str()),
        (Some("www-data"), Some("daily at 02:30"))
    );
    let deps: Vec<(&str, u64)> = tree["host"]["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "job")
        .map(|d| (d["target"].as_str().unwrap(), d["port"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        deps,
        [
            ("backup1.corp.acme.com", 22),
            ("monitor.corp.acme.com", 443)
        ]
    );

    let dir = Scratch::new("jobs");
    let bundle = dir.join("jobs.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let from_bundle = report_json(&bundle, "generic");
    assert_eq!(from_bundle["host"]["jobs"], tree["host"]["jobs"]);
}

/// An at job's file carries its user's environment: listed, never read.
#[test]
fn the_at_queue_by_name_only() {
    let dir = Scratch::new("jobs-at");
    let root = dir.join("root");
    copy_tree(&fixture("host-samples/debian12-jobs"), &root);
    let queue = root.join("var/spool/cron/atjobs");
    std::fs::create_dir_all(&queue).unwrap();
    std::fs::write(queue.join("a0000101b2c3d4"), "#!/bin/sh\n# atrun uid=0 gid=0\nDB_PASSWORD=at-queue-secret-4711; export DB_PASSWORD\n/usr/local/bin/report\n").unwrap();
    let bundle = dir.join("at.lift");
    probe(Some(&root), &bundle, &["-q"]);
    assert!(
        !contains(&decompressed(&bundle), b"at-queue-secret-4711"),
        "the at job's environment left the host"
    );
    let report = report_json(&bundle, "generic");
    let at: Vec<&Value> = report["host"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "at")
        .collect();
    assert_eq!(at.len(), 1, "{at:?}");
    assert!(at[0]["command"]
        .as_str()
        .unwrap()
        .starts_with("/var/spool/cron/atjobs/a0000101b2c3d4"));
}

/// web1's nightly rsync to backup1 is its only tie to it: one move group.
#[test]
fn a_cron_rsync_target_joins_the_move_group() {
    let dir = Scratch::new("jobs-fleet");
    let bundles = dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    for (i, host) in ["web1", "backup1"].iter().enumerate() {
        let root = dir.join(&format!("roots/{i}"));
        copy_tree(&fixture("debian12-systemd"), &root);
        std::fs::write(root.join("etc/hostname"), format!("{host}\n")).unwrap();
        std::fs::write(root.join("proc/sys/kernel/hostname"), format!("{host}\n")).unwrap();
        std::fs::write(root.join("etc/machine-id"), format!("{:032x}\n", i + 7)).unwrap();
        if *host == "web1" {
            let spool = root.join("var/spool/cron/crontabs");
            std::fs::create_dir_all(&spool).unwrap();
            std::fs::write(
                spool.join("root"),
                "30 2 * * * rsync -a /srv/ backup1:/backups/web1/\n",
            )
            .unwrap();
        }
        probe(Some(&root), &bundles.join(format!("{i}.lift")), &["-q"]);
    }
    let out = dir.join("fleet");
    let o = lift(&[
        "batch",
        bundles.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let groups: Value =
        serde_json::from_slice(&std::fs::read(out.join("groups.json")).unwrap()).unwrap();
    let edge = groups["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kinds"] == serde_json::json!(["job"]));
    let edge = edge.unwrap_or_else(|| panic!("no job edge: {}", groups["edges"]));
    assert!(
        edge["from"].as_str().unwrap().starts_with("web1")
            && edge["to"].as_str().unwrap().starts_with("backup1"),
        "{edge}"
    );
    assert_eq!(edge["via"], serde_json::json!(["declared"]));
    let together = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g.as_array().unwrap().len() == 2);
    assert!(together, "{}", groups["groups"]);
    let jobs = std::fs::read_to_string(out.join("jobs.jsonl")).unwrap();
    assert!(
        jobs.contains("rsync -a /srv/ backup1:/backups/web1/"),
        "{jobs}"
    );
}
