#!/bin/sh
# Installs what the test suite needs beyond Rust, idempotently, on Debian or
# Ubuntu (as root or with sudo): the musl target and musl-tools (the static
# probe), gcc (tests build tools/oldkernel.c), util-linux's setarch
# and setpriv (old-kernel and non-root runs), strace (every path the probe
# opens), ss and ps (this machine's listeners and processes), headless
# Chromium (the HTML report checks), the DuckDB Python package (the fleet
# exports test), and libfuse2 with fusepy (a hung FUSE filesystem in
# tests/tests/faults.rs). Under CI=true a test whose tool is missing fails.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
command -v musl-gcc >/dev/null 2>&1 || missing="$missing musl-tools"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
command -v setarch >/dev/null 2>&1 || missing="$missing util-linux"
command -v strace >/dev/null 2>&1 || missing="$missing strace"
command -v ss >/dev/null 2>&1 || missing="$missing iproute2"
command -v ps >/dev/null 2>&1 || missing="$missing procps"
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$missing chromium"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
[ -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 ] || missing="$missing libfuse2"
if [ -n "$missing" ]; then
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
if ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
    rustup target add x86_64-unknown-linux-musl
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
