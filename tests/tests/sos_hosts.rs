//! Sosreports of real hosts that nobody here wrote, each held against the
//! command outputs sos saved beside its files (what `systemctl`, `ps`,
//! `mount` said on that host): an OpenStack compute node (Ubuntu 20.04,
//! sos 4.2, from hotsos's test data) and this machine's own sos 4 report.

use std::collections::{BTreeMap, BTreeSet};

use lift_tests::{fixture, report_json};

const OPENSTACK: &str = "sos-hotsos-openstack";

fn capture(case: &str, rel: &str) -> String {
    std::fs::read_to_string(fixture(case).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn finding<'r>(report: &'r serde_json::Value, id: &str) -> &'r serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// unit -> state of each service, socket and timer that
/// `systemctl list-unit-files` lists as enabled, disabled or masked
/// (templates left out), aliases named by /etc/systemd/system's links
/// left out.
fn unit_file_states(case: &str) -> BTreeMap<String, String> {
    let aliases: BTreeSet<String> = std::fs::read_dir(fixture(case).join("etc/systemd/system"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_symlink())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let to = std::fs::read_link(e.path()).unwrap();
            let to = to.file_name()?.to_string_lossy().into_owned();
            (to != name && to.contains('.')).then_some(name)
        })
        .collect();
    capture(case, "sos_commands/systemd/systemctl_list-unit-files")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let (unit, state) = (*w.first()?, *w.get(1)?);
            let kept = [".service", ".socket", ".timer"]
                .iter()
                .any(|s| unit.ends_with(s));
            let state = match state {
                "enabled" | "enabled-runtime" => "enabled",
                "disabled" | "masked" => state,
                _ => return None,
            };
            (kept && !unit.contains("@.") && !aliases.contains(unit))
                .then(|| (unit.to_string(), state.to_string()))
        })
        .collect()
}

fn generated(case: &str) -> BTreeSet<String> {
    capture(case, "sos_commands/systemd/systemctl_list-unit-files")
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.get(1) == Some(&"generated") && w[0].ends_with(".service")).then(|| w[0].to_string())
        })
        .collect()
}

/// Issue 26, item 1: sos copies no vendor unit files, so enable links to
/// /lib/systemd/system were dropped (ssh, cron, libvirtd, nova-compute) and
/// iscsid and radvd came out enabled from their SysV scripts.
#[test]
fn services_are_what_systemctl_list_unit_files_said() {
    let report = report_json(&fixture(OPENSTACK), "ec2");
    let services = report["host"]["services"].as_array().expect("services");
    let lift: BTreeMap<String, String> = services
        .iter()
        .filter(|s| ["enabled", "disabled", "masked"].contains(&s["state"].as_str().unwrap()))
        .filter_map(|s| {
            Some((
                s["unit"].as_str()?.to_string(),
                s["state"].as_str()?.to_string(),
            ))
        })
        .collect();
    let want = unit_file_states(OPENSTACK);
    assert!(want.len() > 120, "{}", want.len());
    // `generated` units are SysV scripts: their rc links say (apport, ipvsadm).
    let generated = generated(OPENSTACK);
    assert!(generated.contains("apport.service"), "{generated:?}");
    for g in &generated {
        let s = services.iter().find(|s| s["unit"] == g.as_str());
        assert_eq!(
            s.map(|s| &s["init"]),
            Some(&serde_json::json!("sysv")),
            "{g}"
        );
    }
    let lift: BTreeMap<String, String> = lift
        .into_iter()
        .filter(|(u, _)| !generated.contains(u))
        .collect();
    assert_eq!(lift, want);
    let ssh = services.iter().find(|s| s["name"] == "ssh").unwrap();
    assert_eq!(ssh["aliases"], serde_json::json!(["sshd.service"]));
    for (name, state) in [("iscsid", "disabled"), ("radvd", "disabled")] {
        let s = services.iter().find(|s| s["name"] == name).unwrap();
        assert_eq!(s["state"], state, "{name}");
        assert_eq!(s["init"], "systemd", "{name}");
    }
    let changes = finding(&report, "cloud.service-changes");
    assert_eq!(changes["severity"], "info", "{changes}");
    assert!(
        changes["detail"]
            .as_str()
            .unwrap()
            .contains("libvirtd (systemd): enabled -> disabled"),
        "{changes}"
    );
    let facts = report["collection"]["sosreport"]["from_commands"].to_string();
    assert!(
        facts.contains(
            r#""fact":"services.state","source":"sos_commands/systemd/systemctl_list-unit-files""#
        ),
        "{facts}"
    );
}
