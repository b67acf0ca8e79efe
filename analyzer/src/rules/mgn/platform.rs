//! The platform: a supported distribution, GRUB as the active boot loader,
//! no Xen paravirtualization, and multipath noted.

use super::os_table::{self, Verdict};
use crate::model::{Firmware, Host, Loader, VirtKind};
use crate::rules::Identified;
use crate::rules::RuleId;
use crate::rules::{boot_unknown, with_boot_evidence, Finding, Rule, Severity};
use crate::sources;

pub struct OsSupported;

impl Rule for OsSupported {
    fn check(&self, host: &Host) -> Finding {
        if let Some(f) = unsupported_arch(self.id(), host) {
            return f;
        }
        let os = &host.os;
        let source = os.source.clone().unwrap_or_else(|| "release files".into());
        let Some(id) = os.id.as_deref() else {
            return Finding::unknown(
                self.id(),
                host,
                &[
                    &sources::OS_RELEASE,
                    &sources::USR_OS_RELEASE,
                    &sources::REDHAT_RELEASE,
                    &sources::SUSE_RELEASE,
                    &sources::DEBIAN_VERSION,
                    &sources::LSB_RELEASE,
                ],
            );
        };
        let shown = os.pretty_name.clone().unwrap_or_else(|| id.to_string());
        let Some(version) = os.version_id.as_deref() else {
            return Finding::new(
                self.id(),
                Severity::Warning,
                format!("{shown}: no version found, so support cannot be checked"),
            )
            .evidence(source, format!("ID={id}"));
        };
        let excerpt = format!("ID={id} VERSION_ID={version}");
        match os_table::lookup(id, version) {
            Verdict::Supported(r) => {
                let arm = match host.kernel.arch.as_deref() {
                    Some("aarch64") => " on 64-bit ARM (aarch64): AWS's list covers the 64-bit x86 and ARM builds of each distribution it names",
                    _ => "",
                };
                Finding::new(
                    self.id(),
                    Severity::Pass,
                    format!("{shown} is supported ({} {} and later){arm}", r.name, r.from),
                )
            }
            Verdict::TooOld(name, floors) => Finding::new(
                self.id(),
                Severity::Blocker,
                format!("{shown} is older than AWS MGN supports ({name} from {floors})"),
            )
            .remediation("Upgrade the operating system, or migrate this server another way (e.g. an image import)"),
            Verdict::Unlisted => Finding::new(
                self.id(),
                Severity::Warning,
                format!("{shown} ({id}) is not among the distributions AWS MGN supports (lift's table, rules/mgn/os_table.rs): the agent may install, without AWS's support{}; check AWS's current list", os_table::unlisted_why(id)),
            )
            // A decision item says what to decide between.
            .remediation("Decide before the move: try the agent on a copy of this host and accept running without AWS's support, re-platform the workload on a supported distribution, or migrate it another way (a rebuild, or an image import)"),
        }
        .evidence(source, excerpt)
    }
}

/// AWS's list of supported systems covers 64-bit x86 and ARM builds only:
/// a 32-bit host (i686, armv7l) or another architecture is a blocker
/// whatever its distribution.
fn unsupported_arch(id: RuleId, host: &Host) -> Option<Finding> {
    let arch = host.kernel.arch.as_deref()?;
    let source = host
        .kernel
        .arch_source
        .clone()
        .unwrap_or_else(|| "uname".into());
    let bits32 = matches!(
        arch,
        "i386"
            | "i486"
            | "i586"
            | "i686"
            | "x86"
            | "armv5tel"
            | "armv6l"
            | "armv7l"
            | "armv7"
            | "armhf"
            | "arm"
            | "ppc"
            | "s390"
            | "mips"
            | "riscv32"
    );
    let detail = if bits32 {
        format!("a 32-bit {arch} host: AWS MGN supports only 64-bit builds (x86_64, aarch64) of the distributions it lists")
    } else if matches!(arch, "x86_64" | "amd64" | "aarch64" | "arm64") {
        return None;
    } else {
        format!("a {arch} host: AWS MGN supports only x86_64 and aarch64 builds of the distributions it lists")
    };
    Some(
        Finding::new(id, Severity::Blocker, detail)
            .evidence(source, arch.to_string())
            .remediation("Move the workload to a 64-bit (x86_64) build of a supported distribution first, or migrate it another way"),
    )
}

pub struct Bootloader;

impl Rule for Bootloader {
    fn check(&self, host: &Host) -> Finding {
        let b = &host.boot;
        if let Some(f) = crate::rules::cloud::not_bootable(
            self.id(),
            host,
            "AWS MGN replicates the disks of servers that boot, and launches them as EC2 instances",
        ) {
            return f;
        }
        let f = match b.loader {
            Loader::Grub1 | Loader::Grub2 => Finding::new(
                self.id(),
                Severity::Pass,
                format!("{} firmware boots {}", b.firmware, if b.loader == Loader::Grub1 { "GRUB legacy" } else { "GRUB 2" }),
            ),
            Loader::Unknown => boot_unknown(self.id(), host),
            other => Finding::new(
                self.id(),
                Severity::Blocker,
                format!("the active boot loader is {other}; AWS MGN needs GRUB legacy or GRUB 2"),
            )
            .remediation(if b.firmware == Firmware::Uefi {
                "Install GRUB 2 (with shim) as the UEFI boot entry: grub2-install / grub-install, then efibootmgr"
            } else {
                "Install GRUB 2 to the boot disk: grub2-install /dev/sdX && grub2-mkconfig -o /boot/grub2/grub.cfg"
            }),
        };
        with_boot_evidence(f, host)
    }
}

pub struct NotParavirtualized;

impl Rule for NotParavirtualized {
    fn check(&self, host: &Host) -> Finding {
        let v = &host.virtualization;
        let mut f = match (v.pv_guest, v.kind) {
            (Some(true), _) => Finding::new(
                self.id(),
                Severity::Blocker,
                "a Xen paravirtualized (PV) guest: AWS MGN does not replicate PV servers",
            )
            .remediation("Convert the guest to HVM (a full-virtualization kernel and boot loader) before installing the agent"),
            (Some(false), VirtKind::XenDom0) => Finding::new(
                self.id(),
                Severity::Pass,
                "a Xen control domain (dom0): it runs on the hardware, not as a paravirtualized guest",
            ),
            (Some(false), kind) => Finding::new(self.id(), Severity::Pass, format!("not paravirtualized ({})", kind.name())),
            (None, VirtKind::Unknown) => Finding::new(
                self.id(),
                Severity::Unknown,
                "the virtualization could not be told",
            )
            .lacking(host.sources.missing(&[
                &sources::DMI,
                &sources::HYPERVISOR_TYPE,
                &sources::CPUINFO,
            ])),
            (None, kind) => Finding::new(
                self.id(),
                Severity::Unknown,
                format!("a virtual machine ({}) whose evidence cannot tell a Xen paravirtualized guest from HVM", kind.name()),
            )
            .lacking(host.sources.missing(&[
                &sources::HYPERVISOR_TYPE,
                &sources::XEN_GUEST_TYPE,
                &sources::DMI,
            ]))
            .remediation("On the host: cat /sys/hypervisor/guest_type (PV or HVM), or check that /sys/class/dmi/id exists (HVM guests have firmware tables)"),
        };
        for e in &v.evidence {
            f = f.evidence("virtualization", e.clone());
        }
        f
    }
}

pub struct Multipath;

impl Rule for Multipath {
    fn check(&self, host: &Host) -> Finding {
        let m = &host.multipath;
        if m.config.is_none() && m.maps.is_empty() {
            return if m.sys_block_listed {
                Finding::new(
                    self.id(),
                    Severity::Pass,
                    "no multipath configuration or maps",
                )
            } else {
                Finding::new(
                    self.id(),
                    Severity::Pass,
                    "no /etc/multipath.conf (/sys/block was not captured, so maps were not seen)",
                )
            };
        }
        let mut f = Finding::new(
            self.id(),
            Severity::Info,
            if m.maps.is_empty() {
                "multipath is configured (no maps seen); the installer supports multipath"
                    .to_string()
            } else {
                format!(
                    "multipath in use: {}; the installer supports multipath",
                    m.maps.join(", ")
                )
            },
        );
        if let Some(c) = &m.config {
            f = f.evidence(c.clone(), "present");
        }
        for map in &m.maps {
            f = f.evidence("/sys/block", map.clone());
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{bundle_host, host_of};
    use super::*;
    use crate::testing::{boot_sector, fixture, TempRoot};

    fn os(files: &[(&str, &str)]) -> Finding {
        OsSupported.check(&host_of(TempRoot::with(files).path()))
    }

    #[test]
    fn os_table() {
        let c6 = OsSupported.check(&host_of(&fixture("centos6-sysv")));
        assert_eq!(c6.severity, Severity::Pass, "{}", c6.detail);
        let d12 = OsSupported.check(&host_of(&fixture("debian12-systemd")));
        assert_eq!(d12.severity, Severity::Pass, "{}", d12.detail);
        let sles = fixture("host-samples/sles11sp4");
        assert_eq!(OsSupported.check(&host_of(&sles)).severity, Severity::Pass);
        let f = os(&[(
            "etc/os-release",
            "ID=sles\nVERSION_ID=\"12.1\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 12 SP1\"\n",
        )]);
        assert_eq!(f.severity, Severity::Blocker, "{}", f.detail);
        let f = os(&[("etc/redhat-release", "CentOS release 5.4 (Final)\n")]);
        assert_eq!(f.severity, Severity::Blocker, "{}", f.detail);
        let f = os(&[("etc/os-release", "ID=gentoo\nVERSION_ID=2.14\n")]);
        assert_eq!(f.severity, Severity::Warning);
        assert!(f
            .detail
            .contains("not among the distributions AWS MGN supports"));
        assert_eq!(os(&[]).severity, Severity::Unknown);
    }

    /// An unlisted distribution is a warning that says why it is not
    /// listed, not a blocker: Alpine (its real minirootfs os-release) and
    /// Fedora.
    #[test]
    fn unlisted_distributions_say_why() {
        let alpine = OsSupported.check(&host_of(&fixture("alpine-openrc")));
        alpine.assert_says(Severity::Warning, "musl libc");
        // A decision says what to decide between (it had no words at all).
        let what = alpine.remediation.as_deref().unwrap_or("");
        assert!(what.starts_with("Decide before the move: "), "{what}");
        let fedora = os(&[("etc/os-release", "ID=fedora\nVERSION_ID=40\n")]);
        fedora.assert_says(Severity::Warning, "upstream of RHEL");
    }

    /// debootstrap's i386 bookworm root, as a directory tree: no uname, so
    /// the architecture is that of /sbin/init (systemd)'s ELF header, and 32-bit blocks.
    #[test]
    fn a_32_bit_root_is_a_blocker() {
        let h = host_of(&fixture("debian12-i386"));
        assert_eq!(h.kernel.arch.as_deref(), Some("i686"));
        assert_eq!(
            h.kernel.arch_source.as_deref(),
            Some("ELF header of /sbin/init")
        );
        let f = OsSupported.check(&h);
        f.assert_says(Severity::Blocker, "32-bit i686");
        // Without the ELF heads the package database still tells.
        let r = TempRoot::with(&[(
            "var/lib/dpkg/status",
            &std::fs::read_to_string(fixture("debian12-i386/var/lib/dpkg/status")).unwrap(),
        )]);
        let h = host_of(r.path());
        assert_eq!(h.kernel.arch.as_deref(), Some("i686"));
        assert_eq!(
            h.kernel.arch_source.as_deref(),
            Some("package database (dpkg is i386)")
        );
        // 64-bit ARM is judged by the table, and says so.
        let mut arm = host_of(&fixture("debian12-systemd"));
        arm.kernel.arch = Some("aarch64".into());
        let f = OsSupported.check(&arm);
        f.assert_says(Severity::Pass, "64-bit ARM (aarch64)");
        arm.kernel.arch = Some("s390x".into());
        assert_eq!(OsSupported.check(&arm).severity, Severity::Blocker);
    }

    fn sector(name: &str) -> Vec<u8> {
        let mut b = std::fs::read(fixture("boot-sectors").join(name)).unwrap();
        b.resize(512, 0);
        b
    }

    #[test]
    fn grub_legacy_grub2_and_extlinux_boot_sectors() {
        for (file, config, severity, word) in [
            (
                "grub-legacy-stage1",
                ("boot/grub/menu.lst", "default=0\n"),
                Severity::Pass,
                "GRUB legacy",
            ),
            (
                "grub2-boot.img",
                ("boot/grub/menu.lst", "default=0\n"),
                Severity::Pass,
                "GRUB 2",
            ),
            // SYSLINUX's mbr.bin chain-loads the active partition, where
            // extlinux.conf says extlinux is.
            (
                "syslinux-mbr.bin",
                ("boot/extlinux/extlinux.conf", "DEFAULT linux\n"),
                Severity::Blocker,
                "extlinux",
            ),
            (
                "lilo-20-mbr.bin",
                ("etc/lilo.conf", "boot=/dev/sda\n"),
                Severity::Blocker,
                "lilo",
            ),
            // LILO's code, GRUB's files only: the evidence disagrees.
            (
                "lilo-20-mbr.bin",
                ("boot/grub/menu.lst", "default=0\n"),
                Severity::Unknown,
                "names lilo",
            ),
            // The same generic MBR in front of GRUB legacy in a partition.
            (
                "syslinux-mbr.bin",
                ("boot/grub/menu.lst", "default=0\n"),
                Severity::Pass,
                "GRUB legacy",
            ),
        ] {
            let r = TempRoot::with(&[config]);
            r.mkdir("sys/firmware/acpi");
            let f = Bootloader.check(&bundle_host(
                &r,
                vec![boot_sector("/dev/sda", sector(file))],
            ));
            assert_eq!(f.severity, severity, "{file}: {}", f.detail);
            assert!(f.detail.contains(word), "{file}: {}", f.detail);
        }
    }

    #[test]
    fn uefi_fixtures() {
        for (case, severity, word) in [
            ("boot-uefi/removable-shim", Severity::Pass, "GRUB 2"),
            ("boot-uefi/ovmf-disk-entry", Severity::Pass, "GRUB 2"),
            ("boot-uefi/esp-only", Severity::Pass, "GRUB 2"),
            ("boot-uefi/systemd-boot", Severity::Blocker, "systemd-boot"),
            (
                "boot-uefi/removable-two-loaders",
                Severity::Unknown,
                "several loaders",
            ),
        ] {
            let f = Bootloader.check(&host_of(&fixture(case)));
            assert_eq!(f.severity, severity, "{case}: {}", f.detail);
            assert!(f.detail.contains(word), "{case}: {}", f.detail);
            let decided = f.evidence.iter().any(|e| e.path == "decided by");
            assert_eq!(
                decided,
                severity != Severity::Unknown,
                "{case}: {:?}",
                f.evidence
            );
        }
    }

    #[test]
    fn unknown_loader_without_root() {
        let r = TempRoot::new();
        let snap = crate::testing::bundle(r.path(), vec![], false);
        let h = crate::model::build(&snap as &dyn crate::snapshot::Snapshot);
        let f = Bootloader.check(&h);
        assert_eq!(f.severity, Severity::Unknown);
        let sector = f.missing.iter().find(|m| m.spec == "boot").unwrap();
        assert!(sector.detail.contains("needs root"), "{sector:?}");
        assert_eq!(sector.state, crate::sources::State::NotCollected);
        // Not a UEFI host: its boot entries are not evidence.
        assert!(f.missing.iter().all(|m| !m.source.contains("BootCurrent")));
    }

    #[test]
    fn xen_pv_is_a_blocker_hvm_is_not() {
        let pv = NotParavirtualized.check(&host_of(&fixture("host-samples/ec2-xen-pv")));
        assert_eq!(pv.severity, Severity::Blocker, "{}", pv.detail);
        let hvm = NotParavirtualized.check(&host_of(&fixture("host-samples/ec2-xen-hvm")));
        assert_eq!(hvm.severity, Severity::Pass, "{}", hvm.detail);
        let kvm = NotParavirtualized.check(&host_of(&fixture("host-samples/kvm-qemu")));
        assert_eq!(kvm.severity, Severity::Pass, "{}", kvm.detail);
    }

    #[test]
    fn xen_without_its_mode_is_unknown_dom0_passes() {
        // Xen's DMI and the CPU flag, no /sys/hypervisor: PV or HVM untold.
        let weak = NotParavirtualized.check(&host_of(&fixture("host-samples/xen-weak-evidence")));
        weak.assert_says(Severity::Unknown, "(xen)");
        let sources: Vec<&str> = weak.missing.iter().map(|m| m.source.as_str()).collect();
        assert!(sources.contains(&"/sys/hypervisor/type"), "{sources:?}");
        assert!(
            sources.contains(&"/sys/hypervisor/guest_type"),
            "{sources:?}"
        );
        // Only the CPU flag, no DMI: a PV guest would look the same.
        let bare =
            NotParavirtualized.check(&host_of(&fixture("host-samples/debian12-this-machine")));
        bare.assert_says(Severity::Unknown, "(other-vm)");
        // The PV guest without /sys/hypervisor still has its empty
        // /proc/xen/capabilities: Xen, mode untold, not a pass.
        let r = TempRoot::with(&[("proc/xen/capabilities", "")]);
        assert_eq!(
            NotParavirtualized.check(&host_of(r.path())).severity,
            Severity::Unknown
        );
        let dom0 = NotParavirtualized.check(&host_of(&fixture("host-samples/xen-dom0")));
        dom0.assert_says(Severity::Pass, "dom0");
    }

    #[test]
    fn multipath() {
        let r = TempRoot::with(&[
            (
                "etc/multipath.conf",
                "defaults {\n    user_friendly_names yes\n}\n",
            ),
            ("sys/block/dm-0/dm/name", "mpatha\n"),
            ("sys/block/dm-1/dm/name", "vg_root-lv_root\n"),
        ]);
        r.symlink("sys/block/dm-0/slaves/sdb", "../../sdb");
        r.symlink("sys/block/dm-0/slaves/sdc", "../../sdc");
        let f = Multipath.check(&host_of(r.path()));
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.detail,
            "multipath in use: dm-0 (mpatha, 2 paths); the installer supports multipath"
        );
        let plain = Multipath.check(&host_of(&fixture("centos6-sysv")));
        assert_eq!(plain.severity, Severity::Pass);
    }
}
