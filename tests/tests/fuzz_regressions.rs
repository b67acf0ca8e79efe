//! Replays every input the fuzzers found (`fixtures/fuzz-regressions/<target>/`)
//! through the same entry points the cargo-fuzz targets use
//! (`lift_tests::fuzz`), on stable: each must return, Ok or Err, without
//! panicking and within a time bound. Fuzzing itself needs nightly; see
//! `fuzz/README.md`.

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use lift_tests::fixture;
use lift_tests::fuzz::TARGETS;

/// Generous for a debug build: the slowest input that was fixed took
/// seconds before its fix and milliseconds after.
const BOUND: Duration = Duration::from_secs(10);

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = fixture("fuzz-regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn every_found_input_returns_in_time() {
    let mut checked = 0;
    for &(target, run) in TARGETS {
        for path in inputs(target) {
            let data = std::fs::read(&path).unwrap();
            let (done, finished) = mpsc::channel();
            let worker = thread::spawn(move || {
                run(&data);
                let _ = done.send(());
            });
            match finished.recv_timeout(BOUND) {
                Ok(()) => worker.join().unwrap(),
                // The sender was dropped without sending: the worker panicked.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("{target} panicked on {}", path.display())
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("{target} ran past {BOUND:?} on {}", path.display())
                }
            }
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no regression inputs under fixtures/fuzz-regressions"
    );
}

/// A folder named for no target would be silently skipped.
#[test]
fn every_regression_folder_names_a_target() {
    for entry in std::fs::read_dir(fixture("fuzz-regressions")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        // `records` needs the `arbitrary` feature: its inputs are replayed
        // by `cargo test -p lift-tests --features arbitrary --lib`.
        assert!(
            name == "records" || TARGETS.iter().any(|(t, _)| *t == name),
            "fixtures/fuzz-regressions/{name} is not a fuzz target"
        );
    }
}

/// The seed corpora go through the same entry points, so a target that
/// names a parser wrongly fails here on stable before anyone fuzzes it.
#[test]
fn every_seed_returns() {
    for &(target, run) in TARGETS {
        let dir = lift_tests::workspace().join("fuzz/corpus").join(target);
        let seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .collect();
        assert!(!seeds.is_empty(), "no seeds for {target}");
        for seed in seeds {
            run(&std::fs::read(seed.unwrap().path()).unwrap());
        }
    }
}
