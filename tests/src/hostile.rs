//! Hostile bundles for the tests of issue 14, B: each made here from its
//! description, none checked in. Every one is small on disk and was, before
//! its fix, able to hang `lift` or take unbounded time or memory.

use std::path::Path;
use std::process::Command;

use lift_bundle::{
    Child, Content, Entry, FileKind, Header, Note, NoteKind, Record, Timestamp, Writer,
};

pub fn header(hostname: &str) -> Record {
    Record::Header(Header {
        probe_version: "0.1.0".into(),
        format_version: lift_bundle::FORMAT_VERSION,
        started_at: Timestamp {
            secs: 1_790_000_000,
            nanos: 0,
        },
        root: "/".into(),
        args: vec!["lift-probe".into()],
        uid: 0,
        euid: 0,
        gid: 0,
        hostname: hostname.into(),
        boot_id: None,
    })
}

fn entry(path: &str, kind: FileKind, link: Option<&str>, content: Content) -> Record {
    Record::Entry(Entry {
        spec: "test".into(),
        path: path.into(),
        kind,
        mode: if kind == FileKind::Dir {
            0o40755
        } else {
            0o100644
        },
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        link_target: link.map(Into::into),
        content,
    })
}

pub fn file(path: &str, body: &[u8]) -> Record {
    entry(path, FileKind::File, None, Content::Full(body.into()))
}

pub fn symlink(path: &str, target: &str) -> Record {
    entry(path, FileKind::Symlink, Some(target), Content::None)
}

/// A directory listing: (name, kind, link target).
pub fn dir(path: &str, children: Vec<(String, FileKind, Option<String>)>) -> Record {
    let children = children
        .into_iter()
        .map(|(name, kind, link)| Child {
            name: name.as_str().into(),
            kind,
            link_target: link.as_deref().map(Into::into),
        })
        .collect();
    entry(path, FileKind::Dir, None, Content::Children(children))
}

/// A host named `name` with an os-release, and `more` records.
pub fn host(name: &str, more: impl IntoIterator<Item = Record>) -> Vec<Record> {
    let mut r = vec![
        header(name),
        file("/etc/hostname", format!("{name}\n").as_bytes()),
        file("/etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
    ];
    r.extend(more);
    r
}

pub fn write(path: &Path, records: impl IntoIterator<Item = Record>) {
    let mut w = Writer::new(std::fs::File::create(path).unwrap(), 3).unwrap();
    for r in records {
        w.write(&r).unwrap();
    }
    w.finish().unwrap();
}

/// B1: /etc/sudoers including one 8 MiB file under 128 spellings (`/big`,
/// `//big`, `/./big`, ...): parsed once per spelling, it passed 8 GB.
pub fn sudoers_bomb(path: &Path) {
    let big = "root ALL=(ALL) ALL\n".repeat(8 << 20 >> 4);
    let sudoers: String = (0..128)
        .map(|i| {
            format!(
                "#include {}big\n",
                "/".repeat(1 + i % 8) + &"./".repeat(i / 8)
            )
        })
        .collect();
    write(
        path,
        host(
            "sudoers-bomb",
            [
                file("/etc/sudoers", sudoers.as_bytes()),
                file("/big", big.as_bytes()),
            ],
        ),
    );
}

/// B2: an rpmdb.sqlite whose `Packages` is a view over an endless
/// recursive CTE (made with Python's sqlite3 module).
pub fn rpmdb_view(path: &Path) {
    let db = path.with_extension("sqlite");
    let o = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(\
             'CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
             SELECT x AS hnum, randomblob(1000) AS blob FROM c ORDER BY hnum;'); c.close()",
        ])
        .arg(&db)
        .output()
        .expect("python3 (scripts/setup-test-deps.sh)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&db).unwrap();
    std::fs::remove_file(&db).unwrap();
    write(
        path,
        host("rpmdb-view", [file("/var/lib/rpm/rpmdb.sqlite", &bytes)]),
    );
}

/// B3: a few KB of bundle holding `n` empty Note records.
pub fn note_flood(path: &Path, n: usize) {
    let note = Record::Note(Note {
        spec: String::new(),
        kind: NoteKind::Other,
        path: None,
        message: String::new(),
    });
    write(path, host("note-flood", std::iter::repeat_n(note, n)));
}

/// B4: a FIFO where a bundle is expected.
pub fn fifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo at a test path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// B5: `n` systemd services in /lib/systemd/system, every other one enabled.
pub fn many_units(path: &Path, name: &str, n: usize) {
    let mut records = host(name, []);
    records.push(dir(
        "/lib/systemd/system",
        (0..n)
            .map(|i| (format!("u{i}.service"), FileKind::File, None))
            .collect(),
    ));
    for i in 0..n {
        records.push(file(
            &format!("/lib/systemd/system/u{i}.service"),
            format!("[Unit]\nDescription=u{i}\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n").as_bytes(),
        ));
    }
    let wants = "/etc/systemd/system/multi-user.target.wants";
    records.push(dir(
        wants,
        (0..n)
            .step_by(2)
            .map(|i| {
                let t = format!("/lib/systemd/system/u{i}.service");
                (format!("u{i}.service"), FileKind::Symlink, Some(t))
            })
            .collect(),
    ));
    for i in (0..n).step_by(2) {
        records.push(symlink(
            &format!("{wants}/u{i}.service"),
            &format!("/lib/systemd/system/u{i}.service"),
        ));
    }
    write(path, records);
}
