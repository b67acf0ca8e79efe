//! Every `lift` command that writes `-o` writes a device or FIFO in place
//! and a regular file whole (issue 14, A): `lift report -o /dev/null` as
//! root once renamed its temporary file over /dev/null.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use lift_tests::*;

/// Root makes device nodes; without it the test cannot run, which CI must
/// not mistake for a pass (`require` fails under CI=true).
fn root_or_skip(what: &str) -> bool {
    require(is_root(), &format!("{what} needs root"))
}

fn mknod_null(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mknod of a char device (1,3 is null) at a scratch path.
    assert_eq!(
        unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) },
        0,
        "mknod {}",
        path.display()
    );
}

fn bundle(s: &Scratch) -> PathBuf {
    let b = s.join("host.lift");
    probe(Some(&fixture("debian12-systemd")), &b, &["-q"]);
    b
}

/// The -o forms of every command, writing to `out`.
fn commands(s: &Scratch, b: &Path, out: &Path) -> Vec<Vec<String>> {
    let json = s.join("host.lift.json");
    if !json.exists() {
        let o = lift(&[
            "bundle",
            "to-json",
            b.to_str().unwrap(),
            "-o",
            json.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (b, json, out) = (
        b.to_str().unwrap(),
        json.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let map = s.join("map.json");
    let map = map.to_str().unwrap();
    [
        vec!["report", b, "--format", "md", "-o", out],
        vec!["report", b, "--format", "html", "-o", out],
        vec!["diff", b, b, "--format", "json", "-o", out],
        vec!["bundle", "to-json", b, "-o", out],
        vec!["bundle", "from-json", json, "-o", out],
        vec!["bundle", "redact", b, "-o", out, "--map", map],
    ]
    .into_iter()
    .map(|c| c.into_iter().map(String::from).collect())
    .collect()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp") || n.contains("partial"))
        .collect()
}

#[test]
fn device_output_stays_a_device() {
    if !root_or_skip("making a device node") {
        return;
    }
    let s = Scratch::new("out-dev");
    let b = bundle(&s);
    let dev = s.join("dev/null");
    std::fs::create_dir(s.join("dev")).unwrap();
    mknod_null(&dev);
    for args in commands(&s, &b, &dev) {
        let o = run(Command::new(bin("lift")).args(&args));
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let t = std::fs::symlink_metadata(&dev).unwrap().file_type();
        assert!(t.is_char_device(), "{args:?} replaced the device node");
        assert_eq!(leftovers(&s.join("dev")), Vec::<String>::new(), "{args:?}");
    }
    // The redaction map is an output too: a device there is refused.
    let out = s.join("r.lift");
    let o = lift(&[
        "bundle",
        "redact",
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--map",
        dev.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
    assert!(std::fs::symlink_metadata(&dev)
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn fifo_output_reaches_its_reader() {
    let s = Scratch::new("out-fifo");
    let b = bundle(&s);
    let fifo = s.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo at a scratch path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for args in commands(&s, &b, &fifo) {
        let reader = {
            let f = fifo.clone();
            std::thread::spawn(move || std::fs::read(f).unwrap())
        };
        let o = run(Command::new(bin("lift")).args(&args));
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Before joining: a reader left waiting on a replaced FIFO never returns.
        let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(t.is_fifo(), "{args:?} replaced the FIFO");
        let got = reader.join().unwrap();
        assert!(!got.is_empty(), "{args:?}: the reader got nothing");
    }
}

#[test]
fn regular_output_is_written_whole_without_leftovers() {
    let s = Scratch::new("out-file");
    let b = bundle(&s);
    let out = s.join("out/result");
    std::fs::create_dir(s.join("out")).unwrap();
    for args in commands(&s, &b, &out) {
        std::fs::write(&out, b"old").unwrap();
        let o = run(Command::new(bin("lift")).args(&args));
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let body = std::fs::read(&out).unwrap();
        assert!(body.len() > 3 && body != b"old", "{args:?}");
        assert_eq!(leftovers(&s.join("out")), Vec::<String>::new(), "{args:?}");
    }
}

/// `lift bundle redact -o /dev/null` without --map would have written
/// `/dev/null.map.json` beside the device: it asks for --map instead.
#[test]
fn redact_to_a_fifo_needs_a_map() {
    let s = Scratch::new("out-redact-map");
    let b = bundle(&s);
    let fifo = s.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo at a scratch path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = lift(&[
        "bundle",
        "redact",
        b.to_str().unwrap(),
        "-o",
        fifo.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--map"));
    assert!(!s.join("pipe.map.json").exists());
}

/// The benchmark times `lift report` into a file, never `-o /dev/null`,
/// and every probe run it makes writes a bundle into its work directory.
#[test]
fn benchmark_never_writes_to_dev_null_with_o() {
    let script = std::fs::read_to_string(workspace().join("bench/probe.sh")).unwrap();
    let mut probe_runs = 0;
    for (n, line) in script.lines().enumerate() {
        assert!(
            !line.contains("-o /dev/null"),
            "bench/probe.sh:{}: {line}",
            n + 1
        );
        if line.trim_start().starts_with('#') || !line.contains("\"$probe\" -q") {
            continue;
        }
        probe_runs += 1;
        assert!(
            line.contains("-o \"$work/"),
            "bench/probe.sh:{}: a probe run that does not write into $work: {line}",
            n + 1
        );
    }
    assert!(probe_runs >= 3, "{probe_runs} probe runs found");
}
