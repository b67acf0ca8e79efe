//! The one table of words keyed by rule id.

pub const UNTITLED: &str = "(untitled check)";

pub fn title(id: &str) -> &'static str {
    match id {
        "gen.incomplete-bundle" => "Bundle completeness",
        "gen.not-root" => "Probe privileges",
        "gen.packages" => "Package databases",
        "cloud.bootloader" => "Boot loader the migration can rewrite",
        "cloud.architecture" => "Architecture the cloud's virtual machines run",
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
        "cloud.storage-layout" => "Storage the target's volumes change",
        _ => UNTITLED,
    }
}
