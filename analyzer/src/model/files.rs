//! Files as they stand on the host, for comparing two inputs' copies
//! (`lift diff`) and telling machines apart (`lift batch`): /etc/hosts,
//! /etc/passwd, /etc/group and cron's tables with their text, the
//! machine-id and product UUID, and (read only when asked) the /etc tree.
//!
//! Each is read through its row, so a side that could not see a file says
//! why (`FileState::Unseen`), and a comparison can say "not comparable"
//! where a read failed rather than "removed".

use std::collections::BTreeMap;

use lift_bundle::FileKind;
use sha2::{Digest, Sha256};

use super::facts::Facts;
use crate::snapshot::{Data, Lookup, Node, Root, Snapshot};
use crate::sources::{self as src, Source, State};

/// What one input knows of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileState {
    Absent,
    Dir,
    Link(String),
    /// The content's SHA-256 and size.
    Content {
        sha256: String,
        size: u64,
    },
    /// Present, content not seen: its size where known, and why.
    Unseen {
        size: Option<u64>,
        why: String,
    },
    /// A device, FIFO or socket.
    Other(String),
}

/// A file compared line by line: its state, and its text when the input
/// holds the content itself (not only its digest).
#[derive(Debug, Clone, PartialEq)]
pub struct TextFile {
    pub state: FileState,
    pub text: Option<String>,
}

impl TextFile {
    fn absent() -> TextFile {
        TextFile {
            state: FileState::Absent,
            text: None,
        }
    }
}

/// The text files `lift diff` compares and the fleet reads, and what tells
/// the machine from others. Not part of the report's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Files {
    pub hosts: TextFile,
    pub passwd: TextFile,
    pub group: TextFile,
    /// /etc/crontab, /etc/cron.d/*, users' spools, by path.
    pub cron: Vec<(String, TextFile)>,
    /// SHA-256 (hex) of /etc/machine-id, or of /var/lib/dbus/machine-id
    /// where /etc has none; an empty or `uninitialized` file is none.
    pub machine_id: Option<String>,
    /// /sys/class/dmi/id/product_uuid, where captured (a root tree's /sys;
    /// the probe never captures it).
    pub product_uuid: Option<String>,
    /// The host name the probe's header gives.
    pub probe_hostname: Option<String>,
}

/// Lowercase hex, two digits a byte (without a `format!` a byte: a batch
/// rerun names every kept result by a key in hex).
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 15)]));
    }
    s
}

impl FileState {
    /// A node as the input holds it (following symlinks).
    fn of_node(n: &Node) -> FileState {
        match n.kind {
            FileKind::Dir => return FileState::Dir,
            FileKind::File | FileKind::Symlink => {}
            other => return FileState::Other(format!("{other:?}")),
        }
        let unseen = |why: String| FileState::Unseen {
            size: Some(n.size),
            why,
        };
        match &n.content {
            // The probe scrubs secrets from what it captures (docs/DESIGN.md):
            // content shorter or longer than the file is not the file's.
            Data::Full(b) if n.size > 0 && b.len() as u64 != n.size => unseen(format!(
                "its captured content ({} bytes) is not the file's {} bytes: secrets were scrubbed",
                b.len(),
                n.size
            )),
            Data::Full(b) => FileState::Content {
                sha256: hex(&Sha256::digest(b)),
                size: b.len() as u64,
            },
            Data::Digest(d) => FileState::Content {
                sha256: hex(d),
                size: n.size,
            },
            Data::Truncated { head, size } => FileState::Unseen {
                size: Some(*size),
                why: format!("only its first {} bytes were captured", head.len()),
            },
            Data::Unreadable { message, .. } => unseen(format!("unreadable: {message}")),
            // A presence record: its size is withheld with its content (the
            // probe writes 0), so it says nothing about a change.
            Data::Skipped(lift_bundle::SkipReason::Secret) => FileState::Unseen {
                size: None,
                why: "a secret the probe records by presence only".into(),
            },
            Data::Skipped(reason) => unseen(format!("not captured ({reason:?})")),
            // Known only as a name in its directory's listing: no stat.
            Data::NotCaptured if n.mode == 0 => FileState::Unseen {
                size: None,
                why: "listed by name only, without its size or content".into(),
            },
            Data::NotCaptured => unseen("listed without its content".into()),
        }
    }
}

/// A file of a row with its state recorded: absent where the input holds
/// nothing, unseen (with why) where a read failed or the probe never ran
/// the spec that collects it.
fn file(f: &Facts, row: &'static Source, path: &str) -> TextFile {
    match f.node_at(row, path) {
        Lookup::Found(n) => TextFile {
            state: FileState::of_node(&n),
            text: match &n.content {
                Data::Full(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            },
        },
        Lookup::Broken(e) => TextFile {
            state: FileState::Unseen { size: None, why: e },
            text: None,
        },
        Lookup::Absent => match f.state(row) {
            // Not collected, cut short: the file may well be there.
            Some(s) if !matches!(s, State::Absent | State::Present) => TextFile {
                state: FileState::Unseen {
                    size: None,
                    why: f.why(row),
                },
                text: None,
            },
            _ => TextFile::absent(),
        },
    }
}

/// Every file the diff compares by line, and the machine's identity.
pub fn files(f: &Facts) -> Files {
    let mut cron = vec![(src::CRONTAB.path().to_string(), &src::CRONTAB)];
    cron.extend(f.glob(&src::CRON_D).into_iter().map(|p| (p, &src::CRON_D)));
    cron.extend(
        f.glob(&src::CRON_SPOOL)
            .into_iter()
            .map(|p| (p, &src::CRON_SPOOL)),
    );
    cron.sort_by(|a, b| a.0.cmp(&b.0));
    cron.dedup_by(|a, b| a.0 == b.0);
    Files {
        hosts: file(f, &src::ETC_HOSTS, src::ETC_HOSTS.path()),
        passwd: file(f, &src::ETC_PASSWD, src::ETC_PASSWD.path()),
        group: file(f, &src::ETC_GROUP, src::ETC_GROUP.path()),
        cron: cron
            .into_iter()
            .map(|(p, row)| {
                let t = file(f, row, &p);
                (p, t)
            })
            .filter(|(_, t)| t.state != FileState::Dir)
            .collect(),
        machine_id: src::MACHINE_ID
            .paths
            .iter()
            .find_map(|p| machine_id_at(f, p)),
        product_uuid: product_uuid(f),
        probe_hostname: f.header().map(|h| h.hostname.clone()),
    }
}

/// The SHA-256 of a machine-id file, None for an absent, empty or
/// `uninitialized` one (systemd's first-boot marker; container images
/// ship the file empty). The probe lists /etc with digests, so a digest
/// is compared against those of the empty values.
fn machine_id_at(f: &Facts, path: &str) -> Option<String> {
    let Lookup::Found(n) = f.node_at(&src::MACHINE_ID, path) else {
        return None;
    };
    let empty = ["", "\n", "uninitialized\n", "uninitialized"].map(|s| hex(&Sha256::digest(s)));
    let digest = match n.content {
        Data::Full(b) if !String::from_utf8_lossy(&b).trim().is_empty() => hex(&Sha256::digest(&b)),
        Data::Digest(d) if d.len() == 32 && n.size > 0 => hex(&d),
        _ => return None,
    };
    (!empty.contains(&digest)).then_some(digest)
}

/// The firmware's product UUID; none where it never set one (zeros, ones).
fn product_uuid(f: &Facts) -> Option<String> {
    let text = f.line_at(&src::DMI, &src::DMI.at(&["product_uuid"]))?;
    let uuid = text.to_ascii_lowercase();
    let meaningful = uuid.chars().any(|c| !matches!(c, '0' | 'f' | '-'));
    (uuid.len() == 36 && meaningful).then_some(uuid)
}

/// Budget on the /etc walk: far more than any real /etc holds.
const MAX_ETC_ENTRIES: usize = 200_000;

/// Every object under /etc as one input holds it, read only by `lift diff`
/// (a whole tree, not worth a report's time).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EtcTree {
    pub files: BTreeMap<String, FileState>,
    /// Directories whose listing the input lacks, with why: what lies
    /// below them is unknown, not absent.
    pub unlisted: Vec<(String, String)>,
}

impl EtcTree {
    pub fn read(snap: &dyn Snapshot) -> EtcTree {
        let f = Facts::new(Root::new(snap));
        let mut out = EtcTree::default();
        let mut todo = vec![src::ETC_TREE.path().to_string()];
        while let Some(dir) = todo.pop() {
            let Some(children) = f.list_at(&src::ETC_TREE, &dir) else {
                out.unlisted.push((dir.clone(), f.why_missing(&dir)));
                continue;
            };
            for c in children {
                if out.files.len() >= MAX_ETC_ENTRIES {
                    return out;
                }
                let path = format!("{dir}/{}", String::from_utf8_lossy(&c.name));
                let state = match c.kind {
                    FileKind::Dir => {
                        todo.push(path.clone());
                        FileState::Dir
                    }
                    FileKind::Symlink => FileState::Link(
                        String::from_utf8_lossy(c.link_target.as_deref().unwrap_or_default())
                            .into_owned(),
                    ),
                    FileKind::File => match f.node_at(&src::ETC_TREE, &path) {
                        Lookup::Found(n) => FileState::of_node(&n),
                        Lookup::Absent => continue,
                        Lookup::Broken(e) => FileState::Unseen { size: None, why: e },
                    },
                    other => FileState::Other(format!("{other:?}")),
                };
                out.files.insert(path, state);
            }
        }
        out
    }

    /// Why a path this input does not hold is unknown rather than absent:
    /// a directory above it was not listed.
    pub fn unknown(&self, path: &str) -> Option<&str> {
        self.unlisted
            .iter()
            .find(|(d, _)| {
                path.strip_prefix(d.as_str())
                    .is_some_and(|r| r.starts_with('/'))
            })
            .map(|(_, why)| why.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_uuids() {
        let u1 = "4c4c4544-0042-3510-8052-b4c04f4b4e31";
        let read = |text: &str| {
            let r = crate::testing::TempRoot::with(&[("sys/class/dmi/id/product_uuid", text)]);
            let snap = crate::snapshot::DirSnapshot::new(r.path());
            product_uuid(&Facts::new(Root::new(&snap)))
        };
        assert_eq!(
            read(&format!("{}\n", u1.to_uppercase())).as_deref(),
            Some(u1)
        );
        assert_eq!(read("00000000-0000-0000-0000-000000000000\n"), None);
        assert_eq!(read("ffffffff-ffff-ffff-ffff-ffffffffffff\n"), None);
        assert_eq!(read("Not Settable\n"), None);
    }

    /// A side whose /etc/passwd the probe never collected (the `users`
    /// spec did not run) holds it unseen, with why, not absent.
    #[test]
    fn a_file_never_collected_is_unseen_not_absent() {
        use lift_bundle::{Record, SpecStatus};
        let r = crate::testing::TempRoot::with(&[("etc/hostname", "a\n")]);
        let only_os = |records: &mut Vec<Record>| {
            for rec in records.iter_mut() {
                if let Record::Footer(footer) = rec {
                    footer.specs = vec![SpecStatus {
                        id: "os".into(),
                        ..SpecStatus::default()
                    }];
                }
            }
        };
        let snap = crate::testing::bundle_edited(r.path(), Vec::new(), true, only_os);
        let f = Facts::new(Root::new(&snap));
        let t = file(&f, &src::ETC_PASSWD, src::ETC_PASSWD.path());
        assert!(t.text.is_none());
        assert!(
            matches!(&t.state, FileState::Unseen { why, .. } if why.contains("users")),
            "{t:?}"
        );
        // Where the spec ran and found nothing, the file is absent.
        let snap = crate::testing::bundle(r.path(), Vec::new(), true);
        let f = Facts::new(Root::new(&snap));
        assert_eq!(
            file(&f, &src::ETC_PASSWD, src::ETC_PASSWD.path()).state,
            FileState::Absent
        );
    }

    /// Every spec of the sources table in the footer: a missing file is
    /// absent where its spec ran to its end, unseen where the spec's time
    /// or byte budget ran out (the footer is read once, not per path).
    #[test]
    fn a_spec_cut_short_leaves_its_missing_files_unseen() {
        use lift_bundle::{Record, SpecStatus};
        let r = crate::testing::TempRoot::with(&[("etc/hostname", "a\n")]);
        let every = |cut: Option<(&'static str, bool)>| {
            move |records: &mut Vec<Record>| {
                for rec in records.iter_mut() {
                    if let Record::Footer(footer) = rec {
                        let mut ids: Vec<&str> =
                            crate::sources::SOURCES.iter().map(|s| s.spec).collect();
                        ids.sort_unstable();
                        ids.dedup();
                        footer.specs = ids
                            .into_iter()
                            .map(|id| SpecStatus {
                                id: id.into(),
                                timed_out: cut == Some((id, true)),
                                truncated: cut == Some((id, false)),
                                ..SpecStatus::default()
                            })
                            .collect();
                    }
                }
            }
        };
        let state = |cut| {
            let snap = crate::testing::bundle_edited(r.path(), Vec::new(), true, every(cut));
            let f = Facts::new(Root::new(&snap));
            file(&f, &src::ETC_PASSWD, src::ETC_PASSWD.path()).state
        };
        assert_eq!(state(None), FileState::Absent);
        let timed_out = state(Some(("users", true)));
        assert!(
            matches!(&timed_out, FileState::Unseen { why, .. } if why.contains("time budget ran out in spec users")),
            "{timed_out:?}"
        );
        let truncated = state(Some(("users", false)));
        assert!(
            matches!(&truncated, FileState::Unseen { why, .. } if why.contains("byte budget ran out in spec users")),
            "{truncated:?}"
        );
    }
}
