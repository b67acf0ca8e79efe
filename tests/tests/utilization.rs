//! `host.utilization` from the history sysstat keeps on the host: read
//! from a directory tree and through the probe alike, held against what
//! sysstat's own `sadf -j` says of the same files, and redacted without
//! losing it.

use std::path::Path;
use std::process::Command;

use lift_bundle::{Content, Record};
use lift_tests::{
    contains, decompressed, fixture, on_path, probe, report_json, require, run, Scratch,
};
use serde_json::Value;

/// A root whose /var/log/sysstat holds `files` (fixture name, day).
fn root_with(dir: &Scratch, files: &[(&str, &str)]) -> std::path::PathBuf {
    let root = dir.join("root");
    let history = root.join("var/log/sysstat");
    std::fs::create_dir_all(&history).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), "vm\n").unwrap();
    for (name, day) in files {
        std::fs::copy(
            fixture(&format!("sysstat/{name}")),
            history.join(format!("sa{day}")),
        )
        .unwrap();
    }
    root
}

/// sar's busy share (100 - idle - iowait) of each interval sadf printed.
fn sadf_busy(json: &Value) -> Vec<f64> {
    json["sysstat"]["hosts"][0]["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let cpu = &s["cpu-load"][0];
            100.0 - cpu["idle"].as_f64().unwrap() - cpu["iowait"].as_f64().unwrap()
        })
        .collect()
}

fn sadf_fixture(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(&format!("sysstat/{name}.sadf-j.json"))).unwrap())
        .unwrap()
}

fn assert_agrees(util: &Value, busy: &[f64]) {
    assert_eq!(util["window"]["samples"], busy.len(), "{util}");
    let peak = busy.iter().cloned().fold(f64::MIN, f64::max);
    let got = util["cpu_busy_percent"]["peak"].as_f64().unwrap();
    assert!((got - peak).abs() < 0.02, "peak {got} vs sadf {peak}");
    let mean = busy.iter().sum::<f64>() / busy.len() as f64;
    let got = util["cpu_busy_percent"]["mean"].as_f64().unwrap();
    assert!((got - mean).abs() < 0.02, "mean {got} vs sadf {mean}");
}

#[test]
fn a_month_of_history_from_a_tree_and_a_bundle() {
    let dir = Scratch::new("utilization");
    // sa21 is years older than sa07: outside the month it is left out.
    let root = root_with(
        &dir,
        &[("data-debian12-12.6.1", "07"), ("data-11.6.5", "21")],
    );
    std::fs::write(root.join("var/log/sysstat/sa05"), b"not a sysstat file").unwrap();
    let from_tree = report_json(&root, "generic");
    let util = &from_tree["host"]["utilization"];
    assert_eq!(util["source"], "sysstat 11.6.5, 12.6.1", "{util}");
    assert_eq!(util["files"][0], "/var/log/sysstat/sa07");
    assert_agrees(util, &sadf_busy(&sadf_fixture("data-debian12-12.6.1")));
    // One day of history: its own summary, for the chart.
    assert_eq!(util["daily"].as_array().unwrap().len(), 1);
    assert_eq!(util["daily"][0]["date"], "2026-12-07");
    assert_eq!(
        util["daily"][0]["cpu_busy_percent"],
        util["cpu_busy_percent"]
    );
    // The machine as the newest file recorded it, as sadf says of it: its
    // CPU count, and a total memory that gives sadf's memused-percent.
    let host = &sadf_fixture("data-debian12-12.6.1")["sysstat"]["hosts"][0];
    let recorded = &util["recorded"];
    assert_eq!(recorded["file"], "/var/log/sysstat/sa07");
    assert_eq!(recorded["cpus"], host["number-of-cpus"]);
    assert_eq!(recorded["machine"], host["machine"]);
    let last = host["statistics"].as_array().unwrap().last().unwrap();
    let total_kb = recorded["memory_bytes"].as_f64().unwrap() / 1024.0;
    let percent = 100.0 * last["memory"]["memused"].as_f64().unwrap() / total_kb;
    let want = last["memory"]["memused-percent"].as_f64().unwrap();
    assert!((percent - want).abs() < 0.006, "{percent} vs sadf {want}");
    let said = from_tree["notes"].as_array().unwrap().iter().any(|n| {
        let n = n.as_str().unwrap_or("");
        n.contains("/var/log/sysstat/sa05") && n.contains("not a sysstat file")
    });
    assert!(
        said,
        "the foreign file is named in the notes: {}",
        from_tree["notes"]
    );

    let bundle = dir.join("host.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let from_bundle = report_json(&bundle, "generic");
    assert_eq!(from_bundle["host"]["utilization"], *util);
}

#[test]
fn redaction_renames_the_host_inside_sa_files() {
    let dir = Scratch::new("utilization-redact");
    let root = root_with(&dir, &[("data-10.3.1", "21")]);
    let bundle = dir.join("host.lift");
    probe(
        Some(&root),
        &bundle,
        &[
            "-q",
            "--redact",
            "--redact-map",
            dir.join("map.json").to_str().unwrap(),
        ],
    );
    let raw = decompressed(&bundle);
    assert!(
        !contains(&raw, b"kluane"),
        "the sa header's host name left the host"
    );
    let util = &report_json(&bundle, "generic")["host"]["utilization"];
    assert_eq!(util["window"]["samples"], 1, "{util}");
    let busy = util["cpu_busy_percent"]["peak"].as_f64().unwrap();
    // sysstat's own expected output of this file: %idle 99.25, %iowait 0.12.
    assert!((busy - 0.63).abs() < 0.02, "{busy}");
}

/// A day of history past the probe's 2 MiB is streamed in pieces of at
/// most 1 MiB, never read whole (issue 27), and arrives whole: the bundle's
/// pieces join to the file, and the report from the bundle equals the one
/// from the tree. The file is Debian's sadc file with its records (a
/// restart and four samples) repeated past 3 MiB.
#[test]
fn a_large_sa_file_is_streamed_whole() {
    let dir = Scratch::new("utilization-stream");
    let root = root_with(&dir, &[]);
    let real = std::fs::read(fixture("sysstat/data-debian12-12.6.1")).unwrap();
    // Where the records start: the file magic (76 bytes), the file header
    // (its size at byte 8) and the activity list (the header's act_nr
    // entries of act_size bytes, after its 64-bit and long fields).
    let word = |at: usize| u32::from_le_bytes(real[at..at + 4].try_into().unwrap()) as usize;
    let fields = 76 + 8 * word(16) + 8 * word(20);
    let records_at = 76 + word(8) + word(fields + 4) * word(fields + 36);
    assert_eq!(word(fields + 36), 36, "sysstat 12.6.1's file_activity size");
    let (head, records) = real.split_at(records_at);
    let mut big = head.to_vec();
    while big.len() < 3 << 20 {
        big.extend_from_slice(records);
    }
    let path = root.join("var/log/sysstat/sa07");
    std::fs::write(&path, &big).unwrap();
    let from_tree = report_json(&root, "generic");
    assert!(
        !from_tree["notes"].to_string().contains("sa07"),
        "the made file parses whole: {}",
        from_tree["notes"]
    );
    // The file's pieces in a bundle, joined; and its entry's content.
    let pieces = |bundle: &Path| {
        let mut joined = Vec::new();
        let mut entry = None;
        for r in lift_tests::records(bundle) {
            match r {
                Record::Entry(e) if e.path.0 == b"/var/log/sysstat/sa07" => entry = Some(e.content),
                Record::Chunk(c) if c.path.0 == b"/var/log/sysstat/sa07" => {
                    assert_eq!(c.offset, joined.len() as u64);
                    assert!(c.data.0.len() <= 1 << 20, "a piece of {}", c.data.0.len());
                    joined.extend_from_slice(&c.data.0);
                }
                _ => {}
            }
        }
        assert!(
            matches!(entry, Some(Content::Chunked { size }) if size == big.len() as u64),
            "{entry:?}"
        );
        joined
    };
    let bundle = dir.join("host.lift");
    probe(Some(&root), &bundle, &["-q"]);
    assert!(pieces(&bundle) == big, "the pieces join to the file");
    let from_bundle = report_json(&bundle, "generic");
    assert_eq!(
        from_bundle["host"]["utilization"],
        from_tree["host"]["utilization"]
    );
    // Redacted, the header's host name ("vm") is rewritten in the first
    // piece, in place: nothing after the header changes.
    let redacted = dir.join("redacted.lift");
    probe(
        Some(&root),
        &redacted,
        &[
            "-q",
            "--redact",
            "--redact-map",
            dir.join("map.json").to_str().unwrap(),
        ],
    );
    let joined = pieces(&redacted);
    assert_eq!(joined.len(), big.len());
    let changed: Vec<usize> = (0..big.len()).filter(|&i| joined[i] != big[i]).collect();
    assert!(!changed.is_empty(), "the host name was not rewritten");
    assert!(changed.iter().all(|&i| i < records_at), "{changed:?}");
    assert_eq!(
        report_json(&redacted, "generic")["host"]["utilization"],
        from_tree["host"]["utilization"]
    );
}

/// The history's budget of its own: newest first by modification time,
/// whole files while 32 MiB last and none more than 31 days older than the
/// newest; the rest by metadata only, and the bundle's notes say so.
#[test]
fn history_past_its_budget_or_a_month_is_metadata_only() {
    let dir = Scratch::new("utilization-budget");
    let root = root_with(&dir, &[("data-debian12-12.6.1", "01")]);
    let history = root.join("var/log/sysstat");
    let now = std::time::SystemTime::now();
    let day = std::time::Duration::from_secs(86_400);
    let age = |name: &str, days: u32| {
        let f = std::fs::File::options()
            .write(true)
            .open(history.join(name))
            .unwrap();
        f.set_modified(now - day * days).unwrap();
    };
    age("sa01", 40);
    // Three 12 MiB files (sparse: no disk), a day apart: two fit in 32 MiB.
    for (name, days) in [("sa10", 3), ("sa11", 2), ("sa12", 1)] {
        std::fs::File::create(history.join(name))
            .unwrap()
            .set_len(12 << 20)
            .unwrap();
        age(name, days);
    }
    let bundle = dir.join("host.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let mut whole = Vec::new();
    let mut meta = Vec::new();
    let mut notes = Vec::new();
    for r in lift_tests::records(&bundle) {
        match r {
            Record::Entry(e) if e.path.0.starts_with(b"/var/log/sysstat/sa") => {
                let name =
                    String::from_utf8_lossy(&e.path.0["/var/log/sysstat/".len()..]).into_owned();
                match e.content {
                    Content::None => meta.push(name),
                    Content::Full(_) | Content::Chunked { .. } => whole.push(name),
                    other => panic!("{name}: {other:?}"),
                }
            }
            Record::Note(n) if n.spec == "history" => notes.push(n.message),
            _ => {}
        }
    }
    whole.sort();
    meta.sort();
    assert_eq!(whole, ["sa11", "sa12"]);
    assert_eq!(meta, ["sa01", "sa10"]);
    assert_eq!(
        notes,
        ["2 older history files recorded by metadata only (budget 32 MiB, 31 days)"]
    );
}

/// Bad sa files beside a good one: sysstat's own cut file, a future
/// format, a byte order its body does not have, hostile sizes and a file
/// cut in half. Each is named in the notes with the byte it failed at; the
/// good file (and what came before a cut) is still read.
#[test]
fn bad_sa_files_are_named_with_their_offset() {
    let dir = Scratch::new("utilization-bad");
    let root = root_with(
        &dir,
        &[("data-debian12-12.6.1", "02"), ("data-trunc", "01")],
    );
    let good = std::fs::read(fixture("sysstat/data-debian12-12.6.1")).unwrap();
    let mut future = good.clone();
    future[2..4].copy_from_slice(&0x2177u16.to_le_bytes());
    let mut swapped = good.clone();
    swapped.swap(0, 1);
    swapped.swap(2, 3);
    let mut hostile = good.clone();
    for at in (8..200).step_by(4) {
        hostile[at..at + 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    }
    let history = root.join("var/log/sysstat");
    std::fs::write(history.join("sa03"), &future).unwrap();
    std::fs::write(history.join("sa04"), &swapped).unwrap();
    std::fs::write(history.join("sa05"), &hostile).unwrap();
    std::fs::write(history.join("sa06"), &good[..good.len() / 2]).unwrap();
    let bundle = dir.join("bad.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let report = report_json(&bundle, "generic");
    let notes: Vec<String> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap_or("").to_string())
        .collect();
    for (file, said) in [
        ("sa01", "byte "),
        ("sa03", "byte 2: unknown sa file format 0x2177"),
        ("sa04", "byte 8: "),
        ("sa05", "byte 8: "),
        ("sa06", "byte "),
    ] {
        let path = format!("/var/log/sysstat/{file}");
        assert!(
            notes.iter().any(|n| n.contains(&path) && n.contains(said)),
            "{file}: {said} not in {notes:?}"
        );
    }
    let util = &report["host"]["utilization"];
    assert_eq!(util["files"][0], "/var/log/sysstat/sa02", "{util}");
    assert_agrees(util, &sadf_busy(&sadf_fixture("data-debian12-12.6.1")));
}

/// The owning tool: Debian's sadc writes a file here, sadf reads it back,
/// and lift's figures over the same file must equal sadf's.
#[test]
fn this_machine_sadc_against_sadf() {
    let sadc = Path::new("/usr/lib/sysstat/sadc");
    if !require(
        sadc.exists() && on_path("sadf"),
        "sysstat (sadc, sadf) is not installed",
    ) {
        return;
    }
    let dir = Scratch::new("utilization-sadc");
    let root = dir.join("root");
    let history = root.join("var/log/sysstat");
    std::fs::create_dir_all(&history).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let file = history.join("sa01");
    let o = run(Command::new(sadc).args(["-S", "DISK", "1", "4"]).arg(&file));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(Command::new("sadf")
        .env("LC_ALL", "C")
        .env("TZ", "GMT")
        .arg("-j")
        .arg(&file)
        .args(["--", "-u"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sadf: Value = serde_json::from_slice(&o.stdout).unwrap();
    let util = &report_json(&root, "generic")["host"]["utilization"];
    assert_agrees(util, &sadf_busy(&sadf));
}

/// No history: the means since boot, from this machine's counters laid out
/// as a root (fixtures/proc-samples/counters), computed here again from
/// the same text.
#[test]
fn since_boot_from_the_kernels_counters() {
    let dir = Scratch::new("utilization-boot");
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let samples = fixture("proc-samples/counters");
    for (from, to) in [
        ("stat", "proc/stat"),
        ("diskstats", "proc/diskstats"),
        ("vmstat", "proc/vmstat"),
        ("net-dev", "proc/net/dev"),
        ("pressure-io", "proc/pressure/io"),
        ("uptime", "proc/uptime"),
    ] {
        let to = root.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(samples.join(from), to).unwrap();
    }
    let util = &report_json(&root, "generic")["host"]["utilization"];
    assert_eq!(util["source"], "since boot", "{util}");
    // A directory says nothing of when it was collected.
    assert_eq!(util["window"]["to"], Value::Null);
    let text = |name: &str| std::fs::read_to_string(samples.join(name)).unwrap();
    // host.uptime_seconds: whole seconds.
    let uptime: f64 = text("uptime")
        .split_whitespace()
        .next()
        .unwrap()
        .parse::<f64>()
        .unwrap()
        .trunc();
    let cpu: Vec<f64> = text("stat")
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|v| v.parse().unwrap())
        .collect();
    let total: f64 = cpu.iter().sum();
    let busy = 100.0 * (total - cpu[3] - cpu[4]) / total;
    let got = util["cpu_busy_percent"]["mean"].as_f64().unwrap();
    assert!((got - busy).abs() < 0.01, "{got} vs {busy}");
    assert_eq!(
        util["cpu_busy_percent"]["peak"],
        Value::Null,
        "no peak since boot"
    );
    let vda: Vec<f64> = text("diskstats")
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some("vda"))
        .unwrap()
        .split_whitespace()
        .skip(3)
        .map(|v| v.parse().unwrap())
        .collect();
    let disks = util["since_boot"]["disks"].as_array().unwrap();
    assert_eq!(disks.len(), 1, "loop and zram devices left out: {disks:?}");
    let iops = disks[0]["iops"].as_f64().unwrap();
    assert!((iops - (vda[0] + vda[4]) / uptime).abs() < 0.01, "{iops}");
    assert_eq!(util["since_boot"]["interfaces"][0]["name"], "eth0");
    assert_eq!(
        util["since_boot"]["pressure"]["cpu_some_percent"],
        Value::Null
    );
}

/// A CentOS 6 host: sysstat 9.0's binary files (format 0x2170) cannot be
/// read, so the history comes from sa2's text report beside them, and the
/// notes say why the binary file was not used.
#[test]
fn centos6_history_from_the_text_reports() {
    let dir = Scratch::new("utilization-text");
    let root = dir.join("root");
    let sa = root.join("var/log/sa");
    std::fs::create_dir_all(&sa).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy(fixture("sysstat/data-9.1.5"), sa.join("sa21")).unwrap();
    std::fs::copy(fixture("sysstat/sar-9.1.6-expected.txt"), sa.join("sar21")).unwrap();
    let bundle = dir.join("c6.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let report = report_json(&bundle, "generic");
    let util = &report["host"]["utilization"];
    assert_eq!(
        util["source"], "sysstat's sar text reports (the host's local time)",
        "{util}"
    );
    assert_eq!(util["files"], serde_json::json!(["/var/log/sa/sar21"]));
    // sysstat's expected `sar -A` of its 9.1.6 file: one interval, %idle
    // 99.37 and %iowait 0.38.
    assert_eq!(util["window"]["samples"], 1);
    assert_eq!(util["cpu_busy_percent"]["peak"], 0.25);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("/var/log/sa/sa21") && notes.contains("0x2170"),
        "{notes}"
    );
}

/// A sar text report names its host in its first line, maybe by a name the
/// host had before a rename: redaction learns and replaces it too.
#[test]
fn redaction_renames_the_host_in_sar_text_reports() {
    let dir = Scratch::new("utilization-redact-text");
    let root = dir.join("root");
    let sa = root.join("var/log/sa");
    std::fs::create_dir_all(&sa).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), "newname\n").unwrap();
    std::fs::copy(fixture("sysstat/sar-9.1.6-expected.txt"), sa.join("sar21")).unwrap();
    let bundle = dir.join("host.lift");
    probe(
        Some(&root),
        &bundle,
        &[
            "-q",
            "--redact",
            "--redact-map",
            dir.join("map.json").to_str().unwrap(),
        ],
    );
    assert!(
        !contains(&decompressed(&bundle), b"kluane"),
        "the sar report's host name left the host"
    );
    let util = &report_json(&bundle, "generic")["host"]["utilization"];
    assert_eq!(util["window"]["samples"], 1, "{util}");
}
