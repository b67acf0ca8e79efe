#!/bin/sh
# The whole test suite: installs what it needs, then runs every test.
#   scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-test-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
# The binaries the integration tests run, built once before they start.
cargo build -p lift -p lift-probe
cargo test --workspace --no-fail-fast
# The structure-aware fuzz entry point on stable (its seeds and a fixed
# sweep); the feature pulls in `arbitrary`, which the normal build does not.
cargo test -p lift-tests --features arbitrary --lib
