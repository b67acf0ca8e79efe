//! Faults the probe meets on production servers: a stop signal, a full
//! output disk, a hung filesystem, processes that vanish while read.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lift_bundle::Record;
use lift_tests::*;

/// A root whose rpm database is a 4 GiB sparse file: reading it takes long
/// enough to interrupt.
fn slow_root(s: &Scratch) -> std::path::PathBuf {
    let root = s.join("root");
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), "slow\n").unwrap();
    let f = std::fs::File::create(root.join("var/lib/rpm/Packages")).unwrap();
    f.set_len(4 << 30).unwrap();
    root
}

/// SIGTERM: the probe stops, flushes a bundle whose footer says it was
/// interrupted, and exits 130; lift reads it and says it is incomplete.
#[test]
fn sigterm_flushes_an_incomplete_bundle() {
    let s = Scratch::new("sigterm");
    let root = slow_root(&s);
    let out = s.join("cut.lift");
    let mut child = Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(&root)
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    // SAFETY: signalling a child we own.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let t = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?} to stop",
        t.elapsed()
    );
    assert_eq!(status.code(), Some(130), "exit status {status:?}");
    let recs = records(&out);
    let Some(Record::Footer(f)) = recs.last() else {
        panic!("no footer")
    };
    assert!(f.interrupted);
    let v = run(Command::new(bin("lift"))
        .args(["bundle", "verify"])
        .arg(&out));
    assert!(String::from_utf8_lossy(&v.stdout).contains("incomplete (the probe was interrupted)"));
    let r = report_json(&out, "generic");
    assert_eq!(r["bundle"]["complete"], false);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "gen.incomplete-bundle")
        .unwrap();
    assert_eq!(f["severity"], "warning");
}

/// A full output disk: a clear error, and no file that looks whole.
#[test]
fn full_disk_is_a_clear_error_with_no_half_file() {
    if !require(is_root(), "mounting a small tmpfs needs root") {
        return;
    }
    let s = Scratch::new("diskfull");
    let mnt = s.join("tiny");
    std::fs::create_dir_all(&mnt).unwrap();
    let m = run(Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&mnt));
    let why = format!(
        "cannot mount tmpfs here: {}",
        String::from_utf8_lossy(&m.stderr)
    );
    if !require(m.status.success(), &why) {
        return;
    }
    let out = mnt.join("x.lift");
    let o = run(Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(fixture("debian12-systemd"))
        .arg("-o")
        .arg(&out));
    let listing: Vec<_> = std::fs::read_dir(&mnt)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let _ = Command::new("umount").arg(&mnt).status();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(listing.is_empty(), "left behind: {listing:?}");
}

/// A filesystem whose reads hang (a FUSE server that never answers) is
/// never touched: the probe finishes within its budget and notes the skip.
#[test]
fn hung_fuse_filesystem_is_skipped() {
    let fuse_ok = std::path::Path::new("/dev/fuse").exists()
        && Command::new("python3")
            .args(["-c", "import fuse"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !require(is_root(), "needs root")
        || !require(fuse_ok, "needs /dev/fuse and python3's fusepy")
    {
        return;
    }
    let s = Scratch::new("fuse");
    let root = s.join("root");
    let mnt = root.join("var/lib/rpm");
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), "fusehost\n").unwrap();
    let server = workspace().join("tests/hang_fs.py");
    let mut fs = Command::new("python3")
        .arg(&server)
        .arg(&mnt)
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .contains(mnt.to_str().unwrap())
    {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "FUSE server did not mount"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = s.join("fuse.lift");
    let t = Instant::now();
    let o = run(Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(&root)
        .args(["--max-seconds", "5", "-o"])
        .arg(&out));
    let took = t.elapsed();
    let _ = Command::new("fusermount").arg("-u").arg(&mnt).status();
    let _ = Command::new("umount").arg("-l").arg(&mnt).status();
    let _ = fs.kill();
    let _ = fs.wait();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let noted = records(&out).iter().any(|r| {
        matches!(r, Record::Note(n) if n.kind == lift_bundle::NoteKind::NetworkFs
            && n.path.as_ref().is_some_and(|p| p.0.starts_with(b"/var/lib/rpm")))
    });
    assert!(noted, "the skip of the FUSE mount is noted");
}

/// Processes that start and exit while the probe reads /proc.
#[test]
fn vanishing_processes_do_not_break_the_run() {
    let s = Scratch::new("churn");
    let mut churn = Command::new("sh")
        .args(["-c", "while :; do /bin/true; done"])
        .spawn()
        .unwrap();
    let out = s.join("churn.lift");
    let o = run(Command::new(bin("lift-probe")).arg("-o").arg(&out));
    let _ = churn.kill();
    let _ = churn.wait();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let recs = records(&out);
    assert!(matches!(recs.last(), Some(Record::Footer(f)) if !f.interrupted));
    let r = report_json(&out, "generic");
    assert!(r["host"]["processes"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
}

/// `-o /dev/null` (timing runs) writes into the device and leaves it one:
/// a rename over it once replaced the machine's /dev/null with a file.
#[test]
fn output_to_a_device_is_written_in_place() {
    if !require(is_root(), "needs root to make a device node") {
        return;
    }
    let s = Scratch::new("devnull");
    let dev = s.join("null");
    let c = std::ffi::CString::new(dev.to_str().unwrap()).unwrap();
    // SAFETY: mknod of a char device (1,3 is null) at a scratch path.
    assert_eq!(
        unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) },
        0
    );
    let o = run(Command::new(bin("lift-probe"))
        .arg("--root")
        .arg(fixture("centos6-sysv"))
        .arg("-q")
        .arg("-o")
        .arg(&dev));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&dev)
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(!s.join("null.partial").exists());
}
