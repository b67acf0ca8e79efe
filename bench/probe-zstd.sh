#!/bin/bash
# The measurements behind the writer's zstd parameters (issue 15): takes the
# record stream of a live probe's bundle and compresses it with each
# candidate level, window and table size, streaming as the writer does
# (shared/examples/zstd_params.rs). Memory is the encoder's own
# (ZSTD_sizeof_CCtx), which is what it adds to the probe's peak RSS; the
# time is the median of RUNS runs (default 5) on a shared machine, so
# compare rows of one run only. Usage (as root, for a full bundle):
#   bench/probe-zstd.sh [BUNDLE]     writes bench/results/probe-zstd-DATE.md
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
cargo build --quiet --release -p lift-bundle --example zstd_params
target=${CARGO_TARGET_DIR:-$repo/target}
bundle=${1:-}
if [ -z "$bundle" ]; then
    cargo build --quiet --release -p lift-probe --target x86_64-unknown-linux-musl
    bundle=$work/live.lift
    "$target/x86_64-unknown-linux-musl/release/lift-probe" -q -o "$bundle"
fi
# A bundle is 12 bytes (magic, version), then one zstd frame.
tail -c +13 "$bundle" | zstd -d -q >"$work/stream"
result=$repo/bench/results/probe-zstd-$(date -u +%Y-%m-%d).md
{
    echo "# zstd parameters for the probe's writer, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "The record stream of a live probe's bundle on this machine ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)), compressed"
    echo "by lift-bundle's zstd ($(grep -A1 'name = "zstd-sys"' Cargo.lock | grep -o '+zstd[.0-9]*')) as the writer streams it."
    echo "Command: \`bench/probe-zstd.sh\`. \"level's\": the level's own value for an input of unknown size."
    echo
    "$target/release/examples/zstd_params" "$work/stream"
} | tee "$result"
echo "written to $result" >&2
