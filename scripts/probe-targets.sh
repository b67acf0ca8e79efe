# The targets lift-probe is built for, and what building each needs on
# Debian (as root or with sudo). Sourced by scripts/setup.sh and
# scripts/setup-test-deps.sh, with $SUDO set.
#
# A target of this machine's own architecture needs musl-tools; any other
# needs the GNU cross gcc (the linker, named in .cargo/config.toml) and that
# architecture's musl-dev through multiarch, whose musl gcc wrapper
# (<triplet>-linux-musl-gcc) compiles zstd-sys's C. Adding a target is one
# line in probe_target_arch and its section in .cargo/config.toml.

PROBE_TARGETS="x86_64-unknown-linux-musl i686-unknown-linux-musl aarch64-unknown-linux-musl"

# "DEBIAN-ARCH GNU-TRIPLET" of a Rust target.
probe_target_arch() {
    case "$1" in
        x86_64-*) echo "amd64 x86_64-linux-gnu" ;;
        i686-*) echo "i386 i686-linux-gnu" ;;
        aarch64-*) echo "arm64 aarch64-linux-gnu" ;;
        *) echo "probe-targets.sh: no Debian architecture for $1" >&2; return 1 ;;
    esac
}

# Adds the Rust targets and the foreign dpkg architectures every probe
# target needs, and prints the apt packages still missing for them.
probe_target_packages() {
    host_arch=$(dpkg --print-architecture)
    for target in $PROBE_TARGETS; do
        arch=$(probe_target_arch "$target")
        gnu=${arch#* }
        arch=${arch% *}
        if [ "$arch" = "$host_arch" ]; then
            command -v musl-gcc >/dev/null 2>&1 || echo musl-tools
        else
            if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
                $SUDO dpkg --add-architecture "$arch" >&2
            fi
            # Debian's package names spell x86_64 as x86-64.
            command -v "$gnu-gcc" >/dev/null 2>&1 || echo "gcc-$(echo "$gnu" | tr _ -)"
            dpkg -s "musl-dev:$arch" >/dev/null 2>&1 || echo "musl-dev:$arch"
        fi
        rustup target list --installed | grep -qx "$target" || rustup target add "$target" >&2
    done
}

# apt-get install of the packages named, after an update; a mirror in
# mid-sync fails one index, and the install then says whether it mattered.
apt_install() {
    $SUDO apt-get update -q || echo "apt-get update reported errors; installing anyway" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}
