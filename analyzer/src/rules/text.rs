//! The one table of words keyed by rule id.

use crate::sources::{Missing, State};

/// Blockers and warnings that no command on the host fixes: the
/// architecture or the distribution, the boot loader, paravirtualization.
pub fn is_decision(id: &str) -> bool {
    matches!(
        id,
        "mgn.os-supported" | "mgn.bootloader" | "mgn.not-paravirtualized" | "cloud.bootloader"
    )
}

/// The step that would let an unknown be judged, from why its sources
/// gave nothing and what the input was (`collection.kind`).
pub fn resolve_step(missing: &[Missing], kind: &str) -> Option<String> {
    let probe_as_root = "run lift-probe as root on the host (sudo ./lift-probe -o HOST.lift) and report on that bundle";
    let first = missing.first()?;
    let states = |s: State| missing.iter().any(|m| m.state == s);
    Some(if kind != "bundle" && states(State::NotCollected) {
        format!(
            "this input is a {kind}, which holds no live /proc, /sys or system-call facts: {probe_as_root}, on the live host rather than over an image"
        )
    } else if kind != "bundle" && states(State::Absent) {
        format!("this {kind} does not hold it: {probe_as_root}, on the live host")
    } else if states(State::Unreadable) {
        format!("{} could not be read: {probe_as_root}", first.source)
    } else if states(State::Truncated) {
        "the probe's budget cut a source short: run it again with a larger --max-bytes or --max-seconds".to_string()
    } else if states(State::Broken) {
        let broken: Vec<&str> = missing
            .iter()
            .filter(|m| m.state == State::Broken)
            .map(|m| m.source.as_str())
            .collect();
        format!(
            "look at {} on the host: lift could not parse it",
            broken.join(", ")
        )
    } else if states(State::NotCollected) {
        format!("{}: {probe_as_root}", first)
    } else {
        format!(
            "check on the host: {} {} absent here",
            missing
                .iter()
                .map(|m| m.source.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )
    })
}

pub const UNTITLED: &str = "(untitled check)";

pub fn title(id: &str) -> &'static str {
    match id {
        "gen.incomplete-bundle" => "Bundle completeness",
        "gen.not-root" => "Probe privileges",
        "gen.packages" => "Package databases",
        "cloud.bootloader" => "Boot loader the migration can rewrite",
        "mgn.os-supported" => "Distribution and version",
        "mgn.root-free-space" => "Free space on /",
        "mgn.tmp-free-space" => "Free space on /tmp",
        "mgn.tmp-writable" => "/tmp writability",
        "mgn.tmp-exec" => "/tmp exec permission",
        "mgn.free-ram" => "Available RAM",
        "mgn.python" => "Python interpreter",
        "mgn.build-tools" => "Build tools (make, gcc, perl, tar, gawk, rpm)",
        "mgn.bootloader" => "Active boot loader",
        "mgn.privileges" => "Rights to install the agent",
        "mgn.dhclient" => "dhclient",
        "mgn.kernel-headers" => "Kernel headers for the running kernel",
        "mgn.mac-stable" => "MAC address stability",
        "mgn.not-paravirtualized" => "Paravirtualization",
        "mgn.multipath" => "Multipath",
        "mgn.network" => "Outbound TCP 443 and 1500",
        "gen.unmanaged-listeners" => "Listening ports and their services",
        "gen.network-dependencies" => "Servers the configuration depends on",
        "cloud.static-ip" => "Static addresses",
        "cloud.dhcp-ip" => "DHCP addresses",
        "cloud.nfs-fstab" => "NFS mounts in fstab and autofs",
        "cloud.injected-packages" => "Packages the migration adds",
        "cloud.service-changes" => "Services the migration changes",
        "cloud.drivers" => "Disk and network drivers for the target",
        "cloud.adjtime" => "/etc/adjtime",
        "cloud.boot-rewrite" => "Boot configuration and initramfs",
        _ => UNTITLED,
    }
}
