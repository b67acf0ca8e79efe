#!/bin/sh
# Sets up and runs the main job on this machine: installs what is missing
# (the musl target, musl-tools), builds the static probe and the analyzer,
# probes this machine, and writes its bundle and readiness reports to out/.
#   scripts/setup.sh [--target PROFILE]     (default aws-mgn)
set -eu
cd "$(dirname "$0")/.."
target=aws-mgn
[ "${1:-}" = "--target" ] && target=${2:?--target needs a profile}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! command -v musl-gcc >/dev/null 2>&1; then
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends musl-tools
fi
rustup target list --installed | grep -qx x86_64-unknown-linux-musl || rustup target add x86_64-unknown-linux-musl
cargo build --release -p lift-probe --target x86_64-unknown-linux-musl
cargo build --release -p lift
probe=target/x86_64-unknown-linux-musl/release/lift-probe
mkdir -p out
host=$(hostname)
# As root the probe sees everything; otherwise it records what it could not read.
$SUDO "$probe" -o "out/$host.lift"
[ -z "$SUDO" ] || $SUDO chown "$(id -u):$(id -g)" "out/$host.lift"
for fmt in md html json; do
    target/release/lift report "out/$host.lift" --target "$target" -o "out/$host.$fmt"
done
target/release/lift check "out/$host.lift" --target "$target" || true
echo "wrote out/$host.lift and out/$host.{md,html,json}"
