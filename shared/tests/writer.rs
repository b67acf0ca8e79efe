//! The writer (issue 15): records larger than its scratch buffer are
//! encoded straight into the compressed frame and read back byte for byte;
//! one over the record limit is refused before a byte of it is written; and
//! the frame's window is the writer's small one, whatever the level.

use lift_bundle::*;
use std::io::Read;

fn entry(path: &str, content: Vec<u8>) -> Record {
    Record::Entry(Entry {
        spec: "pkg".into(),
        path: path.into(),
        kind: FileKind::File,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        size: content.len() as u64,
        mtime: 1,
        link_target: None,
        content: Content::Full(content.into()),
    })
}

/// Bytes that do not repeat within a few MiB (an xorshift sequence), so
/// that compression cannot hide a wrong offset.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn read_all(bytes: &[u8]) -> Vec<Record> {
    Reader::new(bytes, Limits::default())
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn records_of_every_size_round_trip() {
    let sizes = [0, 1, 60 << 10, 64 << 10, (64 << 10) + 1, 1 << 20, 3 << 20];
    let records: Vec<Record> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| entry(&format!("/var/lib/dpkg/info/p{i}.list"), noise(n, i as u64)))
        .collect();
    for level in [1, DEFAULT_LEVEL] {
        let mut w = Writer::new(Vec::new(), level).unwrap();
        for r in &records {
            w.write(r).unwrap();
        }
        assert_eq!(w.records(), records.len() as u64);
        assert_eq!(read_all(&w.finish().unwrap()), records, "level {level}");
    }
}

#[test]
fn a_record_over_the_limit_is_refused_and_the_bundle_stays_whole() {
    let mut w = Writer::new(Vec::new(), 1).unwrap();
    let before = entry("/etc/hostname", b"web01\n".to_vec());
    w.write(&before).unwrap();
    let huge = entry("/var/lib/rpm/Packages", vec![0; MAX_RECORD_LEN as usize]);
    let err = w.write(&huge).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("exceeds the"), "{err}");
    let after = entry("/etc/os-release", b"ID=debian\n".to_vec());
    w.write(&after).unwrap();
    assert_eq!(read_all(&w.finish().unwrap()), vec![before, after]);
}

/// A decoder that refuses any window over the writer's reads what it
/// wrote at every level: 5 MiB of content would need a larger window if the
/// level chose its own.
#[test]
fn the_frame_window_is_the_writers_at_every_level() {
    let content = noise(5 << 20, 7);
    for level in [1, DEFAULT_LEVEL, 19] {
        let mut w = Writer::new(Vec::new(), level).unwrap();
        w.write(&entry("/var/lib/dpkg/status", content.clone()))
            .unwrap();
        let bytes = w.finish().unwrap();
        let mut dec = zstd::Decoder::new(&bytes[12..]).unwrap();
        dec.window_log_max(WINDOW_LOG).unwrap();
        let mut out = Vec::new();
        dec.read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("level {level}: {e}"));
        assert!(out.len() > 5 << 20);
    }
}
