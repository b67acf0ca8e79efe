//! A disk's partition table from its first sectors, as the probe reads them
//! (`BootSector` facts): the four primary entries of an MBR, or, behind a
//! protective MBR, the GPT header at LBA 1 and its entries (LBA 2 on, 128
//! bytes each), on a disk of 512-byte or 4096-byte logical sectors (the
//! header at byte 512 or 4096). Each partition's first sector, size and
//! type, to name what each partition of the storage layout holds.
//!
//! Sample (a GPT disk made by sgdisk 1.0.9, `xxd -s 512 -l 16`):
//!
//! ```text
//! 00000200: 4546 4920 5041 5254 0000 0100 5c00 0000  EFI PART....\...
//! ```

use super::{ParseError, Parsed, Partial};

const SECTOR: usize = 512;

/// Extents are in 512-byte sectors, as the kernel counts them in sysfs
/// (`/sys/block/<disk>/<partition>/start`), whatever the disk's logical
/// sector size: a 4Kn disk's LBAs are multiplied by 8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub start_lba: u64,
    pub sectors: u64,
    /// What the type says (`Linux LVM`, `EFI system`, `Linux swap`), or the
    /// type code itself where lift does not know it (`0x42`, a GUID).
    pub kind: String,
}

/// The entries of the table in `bytes`: MBR primaries, or GPT entries when
/// the bytes hold its header. An empty list for a disk without a table.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<Entry>> {
    let mbr = bytes
        .get(..SECTOR)
        .ok_or_else(|| ParseError::at_offset(bytes.len() as u64, "shorter than one sector"))?;
    if mbr[510..] != [0x55, 0xaa] {
        return Ok(Partial::whole(Vec::new()));
    }
    let primaries: Vec<(u8, u64, u64)> = mbr[446..510]
        .chunks(16)
        .map(|e| {
            let lba = u64::from(u32::from_le_bytes([e[8], e[9], e[10], e[11]]));
            let n = u64::from(u32::from_le_bytes([e[12], e[13], e[14], e[15]]));
            (e[4], lba, n)
        })
        .filter(|(t, _, _)| *t != 0)
        .collect();
    if primaries.iter().any(|(t, _, _)| *t == 0xee) {
        return gpt(bytes).map(Partial::whole);
    }
    Ok(Partial::whole(
        primaries
            .into_iter()
            .map(|(t, start_lba, sectors)| Entry {
                start_lba,
                sectors,
                kind: mbr_type(t),
            })
            .collect(),
    ))
}

fn mbr_type(t: u8) -> String {
    match t {
        0x83 => "Linux".into(),
        0x82 => "Linux swap".into(),
        0x8e => "Linux LVM".into(),
        0xfd => "Linux RAID".into(),
        0x05 | 0x0f | 0x85 => "extended".into(),
        0x07 => "NTFS/exFAT".into(),
        0x0b | 0x0c => "FAT32".into(),
        0xef => "EFI system".into(),
        0xa5 | 0xa6 => "BSD".into(),
        t => format!("0x{t:02x}"),
    }
}

/// A GPT GUID as written on disk (the first three fields little-endian).
fn guid(b: &[u8]) -> String {
    format!(
        "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{}",
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10..16]
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect::<String>()
    )
}

fn gpt_type(g: &str) -> String {
    match g {
        "0FC63DAF-8483-4772-8E79-3D69D8477DE4" => "Linux filesystem".into(),
        "E6D6D379-F507-44C2-A23C-238F2A3DF928" => "Linux LVM".into(),
        "A19D880F-05FC-4D3B-A006-743F0F84911E" => "Linux RAID".into(),
        "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" => "Linux swap".into(),
        "CA7D7CCB-63ED-4C53-861C-1742536059CC" => "Linux LUKS".into(),
        "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" => "Linux root (x86-64)".into(),
        "BC13C2FF-59E6-4262-A352-B275FD6F7172" => "Linux extended boot".into(),
        "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" => "EFI system".into(),
        "21686148-6449-6E6F-744E-656564454649" => "BIOS boot".into(),
        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" => "Microsoft basic data".into(),
        "E3C9E316-0B5C-4DB8-817D-F92DF00215AE" => "Microsoft reserved".into(),
        g => g.to_string(),
    }
}

/// Entries are read only as far as the bytes go (the probe reads the
/// header and the entries it names, up to the first usable LBA) and never
/// past 256 of them.
fn gpt(bytes: &[u8]) -> Result<Vec<Entry>, ParseError> {
    let at = |sector: usize| {
        bytes
            .get(sector..2 * sector)
            .filter(|h| h.starts_with(b"EFI PART"))
            .map(|h| (sector, h))
    };
    let Some((sector, h)) = at(SECTOR).or_else(|| at(4096)) else {
        if bytes.len() <= SECTOR {
            // Only the protective MBR was read (a probe before issue 27).
            return Ok(Vec::new());
        }
        return Err(ParseError::at_offset(
            512,
            "a protective MBR without a GPT header at LBA 1 (byte 512, or 4096 on 4K sectors)",
        ));
    };
    // The extents in 512-byte sectors.
    let scale = (sector / SECTOR) as u64;
    let u32_at = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
    let entries_lba = u64::from_le_bytes(h[72..80].try_into().unwrap_or([0; 8]));
    let (count, size) = (u32_at(80) as usize, u32_at(84) as usize);
    if !(128..=4096).contains(&size) || size % 8 != 0 {
        return Err(ParseError::at_offset(
            (sector + 84) as u64,
            format!("GPT entry size {size}"),
        ));
    }
    let start = usize::try_from(entries_lba)
        .ok()
        .and_then(|l| l.checked_mul(sector));
    let Some(start) = start.filter(|s| *s >= 2 * sector) else {
        return Err(ParseError::at_offset(
            (sector + 72) as u64,
            format!("GPT entries at LBA {entries_lba}"),
        ));
    };
    let mut out = Vec::new();
    for i in 0..count.min(256) {
        let Some(e) = bytes.get(start + i * size..start + (i + 1) * size) else {
            break;
        };
        if e[..16].iter().all(|&b| b == 0) {
            continue;
        }
        let first = u64::from_le_bytes(e[32..40].try_into().unwrap_or([0; 8]));
        let last = u64::from_le_bytes(e[40..48].try_into().unwrap_or([0; 8]));
        out.push(Entry {
            start_lba: first.saturating_mul(scale),
            sectors: last
                .saturating_sub(first)
                .saturating_add(1)
                .saturating_mul(scale),
            kind: gpt_type(&guid(&e[..16])),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str) -> Vec<u8> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/boot-sectors/");
        std::fs::read(format!("{root}{name}")).unwrap()
    }

    /// sgdisk 1.0.9's GPT (four partitions), against what `sgdisk -p` said.
    #[test]
    fn gpt_disk_made_by_sgdisk() {
        let e = parse(&image("gpt-sgdisk-1.0.9-first34.bin"))
            .map(|p| p.value)
            .unwrap();
        let kinds: Vec<&str> = e.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["BIOS boot", "EFI system", "Linux RAID", "Linux LVM"]
        );
        assert_eq!((e[0].start_lba, e[0].sectors), (2048, 2048));
        assert_eq!(e[3].start_lba, e[2].start_lba + e[2].sectors);
    }

    /// fdisk's GPT on a disk of 4096-byte sectors (util-linux 2.38.1,
    /// `fdisk -b 4096` on an image): its header is at byte 4096, and its
    /// extents, against `fdisk -l` (256 and 2304, 2048 and 13824 sectors
    /// of 4096 bytes), are given in the kernel's 512-byte sectors.
    #[test]
    fn gpt_on_4k_sectors() {
        let e = parse(&image("gpt-fdisk-2.38.1-4k-first6.bin")).unwrap();
        let got: Vec<(u64, u64, &str)> = e
            .iter()
            .map(|e| (e.start_lba, e.sectors, e.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (256 * 8, 2048 * 8, "EFI system"),
                (2304 * 8, 13824 * 8, "Linux LVM")
            ]
        );
    }

    /// sfdisk's MBR (two primaries).
    #[test]
    fn mbr_disk_made_by_sfdisk() {
        let e = parse(&image("mbr-sfdisk-2.38-first512.bin"))
            .map(|p| p.value)
            .unwrap();
        let kinds: Vec<&str> = e.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["Linux", "Linux LVM"]);
        assert_eq!(e[0].start_lba, 2048);
    }

    #[test]
    fn damaged_tables() {
        let mut b = image("gpt-sgdisk-1.0.9-first34.bin");
        assert_eq!(
            parse(&b[..512]).map(|p| p.value).unwrap(),
            Vec::new(),
            "no header read: nothing claimed"
        );
        b[512] = b'X';
        assert!(parse(&b).map(|p| p.value).is_err());
        assert!(parse(&[0u8; 10]).map(|p| p.value).is_err());
        assert_eq!(parse(&[0u8; 512]).map(|p| p.value).unwrap(), Vec::new());
    }
}
