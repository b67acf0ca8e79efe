//! Test roots: small trees written at test time, and bundles made from a
//! tree plus the facts only a probe gives (statvfs, uname, boot sectors,
//! the probe's uid), as `lift_bundle::Record` values.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use lift_bundle::{Child, Content, Entry, Fact, FileKind, Footer, Header, Record, Timestamp};

use crate::snapshot::BundleSnapshot;

/// A directory under the system temp dir, removed when dropped.
pub struct TempRoot(PathBuf);

impl TempRoot {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "lift-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempRoot(p)
    }

    /// A root holding these files (path relative to the root, content).
    pub fn with(files: &[(&str, &str)]) -> Self {
        let r = TempRoot::new();
        for (p, c) in files {
            r.write(p, c.as_bytes());
        }
        r
    }

    pub fn write(&self, rel: &str, content: &[u8]) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn symlink(&self, rel: &str, target: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }

    pub fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.0.join(rel)).unwrap();
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(case)
}

/// The one record a parse found, the input read whole.
pub fn only<T: std::fmt::Debug>(parsed: crate::parse::Parsed<Vec<T>>) -> T {
    let parsed = parsed.unwrap();
    assert_eq!(parsed.errors, []);
    let mut value = parsed.value;
    assert_eq!(value.len(), 1, "{value:?}");
    value.remove(0)
}

/// A file under fixtures/ through a parser: its value (broken fails the
/// test).
pub fn parsed<T>(parse: impl Fn(&[u8]) -> crate::parse::Parsed<T>, case: &str) -> T {
    parse(&std::fs::read(fixture(case)).unwrap()).unwrap().value
}

/// A sosreport's root holding only Rocky Linux 9.4's container package
/// list (rocky-release 9.4-1.5.el9) as its `installed-rpms`: no release
/// file, no PATH listing.
pub fn rocky_sosreport() -> TempRoot {
    let r = TempRoot::new();
    r.mkdir("sos_commands/rpm");
    let list = std::fs::read(
        fixture("sos-samples/rocky-linux").join("installed-rpms.Rocky-9.4-UBI-x86_64"),
    )
    .unwrap();
    r.write("installed-rpms", &list);
    r
}

/// Every object under `dir`, as the probe records it (directories with
/// their children, symlinks with their targets, files in full), then the
/// facts; the header says whether the probe ran as root.
pub fn bundle(dir: &Path, facts: Vec<Fact>, as_root: bool) -> BundleSnapshot {
    bundle_edited(dir, facts, as_root, |_| {})
}

/// `bundle`, with its records (footer included) changed before they are
/// read (to make a directory unreadable, or list the specs the probe ran).
pub fn bundle_edited(
    dir: &Path,
    facts: Vec<Fact>,
    as_root: bool,
    edit: impl Fn(&mut Vec<Record>),
) -> BundleSnapshot {
    let mut records = vec![Record::Header(Header {
        probe_version: "test".into(),
        format_version: lift_bundle::FORMAT_VERSION,
        started_at: Timestamp::default(),
        root: b"/".to_vec().into(),
        args: Vec::new(),
        uid: if as_root { 0 } else { 1000 },
        euid: if as_root { 0 } else { 1000 },
        gid: 0,
        hostname: "test".into(),
        boot_id: None,
    })];
    walk(dir, b"", &mut records);
    records.extend(facts.into_iter().map(Record::Fact));
    records.push(Record::Footer(Footer {
        finished_at: Timestamp::default(),
        specs: Vec::new(),
        totals: Default::default(),
        scrubbed: Vec::new(),
        interrupted: false,
    }));
    edit(&mut records);
    BundleSnapshot::from_records(dir, "json", records, 0)
}

fn kind(t: std::fs::FileType) -> FileKind {
    if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_dir() {
        FileKind::Dir
    } else {
        FileKind::File
    }
}

fn walk(real: &Path, path: &[u8], out: &mut Vec<Record>) {
    let meta = std::fs::symlink_metadata(real).unwrap();
    let k = kind(meta.file_type());
    let (content, link_target) = match k {
        FileKind::Symlink => (
            Content::None,
            Some(
                std::fs::read_link(real)
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec()
                    .into(),
            ),
        ),
        FileKind::Dir => {
            let mut kids: Vec<_> = std::fs::read_dir(real)
                .unwrap()
                .map(|e| e.unwrap())
                .collect();
            kids.sort_by_key(|e| e.file_name());
            let children = kids
                .iter()
                .map(|e| Child {
                    name: e.file_name().as_bytes().to_vec().into(),
                    kind: kind(e.file_type().unwrap()),
                    link_target: std::fs::read_link(e.path())
                        .ok()
                        .map(|t| t.as_os_str().as_bytes().to_vec().into()),
                })
                .collect();
            for e in &kids {
                let mut p = path.to_vec();
                p.push(b'/');
                p.extend_from_slice(e.file_name().as_bytes());
                walk(&e.path(), &p, out);
            }
            (Content::Children(children), None)
        }
        _ => (Content::Full(std::fs::read(real).unwrap().into()), None),
    };
    out.push(Record::Entry(Entry {
        spec: "test".into(),
        path: if path.is_empty() {
            b"/".to_vec()
        } else {
            path.to_vec()
        }
        .into(),
        kind: k,
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: meta.len(),
        mtime: 0,
        link_target,
        content,
    }));
}

/// A statvfs fact for a mount point with this much available.
pub fn statvfs(mount_point: &str, avail_bytes: u64) -> Fact {
    Fact::Statvfs(lift_bundle::Statvfs {
        mount_point: mount_point.as_bytes().to_vec().into(),
        fs_type: String::new(),
        block_size: 4096,
        total_bytes: avail_bytes * 2,
        free_bytes: avail_bytes,
        avail_bytes,
        total_inodes: 0,
        free_inodes: 0,
        avail_inodes: 0,
        flags: 0,
    })
}

pub fn uname(release: &str) -> Fact {
    Fact::Uname(lift_bundle::Uname {
        sysname: "Linux".into(),
        nodename: "test".into(),
        release: release.into(),
        version: "#1 SMP".into(),
        machine: "x86_64".into(),
        domainname: "(none)".into(),
    })
}

pub fn boot_sector(device: &str, sector: Vec<u8>) -> Fact {
    Fact::BootSector(lift_bundle::BootSector {
        device: device.as_bytes().to_vec().into(),
        holds: vec![b"/".to_vec().into()],
        sector: sector.into(),
    })
}

/// Copies a fixture tree (symlinks as symlinks), to edit the copy.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), dest).unwrap();
        } else if t.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}
