//! What the host runs on: the hypervisor (the boot loader is boot.rs's).

use serde::Serialize;

use super::facts::Facts;
use super::virt;
pub use super::virt::VirtKind;
use crate::sources as src;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Virtualization {
    /// kvm, xen-pv, xen-hvm, xen (PV or HVM not told), vmware, hyperv,
    /// ..., none, unknown.
    pub kind: VirtKind,
    pub evidence: Vec<String>,
    /// A Xen paravirtualized guest: true, false (ruled out), or null when
    /// the evidence cannot tell.
    pub pv_guest: Option<bool>,
}

pub fn virtualization(f: &Facts, hypervisor_flag: Option<bool>) -> Virtualization {
    let dmi = |n: &str| f.line_at(&src::DMI, &src::DMI.at(&[n]));
    let inputs = virt::VirtInputs {
        sys_vendor: dmi("sys_vendor"),
        product_name: dmi("product_name"),
        product_version: dmi("product_version"),
        bios_vendor: dmi("bios_vendor"),
        chassis_vendor: dmi("chassis_vendor"),
        hypervisor_type: f.line(&src::HYPERVISOR_TYPE),
        xen_guest_type: f.line(&src::XEN_GUEST_TYPE),
        // A guest's file is empty, and still says Xen.
        xen_capabilities: f
            .bytes(&src::XEN_CAPABILITIES)
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
        cpu_hypervisor_flag: hypervisor_flag,
    };
    let mut out = virt::detect(&inputs);
    if out.pv_guest.is_none() {
        if let Some(disk) = virtio_disk(f) {
            not_pv_by_disk(&mut out, disk);
        }
    }
    out
}

/// The first disk on the virtio bus, as `/sys/block/vda -> .../virtio1/block/vda`:
/// its link into /sys/devices names the bus it hangs on.
fn virtio_disk(f: &Facts) -> Option<String> {
    let links = f.list(&src::SYS_BLOCK)?.into_iter().filter_map(|c| {
        Some((
            String::from_utf8_lossy(&c.name).into_owned(),
            String::from_utf8_lossy(c.link_target.as_deref()?).into_owned(),
        ))
    });
    first_virtio(links, src::SYS_BLOCK.path())
}

/// Of (disk, link target) pairs, the first whose target passes a
/// `virtioN` device, shown as `DIR/disk -> target`.
pub(crate) fn first_virtio(
    links: impl IntoIterator<Item = (String, String)>,
    dir: &str,
) -> Option<String> {
    links.into_iter().find_map(|(name, target)| {
        let on_virtio = target.split('/').any(|part| {
            part.strip_prefix("virtio")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        on_virtio.then(|| format!("{dir}/{name} -> {target}"))
    })
}

/// A virtio disk rules out a Xen PV guest.
pub(crate) fn not_pv_by_disk(v: &mut Virtualization, disk: String) {
    v.pv_guest = Some(false);
    v.evidence.retain(|e| !e.ends_with("would look the same"));
    v.evidence.push(format!(
        "{disk}: a virtio disk (virtio_blk); a Xen PV guest's disks are xvd* on xen_blkfront (vbd-*)"
    ));
}
/// A machine name's instruction set, as far as a cloud cares: its width and
/// family. uname's `i686`, dpkg's `i386`, apk's `x86`, `armv7l`, `armhf`...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    X86_64,
    Aarch64,
    X86_32,
    Arm32,
    /// Another 32-bit architecture (ppc, s390, mips, riscv32).
    Other32,
    /// Another 64-bit one (ppc64le, s390x, riscv64, loongarch64, ...).
    Other64,
}

impl Isa {
    pub fn of(arch: &str) -> Isa {
        match arch {
            "x86_64" | "amd64" => Isa::X86_64,
            "aarch64" | "arm64" => Isa::Aarch64,
            "i386" | "i486" | "i586" | "i686" | "x86" | "athlon" => Isa::X86_32,
            a if a.starts_with("armv") || matches!(a, "armhf" | "armel" | "arm" | "armhfp") => {
                Isa::Arm32
            }
            "ppc" | "s390" | "mips" | "mipsel" | "riscv32" | "m68k" | "sparc" => Isa::Other32,
            _ => Isa::Other64,
        }
    }

    pub fn is_32bit(self) -> bool {
        matches!(self, Isa::X86_32 | Isa::Arm32 | Isa::Other32)
    }
}
