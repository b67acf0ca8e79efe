//! `host.storage`: the block device tree of this machine against `lsblk`,
//! and of an LVM and md RAID root (fixtures/storage-lvm: lvm2's own
//! backup file, the kernel's tables written as a kernel with device-mapper
//! and md would) through the probe.

use std::collections::BTreeSet;
use std::process::Command;

use lift_tests::{fixture, on_path, probe, report_json, require, run, Scratch};
use serde_json::Value;

/// (name, size, type, mount point) of every device in the tree, as lsblk
/// prints its rows.
fn rows(devices: &Value, out: &mut BTreeSet<(String, u64, String, String)>) {
    for d in devices.as_array().unwrap() {
        out.insert((
            d["name"].as_str().unwrap().to_string(),
            d["size_bytes"].as_u64().unwrap_or(0),
            d["kind"].as_str().unwrap().to_string(),
            d["mount_point"].as_str().unwrap_or("").to_string(),
        ));
        rows(&d["children"], out);
    }
}

#[test]
fn this_machine_equals_lsblk() {
    if !require(on_path("lsblk"), "lsblk (util-linux) is not installed") {
        return;
    }
    let dir = Scratch::new("storage-live");
    let bundle = dir.join("live.lift");
    probe(None, &bundle, &["-q"]);
    let o = run(Command::new("lsblk").args(["-b", "-P", "-o", "NAME,SIZE,TYPE,MOUNTPOINT"]));
    assert!(o.status.success());
    let mut want = BTreeSet::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let field = |k: &str| {
            let start = line.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
            line[start..].split('"').next().unwrap().to_string()
        };
        want.insert((
            field("NAME"),
            field("SIZE").parse().unwrap_or(0),
            field("TYPE"),
            field("MOUNTPOINT"),
        ));
    }
    let report = report_json(&bundle, "generic");
    let mut got = BTreeSet::new();
    rows(&report["host"]["storage"]["devices"], &mut got);
    assert_eq!(got, want, "lift's tree against lsblk");
}

#[test]
fn lvm_and_md_raid_through_the_probe() {
    let dir = Scratch::new("storage-lvm");
    let bundle = dir.join("lvm.lift");
    probe(Some(&fixture("storage-lvm")), &bundle, &["-q"]);
    let report = report_json(&bundle, "generic");
    let storage = &report["host"]["storage"];
    let mut got = BTreeSet::new();
    rows(&storage["devices"], &mut got);
    let row = |n: &str, s: u64, t: &str, m: &str| (n.to_string(), s, t.to_string(), m.to_string());
    let want: BTreeSet<_> = [
        row("loop0", 67_108_864, "loop", ""),
        row("loop1", 67_108_864, "loop", ""),
        row("liftvg-root", 41_943_040, "lvm", "/"),
        row("liftvg-data", 71_303_168, "lvm", "/srv"),
        row("sdb", 1_073_741_824, "disk", ""),
        row("sdc", 1_073_741_824, "disk", ""),
        row("sdb1", 1_071_644_672, "part", ""),
        row("sdc1", 1_071_644_672, "part", ""),
        row("md0", 1_070_596_096, "raid1", "/boot"),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    // liftvg-data spans both PVs: it stands under each, as lsblk shows it.
    let loop1 = storage["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "loop1")
        .unwrap();
    assert_eq!(loop1["children"][0]["name"], "liftvg-data");
    let sdb = storage["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "sdb")
        .unwrap();
    assert_eq!(sdb["children"][0]["start_sector"], 2048);
    let vg = &storage["volume_groups"][0];
    assert_eq!(vg["name"], "liftvg");
    // What vgs says of it: 2 x 15 extents of 4 MiB, 108 MiB in LVs.
    assert_eq!(
        (vg["size_bytes"].as_u64(), vg["free_bytes"].as_u64()),
        (Some(125_829_120), Some(12_582_912))
    );
    let data = vg["lvs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|lv| lv["name"] == "data")
        .unwrap();
    assert_eq!(
        data["pv_devices"],
        serde_json::json!(["/dev/loop0", "/dev/loop1"])
    );
}

/// The volume plan and the storage finding for AWS MGN over the same root:
/// the volume group is one volume, each RAID member disk another, and
/// /boot on md RAID is a warning.
#[test]
fn volume_plan_and_storage_finding() {
    let dir = Scratch::new("storage-plan");
    let bundle = dir.join("lvm.lift");
    probe(Some(&fixture("storage-lvm")), &bundle, &["-q"]);
    let report = report_json(&bundle, "aws-mgn");
    let plan = report["volume_plan"].as_array().unwrap();
    let vg = plan.iter().find(|v| v["source"] == "vg liftvg").unwrap();
    assert_eq!(vg["allocated_bytes"], 125_829_120);
    assert_eq!(vg["holds"], serde_json::json!(["/", "/srv"]));
    for disk in ["sdb", "sdc"] {
        let v = plan.iter().find(|v| v["source"] == disk).unwrap();
        assert_eq!(
            (v["kind"].as_str(), v["holds"][0].as_str()),
            (Some("disk"), Some("/boot"))
        );
    }
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "cloud.storage-layout")
        .unwrap();
    assert_eq!(finding["severity"], "warning");
    assert!(
        finding["detail"]
            .as_str()
            .unwrap()
            .contains("/boot is on md RAID (sdb > sdb1 > md0)"),
        "{}",
        finding["detail"]
    );
    // No plan for the generic profile.
    assert_eq!(report_json(&bundle, "generic")["volume_plan"], Value::Null);
}

/// Partition types from the disks' first sectors as the probe reads them
/// (an MBR made by sfdisk 2.38, a GPT by sgdisk 1.0.9: their first
/// sectors, fixtures/boot-sectors), matched to the partitions by their
/// start sector.
#[test]
fn partition_types_from_the_first_sectors() {
    let dir = Scratch::new("storage-types");
    let bundle = dir.join("types.json");
    lift_tests::probe_bundle(
        &fixture("storage-lvm"),
        vec![
            lift_tests::boot_sector("/dev/sdb", "mbr-sfdisk-2.38-first512.bin"),
            lift_tests::boot_sector("/dev/sdc", "gpt-sgdisk-1.0.9-first34.bin"),
        ],
        true,
        &bundle,
    );
    let report = report_json(&bundle, "generic");
    let devices = report["host"]["storage"]["devices"]
        .as_array()
        .unwrap()
        .clone();
    let disk = |n: &str| devices.iter().find(|d| d["name"] == n).unwrap().clone();
    let (sdb, sdc) = (disk("sdb"), disk("sdc"));
    assert_eq!(
        (
            sdb["partition_table"].as_str(),
            sdc["partition_table"].as_str()
        ),
        (Some("mbr"), Some("gpt"))
    );
    // Both first partitions start at sector 2048: sfdisk's is Linux (0x83),
    // sgdisk's the BIOS boot partition.
    assert_eq!(sdb["children"][0]["partition_type"], "Linux");
    assert_eq!(sdc["children"][0]["partition_type"], "BIOS boot");
}
