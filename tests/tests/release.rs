//! The shipped probe: a plain static musl executable of at most 2 MB that
//! produces a complete bundle on a kernel with only 2.6.32's system calls;
//! and its i686 and aarch64 builds, each a static executable of at most
//! 2 MB that writes the same entries as this machine's probe.

use std::path::Path;
use std::process::Command;

use goblin::elf::{header, Elf};
use lift_bundle::{Entry, Fact, Record};
use lift_tests::*;

/// At most 2 MB, a plain static executable for `machine` (ELF `e_machine`):
/// ET_EXEC, not static-pie, no interpreter and no dynamic section.
fn assert_static_and_small(probe: &Path, machine: u16) {
    let bytes = std::fs::read(probe).unwrap();
    assert!(
        bytes.len() <= 2_000_000,
        "{} is {} bytes",
        probe.display(),
        bytes.len()
    );
    let elf = Elf::parse(&bytes).expect("an ELF file");
    assert_eq!(elf.header.e_machine, machine, "e_machine");
    assert_eq!(elf.header.e_type, header::ET_EXEC, "e_type is not ET_EXEC");
    assert_eq!(elf.interpreter, None, "has an interpreter");
    assert!(elf.dynamic.is_none(), "has a dynamic section");
}

/// The x86_64 probe, the one copied to most servers, stays at most 1.5 MiB
/// (the project's budget; issue 17's was 1.0 MiB). The nix conversion added
/// nothing (983,256 bytes before and after); the scrub table (issue 14)
/// brought it to 1,024,216, default-deny scrubbing (issue 23) to 1,089,752,
/// with the history, counters and storage specs (issue 27) a little more
/// (1,106,136), and the age crate for --encrypt-to (issue 23) to 1,224,952.
const X86_64_MAX_BYTES: u64 = 3 << 19;

#[test]
fn release_probe_is_static_and_small() {
    let probe = release_probe();
    assert_static_and_small(&probe, header::EM_X86_64);
    let size = std::fs::metadata(&probe).unwrap().len();
    assert!(size <= X86_64_MAX_BYTES, "the x86_64 probe is {size} bytes");
    let ldd = run(Command::new("ldd").arg(&probe));
    let said =
        String::from_utf8_lossy(&ldd.stdout).to_string() + &String::from_utf8_lossy(&ldd.stderr);
    assert!(said.contains("not a dynamic executable"), "ldd: {said}");
}

/// Runs the probe as on CentOS 6: every system call after 2.6.32's fails
/// with ENOSYS (tools/oldkernel.c) and uname says 2.6; and encrypting
/// there, where getrandom(2) is missing.
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
    // --encrypt-to with no getrandom(2): age's random numbers come from
    // /dev/urandom, and age opens the bundle.
    if !require(
        on_path("age"),
        "needs Debian's age (scripts/setup-test-deps.sh)",
    ) {
        return;
    }
    let key = s.join("k.key");
    let keygen = lift(&["keygen", "-o", key.to_str().unwrap()]);
    assert!(keygen.status.success());
    let recipient = String::from_utf8_lossy(&keygen.stdout).trim().to_string();
    let sealed = s.join("old.lift.age");
    let o = run(Command::new("setarch")
        .args(["x86_64", "--uname-2.6"])
        .arg(&oldkernel)
        .arg(&probe)
        .args(["-q", "--encrypt-to", &recipient, "-o"])
        .arg(&sealed));
    assert!(
        o.status.success(),
        "probe --encrypt-to under oldkernel: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let opened = s.join("opened.lift");
    let o = run(Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg("-o")
        .arg(&opened)
        .arg(&sealed));
    assert!(
        o.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(matches!(records(&opened).last(), Some(Record::Footer(_))));
}

/// A probe target other than this machine's: what builds it (the linker and
/// musl compiler `.cargo/config.toml` names) and what runs it here.
struct Cross {
    target: &'static str,
    machine: u16,
    tools: &'static [&'static str],
    runner: Option<&'static str>,
}

/// Runs natively: x86_64 kernels run i386 executables (IA32 emulation).
#[test]
fn i686_probe_is_static_and_writes_a_complete_bundle() {
    cross_probe(&Cross {
        target: "i686-unknown-linux-musl",
        machine: header::EM_386,
        tools: &["i686-linux-gnu-gcc", "i386-linux-musl-gcc"],
        runner: None,
    });
}

#[test]
fn aarch64_probe_is_static_and_writes_a_complete_bundle() {
    cross_probe(&Cross {
        target: "aarch64-unknown-linux-musl",
        machine: header::EM_AARCH64,
        tools: &[
            "aarch64-linux-gnu-gcc",
            "aarch64-linux-musl-gcc",
            "qemu-aarch64-static",
        ],
        runner: Some("qemu-aarch64-static"),
    });
}

/// The cross probe over a fixture root writes a complete bundle whose
/// entries equal those of this machine's probe over the same root.
fn cross_probe(c: &Cross) {
    let target_ok = require(
        rust_target_installed(c.target),
        &format!("needs the {} Rust target", c.target),
    );
    if !target_ok
        || !c
            .tools
            .iter()
            .all(|t| require(on_path(t), &format!("needs {t}")))
    {
        return;
    }
    let binary = release_probe_for(c.target);
    assert_static_and_small(&binary, c.machine);

    let s = Scratch::new(c.target);
    let root = fixture("debian12-systemd");
    let out = s.join("cross.lift");
    let mut cmd = match c.runner {
        Some(runner) => {
            let mut cmd = Command::new(runner);
            cmd.arg(&binary);
            cmd
        }
        None => Command::new(&binary),
    };
    let o = run(cmd.arg("--root").arg(&root).arg("-q").arg("-o").arg(&out));
    assert!(
        o.status.success(),
        "{} probe failed: {}",
        c.target,
        String::from_utf8_lossy(&o.stderr)
    );

    let recs = records(&out);
    assert!(
        matches!(recs.last(), Some(Record::Footer(f)) if !f.interrupted),
        "bundle has no footer or was interrupted"
    );
    let cross = entries(&recs);
    assert!(!cross.is_empty(), "no entries");
    let native_out = s.join("native.lift");
    probe(Some(&root), &native_out, &["-q"]);
    let native_records = records(&native_out);
    let native = entries(&native_records);
    assert_eq!(cross.len(), native.len(), "entry count");
    if let Some((a, b)) = cross.iter().zip(&native).find(|(a, b)| a != b) {
        panic!("{} entry differs:\n{a:?}\nnative:\n{b:?}", c.target);
    }
    let r = report_json(&out, "generic");
    assert_eq!(r["bundle"]["complete"], true);
}

fn entries(records: &[Record]) -> Vec<&Entry> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Entry(e) => Some(e),
            _ => None,
        })
        .collect()
}
