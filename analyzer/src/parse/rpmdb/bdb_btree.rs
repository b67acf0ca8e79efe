//! Berkeley DB btree `Packages` files, as rpm writes them where the build
//! configures `%_dbi_config_Packages` for a btree (Yocto and other embedded
//! builds): the same 4-byte package numbers and header blobs as the hash
//! form, kept in key order.
//!
//! Page 0 is the btree metadata; its `root` (byte 88) names the root page.
//! Internal pages (type 3) hold (key, child page) items; leaf pages (type 5)
//! hold key and data items alternately and are chained left to right by
//! their next-page field. An item is inline (B_KEYDATA: a 2-byte length, the
//! type, the bytes) or on overflow pages (B_OVERFLOW: page and total length),
//! the same overflow chains as the hash form. So the reader walks down the
//! leftmost children to the first leaf, then along the leaf chain: the order
//! `db_dump` prints.
//!
//! The metadata layout is shared by btree versions 7 (DB 3.1) to 9 (DB 4.2
//! on); the caller ([`super::bdb::parse`]) has checked the magic, version and
//! page size. Samples: the databases `tests` below makes with python3-bsddb3
//! in both byte orders, checked against `db5.3_dump`.

use std::borrow::Cow;

use super::bdb::{Db, DbError, PAGE_HEADER_LEN};
use super::push_record;
use crate::parse::{ParseError, Partial};
use crate::vocab::packages::InstalledPackage;

const PAGE_BTREE_INTERNAL: u8 = 3;
const PAGE_BTREE_LEAF: u8 = 5;

const ITEM_KEYDATA: u8 = 1;
const ITEM_OVERFLOW: u8 = 3;
/// Set on an item that was deleted but not yet removed from its page.
const ITEM_DELETED: u8 = 0x80;

/// Deepest tree walked: a 4-level btree holds billions of keys.
const MAX_DEPTH: usize = 32;

/// Reads every package; damaged pages and items are errors beside them.
pub(super) fn read(db: &Db) -> Partial<Vec<InstalledPackage>> {
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    if let Err(e) = walk(db, &mut out) {
        out.errors.push(e);
    }
    out
}

/// Walks the leaf chain; a broken chain ends the walk with its error.
fn walk(db: &Db, out: &mut Partial<Vec<InstalledPackage>>) -> Result<(), ParseError> {
    let root = db.u32_at(88).unwrap_or(0);
    let mut pgno = first_leaf(db, root)
        .map_err(|e| ParseError::at_offset(db.page_offset(root), e.to_string()))?;
    let mut visited = vec![false; db.page_count];
    while pgno != 0 {
        let offset = db.page_offset(pgno);
        let err = |msg: String| ParseError::at_offset(offset, msg);
        match visited.get_mut(pgno as usize) {
            None => return Err(err(format!("leaf page {pgno} is past the end of the file"))),
            Some(true) => return Err(err(format!("leaf chain loops back to page {pgno}"))),
            Some(seen) => *seen = true,
        }
        let page = db.page(pgno).map_err(|e| err(e.to_string()))?;
        if page[25] != PAGE_BTREE_LEAF {
            let t = page[25];
            return Err(err(format!("page {pgno} in the leaf chain has type {t}")));
        }
        let base = offset as usize;
        let entries = db.u16_at(base + 20).unwrap_or(0) as usize;
        for pair in 0..entries / 2 {
            read_pair(db, page, base, 2 * pair, out);
        }
        pgno = db.u32_at(base + 16).unwrap_or(0);
    }
    Ok(())
}

/// Follows the leftmost child of each internal page down to a leaf.
fn first_leaf(db: &Db, root: u32) -> Result<u32, DbError> {
    let mut pgno = root;
    for _ in 0..MAX_DEPTH {
        let page = db.page(pgno)?;
        let base = db.page_offset(pgno) as usize;
        match page[25] {
            PAGE_BTREE_LEAF => return Ok(pgno),
            PAGE_BTREE_INTERNAL => {
                let first = db
                    .u16_at(base + PAGE_HEADER_LEN)
                    .map(usize::from)
                    .filter(|&at| at + 12 <= page.len() && at >= PAGE_HEADER_LEN)
                    .ok_or(DbError::NoFirstItem(pgno))?;
                // BINTERNAL: length, type, unused, child page, record count.
                pgno = db.u32_at(base + first + 4).unwrap_or(0);
            }
            kind => return Err(DbError::TreeType { pgno, kind }),
        }
    }
    Err(DbError::TooDeep(MAX_DEPTH))
}

/// The key/data pair at items `index` and `index + 1` of a leaf page.
fn read_pair(
    db: &Db,
    page: &[u8],
    base: usize,
    index: usize,
    out: &mut Partial<Vec<InstalledPackage>>,
) {
    let item = |i: usize| -> Result<(usize, Cow<'_, [u8]>), DbError> {
        let at = db
            .u16_at(base + PAGE_HEADER_LEN + 2 * i)
            .map(usize::from)
            .filter(|&at| at >= PAGE_HEADER_LEN && at + 3 <= page.len())
            .ok_or(DbError::ItemBounds(i))?;
        Ok((at, value(db, page, base, at)?))
    };
    let (key, data) = match (item(index), item(index + 1)) {
        (Ok(k), Ok(d)) => (k, d),
        (Err(e), _) | (_, Err(e)) => {
            return out
                .errors
                .push(ParseError::at_offset(base as u64, e.to_string()));
        }
    };
    let offset = (base + data.0) as u64;
    let number = match db.package_number(&key.1) {
        Ok(Some(n)) => n,
        Ok(None) => return,
        Err(msg) => return out.errors.push(ParseError::at_offset(offset, msg)),
    };
    push_record(out, number, Some(offset), &data.1);
}

/// The bytes of the item at `at`: inline, or from its overflow pages.
fn value<'a>(db: &Db, page: &'a [u8], base: usize, at: usize) -> Result<Cow<'a, [u8]>, DbError> {
    let kind = page[at + 2];
    if kind & ITEM_DELETED != 0 {
        return Err(DbError::Deleted(at));
    }
    match kind {
        ITEM_KEYDATA => {
            let len = db.u16_at(base + at).unwrap_or(0) as usize;
            page.get(at + 3..at + 3 + len)
                .map(Cow::Borrowed)
                .ok_or(DbError::ItemClaims { at, len })
        }
        ITEM_OVERFLOW => {
            let pgno = db.u32_at(base + at + 4).ok_or(DbError::OverflowItemCut)?;
            let len = db.u32_at(base + at + 8).ok_or(DbError::OverflowItemCut)?;
            db.overflow(pgno, len as usize).map(Cow::Owned)
        }
        other => Err(DbError::BtreeItemType(other)),
    }
}

#[cfg(test)]
mod tests;
