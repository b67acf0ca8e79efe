#!/bin/bash
# Benchmark: listing 1,500 installed rpm packages with lift's parsers
# (analyzer/examples/rpmqa.rs) against `rpm -qa` on the same databases, for
# a Berkeley DB Packages file (RHEL 7 style: little-endian, 4 KiB pages) and
# a sqlite rpmdb (RHEL 9 style).
#
# The packages are real rpms: one spec with 1,500 noarch subpackages (30
# files and a changelog each, so headers have a realistic size), built once
# with rpmbuild and installed with `rpm -i --justdb` into a sqlite database;
# the Berkeley DB file holds the same header blobs
# (fixtures/gen/rpmdb_from_sqlite.py). Both lists are checked equal to
# rpm's before timing.
#
# Needs: rpm, rpmbuild, python3-bsddb3, hyperfine. Usage: bench/packages.sh [WORKDIR]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/lift-bench-packages}
count=1500
mkdir -p "$work"

if [ ! -f "$work/sqlite/rpmdb.sqlite" ]; then
    spec=$work/bench.spec
    {
        echo "Name: bench"
        echo "Version: 1.0"
        echo "Release: 1"
        echo "Summary: Benchmark packages"
        echo "License: MIT"
        echo "BuildArch: noarch"
        echo "%description"
        echo "Benchmark source package."
        for i in $(seq 1 "$count"); do
            echo "%package -n bench-pkg-$i"
            echo "Summary: Benchmark package number $i"
            echo "Version: 1.$((i % 17)).$i"
            echo "%description -n bench-pkg-$i"
            echo "Package $i of the lift rpmdb benchmark."
            echo "%files -n bench-pkg-$i"
            echo "/usr/share/bench/pkg-$i"
        done
        echo "%install"
        echo "for i in \$(seq 1 $count); do d=%{buildroot}/usr/share/bench/pkg-\$i; mkdir -p \$d;" \
            "for f in \$(seq 1 30); do echo \$i > \$d/data-file-\$f.txt; done; done"
        echo "%changelog"
        for i in $(seq 1 40); do
            echo "* Mon Jan 01 2024 lift bench <bench@example.org> - 1.0-$i"
            echo "- Change number $i, described in a line of ordinary length for a changelog"
        done
    } >"$spec"
    echo "building $count rpms..." >&2
    rpmbuild --quiet --define "_topdir $work/build" --define '_binary_payload w0.ufdio' -bb "$spec" >/dev/null
    echo "installing them into a sqlite rpmdb..." >&2
    rpm --dbpath "$work/sqlite" --define '_db_backend sqlite' --initdb
    rpm --dbpath "$work/sqlite" --define '_db_backend sqlite' -i --justdb --nodeps --nosignature \
        "$work"/build/RPMS/noarch/bench-pkg-*.rpm 2>/dev/null
    echo "writing the Berkeley DB copy..." >&2
    mkdir -p "$work/bdb"
    /usr/bin/python3 "$repo/fixtures/gen/rpmdb_from_sqlite.py" bdb "$work/sqlite/rpmdb.sqlite" "$work/bdb/Packages" 4096 little
fi

(cd "$repo" && cargo build --quiet --release -p lift --example rpmqa)
target=${CARGO_TARGET_DIR:-$repo/target}
rpmqa=$target/release/examples/rpmqa

for backend in sqlite bdb; do
    rpm_backend=$([ "$backend" = bdb ] && echo bdb_ro || echo sqlite)
    diff <(rpm --dbpath "$work/$backend" --define "_db_backend $rpm_backend" -qa 2>/dev/null) <("$rpmqa" "$work/$backend") >/dev/null ||
        { echo "rpmqa and rpm disagree on $backend" >&2; exit 1; }
    echo "$backend: $("$rpmqa" "$work/$backend" | wc -l) packages, same list as rpm -qa, $(du -h "$work/$backend" | cut -f1)" >&2
done

hyperfine --warmup 3 --style basic \
    -n "rpm -qa (bdb_ro, Packages)" "rpm --dbpath $work/bdb --define '_db_backend bdb_ro' -qa" \
    -n "rpmqa (lift, Packages)" "$rpmqa $work/bdb" \
    -n "rpm -qa (sqlite)" "rpm --dbpath $work/sqlite --define '_db_backend sqlite' -qa" \
    -n "rpmqa (lift, sqlite)" "$rpmqa $work/sqlite"
