#!/bin/sh
# Sets up and runs the main job on this machine: installs what is missing
# (the musl targets, musl-tools and the cross compilers of
# scripts/probe-targets.sh), builds the static probe for x86_64, i686 and
# aarch64 into out/probes/, the analyzer, its manual pages (out/man/) and
# shell completions (out/lift.bash, out/_lift, out/lift.fish), probes this
# machine, and writes its bundle and readiness reports to out/.
#   scripts/setup.sh [--target PROFILE]     (default aws-mgn)
set -eu
cd "$(dirname "$0")/.."
target=aws-mgn
[ "${1:-}" = "--target" ] && target=${2:?--target needs a profile}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
. scripts/probe-targets.sh
missing=$(probe_target_packages)
# shellcheck disable=SC2086
[ -z "$missing" ] || apt_install $missing
mkdir -p out/probes
for t in $PROBE_TARGETS; do
    cargo build --release -p lift-probe --target "$t"
    cp "target/$t/release/lift-probe" "out/probes/lift-probe-${t%%-*}"
done
cargo build --release -p lift
lift=target/release/lift
mkdir -p out/man
$lift man --dir out/man
# The names each shell looks for in its completion directory.
$lift completions bash > out/lift.bash
$lift completions zsh > out/_lift
$lift completions fish > out/lift.fish
probe=target/x86_64-unknown-linux-musl/release/lift-probe
host=$(hostname)
# As root the probe sees everything; otherwise it records what it could not read.
$SUDO "$probe" -o "out/$host.lift"
[ -z "$SUDO" ] || $SUDO chown "$(id -u):$(id -g)" "out/$host.lift"
for fmt in md html json; do
    $lift report "out/$host.lift" --target "$target" -o "out/$host.$fmt"
done
$lift check "out/$host.lift" --target "$target" || true
echo "wrote out/probes/ ($(ls out/probes | tr '\n' ' ')), out/man/lift.1 and one page per"
echo "subcommand, out/lift.bash, out/_lift (zsh), out/lift.fish, out/$host.lift and out/$host.{md,html,json}"
