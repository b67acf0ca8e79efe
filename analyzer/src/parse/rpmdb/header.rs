//! rpm header blobs, as every rpmdb backend stores them.
//!
//! A blob is the header without its 8-byte magic, all big-endian:
//!
//! ```text
//! il: u32  number of index entries
//! dl: u32  length of the data store
//! il × { tag: u32, type: u32, offset: u32, count: u32 }
//! dl bytes of data
//! ```
//!
//! An installed package's header opens with a region tag (63,
//! HEADERIMMUTABLE) whose trailer in the data store says how many index
//! entries the signed, immutable part holds. Entries after it are "dribble"
//! entries rpm added at install time (INSTALLTIME, INSTALLTID, ...); when a
//! tag appears in both, the dribble entry wins, as in rpm's `headerImport`.

/// rpm's own limits (`hdrchkTags`, `hdrchkData`): larger counts mean a damaged
/// blob, and checking them first keeps allocations bounded.
const MAX_INDEX_ENTRIES: usize = 0xffff;
const MAX_DATA_LEN: usize = 0x0fff_ffff;

const ENTRY_LEN: usize = 16;

/// Region tags: HEADERIMAGE, HEADERSIGNATURES, HEADERIMMUTABLE.
const REGION_TAGS: [u32; 3] = [61, 62, 63];

/// Why a header blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("header blob shorter than 8 bytes")]
    Short,
    #[error("header index count {0} is out of range (1..={MAX_INDEX_ENTRIES})")]
    IndexCount(usize),
    #[error("header data length {0} is out of range")]
    DataLength(usize),
    #[error("header needs {needed} bytes ({entries} entries, {data} data bytes) but the blob has {blob}")]
    Truncated {
        needed: usize,
        entries: usize,
        data: usize,
        blob: usize,
    },
    #[error("tag {tag}: unknown data type {kind}")]
    DataType { tag: u32, kind: u32 },
    #[error("tag {tag}: {count} values at offset {offset} run past the data store ({data} bytes)")]
    PastData {
        tag: u32,
        count: usize,
        offset: usize,
        data: usize,
    },
    #[error("region tag {0} is not a 16-byte BIN entry")]
    RegionEntry(u32),
    #[error("region tag {tag} has a bad trailer (tag {trailer}, {claimed} entries of {entries})")]
    RegionTrailer {
        tag: u32,
        trailer: u32,
        claimed: i32,
        entries: usize,
    },
    #[error("header has no NAME")]
    NoName,
}

/// rpm's data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    Null,
    Char,
    Int8,
    Int16,
    Int32,
    Int64,
    String,
    Bin,
    StringArray,
    I18nString,
}

impl DataType {
    fn from_u32(value: u32) -> Option<Self> {
        Some(match value {
            0 => DataType::Null,
            1 => DataType::Char,
            2 => DataType::Int8,
            3 => DataType::Int16,
            4 => DataType::Int32,
            5 => DataType::Int64,
            6 => DataType::String,
            7 => DataType::Bin,
            8 => DataType::StringArray,
            9 => DataType::I18nString,
            _ => return None,
        })
    }

    /// Size of one fixed-size element; `None` for the NUL-terminated kinds.
    fn element_size(self) -> Option<usize> {
        match self {
            DataType::Null => Some(0),
            DataType::Char | DataType::Int8 | DataType::Bin => Some(1),
            DataType::Int16 => Some(2),
            DataType::Int32 => Some(4),
            DataType::Int64 => Some(8),
            DataType::String | DataType::StringArray | DataType::I18nString => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    kind: DataType,
    /// Validated: `data[start..end]` holds exactly `count` elements.
    start: usize,
    end: usize,
    count: usize,
}

/// A parsed header: validated index entries over the borrowed data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Header<'a> {
    /// Parses and bounds-checks a header blob. Every entry's data is checked
    /// to lie inside the data store, so the accessors never fail on bounds.
    pub fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        let il = be32(blob, 0).ok_or(HeaderError::Short)? as usize;
        let dl = be32(blob, 4).ok_or(HeaderError::Short)? as usize;
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(HeaderError::IndexCount(il));
        }
        if dl > MAX_DATA_LEN {
            return Err(HeaderError::DataLength(dl));
        }
        let data_start = 8 + il * ENTRY_LEN;
        let needed = data_start + dl;
        if needed > blob.len() {
            return Err(HeaderError::Truncated {
                needed,
                entries: il,
                data: dl,
                blob: blob.len(),
            });
        }
        let data = &blob[data_start..needed];
        let mut entries = Vec::with_capacity(il);
        for i in 0..il {
            let at = 8 + i * ENTRY_LEN;
            let field = |n: usize| be32(blob, at + 4 * n).unwrap_or(0);
            let (tag, kind, offset, count) =
                (field(0), field(1), field(2) as usize, field(3) as usize);
            let kind = DataType::from_u32(kind).ok_or(HeaderError::DataType { tag, kind })?;
            let end = entry_end(data, kind, offset, count).ok_or(HeaderError::PastData {
                tag,
                count,
                offset,
                data: dl,
            })?;
            entries.push(Entry {
                tag,
                kind,
                start: offset,
                end,
                count,
            });
        }
        check_region(&entries, data)?;
        Ok(Header { entries, data })
    }

    /// The entry for `tag`; the last one wins so that dribble entries
    /// override the region's copy.
    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.tag == tag)
    }

    /// The strings of a STRING, STRING_ARRAY or I18NSTRING entry.
    pub fn strings(&self, tag: u32) -> Option<Vec<String>> {
        let e = self.entry(tag)?;
        match e.kind {
            DataType::String | DataType::StringArray | DataType::I18nString => Some(
                self.data[e.start..e.end]
                    .split(|&b| b == 0)
                    .take(e.count)
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The first string: the value of a STRING, or the C locale's text of an
    /// I18NSTRING (rpm stores the untranslated text first).
    pub fn string(&self, tag: u32) -> Option<String> {
        self.strings(tag)?.into_iter().next()
    }

    /// The values of an integer entry of any width (CHAR and INT8 included).
    pub fn integers(&self, tag: u32) -> Option<Vec<u64>> {
        let e = self.entry(tag)?;
        let bytes = &self.data[e.start..e.end];
        let width = match e.kind {
            DataType::Char | DataType::Int8 => 1,
            DataType::Int16 => 2,
            DataType::Int32 => 4,
            DataType::Int64 => 8,
            _ => return None,
        };
        Some(
            bytes
                .chunks_exact(width)
                .map(|c| c.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
                .collect(),
        )
    }

    pub fn integer(&self, tag: u32) -> Option<u64> {
        self.integers(tag)?.into_iter().next()
    }

    /// The bytes of a BIN entry.
    pub fn binary(&self, tag: u32) -> Option<&'a [u8]> {
        let e = self.entry(tag)?;
        (e.kind == DataType::Bin).then(|| &self.data[e.start..e.end])
    }
}

/// Where an entry's data ends, or `None` when it runs past the data store.
fn entry_end(data: &[u8], kind: DataType, offset: usize, count: usize) -> Option<usize> {
    if offset > data.len() {
        return None;
    }
    match kind.element_size() {
        Some(size) => {
            let end = offset.checked_add(count.checked_mul(size)?)?;
            (end <= data.len()).then_some(end)
        }
        None => {
            // `count` NUL-terminated strings; a STRING always holds one.
            let wanted = if kind == DataType::String { 1 } else { count };
            if wanted == 0 || wanted > data.len() - offset {
                return None;
            }
            let mut pos = offset;
            for _ in 0..wanted {
                let nul = data[pos..].iter().position(|&b| b == 0)?;
                pos += nul + 1;
            }
            Some(pos)
        }
    }
}

/// Checks the region tag, if the header has one: its trailer must lie in the
/// data store and claim no more entries than the index holds.
fn check_region(entries: &[Entry], data: &[u8]) -> Result<(), HeaderError> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    if !REGION_TAGS.contains(&first.tag) {
        return Ok(());
    }
    if first.kind != DataType::Bin || first.count != ENTRY_LEN {
        return Err(HeaderError::RegionEntry(first.tag));
    }
    let trailer = &data[first.start..first.end];
    let trailer_tag = be32(trailer, 0).unwrap_or(0);
    let region_len = be32(trailer, 8).unwrap_or(0) as i32;
    let region_entries = region_len
        .checked_neg()
        .map(|n| n / ENTRY_LEN as i32)
        .unwrap_or(0);
    if trailer_tag != first.tag || region_entries < 1 || region_entries as usize > entries.len() {
        return Err(HeaderError::RegionTrailer {
            tag: first.tag,
            trailer: trailer_tag,
            claimed: region_entries,
            entries: entries.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a blob from (tag, type, value bytes, count) entries, as rpm
    /// lays them out, with optional region trailer.
    pub(crate) fn blob(entries: &[(u32, u32, Vec<u8>, u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, value, count) in entries {
            for n in [*tag, *kind, data.len() as u32, *count] {
                index.extend_from_slice(&n.to_be_bytes());
            }
            data.extend_from_slice(value);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn be(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    #[test]
    fn reads_every_data_type() {
        let b = blob(&[
            (1000, 6, b"bash\0".to_vec(), 1),
            (1004, 9, b"The GNU shell\0Die GNU-Shell\0".to_vec(), 2),
            (1117, 8, b"bash\0sh\0".to_vec(), 2),
            (1003, 4, be(&[2]), 1),
            (5009, 5, 5_000_000_000u64.to_be_bytes().to_vec(), 1),
            (1030, 3, vec![0x81, 0xed], 1),
            (1040, 2, vec![7, 8], 2),
            (1041, 1, vec![b'x'], 1),
            (261, 7, vec![0xab, 0xcd], 2),
        ]);
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(1000).as_deref(), Some("bash"));
        assert_eq!(h.string(1004).as_deref(), Some("The GNU shell"));
        assert_eq!(h.strings(1117).unwrap(), ["bash", "sh"]);
        assert_eq!(h.integer(1003), Some(2));
        assert_eq!(h.integer(5009), Some(5_000_000_000));
        assert_eq!(h.integers(1030).unwrap(), [0o100755]);
        assert_eq!(h.integers(1040).unwrap(), [7, 8]);
        assert_eq!(h.integer(1041), Some(u64::from(b'x')));
        assert_eq!(h.binary(261), Some(&[0xab, 0xcd][..]));
        assert_eq!(h.string(1003), None, "an integer is not a string");
    }

    #[test]
    fn dribble_entry_overrides_region_entry() {
        // Region of 2 entries (the region tag and NAME), then a dribble NAME.
        let mut trailer = be(&[63, 7]);
        trailer.extend_from_slice(&(-32i32).to_be_bytes());
        trailer.extend_from_slice(&be(&[16]));
        let b = blob(&[
            (63, 7, trailer, 16),
            (1000, 6, b"old\0".to_vec(), 1),
            (1000, 6, b"new\0".to_vec(), 1),
        ]);
        assert_eq!(
            Header::parse(&b).unwrap().string(1000).as_deref(),
            Some("new")
        );
    }

    #[test]
    fn rejects_damage_without_panicking() {
        let good = blob(&[(1000, 6, b"bash\0".to_vec(), 1)]);
        let mut huge = good.clone();
        huge[0..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        assert_eq!(
            Header::parse(&huge).unwrap_err(),
            HeaderError::IndexCount(0x7fff_ffff)
        );
        let mut long = good.clone();
        long[4..8].copy_from_slice(&1000u32.to_be_bytes());
        assert!(matches!(
            Header::parse(&long),
            Err(HeaderError::Truncated { .. })
        ));
        let mut unterminated = good.clone();
        let last = unterminated.len() - 1;
        unterminated[last] = b'x';
        assert!(Header::parse(&unterminated)
            .unwrap_err()
            .to_string()
            .contains("past the data store"));
        for cut in 0..good.len() {
            assert!(Header::parse(&good[..cut]).is_err());
        }
    }
}
