#!/bin/bash
# Benchmark: `lift batch` over 1,000 bundles against the floor of only
# decompressing the same files (`zstd -d` to /dev/null), in one run.
#
# The bundles are copies of four real ones (three fixture roots and this
# machine, probed here) with the hostname varied: each copy gets its own
# uname nodename, header hostname and start time, so the batch sees 1,000
# distinct hosts. Peak RSS is GNU time's "Maximum resident set size".
#
# Needs: zstd, GNU time (/usr/bin/time). Usage: bench/fleet.sh [WORKDIR] [COUNT]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/lift-bench-fleet}
count=${2:-1000}
jobs=$(nproc)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
(cd "$repo" && cargo build -q --release -p lift -p lift-probe)
lift=$CARGO_TARGET_DIR/release/lift
probe=$CARGO_TARGET_DIR/release/lift-probe

mkdir -p "$work/base" "$work/json"
if [ "$(find "$work/in" -name '*.lift' 2>/dev/null | wc -l)" -ne "$count" ]; then
    rm -rf "$work/in" "$work/json"/*
    mkdir -p "$work/in"
    for c in debian12-systemd centos6-sysv ubuntu1404-upstart; do
        "$probe" --root "$repo/fixtures/$c" -q -o "$work/base/$c.lift"
        "$lift" bundle to-json "$work/base/$c.lift" -o "$work/base/$c.json"
    done
    "$probe" -q -o "$work/base/live.lift" 2>/dev/null
    "$lift" bundle to-json "$work/base/live.lift" -o "$work/base/live.json"
    python3 - "$work" "$count" <<'PY'
import json, sys
work, count = sys.argv[1], int(sys.argv[2])
bases = ["debian12-systemd", "centos6-sysv", "ubuntu1404-upstart", "live"]
docs = {b: json.load(open(f"{work}/base/{b}.json")) for b in bases}
for i in range(count):
    b = bases[i % len(bases)]
    d = docs[b]
    name = f"host{i:05d}"
    recs = [r for r in d["records"] if not ("Fact" in r and "Uname" in r["Fact"])]
    head = dict(recs[0]["Header"], hostname=name, started_at={"secs": 1700000000 + i, "nanos": 0})
    uname = {"Fact": {"Uname": {"sysname": "Linux", "nodename": name, "release": "6.1.0-18-amd64",
             "version": "#1 SMP", "machine": "x86_64", "domainname": "(none)"}}}
    out = dict(d, records=[{"Header": head}] + recs[1:-1] + [uname, recs[-1]])
    json.dump(out, open(f"{work}/json/{name}.lift.json", "w"))
PY
    for j in "$work"/json/*.lift.json; do
        n=$(basename "$j" .json)
        "$lift" bundle from-json "$j" -o "$work/in/$n"
    done
fi

echo "== $count bundles, $(du -sh "$work/in" | cut -f1), $jobs cores"
echo "-- floor: zstd -d of the same files"
# The frames without lift's 12-byte header (magic and version), so that one
# zstd process reads them all, as lift does: no per-file process start.
rm -rf "$work/zst"; mkdir -p "$work/zst"
for f in "$work"/in/*.lift; do tail -c +13 "$f" > "$work/zst/$(basename "$f").zst"; done
start=$(date +%s.%N)
/usr/bin/time -f "zstd peak RSS %M KiB" zstd -dcq "$work"/zst/*.zst > /dev/null
floor=$(echo "$(date +%s.%N) - $start" | bc)
echo "zstd: ${floor}s, $(echo "$count / $floor" | bc) bundles/s"
echo "-- lift batch --jobs $jobs"
start=$(date +%s.%N)
/usr/bin/time -f "lift peak RSS %M KiB" "$lift" batch "$work/in" -o "$work/out" --jobs "$jobs"
took=$(echo "$(date +%s.%N) - $start" | bc)
echo "lift batch: ${took}s, $(echo "$count / $took" | bc) bundles/s, $(echo "scale=1; $took / $floor" | bc)x the floor"
