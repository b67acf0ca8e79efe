//! rpm's own "ndb" `Packages.db` (SUSE Linux Enterprise 15, openSUSE).
//!
//! All integers are little-endian. The file starts with slot pages (4 KiB
//! each; the first 32 bytes of page 0 are the file header `RpmP`, version 0,
//! generation, number of slot pages, next package number). Each 16-byte slot
//! is `Slot`, package number, block offset, block count; a block is 16 bytes
//! and offset 0 marks a free slot. A slot points at a blob:
//!
//! ```text
//! head: "BlbS" pkgidx timestamp bloblen
//! bloblen bytes of header blob, zero padding to a whole block
//! tail: adler32(head + blob + padding) bloblen "BlbE"
//! ```
//!
//! rpm lists packages in block-offset order, and so does this reader.
//!
//! Sample: `fixtures/rpmdb-samples/sle15-ndb/Packages.db` (SLE 15 BCI, 35
//! packages); the tests read it.

use super::push_record;
use crate::parse::{ParseError, Partial};
use crate::vocab::packages::InstalledPackage;

const FILE_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_HEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const BLOB_TAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const SLOT_PAGE_SIZE: usize = 4096;
const SLOT_LEN: usize = 16;
const BLOCK: usize = 16;
const HEADER_LEN: usize = 32;
const BLOB_HEAD_LEN: usize = 16;
const BLOB_TAIL_LEN: usize = 12;

fn le32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

struct Slot {
    pkgidx: u32,
    blkoff: usize,
    blkcnt: usize,
}

/// Reads every package from an ndb `Packages.db`. `Err` when the file header
/// is not ndb's; a bad slot or blob is one error beside the other packages.
pub fn parse(bytes: &[u8]) -> Result<Partial<Vec<InstalledPackage>>, ParseError> {
    if bytes.len() < HEADER_LEN || le32(bytes, 0) != FILE_MAGIC {
        return Err(ParseError::at_offset(
            0,
            "not an rpm ndb Packages.db (bad magic)",
        ));
    }
    if le32(bytes, 4) != 0 {
        return Err(ParseError::at_offset(
            4,
            format!("unsupported ndb version {}", le32(bytes, 4)),
        ));
    }
    let slot_pages = le32(bytes, 12) as usize;
    let slots_end = slot_pages.saturating_mul(SLOT_PAGE_SIZE);
    if slot_pages == 0 || slots_end > bytes.len() {
        return Err(ParseError::at_offset(
            12,
            format!("{slot_pages} slot pages do not fit in the file"),
        ));
    }
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    let slots = read_slots(bytes, slots_end, &mut out.errors);
    for slot in slots {
        let offset = (slot.blkoff * BLOCK) as u64;
        match read_blob(bytes, &slot) {
            Ok(blob) => push_record(
                &mut out,
                slot.pkgidx,
                Some(offset + BLOB_HEAD_LEN as u64),
                blob,
            ),
            Err(e) => out.errors.push(ParseError::at_offset(
                offset,
                format!("package {}: {e}", slot.pkgidx),
            )),
        }
    }
    Ok(out)
}

/// The used slots, checked as rpm checks them, in block-offset order.
fn read_slots(bytes: &[u8], slots_end: usize, errors: &mut Vec<ParseError>) -> Vec<Slot> {
    let file_blocks = bytes.len() / BLOCK;
    let first_blob_block = slots_end / BLOCK;
    let mut slots = Vec::new();
    for at in (HEADER_LEN..slots_end).step_by(SLOT_LEN) {
        let bad = |msg: String| {
            ParseError::at_offset(at as u64, format!("slot {}: {msg}", at / SLOT_LEN))
        };
        if le32(bytes, at) != SLOT_MAGIC {
            errors.push(bad("bad slot magic".to_owned()));
            continue;
        }
        let slot = Slot {
            pkgidx: le32(bytes, at + 4),
            blkoff: le32(bytes, at + 8) as usize,
            blkcnt: le32(bytes, at + 12) as usize,
        };
        if slot.blkoff == 0 {
            continue;
        }
        if slot.pkgidx == 0 || slot.blkcnt == 0 || slot.blkoff < first_blob_block {
            errors.push(bad(format!(
                "bad entry (package {}, block {}, {} blocks)",
                slot.pkgidx, slot.blkoff, slot.blkcnt
            )));
        } else if slot.blkoff + slot.blkcnt > file_blocks {
            errors.push(bad(format!(
                "package {} runs past the end of the file (truncated)",
                slot.pkgidx
            )));
        } else {
            slots.push(slot);
        }
    }
    slots.sort_by_key(|s| s.blkoff);
    slots
}

/// Why a slot's blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum BlobError {
    #[error("blob area is smaller than its head and tail")]
    Small,
    #[error("bad blob head")]
    Head,
    #[error("blob length {len} does not match the slot's {blocks} blocks")]
    Length { len: usize, blocks: usize },
    #[error("bad blob tail")]
    Tail,
    #[error("adler32 checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    Checksum { stored: u32, computed: u32 },
}

/// The header blob of a slot, after checking head, tail and checksum.
fn read_blob<'a>(bytes: &'a [u8], slot: &Slot) -> Result<&'a [u8], BlobError> {
    let start = slot.blkoff * BLOCK;
    let area = &bytes[start..start + slot.blkcnt * BLOCK];
    if area.len() < BLOB_HEAD_LEN + BLOB_TAIL_LEN {
        return Err(BlobError::Small);
    }
    if le32(area, 0) != BLOB_HEAD_MAGIC || le32(area, 4) != slot.pkgidx {
        return Err(BlobError::Head);
    }
    let blob_len = le32(area, 12) as usize;
    if slot.blkcnt != (BLOB_HEAD_LEN + blob_len + BLOB_TAIL_LEN).div_ceil(BLOCK) {
        return Err(BlobError::Length {
            len: blob_len,
            blocks: slot.blkcnt,
        });
    }
    let tail = area.len() - BLOB_TAIL_LEN;
    if le32(area, tail + 4) as usize != blob_len || le32(area, tail + 8) != BLOB_TAIL_MAGIC {
        return Err(BlobError::Tail);
    }
    let expected = le32(area, tail);
    let actual = adler32(&area[..tail]);
    if actual != expected {
        return Err(BlobError::Checksum {
            stored: expected,
            computed: actual,
        });
    }
    Ok(&area[BLOB_HEAD_LEN..BLOB_HEAD_LEN + blob_len])
}

/// Adler-32 (RFC 1950), as ndb checksums its blobs.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the longest run whose sums cannot overflow a u32.
    for chunk in bytes.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_rfc_1950_example() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    pub(super) const SLE15: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/rpmdb-samples/sle15-ndb/Packages.db"
    ));
    const SLE15_EXPECTED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/rpmdb-samples/sle15-ndb/expected.nevra.txt"
    ));

    fn nevra(p: &InstalledPackage) -> String {
        let arch = p.arch.as_deref().unwrap_or("(none)");
        let release = p.release.as_deref().unwrap_or("");
        format!(
            "{}:{}-{}-{release}.{arch}",
            p.epoch.unwrap_or(0),
            p.name,
            p.version
        )
    }

    #[test]
    fn sle15_matches_rpm_qa() {
        let parsed = parse(SLE15).unwrap();
        assert_eq!(parsed.errors, []);
        let got: Vec<String> = parsed.value.iter().map(nevra).collect();
        let want: Vec<&str> = SLE15_EXPECTED.lines().collect();
        assert_eq!(got, want);
        let bash = parsed.value.iter().find(|p| p.name == "bash").unwrap();
        assert_eq!(bash.epoch, None);
        assert_eq!(bash.source.as_deref(), Some("bash"));
        assert_eq!(
            bash.vendor.as_deref(),
            Some("SUSE LLC <https://www.suse.com/>")
        );
        assert!(
            bash.files.iter().any(|f| f == "/usr/bin/bash"),
            "{:?}",
            &bash.files[..5]
        );
    }
}

#[cfg(test)]
mod damage_tests {
    use super::sample_tests::SLE15;
    use super::*;

    /// File offset of the n-th used slot, in slot order.
    fn used_slot(db: &[u8], n: usize) -> usize {
        (HEADER_LEN..SLOT_PAGE_SIZE)
            .step_by(SLOT_LEN)
            .filter(|&at| le32(db, at + 8) != 0)
            .nth(n)
            .unwrap()
    }

    fn damaged(edit: impl FnOnce(&mut Vec<u8>)) -> Partial<Vec<InstalledPackage>> {
        let mut db = SLE15.to_vec();
        edit(&mut db);
        parse(&db).unwrap()
    }

    #[test]
    fn bad_slot_is_one_error_and_the_rest_are_kept() {
        let parsed = damaged(|db| {
            let at = used_slot(db, 3);
            db[at..at + 4].copy_from_slice(b"Junk");
        });
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0].message.contains("bad slot magic"));
        assert_eq!(parsed.value.len(), 34);
    }

    #[test]
    fn slot_past_the_end_is_one_error() {
        let parsed = damaged(|db| {
            let at = used_slot(db, 0);
            db[at + 12..at + 16].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        });
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0].message.contains("past the end"));
        assert_eq!(parsed.value.len(), 34);
    }

    #[test]
    fn blob_checksum_and_length_are_checked() {
        let parsed = damaged(|db| {
            let blob = le32(db, used_slot(db, 5) + 8) as usize * BLOCK;
            db[blob + BLOB_HEAD_LEN + 100] ^= 0x55;
            let blob = le32(db, used_slot(db, 6) + 8) as usize * BLOCK;
            db[blob + 12..blob + 16].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        });
        assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
        assert!(
            parsed.errors[0].message.contains("adler32"),
            "{}",
            parsed.errors[0]
        );
        assert!(
            parsed.errors[1].message.contains("does not match"),
            "{}",
            parsed.errors[1]
        );
        assert_eq!(parsed.value.len(), 33);
    }

    #[test]
    fn truncated_file_keeps_the_blobs_before_the_cut() {
        let parsed = parse(&SLE15[..SLE15.len() / 2]).unwrap();
        assert!(!parsed.errors.is_empty());
        assert!(
            parsed.value.len() > 5 && parsed.value.len() < 35,
            "{}",
            parsed.value.len()
        );
        for cut in (0..SLE15.len()).step_by(4099) {
            let _ = parse(&SLE15[..cut]);
        }
        assert!(parse(b"RpmQ").is_err());
    }
}
