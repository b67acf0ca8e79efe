//! End-to-end helpers: the built `lift` and `lift-probe` binaries, fixture
//! paths, and bundles made by running the probe over a fixture tree and
//! adding the facts only a live host gives (statvfs, uname, boot sectors).

pub mod fuzz;
pub mod hostile;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use lift_bundle::{json, Fact, Limits, Reader, Record};

/// The workspace's target directory: two levels above this test executable
/// (`target/debug/deps/mgn-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// Builds both binaries once per test run, so that a stale `lift` from an
/// earlier build is never what the tests exercise.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "lift", "-p", "lift-probe"])
            .current_dir(workspace())
            .status()
            .expect("cargo build");
        assert!(status.success(), "cargo build -p lift -p lift-probe failed");
    });
    target_dir().join(name)
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn fixture(rel: &str) -> PathBuf {
    workspace().join("fixtures").join(rel)
}

/// The day every test's report is made on (`SOURCE_DATE_EPOCH`,
/// 2026-01-01T00:00:00Z): `gen.os-support` judges support dates against
/// it, so no verdict moves with the calendar. A test that wants another
/// day sets the variable itself.
pub const REPORT_EPOCH: &str = "1767225600";
pub const REPORT_DATE: &str = "2026-01-01";

/// Pins the report's date of a `lift` run unless the caller chose one
/// (other programs, cargo above all, keep their environment).
fn dated(cmd: &mut Command) -> &mut Command {
    let is_lift = Path::new(cmd.get_program()).file_name() == Some("lift".as_ref());
    if is_lift && !cmd.get_envs().any(|(k, _)| k == "SOURCE_DATE_EPOCH") {
        cmd.env("SOURCE_DATE_EPOCH", REPORT_EPOCH);
    }
    cmd
}

/// `lift ARGS...`, its output captured.
pub fn lift(args: &[&str]) -> Output {
    dated(Command::new(bin("lift")).args(args))
        .output()
        .expect("run lift")
}

/// Copies a fixture root (or any tree) to `to`, symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), dest).unwrap();
        } else if t.is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A scratch directory under the system temp dir, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("lift-e2e-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
    pub fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("LIFT_KEEP_SCRATCH").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The probe's records for `root` scanned with `--root`, the header made
/// to say it ran as root (or not), then `facts` before the footer; written
/// as the JSON form to `out`.
pub fn probe_bundle(root: &Path, facts: Vec<Fact>, as_root: bool, out: &Path) {
    let lift_file = out.with_extension("lift");
    let status = Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(root)
        .arg("-q")
        .arg("-o")
        .arg(&lift_file)
        .status()
        .expect("run lift-probe");
    assert!(status.success());
    let mut records: Vec<Record> = Reader::open(&lift_file, Limits::default())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let footer = records.pop().expect("footer");
    for r in &mut records {
        if let Record::Header(h) = r {
            (h.uid, h.euid) = if as_root { (0, 0) } else { (1000, 1000) };
        }
    }
    records.extend(facts.into_iter().map(Record::Fact));
    records.push(footer);
    let f = std::fs::File::create(out).unwrap();
    json::to_writer(f, &json::JsonBundle::new(records)).unwrap();
}

pub fn statvfs(mount_point: &str, avail_bytes: u64) -> Fact {
    Fact::Statvfs(lift_bundle::Statvfs {
        mount_point: mount_point.into(),
        fs_type: "ext4".into(),
        block_size: 4096,
        total_bytes: avail_bytes * 4,
        free_bytes: avail_bytes,
        avail_bytes,
        total_inodes: 0,
        free_inodes: 0,
        avail_inodes: 0,
        flags: 0,
    })
}

pub fn uname(nodename: &str, release: &str) -> Fact {
    Fact::Uname(lift_bundle::Uname {
        sysname: "Linux".into(),
        nodename: nodename.into(),
        release: release.into(),
        version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)".into(),
        machine: "x86_64".into(),
        domainname: "(none)".into(),
    })
}

pub fn boot_sector(device: &str, file: &str) -> Fact {
    let mut sector = std::fs::read(fixture("boot-sectors").join(file)).unwrap();
    // A short sample is padded to a sector; a GPT disk's 34 sectors are kept.
    if sector.len() < 512 {
        sector.resize(512, 0);
    }
    Fact::BootSector(lift_bundle::BootSector {
        device: device.into(),
        holds: vec!["/".into(), "/boot".into()],
        sector: sector.into(),
    })
}

/// The first sector of a partition holding / and /boot (its boot record).
pub fn partition_sector(device: &str, file: &str) -> Fact {
    match boot_sector(device, file) {
        Fact::BootSector(b) => Fact::PartitionSector(b),
        _ => unreachable!("boot_sector gives a BootSector"),
    }
}

/// The facts a fixture root's `lift-facts` file lists, one per line, for
/// what a directory tree cannot hold (what a live probe reads from system
/// calls and devices):
///
/// ```text
/// uname RELEASE
/// boot-sector DEVICE FILE        (FILE in fixtures/boot-sectors)
/// partition-sector DEVICE FILE
/// ```
pub fn facts_file(path: &Path) -> Vec<Fact> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            [w, ..] if w.starts_with('#') => {}
            ["uname", release] => out.push(uname("fixture", release)),
            ["boot-sector", dev, file] => out.push(boot_sector(dev, file)),
            ["partition-sector", dev, file] => out.push(partition_sector(dev, file)),
            _ => panic!("{}:{}: unknown fact line: {line}", path.display(), n + 1),
        }
    }
    out
}

/// Runs a command, its output captured (`lift` with the tests' report date).
pub fn run(cmd: &mut Command) -> Output {
    dated(cmd)
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// Runs the probe on a root (or the live system with `None`) into `out`.
pub fn probe(root: Option<&Path>, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(bin("lift-probe"));
    cmd.arg("-o").arg(out).args(extra);
    // The debug probe on a loaded machine can pass the 120 s default over
    // a large root (a 17 MiB fstab took 22 s here idle and 124 s at load
    // 6, and the bundle came back cut short); tests of the budget give
    // their own.
    if !extra.contains(&"--max-seconds") {
        cmd.args(["--max-seconds", "1800"]);
    }
    if let Some(r) = root {
        cmd.arg("--root").arg(r);
    }
    let o = run(&mut cmd);
    assert!(
        o.status.success(),
        "probe failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Every record of a bundle.
pub fn records(path: &Path) -> Vec<Record> {
    let r = Reader::open(path, Limits::default()).expect("open bundle");
    r.map(|x| x.expect("record")).collect()
}

/// The whole decompressed record stream, to grep for secrets.
pub fn decompressed(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("bundle");
    zstd::decode_all(&bytes[12..]).expect("zstd")
}

/// `lift report --format json` of an input, parsed.
pub fn report_json(input: &Path, target: &str) -> serde_json::Value {
    let o = run(Command::new(bin("lift"))
        .arg("report")
        .arg(input)
        .args(["--format", "json", "--target", target]));
    assert!(
        o.status.success(),
        "lift report failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("report JSON")
}

pub fn is_root() -> bool {
    // SAFETY: geteuid only reads the process's credentials.
    unsafe { libc::geteuid() == 0 }
}

/// Whether this run is CI's (`CI=true`), on a machine that
/// scripts/setup-test-deps.sh has set up with everything the tests need.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether a test can run here: `holds` is what it needs, `why` names it
/// ("needs root", "strace is not installed"). Locally a test that cannot
/// run says why and returns early (`if !require(..) { return; }`); under
/// `CI=true` it fails instead, so that a skip never passes silently there.
pub fn require(holds: bool, why: &str) -> bool {
    if holds {
        return true;
    }
    assert!(
        !in_ci(),
        "cannot run under CI=true: {why} (scripts/setup-test-deps.sh)"
    );
    eprintln!("skipped: {why}");
    false
}

/// Runs a Python script (`args` after it) that imports `duckdb`, and gives
/// its standard output; None when this machine has no duckdb module (see
/// [`require`]: under `CI=true` that fails instead). A failing script fails
/// the test.
pub fn duckdb_script(script: &str, args: &[&str]) -> Option<Vec<u8>> {
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    let stderr = String::from_utf8_lossy(&o.stderr);
    if !require(
        !stderr.contains("No module named 'duckdb'"),
        "the DuckDB check needs python3's duckdb (scripts/setup-test-deps.sh)",
    ) {
        return None;
    }
    assert!(o.status.success(), "{stderr}\n{script}");
    Some(o.stdout)
}

/// `lift bundle redact INPUT -o OUT --map MAP`, which must succeed.
pub fn redact_bundle(input: &Path, out: &Path, map: &Path) {
    let o = lift(&[
        "bundle",
        "redact",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A program of that name is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The probe's release targets (static musl; `.cargo/config.toml` holds
/// their flags, scripts/probe-targets.sh installs what building them needs).
pub const PROBE_HOST_TARGET: &str = "x86_64-unknown-linux-musl";

/// Builds the shipped probe (static musl, release) and returns its path.
pub fn release_probe() -> PathBuf {
    release_probe_for(PROBE_HOST_TARGET)
}

/// Builds the shipped probe for a Rust target and returns its path.
pub fn release_probe_for(target: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = run(Command::new(cargo)
        .args([
            "build",
            "-q",
            "--release",
            "-p",
            "lift-probe",
            "--target",
            target,
        ])
        .current_dir(workspace()));
    assert!(
        o.status.success(),
        "release build for {target} failed (scripts/setup-test-deps.sh installs the targets and compilers): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    target_dir()
        .parent()
        .expect("target")
        .join(target)
        .join("release/lift-probe")
}

/// The Rust standard library for `target` is installed (`rustup target add`).
pub fn rust_target_installed(target: &str) -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--print", "target-libdir", "--target", target])
        .output()
        .is_ok_and(|o| {
            o.status.success() && Path::new(String::from_utf8_lossy(&o.stdout).trim()).is_dir()
        })
}

/// Headless Chromium from Debian's package (scripts/setup-test-deps.sh).
fn chromium_path() -> Option<std::path::PathBuf> {
    ["chromium", "chromium-browser"]
        .iter()
        .map(|n| std::path::Path::new("/usr/bin").join(n))
        .find(|p| p.exists())
}

pub fn browser(
    html: &std::path::Path,
    extra: &[&str],
    profile: &std::path::Path,
) -> std::process::Output {
    std::process::Command::new(chromium_path().expect("chromium: run scripts/setup-test-deps.sh"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium")
}
