//! The probe's wall-clock budget holds while it compresses, and `lift
//! bundle unpack` writes no symlink that points outside its directory.

use std::path::Path;
use std::time::{Duration, Instant};

use lift_bundle::{NoteKind, Record};
use lift_tests::{copy_tree, fixture, lift, probe, records, Scratch};

/// `--max-seconds 1 --level 19` once took 8 s compressing one 16 MiB chunk
/// of an incompressible file (64 s on a loaded machine); compression now
/// counts against the budget.
#[test]
fn compression_counts_against_the_wall_clock_budget() {
    let s = Scratch::new("budget-level19");
    let root = s.join("root");
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), "budget\n").unwrap();
    // 48 MiB that zstd cannot shrink: level 19 takes it at ~2.5 MB/s.
    let mut noise = Vec::with_capacity(48 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while noise.len() < 48 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(root.join("var/lib/rpm/Packages"), &noise).unwrap();
    let bundle = s.join("b.lift");
    // Built before the clock starts.
    lift_tests::bin("lift-probe");
    let t = Instant::now();
    // Three seconds, so that even a loaded machine reaches the package
    // database before the deadline; one 16 MiB chunk at level 19 takes
    // 6 s on a free core of the build machine.
    probe(
        Some(&root),
        &bundle,
        &["-q", "--max-seconds", "3", "--level", "19"],
    );
    let took = t.elapsed();
    // Compressing all 48 MiB at level 19 takes 19 s or more (2.5 MB/s on
    // a free core); a probe that counts compression against its 3 s stops
    // near 3 s. 10 s leaves a loaded machine (load 10 on 2 cores) its
    // scheduling delays, and still fails a probe that ignores the budget.
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let recs = records(&bundle);
    let note = recs.iter().find_map(|r| match r {
        Record::Note(n) if n.kind == NoteKind::OverBudget => Some(n.message.clone()),
        _ => None,
    });
    let note = note.expect("a note saying the content was cut");
    assert!(
        note.contains("level 19") && note.contains("wall-clock budget"),
        "{note}"
    );
    let Some(Record::Footer(f)) = recs.last() else {
        panic!("no footer")
    };
    let pkg = f.specs.iter().find(|s| s.id == "pkg").unwrap();
    assert!(pkg.timed_out && pkg.truncated, "{pkg:?}");
}

/// An absolute symlink (`/etc/systemd/system/sshd.service ->
/// /lib/systemd/system/ssh.service`) was written as given, pointing out
/// of DIR at the workstation's own files.
#[test]
fn unpack_writes_symlinks_that_stay_inside_dir() {
    let s = Scratch::new("unpack-links");
    let root = s.join("root");
    copy_tree(&fixture("debian12-systemd"), &root);
    std::os::unix::fs::symlink("../../../../../../etc/passwd", root.join("etc/climber")).unwrap();
    let bundle = s.join("b.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let dir = s.join("out");
    let o = lift(&[
        "bundle",
        "unpack",
        bundle.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("written relative to"), "{stderr}");

    let link = dir.join("etc/systemd/system/sshd.service");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("../../../lib/systemd/system/ssh.service")
    );
    assert_eq!(
        std::fs::read_link(dir.join("etc/climber")).unwrap(),
        Path::new("passwd")
    );
    // Every link in DIR resolves, lexically, inside DIR.
    let mut checked = 0;
    for_each_link(&dir, &mut |l, t| {
        assert!(t.is_relative(), "{} -> {}", l.display(), t.display());
        let mut depth = l.strip_prefix(&dir).unwrap().components().count() as i64 - 1;
        for c in t.components() {
            depth += if c.as_os_str() == ".." { -1 } else { 1 };
            assert!(depth >= 0, "{} -> {} leaves DIR", l.display(), t.display());
        }
        checked += 1;
    });
    assert!(checked > 5, "only {checked} links");
}

fn for_each_link(dir: &Path, f: &mut dyn FnMut(&Path, &Path)) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            f(&e.path(), &std::fs::read_link(e.path()).unwrap());
        } else if t.is_dir() {
            for_each_link(&e.path(), f);
        }
    }
}

/// A root whose mountinfo has `lines` mounts: big to read, small to make.
fn many_mounts_root(s: &lift_tests::Scratch, lines: u32) -> std::path::PathBuf {
    let root = s.join("root");
    lift_tests::copy_tree(&lift_tests::fixture("debian12-systemd"), &root);
    let mut text = String::from("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
    for i in 2..=lines {
        text.push_str(&format!("{i} 1 0:{i} / /m/{i} rw - tmpfs tmpfs rw\n"));
    }
    std::fs::create_dir_all(root.join("proc/self")).unwrap();
    std::fs::write(root.join("proc/self/mountinfo"), text).unwrap();
    root
}

/// Issue 23: `lift report`, `check` and `diff` run under a batch worker's
/// budgets. Past the time or the memory budget each stops with a message
/// naming the flag that raises it (exit 2), not an abort or an afternoon.
#[test]
fn report_check_and_diff_run_under_budgets() {
    let s = lift_tests::Scratch::new("report-budgets");
    let root = many_mounts_root(&s, 300_000);
    let root = root.to_str().unwrap();
    let out = s.join("r.md");
    let out = out.to_str().unwrap();
    // Built before the clocks start: the first `lift` of a test binary
    // runs `cargo build`, which on a fresh checkout takes half a minute.
    lift_tests::bin("lift");
    for args in [
        vec!["report", root, "-o", out, "--max-seconds", "1"],
        vec!["check", root, "--max-seconds", "1"],
        vec!["diff", root, root, "-o", out, "--max-seconds", "1"],
    ] {
        let t = std::time::Instant::now();
        let o = lift_tests::lift(&args);
        let said = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains("--max-seconds"), "{args:?}: {said}");
        assert!(t.elapsed().as_secs() < 30, "{args:?}: {:?}", t.elapsed());
    }
    let o = lift_tests::lift(&["report", root, "-o", out, "--max-memory", "64"]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("memory budget of 64 MiB") && said.contains("--max-memory"),
        "{said}"
    );
    // Raised, the same report is written.
    let small_scratch = lift_tests::Scratch::new("report-budgets-small");
    let small = many_mounts_root(&small_scratch, 2_000);
    let o = lift_tests::lift(&[
        "report",
        small.to_str().unwrap(),
        "-o",
        out,
        "--max-seconds",
        "600",
        "--max-memory",
        "8192",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
