//! gen.os-support end to end: the report's date comes from
//! `SOURCE_DATE_EPOCH`, the verdict moves with it, and fleet.csv carries
//! each host's support phase and end of standard support.

use std::process::Command;

use lift_tests::{bin, fixture, probe, run, Scratch};
use serde_json::Value;

/// 2026-01-01T00:00:00Z and 2026-12-07T00:00:00Z.
const NEW_YEAR: &str = "1767225600";
const SESSION: &str = "1796601600";

fn lift_on(epoch: &str, args: &[&str]) -> std::process::Output {
    run(Command::new(bin("lift"))
        .env("SOURCE_DATE_EPOCH", epoch)
        .args(args))
}

fn report(epoch: &str, input: &str) -> Value {
    let o = lift_on(
        epoch,
        &["report", input, "--format", "json", "--target", "ec2"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn finding<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn the_verdict_is_judged_on_the_report_date() {
    let d12 = fixture("debian12-systemd");
    let d12 = d12.to_str().unwrap();
    let before = report(NEW_YEAR, d12);
    assert_eq!(before["report_date"], "2026-01-01");
    assert_eq!(finding(&before, "gen.os-support")["severity"], "pass");
    assert_eq!(before["os_support"]["phase"], "standard");
    assert_eq!(
        before["os_support"]["release"]["standard_end"],
        "2026-07-11"
    );
    let after = report(SESSION, d12);
    assert_eq!(after["report_date"], "2026-12-07");
    let f = finding(&after, "gen.os-support");
    assert_eq!(f["severity"], "warning", "{f}");
    assert_eq!(f["action"], "decide");
    assert_eq!(after["os_support"]["phase"], "extended");
    // Same input, same date, same bytes.
    assert_eq!(report(SESSION, d12), after);
}

#[test]
fn fleet_csv_has_each_hosts_support() {
    let dir = Scratch::new("os-support-fleet");
    let bundles = dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    probe(
        Some(&fixture("centos6-sysv")),
        &bundles.join("c6.lift"),
        &["-q"],
    );
    probe(
        Some(&fixture("debian12-systemd")),
        &bundles.join("d12.lift"),
        &["-q"],
    );
    let out = dir.join("fleet");
    let o = lift_on(
        NEW_YEAR,
        &[
            "batch",
            bundles.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let row = |os: &str| {
        rows.iter()
            .find(|r| r[col("os")] == os)
            .unwrap_or_else(|| panic!("no {os} in {csv}"))
    };
    let c6 = row("centos 6.10");
    assert_eq!(c6[col("os_support")], "ended");
    assert_eq!(c6[col("os_support_ends")], "2020-11-30");
    let d12 = row("debian 12");
    assert_eq!(d12[col("os_support")], "standard");
    assert_eq!(d12[col("os_support_ends")], "2026-07-11");
}
