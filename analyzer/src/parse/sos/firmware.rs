//! What sos's command outputs say of the firmware that booted the host.
//! sos copies only `/sys/firmware/acpi`, so a sosreport's own `/sys/firmware`
//! never has `efi`; these outputs say it instead:
//!
//! - `ls -lanR /sys/firmware` (sos: `sos_commands/boot/ls_-lanR_.sys.firmware`):
//!   the whole directory as it was.
//!   ```text
//!   /sys/firmware:
//!   total 0
//!   drwxr-xr-x  6 0 0 0 Feb 10 16:18 .
//!   drwxr-xr-x  5 0 0 0 Feb 10 16:19 acpi
//!   drwxr-xr-x  5 0 0 0 Feb 10 16:19 efi
//!   ```
//! - `efibootmgr -v` (`sos_commands/boot/efibootmgr_-v`): `BootCurrent: 0001`.
//! - `dmesg` (`sos_commands/kernel/dmesg`): a kernel booted by UEFI prints
//!   `efi: EFI v2.70 by EDK II` among its first lines.

/// Whether `ls -lanR /sys/firmware` lists an `efi` directory; None when the
/// output has no `/sys/firmware:` section.
pub fn listing_has_efi(bytes: &[u8]) -> Option<bool> {
    Some(
        listing(bytes, "/sys/firmware")?
            .iter()
            .any(|e| e.name == "efi" && e.kind == 'd'),
    )
}

/// One line of an `ls -lan` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// `d`, `l`, `-`, ...: the mode's first letter.
    pub kind: char,
    pub link_target: Option<String>,
}

/// The entries of `dir`'s section of an `ls -lanR` output (`.` and `..`
/// left out); None when it has no such section.
///
/// ```text
/// /sys/block:
/// total 0
/// lrwxrwxrwx  1 0 0 0 Feb 10 16:18 vda -> ../devices/pci0000:00/0000:00:05.0/virtio2/block/vda
/// ```
pub fn listing(bytes: &[u8], dir: &str) -> Option<Vec<Listed>> {
    let text = String::from_utf8_lossy(bytes);
    let header = format!("{dir}:");
    let mut lines = text.lines().skip_while(|l| l.trim() != header);
    lines.next()?;
    Some(
        lines
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| {
                // mode links uid gid size month day time-or-year name
                let w: Vec<&str> = l.split_whitespace().collect();
                let kind = w.first()?.chars().next()?;
                let rest = w.get(8..)?.join(" ");
                let (name, link_target) = match rest.split_once(" -> ") {
                    Some((n, t)) => (n.to_string(), Some(t.to_string())),
                    None => (rest, None),
                };
                (name != "." && name != "..").then_some(Listed {
                    name,
                    kind,
                    link_target,
                })
            })
            .collect(),
    )
}

/// `efibootmgr`'s `BootCurrent: NNNN` line, when it printed one.
pub fn boot_current(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .find(|l| l.starts_with("BootCurrent:"))
        .map(|l| l.trim().to_string())
}

/// efibootmgr's own words when the kernel exposes no EFI variables, as on
/// a host that BIOS booted: `EFI variables are not supported on this
/// system.`
pub fn efivars_unsupported(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).lines().any(|l| {
        l.trim_start()
            .starts_with("EFI variables are not supported")
    })
}

/// What dmesg says: the kernel's `efi: EFI vX.Y` line, or whether it still
/// holds the boot (its `Linux version` line) without one.
#[derive(Debug, PartialEq, Eq)]
pub enum Dmesg {
    Efi(String),
    BootWithoutEfi,
    /// The ring buffer no longer holds the boot: it says nothing.
    Silent,
}

pub fn dmesg(bytes: &[u8]) -> Dmesg {
    let text = String::from_utf8_lossy(bytes);
    let body = |l: &str| {
        l.split_once("] ")
            .map_or(l, |(_, rest)| rest)
            .trim()
            .to_string()
    };
    if let Some(l) = text.lines().find(|l| body(l).starts_with("efi: EFI v")) {
        return Dmesg::Efi(body(l));
    }
    if text.lines().any(|l| body(l).starts_with("Linux version ")) {
        Dmesg::BootWithoutEfi
    } else {
        Dmesg::Silent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// hotsos's OpenStack compute node: its disks hang on virtio.
    #[test]
    fn sys_block_listing() {
        let b = fixture("sos-hotsos-openstack/sos_commands/block/ls_-lanR_.sys.block");
        let l = listing(&b, "/sys/block").unwrap();
        let vda = l.iter().find(|e| e.name == "vda").unwrap();
        assert_eq!(vda.kind, 'l');
        assert!(
            vda.link_target.as_deref().unwrap().contains("/virtio"),
            "{vda:?}"
        );
        assert!(l.iter().all(|e| e.name != "." && e.name != ".."));
    }

    /// hotsos's Kubernetes node: a BIOS-booted cloud guest whose ESP is
    /// mounted (mount -l marks it `[UEFI]`, its label), yet efibootmgr
    /// finds no EFI variables and dmesg has no `efi: EFI` line.
    #[test]
    fn a_bios_guest_with_an_esp() {
        let k = "sos-hotsos-kubernetes/sos_commands";
        let e = fixture(&format!("{k}/boot/efibootmgr_-v"));
        assert!(efivars_unsupported(&e));
        assert_eq!(boot_current(&e), None);
        assert!(!efivars_unsupported(
            b"BootCurrent: 0001\nBootOrder: 0001\n"
        ));
        assert_eq!(
            dmesg(&fixture(&format!("{k}/kernel/dmesg"))),
            Dmesg::BootWithoutEfi
        );
        assert_eq!(
            listing_has_efi(&fixture(&format!("{k}/boot/ls_-lanR_.sys.firmware"))),
            Some(false)
        );
    }

    /// hotsos's OpenStack compute node booted by SeaBIOS: no efi.
    #[test]
    fn bios_listing() {
        let b = fixture("sos-hotsos-openstack/sos_commands/boot/ls_-lanR_.sys.firmware");
        assert_eq!(listing_has_efi(&b), Some(false));
        assert_eq!(listing_has_efi(b"nothing here\n"), None);
    }

    /// Lines as efibootmgr and the kernel print them on a UEFI host
    /// (written after efibootmgr 18 and Linux 6.1's efi_systab_report_header).
    #[test]
    fn uefi_lines() {
        let listing = b"/sys/firmware:\ntotal 0\ndrwxr-xr-x  6 0 0 0 Feb 10 16:18 .\ndrwxr-xr-x  5 0 0 0 Feb 10 16:19 acpi\ndrwxr-xr-x  5 0 0 0 Feb 10 16:19 efi\n\n/sys/firmware/acpi:\n";
        assert_eq!(listing_has_efi(listing), Some(true));
        assert_eq!(
            boot_current(b"BootCurrent: 0001\nTimeout: 0 seconds\n").as_deref(),
            Some("BootCurrent: 0001")
        );
        let d = b"[    0.000000] Linux version 6.1.0-13-amd64\n[    0.000000] efi: EFI v2.70 by EDK II\n";
        assert_eq!(dmesg(d), Dmesg::Efi("efi: EFI v2.70 by EDK II".into()));
    }

    /// This project's build machine (Firecracker: no firmware tables).
    #[test]
    fn a_boot_without_efi_and_a_rotated_buffer() {
        let d = b"[    0.000000] Linux version 6.18.44-fc-v1300 (builder@sandboxing)\n[    0.000000] Command line: console=ttyS0\n";
        assert_eq!(dmesg(d), Dmesg::BootWithoutEfi);
        assert_eq!(dmesg(b"[99999.1] eth0: link up\n"), Dmesg::Silent);
    }
}
