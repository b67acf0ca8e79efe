#!/bin/bash
# Benchmark: the inventory of a busy server. analyzer/examples/busy_host.rs
# writes the JSON form of a bundle with PROCS processes (each with its
# /proc/PID files, exe link and socket fd links, in 50 systemd services)
# and SOCKETS TCP sockets; this times `lift report --format json` on it
# (hyperfine) and `model::build` alone (the example's own timer), at half,
# one and two times the size, to show that the cost stays linear.
#
# Needs: hyperfine. Usage: bench/inventory.sh [WORKDIR]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/lift-bench-inventory}
mkdir -p "$work"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
(cd "$repo" && cargo build --release -q -p lift --bin lift --example busy_host)
bin=$CARGO_TARGET_DIR/release

for size in 1000:2500 2000:5000 4000:10000; do
    procs=${size%:*} sockets=${size#*:}
    json=$work/busy-$procs.json
    "$bin/examples/busy_host" generate "$procs" "$sockets" "$json"
    "$bin/lift" bundle from-json --output "$work/busy-$procs.lift" "$json"
    echo "== $procs processes, $sockets sockets"
    "$bin/examples/busy_host" build "$json" 20
    hyperfine --warmup 2 --runs 10 -N \
        "$bin/lift report --format json $json" \
        "$bin/lift report --format json $work/busy-$procs.lift" 2>&1 |
        grep -E 'Benchmark|Time'
done
