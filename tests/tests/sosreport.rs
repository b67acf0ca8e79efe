//! A real sosreport of this machine (Debian's `sos report --batch`, as
//! root), read as its `.tar.xz` and extracted: packages equal sos's own
//! `dpkg -l` capture, the architecture its `uname -a`, masked units its
//! `systemctl list-unit-files`, IPv4 addresses its `ip -o addr`, processes
//! its `ps auxwww`; and the report says it was a sosreport and which facts
//! came from commands.
//!
//! sos runs only the plugins that hold these captures (`-o`), which keeps
//! the run to a few seconds. Without root or sos the test skips, saying so,
//! and fails under `CI=true`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use lift_tests::{is_root, report_json, Scratch};

const PLUGINS: &str = "dpkg,kernel,networking,systemd,filesys,block,host,services,process";

fn skip_reason() -> Option<String> {
    if !is_root() {
        return Some("not root (sos report needs root)".into());
    }
    if Command::new("sos").arg("--help").output().is_err() {
        return Some("sos is not installed (apt-get install sosreport)".into());
    }
    None
}

/// Makes the sosreport; returns the archive and its extracted top directory.
fn make_sosreport(dir: &Path) -> (PathBuf, PathBuf) {
    let out = Command::new("sos")
        .args(["report", "--batch", "-o", PLUGINS, "--tmp-dir"])
        .arg(dir)
        .output()
        .expect("sos runs");
    assert!(
        out.status.success(),
        "sos report failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".tar.xz"))
        .expect("sos wrote a .tar.xz");
    let extracted = dir.join("x");
    std::fs::create_dir_all(&extracted).unwrap();
    let st = Command::new("tar")
        .arg("-xJf")
        .arg(&archive)
        .arg("-C")
        .arg(&extracted)
        .status()
        .unwrap();
    assert!(st.success());
    let top = std::fs::read_dir(&extracted)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("one top directory");
    (archive, top)
}

fn capture(top: &Path, rel: &str) -> String {
    std::fs::read_to_string(top.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// (name, version, arch) of each line of `dpkg -l` below its header.
fn dpkg_l(text: &str) -> BTreeSet<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("+++-"))
        .skip(1)
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let name = w.get(1)?.split(':').next()?;
            Some(format!("{name} {} {}", w.get(2)?, w.get(3)?))
        })
        .collect()
}

fn masked(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let unit = *w.first()?;
            let kept = [".service", ".socket", ".timer"]
                .iter()
                .any(|s| unit.ends_with(s));
            (kept && w.get(1) == Some(&"masked")).then(|| unit.to_string())
        })
        .collect()
}

/// `IFACE ADDR/PREFIX` of each IPv4 line of `ip -o addr` but loopback's.
fn ipv4(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.get(2) == Some(&"inet") && w[1] != "lo").then(|| format!("{} {}", w[1], w[3]))
        })
        .collect()
}

fn check(report: &serde_json::Value, top: &Path, what: &str) {
    let host = &report["host"];
    let pkgs: BTreeSet<String> = host["packages"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no packages"))
        .iter()
        .map(|p| {
            format!(
                "{} {} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["arch"].as_str().unwrap()
            )
        })
        .collect();
    let want = dpkg_l(&capture(top, "sos_commands/dpkg/dpkg_-l"));
    assert!(want.len() > 50, "{what}: dpkg -l lists {}", want.len());
    assert_eq!(pkgs, want, "{what}: packages");

    let uname = capture(top, "sos_commands/kernel/uname_-a");
    let arch = host["kernel"]["arch"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no arch"));
    let machine =
        String::from_utf8(Command::new("uname").arg("-m").output().unwrap().stdout).unwrap();
    assert_eq!(arch, machine.trim(), "{what}: arch");
    assert!(
        uname.split_whitespace().any(|w| w == arch),
        "{what}: {uname}"
    );

    let units: BTreeSet<String> = host["services"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no services"))
        .iter()
        .filter(|s| s["state"] == "masked")
        .map(|s| s["unit"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        units,
        masked(&capture(
            top,
            "sos_commands/systemd/systemctl_list-unit-files"
        )),
        "{what}: masked"
    );

    let addrs: BTreeSet<String> = host["interfaces"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no interfaces"))
        .iter()
        .flat_map(|i| {
            let name = i["name"].as_str().unwrap().to_string();
            i["addresses"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a.as_str())
                .filter(|a| !a.contains(':'))
                .map(move |a| format!("{name} {a}"))
                .collect::<Vec<_>>()
        })
        .collect();
    let want = ipv4(&capture(top, "sos_commands/networking/ip_-o_addr"));
    assert!(!want.is_empty(), "{what}: no IPv4 address in ip -o addr");
    assert_eq!(addrs, want, "{what}: IPv4 addresses");

    // sos copies each /proc/PID's mountinfo only: the processes are ps's.
    let ps: BTreeSet<u64> = capture(top, "sos_commands/process/ps_auxwww")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    let pids: BTreeSet<u64> = host["processes"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no processes"))
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    assert!(ps.contains(&1), "{what}");
    assert_eq!(pids, ps, "{what}: processes");

    let sos = &report["collection"]["sosreport"];
    let version = capture(top, "version.txt");
    assert!(
        version.contains(&format!("sosreport: {}", sos["version"].as_str().unwrap())),
        "{what}"
    );
    let facts: Vec<&str> = sos["from_commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fact"].as_str().unwrap())
        .collect();
    for f in [
        "packages",
        "kernel.arch",
        "interfaces.addresses",
        "processes",
    ] {
        assert!(facts.contains(&f), "{what}: {f} not listed in {facts:?}");
    }
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("This input is a sosreport (sos "),
        "{what}: {notes}"
    );
    assert!(
        notes.contains("sos_commands/dpkg/dpkg_-l"),
        "{what}: {notes}"
    );
}

#[test]
fn real_sosreport_as_archive_and_extracted() {
    if let Some(why) = skip_reason() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and the sosreport test cannot run: {why}"
        );
        println!("skipped: {why}");
        return;
    }
    let dir = Scratch::new("sos");
    let (archive, top) = make_sosreport(&dir.0);
    let from_archive = report_json(&archive, "generic");
    assert_eq!(from_archive["bundle"]["kind"], "archive");
    check(&from_archive, &top, "archive");
    let from_dir = report_json(&top, "generic");
    check(&from_dir, &top, "extracted");
    assert_eq!(
        from_archive["host"], from_dir["host"],
        "the archive and its tree give one host"
    );
}
