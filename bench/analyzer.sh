#!/bin/bash
# The analyzer's cost on one real bundle, compared between two revisions in
# one run: `lift report BUNDLE --format json -o FILE`, counted in
# instructions by valgrind's callgrind (repeatable whatever else the machine
# does, unlike wall time on a shared 2-core box), plus the median wall and
# CPU (user + system) time of RUNS runs for each, and the floor: `zstd -d`
# of the same bundle's frames (without lift's 12-byte header), in the same
# run, with the ratio of each revision to it.
#
#   bench/analyzer.sh BASE_REV [BUNDLE]     (as root, for a full live bundle)
#
# BUNDLE defaults to a fresh probe of this machine. Needs valgrind and perf
# (Debian's linux-perf), installed when missing. Both revisions are built
# in release mode in a scratch worktree and target directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: bench/analyzer.sh BASE_REV [BUNDLE]}
work=${WORK:-/tmp/lift-bench-analyzer}
runs=${RUNS:-9}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
mkdir -p "$work"
build() { # REV DIR -> path of lift
    local rev=$1 dir=$2
    if [ "$rev" = HEAD-worktree ]; then
        (cd "$repo" && cargo build -q --release -p lift) && echo "${CARGO_TARGET_DIR:-$repo/target}/release/lift"
        return
    fi
    [ -d "$dir" ] || git -C "$repo" worktree add -q --detach "$dir" "$rev"
    (cd "$dir" && CARGO_TARGET_DIR="$work/target-base" cargo build -q --release -p lift)
    echo "$work/target-base/release/lift"
}
new=$(build HEAD-worktree "")
# BASE_LIFT: a release build of BASE_REV made before, to skip building it.
old=${BASE_LIFT:-$(build "$base" "$work/base-src")}
bundle=${2:-}
if [ -z "$bundle" ]; then
    (cd "$repo" && cargo build -q --release -p lift-probe --target x86_64-unknown-linux-musl)
    bundle=$work/this-machine.lift
    "${CARGO_TARGET_DIR:-$repo/target}/x86_64-unknown-linux-musl/release/lift-probe" -q -o "$bundle"
fi
count() { # LIFT -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$1" report "$bundle" --format json -o "$work/report.json" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
times() { # COMMAND... -> "median-wall-ms median-cpu-ms" over RUNS runs (CPU: perf's task-clock)
    local t
    t=$(for _ in $(seq "$runs"); do
        local s e
        s=$(date +%s%N)
        perf stat -x, -e task-clock -o "$work/stat" "$@" >/dev/null 2>&1
        e=$(date +%s%N)
        echo "$(( (e - s) / 1000 )) $(awk -F, '/task-clock/ {print $1}' "$work/stat")"
    done)
    echo "$(echo "$t" | awk '{printf "%.1f\n", $1 / 1000}' | median) $(echo "$t" | awk '{printf "%.1f\n", $2}' | median)"
}
tail -c +13 "$bundle" > "$work/frames.zst"
ci_old=$(count "$old"); ci_new=$(count "$new")
read -r w_old c_old < <(times "$old" report "$bundle" --format json -o "$work/report.json")
read -r w_new c_new < <(times "$new" report "$bundle" --format json -o "$work/report.json")
read -r w_zst c_zst < <(times zstd -dcq "$work/frames.zst")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f", a / b; else print "-"}'; }
printf '| lift report --format json on %s (%s bytes) | instructions | wall, ms (median of %s) | CPU, ms | wall / floor | CPU / floor |\n|---|---:|---:|---:|---:|---:|\n' \
    "$(basename "$bundle")" "$(stat -c %s "$bundle")" "$runs"
printf '| %s | %s | %s | %s | %s | %s |\n' "$base" "$ci_old" "$w_old" "$c_old" "$(ratio "$w_old" "$w_zst")" "$(ratio "$c_old" "$c_zst")"
printf '| %s | %s | %s | %s | %s | %s |\n' "$(git -C "$repo" rev-parse --short HEAD)" "$ci_new" "$w_new" "$c_new" "$(ratio "$w_new" "$w_zst")" "$(ratio "$c_new" "$c_zst")"
printf '| floor: zstd -dcq of the same frames | | %s | %s | 1 | 1 |\n' "$w_zst" "$c_zst"
awk -v a="$ci_old" -v b="$ci_new" 'BEGIN {printf "change: %+.1f%% instructions\n", (b-a)*100/a}'
