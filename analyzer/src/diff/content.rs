//! What each side knows of one file, and whether that is enough to say
//! it changed. The two inputs record content differently (a directory
//! gives the bytes, a probe bundle the SHA-256 of /etc's files, nothing of
//! an empty or unreadable one), so files are compared by what both sides
//! know, not by how it was recorded: equal hashes are equal; an empty file
//! is empty however it was recorded; where one side could not see the
//! content and the sizes agree, the file is not comparable, with why.

use sha2::{Digest, Sha256};

use lift_bundle::FileKind;

use crate::snapshot::{Data, Lookup, Root};

/// SHA-256 of no bytes.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

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

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl FileState {
    /// How the file is in `r`, by `kind` as its directory lists it.
    pub fn of(r: &Root, path: &str, kind: FileKind, link: Option<&[u8]>) -> FileState {
        match kind {
            FileKind::Dir => FileState::Dir,
            FileKind::Symlink => {
                FileState::Link(String::from_utf8_lossy(link.unwrap_or_default()).into_owned())
            }
            FileKind::File => FileState::file(r, path),
            other => FileState::Other(format!("{other:?}")),
        }
    }

    /// A regular file's state, looked up by path.
    pub fn file(r: &Root, path: &str) -> FileState {
        let Lookup::Found(n) = r.lookup(path) else {
            return FileState::Absent;
        };
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

    /// What a person reads in the Before or After column.
    pub fn show(&self) -> Option<String> {
        Some(match self {
            FileState::Absent => return None,
            FileState::Dir => "directory".into(),
            FileState::Link(t) => format!("-> {t}"),
            FileState::Content { sha256, size } => {
                format!("{size} bytes, sha256 {}", &sha256[..12.min(sha256.len())])
            }
            FileState::Unseen {
                size: Some(size), ..
            } => format!("{size} bytes, content not seen"),
            FileState::Unseen { size: None, .. } => "present, content not seen".into(),
            FileState::Other(k) => k.clone(),
        })
    }

    fn size(&self) -> Option<u64> {
        match self {
            FileState::Content { size, .. } => Some(*size),
            FileState::Unseen { size, .. } => *size,
            _ => None,
        }
    }

    fn empty(&self) -> bool {
        match self {
            FileState::Content { sha256, .. } => sha256 == EMPTY_SHA256,
            FileState::Unseen { size, .. } => *size == Some(0),
            _ => false,
        }
    }
}

/// Whether two states of one file differ.
#[derive(Debug, Clone, PartialEq)]
pub enum Compared {
    Equal,
    Changed,
    /// One side (or both) could not see the content: why.
    NotComparable(String),
}

pub fn compare(a: &FileState, b: &FileState) -> Compared {
    use FileState::*;
    match (a, b) {
        (Content { sha256: x, .. }, Content { sha256: y, .. }) => {
            if x == y {
                Compared::Equal
            } else {
                Compared::Changed
            }
        }
        (Content { .. } | Unseen { .. }, Unseen { .. }) | (Unseen { .. }, Content { .. }) => {
            if a.empty() && b.empty() {
                Compared::Equal
            } else if a.size().zip(b.size()).is_some_and(|(x, y)| x != y) {
                Compared::Changed
            } else {
                let why = [("before", a), ("after", b)]
                    .iter()
                    .filter_map(|(side, s)| match s {
                        Unseen { why, .. } => Some(format!("{side}: {why}")),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                Compared::NotComparable(why)
            }
        }
        _ if a == b => Compared::Equal,
        _ => Compared::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &[u8]) -> FileState {
        FileState::Content {
            sha256: hex(&Sha256::digest(body)),
            size: body.len() as u64,
        }
    }

    fn unseen(size: u64) -> FileState {
        FileState::Unseen {
            size: Some(size),
            why: "unreadable: Permission denied".into(),
        }
    }

    /// Issue 24: `/etc/.pwd.lock` "0 bytes" → "sha256 e3b0c44298fc" was
    /// reported as a change; both are an empty file.
    #[test]
    fn an_empty_file_is_empty_however_recorded() {
        assert_eq!(compare(&unseen(0), &content(b"")), Compared::Equal);
        assert_eq!(compare(&content(b""), &unseen(0)), Compared::Equal);
        assert_eq!(compare(&unseen(0), &unseen(0)), Compared::Equal);
        assert_eq!(compare(&content(b"a"), &content(b"a")), Compared::Equal);
        assert_eq!(compare(&content(b"a"), &content(b"b")), Compared::Changed);
    }

    #[test]
    fn unseen_content_is_not_comparable_unless_sizes_differ() {
        assert_eq!(
            compare(&content(b"abc"), &unseen(3)),
            Compared::NotComparable("after: unreadable: Permission denied".into())
        );
        assert_eq!(compare(&content(b"abc"), &unseen(4)), Compared::Changed);
        assert_eq!(compare(&content(b"abc"), &unseen(0)), Compared::Changed);
        assert_eq!(compare(&FileState::Absent, &unseen(3)), Compared::Changed);
        // A name in a listing: no size, so not even "empty" can be said.
        let listed = FileState::Unseen {
            size: None,
            why: "listed by name only".into(),
        };
        assert!(matches!(
            compare(&content(b""), &listed),
            Compared::NotComparable(_)
        ));
        assert_eq!(
            compare(&FileState::Link("a".into()), &FileState::Link("a".into())),
            Compared::Equal
        );
    }
}
