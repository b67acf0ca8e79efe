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
//!
//! Each says broken where its text is not the command's output at all (an
//! error page, another command's text), and nothing where the command said
//! nothing (an empty capture, the command's own complaint).

use crate::parse::{shown, text, whole, ParseError, Parsed, Partial};

/// Whether `ls -lanR /sys/firmware` lists an `efi` directory; None when it
/// said nothing of /sys/firmware (see [`listing`]).
pub fn listing_has_efi(bytes: &[u8]) -> Parsed<Option<bool>> {
    Ok(listing(bytes, "/sys/firmware")?
        .map(|l| l.map(|l| l.iter().any(|e| e.name == "efi" && e.kind == 'd'))))
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
/// left out). None when the capture is empty or holds only ls's own
/// complaints (`ls: cannot access ...`); broken when it has text but no
/// `dir:` section; a line of the section that is no `ls -l` entry is
/// skipped, by line.
///
/// ```text
/// /sys/block:
/// total 0
/// lrwxrwxrwx  1 0 0 0 Feb 10 16:18 vda -> ../devices/pci0000:00/0000:00:05.0/virtio2/block/vda
/// ```
pub fn listing(bytes: &[u8], dir: &str) -> Parsed<Option<Vec<Listed>>> {
    let text = text(bytes);
    let header = format!("{dir}:");
    let Some(start) = text.lines().position(|l| l.trim() == header) else {
        let said_nothing = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| l.starts_with("ls: "));
        if said_nothing {
            return whole(None);
        }
        return Err(ParseError::new(format!(
            "no `{header}` section: not the output of ls -lanR {dir}"
        )));
    };
    let mut value = Vec::new();
    let mut errors = Vec::new();
    for (i, l) in text.lines().enumerate().skip(start + 1) {
        if l.trim().is_empty() {
            break;
        }
        if l.starts_with("total ") || l.starts_with("ls: ") {
            continue;
        }
        // mode links uid gid size month day time-or-year name
        let w: Vec<&str> = l.split_whitespace().collect();
        let kind = w[0].chars().next().filter(|c| "-dlcbps".contains(*c));
        let (Some(kind), Some(rest)) = (kind, w.get(8..).map(|r| r.join(" "))) else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("not an ls -l entry: {}", shown(l)),
            ));
            continue;
        };
        let (name, link_target) = match rest.split_once(" -> ") {
            Some((n, t)) => (n.to_string(), Some(t.to_string())),
            None => (rest, None),
        };
        if name != "." && name != ".." {
            value.push(Listed {
                name,
                kind,
                link_target,
            });
        }
    }
    Ok(Partial::new(Some(value), errors))
}

/// What `efibootmgr` says of the firmware's boot variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Efibootmgr {
    /// Its `BootCurrent: NNNN` line: the firmware booted through UEFI.
    BootCurrent(String),
    /// Its own words when the kernel exposes no EFI variables, as on a host
    /// that BIOS booted: `EFI variables are not supported on this system.`
    NoEfiVariables,
    /// Nothing that tells: an empty capture, a boot order alone, or one of
    /// its other complaints.
    Silent,
}

/// `efibootmgr` or `efibootmgr -v`; broken when no line is one it prints
/// (`BootCurrent:`, `BootOrder:`, `Boot0001* ...`, `Timeout:`, `Mirror...`,
/// its complaints).
pub fn efibootmgr(bytes: &[u8]) -> Parsed<Efibootmgr> {
    let text = text(bytes);
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    if let Some(l) = lines().find(|l| l.starts_with("BootCurrent:")) {
        return whole(Efibootmgr::BootCurrent(l.to_string()));
    }
    if lines().any(|l| l.starts_with("EFI variables are not supported")) {
        return whole(Efibootmgr::NoEfiVariables);
    }
    let its_own = |l: &str| {
        [
            "Boot",
            "Timeout:",
            "Mirror",
            "efibootmgr: ",
            "EFI variables",
        ]
        .iter()
        .any(|w| l.starts_with(w))
    };
    match lines().next() {
        Some(first) if !lines().any(its_own) => Err(ParseError::new(format!(
            "no line efibootmgr prints (BootCurrent, BootOrder, Boot####): {}",
            shown(first)
        ))),
        _ => whole(Efibootmgr::Silent),
    }
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

/// `dmesg`: broken when it has text but no line stamped `[  seconds]` (nor
/// `<level>`, nor dmesg's own complaint): not the kernel's log. A kernel
/// built without printk times whose buffer no longer holds the boot would
/// read as broken too; sos's captures carry the stamps.
pub fn dmesg(bytes: &[u8]) -> Parsed<Dmesg> {
    let text = text(bytes);
    let body = |l: &str| {
        l.split_once("] ")
            .map_or(l, |(_, rest)| rest)
            .trim()
            .to_string()
    };
    if let Some(l) = text.lines().find(|l| body(l).starts_with("efi: EFI v")) {
        return whole(Dmesg::Efi(body(l)));
    }
    if text.lines().any(|l| body(l).starts_with("Linux version ")) {
        return whole(Dmesg::BootWithoutEfi);
    }
    let stamped = |l: &str| {
        let l = l.trim_start();
        let stamp = |open: char, close: char| {
            l.strip_prefix(open)
                .and_then(|r| r.split_once(close))
                .is_some_and(|(t, _)| {
                    let t = t.trim();
                    !t.is_empty()
                        && t.chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".,: ".contains(c))
                })
        };
        stamp('[', ']') || stamp('<', '>') || l.starts_with("dmesg: ")
    };
    match text.lines().find(|l| !l.trim().is_empty()) {
        Some(first) if !text.lines().any(stamped) => Err(ParseError::new(format!(
            "no line stamped [seconds]: not the kernel's log: {}",
            shown(first)
        ))),
        _ => whole(Dmesg::Silent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn value<T>(p: Parsed<T>) -> T {
        let p = p.unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        p.value
    }

    /// hotsos's OpenStack compute node: its disks hang on virtio.
    #[test]
    fn sys_block_listing() {
        let b = fixture("sos-hotsos-openstack/sos_commands/block/ls_-lanR_.sys.block");
        let l = value(listing(&b, "/sys/block")).unwrap();
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
        assert_eq!(value(efibootmgr(&e)), Efibootmgr::NoEfiVariables);
        assert_eq!(
            value(efibootmgr(b"BootOrder: 0001\nBoot0001* debian\n")),
            Efibootmgr::Silent
        );
        assert_eq!(
            value(dmesg(&fixture(&format!("{k}/kernel/dmesg")))),
            Dmesg::BootWithoutEfi
        );
        assert_eq!(
            value(listing_has_efi(&fixture(&format!(
                "{k}/boot/ls_-lanR_.sys.firmware"
            )))),
            Some(false)
        );
    }

    /// hotsos's OpenStack compute node booted by SeaBIOS: no efi.
    #[test]
    fn bios_listing() {
        let b = fixture("sos-hotsos-openstack/sos_commands/boot/ls_-lanR_.sys.firmware");
        assert_eq!(value(listing_has_efi(&b)), Some(false));
    }

    /// Lines as efibootmgr and the kernel print them on a UEFI host
    /// (written after efibootmgr 18 and Linux 6.1's efi_systab_report_header).
    #[test]
    fn uefi_lines() {
        let listing = b"/sys/firmware:\ntotal 0\ndrwxr-xr-x  6 0 0 0 Feb 10 16:18 .\ndrwxr-xr-x  5 0 0 0 Feb 10 16:19 acpi\ndrwxr-xr-x  5 0 0 0 Feb 10 16:19 efi\n\n/sys/firmware/acpi:\n";
        assert_eq!(value(listing_has_efi(listing)), Some(true));
        assert_eq!(
            value(efibootmgr(b"BootCurrent: 0001\nTimeout: 0 seconds\n")),
            Efibootmgr::BootCurrent("BootCurrent: 0001".into())
        );
        let d = b"[    0.000000] Linux version 6.1.0-13-amd64\n[    0.000000] efi: EFI v2.70 by EDK II\n";
        assert_eq!(
            value(dmesg(d)),
            Dmesg::Efi("efi: EFI v2.70 by EDK II".into())
        );
    }

    /// This project's build machine (Firecracker: no firmware tables).
    #[test]
    fn a_boot_without_efi_and_a_rotated_buffer() {
        let d = b"[    0.000000] Linux version 6.18.44-fc-v1300 (builder@sandboxing)\n[    0.000000] Command line: console=ttyS0\n";
        assert_eq!(value(dmesg(d)), Dmesg::BootWithoutEfi);
        assert_eq!(value(dmesg(b"[99999.1] eth0: link up\n")), Dmesg::Silent);
    }

    /// A line in the section that is no ls -l entry is skipped, by line;
    /// the rest is read.
    #[test]
    fn a_damaged_listing_line_is_skipped() {
        let b = b"/sys/block:\ntotal 0\ngarbage\nlrwxrwxrwx 1 0 0 0 Feb 10 16:18 vda -> ../x/virtio2/block/vda\n";
        let p = listing(b, "/sys/block").unwrap();
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, Some(3));
        assert_eq!(p.value.unwrap()[0].name, "vda");
    }

    /// Text that is not `ls -lanR`'s output is broken; an empty capture
    /// and ls's own complaint say nothing.
    #[test]
    fn listing_refuses() {
        let other = b"<html><body>404 Not Found</body></html>\n";
        assert!(listing_has_efi(other).is_err());
        assert!(listing(other, "/sys/block").is_err());
        // Another directory's listing is not this one's.
        let block = fixture("sos-hotsos-openstack/sos_commands/block/ls_-lanR_.sys.block");
        assert!(listing_has_efi(&block).is_err());
        assert_eq!(value(listing_has_efi(b"")), None);
        let complaint = b"ls: cannot access '/sys/firmware': No such file or directory\n";
        assert_eq!(value(listing_has_efi(complaint)), None);
    }

    /// Text that is not efibootmgr's output is broken; an empty capture and
    /// its own complaints say nothing.
    #[test]
    fn efibootmgr_refuses() {
        let e = efibootmgr(b"sh: 1: efibootmgr: not found\n").unwrap_err();
        assert!(e.message.contains("efibootmgr prints"), "{e}");
        assert!(efibootmgr(b"Filesystem Size Used\n/dev/vda1 10G 1G\n").is_err());
        assert_eq!(value(efibootmgr(b"")), Efibootmgr::Silent);
        assert_eq!(
            value(efibootmgr(b"efibootmgr: option requires an argument\n")),
            Efibootmgr::Silent
        );
    }

    /// Text that is not the kernel's log is broken; an empty capture and
    /// dmesg's own complaint say nothing.
    #[test]
    fn dmesg_refuses() {
        let e = dmesg(b"total 0\ndrwxr-xr-x 2 0 0 0 Feb 10 16:18 .\n").unwrap_err();
        assert!(e.message.contains("not the kernel's log"), "{e}");
        assert_eq!(value(dmesg(b"")), Dmesg::Silent);
        assert_eq!(
            value(dmesg(
                b"dmesg: read kernel buffer failed: Operation not permitted\n"
            )),
            Dmesg::Silent
        );
        assert_eq!(value(dmesg(b"<6>[ 12.5] eth0: link up\n")), Dmesg::Silent);
    }
}
