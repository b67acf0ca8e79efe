//! The foundation issue's end-to-end checks: fixture roots through the
//! probe and back, hostile roots, secrets, and this machine itself.

use std::process::Command;
use std::time::{Duration, Instant};

use lift_bundle::{Content, FileKind, Record};
use lift_tests::*;

const ROOTS: &[&str] = &["debian12-systemd", "debian12-sysv", "centos6-sysv"];

/// probe --root → bundle → JSON → bundle gives the same records, and the
/// report on the bundle equals the report on the directory.
#[test]
fn fixture_roots_round_trip_and_report_like_their_directory() {
    let s = Scratch::new("roots");
    for case in ROOTS {
        let dir = fixture(case);
        let bundle = s.join(&format!("{case}.lift"));
        probe(Some(&dir), &bundle, &["-q"]);
        let json = s.join(&format!("{case}.json"));
        let back = s.join(&format!("{case}-back.lift"));
        let lift = bin("lift");
        assert!(run(Command::new(&lift)
            .args(["bundle", "to-json"])
            .arg(&bundle)
            .arg("-o")
            .arg(&json))
        .status
        .success());
        assert!(run(Command::new(&lift)
            .args(["bundle", "from-json"])
            .arg(&json)
            .arg("-o")
            .arg(&back))
        .status
        .success());
        let (a, b) = (records(&bundle), records(&back));
        assert!(a.len() > 50, "{case}: only {} records", a.len());
        assert_eq!(a, b, "{case}: JSON round trip changed records");

        let mut from_bundle = report_json(&bundle, "generic");
        let from_dir = report_json(&dir, "generic");
        // The probe over --root measures the directory's own filesystem
        // (the image's free space); a directory read as a tree has no
        // statvfs. Everything else must agree.
        for m in from_bundle["host"]["mounts"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if !m["image_statvfs"].is_null() {
                for k in ["total_bytes", "avail_bytes", "free_bytes", "image_statvfs"] {
                    m[k] = serde_json::Value::Null;
                }
            }
        }
        assert_eq!(
            from_bundle["host"], from_dir["host"],
            "{case}: host differs between bundle and directory"
        );
        assert_eq!(from_bundle["bundle"]["complete"], true);
        // Facts the fixtures were made with.
        let host = &from_dir["host"];
        let expect_host = match *case {
            "debian12-systemd" => "deb12-web",
            "debian12-sysv" => "deb12-sysv",
            _ => "c6-app01",
        };
        assert!(
            host["hostname"]
                .as_str()
                .unwrap_or("")
                .starts_with(expect_host),
            "{case}: {}",
            host["hostname"]
        );
        let os = host["os"]["id"].as_str().unwrap();
        assert_eq!(
            os,
            if case.starts_with("centos") {
                "centos"
            } else {
                "debian"
            },
            "{case}"
        );
    }
}

#[test]
fn centos6_facts_from_old_formats() {
    let host = &report_json(&fixture("centos6-sysv"), "generic")["host"];
    assert_eq!(host["os"]["version_id"], "6.10");
    assert_eq!(host["kernel"]["release"], "2.6.32-754.35.1.el6.x86_64");
    // Named by the kernel release suffix: no uname in a directory tree.
    assert_eq!(host["kernel"]["arch"], "x86_64");
    // 2.6.32 has no MemAvailable.
    assert_eq!(host["memory"]["available_source"], "MemFree+Buffers+Cached");
    assert_eq!(host["boot"]["loader"], "grub1");
    let tmp = host["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mount_point"] == "/tmp")
        .expect("/tmp mount");
    assert!(tmp["options"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o == "noexec"));
}

fn hostile_root(s: &Scratch) -> std::path::PathBuf {
    let root = s.join("root");
    let o = run(Command::new("sh")
        .arg(workspace().join("fixtures/gen/hostile.sh"))
        .arg(&root));
    assert!(
        o.status.success(),
        "hostile.sh: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    root
}

fn entry<'a>(records: &'a [Record], path: &[u8]) -> Option<&'a lift_bundle::Entry> {
    records.iter().find_map(|r| match r {
        Record::Entry(e) if e.path.0 == path => Some(e),
        _ => None,
    })
}

/// A FIFO where a file should be, a symlink loop, a 4 GiB sparse file, an
/// unreadable file, non-UTF-8 names, a file growing while read: the probe
/// completes inside its budgets and records each as it is.
#[test]
fn hostile_root_completes_and_records_each_trap() {
    let s = Scratch::new("hostile");
    let root = hostile_root(&s);
    let growing = root.join("etc/growing.conf");
    std::fs::write(&growing, b"start\n").unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, growing) = (stop.clone(), growing.clone());
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&growing)
                .unwrap();
            // Bounded: at most 16 MiB, whatever the probe's speed.
            for i in 0..(16 << 20) / 32 {
                let stopped = stop.load(std::sync::atomic::Ordering::Relaxed);
                if stopped || f.write_all(&[b'x'; 32]).is_err() {
                    break;
                }
                if i % 1024 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        })
    };
    let bundle = s.join("hostile.lift");
    let t = Instant::now();
    probe(Some(&root), &bundle, &["-q", "--max-seconds", "60"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(60),
        "took {:?}",
        t.elapsed()
    );

    let recs = records(&bundle);
    assert!(matches!(recs.last(), Some(Record::Footer(_))), "no footer");
    let fifo = entry(&recs, b"/etc/hostname").expect("FIFO recorded");
    assert_eq!(fifo.kind, FileKind::Fifo);
    assert_eq!(
        fifo.content,
        Content::Skipped(lift_bundle::SkipReason::NotRegular)
    );
    let lp = entry(&recs, b"/etc/loop1").expect("loop recorded");
    assert_eq!(lp.kind, FileKind::Symlink);
    assert_eq!(lp.link_target.as_ref().unwrap().0, b"loop2");
    let sparse = entry(&recs, b"/var/lib/dpkg/status").expect("sparse file");
    assert_eq!(sparse.size, 4 << 30);
    assert!(
        matches!(
            sparse.content,
            Content::Chunked { .. } | Content::Truncated { .. }
        ),
        "{:?}",
        sparse.content
    );
    let names = recs
        .iter()
        .any(|r| matches!(r, Record::Entry(e) if e.path.0.contains(&0xff)));
    assert!(names, "non-UTF-8 names recorded as raw bytes");
    let pkg = recs.iter().find_map(|r| match r {
        Record::Footer(f) => f.specs.iter().find(|s| s.id == "pkg").cloned(),
        _ => None,
    });
    assert!(
        pkg.expect("pkg status").truncated,
        "the 4 GiB file must be cut at the pkg cap"
    );
    // The file that grew while read: recorded, whatever its final size.
    assert!(entry(&recs, b"/etc/growing.conf").is_some());
    // The report on such a bundle still works.
    let r = report_json(&bundle, "generic");
    assert_eq!(r["host"]["os"]["id"], "debian");
}

/// None of the planted secret values appears anywhere in the decompressed
/// bundle, and the footer says what was withheld.
#[test]
fn secrets_never_leave_the_host() {
    let s = Scratch::new("secrets");
    let root = hostile_root(&s);
    let bundle = s.join("secrets.lift");
    // A small total budget: the 4 GiB sparse file is not what this test is about.
    probe(Some(&root), &bundle, &["-q", "--max-bytes", "50000000"]);
    let raw = decompressed(&bundle);
    for marker in [
        "SECRETMARKERSHADOW",
        "SECRETMARKERHOSTKEY",
        "SECRETMARKERPSK",
        "SECRETMARKERCMDLINE",
    ] {
        assert!(
            !contains(&raw, marker.as_bytes()),
            "{marker} leaked into the bundle"
        );
    }
    let footer = records(&bundle).into_iter().find_map(|r| match r {
        Record::Footer(f) => Some(f),
        _ => None,
    });
    let redacted: Vec<String> = footer
        .unwrap()
        .scrubbed
        .iter()
        .map(|r| r.path.to_string_lossy())
        .collect();
    for p in [
        "/etc/shadow",
        "/etc/ssh/ssh_host_rsa_key",
        "/proc/4242/cmdline",
    ] {
        assert!(
            redacted.iter().any(|r| r == p),
            "{p} not in the footer's redactions: {redacted:?}"
        );
    }
    assert!(redacted
        .iter()
        .any(|r| r.starts_with("/etc/NetworkManager/system-connections/")));
    // What was kept around the secret is still there.
    assert!(contains(&raw, b"--password=<redacted>"));
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    let o = run(Command::new(cmd).args(args));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The report on this machine names it as hostname(1), uname(1) and
/// /etc/os-release do, and lists the mounts /proc/self/mountinfo has.
#[test]
fn this_machine() {
    let s = Scratch::new("live");
    let bundle = s.join("live.lift");
    probe(None, &bundle, &["-q"]);
    let r = report_json(&bundle, "generic");
    let host = &r["host"];
    assert_eq!(host["hostname"], command_line("hostname", &[]));
    assert_eq!(host["kernel"]["release"], command_line("uname", &["-r"]));
    assert_eq!(host["kernel"]["arch"], command_line("uname", &["-m"]));
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap();
    let field = |k: &str| {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('"').to_string())
    };
    assert_eq!(host["os"]["id"].as_str().map(str::to_string), field("ID"));
    assert_eq!(
        host["os"]["version_id"].as_str().map(str::to_string),
        field("VERSION_ID")
    );
    assert_eq!(r["bundle"]["as_root"], is_root());

    // Mount points: every one in mountinfo is in the report once, unless a
    // later mount on the same point hides it.
    let mut expected: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .map(|l| l.split(' ').nth(4).unwrap().replace("\\040", " "))
        .collect();
    expected.sort();
    expected.dedup();
    let mut got: Vec<String> = host["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mount_point"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(got, expected);
    // statvfs of / matches df's idea of its size.
    let root = host["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mount_point"] == "/")
        .unwrap();
    assert!(root["total_bytes"].as_u64().unwrap() > 0);
}

/// Not root: the probe collects what it can, records each refusal, and the
/// report says so.
#[test]
fn non_root_run_is_recorded() {
    if !require(is_root(), "needs root, to drop to nobody")
        || !require(on_path("setpriv"), "needs setpriv (util-linux)")
    {
        return;
    }
    let s = Scratch::new("nonroot");
    std::fs::set_permissions(&s.0, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let bundle = s.join("user.lift");
    let o = run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin("lift-probe"))
        .arg("-o")
        .arg(&bundle));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("permission denied"),
        "summary line names the refusals"
    );
    let r = report_json(&bundle, "generic");
    assert_eq!(r["bundle"]["as_root"], false);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "gen.not-root")
        .unwrap();
    assert_eq!(f["severity"], "warning");
    assert!(r["collection"]["unreadable_total"].as_u64().unwrap() > 0);
}

/// `lift bundle verify` names the file and says what is wrong; exit 2.
#[test]
fn verify_reports_damage_with_the_file_name() {
    let s = Scratch::new("verify");
    let good = s.join("good.lift");
    probe(Some(&fixture("centos6-sysv")), &good, &["-q"]);
    let bytes = std::fs::read(&good).unwrap();
    let cut = s.join("cut.lift");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let lift = bin("lift");
    let ok = run(Command::new(&lift).args(["bundle", "verify"]).arg(&good));
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("complete"));
    let bad = run(Command::new(&lift).args(["bundle", "verify"]).arg(&cut));
    assert_eq!(bad.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&bad.stdout);
    assert!(
        msg.contains("cut.lift") && msg.contains("ends early"),
        "{msg}"
    );
    // A report on a damaged bundle is a clear error, exit 2.
    let rep = run(Command::new(&lift).arg("report").arg(&cut));
    assert_eq!(rep.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&rep.stderr).contains("cut.lift"));
}
