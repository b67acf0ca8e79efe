//! What `lift report`, `check` and `diff` accept: a snapshot that holds a
//! root filesystem (or a sosreport). A directory of notes opened as a tree
//! would give a report of nothing but unknowns; it is refused instead,
//! saying what lift expected.

use std::path::Path;

use crate::snapshot::{self, Snapshot};

/// Names at the top of a root filesystem (or a sosreport, whose top holds
/// `etc/` too, and `sos_commands/`): one is enough. `var/` counts: a
/// container layer or a copied package database (`var/lib/dpkg`,
/// `var/lib/rpm`) is part of a root.
const ROOT_MARKS: &[&[u8]] = &[b"/etc", b"/usr", b"/bin", b"/var", b"/sos_commands"];

/// What lift takes, for the refusal.
pub const EXPECTED: &str = "a lift-probe bundle, its JSON form, or a root filesystem \
    (a directory or tar archive holding etc/, usr/, bin/ or var/) or a sosreport";

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Open(#[from] snapshot::OpenError),
    #[error("{path}: no etc/, usr/, bin/ or var/ at its top, so not a root filesystem; lift expects {EXPECTED}")]
    NotARoot { path: String },
}

/// Opens INPUT and refuses a directory tree or archive that holds no root
/// filesystem. A bundle (or its JSON form) is taken as it is: an
/// interrupted one may hold little, and its report says so.
pub fn open_root(path: &Path) -> Result<Box<dyn Snapshot>, InputError> {
    let snap = snapshot::open(path)?;
    let bundle = matches!(snap.provenance().kind, "bundle" | "json");
    if !bundle && !holds_root(snap.as_ref()) {
        return Err(InputError::NotARoot {
            path: path.display().to_string(),
        });
    }
    Ok(snap)
}

pub fn holds_root(snap: &dyn Snapshot) -> bool {
    ROOT_MARKS.iter().any(|m| snap.node(m).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture, TempRoot};

    #[test]
    fn a_directory_of_notes_is_refused_and_a_root_is_not() {
        let notes = TempRoot::with(&[("README.md", "# notes\n"), ("design/a.md", "x\n")]);
        let e = open_root(notes.path()).err().expect("refused");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&notes.path().display().to_string()),
            "{msg}"
        );
        assert!(msg.contains("not a root filesystem"), "{msg}");
        assert_eq!(
            msg.matches(&*notes.path().display().to_string()).count(),
            1,
            "{msg}"
        );
        assert!(open_root(&fixture("centos6-sysv")).is_ok());
        assert!(open_root(&fixture("alpine-openrc")).is_ok());
        let usr_only = TempRoot::with(&[("usr/bin/true", "")]);
        assert!(open_root(usr_only.path()).is_ok());
        // A probe's bundle of almost nothing (interrupted at once) is
        // still a bundle: its own notes say what is missing.
        use lift_bundle::{Header, Record, Timestamp};
        let header = Record::Header(Header {
            probe_version: "test".into(),
            format_version: lift_bundle::FORMAT_VERSION,
            started_at: Timestamp::default(),
            root: b"/".to_vec().into(),
            args: Vec::new(),
            uid: 0,
            euid: 0,
            gid: 0,
            hostname: "cut".into(),
            boot_id: None,
        });
        let dir = TempRoot::new();
        let json = dir.path().join("cut.json");
        let mut out = Vec::new();
        lift_bundle::json::to_writer(&mut out, &lift_bundle::json::JsonBundle::new(vec![header]))
            .unwrap();
        std::fs::write(&json, out).unwrap();
        assert!(open_root(&json).is_ok());
    }
}
