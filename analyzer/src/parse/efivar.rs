//! UEFI boot variables from /sys/firmware/efi/efivars: `BootCurrent-GUID`
//! (which Boot#### entry started this boot) and `Boot####-GUID` (an
//! EFI_LOAD_OPTION: its description and the loader's file path).
//!
//! Sample (efivarfs prefixes the 4-byte attributes): BootCurrent is
//! `07 00 00 00 | 01 00` (entry 0001); Boot0001 holds attributes, the
//! path-list length, the UCS-2 description `debian`, then device-path nodes
//! whose file-path node (type 4, subtype 4) is `\EFI\debian\shimx64.efi`.

use super::{ParseError, Parsed, Partial};

/// The entry number BootCurrent names.
pub fn parse_boot_current(bytes: &[u8]) -> Parsed<u16> {
    match bytes.get(4..6) {
        Some(b) => super::whole(u16::from_le_bytes([b[0], b[1]])),
        None => Err(ParseError::at_offset(
            bytes.len() as u64,
            "BootCurrent shorter than 6 bytes",
        )),
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadOption {
    pub description: String,
    /// The loader's path on the EFI system partition, `\EFI\debian\shimx64.efi`.
    pub file_path: Option<String>,
}

fn ucs2(bytes: &[u8]) -> (String, usize) {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    (String::from_utf16_lossy(&units), (units.len() + 1) * 2)
}

pub fn parse_load_option(bytes: &[u8]) -> Parsed<LoadOption> {
    // efivarfs attributes (4), then EFI_LOAD_OPTION: Attributes (4),
    // FilePathListLength (2), Description (UCS-2, NUL-terminated), paths.
    let body = bytes
        .get(4..)
        .ok_or_else(|| ParseError::at_offset(0, "shorter than its attributes"))?;
    let list_len = body
        .get(4..6)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let list_len = list_len.ok_or_else(|| ParseError::at_offset(8, "no file path list length"))?;
    let (description, used) = ucs2(body.get(6..).unwrap_or(&[]));
    let start = 6 + used;
    let list = body
        .get(start..(start + list_len).min(body.len()))
        .unwrap_or(&[]);
    let mut file_path = None;
    let mut i = 0;
    // Device path nodes: type (1), subtype (1), length (2, includes header).
    while i + 4 <= list.len() {
        let (t, st) = (list[i], list[i + 1]);
        let len = u16::from_le_bytes([list[i + 2], list[i + 3]]) as usize;
        if len < 4 || i + len > list.len() {
            break;
        }
        if t == 4 && st == 4 {
            let (p, _) = ucs2(&list[i + 4..i + len]);
            file_path = Some(p);
        }
        if t == 0x7f {
            break;
        }
        i += len;
    }
    Ok(Partial::whole(LoadOption {
        description,
        file_path,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16z(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    /// A Boot#### variable laid out as the UEFI spec (3.1.3) and efivarfs
    /// give it: a hard-drive node, then the file-path node, then the end node.
    fn boot_entry(desc: &str, path: &str) -> Vec<u8> {
        let mut hd = vec![4u8, 1, 42, 0];
        hd.extend_from_slice(&[0; 38]);
        let p = utf16z(path);
        let mut fp = vec![4u8, 4];
        fp.extend_from_slice(&((p.len() + 4) as u16).to_le_bytes());
        fp.extend_from_slice(&p);
        let end = [0x7fu8, 0xff, 4, 0];
        let list: Vec<u8> = [hd, fp, end.to_vec()].concat();
        let mut v = vec![7, 0, 0, 0, 1, 0, 0, 0];
        v.extend_from_slice(&(list.len() as u16).to_le_bytes());
        v.extend_from_slice(&utf16z(desc));
        v.extend_from_slice(&list);
        v
    }

    #[test]
    fn shim_entry() {
        let o = parse_load_option(&boot_entry("debian", "\\EFI\\debian\\shimx64.efi"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(o.description, "debian");
        assert_eq!(o.file_path.as_deref(), Some("\\EFI\\debian\\shimx64.efi"));
        assert_eq!(
            parse_boot_current(&[7, 0, 0, 0, 1, 0])
                .map(|p| p.value)
                .unwrap(),
            1
        );
    }

    #[test]
    fn damaged_entries_do_not_panic() {
        let good = boot_entry("Linux Boot Manager", "\\EFI\\systemd\\systemd-bootx64.efi");
        for cut in 0..good.len() {
            let _ = parse_load_option(&good[..cut]).map(|p| p.value);
        }
        assert!(parse_boot_current(&[7, 0]).map(|p| p.value).is_err());
    }
}
