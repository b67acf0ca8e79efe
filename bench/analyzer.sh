#!/bin/bash
# The analyzer's cost on one real bundle, compared between two revisions in
# one run: `lift report BUNDLE --format json -o FILE`, counted in
# instructions by valgrind's callgrind (repeatable whatever else the machine
# does, unlike wall time on a shared 2-core box), plus the median wall time of
# RUNS runs for each.
#
#   bench/analyzer.sh BASE_REV [BUNDLE]     (as root, for a full live bundle)
#
# BUNDLE defaults to a fresh probe of this machine. Both revisions are built
# in release mode in a scratch worktree and target directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: bench/analyzer.sh BASE_REV [BUNDLE]}
work=${WORK:-/tmp/lift-bench-analyzer}
runs=${RUNS:-9}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
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
old=$(build "$base" "$work/base-src")
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
wall() { # LIFT -> median seconds
    for _ in $(seq "$runs"); do
        /usr/bin/time -f %e "$1" report "$bundle" --format json -o "$work/report.json" 2>&1 >/dev/null | tail -1
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
ci_old=$(count "$old"); ci_new=$(count "$new")
w_old=$(wall "$old"); w_new=$(wall "$new")
printf '| lift report --format json on %s (%s bytes) | instructions | wall (median of %s) |\n|---|---:|---:|\n' \
    "$(basename "$bundle")" "$(stat -c %s "$bundle")" "$runs"
printf '| %s | %s | %s s |\n| %s | %s | %s s |\n' "$base" "$ci_old" "$w_old" "$(git -C "$repo" rev-parse --short HEAD)" "$ci_new" "$w_new"
awk -v a="$ci_old" -v b="$ci_new" 'BEGIN {printf "change: %+.1f%% instructions\n", (b-a)*100/a}'
