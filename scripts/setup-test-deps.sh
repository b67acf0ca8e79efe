#!/bin/sh
# Installs what the test suite needs beyond Rust, idempotently, on Debian or
# Ubuntu (as root or with sudo): the musl targets, musl-tools and the cross
# compilers of scripts/probe-targets.sh (the static probes; on Ubuntu the
# arm64 packages need ports.ubuntu.com in the apt sources),
# qemu-user-static (the aarch64 probe's test runs it), gcc (tests build
# tools/oldkernel.c), util-linux's setarch and setpriv (old-kernel and
# non-root runs), strace (every path the probe opens), groff (the man pages
# are checked), ss and ps (this machine's listeners and processes), headless
# Chromium (the HTML report checks), the DuckDB Python package (the fleet
# exports test), and libfuse2 with fusepy (a hung FUSE filesystem in
# tests/tests/faults.rs), Debian's sosreport (a real sosreport in
# tests/tests/sosreport.rs), and python3-bsddb3 with db5.3-util (Berkeley DB
# rpm databases made and dumped in analyzer/src/parse/rpmdb tests), and GNU
# time (the probe's peak RSS in tests/tests/probe_memory.rs), and sysstat
# (sadc and sadf, held against lift's history reader in
# tests/tests/utilization.rs), and openssl (the certificates of
# tests/tests/applications.rs). Under CI=true a
# test whose tool is missing fails.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
. "$(dirname "$0")/probe-targets.sh"
missing=$(probe_target_packages)
command -v qemu-aarch64-static >/dev/null 2>&1 || missing="$missing qemu-user-static"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
command -v setarch >/dev/null 2>&1 || missing="$missing util-linux"
command -v strace >/dev/null 2>&1 || missing="$missing strace"
command -v groff >/dev/null 2>&1 || missing="$missing groff-base"
command -v ss >/dev/null 2>&1 || missing="$missing iproute2"
command -v ps >/dev/null 2>&1 || missing="$missing procps"
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$missing chromium"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 ] || missing="$missing libfuse2"
command -v sos >/dev/null 2>&1 || missing="$missing sosreport"
command -v db5.3_dump >/dev/null 2>&1 || missing="$missing db5.3-util"
[ -x /usr/bin/time ] || missing="$missing time"
[ -x /usr/lib/sysstat/sadc ] || missing="$missing sysstat"
# age and age-keygen: encrypted bundles both ways (tests/tests/encryption.rs).
command -v age-keygen >/dev/null 2>&1 || missing="$missing age"
/usr/bin/python3 -c "import bsddb3" 2>/dev/null || missing="$missing python3-bsddb3"
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
    # shellcheck disable=SC2086
    apt_install $missing
fi
if ! python3 -c "import duckdb" 2>/dev/null; then
    python3 -m pip install --user duckdb 2>/dev/null \
        || python3 -m pip install --user --break-system-packages duckdb
fi
if ! python3 -c "import fuse" 2>/dev/null; then
    python3 -m pip install --user fusepy 2>/dev/null \
        || python3 -m pip install --user --break-system-packages fusepy
fi
echo "test dependencies: ready"
