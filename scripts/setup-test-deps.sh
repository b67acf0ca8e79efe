#!/bin/sh
# Installs what the end-to-end tests need beyond Rust: headless Chromium
# (Debian's package) for the HTML report test in tests/tests/mgn.rs.
# Idempotent; run as root or with sudo on a Debian or Ubuntu machine.
set -eu
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    echo "chromium: already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
