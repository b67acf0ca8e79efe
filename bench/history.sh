#!/bin/bash
# Benchmark of utilization history (issue 27): what 31 days of sysstat files
# cost the probe and the analyzer. One root (fixtures/debian12-systemd) is
# probed twice per round, side by side: as it is, and with a month of
# /var/log/sysstat/saDD files (sadc -S DISK every 10 minutes is sysstat's
# default collection: 144 records a day; here 145 records a second apart,
# written by this machine's sadc, eight distinct days cycled over 31 names
# so that no two neighbours are the same file). For each: the release
# probe's wall time and peak RSS (GNU time), the bundle's size, and
# `lift report --format json`'s wall time on the bundle. Medians of RUNS
# rounds (default 7). Usage (as root):
#   bench/history.sh [WORKDIR]      writes bench/results/history-DATE.md
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/lift-bench-history}
runs=${RUNS:-7}
[ "$(id -u)" = 0 ] || { echo "history.sh: run as root" >&2; exit 1; }
sadc=/usr/lib/sysstat/sadc
[ -x "$sadc" ] || apt-get install -y sysstat >/dev/null
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

cargo build --release -q -p lift-probe -p lift --manifest-path "$repo/Cargo.toml"
probe=$repo/target/release/lift-probe
lift=$repo/target/release/lift

rm -rf "$work" && mkdir -p "$work/days"
if [ -n "${DAYS_FROM:-}" ]; then
    cp "$DAYS_FROM"/day* "$work/days/"
else
    echo "writing eight days of sadc records (about 2.5 minutes)..." >&2
    for i in 1 2 3 4 5 6 7 8; do "$sadc" -S DISK 1 145 "$work/days/day$i" & done
    wait
fi
plain=$work/plain
cp -a "$repo/fixtures/debian12-systemd" "$plain"
history=$work/history
cp -a "$plain" "$history"
mkdir -p "$history/var/log/sysstat"
now=$(date +%s)
for d in $(seq 1 31); do
    f=$history/var/log/sysstat/sa$(printf %02d "$d")
    cp "$work/days/day$(( (d - 1) % 8 + 1 ))" "$f"
    touch -d "@$(( now - (31 - d) * 86400 ))" "$f"
done
history_bytes=$(du -cb "$history"/var/log/sysstat/sa* | tail -1 | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for case in plain history; do : > "$work/$case.probe" ; : > "$work/$case.report"; done
for r in $(seq 1 "$runs"); do
    for case in plain history; do
        out=$work/$case-$r.lift
        /usr/bin/time -f "%e %M" -o "$work/t" "$probe" -q --root "$work/$case" -o "$out"
        echo "$(cat "$work/t") $(stat -c %s "$out")" >> "$work/$case.probe"
        /usr/bin/time -f "%e %M" -o "$work/t" "$lift" report "$out" --format json > /dev/null
        cat "$work/t" >> "$work/$case.report"
    done
done
col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }
date=$(date -u +%Y-%m-%d)
out=$repo/bench/results/history-$date.md
{
    echo "# History benchmark, $date"
    echo
    echo "\`bench/history.sh\` (RUNS=$runs), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "31 sysstat files of 145 records each (sadc -S DISK), $history_bytes bytes, in fixtures/debian12-systemd."
    echo
    echo "| root | probe wall (s) | probe peak RSS (KB) | bundle (bytes) | lift report wall (s) | report peak RSS (KB) |"
    echo "|---|---|---|---|---|---|"
    for case in plain history; do
        echo "| $case | $(col $case.probe 1) | $(col $case.probe 2) | $(col $case.probe 3) | $(col $case.report 1) | $(col $case.report 2) |"
    done
} > "$out"
cat "$out"
