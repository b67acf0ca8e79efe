//! Every record kind counts toward a limit (issue 14, B3): only Entry
//! records did, and a 16 KB bundle of 20 million empty Note records took
//! 4.7 GB to read.

use lift_bundle::*;
use std::sync::atomic::Ordering;

mod common;
use common::{LIVE, PEAK};

fn note() -> Record {
    Record::Note(Note {
        spec: String::new(),
        kind: NoteKind::Other,
        path: None,
        message: String::new(),
    })
}

fn bundle(records: impl Iterator<Item = Record>) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), 19).unwrap();
    for r in records {
        w.write(&r).unwrap();
    }
    w.finish().unwrap()
}

fn read_all(bytes: &[u8], limits: Limits) -> Result<Vec<Record>, ReadError> {
    Reader::new(bytes, limits)?.collect()
}

fn header() -> Record {
    Record::Header(Header {
        probe_version: "0.1.0".into(),
        format_version: FORMAT_VERSION,
        started_at: Timestamp { secs: 1, nanos: 0 },
        root: "/".into(),
        args: vec![],
        uid: 0,
        euid: 0,
        gid: 0,
        hostname: "h".into(),
        boot_id: None,
    })
}

/// The whole test in one function: the allocation peak is process-wide.
#[test]
fn every_record_kind_has_a_limit_and_a_flood_stays_small() {
    // A million empty notes: a small file, and once a quarter of a GB read.
    let flood = bundle(std::iter::repeat_with(note).take(1_000_000));
    assert!(flood.len() < 64 << 10, "{} bytes", flood.len());
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let err = read_all(&flood, Limits::default()).unwrap_err();
    assert!(
        matches!(
            err.kind,
            ReadErrorKind::TooManyRecords {
                kind: "note",
                limit: 200_000
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("more than 200000 note records"),
        "{err}"
    );
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(grew < 128 << 20, "reading the flood allocated {grew} bytes");

    // Each kind, with its own limit set to one.
    let fact = Record::Fact(Fact::Uname(Uname {
        sysname: "Linux".into(),
        nodename: "h".into(),
        release: "6.1".into(),
        version: "#1".into(),
        machine: "x86_64".into(),
        domainname: "(none)".into(),
    }));
    let chunk = Record::Chunk(Chunk {
        path: "/var/lib/rpm/rpmdb.sqlite".into(),
        offset: 0,
        data: vec![].into(),
    });
    let one = Limits {
        max_facts: 1,
        max_notes: 1,
        max_chunks: 1,
        max_headers: 1,
        ..Limits::default()
    };
    for (rec, kind) in [
        (fact, "fact"),
        (note(), "note"),
        (chunk, "chunk"),
        (header(), "header"),
    ] {
        let twice = bundle([rec.clone(), rec.clone()].into_iter());
        let err = read_all(&twice, one).unwrap_err();
        assert!(
            matches!(err.kind, ReadErrorKind::TooManyRecords { kind: k, limit: 1 } if k == kind),
            "{kind}: {err}"
        );
        assert_eq!(err.record, 1, "{kind}: the second record is refused");
        assert_eq!(
            read_all(&bundle(std::iter::once(rec)), one).unwrap().len(),
            1
        );
    }

    // The JSON form counts the same way.
    let mut text = b"{\"format_version\":1,\"records\":[".to_vec();
    for i in 0..200_001 {
        if i > 0 {
            text.push(b',');
        }
        text.extend_from_slice(br#"{"Note":{"spec":"","kind":"Other","path":null,"message":""}}"#);
    }
    text.extend_from_slice(b"]}");
    let err = json::from_slice(&text).unwrap_err().to_string();
    assert!(err.contains("more than 200000 note records"), "{err}");
    // Streamed from a reader, the same count refuses it, and a cap on the
    // input's size stops it before it is read whole.
    let err = json::from_reader(&text[..]).unwrap_err().to_string();
    assert!(err.contains("more than 200000 note records"), "{err}");
    let err = json::from_reader_capped(&text[..], 4096)
        .unwrap_err()
        .to_string();
    assert!(err.contains("JSON form larger than 4096 bytes"), "{err}");
    let small = br#"{"format_version":1,"records":[]}"#;
    assert!(json::from_reader_capped(&small[..], small.len() as u64).is_ok());
}
