//! The shipped probe: a plain static musl executable of at most 2 MB that
//! produces a complete bundle on a kernel with only 2.6.32's system calls.

use std::process::Command;

use lift_bundle::{Fact, Record};
use lift_tests::*;

#[test]
fn release_probe_is_static_and_small() {
    let probe = release_probe();
    let size = std::fs::metadata(&probe).unwrap().len();
    assert!(size <= 2_000_000, "lift-probe is {size} bytes");
    let ldd = run(Command::new("ldd").arg(&probe));
    let said =
        String::from_utf8_lossy(&ldd.stdout).to_string() + &String::from_utf8_lossy(&ldd.stderr);
    assert!(said.contains("not a dynamic executable"), "ldd: {said}");
    // Not static-pie either: an ET_EXEC with no interpreter.
    let bytes = std::fs::read(&probe).unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[16], bytes[17]]),
        2,
        "e_type is not ET_EXEC"
    );
    assert!(
        !contains(&bytes[..4096.min(bytes.len())], b"/lib/ld-musl"),
        "has an interpreter"
    );
}

/// Runs the probe as on CentOS 6: every system call after 2.6.32's fails
/// with ENOSYS (tools/oldkernel.c) and uname says 2.6.
#[test]
fn complete_bundle_on_a_2_6_32_kernel() {
    let probe = release_probe();
    let s = Scratch::new("oldkernel");
    let src = workspace().join("tools/oldkernel.c");
    let oldkernel = s.join("oldkernel");
    let cc = run(Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&oldkernel)
        .arg(&src));
    assert!(
        cc.status.success(),
        "gcc oldkernel.c: {}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = s.join("old.lift");
    let o = run(Command::new("setarch")
        .args(["x86_64", "--uname-2.6"])
        .arg(&oldkernel)
        .arg(&probe)
        .arg("-o")
        .arg(&out));
    assert!(
        o.status.success(),
        "probe under oldkernel: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let recs = records(&out);
    assert!(
        matches!(recs.last(), Some(Record::Footer(f)) if !f.interrupted),
        "bundle has no footer"
    );
    let release = recs.iter().find_map(|r| match r {
        Record::Fact(Fact::Uname(u)) => Some(u.release.clone()),
        _ => None,
    });
    assert!(
        release.unwrap_or_default().starts_with("2.6"),
        "uname was not 2.6"
    );
    let entries = recs
        .iter()
        .filter(|r| matches!(r, Record::Entry(_)))
        .count();
    assert!(entries > 500, "only {entries} entries");
    let r = report_json(&out, "generic");
    assert_eq!(r["bundle"]["complete"], true);
    assert!(r["host"]["mounts"]
        .as_array()
        .is_some_and(|m| !m.is_empty()));
}
