#!/bin/bash
# Benchmark of utilization history (issue 27): what 31 days of sysstat files
# cost the probe and the analyzer. One root (fixtures/debian12-systemd) is
# probed twice per round, side by side: as it is, and with a month of
# /var/log/sysstat/saYYYYMMDD files (sysstat's names when it keeps more than
# 28 days): 31 days before today, each of 144 records ten minutes apart
# (sa1's default cadence), written by this machine's sadc one record per
# run (`sadc -S DISK 1 1`, as sa1 runs it) under libfaketime's clock set to
# the record's time, one real second apart; the 31 days are written side
# by side (about 2.5 minutes). Every file is distinct, real data, and the
# analyzer sees a 31-day window. For each root: the release probe's wall
# time and peak RSS (GNU time), the bundle's size, and
# `lift report --format json`'s wall time on the bundle. Medians of RUNS
# rounds (default 7). Usage (as root):
#   bench/history.sh [WORKDIR]      writes bench/results/history-DATE.md
# DAYS_FROM=DIR takes the saYYYYMMDD files from DIR instead of writing them.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/lift-bench-history}
runs=${RUNS:-7}
[ "$(id -u)" = 0 ] || { echo "history.sh: run as root" >&2; exit 1; }
sadc=/usr/lib/sysstat/sadc
[ -x "$sadc" ] || apt-get install -y sysstat >/dev/null
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
faketime=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -n "${DAYS_FROM:-}" ] || [ -e "$faketime" ] || apt-get install -y faketime >/dev/null

cargo build --release -q -p lift-probe -p lift --manifest-path "$repo/Cargo.toml"
probe=$repo/target/release/lift-probe
lift=$repo/target/release/lift

rm -rf "$work" && mkdir -p "$work/days"
if [ -n "${DAYS_FROM:-}" ]; then
    cp -p "$DAYS_FROM"/sa* "$work/days/"
else
    echo "writing 31 days of sadc records (about 2.5 minutes)..." >&2
    today=$(date -u -d "$(date -u +%Y-%m-%d)" +%s)
    for d in $(seq 1 31); do
        (
            start=$(( today - (32 - d) * 86400 ))
            f=$work/days/sa$(date -u -d "@$start" +%Y%m%d)
            for i in $(seq 0 143); do
                TZ=UTC LD_PRELOAD=$faketime \
                    FAKETIME="@$(date -u -d "@$(( start + i * 600 ))" '+%Y-%m-%d %H:%M:%S')" \
                    "$sadc" -S DISK 1 1 "$f"
                sleep 1
            done
            touch -d "@$(( start + 86399 ))" "$f"
        ) &
    done
    wait
fi
plain=$work/plain
cp -a "$repo/fixtures/debian12-systemd" "$plain"
history=$work/history
cp -a "$plain" "$history"
mkdir -p "$history/var/log/sysstat"
cp -p "$work/days"/sa* "$history/var/log/sysstat/"
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
    echo "$(ls "$history"/var/log/sysstat | wc -l) sysstat files (saYYYYMMDD, 31 days to yesterday, 144 records a day ten minutes apart, sadc -S DISK under libfaketime), $history_bytes bytes, in fixtures/debian12-systemd."
    echo "The report on the history bundle: $("$lift" report "$work/history-1.lift" --format json | python3 -c 'import json,sys; u=json.load(sys.stdin)["host"]["utilization"]; print(u["source"] + ", " + str(u["window"]["days"]) + " days, " + str(u["window"]["samples"]) + " samples, " + str(len(u["daily"])) + " daily summaries")')."
    echo
    echo "| root | probe wall (s) | probe peak RSS (KB) | bundle (bytes) | lift report wall (s) | report peak RSS (KB) |"
    echo "|---|---|---|---|---|---|"
    for case in plain history; do
        echo "| $case | $(col $case.probe 1) | $(col $case.probe 2) | $(col $case.probe 3) | $(col $case.report 1) | $(col $case.report 2) |"
    done
} > "$out"
cat "$out"
