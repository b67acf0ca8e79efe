//! The shipped probe's peak RSS stays under issue 15's 16 MB over a root
//! holding the files that set it: what it measures is the kernel's own
//! count (GNU time's maximum resident set size), not an estimate.
//!
//! The probe's memory is the zstd encoder (a 2 MiB window and 2^18-entry
//! tables: about 4 MiB at every level), the largest file it reads whole (a
//! text file, at most 16 MiB, whole for the scrub table and for redaction),
//! and one 1 MiB piece of a file streamed in chunks (an rpm database or a
//! sysstat daily file past 2 MiB). On the build machine the largest file
//! read whole is a 4 MB package file list (google-cloud-cli's), so the
//! root here has one of
//! that size (lines like one, made up), a 4 MB dpkg status (the fixture's,
//! repeated), a 40 MiB rpm database and a 24 MiB sysstat file that must be
//! streamed.

use std::io::Write;
use std::process::{Command, ExitStatus, Stdio};

use lift_bundle::{Content, Record};
use lift_tests::*;

/// Issue 15's goal, in bytes; the test keeps a margin below it.
const GOAL: u64 = 16_000_000;
const MARGIN: u64 = 2_000_000;

/// GNU time, which reports the peak RSS of the child it forks. (wait4 here
/// would count what the child held before exec, a copy of this test
/// process: Linux keeps the larger.)
const TIME: &str = "/usr/bin/time";

/// Runs `cmd ARGS...` under GNU time; its exit status and peak RSS in bytes.
fn peak_rss(s: &Scratch, cmd: &std::path::Path, args: &[&std::ffi::OsStr]) -> (ExitStatus, u64) {
    let report = s.join("time.txt");
    let status = Command::new(TIME)
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("run GNU time");
    let kib: u64 = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("GNU time's %M");
    (status, kib * 1024)
}

/// Lines like a package's file list, none repeated: 4 MB of them.
fn file_list(bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 100);
    let mut i = 0u64;
    while out.len() < bytes {
        writeln!(
            out,
            "/usr/lib/google-cloud-sdk/lib/third_party/m{}/f{i:x}.py",
            i % 997
        )
        .unwrap();
        i += 1;
    }
    out
}

/// Writes `mib` MiB that zstd cannot shrink (an xorshift sequence), a MiB
/// at a time.
fn write_noise(path: &std::path::Path, mib: usize) {
    let mut f = std::fs::File::create(path).unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut piece = Vec::with_capacity(1 << 20);
    for _ in 0..mib {
        piece.clear();
        while piece.len() < 1 << 20 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            piece.extend_from_slice(&x.to_le_bytes());
        }
        f.write_all(&piece).unwrap();
    }
}

#[test]
fn release_probe_peak_rss_stays_under_16_mb() {
    if !require(
        std::path::Path::new(TIME).exists(),
        "GNU time (/usr/bin/time) is not installed",
    ) {
        return;
    }
    let probe = release_probe();
    let s = Scratch::new("probe-rss");
    let root = s.join("root");
    copy_tree(&fixture("debian12-systemd"), &root);
    let list_path = root.join("var/lib/dpkg/info/google-cloud-cli.list");
    std::fs::write(&list_path, file_list(4_000_000)).unwrap();
    let mut status = std::fs::read(root.join("var/lib/dpkg/status")).unwrap();
    while status.len() < 4_000_000 {
        let again = status.clone();
        status.extend_from_slice(&again);
    }
    std::fs::write(root.join("var/lib/dpkg/status"), &status).unwrap();
    drop(status);
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    write_noise(&root.join("var/lib/rpm/Packages"), 40);
    // A day of sysstat history past 16 MiB (issue 27: history is streamed,
    // never read whole): Debian's sadc file with its records repeated.
    let sa = sa_file(24 << 20);
    std::fs::create_dir_all(root.join("var/log/sysstat")).unwrap();
    std::fs::write(root.join("var/log/sysstat/sa07"), &sa).unwrap();

    let out = s.join("b.lift");
    let (exit, rss) = peak_rss(
        &s,
        &probe,
        &[
            "-q".as_ref(),
            "--root".as_ref(),
            root.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ],
    );
    assert!(exit.success(), "probe: {exit}");
    assert!(
        rss <= GOAL - MARGIN,
        "peak RSS {rss} bytes, over {} (16 MB less a 2 MB margin)",
        GOAL - MARGIN
    );

    // And it did read what sets its memory: the list whole, the database
    // streamed to its end.
    let list = std::fs::read(&list_path).unwrap();
    let recs = records(&out);
    let whole = recs.iter().any(|r| {
        matches!(r, Record::Entry(e) if e.path.0.ends_with(b"google-cloud-cli.list")
            && matches!(&e.content, Content::Full(b) if b.0 == list))
    });
    assert!(whole, "the 4 MB file list is not in the bundle whole");
    let streamed: u64 = recs
        .iter()
        .filter_map(|r| match r {
            Record::Chunk(c) if c.path.0 == b"/var/lib/rpm/Packages" => {
                assert!(c.data.0.len() <= 1 << 20, "a chunk of {}", c.data.0.len());
                Some(c.data.0.len() as u64)
            }
            _ => None,
        })
        .sum();
    assert_eq!(streamed, 40 << 20);
    let history: u64 = recs
        .iter()
        .filter_map(|r| match r {
            Record::Chunk(c) if c.path.0 == b"/var/log/sysstat/sa07" => {
                assert!(c.data.0.len() <= 1 << 20, "a chunk of {}", c.data.0.len());
                Some(c.data.0.len() as u64)
            }
            _ => None,
        })
        .sum();
    assert_eq!(history, sa.len() as u64, "the sa file streamed whole");
}

/// Debian 12's sadc file (fixtures/sysstat) with its records (a restart
/// and four samples) repeated to at least `bytes`.
fn sa_file(bytes: usize) -> Vec<u8> {
    let real = std::fs::read(fixture("sysstat/data-debian12-12.6.1")).unwrap();
    // The records start after the file magic (76 bytes), the file header
    // (its size at byte 8) and the activity list (act_nr entries of
    // act_size bytes, the header's second and tenth 32-bit fields after its
    // 64-bit and long ones).
    let word = |at: usize| u32::from_le_bytes(real[at..at + 4].try_into().unwrap()) as usize;
    let fields = 76 + 8 * word(16) + 8 * word(20);
    let (head, records) = real.split_at(76 + word(8) + word(fields + 4) * word(fields + 36));
    let mut out = head.to_vec();
    while out.len() < bytes {
        out.extend_from_slice(records);
    }
    out
}
