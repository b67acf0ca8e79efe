//! SQLite's write-ahead log (`rpmdb.sqlite-wal`), applied to the database
//! bytes in memory, so that the database can be opened from memory and
//! nothing is written to disk (SQLite itself only reads a WAL beside a file).
//!
//! Format (sqlite.org/fileformat2.html#walformat): a 32-byte header (magic
//! `0x377f0682`/`0x377f0683`, version, page size, checkpoint sequence, two
//! salts, a checksum), then frames of a 24-byte header (page number, the
//! database size in pages for a commit frame, the salts, a cumulative
//! checksum) and one page. Frames count while their salts and checksums
//! hold; only those up to the last valid commit frame are applied, as SQLite
//! does.
//!
//! Sample: `fixtures/rpmdb-sqlite-wal/` (rpm 4.18 left its last install in
//! the WAL); `sqlite::tests::reads_packages_still_in_the_wal` reads it.

use crate::parse::ParseError;

const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// SQLite's WAL checksum: pairs of 32-bit words in the WAL's byte order.
fn checksum(data: &[u8], big_endian: bool, mut s: (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b: [u8; 4] = b.try_into().expect("4 bytes");
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s.0 = s.0.wrapping_add(word(&pair[..4]).wrapping_add(s.1));
        s.1 = s.1.wrapping_add(word(&pair[4..]).wrapping_add(s.0));
    }
    s
}

/// The database's page size from its header (offset 16; 1 means 65536).
fn db_page_size(db: &[u8]) -> Option<usize> {
    let v = u16::from_be_bytes(db.get(16..18)?.try_into().ok()?);
    Some(if v == 1 { 65536 } else { v as usize })
}

/// Applies the committed frames of `wal` to `db`. A WAL whose header is not
/// valid is ignored (SQLite ignores it too); one whose page size is not the
/// database's is an error.
pub fn apply(db: &mut Vec<u8>, wal: &[u8]) -> Result<(), ParseError> {
    if wal.len() < HEADER {
        return Ok(());
    }
    let magic = be32(wal, 0);
    if magic & !1 != 0x377f0682 {
        return Ok(());
    }
    let big_endian = magic & 1 == 1;
    let page = be32(wal, 8) as usize;
    if !(512..=65536).contains(&page) || !page.is_power_of_two() {
        return Ok(());
    }
    let salts = (be32(wal, 16), be32(wal, 20));
    let mut sum = checksum(&wal[..24], big_endian, (0, 0));
    if sum != (be32(wal, 24), be32(wal, 28)) {
        return Ok(());
    }
    if db_page_size(db).is_some_and(|p| p != page) {
        return Err(ParseError::new(format!(
            "rpmdb.sqlite-wal: page size {page} is not the database's"
        )));
    }
    // Every page of the result is in the database or in the WAL: a commit
    // frame claiming more is hostile and refused before any allocation.
    let most_pages = (db.len() + wal.len()) / page + 1;
    let mut frames = Vec::new();
    let mut committed = (0, None);
    let mut at = HEADER;
    while at + FRAME_HEADER + page <= wal.len() {
        let h = &wal[at..at + FRAME_HEADER];
        let (pgno, size) = (be32(h, 0) as usize, be32(h, 4) as usize);
        if (be32(h, 8), be32(h, 12)) != salts || pgno == 0 {
            break;
        }
        let data = &wal[at + FRAME_HEADER..at + FRAME_HEADER + page];
        sum = checksum(data, big_endian, checksum(&h[..8], big_endian, sum));
        if sum != (be32(h, 16), be32(h, 20)) {
            break;
        }
        if pgno > most_pages || size > most_pages {
            return Err(ParseError::new(format!(
                "rpmdb.sqlite-wal: a frame names page {} of a {}-page database",
                pgno.max(size),
                most_pages
            )));
        }
        frames.push((pgno, data));
        if size > 0 {
            committed = (frames.len(), Some(size));
        }
        at += FRAME_HEADER + page;
    }
    let (count, Some(pages)) = committed else {
        return Ok(());
    };
    db.resize(pages * page, 0);
    for &(pgno, data) in &frames[..count] {
        if pgno <= pages {
            db[(pgno - 1) * page..pgno * page].copy_from_slice(data);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::rpmdb::expected::fixture;

    #[test]
    fn empty_or_foreign_wal_changes_nothing() {
        let (db, _, _) = fixture("rpmdb-sqlite", "rpmdb.sqlite");
        for wal in [&b""[..], b"not a wal at all, but 32 bytes long..."] {
            let mut copy = db.clone();
            apply(&mut copy, wal).unwrap();
            assert_eq!(copy, db);
        }
    }

    #[test]
    fn a_commit_frame_claiming_a_huge_database_is_refused() {
        let (db, _, _) = fixture("rpmdb-sqlite-wal", "rpmdb.sqlite");
        let (mut wal, _, _) = fixture("rpmdb-sqlite-wal", "rpmdb.sqlite-wal");
        let page = be32(&wal, 8) as usize;
        // Make the first frame a commit of 2^31 pages, with a valid checksum.
        let big_endian = be32(&wal, 0) & 1 == 1;
        wal[HEADER + 4..HEADER + 8].copy_from_slice(&0x8000_0000u32.to_be_bytes());
        let s = checksum(&wal[..24], big_endian, (0, 0));
        let s = checksum(&wal[HEADER..HEADER + 8], big_endian, s);
        let s = checksum(
            &wal[HEADER + FRAME_HEADER..HEADER + FRAME_HEADER + page],
            big_endian,
            s,
        );
        wal[HEADER + 16..HEADER + 20].copy_from_slice(&s.0.to_be_bytes());
        wal[HEADER + 20..HEADER + 24].copy_from_slice(&s.1.to_be_bytes());
        let mut copy = db.clone();
        let e = apply(&mut copy, &wal).unwrap_err();
        assert!(e.message.contains("a frame names page 2147483648"), "{e}");
    }
}
