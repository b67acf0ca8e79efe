//! How complete the collection is, and what could not be read and why.

use lift_bundle::NoteKind;
use serde::Serialize;

use crate::snapshot::Provenance;

/// What the input was: the JSON's `bundle`, `json`, `directory` or
/// `archive` (a tarball read as it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputKind {
    Bundle,
    Json,
    #[default]
    Directory,
    Archive,
}

impl InputKind {
    /// The snapshot's word for its kind; anything else is a tree.
    pub fn of(kind: &str) -> InputKind {
        match kind {
            "bundle" => InputKind::Bundle,
            "json" => InputKind::Json,
            "archive" => InputKind::Archive,
            _ => InputKind::Directory,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            InputKind::Bundle => "bundle",
            InputKind::Json => "json",
            InputKind::Directory => "directory",
            InputKind::Archive => "archive",
        }
    }
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for InputKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Collection {
    pub kind: InputKind,
    pub path: String,
    pub format_version: Option<u32>,
    pub probe_version: Option<String>,
    pub collected_at: Option<String>,
    /// The same instant in seconds since the epoch, for ordering (not in
    /// the JSON: `collected_at` says it).
    #[serde(skip)]
    pub collected_secs: Option<i64>,
    /// The probe's effective uid was 0; None for a directory tree.
    pub as_root: Option<bool>,
    /// The directory a `lift-probe --root DIR` run read (a mounted disk or
    /// image of another machine); None for a live run and other inputs.
    /// Then `as_root` is the scanning machine's, not the source's.
    pub scanned_root: Option<String>,
    /// A bundle with its footer, not interrupted; a directory always.
    pub complete: bool,
    pub interrupted: bool,
    /// Specs that ran out of budget or time.
    pub truncated_specs: Vec<String>,
    pub timed_out_specs: Vec<String>,
    pub skipped_records: u64,
    pub permission_denied: u64,
    pub network_fs_skipped: u64,
    /// Paths the probe could not read, with the reason (the first 50).
    pub unreadable: Vec<Unreadable>,
    pub unreadable_total: u64,
    /// Values the probe's scrubber blanked (`redactions` in the JSON).
    #[serde(rename = "redactions")]
    pub scrubbed: u64,
    /// Set when the input is a sosreport: its version, and the facts taken
    /// from its command outputs.
    pub sosreport: Option<super::SosReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unreadable {
    pub path: String,
    pub reason: String,
}

const KEEP_UNREADABLE: usize = 50;

pub fn collection(p: &Provenance) -> Collection {
    let mut c = Collection {
        kind: InputKind::of(p.kind),
        path: p.path.display().to_string(),
        complete: p.complete(),
        skipped_records: p.skipped_records,
        ..Collection::default()
    };
    if let Some(h) = &p.header {
        c.format_version = Some(h.format_version);
        c.probe_version = Some(h.probe_version.clone());
        c.collected_at = Some(h.started_at.rfc3339());
        c.collected_secs = Some(h.started_at.secs);
        c.as_root = Some(h.euid == 0);
        c.scanned_root = h
            .scanned_root()
            .map(|r| String::from_utf8_lossy(r).into_owned());
    }
    if let Some(f) = &p.footer {
        c.interrupted = f.interrupted;
        c.truncated_specs = f
            .specs
            .iter()
            .filter(|s| s.truncated)
            .map(|s| s.id.clone())
            .collect();
        c.timed_out_specs = f
            .specs
            .iter()
            .filter(|s| s.timed_out)
            .map(|s| s.id.clone())
            .collect();
        c.scrubbed = f.scrubbed.iter().map(|r| u64::from(r.count)).sum();
    }
    for n in &p.notes {
        match n.kind {
            NoteKind::PermissionDenied => c.permission_denied += 1,
            NoteKind::NetworkFs => c.network_fs_skipped += 1,
            _ => {}
        }
    }
    for (path, reason) in p.errors.iter().cloned() {
        if reason.contains("ermission denied") {
            c.permission_denied += 1;
        }
        c.unreadable_total += 1;
        if c.unreadable.len() < KEEP_UNREADABLE {
            c.unreadable.push(Unreadable { path, reason });
        }
    }
    c
}
