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

/// Issue 26, item 2: sos copies only /sys/firmware/acpi; its listing of
/// the whole /sys/firmware says which firmware booted (SeaBIOS here).
#[test]
fn firmware_is_what_sos_listed_of_sys_firmware() {
    let report = report_json(&fixture(OPENSTACK), "ec2");
    let boot = &report["host"]["boot"];
    assert_eq!(boot["firmware"], "bios", "{boot}");
    let listing = capture(OPENSTACK, "sos_commands/boot/ls_-lanR_.sys.firmware");
    assert!(!listing.contains(" efi\n"));
    assert!(
        boot["evidence"][0]
            .as_str()
            .unwrap()
            .contains("ls_-lanR_.sys.firmware lists no /sys/firmware/efi"),
        "{boot}"
    );
}

/// Issue 26, item 3: the processes, PID 1 and the mounts are `ps`'s and
/// `mount -l`'s when sos's /proc copy holds none of them.
#[test]
fn processes_init_and_mounts_are_what_ps_and_mount_said() {
    let report = report_json(&fixture(OPENSTACK), "ec2");
    let host = &report["host"];
    let ps = capture(OPENSTACK, "sos_commands/process/ps_auxwwwm");
    let want: BTreeSet<u64> = ps
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    let got: BTreeSet<u64> = host["processes"]
        .as_array()
        .expect("processes")
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    assert!(want.len() > 400, "{}", want.len());
    assert_eq!(got, want);
    let axo = capture(
        OPENSTACK,
        "sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup",
    );
    let pid1_comm = axo
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(7)
        .unwrap();
    assert_eq!(pid1_comm, "systemd");
    assert_eq!(host["init"]["system"], "systemd", "{}", host["init"]);
    assert!(host["processes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["exited"] == false));
    let libvirtd = host["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "libvirtd")
        .unwrap();
    assert_eq!(libvirtd["running"], true, "{libvirtd}");

    let mount = capture(OPENSTACK, "sos_commands/filesys/mount_-l");
    let points: BTreeSet<&str> = mount
        .lines()
        .filter_map(|l| l.split(" on ").nth(1)?.split(" type ").next())
        .collect();
    let got: BTreeSet<String> = host["mounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .map(|m| m["mount_point"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = points.iter().map(|p| p.to_string()).collect();
    assert_eq!(got, want);
    let root = host["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mount_point"] == "/")
        .unwrap();
    assert_eq!(root["source"], "/dev/vda2");
}

/// Issue 26, item 4: what the package database (sos's `dpkg -l`) already
/// says is not left unknown; sos runs only as root; sos never collects
/// /usr/src. Item 8: juju's DIRECT exceptions are not proxies. Item 9: sos's
/// listing of /sys/block shows virtio disks, so no Xen PV guest.
#[test]
fn package_database_answers_and_the_rest() {
    let dpkg = capture(OPENSTACK, "sos_commands/dpkg/dpkg_-l");
    let installed = |name: &str| {
        dpkg.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.first() == Some(&"ii") && w.get(1).map(|n| n.split(':').next().unwrap()) == Some(name)
        })
    };
    let report = report_json(&fixture(OPENSTACK), "aws-mgn");
    let sev = |id: &str| {
        finding(&report, id)["severity"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(installed("python3") && installed("isc-dhcp-client"));
    assert_eq!(sev("mgn.python"), "pass");
    assert_eq!(sev("mgn.dhclient"), "pass");
    let dh = finding(&report, "mgn.dhclient");
    assert!(
        dh["evidence"].to_string().contains("isc-dhcp-client"),
        "{dh}"
    );
    let build = finding(&report, "mgn.build-tools");
    let missing: Vec<&str> = ["make", "gcc", "perl", "tar", "gawk", "rpm"]
        .into_iter()
        .filter(|n| !installed(n))
        .collect();
    assert_eq!(missing, ["rpm"]);
    assert!(
        build["detail"].as_str().unwrap().contains(": rpm;"),
        "{build}"
    );
    assert_eq!(sev("mgn.privileges"), "pass");
    let uname = capture(OPENSTACK, "sos_commands/kernel/uname_-a");
    let release = uname.split_whitespace().nth(2).unwrap();
    assert!(installed(&format!("linux-headers-{release}")));
    let headers = finding(&report, "mgn.kernel-headers");
    assert_eq!(headers["severity"], "pass", "{headers}");
    assert!(headers["detail"]
        .as_str()
        .unwrap()
        .contains("a sosreport holds no /usr/src"));

    let network = finding(&report, "mgn.network");
    assert!(
        !network["detail"].as_str().unwrap().contains("DIRECT"),
        "{network}"
    );
    let proxies: Vec<&serde_json::Value> = report["host"]["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "proxy")
        .collect();
    assert!(
        proxies.iter().all(|p| p["target"] == "10.0.0.2"),
        "{proxies:?}"
    );

    // sos copies no /proc/meminfo: free's available column (KiB).
    let free = capture(OPENSTACK, "sos_commands/memory/free");
    let available: u64 = free
        .lines()
        .find(|l| l.starts_with("Mem:"))
        .and_then(|l| l.split_whitespace().nth(6)?.parse().ok())
        .unwrap();
    assert_eq!(
        report["host"]["memory"]["available_bytes"],
        available * 1024
    );
    assert_eq!(sev("mgn.free-ram"), "pass");

    let v = &report["host"]["virtualization"];
    assert_eq!(v["pv_guest"], false, "{v}");
    assert_eq!(sev("mgn.not-paravirtualized"), "pass");
}
