//! Bad bundles: each is a clear error or a counted skip; none panics, and
//! none makes the reader allocate past its limits.

use lift_bundle::*;
use std::io::Write;
use std::sync::atomic::Ordering;

mod common;
use common::{LIVE, PEAK};

fn header() -> Record {
    Record::Header(Header {
        probe_version: "0.1.0".into(),
        format_version: FORMAT_VERSION,
        started_at: Timestamp {
            secs: 1_700_000_000,
            nanos: 5,
        },
        root: "/".into(),
        args: vec!["lift-probe".into()],
        uid: 0,
        euid: 0,
        gid: 0,
        hostname: "web01".into(),
        boot_id: Some("b1".into()),
    })
}

fn entry(path: &str, content: &[u8]) -> Record {
    Record::Entry(Entry {
        spec: "os".into(),
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

fn bundle(records: &[Record]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), DEFAULT_LEVEL).unwrap();
    for r in records {
        w.write(r).unwrap();
    }
    w.finish().unwrap()
}

/// A bundle whose frame holds exactly these raw (already framed) bytes.
fn raw_bundle(stream: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let mut enc = zstd::Encoder::new(out, 3).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(stream).unwrap();
    enc.finish().unwrap()
}

fn read_all(bytes: &[u8], limits: Limits) -> Result<(Vec<Record>, u64), ReadError> {
    let mut r = Reader::new(bytes, limits)?;
    let mut out = Vec::new();
    for rec in r.by_ref() {
        out.push(rec?);
    }
    Ok((out, r.skipped()))
}

fn sample() -> Vec<Record> {
    vec![
        header(),
        entry("/etc/os-release", b"ID=debian\n"),
        entry("/etc/hostname", b"web01\n"),
    ]
}

#[test]
fn good_bundle_round_trips() {
    let records = sample();
    let (back, skipped) = read_all(&bundle(&records), Limits::default()).unwrap();
    assert_eq!(back, records);
    assert_eq!(skipped, 0);
}

#[test]
fn truncated_bundle_is_an_error() {
    let bytes = bundle(&sample());
    for cut in [5, 12, 20, bytes.len() - 1] {
        let err = read_all(&bytes[..cut], Limits::default()).unwrap_err();
        assert!(
            matches!(err.kind, ReadErrorKind::Truncated),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn every_flipped_byte_is_caught() {
    // The content checksum covers every record; a flip anywhere after the
    // header must be an error or (in the frame header's window size, which
    // does not change the content) the same records: never different ones.
    let records = sample();
    let bytes = bundle(&records);
    for i in 12..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x40;
        match read_all(&bad, Limits::default()) {
            Err(_) => {}
            Ok((back, _)) => {
                assert_eq!(back, records, "flip at byte {i} changed records unnoticed")
            }
        }
    }
}

#[test]
fn wrong_magic_and_newer_version() {
    let mut bytes = bundle(&sample());
    bytes[0] = b'X';
    let err = read_all(&bytes, Limits::default()).unwrap_err();
    assert!(matches!(err.kind, ReadErrorKind::BadMagic(_)));
    assert!(err.to_string().contains("not a lift bundle"));

    let mut bytes = bundle(&sample());
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    let err = read_all(&bytes, Limits::default()).unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::UnsupportedVersion(2)),
        "{err}"
    );
}

#[test]
fn record_length_over_the_limit() {
    let mut stream = u32::MAX.to_le_bytes().to_vec();
    stream.extend_from_slice(&[0; 16]);
    let err = read_all(&raw_bundle(&stream), Limits::default()).unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::RecordTooLong { len: u32::MAX, .. }),
        "{err}"
    );
}

#[test]
fn a_field_claiming_2_pow_62_bytes_allocates_nothing_large() {
    // Entry (tag 1), then the spec string's length as a varint u64 = 2^62.
    let mut body = vec![1u8, 253];
    body.extend_from_slice(&(1u64 << 62).to_le_bytes());
    body.extend_from_slice(b"os");
    let mut stream = (body.len() as u32).to_le_bytes().to_vec();
    stream.extend_from_slice(&body);
    let bytes = raw_bundle(&stream);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let err = read_all(&bytes, Limits::default()).unwrap_err();
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(matches!(err.kind, ReadErrorKind::Decode(_)), "{err}");
    // Decoder state and buffers only: a few MiB at most, never 2^62.
    assert!(grew < 64 << 20, "reader allocated {grew} bytes");
}

#[test]
fn a_short_stream_claiming_a_long_record_is_truncated_not_allocated() {
    let mut stream = (60u32 << 20).to_le_bytes().to_vec();
    stream.extend_from_slice(&[7; 100]);
    let bytes = raw_bundle(&stream);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let err = read_all(&bytes, Limits::default()).unwrap_err();
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(matches!(err.kind, ReadErrorKind::Truncated), "{err}");
    assert!(
        grew < 16 << 20,
        "reader allocated {grew} bytes for a 100-byte record"
    );
}

#[test]
fn zstd_bomb_of_a_gibibyte_of_zeros() {
    // 1 GiB of zeros compresses to a few tens of KiB.
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let mut enc = zstd::Encoder::new(out, 1).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    // Zero-length records are not records: the first one is an error.
    let err = read_all(&bomb, Limits::default()).unwrap_err();
    assert!(matches!(err.kind, ReadErrorKind::Decode(_)), "{err}");
    assert_eq!(err.offset, 0);
    // And a cap smaller than the content stops a stream of valid records.
    let many: Vec<Record> = (0..2000)
        .map(|i| entry(&format!("/etc/f{i}"), &[b'x'; 1000]))
        .collect();
    let err = read_all(
        &bundle(&many),
        Limits {
            max_decompressed: 1 << 20,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::DecompressedLimit { .. }),
        "{err}"
    );
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(grew < 64 << 20, "allocated {grew} bytes");
}

#[test]
fn unknown_record_and_fact_variants_are_skipped_and_counted() {
    let mut stream = Vec::new();
    let push = |stream: &mut Vec<u8>, body: &[u8]| {
        stream.extend_from_slice(&(body.len() as u32).to_le_bytes());
        stream.extend_from_slice(body);
    };
    let known = |r: &Record| bincode::serde::encode_to_vec(r, bincode::config::standard()).unwrap();
    push(&mut stream, &known(&header()));
    push(&mut stream, &[RECORD_VARIANTS as u8, 1, 2, 3]); // a record from a newer probe
    push(&mut stream, &[2, FACT_VARIANTS as u8, 9, 9]); // a newer kind of fact
    push(&mut stream, &known(&entry("/etc/hostname", b"h\n")));
    let (records, skipped) = read_all(&raw_bundle(&stream), Limits::default()).unwrap();
    assert_eq!(skipped, 2);
    assert_eq!(records, vec![header(), entry("/etc/hostname", b"h\n")]);
}

#[test]
fn entry_and_path_limits() {
    let err = read_all(
        &bundle(&sample()),
        Limits {
            max_entries: 1,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::TooManyEntries { limit: 1 }),
        "{err}"
    );
    let long = format!("/{}", "a".repeat(5000));
    let err = read_all(&bundle(&[entry(&long, b"")]), Limits::default()).unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::PathTooLong { len: 5001, .. }),
        "{err}"
    );
}

#[test]
fn errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("lift-bundle-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cut.lift");
    let bytes = bundle(&sample());
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let r = Reader::open(&path, Limits::default()).unwrap();
    let err = r.into_iter().find_map(|r| r.err()).unwrap();
    let msg = err.to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    assert!(msg.contains("ends early"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_form_round_trips_exactly() {
    let mut records = sample();
    records.push(entry("/etc/\u{fffd}odd", &[0xff, 0xfe, 0, 1, 2]));
    records.push(Record::Fact(Fact::Uname(Uname {
        sysname: "Linux".into(),
        nodename: "web01".into(),
        release: "6.1.0".into(),
        version: "#1 SMP".into(),
        machine: "x86_64".into(),
        domainname: "(none)".into(),
    })));
    let j = json::JsonBundle::new(records.clone());
    let mut text = Vec::new();
    json::to_writer(&mut text, &j).unwrap();
    let back = json::from_slice(&text).unwrap();
    assert_eq!(back.records, records);
    // Re-encoding gives the same bundle bytes: nothing was lost or reordered.
    assert_eq!(bundle(&back.records), bundle(&records));
    // Byte strings are base64 in the JSON form.
    assert!(String::from_utf8(text).unwrap().contains("\"//4AAQI=\""));
}

/// A frame made by zstd directly, as a writer with other parameters would.
fn frame_with_window(window_log: u32, level: i32, stream: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let mut enc = zstd::Encoder::new(out, level).unwrap();
    enc.include_checksum(true).unwrap();
    enc.window_log(window_log).unwrap();
    enc.write_all(stream).unwrap();
    enc.finish().unwrap()
}

/// zstd accepts windows up to 128 MiB by default: a few bytes of frame
/// header would make the reader allocate that. It takes at most
/// `WINDOW_LOG_MAX`, and bundles written with the window used before issue
/// 15 (4 MiB, level 9's own tables) still read.
#[test]
fn a_huge_zstd_window_is_refused_and_old_bundles_still_read() {
    let mut stream = Vec::new();
    for r in sample() {
        let mut one = bundle(std::slice::from_ref(&r));
        // The record stream of a one-record bundle: its length and body.
        let body = zstd::decode_all(&one.split_off(12)[..]).unwrap();
        stream.extend_from_slice(&body);
    }
    let huge = frame_with_window(27, 3, &stream);
    let err = read_all(&huge, Limits::default()).unwrap_err();
    assert!(matches!(err.kind, ReadErrorKind::Corrupt(_)), "{err}");
    assert!(
        err.to_string().contains("zstd window is over the 8 MiB"),
        "{err}"
    );
    let just_over = frame_with_window(WINDOW_LOG_MAX + 1, 3, &stream);
    assert!(read_all(&just_over, Limits::default()).is_err());

    // As lift-bundle wrote them before: level 9, a 4 MiB window.
    let old = frame_with_window(22, 9, &stream);
    let (records, _) = read_all(&old, Limits::default()).unwrap();
    assert_eq!(records, sample());
    let at_cap = frame_with_window(WINDOW_LOG_MAX, 3, &stream);
    assert_eq!(read_all(&at_cap, Limits::default()).unwrap().0, sample());
}
