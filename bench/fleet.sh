#!/bin/bash
# Benchmark: `lift batch` over COUNT real-size bundles against the floor of
# only decompressing the same frames (`zstd -d`), in one run, at two fleet
# sizes (COUNT/10 and COUNT) for bundles/s, the ratio and peak RSS.
#
# The corpus is real-size bundles only: a probe of this machine and probes
# of debootstrapped Debian roots (bookworm and bullseye, minbase; one copy
# in ten each, the rest copies of this machine's), each probed in a UTS and
# mount namespace under a placeholder hostname and machine-id of fixed
# length. Each copy replaces the placeholders with its own hostname and
# machine-id (and the machine-id's SHA-256, as the probe lists /etc) at the
# same byte length, so its records are otherwise the probe's, and is
# compressed again at zstd level 3 (the probe writes level 9; a level-3
# copy of this machine's bundle is about 1.2 times as large, and
# decompresses as fast). So COUNT distinct hosts.
#
# Peak RSS is GNU time's "Maximum resident set size" (the largest of lift
# and its workers). On a shared machine the wall ratio depends on what else
# runs; the CPU times (user + system, workers included) are printed too.
#
# Needs root (debootstrap, unshare), zstd, debootstrap, GNU time. Without
# debootstrap, the two small bases are probes of copies of
# fixtures/debian12-systemd and fixtures/centos6-sysv instead (say so with
# the figures).
#
# MODE=scale (default): COUNT/10 and COUNT bundles, each against its floor
# (SIZES="1000 30000" runs those sizes instead, smallest first, and prints
# peak RSS and time per bundle against the smallest: issue 29's series).
# BASES=small: every copy from the two debootstrapped minbase roots (about
# 100 packages each, a few hundred KB of reports a host), none from this
# machine: 30,000 copies of this machine's bundle need about 75 GB of disk
# (24 GB of bundles, 1.6 MB of reports and exports a host).
# MODE=incremental: a first batch over COUNT bundles into a fresh DIR, then
# 100 new bundles added to the folder and the batch run again into the same
# DIR (issue 29: the rerun analyses the 100 and rebuilds the fleet's
# outputs from the kept results); prints both times and their ratio, and
# checks the rerun's DIR against a fresh run's (byte for byte, .kept aside).
# MODE=phases: where a batch's instructions go, phase by phase, counted by
# valgrind's callgrind (repeatable on a loaded machine) over the first
# COUNT bundles (say 30: callgrind runs about 50 times slower) with one
# worker: decompression, bundle decode, model building, rules, each host's
# pages and export rows (the worker), and the batch process's part (input
# keys, kept results, joined exports, Parquet, the fleet-wide rest).
# Callgrind's CPU has no SHA extensions: the input keys' SHA-256 counts
# about 20 times what it costs on a CPU with them.
# Usage: [MODE=scale|incremental|phases] bench/fleet.sh [COUNT] [WORKDIR]   (COUNT default 1000)
set -euo pipefail
mode=${MODE:-scale}

repo=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-1000}
work=${2:-/tmp/lift-bench-fleet}
jobs=$(nproc)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
(cd "$repo" && cargo build -q --release -p lift -p lift-probe)
lift=$CARGO_TARGET_DIR/release/lift
probe=$CARGO_TARGET_DIR/release/lift-probe
mkdir -p "$work/base" "$work/roots"

# Placeholders: base B's hostname is lhB-XXXXXXX, its machine-id
# 00000000000000000000000000fe11eB.
base_bundle() { # NAME B ROOT (ROOT empty: this machine)
    local name=$1 b=$2 root=$3 out=$work/base/$1.lift
    [ -s "$out" ] && return
    local host=lh$b-XXXXXXX mid
    mid=$(printf '00000000000000000000000000fe11e%s' "$b")
    printf '%s\n' "$host" > "$work/base/$name.hostname"
    printf '%s\n' "$mid" > "$work/base/$name.machine-id"
    local etc=${root:-}/etc
    unshare --uts --mount sh -c "
        hostname $host
        mount --bind '$work/base/$name.hostname' '$etc/hostname'
        [ -e '$etc/machine-id' ] || touch '$etc/machine-id'
        mount --bind '$work/base/$name.machine-id' '$etc/machine-id'
        '$probe' ${root:+--root '$root'} -q -o '$out'" 2>/dev/null
}
base_bundle live 0 ""
for s in bookworm bullseye; do
    r=$work/roots/$s
    if ! command -v debootstrap > /dev/null; then
        fx=$([ $s = bookworm ] && echo debian12-systemd || echo centos6-sysv)
        [ -d "$r/etc" ] || { mkdir -p "$r" && cp -a "$repo/fixtures/$fx/." "$r/" && touch "$r/etc/hostname"; }
    elif [ ! -x "$r/bin/sh" ]; then
        debootstrap --variant=minbase "$s" "$r" http://deb.debian.org/debian > "$work/roots/$s.log"
    fi
    base_bundle "$s" "$([ $s = bookworm ] && echo 1 || echo 2)" "$r"
done
total=$count
[ "$mode" = incremental ] && total=$((count + 100))

# Copies already made by an earlier run are kept (h0000000.lift, ...).
mkdir -p "$work/in"
if [ "$(find "$work/in" -name '*.lift' | wc -l)" -lt "$total" ]; then
    python3 - "$work" "$total" "$jobs" "${BASES:-mixed}" <<'PY'
import concurrent.futures, hashlib, os, subprocess, sys
work, count, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
small = sys.argv[4] == "small"
bases = []
for name, b in [("live", 0), ("bookworm", 1), ("bullseye", 2)]:
    raw = open(f"{work}/base/{name}.lift", "rb").read()
    body = subprocess.run(["zstd", "-dcq"], input=raw[12:], capture_output=True, check=True).stdout
    host = f"lh{b}-XXXXXXX".encode()
    mid = f"00000000000000000000000000fe11e{b}".encode()
    assert host in body, f"{name}: hostname placeholder not found"
    bases.append((raw[:12], body, host, mid, hashlib.sha256(mid + b"\n").digest()))

def copy(i):
    # Mostly this machine (843 packages, 8 MB of content): the minbase
    # roots are real but small (about 100 packages).
    b = {0: 1, 1: 2}.get(i % 10, 0) if not small else 1 + i % 2
    head, body, host, mid, digest = bases[b]
    path = f"{work}/in/h{i:07d}.lift"
    if os.path.exists(path):
        return
    new_mid = hashlib.md5(b"lift-fleet-%d" % i).hexdigest().encode()
    body = (body.replace(host, f"lh{b}-{i:07d}".encode())
            .replace(mid, new_mid)
            .replace(digest, hashlib.sha256(new_mid + b"\n").digest()))
    with open(path + ".tmp", "wb") as f:
        f.write(head)
        f.flush()
        subprocess.run(["zstd", "-3", "-cq"], input=body, stdout=f, check=True)
    os.rename(path + ".tmp", path)

with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
    list(pool.map(copy, range(count)))
PY
fi

# On ext4 without a journal (as on the machine of the README's figures:
# /proc/fs/jbd2 lists no journal for its disk), a new file does not take an inode
# freed in the last 60 s, or 360 s while that inode's table block is dirty
# again (fs/ext4/ialloc.c, recently_deleted: RECENTCY_MIN and
# RECENTCY_DIRTY). It walks past each such inode, reading its table block,
# at every file it creates: a batch started minutes after an earlier
# batch's DIR was deleted spent a third of its time there, in the kernel
# (bench/results/fleet-2026-12-08-settle.md). A user's batch seldom
# follows the deletion of a hundred thousand files; the bench's did. So
# the bench keeps every DIR until it ends, deletes them then, notes when
# (in $work/deleted-at), and each timed batch first waits until 361 s
# have passed since (printed, not counted). Deletions by anything else
# on the machine are not seen here.
settle() {
    local at=$work/deleted-at left
    [ -e "$at" ] || return 0
    left=$((361 - ($(date +%s) - $(stat -c %Y "$at"))))
    if [ "$left" -gt 0 ]; then
        echo "waiting ${left}s: the bench deleted its outputs at $(date -d @"$(stat -c %Y "$at")" +%T)"
        sleep "$left"
    fi
}
cleanup() { # the DIRs of this bench and any earlier one
    local old
    old=$(find "$work" -maxdepth 1 \( -name 'out-*' -o -name 'set-*' -o -name callgrind \) | head -1)
    [ -z "$old" ] && return 0
    find "$work" -maxdepth 1 \( -name 'out-*' -o -name 'set-*' -o -name callgrind \) -exec rm -rf {} +
    touch "$work/deleted-at"
}
cleanup

run() { # N: batch over the first N bundles, and the floor over the same
    local n=$1 dir=$work/set-$1
    rm -rf "$dir" && mkdir -p "$dir"
    find "$work/in" -name 'h*.lift' | sort | awk -v n="$n" 'NR <= n' | xargs ln -t "$dir"
    echo "== $n bundles, $(du -sh "$dir" | cut -f1), $jobs cores"
    local start floor took
    # The wait first, so that the floor and the batch run one after the
    # other, not six minutes apart.
    settle
    # The floor: one zstd process decompressing every bundle's frames (the
    # bundle without lift's 12-byte header, magic and version), as lift
    # reads them all in one process: no per-file process start. The frames
    # are streamed to it, so they take no disk space twice.
    start=$(date +%s.%N)
    /usr/bin/time -f "zstd peak RSS %M KiB, CPU %U s user %S s system" \
        sh -c 'for f in "$0"/*.lift; do tail -c +13 "$f"; done | zstd -dcq > /dev/null' "$dir"
    floor=$(echo "$(date +%s.%N) - $start" | bc)
    echo "floor (zstd -d): ${floor}s, $(echo "$n / $floor" | bc) bundles/s"
    start=$(date +%s.%N)
    /usr/bin/time -o "$work/time-$n" -f "%M %U %S" \
        "$lift" batch "$dir" -o "$work/out-$n" --jobs "$jobs" &
    # The batch process's own peak (VmHWM), apart from its workers', and
    # when its last bundle was done (its workers gone): what follows is
    # the fleet-wide part (dependency map, exports joined, index.html).
    local timer=$! pid="" hwm=0 last=""
    while kill -0 "$timer" 2>/dev/null; do
        [ -n "$pid" ] || pid=$(pgrep -P "$timer" -x lift || true)
        if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
            hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo "$hwm")
            ! pgrep -P "$pid" > /dev/null || last=$(date +%s.%N)
        fi
        sleep 0.2
    done
    wait "$timer"
    took=$(echo "$(date +%s.%N) - $start" | bc)
    local peak cpu
    read -r peak user sys < "$work/time-$n"
    cpu=$(echo "$user + $sys" | bc)
    echo "lift peak RSS $peak KiB, CPU $user s user $sys s system (workers included)"
    echo "the batch process alone: peak RSS ${hwm} KiB (VmHWM sampled every 0.2 s: a lower bound, it can miss a peak in the last 0.2 s)"
    [ -z "$last" ] || echo "after the last bundle: $(echo "$start + $took - $last" | bc)s"
    echo "lift batch: ${took}s, $(echo "$n / $took" | bc) bundles/s, $(echo "scale=2; $took / $floor" | bc)x the floor"
    series="$series$n $took $cpu $hwm $peak\n"
    echo "disk: $(du -sh "$work/out-$n" | cut -f1) of reports"
    # The DIR stays until the bench ends: deleting it would slow the next
    # size's batch (see `settle`).
    rm -rf "$dir"
}
timed() { # OUT LABEL ARGS...: one batch, its wall time in $took
    local out=$1 label=$2 start
    shift 2
    # Each run starts with nothing dirty: a first run of 10,000 bundles
    # leaves about 2 GB for the kernel to write back, and a rerun started
    # at once shares the disk with that (bundles arrive over days; a rerun
    # right after a first run is the bench's, not a user's). How long the
    # writeback took is printed, not counted in either run.
    start=$(date +%s.%N)
    sync
    echo "$label: sync before it $(echo "$(date +%s.%N) - $start" | bc)s"
    start=$(date +%s.%N)
    /usr/bin/time -f "$label: peak RSS %M KiB, CPU %U s user %S s system (workers included)" \
        "$lift" batch "$@" -o "$out" --jobs "$jobs"
    took=$(echo "$(date +%s.%N) - $start" | bc)
    echo "$label: ${took}s (load average before: $load)"
}

incremental() { # N: N bundles, then 100 more into the same DIR
    local n=$1 dir=$work/set-inc out=$work/out-inc first
    rm -rf "$dir" && mkdir -p "$dir"
    find "$work/in" -name 'h*.lift' | sort | awk -v n="$n" 'NR <= n' | xargs ln -t "$dir"
    echo "== incremental: $n bundles, then 100 new, $jobs cores"
    # Else the first run pays for an earlier deletion and the rerun's
    # share looks smaller than it is.
    settle
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    timed "$out" "first run ($n bundles)" "$dir"
    first=$took
    find "$work/in" -name 'h*.lift' | sort | awk -v n="$n" 'NR > n && NR <= n + 100' | xargs ln -t "$dir"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    timed "$out" "rerun ($n kept + 100 new)" "$dir"
    echo "rerun / first run: $(echo "scale=4; $took / $first" | bc)"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    timed "$work/out-fresh" "fresh run ($((n + 100)) bundles)" "$dir"
    if diff -r -q -x .kept -x .lift-batch.lock "$out" "$work/out-fresh" > /dev/null; then
        echo "the rerun's DIR is the fresh run's, byte for byte"
    else
        echo "the rerun's DIR DIFFERS from the fresh run's"
    fi
    echo "disk: $(du -sh "$out" | cut -f1) of reports, $(du -sh "$out/.kept" | cut -f1) of it kept results (hard links counted once)"
    rm -rf "$dir"
}

phases() { # N: callgrind over a batch of N bundles, --jobs 1
    local n=$1 dir=$work/set-phases out=$work/out-phases cg=$work/callgrind
    rm -rf "$dir" "$cg" && mkdir -p "$dir" "$cg"
    find "$work/in" -name 'h*.lift' | sort | awk -v n="$n" 'NR <= n' | xargs ln -t "$dir"
    echo "== phases: $n bundles, callgrind, one worker"
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$cg/cg.%p" \
        "$lift" batch "$dir" -o "$out" --jobs 1 > /dev/null 2>&1
    python3 - "$cg" "$n" <<'PY'
import glob, re, subprocess, sys
cg, n = sys.argv[1], int(sys.argv[2])
def inclusive(path):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                          capture_output=True, text=True, check=True).stdout
    cost, total = {}, 0
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)(?: \[.*\])?$", line)
        if not m:
            continue
        v = int(m.group(1).replace(",", ""))
        if m.group(2) == "PROGRAM TOTALS":
            total = v
        else:
            fn = m.group(2).split(":", 1)[-1]
            cost[fn] = max(cost.get(fn, 0), v)
    return cost, total
worker, batch = {}, {}
wt = bt = 0
for f in glob.glob(f"{cg}/cg.*"):
    cmd = open(f, errors="replace").read(4096)
    cost, total = inclusive(f)
    if "__batch-worker" in cmd:
        wt += total
        for k, v in cost.items():
            worker[k] = worker.get(k, 0) + v
    else:
        bt, batch = total, cost
w = lambda f: worker.get(f, 0)
b = lambda f: batch.get(f, 0)
one = w("lift::fleet::one")
rows = [
    ("worker: decompression (zstd)", w("ZSTD_decompressStream")),
    ("worker: bundle decode (records)", w("lift::snapshot::open") - w("ZSTD_decompressStream")),
    ("worker: model building (facts)", w("lift::model::build")),
    ("worker: rules and report", w("lift::report::Report::build") - w("lift::model::build")),
    ("worker: JSON page", w("lift::render::render_with")),
    ("worker: HTML page: template", w("minijinja::template::Template::render")),
    ("worker: HTML page: words kept whole", w("lift::render::escape::keep_words_in_cells")),
]
rows.append(("worker: the rest (report as template values, export rows, summary, writes)",
             one - sum(v for _, v in rows)))
rows.append(("worker: process (start, requests, answers)", wt - one))
parquet = b("lift::fleet::parquet::Table::write")
sha = b("sha2::sha256::compress256")
rows += [
    ("batch: input keys' SHA-256 (software SHA under callgrind)", sha),
    ("batch: Parquet (after the last bundle)", parquet),
    ("batch: the rest (kept results, joined exports, summaries, index, CSV)", bt - sha - parquet),
]
total = wt + bt
print(f"{'phase':<78} {'M instr/bundle':>14} {'share':>6}")
for name, v in rows:
    print(f"{name:<78} {v / n / 1e6:14.1f} {100 * v / total:5.1f}%")
print(f"{'total':<78} {total / n / 1e6:14.1f}")
PY
    rm -rf "$dir" "$cg"
}

series=""
if [ "$mode" = incremental ]; then
    incremental "$count"
elif [ "$mode" = phases ]; then
    phases "$count"
else
    small=$((count / 10))
    sizes=${SIZES:-$([ "$small" -ge 1 ] && echo "$small") $count}
    for n in $sizes; do
        echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
        run "$n"
    done
    # Each size against the smallest: time and CPU per bundle (1.00 is
    # linear), and peak RSS, the batch process's and the largest process's.
    printf "$series" | awk 'NR == 1 { n0 = $1; t0 = $2 / $1; c0 = $3 / $1; h0 = $4; p0 = $5 }
        { printf "%d bundles: wall per bundle %.2fx, CPU per bundle %.2fx, batch process peak RSS %.2fx (%d KiB), largest process %.2fx (%d KiB) of the %d-bundle run\n",
          $1, ($2 / $1) / t0, ($3 / $1) / c0, $4 / h0, $4, $5 / p0, $5, n0 }'
fi
cleanup
