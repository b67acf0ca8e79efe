//! The one place that knows bincode: the record body encoding.

use crate::{Bytes, Content, Entry, FileKind, Record, FACT_VARIANTS, RECORD_VARIANTS};
use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};
use serde::Deserialize;
use std::io::{self, Write};

/// The longest record body a reader accepts and a writer produces.
pub const MAX_RECORD_LEN: u32 = 64 << 20;

type Config = Configuration<LittleEndian, Varint, Limit<{ MAX_RECORD_LEN as usize }>>;

fn config() -> Config {
    config::standard().with_limit::<{ MAX_RECORD_LEN as usize }>()
}

/// The length of a record's body, checked against the record limit.
pub(crate) fn encoded_len(record: &Record) -> io::Result<usize> {
    /// Counts what it is given. Through `dyn Write` like the real writes,
    /// so that the probe holds one copy of the encoder, not two.
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let dyn_count: &mut dyn Write = &mut count;
    bincode::serde::encode_into_std_write(record, &mut &mut *dyn_count, config())
        .map_err(invalid)?;
    let len = count.0;
    if len > MAX_RECORD_LEN as usize {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("record of {len} bytes exceeds the {MAX_RECORD_LEN}-byte limit"),
        ));
    }
    Ok(len)
}

/// Writes a record's body of `len` bytes (from [`encoded_len`]) to `out`
/// (`dyn`: one copy of the encoder in the probe, which must stay small).
pub(crate) fn encode_into(record: &Record, out: &mut dyn Write, len: usize) -> io::Result<()> {
    let wrote =
        bincode::serde::encode_into_std_write(record, &mut &mut *out, config()).map_err(invalid)?;
    if wrote != len {
        // The length prefix is already written: the stream is broken.
        return Err(io::Error::other(format!(
            "record encoded to {wrote} bytes, measured at {len}"
        )));
    }
    Ok(())
}

fn invalid(e: bincode::error::EncodeError) -> io::Error {
    match e {
        bincode::error::EncodeError::Io { inner, .. } => inner,
        e => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
    }
}

/// What a record body holds, decided before decoding it.
pub(crate) enum Peek {
    Known,
    /// A variant from a newer probe: skip it.
    Unknown,
}

/// Reads the variant tags (bincode writes an enum's variant index first) to
/// tell a record from a newer probe from a damaged one.
pub(crate) fn peek(body: &[u8]) -> Peek {
    let Ok((tag, used)) = bincode::decode_from_slice::<u32, _>(body, config::standard()) else {
        return Peek::Known; // let decode report the damage
    };
    if tag >= RECORD_VARIANTS {
        return Peek::Unknown;
    }
    if tag == 2 {
        if let Ok((fact, _)) =
            bincode::decode_from_slice::<u32, _>(&body[used..], config::standard())
        {
            if fact >= FACT_VARIANTS {
                return Peek::Unknown;
            }
        }
    }
    Peek::Known
}

pub(crate) fn decode(body: &[u8]) -> Result<Record, String> {
    bincode::serde::decode_from_slice(body, config())
        .map(|(record, _)| record)
        .map_err(|e| e.to_string())
}

/// Decodes a record that owns its body. An entry whose content is
/// `Content::Full` (the last field, so its bytes end the body) keeps the
/// body's allocation for that content, moved to the front, instead of
/// copying it: most of a bundle's bytes are such contents, and a copy
/// would touch every page twice. Anything else decodes as [`decode`].
pub(crate) fn decode_owned(mut body: Vec<u8>) -> Result<Record, String> {
    let Some((head, start)) = full_entry_head(&body) else {
        return decode(&body);
    };
    body.copy_within(start.., 0);
    body.truncate(body.len() - start);
    Ok(Record::Entry(head.with_content(Content::Full(Bytes(body)))))
}

/// `Entry`'s fields before `content`, in its order (the format never
/// changes a struct's fields within a version; `decode_owned_is_decode`
/// holds the two together).
#[derive(Deserialize)]
struct EntryHead {
    spec: String,
    path: Bytes,
    kind: FileKind,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: i64,
    link_target: Option<Bytes>,
}

impl EntryHead {
    fn with_content(self, content: Content) -> Entry {
        let EntryHead {
            spec,
            path,
            kind,
            mode,
            uid,
            gid,
            size,
            mtime,
            link_target,
        } = self;
        Entry {
            spec,
            path,
            kind,
            mode,
            uid,
            gid,
            size,
            mtime,
            link_target,
            content,
        }
    }
}

/// `Record::Entry` tag, then `Content::Full` tag: bincode's variant indexes.
const ENTRY_TAG: u32 = 1;
const FULL_TAG: u32 = 1;

/// For the body of an entry whose `Content::Full` bytes run exactly to the
/// body's end: its head, and where those bytes start. `None` for anything
/// else (other records, other contents, damage), left to [`decode`].
fn full_entry_head(body: &[u8]) -> Option<(EntryHead, usize)> {
    let (tag, mut at) = bincode::decode_from_slice::<u32, _>(body, config()).ok()?;
    if tag != ENTRY_TAG {
        return None;
    }
    let (head, used) =
        bincode::serde::decode_from_slice::<EntryHead, _>(body.get(at..)?, config()).ok()?;
    at += used;
    let (content, used) = bincode::decode_from_slice::<u32, _>(body.get(at..)?, config()).ok()?;
    if content != FULL_TAG {
        return None;
    }
    at += used;
    let (len, used) = bincode::decode_from_slice::<u64, _>(body.get(at..)?, config()).ok()?;
    at += used;
    (body.len() - at == usize::try_from(len).ok()?).then_some((head, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Child, Chunk, Note, NoteKind, SkipReason};

    fn body(r: &Record) -> Vec<u8> {
        let len = encoded_len(r).unwrap();
        let mut out = Vec::new();
        encode_into(r, &mut out, len).unwrap();
        out
    }

    fn entry(content: Content, link: Option<&str>) -> Record {
        Record::Entry(Entry {
            spec: "pkg".into(),
            path: "/var/lib/dpkg/status".into(),
            kind: FileKind::File,
            mode: 0o100644,
            uid: 0,
            gid: 7,
            size: 300_000,
            mtime: -5,
            link_target: link.map(Bytes::from),
            content,
        })
    }

    #[test]
    fn decode_owned_is_decode() {
        let big = Bytes((0..300_000u32).map(|i| (i % 251) as u8).collect());
        let records = [
            entry(Content::Full(big.clone()), None),
            entry(Content::Full(big.clone()), Some("../x")),
            entry(Content::Full(Bytes::default()), None),
            entry(
                Content::Truncated {
                    head: big.clone(),
                    size: 9,
                },
                None,
            ),
            entry(Content::Sha256(Bytes(vec![1; 32])), None),
            entry(Content::Skipped(SkipReason::Secret), None),
            entry(
                Content::Children(vec![Child {
                    name: "a".into(),
                    kind: FileKind::Dir,
                    link_target: None,
                }]),
                None,
            ),
            Record::Chunk(Chunk {
                path: "/x".into(),
                offset: 0,
                data: big,
            }),
            Record::Note(Note {
                spec: "os".into(),
                kind: NoteKind::Other,
                path: None,
                message: "m".into(),
            }),
        ];
        for r in &records {
            let b = body(r);
            assert_eq!(&decode(&b).unwrap(), r);
            assert_eq!(&decode_owned(b.clone()).unwrap(), r);
            // Cut short or with a byte too many, the fast path stands aside
            // and the answer is decode's.
            for b in [b[..b.len() - 1].to_vec(), [&b[..], &[0]].concat()] {
                assert_eq!(decode_owned(b.clone()), decode(&b));
            }
        }
        let full = body(&records[0]);
        let (_, start) = full_entry_head(&full).unwrap();
        assert_eq!(full.len() - start, 300_000);
    }
}
