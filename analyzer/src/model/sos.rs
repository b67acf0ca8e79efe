//! A sosreport, read as a root: sos copies most files at their real paths,
//! which the rest of the model reads as it would any tree. What sos keeps
//! only as a program's output (`sos_commands/`) fills the facts that the
//! files left empty: packages (sos copies no package database), the
//! kernel's release and architecture, IPv4 addresses, masked units whose
//! links were not copied, free space, SysV services and listeners. Each fact
//! filled so is recorded with the capture it came from, for the report.
//!
//! Paths are those of sos 3 and sos 4, after insights-core's sos spec
//! mapping (`insights/specs/sos_archive.py`); the first that exists wins.

pub use processes::processes;

use lift_bundle::Fact;
use serde::Serialize;

use super::boot::Firmware;
use super::facts::Facts;
use super::packages::{Database, Packages};
use super::PackageManager;
use super::{ConfigKind, Host, Interface};
use crate::parse::sos::{df, dpkg_l, firmware as fw, free, ip_addr, lsblk, mount_l, rpm_qa, uname};
use crate::parse::Parsed;
use crate::sources::{self as src, Source};

/// The report's account of a sosreport input.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SosReport {
    /// sos's version (`version.txt`, or `sos_reports/manifest.json`).
    pub version: Option<String>,
    /// The facts taken from command output rather than files.
    pub from_commands: Vec<CommandFact>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandFact {
    /// The Host field it fills (`packages`, `kernel.arch`, ...).
    pub fact: &'static str,
    /// The capture, relative to the sosreport's top (`sos_commands/dpkg/dpkg_-l`).
    pub source: String,
}

/// The first capture of a command-output row that the sosreport holds:
/// (path, bytes). The read leaves its state in the ledger like any source.
fn first(f: &Facts, src: &'static Source) -> Option<(String, Vec<u8>)> {
    src.paths
        .iter()
        .find_map(|p| Some((p.to_string(), f.bytes_at(src, p)?.into_owned())))
}

/// The first capture of a row through its parser: (path, value); None when
/// the sosreport has none or it is broken (then broken in the ledger).
fn captured<T>(
    f: &Facts,
    row: &'static Source,
    parse: impl Fn(&[u8]) -> Parsed<T>,
) -> Option<(String, T)> {
    let (path, b) = first(f, row)?;
    let value = f.parsed(row, &path, parse(&b))?;
    Some((path, value))
}

fn version(f: &Facts) -> Option<String> {
    let (txt, json) = (src::SOS_VERSION.paths[0], src::SOS_VERSION.paths[1]);
    let from_txt = f.bytes_at(&src::SOS_VERSION, txt).and_then(|b| {
        String::from_utf8_lossy(&b)
            .lines()
            .find_map(|l| l.strip_prefix("sosreport:").map(|v| v.trim().to_string()))
    });
    from_txt.or_else(|| {
        let b = f.bytes_at(&src::SOS_VERSION, json)?;
        let v: serde_json::Value = serde_json::from_slice(&b).ok()?;
        v.get("version")?.as_str().map(str::to_string)
    })
}

/// Fills what the files left empty; None when the root is no sosreport.
pub fn fill(f: &Facts, host: &mut Host) -> Option<SosReport> {
    // Not a sosreport: nothing to read, and nothing to put in the ledger.
    if !f.is_sosreport() {
        return None;
    }
    let mut sos = SosReport {
        version: version(f),
        from_commands: Vec::new(),
    };
    let mut record = |fact: &'static str, path: &str| {
        sos.from_commands.push(CommandFact {
            fact,
            source: path.trim_start_matches('/').to_string(),
        })
    };
    if host.packages.is_none() {
        host.packages = packages(f, &mut record);
    }
    if let Some(db) = host.packages.as_ref().and_then(|p| p.databases.first()) {
        let capture = db.path.clone();
        if release::os_from_packages(host, &capture) {
            record("os", &capture);
        }
    }
    if let Some((_, _, Some(path))) = firmware(f) {
        record("boot.firmware", &path);
    }
    kernel(f, host, &mut record);
    memory(f, host, &mut record);
    addresses(f, host, &mut record);
    mounts(f, host, &mut record);
    free_space(f, host, &mut record);
    inventory::services(f, host, &mut record);
    inventory::listeners(f, host, &mut record);
    inventory::connections(f, host, &mut record);
    multipath(f, host, &mut record);
    disks(f, host, &mut record);
    Some(sos)
}

fn packages(f: &Facts, record: &mut impl FnMut(&'static str, &str)) -> Option<Packages> {
    let kept = |src, path: &str, p| f.parsed(src, path, p).unwrap_or_default();
    let (manager, path, list) = if let Some((path, b)) = first(f, &src::SOS_DPKG_L) {
        (
            PackageManager::Dpkg,
            path.clone(),
            kept(&src::SOS_DPKG_L, &path, dpkg_l::parse(&b)),
        )
    } else {
        let (path, b) = first(f, &src::SOS_RPM_QA)?;
        (
            PackageManager::Rpm,
            path.clone(),
            kept(&src::SOS_RPM_QA, &path, rpm_qa::parse(&b)),
        )
    };
    record("packages", &path);
    let mut out = Packages::default();
    out.databases.push(Database {
        manager,
        path: path.trim_start_matches('/').to_string(),
        packages: list.len(),
        installed: list.iter().filter(|p| p.is_installed()).count(),
    });
    out.list = list;
    Some(out)
}

fn kernel(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    let k = &host.kernel;
    if k.arch.is_some() && k.release.is_some() && k.version.is_some() {
        return;
    }
    let Some((path, b)) = first(f, &src::SOS_UNAME) else {
        return;
    };
    let u = match uname::parse(&b) {
        Ok(u) => u.value,
        Err(e) => return f.problem(&path, e.to_string()),
    };
    let k = &mut host.kernel;
    for (fact, slot, value) in [
        ("kernel.arch", &mut k.arch, u.machine),
        ("kernel.release", &mut k.release, u.release),
        ("kernel.version", &mut k.version, u.version),
    ] {
        if slot.is_none() {
            *slot = Some(value);
            record(fact, &path);
        }
    }
    // The drivers were read for the release the files gave: none.
    if host.drivers.release.is_none() {
        host.drivers.release = host.kernel.release.clone();
    }
    if host.hostname.is_none() {
        host.hostname = Some(u.nodename);
        record("hostname", &path);
    }
}

/// `free` when sos copied no /proc/meminfo.
fn memory(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if host.memory.available_bytes.is_some() {
        return;
    }
    let Some((path, m)) = captured(f, &src::SOS_FREE, free::parse) else {
        return;
    };
    host.memory.total_bytes = host.memory.total_bytes.or(Some(m.total_bytes));
    host.memory.available_bytes = Some(m.available_bytes);
    host.memory.available_source = Some(if m.from_available_column {
        "free (available)"
    } else {
        "free (free+buffers+cached)"
    });
    host.memory.swap_total_bytes = host.memory.swap_total_bytes.or(m.swap_total_bytes);
    record("memory", &path);
}

/// Without the probe's `getifaddrs`, a tree has only /proc/net/if_inet6
/// (IPv6): the addresses `ip addr` printed replace them.
fn addresses(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if f.facts().any(|x| matches!(x, Fact::Interfaces(_))) {
        return;
    }
    let Some((path, captured)) = captured(f, &src::SOS_IP_ADDR, ip_addr::parse) else {
        return;
    };
    if captured.is_empty() {
        return;
    }
    let list = host.interfaces.get_or_insert_with(Vec::new);
    for i in list.iter_mut() {
        i.addresses.clear();
    }
    for a in captured.into_iter().filter(|a| a.interface != "lo") {
        let at = match list.iter().position(|i| i.name == a.interface) {
            Some(at) => at,
            None => {
                list.push(Interface {
                    name: a.interface.clone(),
                    mac: None,
                    addresses: Vec::new(),
                    config: ConfigKind::Unknown,
                    config_source: None,
                    configured_addresses: Vec::new(),
                    not_live: Vec::new(),
                    lease: None,
                });
                list.len() - 1
            }
        };
        list[at].addresses.push(a.address);
    }
    let host_part = |a: &str| a.split('/').next().unwrap_or("").to_string();
    for i in list.iter_mut() {
        i.not_live = i
            .configured_addresses
            .iter()
            .filter(|a| !a.contains(':'))
            .filter(|a| !i.addresses.iter().any(|l| host_part(l) == host_part(a)))
            .cloned()
            .collect();
    }
    list.sort_by(|a, b| a.name.cmp(&b.name));
    record("interfaces.addresses", &path);
}

/// `mount -l` when sos copied no mount table of /proc.
fn mounts(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if host.mounts.is_some() {
        return;
    }
    let Some((path, table)) = captured(f, &src::SOS_MOUNT, mount_l::parse) else {
        return;
    };
    if table.is_empty() {
        return;
    }
    host.mounts = Some(super::storage::mount_points(&table, &[]));
    record("mounts", &path);
}

/// `df` in place of the probe's statvfs.
fn free_space(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    let Some(mounts) = host.mounts.as_mut() else {
        return;
    };
    if mounts.iter().any(|m| m.total_bytes.is_some()) {
        return;
    }
    let Some((path, b)) = first(f, &src::SOS_DF) else {
        return;
    };
    let rows = match df::parse(&b) {
        Ok(r) => r.value,
        Err(e) => return f.problem(&path, e.to_string()),
    };
    let mut filled = false;
    for m in mounts.iter_mut() {
        // df -a lists every mount; the last row for a point is the one on top.
        if let Some(r) = rows.iter().rev().find(|r| r.mount_point == m.mount_point) {
            m.total_bytes = Some(r.total_bytes);
            m.avail_bytes = Some(r.avail_bytes);
            m.free_bytes = Some(r.total_bytes.saturating_sub(r.used_bytes));
            filled = true;
        }
    }
    if filled {
        record("mounts.free_space", &path);
    }
}

mod inventory;
mod processes;
mod release;
#[cfg(test)]
mod tests;

/// The firmware that booted a sosreport's host: (bios/uefi/unknown, why,
/// the capture that said it). None when the root is no sosreport. sos copies
/// only /sys/firmware/acpi, so its own /sys/firmware says nothing; its
/// listing of the real one does, then the efivarfs mount, efibootmgr's
/// BootCurrent, and dmesg (while it still holds the boot).
pub fn firmware(f: &Facts) -> Option<(Firmware, String, Option<String>)> {
    if !f.is_sosreport() {
        return None;
    }
    let listing = |efi: Option<bool>| match efi? {
        true => Some((Firmware::Uefi, " lists /sys/firmware/efi".to_string())),
        false => Some((Firmware::Bios, " lists no /sys/firmware/efi".to_string())),
    };
    // mount -l is the mounts' source too, which notes its problems.
    let efivarfs = || {
        let (path, b) = first(f, &src::SOS_MOUNT)?;
        let mounts = mount_l::parse(&b).ok()?.value;
        let why = format!("{path} shows efivarfs mounted");
        mounts
            .iter()
            .any(|m| m.fs_type == "efivarfs")
            .then_some((Firmware::Uefi, why, Some(path)))
    };
    let efibootmgr = |said: fw::Efibootmgr| match said {
        fw::Efibootmgr::BootCurrent(line) => Some((Firmware::Uefi, format!(": {line}"))),
        fw::Efibootmgr::NoEfiVariables => Some((
            Firmware::Bios,
            ": EFI variables are not supported on this system".to_string(),
        )),
        fw::Efibootmgr::Silent => None,
    };
    let dmesg = |said: fw::Dmesg| match said {
        fw::Dmesg::Efi(line) => Some((Firmware::Uefi, format!(": {line}"))),
        fw::Dmesg::BootWithoutEfi => Some((
            Firmware::Bios,
            " holds the boot and no `efi: EFI` line".to_string(),
        )),
        fw::Dmesg::Silent => None,
    };
    let unknown = (
        Firmware::Unknown,
        "a sosreport copies only /sys/firmware/acpi, and none of its command outputs says which firmware booted".into(),
        None,
    );
    Some(
        said_by(f, &src::SOS_FIRMWARE_LS, fw::listing_has_efi, listing)
            .or_else(efivarfs)
            .or_else(|| said_by(f, &src::SOS_EFIBOOTMGR, fw::efibootmgr, efibootmgr))
            .or_else(|| said_by(f, &src::SOS_DMESG, fw::dmesg, dmesg))
            .unwrap_or(unknown),
    )
}

/// What a capture says of the firmware, read through its row (a broken
/// one is broken in the ledger): the verdict, why (after the capture's
/// path), and the path.
fn said_by<T>(
    f: &Facts,
    row: &'static Source,
    parse: impl Fn(&[u8]) -> Parsed<T>,
    verdict: impl Fn(T) -> Option<(Firmware, String)>,
) -> Option<(Firmware, String, Option<String>)> {
    let (path, said) = captured(f, row, parse)?;
    let (fw, why) = verdict(said)?;
    Some((fw, format!("{path}{why}"), Some(path)))
}

/// sos's listing of /sys/block, when sos copied no /sys/block: a virtio
/// disk rules out a Xen PV guest.
fn disks(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if host.virtualization.pv_guest.is_some() {
        return;
    }
    let Some((path, b)) = first(f, &src::SOS_SYS_BLOCK_LS) else {
        return;
    };
    let links = f
        .parsed(
            &src::SOS_SYS_BLOCK_LS,
            &path,
            fw::listing(&b, src::SYS_BLOCK.path()),
        )
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| Some((e.name, e.link_target?)));
    if let Some(disk) = super::platform::first_virtio(links, src::SYS_BLOCK.path()) {
        super::platform::not_pv_by_disk(
            &mut host.virtualization,
            format!("{disk} ({})", path.trim_start_matches('/')),
        );
        record("virtualization.pv_guest", &path);
    }
}

/// Multipath maps from lsblk's `mpath` rows, when /sys/block showed none
/// (sos copies no /sys/block).
fn multipath(f: &Facts, host: &mut Host, record: &mut impl FnMut(&'static str, &str)) {
    if !host.multipath.maps.is_empty() {
        return;
    }
    let Some((path, devices)) = captured(f, &src::SOS_LSBLK, lsblk::parse) else {
        return;
    };
    let mut maps: Vec<String> = devices
        .into_iter()
        .filter(|d| d.kind == "mpath")
        .map(|d| format!("{} ({}, lsblk)", d.name, d.size))
        .collect();
    maps.sort();
    maps.dedup();
    if !maps.is_empty() {
        host.multipath.maps = maps;
        record("multipath.maps", &path);
    }
}
