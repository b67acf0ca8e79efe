#!/bin/sh
# Reading a sosreport as it comes (`lift report X.tar.xz --format json`)
# against only unpacking it (`tar -xJf X.tar.xz`), and against reading the
# unpacked tree: median wall time and peak RSS of RUNS runs each.
# Usage: bench/sosreport.sh SOSREPORT.tar.xz [RUNS]   (release lift in target/release)
set -eu
X=$1
RUNS=${2:-5}
LIFT=${LIFT:-$(dirname "$0")/../target/release/lift}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
measure() { # label, command...
    label=$1; shift
    : > "$WORK/times"
    i=0
    while [ $i -lt "$RUNS" ]; do
        rm -rf "$WORK/x"; mkdir "$WORK/x"
        /usr/bin/time -f "%e %M" -o "$WORK/one" "$@" > /dev/null
        cat "$WORK/one" >> "$WORK/times"
        i=$((i + 1))
    done
    sort -n "$WORK/times" | awk -v l="$label" -v n="$RUNS" \
        'NR == int((n + 1) / 2) { printf "%-40s %6.3f s  %7.1f MB\n", l, $1, $2 / 1024 }'
}
measure "tar -xJf (unpack only)" tar -xJf "$X" -C "$WORK/x"
measure "lift report X.tar.xz --format json" "$LIFT" report "$X" --format json
mkdir -p "$WORK/tree" && tar -xJf "$X" -C "$WORK/tree"
TREE=$(find "$WORK/tree" -mindepth 1 -maxdepth 1 -type d | head -1)
measure "lift report TREE --format json" "$LIFT" report "$TREE" --format json
