//! Berkeley DB hash `Packages` files (RHEL/CentOS 5-8, SLES 11-12, Amazon
//! Linux 2), read directly rather than through libdb; and btree ones
//! (Yocto and other embedded builds), in [`super::bdb_btree`].
//!
//! The file is a sequence of pages of one size (512 B to 64 KiB), all fields
//! in the byte order of the machine that wrote it. Page 0 is the hash
//! metadata: the number of the last bucket and, per doubling of the table, a
//! "spares" offset that maps a bucket to its first page. Each bucket is a
//! chain of hash pages (types 2 and 13) holding key/data pairs; the key is a
//! 4-byte package number and the data a header blob, kept inline on the page
//! (H_KEYDATA) when it fits and otherwise in a chain of overflow pages
//! (H_OFFPAGE). Walking buckets in order gives rpm's own `-qa` order.
//!
//! Hash versions 7 (Berkeley DB 3.1-4.0), 8 (4.1-4.5) and 9 (4.6 on) share
//! this metadata layout; before version 9 hash pages are of type 2
//! (unsorted), from 9 on of type 13, and both are read. Version 6 and older
//! (DB 3.0, 2.x) laid the metadata out otherwise and are refused.
//!
//! Sample: `fixtures/rpmdb-samples/ubi8-libuuid-bdb/Packages` (one package,
//! little-endian, 4 KiB pages) and the databases under
//! `fixtures/rpmdb-bdb-*`; the tests below read them.

use std::borrow::Cow;

use super::push_record;
use crate::parse::{ParseError, Partial};
use crate::vocab::packages::InstalledPackage;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
pub(super) const PAGE_HEADER_LEN: usize = 26;

/// Why a page, an overflow chain or an item of a Berkeley DB file could not
/// be read (the caller adds the byte offset and the bucket or record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum DbError {
    #[error("page {0} is past the end of the file")]
    PastEnd(u32),
    #[error("page {0} is truncated")]
    Truncated(u32),
    #[error("overflow value of {0} bytes is larger than the file")]
    OverflowTooLarge(usize),
    #[error("overflow values add up to more than the file holds ({wanted} bytes wanted, {left} left): chains are shared")]
    OverflowBudget { wanted: usize, left: usize },
    #[error("overflow page {0} is past the end of the file")]
    OverflowPastEnd(u32),
    #[error("overflow chain loops back to page {0}")]
    OverflowLoop(u32),
    #[error("page {pgno} in an overflow chain has type {kind}")]
    OverflowType { pgno: u32, kind: u8 },
    #[error("overflow page {pgno} claims {used} bytes")]
    OverflowClaims { pgno: u32, used: usize },
    #[error("overflow chain ends after {got} of {len} bytes")]
    OverflowShort { got: usize, len: usize },
    #[error("overflow item is cut short")]
    OverflowItemCut,
    #[error("unsupported hash item type {0}")]
    HashItemType(u8),
    #[error("empty hash item")]
    EmptyItem,
    #[error("internal page {0} has no first item")]
    NoFirstItem(u32),
    #[error("page {pgno} in the tree has type {kind}")]
    TreeType { pgno: u32, kind: u8 },
    #[error("the tree is deeper than {0} levels (a loop?)")]
    TooDeep(usize),
    #[error("item {0} is out of bounds (truncated or damaged page)")]
    ItemBounds(usize),
    #[error("item at byte {0} is a deleted entry")]
    Deleted(usize),
    #[error("item at byte {at} claims {len} bytes past the page")]
    ItemClaims { at: usize, len: usize },
    #[error("unsupported btree item type {0}")]
    BtreeItemType(u8),
}

/// The oldest hash and btree metadata versions read (DB 3.1).
const OLDEST_VERSION: u32 = 7;

const PAGE_HASH_UNSORTED: u8 = 2;
pub(super) const PAGE_OVERFLOW: u8 = 7;
const PAGE_HASH: u8 = 13;

const ITEM_KEYDATA: u8 = 1;
const ITEM_OFFPAGE: u8 = 3;

pub(super) struct Db<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) big_endian: bool,
    pub(super) page_size: usize,
    /// Pages that exist, counting a truncated last page.
    pub(super) page_count: usize,
    /// Overflow bytes still to be read. Each value has its own chain, so
    /// together they never exceed the file; a hostile file whose items all
    /// point at one long chain would otherwise cost items x file size.
    pub(super) overflow_budget: std::cell::Cell<usize>,
}

impl<'a> Db<'a> {
    /// The package number a record's key holds, in the file's byte order;
    /// None for key 0, which holds rpm's next free number, not a package.
    pub(super) fn package_number(&self, key: &[u8]) -> Result<Option<u32>, String> {
        if key.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        match <[u8; 4]>::try_from(key) {
            Ok(k) if self.big_endian => Ok(Some(u32::from_be_bytes(k))),
            Ok(k) => Ok(Some(u32::from_le_bytes(k))),
            Err(_) => Err(format!(
                "key of {} bytes is not a package number",
                key.len()
            )),
        }
    }

    pub(super) fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at + 2)?;
        let b = [b[0], b[1]];
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub(super) fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// The page's bytes; shorter than a page when the file is truncated.
    pub(super) fn page(&self, pgno: u32) -> Result<&'a [u8], DbError> {
        let start = (pgno as usize)
            .checked_mul(self.page_size)
            .filter(|&s| s < self.bytes.len());
        let start = start.ok_or(DbError::PastEnd(pgno))?;
        let page = &self.bytes[start..self.bytes.len().min(start + self.page_size)];
        if page.len() < PAGE_HEADER_LEN {
            return Err(DbError::Truncated(pgno));
        }
        Ok(page)
    }

    pub(super) fn page_offset(&self, pgno: u32) -> u64 {
        pgno as u64 * self.page_size as u64
    }

    /// Reads a value of `len` bytes from the overflow chain starting at
    /// `pgno`. The chain may visit each page at most once.
    pub(super) fn overflow(&self, mut pgno: u32, len: usize) -> Result<Vec<u8>, DbError> {
        if len > self.bytes.len() {
            return Err(DbError::OverflowTooLarge(len));
        }
        let left = self.overflow_budget.get();
        if len > left {
            return Err(DbError::OverflowBudget { wanted: len, left });
        }
        self.overflow_budget.set(left - len);
        let mut value = Vec::with_capacity(len);
        let mut visited = vec![false; self.page_count];
        while value.len() < len {
            let seen = visited
                .get_mut(pgno as usize)
                .ok_or(DbError::OverflowPastEnd(pgno))?;
            if std::mem::replace(seen, true) {
                return Err(DbError::OverflowLoop(pgno));
            }
            let page = self.page(pgno)?;
            let base = self.page_offset(pgno) as usize;
            if page[25] != PAGE_OVERFLOW {
                return Err(DbError::OverflowType {
                    pgno,
                    kind: page[25],
                });
            }
            let used = self.u16_at(base + 22).unwrap_or(0) as usize;
            let chunk = page
                .get(PAGE_HEADER_LEN..PAGE_HEADER_LEN + used)
                .filter(|_| value.len() + used <= len)
                .ok_or(DbError::OverflowClaims { pgno, used })?;
            value.extend_from_slice(chunk);
            pgno = self.u32_at(base + 16).unwrap_or(0);
            if pgno == 0 && value.len() < len {
                return Err(DbError::OverflowShort {
                    got: value.len(),
                    len,
                });
            }
        }
        Ok(value)
    }
}

/// Reads every package from a Berkeley DB hash or btree `Packages` file.
/// `Err` when the file is not one (bad magic or metadata); damaged buckets,
/// pages and records become errors beside the packages that could be read.
pub fn parse(bytes: &[u8]) -> Result<Partial<Vec<InstalledPackage>>, ParseError> {
    let magic = |big_endian| {
        let db = Db {
            bytes,
            big_endian,
            page_size: 0,
            page_count: 0,
            overflow_budget: Default::default(),
        };
        db.u32_at(12)
    };
    let (big_endian, btree) = match (magic(false), magic(true)) {
        (Some(HASH_MAGIC), _) => (false, false),
        (_, Some(HASH_MAGIC)) => (true, false),
        (Some(BTREE_MAGIC), _) => (false, true),
        (_, Some(BTREE_MAGIC)) => (true, true),
        _ => {
            return Err(ParseError::at_offset(
                12,
                "not a Berkeley DB hash or btree database (bad magic)",
            ))
        }
    };
    let mut db = Db {
        bytes,
        big_endian,
        page_size: 0,
        page_count: 0,
        overflow_budget: std::cell::Cell::new(bytes.len()),
    };
    let page_size = db.u32_at(20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(ParseError::at_offset(
            20,
            format!("page size {page_size} is not a power of two from 512 to 65536"),
        ));
    }
    let version = db.u32_at(16).unwrap_or(0);
    if version < OLDEST_VERSION {
        return Err(ParseError::at_offset(
            16,
            format!("Berkeley DB metadata version {version} (DB 3.0 or older) is not supported"),
        ));
    }
    if bytes.len() < 96 + 32 * 4 {
        return Err(ParseError::at_offset(0, "metadata page is truncated"));
    }
    db.page_size = page_size;
    db.page_count = bytes.len().div_ceil(page_size);
    if btree {
        return Ok(super::bdb_btree::read(&db));
    }
    let max_bucket = db.u32_at(72).unwrap_or(0);
    let spares: Vec<u32> = (0..32)
        .map(|i| db.u32_at(96 + 4 * i).unwrap_or(0))
        .collect();

    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    let mut visited = vec![false; db.page_count];
    // More buckets than pages can only come from damaged metadata.
    let buckets = (max_bucket as u64 + 1).min(db.page_count as u64) as u32;
    for bucket in 0..buckets {
        let first = bucket.wrapping_add(spares[(u32::BITS - bucket.leading_zeros()) as usize]);
        read_bucket(&db, bucket, first, &mut visited, &mut out);
    }
    Ok(out)
}

/// Reads one bucket's chain of hash pages into `out`.
fn read_bucket(
    db: &Db,
    bucket: u32,
    mut pgno: u32,
    visited: &mut [bool],
    out: &mut Partial<Vec<InstalledPackage>>,
) {
    while pgno != 0 {
        let offset = db.page_offset(pgno);
        let fail = |out: &mut Partial<_>, msg: String| {
            out.errors.push(ParseError::at_offset(
                offset,
                format!("bucket {bucket}: {msg}"),
            ))
        };
        match visited.get_mut(pgno as usize) {
            None => return fail(out, format!("page {pgno} is past the end of the file")),
            Some(true) => {
                return fail(
                    out,
                    format!("page {pgno} is already part of another chain (loop)"),
                )
            }
            Some(seen) => *seen = true,
        }
        let page = match db.page(pgno) {
            Ok(page) => page,
            Err(e) => return fail(out, e.to_string()),
        };
        let base = offset as usize;
        if db.u32_at(base + 8) != Some(pgno) {
            return fail(out, format!("page {pgno} records a different page number"));
        }
        if page[25] != PAGE_HASH && page[25] != PAGE_HASH_UNSORTED {
            return fail(
                out,
                format!("page {pgno} has type {}, not a hash page", page[25]),
            );
        }
        let entries = db.u16_at(base + 20).unwrap_or(0) as usize;
        for pair in 0..entries / 2 {
            read_pair(db, page, base, 2 * pair, out);
        }
        pgno = db.u32_at(base + 16).unwrap_or(0);
    }
}

/// Reads the key/data pair at item `index` of a hash page. Items are packed
/// from the end of the page downward, so an item ends where the previous one
/// starts.
fn read_pair(
    db: &Db,
    page: &[u8],
    base: usize,
    index: usize,
    out: &mut Partial<Vec<InstalledPackage>>,
) {
    let item_start = |i: usize| db.u16_at(base + PAGE_HEADER_LEN + 2 * i).map(usize::from);
    let bounds = (|| {
        let key = item_start(index)?;
        let data = item_start(index + 1)?;
        let key_end = if index == 0 {
            db.page_size
        } else {
            item_start(index - 1)?
        };
        let ok = PAGE_HEADER_LEN <= data && data < key && key < key_end && key_end <= page.len();
        ok.then_some((key, key_end, data))
    })();
    let Some((key, key_end, data)) = bounds else {
        let msg = format!("item {index} of the page is out of bounds (truncated or damaged page)");
        return out.errors.push(ParseError::at_offset(base as u64, msg));
    };
    let offset = (base + data) as u64;
    let key_bytes = match item_value(db, &page[key..key_end]) {
        Ok(k) => k,
        Err(e) => {
            return out.errors.push(ParseError::at_offset(
                (base + key) as u64,
                format!("key: {e}"),
            ))
        }
    };
    let number = match db.package_number(&key_bytes) {
        Ok(Some(n)) => n,
        Ok(None) => return,
        Err(msg) => return out.errors.push(ParseError::at_offset(offset, msg)),
    };
    match item_value(db, &page[data..key]) {
        Ok(blob) => push_record(out, number, Some(offset), &blob),
        Err(e) => out.errors.push(ParseError::at_offset(
            offset,
            format!("package {number}: {e}"),
        )),
    }
}

/// The bytes of one hash item: inline after its type byte, or from overflow pages.
fn item_value<'a>(db: &Db, item: &'a [u8]) -> Result<Cow<'a, [u8]>, DbError> {
    match item.first() {
        Some(&ITEM_KEYDATA) => Ok(Cow::Borrowed(&item[1..])),
        Some(&ITEM_OFFPAGE) if item.len() >= 12 => {
            let field = |at: usize| {
                let b = [item[at], item[at + 1], item[at + 2], item[at + 3]];
                if db.big_endian {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                }
            };
            db.overflow(field(4), field(8) as usize).map(Cow::Owned)
        }
        Some(&kind) => Err(DbError::HashItemType(kind)),
        None => Err(DbError::EmptyItem),
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    const UBI8: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/rpmdb-samples/ubi8-libuuid-bdb/Packages"
    ));
    const UBI8_EXPECTED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/rpmdb-samples/ubi8-libuuid-bdb/expected.rpm-qa.csv"
    ));

    #[test]
    fn ubi8_matches_rpm_qa_field_by_field() {
        let parsed = parse(UBI8).unwrap();
        assert_eq!(parsed.errors, []);
        let [p] = &parsed.value[..] else {
            panic!("want one package, got {:?}", parsed.value)
        };
        let want: Vec<&str> = UBI8_EXPECTED.trim_end().split('¶').collect();
        let got = [
            p.epoch.map(|e| e.to_string()).unwrap_or_default(),
            p.name.clone(),
            p.version.clone(),
            p.release.clone().unwrap_or_default(),
            p.arch.clone().unwrap_or_default(),
            format!(
                "{}-{}-{}.src.rpm",
                p.source.as_deref().unwrap_or(""),
                p.version,
                p.release.as_deref().unwrap_or("")
            ),
            p.installed_size_bytes.unwrap_or(0).to_string(),
            p.license.clone().unwrap_or_default(),
            p.vendor.clone().unwrap_or_default(),
            p.summary.clone().unwrap_or_default(),
            p.sigmd5.clone().unwrap_or_default(),
            p.install_time.unwrap_or(0).to_string(),
        ];
        assert_eq!(got.to_vec(), want);
        assert_eq!(p.source.as_deref(), Some("util-linux"));
        assert!(!p.gpg_pubkey);
        assert!(
            p.files
                .iter()
                .any(|f| f.starts_with("/usr/lib64/libuuid.so.1")),
            "{:?}",
            p.files
        );
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;
    use crate::parse::rpmdb::expected::{assert_matches_rpm, fixture};

    #[test]
    fn built_databases_match_rpm_qa_in_both_byte_orders_and_page_sizes() {
        for case in [
            "rpmdb-bdb-le-512",
            "rpmdb-bdb-be-512",
            "rpmdb-bdb-le-4k",
            "rpmdb-bdb-be-4k",
            "rpmdb-bdb-le-64k",
            "rpmdb-bdb-be-64k",
        ] {
            let (db, csv, files) = fixture(case, "Packages");
            let parsed = parse(&db).unwrap();
            assert_eq!(parsed.errors, [], "{case}");
            assert_matches_rpm(&parsed.value, &csv, &files);
        }
    }
}

#[cfg(test)]
mod unsorted_page_tests {
    use super::*;
    use crate::parse::rpmdb::expected::{assert_matches_rpm, fixture};

    /// Berkeley DB before 4.x wrote hash pages as type 2 (P_HASH_UNSORTED);
    /// their layout is the same as type 13's.
    #[test]
    fn hash_pages_of_type_2_read_like_type_13() {
        let (mut db, csv, files) = fixture("rpmdb-bdb-le-4k", "Packages");
        let mut changed = 0;
        for page in db.chunks_mut(4096).skip(1) {
            if page[25] == PAGE_HASH {
                page[25] = PAGE_HASH_UNSORTED;
                changed += 1;
            }
        }
        assert!(changed > 0);
        let parsed = parse(&db).unwrap();
        assert_eq!(parsed.errors, []);
        assert_matches_rpm(&parsed.value, &csv, &files);
    }
}

#[cfg(test)]
mod damage_tests {
    use super::*;
    use crate::parse::rpmdb::expected::fixture;

    const PAGE: usize = 4096;

    fn le_4k() -> Vec<u8> {
        fixture("rpmdb-bdb-le-4k", "Packages").0
    }

    fn names(p: &Partial<Vec<InstalledPackage>>) -> Vec<&str> {
        p.value.iter().map(|p| p.name.as_str()).collect()
    }

    /// Pages of type `kind` in the little-endian 4 KiB fixture.
    fn pages_of_type(db: &[u8], kind: u8) -> Vec<usize> {
        (1..db.len() / PAGE)
            .filter(|&pg| db[pg * PAGE + 25] == kind)
            .collect()
    }

    #[test]
    fn looping_overflow_chain_is_one_error() {
        let mut db = le_4k();
        // Point the second page of a multi-page chain back at the first.
        let overflow = pages_of_type(&db, PAGE_OVERFLOW);
        let (first, second) = overflow
            .iter()
            .find_map(|&pg| {
                let next =
                    u32::from_le_bytes(db[pg * PAGE + 16..pg * PAGE + 20].try_into().unwrap())
                        as usize;
                (next != 0).then_some((pg, next))
            })
            .expect("a chain of two or more overflow pages");
        db[second * PAGE + 16..second * PAGE + 20].copy_from_slice(&(first as u32).to_le_bytes());
        let parsed = parse(&db).unwrap();
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(
            parsed.errors[0].message.contains("loops back"),
            "{}",
            parsed.errors[0]
        );
        assert_eq!(parsed.value.len(), 4);
    }

    #[test]
    fn truncated_file_keeps_the_pages_before_the_cut() {
        let db = le_4k();
        let parsed = parse(&db[..db.len() - PAGE / 2]).unwrap();
        assert!(!parsed.errors.is_empty());
        assert!(
            !parsed.value.is_empty() && parsed.value.len() < 5,
            "{:?}",
            names(&parsed)
        );
        for cut in (0..db.len()).step_by(97) {
            let _ = parse(&db[..cut]);
        }
    }

    /// The offsets of the inline header blobs on page 1 of the 64 KiB
    /// little-endian fixture, where small headers stay on the hash page.
    fn inline_blobs(db: &[u8]) -> Vec<usize> {
        let (page, size) = (1, 65536);
        let base = page * size;
        let u16_at = |at: usize| u16::from_le_bytes([db[at], db[at + 1]]) as usize;
        let entries = u16_at(base + 20);
        (0..entries / 2)
            .map(|pair| {
                (
                    base + u16_at(base + 26 + 4 * pair),
                    base + u16_at(base + 28 + 4 * pair),
                )
            })
            .filter(|&(key, data)| db[key + 1..key + 5] != [0; 4] && db[data] == ITEM_KEYDATA)
            .map(|(_, data)| data + 1)
            .collect()
    }

    #[test]
    fn inline_blob_with_huge_counts_or_lengths_is_one_error() {
        let (db, _, _) = fixture("rpmdb-bdb-le-64k", "Packages");
        let blob = inline_blobs(&db)[0];
        for (field, value, message) in [
            (0, 0x00ff_ffff, "index count"),
            (4, 0x0fff_0000, "needs"),
            (4, 0xffff_ffff, "data length"),
        ] {
            let mut bad = db.clone();
            bad[blob + field..blob + field + 4].copy_from_slice(&u32::to_be_bytes(value));
            let parsed = parse(&bad).unwrap();
            assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
            assert!(
                parsed.errors[0].message.contains(message),
                "{}",
                parsed.errors[0]
            );
            assert_eq!(parsed.value.len(), 4);
        }
    }

    #[test]
    fn corrupt_bytes_anywhere_never_panic() {
        let db = le_4k();
        for at in (0..db.len()).step_by(13) {
            let mut bad = db.clone();
            bad[at] ^= 0xff;
            let _ = parse(&bad);
        }
    }
}
