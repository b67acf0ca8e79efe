//! What each side knows of one file, and whether that is enough to say
//! it changed. The two inputs record content differently (a directory
//! gives the bytes, a probe bundle the SHA-256 of /etc's files, nothing of
//! an empty or unreadable one), so files are compared by what both sides
//! know, not by how it was recorded: equal hashes are equal; an empty file
//! is empty however it was recorded; where one side could not see the
//! content and the sizes agree, the file is not comparable, with why.

pub use crate::model::FileState;

/// SHA-256 of no bytes.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl FileState {
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
    use crate::model::files::hex;
    use sha2::{Digest, Sha256};

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
