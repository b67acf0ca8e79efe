//! A snapshot over a bundle (or its JSON form), loaded into an index.

use std::borrow::Cow;
use std::collections::HashMap;

/// A map keyed by a bundle's paths: keyed by a random seed (a bundle
/// cannot choose paths that collide), cheaper to hash than SipHash.
type Map<V> = HashMap<Vec<u8>, V, ahash::RandomState>;
use std::path::Path;

use lift_bundle::{json, Content, Entry, Limits, ReadError, Record};

use super::{ChildInfo, Data, Node, OpenError, Provenance, Snapshot};

pub struct BundleSnapshot {
    entries: Map<Entry>,
    /// Children of directories that were not listed themselves, implied by
    /// the entries captured below them (a glob's matches).
    implied: Map<Vec<ChildInfo>>,
    /// Reassembled content of chunked files.
    chunks: Map<Vec<u8>>,
    /// An archive's hard links: each path's content is its file's.
    hard_links: Map<Vec<u8>>,
    provenance: Provenance,
}

impl BundleSnapshot {
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        Self::open_with(path, Limits::default())
    }

    /// A bundle, or an age file whose plaintext is one (decrypted as it is
    /// read, under the same limits: `crate::encryption`).
    pub fn open_with(path: &Path, limits: Limits) -> Result<Self, OpenError> {
        let err = |e: ReadError| OpenError::new(path, ReadError { path: None, ..e }.to_string());
        let mut reader = crate::encryption::bundle_reader(path, limits)?;
        let mut records = Vec::new();
        for r in reader.by_ref() {
            records.push(r.map_err(err)?);
        }
        let skipped = reader.skipped();
        Ok(Self::from_records(path, "bundle", records, skipped))
    }

    pub fn open_json(path: &Path) -> Result<Self, OpenError> {
        let f = lift_bundle::input::open_regular(path)
            .map_err(|e| OpenError::new(path, e.to_string()))?;
        let b =
            json::from_reader(f).map_err(|e| OpenError::new(path, format!("JSON form: {e}")))?;
        Ok(Self::from_records(path, "json", b.records, 0))
    }

    pub fn from_records(
        path: &Path,
        kind: &'static str,
        records: Vec<Record>,
        skipped: u64,
    ) -> Self {
        let mut s = BundleSnapshot {
            entries: Map::default(),
            implied: Map::default(),
            chunks: Map::default(),
            hard_links: Map::default(),
            provenance: Provenance {
                path: path.to_owned(),
                kind,
                skipped_records: skipped,
                ..Provenance::default()
            },
        };
        for r in records {
            match r {
                Record::Header(h) => s.provenance.header = Some(h),
                Record::Entry(e) => {
                    if let Content::Error { message, .. } = &e.content {
                        s.provenance
                            .errors
                            .push((e.path.to_string_lossy(), message.clone()));
                    }
                    // A later entry with content beats an earlier listing.
                    let keep_old = s
                        .entries
                        .get(&e.path.0)
                        .is_some_and(|old| has_content(old) && !has_content(&e));
                    if !keep_old {
                        s.entries.insert(e.path.0.clone(), e);
                    }
                }
                Record::Chunk(c) => {
                    let buf = s.chunks.entry(c.path.0).or_default();
                    // Chunks arrive in order; one out of place is dropped
                    // rather than leaving a hole.
                    if buf.len() as u64 == c.offset {
                        buf.extend_from_slice(&c.data.0);
                    }
                }
                Record::Fact(f) => s.provenance.facts.push(f),
                Record::Note(n) => s.provenance.notes.push(n),
                Record::Footer(f) => s.provenance.footer = Some(f),
            }
        }
        for e in s.entries.values() {
            let Some(cut) = e.path.0.iter().rposition(|&b| b == b'/') else {
                continue;
            };
            let parent = if cut == 0 {
                b"/".to_vec()
            } else {
                e.path.0[..cut].to_vec()
            };
            let name = e.path.0[cut + 1..].to_vec();
            let link_target = e.link_target.as_ref().map(|t| t.0.clone());
            s.implied.entry(parent).or_default().push(ChildInfo {
                name,
                kind: e.kind,
                link_target,
            });
        }
        for v in s.implied.values_mut() {
            v.sort_by(|a, b| a.name.cmp(&b.name));
        }
        s
    }

    /// A node known only as a child in its directory's listing (the tools
    /// spec lists /usr/bin without recording each name as an entry).
    fn listed_child(&self, path: &[u8]) -> Option<Node<'_>> {
        let cut = path.iter().rposition(|&b| b == b'/')?;
        let parent = if cut == 0 { &b"/"[..] } else { &path[..cut] };
        let Content::Children(children) = &self.entries.get(parent)?.content else {
            return None;
        };
        let c = children.iter().find(|c| c.name.0 == path[cut + 1..])?;
        Some(Node {
            kind: c.kind,
            mode: 0,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
            link_target: c
                .link_target
                .as_ref()
                .map(|t| Cow::Borrowed(t.0.as_slice())),
            content: Data::NotCaptured,
        })
    }

    /// Entries the source held but could not be taken in (an archive's
    /// entry outside its root), as (path, why).
    pub fn add_errors(&mut self, errors: Vec<(String, String)>) {
        self.provenance.errors.extend(errors);
    }

    /// Hard links (link, file): the link reads as the file's content.
    pub fn add_hard_links(&mut self, links: Vec<(Vec<u8>, Vec<u8>)>) {
        self.hard_links.extend(links);
    }

    /// Every entry, in path order (for `lift bundle ls`).
    pub fn entries(&self) -> Vec<&Entry> {
        let mut v: Vec<&Entry> = self.entries.values().collect();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }
}

fn has_content(e: &Entry) -> bool {
    matches!(
        e.content,
        Content::Full(_)
            | Content::Truncated { .. }
            | Content::Chunked { .. }
            | Content::Children(_)
    )
}

impl Snapshot for BundleSnapshot {
    fn node(&self, path: &[u8]) -> Option<Node<'_>> {
        let Some(e) = self.entries.get(path) else {
            return self.listed_child(path);
        };
        let data = self
            .hard_links
            .get(path)
            .and_then(|file| self.entries.get(file))
            .unwrap_or(e);
        let content = match &data.content {
            Content::Full(b) => Data::Full(Cow::Borrowed(&b.0)),
            Content::Truncated { head, size } => Data::Truncated {
                head: Cow::Borrowed(&head.0),
                size: *size,
            },
            Content::Chunked { size } => {
                let got = self.chunks.get(path).map(Vec::as_slice).unwrap_or(&[]);
                if got.len() as u64 == *size {
                    Data::Full(Cow::Borrowed(got))
                } else {
                    Data::Truncated {
                        head: Cow::Borrowed(got),
                        size: *size,
                    }
                }
            }
            Content::Skipped(r) => Data::Skipped(*r),
            Content::Error { errno, message } => Data::Unreadable {
                errno: *errno,
                message: message.clone(),
            },
            Content::Sha256(d) => Data::Digest(Cow::Borrowed(&d.0)),
            Content::None | Content::Children(_) => Data::NotCaptured,
        };
        Some(Node {
            kind: e.kind,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            mtime: e.mtime,
            link_target: e
                .link_target
                .as_ref()
                .map(|t| Cow::Borrowed(t.0.as_slice())),
            content,
        })
    }

    fn children(&self, path: &[u8]) -> Option<Vec<ChildInfo>> {
        let Some(e) = self.entries.get(path) else {
            return self.implied.get(path).cloned();
        };
        match &e.content {
            Content::Children(c) => Some(
                c.iter()
                    .map(|c| ChildInfo {
                        name: c.name.0.clone(),
                        kind: c.kind,
                        link_target: c.link_target.as_ref().map(|t| t.0.clone()),
                    })
                    .collect(),
            ),
            _ => self.implied.get(path).cloned(),
        }
    }

    fn provenance(&self) -> &Provenance {
        &self.provenance
    }
}
