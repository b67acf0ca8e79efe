//! The active boot loader, from all the evidence: the firmware's EFI boot
//! entry and what sits at its path on the EFI system partition, the ESP's
//! contents, the first sector of the boot disks, and the configuration
//! files. The entry and a boot sector that holds a loader's own code are
//! what the firmware runs; an empty or generic sector (a GPT protective
//! MBR, a chain-loading MBR in front of GRUB in a partition) hands over to
//! what the configuration says. Where two kinds of evidence name different
//! loaders the loader is `unknown` and `conflict` says which.

use lift_bundle::{Fact, FileKind};
use serde::Serialize;

use super::facts::Facts;
use crate::parse::boot_sector::{self, BootCode};
use crate::parse::efivar;
use crate::sources::{self as src, Source};

/// What starts the machine: the JSON's `bios`, `uefi` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    Bios,
    Uefi,
    Unknown,
}

impl Firmware {
    pub fn name(self) -> &'static str {
        match self {
            Firmware::Bios => "bios",
            Firmware::Uefi => "uefi",
            Firmware::Unknown => "unknown",
        }
    }
}

/// The boot loader: the JSON's `grub2`, `grub1`, `lilo`, `systemd-boot`,
/// `extlinux`, `zipl`, `other` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loader {
    Grub2,
    Grub1,
    Lilo,
    SystemdBoot,
    Extlinux,
    Zipl,
    /// A loader lift does not know (rEFInd, Windows Boot Manager, ...).
    Other,
    Unknown,
}

impl Loader {
    pub fn name(self) -> &'static str {
        match self {
            Loader::Grub2 => "grub2",
            Loader::Grub1 => "grub1",
            Loader::Lilo => "lilo",
            Loader::SystemdBoot => "systemd-boot",
            Loader::Extlinux => "extlinux",
            Loader::Zipl => "zipl",
            Loader::Other => "other",
            Loader::Unknown => "unknown",
        }
    }

    /// GRUB legacy or GRUB 2.
    pub fn is_grub(self) -> bool {
        matches!(self, Loader::Grub1 | Loader::Grub2)
    }
}

macro_rules! by_name {
    ($($t:ty),+) => {$(
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    )+};
}
by_name!(Firmware, Loader);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Boot {
    pub firmware: Firmware,
    pub loader: Loader,
    pub evidence: Vec<String>,
    /// The evidence that decided the loader: `efi-boot-entry`,
    /// `efi-boot-entry+esp` (the removable path, told by what sits beside
    /// it), `efi-boot-entry+configuration`, `esp`, `boot-sector`,
    /// `partition-boot-record` (behind a chain-loading MBR),
    /// `configuration`; null when the loader is unknown.
    pub decided_by: Option<&'static str>,
    /// Where the evidence disagrees: what said what.
    pub conflict: Option<String>,
    /// The kernels installed in the root: `/boot/vmlinuz-*`, `/lib/modules/*`
    /// and kernel packages. Empty when all three were read and hold none (a
    /// container image, a bare root filesystem: nothing to boot); None when
    /// that cannot be told (a live run, whose kernel runs; a missing listing
    /// or package database).
    pub kernels: Option<Vec<String>>,
}

impl Boot {
    /// Why the root has no kernel to boot, when it has none.
    pub fn no_kernel(&self) -> Option<String> {
        self.kernels.as_ref().filter(|k| k.is_empty()).map(|_| {
            format!(
                "no kernel is installed (no {}/vmlinuz*, no {}/*, no kernel package): a container image or bare root filesystem, not a bootable server",
                src::BOOT_DIR.path(),
                src::MODULES_DIRS.path()
            )
        })
    }
}

/// A kernel package: Debian's linux-image-*, the RPM distributions'
/// kernel, kernel-core, kernel-default, kernel-uek, Alpine's linux-lts,
/// linux-virt, Arch's linux.
fn kernel_package(name: &str) -> bool {
    let rpm = [
        "kernel",
        "kernel-core",
        "kernel-default",
        "kernel-uek",
        "kernel-PAE",
    ];
    rpm.contains(&name)
        || name.starts_with("linux-image-")
        || matches!(
            name,
            "linux"
                | "linux-lts"
                | "linux-virt"
                | "linux-edge"
                | "linux-rpi"
                | "linux-zen"
                | "linux-hardened"
        )
}

/// The kernels in the root (see `Boot::kernels`).
pub fn kernels(
    f: &Facts,
    packages: Option<&super::Packages>,
    running: Option<&str>,
    tools: Option<&super::Tools>,
) -> Option<Vec<String>> {
    // A running kernel (a live run, a /proc copy) says nothing of what the
    // root holds: a container runs on its host's.
    if running.is_some() || f.facts().any(|x| matches!(x, lift_bundle::Fact::Uname(_))) {
        return None;
    }
    let boot = f.list(&src::BOOT_DIR);
    let modules = f.list(&src::MODULES_DIRS);
    let mut found: Vec<String> = Vec::new();
    for c in boot.iter().flatten() {
        let n = String::from_utf8_lossy(&c.name);
        if n.starts_with("vmlinuz")
            || n.starts_with("vmlinux")
            || n.starts_with("kernel-")
            || n == "Image"
        {
            found.push(format!("{}/{n}", src::BOOT_DIR.path()));
        }
    }
    for c in modules.iter().flatten() {
        found.push(format!(
            "{}/{}",
            src::MODULES_DIRS.path(),
            String::from_utf8_lossy(&c.name)
        ));
    }
    if let Some(p) = packages {
        found.extend(
            p.list
                .iter()
                .filter(|p| p.is_installed() && kernel_package(&p.name))
                .map(|p| format!("{} {} (package)", p.name, p.version)),
        );
    }
    // Absent /boot and /lib/modules are empty; a package database must
    // have been read to say no package installs a kernel either.
    let top_listed = f.top_listed();
    let listed = |l: &Option<Vec<crate::snapshot::ChildInfo>>, row: &'static Source| {
        l.is_some() || (top_listed && f.lstat(row).is_none())
    };
    // Only a whole root says "none": one with programs in its PATH
    // directories, not a database or an /etc copied alone.
    let whole = tools.is_some_and(|t| !t.found.is_empty());
    if found.is_empty()
        && (packages.is_none()
            || !whole
            || !listed(&boot, &src::BOOT_DIR)
            || !listed(&modules, &src::MODULES_DIRS))
    {
        return None;
    }
    Some(found)
}

/// One piece of evidence: the loader it names and where that was seen.
#[derive(Debug, Clone)]
struct Seen {
    loader: Loader,
    why: String,
}

/// Loader families: GRUB legacy and GRUB 2 agree with each other for the
/// question "is it GRUB".
fn family(loader: Loader) -> &'static str {
    match loader {
        Loader::Grub1 | Loader::Grub2 => "grub",
        other => other.name(),
    }
}

fn firmware(f: &Facts) -> (Firmware, Option<String>) {
    if f.lstat(&src::EFI).is_some() {
        return (Firmware::Uefi, Some(format!("{} exists", src::EFI.path())));
    }
    if let Some((fw, why, _)) = super::sos::firmware(f) {
        return (fw, Some(why));
    }
    match f.list(&src::FIRMWARE) {
        Some(_) => (
            Firmware::Bios,
            Some(format!("{} has no efi directory", src::FIRMWARE.path())),
        ),
        None => (Firmware::Unknown, None),
    }
}

/// A loader's file name on the ESP, lower case.
fn efi_file(name: &str) -> Option<Loader> {
    let n = name.to_ascii_lowercase();
    if !n.ends_with(".efi") {
        return None;
    }
    if n.starts_with("shim") || n.starts_with("grub") {
        Some(Loader::Grub2)
    } else if n.starts_with("systemd-boot") {
        Some(Loader::SystemdBoot)
    } else if n.starts_with("bootmgfw") {
        Some(Loader::Other)
    } else {
        None
    }
}

/// What the ESP holds, per vendor directory (`/boot/efi/EFI/<dir>`).
struct Esp {
    /// Loaders found in vendor directories (not EFI/BOOT).
    vendors: Vec<Seen>,
    /// What EFI/BOOT's BOOT<arch>.EFI is, told by its neighbours: shim's
    /// fallback (fbx64.efi), MokManager (mmx64.efi) or grubx64.efi beside
    /// it mean shim or GRUB; grub.cfg too.
    removable: Option<Seen>,
    listed: bool,
}

fn esp(f: &Facts) -> Esp {
    let mut out = Esp {
        vendors: Vec::new(),
        removable: None,
        listed: false,
    };
    let Some(dirs) = f.list(&src::ESP_EFI) else {
        return out;
    };
    out.listed = true;
    for d in dirs {
        if !matches!(d.kind, FileKind::Dir) {
            continue;
        }
        let name = String::from_utf8_lossy(&d.name).into_owned();
        let path = format!("{}/{name}", src::ESP_EFI.path());
        let Some(files) = f.list_at(&src::ESP_VENDOR, &path) else {
            continue;
        };
        let names: Vec<String> = files
            .iter()
            .map(|c| String::from_utf8_lossy(&c.name).to_ascii_lowercase())
            .collect();
        let has_cfg = names.iter().any(|n| n == "grub.cfg");
        if name.eq_ignore_ascii_case("boot") {
            let beside: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with("fb") || n.starts_with("mm") || n.starts_with("grub"))
                .collect();
            if !beside.is_empty() {
                let list: Vec<&str> = beside.iter().map(|s| s.as_str()).collect();
                out.removable = Some(Seen {
                    loader: Loader::Grub2,
                    why: format!(
                        "{path} holds {} beside BOOT*.EFI (shim or GRUB)",
                        list.join(", ")
                    ),
                });
            }
            continue;
        }
        let mut loaders: Vec<Loader> = names.iter().filter_map(|n| efi_file(n)).collect();
        if has_cfg {
            loaders.push(Loader::Grub2);
        }
        // In the order of their names, as the evidence lists them.
        loaders.sort_by_key(|l| l.name());
        loaders.dedup();
        for l in loaders {
            let files: Vec<&str> = names
                .iter()
                .filter(|n| efi_file(n) == Some(l) || (l == Loader::Grub2 && *n == "grub.cfg"))
                .map(String::as_str)
                .collect();
            out.vendors.push(Seen {
                loader: l,
                why: format!("{path} holds {}", files.join(", ")),
            });
        }
    }
    out
}

/// The configuration files present, by loader.
fn configuration(f: &Facts, firmware: Firmware) -> Vec<Seen> {
    let candidates: &[(&'static Source, Loader)] = &[
        (&src::GRUB2_CFG, Loader::Grub2),
        (&src::GRUB_CFG, Loader::Grub2),
        (&src::GRUB_MENU_LST, Loader::Grub1),
        (&src::GRUB_CONF, Loader::Grub1),
        (&src::EXTLINUX_CONF, Loader::Extlinux),
        (&src::SYSLINUX_CFG, Loader::Extlinux),
        (&src::LILO_CONF, Loader::Lilo),
        (&src::ZIPL_CONF, Loader::Zipl),
        (&src::SYSTEMD_BOOT_CONF, Loader::SystemdBoot),
    ];
    let mut seen: Vec<Seen> = candidates
        .iter()
        .filter(|(s, _)| f.lstat(s).is_some())
        // systemd-boot is a UEFI program: its files do not boot a BIOS host.
        .filter(|(_, l)| !(*l == Loader::SystemdBoot && firmware == Firmware::Bios))
        .map(|(s, l)| Seen {
            loader: *l,
            why: format!("{} exists", s.path()),
        })
        .collect();
    for p in f.glob(&src::ESP_GRUB_CFG) {
        seen.push(Seen {
            loader: Loader::Grub2,
            why: format!("{p} exists"),
        });
    }
    seen
}

/// The loader the configuration names, if it names one family; GRUB 2
/// over GRUB legacy when both are there (an upgraded host).
fn one_loader(seen: &[Seen]) -> Result<Option<Loader>, String> {
    let mut families: Vec<&str> = seen.iter().map(|s| family(s.loader)).collect();
    families.sort();
    families.dedup();
    match families.as_slice() {
        [] => Ok(None),
        [_] => Ok(Some(
            seen.iter()
                .map(|s| s.loader)
                .find(|l| *l == Loader::Grub2)
                .unwrap_or(seen[0].loader),
        )),
        _ => Err(seen
            .iter()
            .map(|s| s.why.as_str())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// BootCurrent's entry: its description and path.
fn boot_entry(f: &Facts) -> Option<(String, String)> {
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
    Some((
        format!("BootCurrent Boot{n:04X} ({})", opt.description),
        opt.file_path.unwrap_or_default(),
    ))
}

struct Decision {
    loader: Loader,
    decided_by: Option<&'static str>,
    conflict: Option<String>,
}

fn decided(loader: Loader, by: &'static str) -> Decision {
    Decision {
        loader,
        decided_by: Some(by),
        conflict: None,
    }
}

fn conflict(why: String) -> Decision {
    Decision {
        loader: Loader::Unknown,
        decided_by: None,
        conflict: Some(why),
    }
}

const UNDECIDED: Decision = Decision {
    loader: Loader::Unknown,
    decided_by: None,
    conflict: None,
};

/// A loader that the firmware runs (the entry, a boot sector's code)
/// against the configuration: agreement or no configuration keeps it; a
/// configuration of another loader only is a conflict.
fn against_config(loader: Loader, by: &'static str, what: &str, config: &[Seen]) -> Decision {
    if config.is_empty() || config.iter().any(|s| family(s.loader) == family(loader)) {
        return decided(loader, by);
    }
    let others: Vec<&str> = config.iter().map(|s| s.why.as_str()).collect();
    conflict(format!(
        "{what} names {loader}, but the configuration is another loader's ({})",
        others.join("; ")
    ))
}

pub fn boot(f: &Facts) -> Boot {
    let (firmware, fw_evidence) = firmware(f);
    let mut evidence: Vec<String> = fw_evidence.into_iter().collect();
    let config = configuration(f, firmware);
    let d = if firmware == Firmware::Bios {
        bios(f, &config, &mut evidence)
    } else {
        let d = uefi(f, firmware, &config, &mut evidence);
        // Without the firmware's word (a directory tree), boot sectors
        // count too.
        match (firmware, d.loader) {
            (Firmware::Unknown, Loader::Unknown) if d.conflict.is_none() => {
                bios(f, &config, &mut evidence)
            }
            _ => d,
        }
    };
    for s in &config {
        if !evidence.contains(&s.why) {
            evidence.push(s.why.clone());
        }
    }
    if let Some(c) = &d.conflict {
        evidence.push(format!("conflict: {c}"));
    }
    Boot {
        firmware,
        loader: d.loader,
        evidence,
        decided_by: d.decided_by,
        conflict: d.conflict,
        kernels: None,
    }
}

fn uefi(f: &Facts, firmware: Firmware, config: &[Seen], evidence: &mut Vec<String>) -> Decision {
    let esp = esp(f);
    for s in esp.vendors.iter().chain(&esp.removable) {
        evidence.push(s.why.clone());
    }
    let config_loader = one_loader(config);
    if let Some((entry, path)) = boot_entry(f) {
        // An entry that names a device and no file (OVMF's entries for a
        // disk) boots that device's removable-media path.
        let path = match path.is_empty() {
            true => "\\EFI\\BOOT\\BOOT<arch>.EFI (the entry names a device, no file)".to_string(),
            false => path,
        };
        evidence.push(format!("{entry} loads {path}"));
        let file = path.rsplit(['\\', '/']).next().unwrap_or("");
        let what = format!("the EFI boot entry ({path})");
        if let Some(l) = efi_file(file).filter(|l| *l != Loader::Other) {
            return against_config(l, "efi-boot-entry", &what, config);
        }
        let removable = path
            .to_ascii_lowercase()
            .replace('/', "\\")
            .trim_start_matches('\\')
            .starts_with("efi\\boot\\boot");
        if removable {
            // \EFI\BOOT\BOOTX64.EFI: a copy of some loader. What sits
            // beside it, else the one loader the ESP holds, else the
            // configuration, tells which.
            if let Some(s) = &esp.removable {
                return against_config(s.loader, "efi-boot-entry+esp", &what, config);
            }
            let mut on_esp: Vec<Loader> = esp
                .vendors
                .iter()
                .map(|s| s.loader)
                .filter(|l| *l != Loader::Other)
                .collect();
            on_esp.sort_by_key(|l| l.name());
            on_esp.dedup();
            return match (on_esp.as_slice(), config_loader) {
                ([l], _) => against_config(*l, "efi-boot-entry+esp", &what, config),
                ([], Ok(Some(l))) => decided(l, "efi-boot-entry+configuration"),
                ([], Ok(None)) => UNDECIDED,
                ([], Err(c)) => conflict(format!(
                    "{what} is the removable-media path, and the configuration names several loaders ({c})"
                )),
                (many, _) => conflict(format!(
                    "{what} is the removable-media path, and the ESP holds several loaders ({})",
                    many.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
                )),
            };
        }
        // A loader lift does not know (rEFInd, Windows Boot Manager, a
        // vendor's own): it may chain-load GRUB.
        let grub_too = esp
            .vendors
            .iter()
            .chain(config)
            .find(|s| family(s.loader) == "grub");
        return match grub_too {
            Some(g) => conflict(format!(
                "{what} is not GRUB, shim or systemd-boot, but {}",
                g.why
            )),
            None => decided(Loader::Other, "efi-boot-entry"),
        };
    }
    // No entry (a directory tree, a probe without the efivars): the ESP
    // and the configuration.
    let mut on_esp: Vec<&Seen> = esp
        .vendors
        .iter()
        .filter(|s| s.loader != Loader::Other)
        .collect();
    on_esp.sort_by_key(|s| s.loader.name());
    on_esp.dedup_by_key(|s| s.loader);
    match (on_esp.as_slice(), config_loader) {
        ([one], _) => against_config(one.loader, "esp", &one.why, config),
        // Firmware not known either: the boot sectors and the
        // configuration decide, as on BIOS.
        ([], _) if firmware == Firmware::Unknown => UNDECIDED,
        ([], Ok(Some(l))) => decided(l, "configuration"),
        ([], Ok(None)) => UNDECIDED,
        ([], Err(c)) => conflict(format!("the configuration names several loaders: {c}")),
        _ => conflict(format!(
            "the ESP holds several loaders ({}) and no EFI boot entry says which runs",
            esp.vendors
                .iter()
                .map(|s| s.why.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// The loader whose own code a boot sector holds, or None for generic code
/// (a chain-loading MBR, an empty sector, a filesystem's superblock).
fn sector_loader(code: BootCode, config: &[Seen]) -> Option<Loader> {
    match code {
        BootCode::GrubLegacy => Some(Loader::Grub1),
        BootCode::Grub2 => Some(Loader::Grub2),
        // "GRUB " without a generation: the files tell which.
        BootCode::Grub => match one_loader(config) {
            Ok(Some(Loader::Grub1)) => Some(Loader::Grub1),
            _ => Some(Loader::Grub2),
        },
        BootCode::Lilo => Some(Loader::Lilo),
        BootCode::Extlinux => Some(Loader::Extlinux),
        // Generic code that chain-loads the active partition's boot
        // record (SYSLINUX's mbr.bin and gptmbr.bin, Windows'), or none at
        // all (a GPT protective MBR): the loader is elsewhere.
        BootCode::Syslinux
        | BootCode::SyslinuxGpt
        | BootCode::Windows
        | BootCode::Other
        | BootCode::Empty => None,
    }
}

/// Boot sectors that hold a loader's own code, and those that hand over.
fn weigh_sectors<'a>(
    f: &Facts,
    sectors: impl IntoIterator<Item = &'a lift_bundle::BootSector>,
    whose: &str,
    config: &[Seen],
    evidence: &mut Vec<String>,
) -> (Vec<Seen>, Vec<String>) {
    let (mut runs, mut generic) = (Vec::new(), Vec::new());
    for s in sectors {
        let dev = s.device.to_string_lossy();
        let b = match boot_sector::parse(&s.sector.0) {
            Ok(b) => b.value,
            Err(e) => {
                f.problem(&dev, format!("{whose}: {e}"));
                continue;
            }
        };
        let why = format!("{whose} of {dev}: {:?} ({})", b.code, b.evidence.join("; "));
        evidence.push(why.clone());
        match sector_loader(b.code, config) {
            Some(loader) => runs.push(Seen { loader, why }),
            None => generic.push(why),
        }
    }
    (runs, generic)
}

/// One loader family among sectors that run a loader, or the conflict.
fn one_runs(runs: &[Seen], what: &str) -> Result<Option<Seen>, Decision> {
    let mut loaders: Vec<&str> = runs.iter().map(|s| family(s.loader)).collect();
    loaders.sort();
    loaders.dedup();
    match loaders.len() {
        0 => Ok(None),
        1 => Ok(Some(runs[0].clone())),
        _ => Err(conflict(format!(
            "{what} hold different loaders: {}",
            runs.iter()
                .map(|s| s.why.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))),
    }
}

fn bios(f: &Facts, config: &[Seen], evidence: &mut Vec<String>) -> Decision {
    let sectors = f.all_facts(&src::BOOT_SECTORS, |x| match x {
        Fact::BootSector(s) => Some(s),
        _ => None,
    });
    let (runs, generic) = weigh_sectors(f, sectors, "boot sector", config, evidence);
    match one_runs(&runs, "the boot disks") {
        // A disk with a loader's own code outweighs one without.
        Ok(Some(s)) => return against_config(s.loader, "boot-sector", &s.why, config),
        Ok(None) => {}
        Err(d) => return d,
    }
    if !generic.is_empty() {
        // The MBR hands over to the active partition: its boot record runs.
        let parts = f.all_facts(&src::PARTITION_SECTORS, |x| match x {
            Fact::PartitionSector(s) => Some(s),
            _ => None,
        });
        let (runs, _) = weigh_sectors(f, parts, "partition boot record", config, evidence);
        match one_runs(&runs, "the boot partitions") {
            Ok(Some(s)) => {
                return against_config(s.loader, "partition-boot-record", &s.why, config)
            }
            Ok(None) => {}
            Err(d) => return d,
        }
    }
    match one_loader(config) {
        Ok(Some(l)) => {
            if generic.is_empty() {
                evidence.push("configuration only: no boot sector was read".into());
            } else {
                evidence.push(format!(
                    "the configuration decides: an empty or chain-loading first sector hands over to the loader in a partition ({l})"
                ));
            }
            decided(l, "configuration")
        }
        Ok(None) => UNDECIDED,
        Err(c) => conflict(format!("the configuration names several loaders: {c}")),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{build, Boot};
    use crate::snapshot::{DirSnapshot, Snapshot};
    use crate::testing::{boot_sector, bundle, fixture, TempRoot};
    use lift_bundle::Fact;

    fn boot_of(case: &str) -> Boot {
        build(&DirSnapshot::new(&fixture(case)) as &dyn Snapshot).boot
    }

    #[test]
    fn the_removable_path_is_what_sits_beside_it() {
        let b = boot_of("boot-uefi/removable-shim");
        assert_eq!(
            (b.firmware.name(), b.loader.name()),
            ("uefi", "grub2"),
            "{b:?}"
        );
        assert_eq!(b.decided_by, Some("efi-boot-entry+esp"));
        assert!(
            b.evidence
                .iter()
                .any(|e| e.contains("fbx64.efi, grubx64.efi, mmx64.efi")),
            "{:?}",
            b.evidence
        );
        // OVMF's entry for a disk names no file: the removable path again.
        let b = boot_of("boot-uefi/ovmf-disk-entry");
        assert_eq!(b.loader.name(), "grub2", "{b:?}");
        assert_eq!(b.decided_by, Some("efi-boot-entry+esp"));
    }

    #[test]
    fn systemd_boot_stays_systemd_boot() {
        let b = boot_of("boot-uefi/systemd-boot");
        assert_eq!(b.loader.name(), "systemd-boot", "{b:?}");
        assert_eq!(b.decided_by, Some("efi-boot-entry"));
    }

    #[test]
    fn two_loaders_behind_the_removable_path_are_unknown() {
        let b = boot_of("boot-uefi/removable-two-loaders");
        assert_eq!(b.loader.name(), "unknown", "{b:?}");
        let c = b.conflict.unwrap();
        assert!(c.contains("grub2, systemd-boot"), "{c}");
    }

    #[test]
    fn the_esp_decides_without_an_entry() {
        let b = boot_of("boot-uefi/esp-only");
        assert_eq!(b.loader.name(), "grub2", "{b:?}");
        assert_eq!(b.decided_by, Some("esp"));
    }

    fn sector(name: &str) -> Vec<u8> {
        std::fs::read(fixture("boot-sectors").join(name)).unwrap()
    }

    fn bios_boot(files: &[(&str, &str)], sectors: &[(&str, &str)]) -> Boot {
        bios_boot_parts(files, sectors, &[])
    }

    /// A BIOS host's boot: the disks' first sectors, then the partitions'.
    fn bios_boot_parts(
        files: &[(&str, &str)],
        sectors: &[(&str, &str)],
        parts: &[(&str, &str)],
    ) -> Boot {
        let r = TempRoot::with(files);
        r.mkdir("sys/firmware/acpi");
        let read = |(dev, name): &(&str, &str)| {
            let mut s = sector(name);
            s.resize(512, 0);
            boot_sector(dev, s)
        };
        let mut facts: Vec<Fact> = sectors.iter().map(read).collect();
        facts.extend(parts.iter().map(read).map(|f| match f {
            Fact::BootSector(s) => Fact::PartitionSector(s),
            other => other,
        }));
        build(&bundle(r.path(), facts, true) as &dyn Snapshot).boot
    }

    /// A device the probe could not open even as root (a container, a
    /// sandbox): the sector is unreadable, with the probe's reason, not
    /// absent.
    #[test]
    fn a_boot_sector_the_probe_could_not_open_is_unreadable() {
        use crate::sources::{self as src, State};
        use lift_bundle::{Note, NoteKind, Record};
        let r = TempRoot::new();
        r.mkdir("sys/firmware/acpi");
        let snap = crate::testing::bundle_edited(r.path(), vec![], true, |recs| {
            let at = recs.len() - 1; // before the footer
            recs.insert(
                at,
                Record::Note(Note {
                    spec: "boot".into(),
                    kind: NoteKind::PermissionDenied,
                    path: Some(b"/dev/vda".to_vec().into()),
                    message: "boot sector: Operation not permitted (os error 1)".into(),
                }),
            );
        });
        let host = build(&snap as &dyn Snapshot);
        let read = host.sources.get(&src::BOOT_SECTORS).unwrap();
        assert_eq!(read.state, State::Unreadable);
        assert_eq!(
            read.detail,
            "/dev/vda: boot sector: Operation not permitted (os error 1)"
        );
    }

    /// Behind a chain-loading or empty MBR the partition's boot record
    /// runs: it decides over the configuration files, and a disagreement
    /// between them is unknown, not a verdict.
    #[test]
    fn the_partition_boot_record_behind_a_generic_mbr() {
        let extlinux = [("boot/extlinux/extlinux.conf", "DEFAULT linux\n")];
        let grub = [("boot/grub/grub.cfg", "set default=0\n")];
        // SYSLINUX's mbr.bin chain-loads EXTLINUX installed in sda1.
        let b = bios_boot_parts(
            &extlinux,
            &[("/dev/sda", "syslinux-mbr.bin")],
            &[("/dev/sda1", "extlinux-6.04-ext4-vbr.bin")],
        );
        assert_eq!(
            (b.loader.name(), b.decided_by),
            ("extlinux", Some("partition-boot-record")),
            "{b:?}"
        );
        assert!(
            b.evidence
                .iter()
                .any(|e| e.starts_with("partition boot record of /dev/sda1: Extlinux")),
            "{:?}",
            b.evidence
        );
        // GRUB 2 installed to the partition behind a GPT protective MBR.
        let b = bios_boot_parts(
            &grub,
            &[("/dev/sda", "gpt-protective-mbr.bin")],
            &[("/dev/sda1", "grub2-2.06-ext4-vbr.bin")],
        );
        assert_eq!(
            (b.loader.name(), b.decided_by),
            ("grub2", Some("partition-boot-record")),
            "{b:?}"
        );
        // EXTLINUX in the partition while only GRUB's files are there: the
        // evidence disagrees.
        let b = bios_boot_parts(
            &grub,
            &[("/dev/sda", "syslinux-mbr.bin")],
            &[("/dev/sda1", "extlinux-6.04-ext4-vbr.bin")],
        );
        assert_eq!(b.loader.name(), "unknown", "{b:?}");
        assert!(b.conflict.unwrap().contains("names extlinux"));
        // A partition without boot code (ext4 leaves its first sector
        // zeroed): the configuration decides, as before.
        let b = bios_boot_parts(
            &grub,
            &[("/dev/sda", "syslinux-mbr.bin")],
            &[("/dev/sda1", "empty.bin")],
        );
        assert_eq!(
            (b.loader.name(), b.decided_by),
            ("grub2", Some("configuration"))
        );
        // GRUB in the MBR runs first: the partition's record is not asked.
        let b = bios_boot_parts(
            &grub,
            &[("/dev/sda", "grub2-boot.img")],
            &[("/dev/sda1", "extlinux-6.04-ext4-vbr.bin")],
        );
        assert_eq!(
            (b.loader.name(), b.decided_by),
            ("grub2", Some("boot-sector"))
        );
        // Two boot partitions (RAID 1 members) with different loaders.
        let b = bios_boot_parts(
            &grub,
            &[("/dev/sda", "empty.bin"), ("/dev/sdb", "empty.bin")],
            &[
                ("/dev/sda1", "grub2-2.06-ext4-vbr.bin"),
                ("/dev/sdb1", "extlinux-6.04-ext4-vbr.bin"),
            ],
        );
        assert_eq!(b.loader.name(), "unknown", "{b:?}");
        assert!(b
            .conflict
            .unwrap()
            .contains("the boot partitions hold different loaders"));
    }

    /// sgdisk's protective MBR (no boot code) and an all-zero sector do not
    /// outweigh GRUB's configuration.
    #[test]
    fn an_empty_mbr_hands_over_to_the_configuration() {
        let grub = [("boot/grub/grub.cfg", "set default=0\n")];
        for s in ["gpt-protective-mbr.bin", "empty.bin"] {
            let b = bios_boot(&grub, &[("/dev/sda", s)]);
            assert_eq!(b.loader.name(), "grub2", "{s}: {b:?}");
            assert_eq!(b.decided_by, Some("configuration"), "{s}");
        }
        // A generic MBR in front of extlinux in the partition: extlinux.
        let b = bios_boot(
            &[("boot/extlinux/extlinux.conf", "DEFAULT linux\n")],
            &[("/dev/sda", "syslinux-mbr.bin")],
        );
        assert_eq!(b.loader.name(), "extlinux", "{b:?}");
        // Nothing at all: unknown, not "none".
        let b = bios_boot(&[], &[("/dev/sda", "empty.bin")]);
        assert_eq!(b.loader.name(), "unknown", "{b:?}");
    }

    #[test]
    fn boot_code_against_the_configuration() {
        let b = bios_boot(
            &[("boot/grub/grub.cfg", "set default=0\n")],
            &[("/dev/sda", "grub2-boot.img")],
        );
        assert_eq!(
            (b.loader.name(), b.decided_by),
            ("grub2", Some("boot-sector"))
        );
        // LILO's code with only GRUB's files: which one is current is not told.
        let b = bios_boot(
            &[("boot/grub/menu.lst", "default=0\n")],
            &[("/dev/sda", "lilo-20-mbr.bin")],
        );
        assert_eq!(b.loader.name(), "unknown", "{b:?}");
        assert!(b.conflict.unwrap().contains("names lilo"));
        // Two disks, two loaders.
        let b = bios_boot(
            &[
                ("etc/lilo.conf", "boot=/dev/sdb\n"),
                ("boot/grub/grub.cfg", "\n"),
            ],
            &[
                ("/dev/sda", "grub2-boot.img"),
                ("/dev/sdb", "lilo-20-mbr.bin"),
            ],
        );
        assert_eq!(b.loader.name(), "unknown", "{b:?}");
        // An empty second disk does not outweigh the first's GRUB.
        let b = bios_boot(
            &[("boot/grub/grub.cfg", "\n")],
            &[("/dev/sda", "empty.bin"), ("/dev/sdb", "grub2-boot.img")],
        );
        assert_eq!(b.loader.name(), "grub2", "{b:?}");
    }
}
