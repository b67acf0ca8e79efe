use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::snapshot::{DirSnapshot, Snapshot};
use crate::testing::{fixture, TempRoot};

/// `tar` with these arguments, run where the test can see it fail.
fn tar(args: &[&str]) {
    let st = Command::new("tar").args(args).status().expect("tar runs");
    assert!(st.success(), "tar {args:?}");
}

fn host_json(snap: &dyn Snapshot) -> serde_json::Value {
    serde_json::to_value(crate::model::build(snap)).unwrap()
}

fn open_any(p: &Path) -> Box<dyn Snapshot> {
    crate::snapshot::open(p).unwrap_or_else(|e| panic!("{e}"))
}

/// A root tarball (`tar -C / -c .`) in every compression gives the host the
/// directory gives; the name says nothing, the magic bytes tell.
#[test]
fn root_tarball_reads_like_its_directory() {
    let root = fixture("debian12-systemd");
    let want = host_json(&DirSnapshot::new(&root));
    let tmp = TempRoot::new();
    for (flag, magic) in [("", "tar"), ("-z", "gz"), ("-J", "xz"), ("-j", "bz2")] {
        let out: PathBuf = tmp.path().join(format!("root-{magic}.dat"));
        let out_s = out.to_str().unwrap();
        let mut args = vec!["-C", root.to_str().unwrap(), "-c", "-f", out_s];
        if !flag.is_empty() {
            args.insert(2, flag);
        }
        args.push(".");
        tar(&args);
        let snap = open_any(&out);
        assert_eq!(snap.provenance().kind, "archive");
        let got = host_json(snap.as_ref());
        assert_eq!(got["packages"], want["packages"], "{magic}");
        assert_eq!(got["services"], want["services"], "{magic}");
        assert_eq!(got["os"], want["os"], "{magic}");
        assert_eq!(got["interfaces"], want["interfaces"], "{magic}");
        assert!(got["packages"].as_array().is_some_and(|p| p.len() > 100));
    }
}

/// A sosreport's `sosreport-HOST-DATE/` is stripped: the tree is a root;
/// a `docker export`-style archive (no top directory) is read as it is.
#[test]
fn a_lone_top_directory_holding_etc_is_stripped() {
    let tmp = TempRoot::with(&[
        ("sosreport-web-2026/etc/hostname", "web\n"),
        (
            "sosreport-web-2026/sos_commands/kernel/uname_-a",
            "Linux web\n",
        ),
    ]);
    let out = tmp.path().join("sos.tar.xz");
    tar(&[
        "-C",
        tmp.path().to_str().unwrap(),
        "-cJf",
        out.to_str().unwrap(),
        "sosreport-web-2026",
    ]);
    let snap = open_any(&out);
    let root = crate::snapshot::Root::new(snap.as_ref());
    assert_eq!(root.read_string("/etc/hostname").as_deref(), Some("web\n"));
    assert!(root.list("/sos_commands/kernel").is_some());
    let top: Vec<String> = root
        .list("/")
        .unwrap()
        .iter()
        .map(|c| String::from_utf8_lossy(&c.name).into_owned())
        .collect();
    assert_eq!(top, ["etc", "sos_commands"]);

    let flat = tmp.path().join("flat.tar");
    tar(&[
        "-C",
        tmp.path().join("sosreport-web-2026").to_str().unwrap(),
        "-cf",
        flat.to_str().unwrap(),
        "etc",
        "sos_commands",
    ]);
    let snap = open_any(&flat);
    let root = crate::snapshot::Root::new(snap.as_ref());
    assert_eq!(root.read_string("/etc/hostname").as_deref(), Some("web\n"));
}

/// Symlinks and hard links keep their meaning; `..` entries never land.
#[test]
fn links_and_escaping_paths() {
    let tmp = TempRoot::with(&[("r/etc/hostname", "h1\n")]);
    let r = tmp.path().join("r");
    std::os::unix::fs::symlink("../../dev/null", r.join("etc/masked.service")).unwrap();
    std::fs::hard_link(r.join("etc/hostname"), r.join("etc/hostname.hard")).unwrap();
    let out = tmp.path().join("links.tar");
    tar(&["-C", r.to_str().unwrap(), "-cf", out.to_str().unwrap(), "."]);
    let snap = open_any(&out);
    let root = crate::snapshot::Root::new(snap.as_ref());
    assert_eq!(
        root.read_string("/etc/hostname.hard").as_deref(),
        Some("h1\n")
    );
    let n = root.lstat("/etc/masked.service").unwrap();
    assert_eq!(n.link_target.as_deref(), Some(&b"../../dev/null"[..]));

    // A hand-made archive with an entry named ../evil (tar strips such
    // names when it writes them; a hostile archive need not).
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.as_gnu_mut().unwrap().name[..8].copy_from_slice(b"../evil\0");
    h.set_cksum();
    b.append(&h, &b"bad"[..]).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path("etc/ok").unwrap();
    h.set_size(2);
    h.set_cksum();
    b.append(&h, &b"ok"[..]).unwrap();
    let evil = tmp.path().join("evil.tar");
    std::fs::write(&evil, b.into_inner().unwrap()).unwrap();
    let snap = open_any(&evil);
    let root = crate::snapshot::Root::new(snap.as_ref());
    assert_eq!(root.read_string("/etc/ok").as_deref(), Some("ok"));
    assert!(root.read("/evil").is_none());
    assert_eq!(
        snap.provenance().errors.len(),
        1,
        "{:?}",
        snap.provenance().errors
    );
}

/// Limits and broken input: errors that name the file, never a panic.
#[test]
fn limits_and_broken_archives_name_the_file() {
    let root = fixture("debian12-systemd");
    let tmp = TempRoot::new();
    let out = tmp.path().join("root.tar.gz");
    tar(&[
        "-C",
        root.to_str().unwrap(),
        "-czf",
        out.to_str().unwrap(),
        ".",
    ]);
    let small = |l: Limits| {
        open_with(&out, Compression::Gzip, l)
            .err()
            .expect("over a limit")
            .to_string()
    };
    let e = small(Limits {
        max_entries: 10,
        ..Limits::default()
    });
    assert!(
        e.contains("root.tar.gz") && e.contains("more than 10 entries"),
        "{e}"
    );
    let e = small(Limits {
        max_decompressed: 100_000,
        ..Limits::default()
    });
    assert!(e.contains("more than 100000 bytes"), "{e}");
    let e = small(Limits {
        max_path_len: 10,
        ..Limits::default()
    });
    assert!(e.contains("over the 10-byte limit"), "{e}");

    let bytes = std::fs::read(&out).unwrap();
    let cut = tmp.path().join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = crate::snapshot::open(&cut)
        .err()
        .expect("truncated")
        .to_string();
    assert!(e.starts_with(cut.to_str().unwrap()), "{e}");

    let junk = tmp.path().join("junk.xz");
    std::fs::write(&junk, [0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2, 3]).unwrap();
    let e = crate::snapshot::open(&junk)
        .err()
        .expect("corrupt")
        .to_string();
    assert!(e.starts_with(junk.to_str().unwrap()), "{e}");
}

/// A regular file of `len` bytes of `fill` in an in-memory tar.
fn add_file(b: &mut tar::Builder<Vec<u8>>, path: &str, len: usize, fill: u8) {
    let mut h = tar::Header::new_gnu();
    h.set_size(len as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, path, std::io::repeat(fill).take(len as u64))
        .unwrap();
}

fn add_link(b: &mut tar::Builder<Vec<u8>>, path: &str, to: &str) {
    let mut h = tar::Header::new_gnu();
    h.set_size(0);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Link);
    b.append_link(&mut h, path, to).unwrap();
}

/// Issue 23: one large file and 40 hard links to it were 41 copies in
/// memory. Links share the file's content: the same bytes, not a clone.
#[test]
fn hard_links_share_their_files_content() {
    let mut b = tar::Builder::new(Vec::new());
    add_file(&mut b, "etc/big", 4 << 20, b'x');
    for i in 0..40 {
        add_link(&mut b, &format!("etc/link{i}"), "etc/big");
    }
    add_link(&mut b, "etc/link-of-link", "etc/link7");
    let data = b.into_inner().unwrap();
    let snap = read(
        Path::new("links.tar"),
        Compression::None,
        &data[..],
        Limits::default(),
    )
    .unwrap();
    let ptr = |p: &str| match snap.node(p.as_bytes()).unwrap().content {
        crate::snapshot::Data::Full(c) => (c.as_ptr(), c.len()),
        other => panic!("{p}: {other:?}"),
    };
    let file = ptr("/etc/big");
    assert_eq!(file.1, 4 << 20);
    for i in 0..40 {
        assert_eq!(ptr(&format!("/etc/link{i}")), file, "link{i} is a copy");
    }
    assert_eq!(ptr("/etc/link-of-link"), file);
}

/// One budget for what an archive's content holds in memory: files past
/// it keep the head that fits, each named in the errors.
#[test]
fn content_is_held_within_one_budget() {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..4 {
        add_file(&mut b, &format!("var/f{i}"), 5 << 20, b'a' + i as u8);
    }
    let data = b.into_inner().unwrap();
    let (records, left_out, _) = read_tar(&data[..], &Limits::default(), 12 << 20).unwrap();
    let held: usize = records
        .iter()
        .map(|r| match r {
            Record::Entry(Entry {
                content: Content::Full(b) | Content::Truncated { head: b, .. },
                ..
            }) => b.len(),
            _ => 0,
        })
        .sum();
    assert!(held <= 12 << 20, "{held} bytes held");
    assert!(
        held >= 11 << 20,
        "{held} bytes held: the budget is not used"
    );
    let names: Vec<&str> = left_out.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["var/f2", "var/f3"], "{left_out:?}");
    assert!(left_out[0].1.contains("memory budget"), "{left_out:?}");
}

/// Issue 23: 22 KB of deep paths implied megabytes of parent directories
/// each. Every implied directory costs its path against the budget: the
/// archive fails with a message, not an allocation.
#[test]
fn implied_directories_count_against_the_budget() {
    let mut b = tar::Builder::new(Vec::new());
    let deep = "d/".repeat(2000);
    for i in 0..50 {
        add_file(&mut b, &format!("x{i}/{deep}f"), 1, b'x');
    }
    let data = b.into_inner().unwrap();
    let err = read_tar(&data[..], &Limits::default(), 8 << 20).unwrap_err();
    assert!(err.contains("paths take more than"), "{err}");
    // Within a budget that holds them, the levels are listed.
    let (records, _, _) = read_tar(&data[..], &Limits::default(), 1 << 30).unwrap();
    assert!(records.len() > 50 * 2000);
}
