//! What the host runs on: hypervisor, firmware, and the active boot loader.

use lift_bundle::Fact;
use serde::Serialize;

use super::facts::Facts;
use crate::parse::boot_sector::{self, BootCode};
use crate::parse::{efivar, virt};
use crate::sources::{self as src, Source};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Virtualization {
    /// kvm, xen-pv, xen-hvm, xen (PV or HVM not told), vmware, hyperv,
    /// ..., none, unknown.
    pub kind: String,
    pub evidence: Vec<String>,
    /// A Xen paravirtualized guest: true, false (ruled out), or null when
    /// the evidence cannot tell.
    pub pv_guest: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Boot {
    /// bios, uefi or unknown.
    pub firmware: &'static str,
    /// grub2, grub1, lilo, systemd-boot, extlinux, zipl, other, none, unknown.
    pub loader: &'static str,
    pub evidence: Vec<String>,
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
    let v = virt::detect(&inputs);
    let kind = serde_json::to_value(v.kind)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string));
    Virtualization {
        kind: kind.unwrap_or_else(|| "unknown".into()),
        evidence: v.evidence,
        pv_guest: v.pv_guest,
    }
}

fn firmware(f: &Facts) -> (&'static str, Option<String>) {
    if f.lstat(&src::EFI).is_some() {
        return ("uefi", Some(format!("{} exists", src::EFI.path())));
    }
    match f.list(&src::FIRMWARE) {
        Some(_) => (
            "bios",
            Some(format!("{} has no efi directory", src::FIRMWARE.path())),
        ),
        None => ("unknown", None),
    }
}

/// The loader the firmware started this boot: BootCurrent's entry path.
fn uefi_loader(f: &Facts) -> Option<(&'static str, String)> {
    let current = f.glob(&src::EFI_BOOT_CURRENT).into_iter().next()?;
    let n = f.parse_at(&src::EFI_BOOT_CURRENT, &current, efivar::parse_boot_current)?;
    let entry = f
        .glob_at(
            &src::EFI_BOOT_ENTRY,
            &src::EFI_BOOT_ENTRY.at(&[&format!("{n:04X}")]),
        )
        .into_iter()
        .next()?;
    let opt = f.parse_at(&src::EFI_BOOT_ENTRY, &entry, efivar::parse_load_option)?;
    let path = opt.file_path.unwrap_or_default();
    let p = path.to_ascii_lowercase();
    let loader = if p.contains("shim") || p.contains("grub") {
        "grub2"
    } else if p.contains("systemd") {
        "systemd-boot"
    } else {
        "other"
    };
    Some((
        loader,
        format!("BootCurrent Boot{n:04X} ({}) loads {path}", opt.description),
    ))
}

/// The boot loader's configuration files present, as a fallback and a cross-check.
fn from_files(f: &Facts) -> Option<(&'static str, String)> {
    let candidates: &[(&'static Source, &'static str)] = &[
        (&src::GRUB2_CFG, "grub2"),
        (&src::GRUB_CFG, "grub2"),
        (&src::GRUB_MENU_LST, "grub1"),
        (&src::GRUB_CONF, "grub1"),
        (&src::EXTLINUX_CONF, "extlinux"),
        (&src::SYSLINUX_CFG, "extlinux"),
        (&src::LILO_CONF, "lilo"),
        (&src::ZIPL_CONF, "zipl"),
        (&src::SYSTEMD_BOOT_CONF, "systemd-boot"),
    ];
    candidates
        .iter()
        .find(|(s, _)| f.lstat(s).is_some())
        .map(|(s, l)| (*l, format!("{} exists", s.path())))
}

pub fn boot(f: &Facts) -> Boot {
    let (firmware, fw_evidence) = firmware(f);
    let mut evidence: Vec<String> = fw_evidence.into_iter().collect();
    let files = from_files(f);
    if firmware == "uefi" {
        if let Some((loader, why)) = uefi_loader(f) {
            evidence.push(why);
            return Boot {
                firmware,
                loader,
                evidence,
            };
        }
    }
    let mut sector_loader = None;
    let sectors = f.all_facts(&src::BOOT_SECTORS, |x| match x {
        Fact::BootSector(s) => Some(s),
        _ => None,
    });
    for s in sectors {
        let dev = s.device.to_string_lossy();
        match boot_sector::parse(&s.sector.0) {
            Ok(b) => {
                evidence.push(format!(
                    "boot sector of {dev}: {:?} ({})",
                    b.code,
                    b.evidence.join("; ")
                ));
                let l = match b.code {
                    BootCode::GrubLegacy => "grub1",
                    BootCode::Grub2 => "grub2",
                    // "GRUB " without a generation: the files tell which.
                    BootCode::Grub => files
                        .as_ref()
                        .map(|(l, _)| *l)
                        .filter(|l| l.starts_with("grub"))
                        .unwrap_or("grub2"),
                    BootCode::Lilo => "lilo",
                    BootCode::Syslinux | BootCode::SyslinuxGpt => "extlinux",
                    BootCode::Windows | BootCode::Other => "other",
                    BootCode::Empty => "none",
                };
                // One disk with boot code outweighs another without.
                if sector_loader.is_none() || sector_loader == Some("none") {
                    sector_loader = Some(l);
                }
            }
            Err(e) => f.problem(&dev, format!("boot sector: {e}")),
        }
    }
    if let Some(l) = sector_loader {
        if let Some((_, why)) = &files {
            evidence.push(why.clone());
        }
        return Boot {
            firmware,
            loader: l,
            evidence,
        };
    }
    match files {
        Some((loader, why)) => {
            evidence.push(format!(
                "{why} (configuration only: no boot sector was read)"
            ));
            Boot {
                firmware,
                loader,
                evidence,
            }
        }
        None => Boot {
            firmware,
            loader: "unknown",
            evidence,
        },
    }
}
