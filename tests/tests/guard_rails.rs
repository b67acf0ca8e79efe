//! A newcomer's mistakes on the command line: an input that is not a root,
//! `--root` of a file, `-o` of a directory, a usage error (exit 64, apart
//! from the verdicts and an unreadable input), completions of --target and
//! --format without hidden options, and every manual page's EXAMPLES and
//! EXIT STATUS.

use std::process::Command;

use lift_tests::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `lift report docs/` wrote a report of unknowns and `lift check docs/`
/// exited 3: a directory with no etc/, usr/ or bin/ is refused, exit 2,
/// naming the path once and saying what lift expected.
#[test]
fn an_input_that_is_not_a_root_is_refused() {
    let docs = workspace().join("docs");
    let docs = docs.to_str().unwrap();
    for cmd in ["report", "check"] {
        let o = lift(&[cmd, docs, "--target", "aws-mgn"]);
        assert_eq!(o.status.code(), Some(2), "lift {cmd}: {}", stderr(&o));
        let msg = stderr(&o);
        assert_eq!(msg.matches(docs).count(), 1, "{msg}");
        assert!(
            msg.contains("not a root filesystem") && msg.contains("lift expects"),
            "{msg}"
        );
        assert!(o.stdout.is_empty());
    }
    let ok = lift(&["check", fixture("alpine-openrc").to_str().unwrap()]);
    assert_ne!(ok.status.code(), Some(2), "{}", stderr(&ok));
}

/// `lift-probe --root notes.txt` wrote a 257-entry bundle and exited 0.
#[test]
fn the_probe_refuses_a_root_that_is_not_one() {
    let s = Scratch::new("guard-probe");
    let out = s.join("x.lift");
    let readme = workspace().join("README.md");
    for (root, says) in [
        (
            readme.as_path(),
            "not a directory holding a root filesystem",
        ),
        (
            &*workspace().join("docs"),
            "not a directory holding a root filesystem",
        ),
    ] {
        let o = run(Command::new(bin("lift-probe"))
            .arg("--root")
            .arg(root)
            .arg("-o")
            .arg(&out));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let msg = stderr(&o);
        assert!(msg.contains(says), "{msg}");
        assert_eq!(
            msg.matches(&*root.display().to_string()).count(),
            1,
            "{msg}"
        );
        assert!(!out.exists() && !s.join("x.lift.partial").exists());
    }
}

/// `lift-probe -o DIR` said "Is a directory (os error 21)" after collecting
/// everything, naming no path: it is refused first, naming it once.
#[test]
fn the_probe_refuses_a_directory_as_its_output() {
    let s = Scratch::new("guard-probe-out");
    let dir = s.join("out");
    std::fs::create_dir_all(&dir).unwrap();
    let o = run(Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(fixture("alpine-openrc"))
        .arg("-o")
        .arg(&dir));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let msg = stderr(&o);
    assert!(msg.contains("is a directory"), "{msg}");
    assert_eq!(msg.matches(&*dir.display().to_string()).count(), 1, "{msg}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written into it"
    );
}

/// `lift-probe -o /missing/x.lift` named x.lift.partial, a path the user
/// never gave: the -o path once; the .partial only when it is in the way.
#[test]
fn the_probe_names_the_output_it_was_given() {
    let s = Scratch::new("guard-probe-o");
    let out = s.join("missing").join("x.lift");
    let o = run(Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(fixture("alpine-openrc"))
        .arg("-q")
        .arg("-o")
        .arg(&out));
    assert_ne!(o.status.code(), Some(0));
    let msg = stderr(&o);
    assert_eq!(msg.matches(&*out.display().to_string()).count(), 1, "{msg}");
    assert!(!msg.contains(".partial"), "{msg}");
    let out = s.join("y.lift");
    std::fs::write(s.join("y.lift.partial"), "x").unwrap();
    let o = run(Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(fixture("alpine-openrc"))
        .arg("-q")
        .arg("-o")
        .arg(&out));
    assert_ne!(o.status.code(), Some(0));
    let msg = stderr(&o);
    assert!(
        msg.contains("y.lift.partial is left from an earlier run"),
        "{msg}"
    );
    assert_eq!(msg.matches("os error").count(), 0, "{msg}");
}

/// Usage errors exit 64; help exits 0; an unreadable input stays 2.
#[test]
fn usage_errors_have_their_own_exit_status() {
    let c6 = fixture("centos6-sysv");
    let c6 = c6.to_str().unwrap();
    for args in [
        &["report", c6, "--target", "aws"][..],
        &["report", c6, "--format", "pdf"],
        &["check", c6, "--fail-on", "info"],
        &["report"],
        &["frobnicate"],
        &[
            "report",
            c6,
            "--format",
            "json",
            "-o",
            "/tmp/lift-guard-y.html",
        ],
    ] {
        let o = lift(args);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
    }
    assert!(!std::path::Path::new("/tmp/lift-guard-y.html").exists());
    let o = lift(&[
        "report",
        c6,
        "--format",
        "json",
        "-o",
        "/tmp/lift-guard-y.html",
    ]);
    assert!(
        stderr(&o).contains("--format json but /tmp/lift-guard-y.html"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lift(&["--help"]).status.code(), Some(0));
    assert_eq!(
        lift(&["report", "/nonexistent/x.lift"]).status.code(),
        Some(2)
    );
    let help = String::from_utf8(lift(&["--help"]).stdout).unwrap();
    assert!(help.contains("64 a usage error"), "{help}");
}

/// `lift batch -o FILE` said "File exists (os error 17): File exists (os
/// error 17)": the path once, the reason once.
#[test]
fn an_error_names_its_path_once_and_its_reason_once() {
    let s = Scratch::new("guard-batch");
    let file = s.join("taken");
    std::fs::write(&file, "x").unwrap();
    let o = lift(&[
        "batch",
        fixture("centos6-sysv").to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let msg = stderr(&o);
    assert_eq!(msg.matches(file.to_str().unwrap()).count(), 1, "{msg}");
    assert_eq!(msg.matches("os error").count(), 1, "{msg}");
}

/// bash offered file names after --target and the hidden --in-process.
#[test]
fn completions_offer_values_and_hide_hidden_options() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = lift(&["completions", shell]);
        assert!(o.status.success());
        let script = String::from_utf8(o.stdout).unwrap();
        assert!(
            !script.contains("in-process"),
            "{shell} offers --in-process"
        );
        assert!(
            !script.contains("__batch-worker"),
            "{shell} offers the batch worker"
        );
        assert!(
            script.contains("aws-mgn"),
            "{shell} does not complete --target"
        );
    }
    if !require(on_path("bash"), "needs bash") {
        return;
    }
    let script = String::from_utf8(lift(&["completions", "bash"]).stdout).unwrap();
    let program = format!(
        "{script}\nCOMP_WORDS=(lift report x --target '')\nCOMP_CWORD=4\n_lift lift '' --target\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let o = run(Command::new("bash").args(["--norc", "-c", &program]));
    let offered = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        offered.lines().collect::<Vec<_>>(),
        ["generic", "aws-mgn", "ec2", "openstack", "azure"]
    );
    let program = format!(
        "{script}\nCOMP_WORDS=(lift report x --format '')\nCOMP_CWORD=4\n_lift lift '' --format\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let o = run(Command::new("bash").args(["--norc", "-c", &program]));
    assert!(String::from_utf8_lossy(&o.stdout)
        .lines()
        .any(|l| l == "json"));
}

/// lift(1) had no EXAMPLES or EXIT STATUS; every page now has both, and
/// EXIT STATUS names 64.
#[test]
fn every_manual_page_has_examples_and_exit_status() {
    let s = Scratch::new("guard-man");
    assert!(lift(&["man", "--dir", s.0.to_str().unwrap()])
        .status
        .success());
    let mut pages = 0;
    for e in std::fs::read_dir(&s.0).unwrap() {
        let p = e.unwrap().path();
        let roff = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(roff.contains("\n.SH EXAMPLES\n"), "{name} has no EXAMPLES");
        assert!(
            roff.contains("\n.SH \"EXIT STATUS\"\n"),
            "{name} has no EXIT STATUS"
        );
        assert!(roff.contains("\n.B 64\n"), "{name} does not name exit 64");
        pages += 1;
    }
    assert!(pages >= 14, "{pages} pages");
}

/// `-o y.txt` wrote Markdown in silence: a suffix that names no format
/// gets a line saying which format won.
#[test]
fn an_output_suffix_naming_no_format_is_said() {
    let s = Scratch::new("guard-suffix");
    let out = s.join("y.txt");
    let o = lift(&[
        "report",
        fixture("centos6-sysv").to_str().unwrap(),
        "--target",
        "aws-mgn",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let msg = stderr(&o);
    assert!(
        msg.contains(".txt names no format") && msg.contains("writing Markdown"),
        "{msg}"
    );
    assert_eq!(msg.matches(out.to_str().unwrap()).count(), 1, "{msg}");
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("# "));
    let html = s.join("y.html");
    let o = lift(&[
        "report",
        fixture("centos6-sysv").to_str().unwrap(),
        "-o",
        html.to_str().unwrap(),
    ]);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// `lift check vm.lift` said "conditionally-ready for generic", exit 0,
/// for a host not ready for aws-mgn, and listed nothing: without --target
/// it says what it judged for, and a conditional verdict lists its
/// warnings.
#[test]
fn check_without_a_target_says_what_it_judged() {
    // Ubuntu 20.04, past its standard support: conditionally ready.
    let c6 = fixture("sos-hotsos-openstack");
    let o = lift(&["check", c6.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no --target: judged for generic"),
        "{}",
        stderr(&o)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains(": conditionally-ready for generic\n"), "{out}");
    assert!(
        out.lines().skip(1).any(|l| l.starts_with("  warning  ")),
        "{out}"
    );
    let o = lift(&["check", c6.to_str().unwrap(), "--target", "aws-mgn"]);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// `lift check X | head -0`: a reader that closes the pipe before the
/// verdict is printed costs no panic and keeps the verdict's exit status.
#[test]
fn a_closed_pipe_keeps_the_verdict() {
    let root = fixture("centos6-sysv");
    let args = ["check", root.to_str().unwrap(), "--target", "aws-mgn"];
    let whole = lift(&args);
    let want = whole.status.code();
    assert!(matches!(want, Some(1 | 3)), "{want:?}");
    let (read_end, write_end) = std::io::pipe().unwrap();
    drop(read_end);
    let closed = Command::new(bin("lift"))
        .args(args)
        .stdout(write_end)
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), want, "{}", stderr(&closed));
    assert!(!stderr(&closed).contains("panicked"), "{}", stderr(&closed));
}
