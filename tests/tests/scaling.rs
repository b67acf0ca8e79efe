//! Issue 23: every text parser is at most n log n in its input. Each fuzz
//! entry point (`lift_tests::fuzz`, the parser and the helpers that walk
//! its result) is fed its seeds repeated k times and 8k times; the larger
//! input must not take more than 24 times as long (linear is 8, n log n
//! about 9 to 10; a quadratic step is 64). Repetition is the hostile case
//! for the usual slip: the same interface, mount point or package name
//! again and again, each one looked up in or removed from everything read
//! so far.
//!
//! A ratio, not a time: both runs share the machine's load, and each is
//! the best of five. The binary formats (rpm databases, sa files, boot
//! sectors, tar, bundles) are not here: a repeated file is not a bigger
//! file of theirs; their sizes are bounded by the structures' own counts,
//! which their tests and the fuzz regressions cover.

use std::path::Path;
use std::time::{Duration, Instant};

use lift_tests::fuzz::TARGETS;

/// Text targets, and whether their input's first line is a header that
/// is kept once (the scrubber's path).
const TEXT: &[(&str, bool)] = &[
    ("mountinfo", false),
    ("dpkg_status", false),
    ("other_packages", false),
    ("systemd_unit", false),
    ("upstart", false),
    ("sysv", false),
    ("ifcfg", false),
    ("ifupdown", false),
    ("netplan", false),
    ("nm_keyfile", false),
    ("networkd", false),
    ("sudoers", false),
    ("proc_net", false),
    ("proc_pid", false),
    ("proc_misc", false),
    ("os_release", false),
    ("grub", false),
    ("fstab", false),
    ("sos_commands", false),
    ("dependencies", false),
    ("scrubber", true),
];

/// The base input is grown until one run takes this long, so that the
/// clock's resolution and a scheduler tick are small beside it.
const BASE: Duration = Duration::from_millis(4);
/// And never past this many bytes (the 8× input is eight times that).
const MAX_BASE: usize = 2 << 20;
const FACTOR: usize = 8;
const LIMIT: f64 = 24.0;

fn repeat(seed: &[u8], header: bool, times: usize) -> Vec<u8> {
    let (head, body) = if header {
        let cut = seed
            .iter()
            .position(|&b| b == b'\n')
            .map_or(seed.len(), |i| i + 1);
        seed.split_at(cut)
    } else {
        (&[][..], seed)
    };
    let mut out = Vec::with_capacity(head.len() + body.len() * times + times);
    out.extend_from_slice(head);
    for _ in 0..times {
        out.extend_from_slice(body);
        if !body.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

fn best_of(run: fn(&[u8]), input: &[u8], tries: u32) -> Duration {
    (0..tries)
        .map(|_| {
            let t = Instant::now();
            run(std::hint::black_box(input));
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .filter(|(_, data)| !data.is_empty())
        .collect()
}

/// How much longer the 8× input takes than the base one, the base grown
/// from `seed` until it takes [`BASE`].
fn growth(run: fn(&[u8]), seed: &[u8], header: bool) -> (usize, Duration, Duration, f64) {
    let mut times = 1;
    let mut base = repeat(seed, header, times);
    while best_of(run, &base, 3) < BASE && base.len() < MAX_BASE {
        times *= 2;
        base = repeat(seed, header, times);
    }
    let big = repeat(seed, header, times * FACTOR);
    let small_took = best_of(run, &base, 5);
    let big_took = best_of(run, &big, 5);
    let ratio = big_took.as_secs_f64() / small_took.as_secs_f64().max(1e-6);
    (times, small_took, big_took, ratio)
}

/// The slip this test is for, written on purpose: each line looked up in
/// every line before it.
fn quadratic(data: &[u8]) {
    let mut seen: Vec<&[u8]> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if !seen.iter().any(|s| s.len() == line.len() + 1) {
            seen.push(line);
        }
    }
    std::hint::black_box(seen);
}

/// The measure tells the two apart: a quadratic step is caught, and a
/// linear pass is not.
#[test]
fn the_measure_catches_a_quadratic_step() {
    let seed: &[u8] = b"eth0 inet 10.0.0.1\nlo inet 127.0.0.1\n";
    let (.., ratio) = growth(quadratic, seed, false);
    assert!(ratio > LIMIT, "a quadratic pass grew only {ratio:.1}x");
    let linear: fn(&[u8]) = |d| {
        std::hint::black_box(d.split(|&b| b == b'\n').filter(|l| l.len() > 3).count());
    };
    let (.., ratio) = growth(linear, seed, false);
    assert!(ratio < LIMIT, "a linear pass grew {ratio:.1}x");
}

#[test]
fn text_parsers_grow_at_most_n_log_n() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for &(target, header) in TEXT {
        let run = TARGETS
            .iter()
            .find(|(name, _)| *name == target)
            .unwrap_or_else(|| panic!("no fuzz target {target}"))
            .1;
        for (name, seed) in seeds(target) {
            let (times, small_took, big_took, ratio) = growth(run, &seed, header);
            if ratio > LIMIT {
                failures.push(format!(
                    "{target} on {name}, repeated {times} and {} times: {small_took:?}, {big_took:?} ({ratio:.1}x)",
                    times * FACTOR
                ));
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} seeds");
    assert!(failures.is_empty(), "superlinear:\n{}", failures.join("\n"));
}
