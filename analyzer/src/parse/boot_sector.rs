//! The first sector of a boot disk: which boot code is in the MBR.
//!
//! Sample (GRUB 2's boot.img, Debian grub-pc-bin 2.06, 512 bytes):
//!
//! ```text
//! 0000: eb 63 90 00 ...                      jmp over the BPB to 0x65
//! 0180: 47 52 55 42 20 00 47 65 6f 6d 00 ... "GRUB .Geom.Hard Disk.Read. Error"
//! 01fe: 55 aa                                boot signature
//! ```
//!
//! How each is told apart (offsets as the loaders lay them out):
//! - GRUB legacy stage1 and GRUB 2 boot.img both print "GRUB " on error;
//!   legacy jumps to 0x4a (`eb 48`) and keeps its stage1 version 3.2 at
//!   0x3e, GRUB 2 from 1.99 on jumps to 0x65 (`eb 63`). GRUB 2 1.96–1.98
//!   had other jumps; their code at 0x80 (`48 b4`, `7c 3c`) identifies them,
//!   as bootinfoscript does. grub-install keeps the disk's old BPB bytes
//!   (0x03–0x5a), so the version bytes alone would misread an upgraded disk.
//! - LILO's first stage carries the string "LILO" at offset 6.
//! - SYSLINUX's mbr.bin and gptmbr.bin print "Multiple active partitions";
//!   gptmbr says "Missing OS" where mbr.bin says "Missing operating system".
//! - Windows MBRs print "Invalid partition table" / "Error loading operating system".
//! - SYSLINUX and EXTLINUX's own boot sector (a partition's volume boot
//!   record, or a whole unpartitioned disk's) names itself "SYSLINUX" in
//!   the BPB's OEM field at offset 3 (extlinux 6.04 writes that too; older
//!   ones "EXTLINUX") and prints "Boot error".

use super::{ParseError, Parsed, Partial};

pub const SECTOR_SIZE: usize = 512;
/// Boot code ends where the disk signature (0x1b8) and partition table begin.
const CODE_END: usize = 440;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootCode {
    GrubLegacy,
    Grub2,
    /// "GRUB " is there but the generation could not be told.
    Grub,
    Lilo,
    Syslinux,
    SyslinuxGpt,
    /// SYSLINUX/EXTLINUX's volume boot record: the loader itself, not a
    /// chain-loader.
    Extlinux,
    Windows,
    /// Boot code that none of the above matches.
    Other,
    /// No boot signature, or a boot code area of zeros.
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionTable {
    /// No entries, or bytes there that are not a partition table.
    None,
    Mbr,
    /// A single 0xEE entry protecting a GPT disk.
    GptProtective,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootSector {
    pub code: BootCode,
    pub partition_table: PartitionTable,
    /// What decided, as `offset 0x..: ...` lines.
    pub evidence: Vec<String>,
}

pub fn parse(bytes: &[u8]) -> Parsed<BootSector> {
    let sector = bytes.get(..SECTOR_SIZE).ok_or_else(|| {
        ParseError::at_offset(bytes.len() as u64, "shorter than one 512-byte sector")
    })?;
    let partition_table = partition_table(sector);
    let (code, evidence) = classify(sector);
    Ok(Partial::whole(BootSector {
        code,
        partition_table,
        evidence,
    }))
}

fn classify(sector: &[u8]) -> (BootCode, Vec<String>) {
    if sector[510..512] != [0x55, 0xaa] {
        let found = format!("{:02x} {:02x}", sector[510], sector[511]);
        return (
            BootCode::Empty,
            vec![format!("offset 0x1fe: {found}, not the 55 aa signature")],
        );
    }
    let code = &sector[..CODE_END];
    if code.iter().all(|&b| b == 0) {
        return (
            BootCode::Empty,
            vec!["offsets 0x000-0x1b7: boot code area is all zeros".into()],
        );
    }
    if &sector[6..10] == b"LILO" {
        return (BootCode::Lilo, vec!["offset 0x006: \"LILO\"".into()]);
    }
    if matches!(&sector[3..11], b"SYSLINUX" | b"EXTLINUX") {
        let oem = String::from_utf8_lossy(&sector[3..11]).into_owned();
        return (
            BootCode::Extlinux,
            vec![format!(
                "offset 0x003: \"{oem}\" (OEM name of SYSLINUX/EXTLINUX's boot sector)"
            )],
        );
    }
    if let Some(at) = find(code, b"GRUB ") {
        let mut evidence = vec![format!("offset {at:#05x}: \"GRUB \"")];
        let jump = (sector[0] == 0xeb).then_some(sector[1]);
        let at_0x80 = [sector[0x80], sector[0x81]];
        let kind = match (jump, at_0x80) {
            (Some(0x48), _) if sector[0x3e..0x40] == [3, 2] => {
                evidence.push(
                    "offset 0x000: eb 48 (jmp 0x4a), offset 0x03e: stage1 version 3.2".into(),
                );
                BootCode::GrubLegacy
            }
            (Some(0x63), _) => {
                evidence.push("offset 0x000: eb 63 (jmp 0x65, boot.img of GRUB 2 1.99+)".into());
                BootCode::Grub2
            }
            (_, [0x48, 0xb4] | [0x7c, 0x3c]) => {
                let [a, b] = at_0x80;
                evidence.push(format!("offset 0x080: {a:02x} {b:02x} (GRUB 2 1.96-1.98)"));
                BootCode::Grub2
            }
            _ => BootCode::Grub,
        };
        return (kind, evidence);
    }
    let strings = [
        ("Multiple active partitions", BootCode::Syslinux),
        ("Invalid partition table", BootCode::Windows),
        ("Error loading operating system", BootCode::Windows),
    ];
    for (text, kind) in strings {
        let Some(at) = find(code, text.as_bytes()) else {
            continue;
        };
        let mut evidence = vec![format!("offset {at:#05x}: \"{text}\"")];
        if kind == BootCode::Syslinux {
            if let Some(gpt) = find(code, b"Missing OS") {
                evidence.push(format!("offset {gpt:#05x}: \"Missing OS\" (gptmbr.bin)"));
                return (BootCode::SyslinuxGpt, evidence);
            }
        }
        return (kind, evidence);
    }
    let head: Vec<String> = sector[..8].iter().map(|b| format!("{b:02x}")).collect();
    (
        BootCode::Other,
        vec![format!(
            "offset 0x000: {} (unrecognised code)",
            head.join(" ")
        )],
    )
}

/// A table is only believed when every entry's status byte is 0x00 or
/// 0x80: boot.img and stage1 as shipped have floppy code in that area.
fn partition_table(sector: &[u8]) -> PartitionTable {
    let entries: Vec<&[u8]> = sector[446..510].chunks(16).collect();
    let types: Vec<u8> = entries.iter().map(|e| e[4]).collect();
    if entries.iter().any(|e| e[0] != 0 && e[0] != 0x80) || types.iter().all(|&t| t == 0) {
        PartitionTable::None
    } else if types.contains(&0xee) {
        PartitionTable::GptProtective
    } else {
        PartitionTable::Mbr
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sector(name: &str) -> Vec<u8> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/boot-sectors/");
        std::fs::read(format!("{root}{name}")).unwrap()
    }

    #[test]
    fn real_boot_sectors() {
        let cases = [
            ("grub2-boot.img", BootCode::Grub2, PartitionTable::None),
            (
                "grub-legacy-stage1",
                BootCode::GrubLegacy,
                PartitionTable::None,
            ),
            ("syslinux-mbr.bin", BootCode::Syslinux, PartitionTable::Mbr),
            (
                "syslinux-gptmbr.bin",
                BootCode::SyslinuxGpt,
                PartitionTable::GptProtective,
            ),
            ("lilo-20-mbr.bin", BootCode::Lilo, PartitionTable::Mbr),
            ("empty.bin", BootCode::Empty, PartitionTable::None),
            // Partitions' boot records, as the installers write them.
            (
                "extlinux-6.04-ext4-vbr.bin",
                BootCode::Extlinux,
                PartitionTable::None,
            ),
            (
                "grub2-2.06-ext4-vbr.bin",
                BootCode::Grub2,
                PartitionTable::None,
            ),
        ];
        for (name, code, table) in cases {
            let parsed = parse(&sector(name)).map(|p| p.value).unwrap();
            assert_eq!(
                (parsed.code, parsed.partition_table),
                (code, table),
                "{name}"
            );
            assert!(!parsed.evidence.is_empty());
        }
        let grub2 = parse(&sector("grub2-boot.img")).map(|p| p.value).unwrap();
        assert_eq!(grub2.evidence[0], "offset 0x180: \"GRUB \"");
        let legacy = parse(&sector("grub-legacy-stage1"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(legacy.evidence[0], "offset 0x17f: \"GRUB \"");
    }

    #[test]
    fn grub2_over_a_legacy_bpb_is_still_grub2() {
        // grub-install copies the old sector's BPB bytes, version 3.2 included.
        let mut upgraded = sector("grub2-boot.img");
        upgraded[0x3e..0x40].copy_from_slice(&[3, 2]);
        assert_eq!(
            parse(&upgraded).map(|p| p.value).unwrap().code,
            BootCode::Grub2
        );
    }

    #[test]
    fn unsigned_short_and_unknown() {
        let mut unsigned = sector("grub2-boot.img");
        unsigned[511] = 0;
        assert_eq!(
            parse(&unsigned).map(|p| p.value).unwrap().code,
            BootCode::Empty
        );
        assert!(parse(&[0u8; 100]).map(|p| p.value).is_err());
        // Synthetic: code bytes that match no known loader.
        let mut other = vec![0u8; 512];
        other[..4].copy_from_slice(&[0xfa, 0x33, 0xc0, 0x8e]);
        other[510..].copy_from_slice(&[0x55, 0xaa]);
        let parsed = parse(&other).map(|p| p.value).unwrap();
        assert_eq!(parsed.code, BootCode::Other);
        assert_eq!(
            parsed.evidence[0],
            "offset 0x000: fa 33 c0 8e 00 00 00 00 (unrecognised code)"
        );
    }
}
