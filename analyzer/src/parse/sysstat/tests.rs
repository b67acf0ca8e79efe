//! Real sa files: sysstat's own test data of four versions (sysstat's
//! repository, tests/; GPL-2.0-or-later data) and one Debian 12's sadc
//! wrote here, each held against what `sadf -j` (Debian's sysstat 12.6.1)
//! prints for it, converted first with `sadf -c` where it is an old format.

use super::*;
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sysstat/");
    std::fs::read(format!("{root}{name}")).unwrap()
}

fn sadf(name: &str) -> Value {
    let text = fixture(&format!("{name}.sadf-j.json"));
    let v: Value = serde_json::from_slice(&text).unwrap();
    v["sysstat"]["hosts"][0].clone()
}

fn whole(name: &str) -> SaFile {
    let parsed = parse(&fixture(name)).unwrap();
    assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
    parsed.value
}

/// Every interval's CPU shares, memory and queue equal sadf's, in order.
fn agrees_with_sadf(name: &str, file: &SaFile) {
    let host = sadf(name);
    assert_eq!(file.nodename, host["nodename"].as_str().unwrap(), "{name}");
    assert_eq!(file.release, host["release"].as_str().unwrap(), "{name}");
    let expected = host["statistics"].as_array().unwrap();
    let ours = file.intervals();
    assert_eq!(ours.len(), expected.len(), "{name}: intervals");
    for (i, (o, e)) in ours.iter().zip(expected).enumerate() {
        let cpu = &e["cpu-load"][0];
        let share = o.cpu.expect("cpu share");
        for (field, value) in [
            ("user", share.user),
            ("nice", share.nice),
            ("system", share.system),
            ("iowait", share.iowait),
            ("steal", share.steal),
            ("idle", share.idle),
        ] {
            let want = cpu[field].as_f64().unwrap();
            assert!(
                (value - want).abs() < 0.0051,
                "{name} #{i} {field}: {value} vs {want}"
            );
        }
        let m = o.memory.expect("memory");
        let mem = &e["memory"];
        assert_eq!(m.free, mem["memfree"].as_u64().unwrap(), "{name} #{i}");
        assert_eq!(m.buffers, mem["buffers"].as_u64().unwrap(), "{name} #{i}");
        assert_eq!(m.cached, mem["cached"].as_u64().unwrap(), "{name} #{i}");
        assert_eq!(m.committed, mem["commit"].as_u64().unwrap(), "{name} #{i}");
        let q = o.queue.expect("queue");
        let queue = &e["queue"];
        assert_eq!(q.running, queue["runq-sz"].as_u64().unwrap(), "{name} #{i}");
        assert_eq!(
            q.threads,
            queue["plist-sz"].as_u64().unwrap(),
            "{name} #{i}"
        );
        let load = queue["ldavg-1"].as_f64().unwrap();
        assert!(
            (f64::from(q.load_1) / 100.0 - load).abs() < 0.001,
            "{name} #{i}"
        );
    }
}

#[test]
fn debian12_sadc_12_6_1() {
    let file = whole("data-debian12-12.6.1");
    assert_eq!((file.format, file.version.as_str()), (0x2175, "12.6.1"));
    assert!(!file.big_endian && file.long_64);
    assert_eq!(file.hz, 100);
    agrees_with_sadf("data-debian12-12.6.1", &file);
    let with_disks = file.records.iter().find_map(|r| match &r.kind {
        RecordKind::Stats(s) if !s.disks.is_empty() => Some(s),
        _ => None,
    });
    let sample = with_disks.expect("sadc -S XALL records disks");
    assert!(sample.interfaces.iter().any(|n| n.name == "lo"));
}

#[test]
fn sysstat_12_0_0() {
    let file = whole("data-12.0.0");
    assert_eq!(file.format, 0x2175);
    agrees_with_sadf("data-12.0.0", &file);
}

#[test]
fn sysstat_11_6_5_format_2173() {
    let file = whole("data-11.6.5");
    assert_eq!((file.format, file.version.as_str()), (0x2173, "11.6.5"));
    agrees_with_sadf("data-11.6.5", &file);
}

#[test]
fn sysstat_9_1_6_format_2171() {
    let file = whole("data-9.1.6");
    assert_eq!((file.format, file.version.as_str()), (0x2171, "9.1.6"));
    agrees_with_sadf("data-9.1.6", &file);
}

/// sadf -c of this file crashes Debian's sysstat 12.6.1, so it is held
/// against the `sar -C -A` output sysstat's own tests expect of it
/// (tests/expected.data-10.3.1), transcribed here.
#[test]
fn sysstat_10_3_1_format_2173() {
    let file = whole("data-10.3.1");
    assert_eq!(
        (file.format, file.nodename.as_str()),
        (0x2173, "kluane.home")
    );
    let restart = file.records.iter().find_map(|r| match r.kind {
        RecordKind::Restart { cpus } => Some(cpus),
        _ => None,
    });
    assert_eq!(restart, Some(8));
    let intervals = file.intervals();
    assert_eq!(intervals.len(), 1);
    let cpu = intervals[0].cpu.unwrap();
    for (value, want) in [
        (cpu.user, 0.25),
        (cpu.system, 0.38),
        (cpu.iowait, 0.12),
        (cpu.idle, 99.25),
    ] {
        assert!((value - want).abs() < 0.0051, "{value} vs {want}");
    }
    let m = intervals[0].memory.unwrap();
    assert_eq!(
        (m.free, m.buffers, m.cached, m.committed),
        (5646540, 78136, 1015972, 4597096)
    );
    let q = intervals[0].queue.unwrap();
    assert_eq!((q.running, q.threads, q.load_1, q.blocked), (0, 594, 7, 0));
}

/// A big-endian 32-bit machine (ppc) in the current format.
#[test]
fn big_endian_32_bit() {
    let file = whole("data-ppc-11.7.2");
    assert!(file.big_endian && !file.long_64);
    assert_eq!(file.machine, "ppc");
    agrees_with_sadf("data-ppc-11.7.2", &file);
}

#[test]
fn format_2170_is_refused_by_name() {
    let err = parse(&fixture("data-9.1.5")).unwrap_err();
    assert!(err.message.contains("0x2170"), "{err}");
}

/// sysstat's own truncated file: the records before the cut are kept.
#[test]
fn truncated_file_keeps_what_came_before() {
    let bytes = fixture("data-debian12-12.6.1");
    let whole = parse(&bytes).unwrap().value;
    for cut in [bytes.len() - 1, bytes.len() / 2, 2000, 80, 3] {
        match parse(&bytes[..cut]) {
            Ok(partial) => {
                assert!(
                    !partial.errors.is_empty() || cut == bytes.len(),
                    "cut at {cut}"
                );
                assert!(partial.value.records.len() <= whole.records.len());
                assert_eq!(
                    partial.value.records[..],
                    whole.records[..partial.value.records.len()]
                );
            }
            Err(e) => assert!(e.offset.is_some(), "cut at {cut}: {e}"),
        }
    }
    let partial = parse(&fixture("data-trunc"));
    assert!(partial.map(|p| !p.errors.is_empty()).unwrap_or(true));
}

/// Every byte of a real file flipped in turn: never a panic, and never more
/// records than bytes allow.
#[test]
fn damaged_bytes_never_panic() {
    let bytes = fixture("data-11.6.5");
    for at in (0..bytes.len()).step_by(7) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0xff;
        if let Ok(p) = parse(&damaged) {
            assert!(p.value.records.len() <= damaged.len() / 48);
        }
    }
    let bytes = fixture("data-debian12-12.6.1");
    for at in (0..bytes.len()).step_by(5) {
        let mut damaged = bytes.clone();
        damaged[at] = damaged[at].wrapping_add(0x41);
        if let Ok(p) = parse(&damaged) {
            assert!(p.value.records.len() <= damaged.len() / 20);
        }
    }
}

/// A format newer than lift knows (a sysstat after 12.x that changed the
/// format magic) is refused with the magic's offset, not guessed at.
#[test]
fn a_future_format_is_refused_at_its_offset() {
    let mut bytes = fixture("data-debian12-12.6.1");
    bytes[2..4].copy_from_slice(&0x2177u16.to_le_bytes());
    let err = parse(&bytes).unwrap_err();
    assert_eq!(err.offset, Some(2), "{err}");
    assert!(err.message.contains("0x2177"), "{err}");
}

/// A header that claims the other byte order than its body's (the magic
/// swapped on a little-endian file) reads every size wrong: refused at the
/// first size that cannot be, never an allocation from it.
#[test]
fn a_foreign_byte_order_is_refused_at_its_offset() {
    let mut bytes = fixture("data-debian12-12.6.1");
    bytes.swap(0, 1);
    bytes.swap(2, 3);
    let err = parse(&bytes).unwrap_err();
    assert_eq!(err.offset, Some(8), "{err}");
    // And the big-endian file told it is little-endian.
    let mut bytes = fixture("data-ppc-11.7.2");
    bytes.swap(0, 1);
    bytes.swap(2, 3);
    assert!(parse(&bytes).unwrap_err().offset.is_some());
}

/// Hostile counts: every header word past the magic at its largest. The
/// sizes are checked against sysstat's own limits and the bytes left.
#[test]
fn hostile_counts_are_refused_at_their_offset() {
    for name in ["data-debian12-12.6.1", "data-11.6.5", "data-9.1.6"] {
        let mut bytes = fixture(name);
        for at in (4..bytes.len().min(600)).step_by(4) {
            bytes[at..at + 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        }
        match parse(&bytes) {
            Err(e) => assert!(e.offset.is_some(), "{name}: {e}"),
            Ok(p) => assert!(p.value.records.len() <= bytes.len() / 20, "{name}"),
        }
    }
}
