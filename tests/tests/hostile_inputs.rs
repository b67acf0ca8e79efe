//! Hostile inputs to `lift` (issue 14, B): none hangs a command, and in a
//! batch each bad bundle is one line of errors.jsonl while the good hosts
//! get their reports.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use lift_tests::*;

/// Runs `lift ARGS`, killed (and the test failed) past `limit`.
fn lift_within(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(bin("lift"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lift");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("lift {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo at a scratch path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A FIFO named x.lift once hung every command in `open`, waiting for a
/// writer that never comes.
#[test]
fn fifo_input_is_refused_not_waited_on() {
    let s = Scratch::new("fifo-input");
    let fifo = s.join("in/x.lift");
    std::fs::create_dir(s.join("in")).unwrap();
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    let out = s.join("out");
    let limit = Duration::from_secs(20);
    for args in [
        vec!["report", f],
        vec!["check", f],
        vec!["diff", f, f],
        vec!["bundle", "verify", f],
        vec!["bundle", "ls", f],
        vec!["bundle", "cat", f, "/etc/hostname"],
        vec!["bundle", "to-json", f],
        vec![
            "bundle",
            "from-json",
            f,
            "-o",
            s.join("o.lift").to_str().unwrap(),
        ],
        vec![
            "bundle",
            "redact",
            f,
            "-o",
            s.join("r.lift").to_str().unwrap(),
        ],
    ] {
        let o = lift_within(&args, limit);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            said.contains("x.lift") && said.contains("FIFO"),
            "{args:?}: {said}"
        );
    }
    let o = lift_within(
        &[
            "batch",
            s.join("in").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        limit,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert!(
        errors.contains("x.lift") && errors.contains("FIFO"),
        "{errors}"
    );
}
