#!/bin/sh
# Installs what the end-to-end tests need beyond Rust: headless Chromium
# (Debian's package) for the HTML checks in tests/tests/mgn.rs and
# tests/tests/fleet.rs, and the DuckDB Python package for the fleet exports.
# Idempotent; run as root or with sudo on a Debian or Ubuntu machine.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    echo "chromium: already installed"
else
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
if python3 -c "import duckdb" 2>/dev/null; then
    echo "duckdb: already installed"
else
    python3 -m pip install --user duckdb 2>/dev/null \
        || python3 -m pip install --user --break-system-packages duckdb
fi
