//! The one table of words keyed by rule id.

pub const UNTITLED: &str = "(untitled check)";

pub fn title(id: &str) -> &'static str {
    match id {
        "gen.incomplete-bundle" => "The bundle is complete",
        "gen.not-root" => "The probe ran with full privileges",
        "mgn.os-supported" => "The distribution is one AWS MGN supports",
        "mgn.root-free-space" => "2 GiB free on /",
        "mgn.tmp-free-space" => "500 MiB free on /tmp",
        "mgn.tmp-writable" => "/tmp is writable",
        "mgn.tmp-exec" => "/tmp allows running programs",
        "mgn.free-ram" => "300 MiB of RAM available",
        "mgn.python" => "Python 2.4+ or 3.x is installed",
        "mgn.build-tools" => "make, gcc, perl, tar, gawk and rpm are installed",
        "mgn.bootloader" => "The active boot loader is GRUB",
        "mgn.privileges" => "Root or full sudo rights to install the agent",
        "mgn.dhclient" => "dhclient is installed",
        "mgn.kernel-headers" => "Kernel headers match the running kernel",
        "mgn.mac-stable" => "MAC addresses are stable across reboots",
        "mgn.not-paravirtualized" => "Not a Xen paravirtualized guest",
        "mgn.multipath" => "Multipath (supported by the installer)",
        "gen.unmanaged-listeners" => "Every listening port belongs to a managed service",
        "cloud.static-ip" => "Static addresses are kept on the target",
        "cloud.dhcp-ip" => "DHCP interfaces get new addresses",
        "cloud.nfs-fstab" => "NFS mounts are dropped on the target",
        "cloud.injected-packages" => "Packages the migration adds",
        "cloud.service-changes" => "Services whose state the migration changes",
        "cloud.drivers" => "The kernel has the target's disk and network drivers",
        "cloud.adjtime" => "/etc/adjtime will differ",
        "cloud.boot-rewrite" => "The boot configuration and initramfs are rewritten",
        _ => UNTITLED,
    }
}
