//! The file's structure: headers, the activity list and the record loop, for
//! the current format (`0x2175`) and the two before it.

use super::stats::{decode, decode_old};
use super::{
    c_string, Activity, FileActivity, Record, RecordKind, SaFile, Sample, COMMENT_LEN, FORMAT_2171,
    MAX_ACTIVITIES, MAX_ACTIVITY_SIZE, MAX_HEADER_SIZE, MAX_ITEM_SIZE, MAX_NR2,
    MAX_RECORD_HEADER_SIZE, UTSNAME_LEN,
};
use crate::parse::{ParseError, Partial};

/// The file's bytes, a read position and the byte order.
pub(super) struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
    pub big_endian: bool,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8], big_endian: bool) -> Self {
        Bytes {
            data,
            pos: 0,
            big_endian,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at_offset(self.pos as u64, message)
    }

    /// The next `len` bytes, or an error naming what was cut.
    fn take(&mut self, len: u64, what: &str) -> Result<&'a [u8], ParseError> {
        let left = (self.data.len() - self.pos) as u64;
        if len > left {
            return Err(self.error(format!("{what}: {len} bytes needed, {left} left")));
        }
        let start = self.pos;
        self.pos += len as usize;
        Ok(&self.data[start..self.pos])
    }

    fn u32(&mut self, what: &str) -> Result<u32, ParseError> {
        let b = self.take(4, what)?;
        Ok(word32(b, self.big_endian))
    }
}

pub(super) fn word32(b: &[u8], big_endian: bool) -> u32 {
    let a = [b[0], b[1], b[2], b[3]];
    if big_endian {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

pub(super) fn word64(b: &[u8], big_endian: bool) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    if big_endian {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    }
}

/// A structure laid out as sysstat's `remap_struct` expects: `types[0]`
/// 64-bit fields, then `types[1]` `long` fields in 8-byte slots (the low
/// 4 bytes on a 32-bit machine), then `types[2]` 32-bit fields, then bytes.
pub(super) struct Fields<'a> {
    item: &'a [u8],
    types: [u32; 3],
    big_endian: bool,
    long_64: bool,
}

impl<'a> Fields<'a> {
    pub fn new(item: &'a [u8], types: [u32; 3], big_endian: bool, long_64: bool) -> Self {
        Fields {
            item,
            types,
            big_endian,
            long_64,
        }
    }

    /// The 64-bit field `i`, if the structure has it.
    pub fn ull(&self, i: u32) -> Option<u64> {
        (i < self.types[0])
            .then(|| self.item.get(8 * i as usize..8 * i as usize + 8))
            .flatten()
            .map(|b| word64(b, self.big_endian))
    }

    /// The `long` field `i`.
    pub fn ul(&self, i: u32) -> Option<u64> {
        let at = 8 * (self.types[0] + i) as usize;
        if i >= self.types[1] {
            return None;
        }
        if self.long_64 {
            self.item
                .get(at..at + 8)
                .map(|b| word64(b, self.big_endian))
        } else {
            self.item
                .get(at..at + 4)
                .map(|b| u64::from(word32(b, self.big_endian)))
        }
    }

    /// The 32-bit field `i`.
    pub fn u(&self, i: u32) -> Option<u32> {
        let at = 8 * (self.types[0] + self.types[1]) as usize + 4 * i as usize;
        if i >= self.types[2] {
            return None;
        }
        self.item
            .get(at..at + 4)
            .map(|b| word32(b, self.big_endian))
    }

    /// The bytes after the numeric fields.
    pub fn tail(&self) -> &'a [u8] {
        let at = 8 * (self.types[0] + self.types[1]) as usize + 4 * self.types[2] as usize;
        self.item.get(at..).unwrap_or(&[])
    }
}

/// The bytes a structure's declared fields need.
fn map_size(types: [u32; 3]) -> u64 {
    8 * u64::from(types[0]) + 8 * u64::from(types[1]) + 4 * u64::from(types[2])
}

fn types_at(f: &Fields<'_>, first: u32) -> Option<[u32; 3]> {
    Some([f.u(first)?, f.u(first + 1)?, f.u(first + 2)?])
}

/// `0x2175`: sysstat 11.7.1 onward.
pub(super) fn current(mut b: Bytes<'_>) -> Result<Partial<SaFile>, ParseError> {
    // struct file_magic: 2 + 2 + 4 version bytes, 5 ints, 48 bytes of padding.
    let magic = b.take(76, "file magic")?;
    let version = format!("{}.{}.{}", magic[4], magic[5], magic[6]);
    let header_size = word32(&magic[8..], b.big_endian);
    let hdr_types = [
        word32(&magic[16..], b.big_endian),
        word32(&magic[20..], b.big_endian),
        word32(&magic[24..], b.big_endian),
    ];
    if header_size > MAX_HEADER_SIZE || map_size(hdr_types) + 3 > u64::from(header_size) {
        return Err(ParseError::at_offset(
            8,
            format!("file header size {header_size} does not fit its fields"),
        ));
    }
    let header = b.take(u64::from(header_size), "file header")?;
    let h = Fields::new(header, hdr_types, b.big_endian, true);
    let tail = h.tail();
    let long_64 = tail[2] == 8;
    let h = Fields::new(header, hdr_types, b.big_endian, long_64);
    let missing = || ParseError::at_offset(76, "file header lacks a field sysstat always writes");
    let act_nr = h.u(1).ok_or_else(missing)?;
    let act_types = types_at(&h, 3).ok_or_else(missing)?;
    let rec_types = types_at(&h, 6).ok_or_else(missing)?;
    let act_size = h.u(9).ok_or_else(missing)?;
    let rec_size = h.u(10).ok_or_else(missing)?;
    let extra_next = h.u(11).unwrap_or(0) != 0;
    let name = |i: usize| {
        c_string(
            tail.get(3 + i * UTSNAME_LEN..3 + (i + 1) * UTSNAME_LEN)
                .unwrap_or(&[]),
        )
    };
    let mut file = SaFile {
        format: super::FORMAT_2175,
        version,
        big_endian: b.big_endian,
        long_64,
        hz: h.ul(0).unwrap_or(100),
        nodename: name(1),
        release: name(2),
        machine: name(3),
        created: h.ull(0).unwrap_or(0),
        records: Vec::new(),
    };
    if act_nr > MAX_ACTIVITIES
        || act_size > MAX_ACTIVITY_SIZE
        || map_size(act_types) > u64::from(act_size)
    {
        return Err(b.error(format!(
            "{act_nr} activities of {act_size} bytes: past sysstat's limits"
        )));
    }
    if rec_size > MAX_RECORD_HEADER_SIZE || map_size(rec_types) + 4 > u64::from(rec_size) {
        return Err(b.error(format!(
            "record header size {rec_size} does not fit its fields"
        )));
    }
    if extra_next {
        skip_extra(&mut b)?;
    }
    let mut activities = Vec::with_capacity(act_nr as usize);
    for _ in 0..act_nr {
        let at = b.pos;
        let raw = b.take(u64::from(act_size), "activity list")?;
        let f = Fields::new(raw, act_types, b.big_endian, long_64);
        let fields = (|| {
            Some(FileActivity {
                kind: Activity::from_id(f.u(0)?),
                magic: f.u(1)?,
                nr: f.u(2)?,
                nr2: f.u(3)?,
                has_nr: f.u(4)? != 0,
                size: f.u(5)?,
                types: types_at(&f, 6)?,
            })
        })();
        let a = fields
            .ok_or_else(|| ParseError::at_offset(at as u64, "activity entry lacks a field"))?;
        if a.size > MAX_ITEM_SIZE || a.nr2 > MAX_NR2 || map_size(a.types) > u64::from(a.size) {
            return Err(ParseError::at_offset(
                at as u64,
                format!(
                    "activity item size {} or count {} past sysstat's limits",
                    a.size, a.nr2
                ),
            ));
        }
        activities.push(a);
    }
    let mut errors = Vec::new();
    while !b.at_end() {
        match current_record(&mut b, &activities, rec_size, rec_types, long_64) {
            Ok(Some(record)) => file.records.push(record),
            Ok(None) => {}
            Err(e) => {
                errors.push(e);
                break;
            }
        }
    }
    Ok(Partial {
        value: file,
        errors,
    })
}

/// One record of a `0x2175` file; `None` for records of extra structures.
fn current_record(
    b: &mut Bytes<'_>,
    activities: &[FileActivity],
    rec_size: u32,
    rec_types: [u32; 3],
    long_64: bool,
) -> Result<Option<Record>, ParseError> {
    let at = b.pos as u64;
    let raw = b.take(u64::from(rec_size), "record header")?;
    let f = Fields::new(raw, rec_types, b.big_endian, long_64);
    let (uptime, time) = (f.ull(0).unwrap_or(0), f.ull(1).unwrap_or(0));
    let extra_next = f.u(0).unwrap_or(0) != 0;
    let (kind, hour, minute, second) = (f.tail()[0], f.tail()[1], f.tail()[2], f.tail()[3]);
    if kind == 0 || kind > 15 || hour > 23 || minute > 59 || second > 60 || time < 1_000_000_000 {
        return Err(ParseError::at_offset(
            at,
            format!("not a record header (type {kind}, {hour}:{minute}:{second})"),
        ));
    }
    let kind = match kind {
        2 => {
            let cpus = b.u32("restart record")?;
            RecordKind::Restart {
                cpus: cpus.saturating_sub(1),
            }
        }
        4 => {
            b.take(COMMENT_LEN as u64, "comment record")?;
            RecordKind::Comment
        }
        1 | 3 => {
            if extra_next {
                skip_extra(b)?;
            }
            let mut sample = Sample::default();
            for a in activities {
                let nr = if a.has_nr { b.u32("item count")? } else { a.nr };
                let len = u64::from(nr) * u64::from(a.nr2) * u64::from(a.size);
                let items = b.take(len, "activity statistics")?;
                if nr > 0 {
                    decode(a, nr, items, b, long_64, &mut sample);
                }
            }
            return Ok(Some(Record {
                time,
                uptime,
                kind: RecordKind::Stats(Box::new(sample)),
            }));
        }
        _ => {
            if extra_next {
                skip_extra(b)?;
            }
            return Ok(None);
        }
    };
    if extra_next {
        skip_extra(b)?;
    }
    Ok(Some(Record { time, uptime, kind }))
}

/// Extra structures: a chain of descriptors, each followed by its items.
fn skip_extra(b: &mut Bytes<'_>) -> Result<(), ParseError> {
    loop {
        let nr = b.u32("extra structure")?;
        let size = b.u32("extra structure")?;
        let next = b.u32("extra structure")?;
        b.take(12, "extra structure")?;
        if nr > 8192 || size > 1024 {
            return Err(b.error(format!(
                "{nr} extra structures of {size} bytes: past sysstat's limits"
            )));
        }
        b.take(u64::from(nr) * u64::from(size), "extra structures")?;
        if next == 0 {
            return Ok(());
        }
    }
}

/// `0x2171` (sysstat 9.1.6 to 10.2.x) and `0x2173` (10.3.1 to 11.6.x): C
/// structures as the writing machine laid them out, fixed by sysstat's
/// alignment attributes (sa_conv.h keeps them).
pub(super) fn old(mut b: Bytes<'_>, format: u16) -> Result<Partial<SaFile>, ParseError> {
    let old_2171 = format == FORMAT_2171;
    // The magic: 8 bytes in 0x2171; 0x2173 adds header_size and 64 bytes of padding.
    let magic = b.take(if old_2171 { 8 } else { 76 }, "file magic")?;
    let version = format!("{}.{}.{}", magic[4], magic[5], magic[6]);
    let header_size = if old_2171 {
        280
    } else {
        word32(&magic[8..], b.big_endian)
    };
    // The fields this reader needs end with the four names (2173: at 24 + 260).
    if !(284..=MAX_HEADER_SIZE).contains(&header_size) && !old_2171 {
        return Err(ParseError::at_offset(
            8,
            format!("file header size {header_size} does not fit its fields"),
        ));
    }
    let h = b.take(u64::from(header_size), "file header")?;
    let (act_nr_at, chars_at) = if old_2171 { (8, 12) } else { (12, 20) };
    let long_64 = h[chars_at + 3] == 8;
    let created = if long_64 {
        word64(h, b.big_endian)
    } else {
        u64::from(word32(h, b.big_endian))
    };
    let act_nr = word32(&h[act_nr_at..], b.big_endian);
    let vol_act_nr = if old_2171 {
        0
    } else {
        word32(&h[16..], b.big_endian)
    };
    let name = |i: usize| {
        c_string(&h[chars_at + 4 + i * UTSNAME_LEN..chars_at + 4 + (i + 1) * UTSNAME_LEN])
    };
    let mut file = SaFile {
        format,
        version,
        big_endian: b.big_endian,
        long_64,
        hz: 100,
        nodename: name(1),
        release: name(2),
        machine: name(3),
        created,
        records: Vec::new(),
    };
    if act_nr > MAX_ACTIVITIES || vol_act_nr > MAX_ACTIVITIES {
        return Err(b.error(format!("{act_nr} activities: past sysstat's limit")));
    }
    let mut activities = Vec::with_capacity(act_nr as usize);
    for _ in 0..act_nr {
        let at = b.pos as u64;
        let a = old_activity(&mut b)?;
        if a.nr < 1 || a.nr2 < 1 || a.nr2 > MAX_NR2 || a.size == 0 || a.size > MAX_ITEM_SIZE {
            return Err(ParseError::at_offset(
                at,
                format!(
                    "activity with {} x {} items of {} bytes: past sysstat's limits",
                    a.nr, a.nr2, a.size
                ),
            ));
        }
        activities.push(a);
    }
    let mut errors = Vec::new();
    while !b.at_end() {
        if let Err(e) = old_record(&mut b, &mut activities, vol_act_nr, long_64, &mut file) {
            errors.push(e);
            break;
        }
    }
    Ok(Partial {
        value: file,
        errors,
    })
}

/// `struct old_file_activity`: id, magic, nr, nr2, size.
fn old_activity(b: &mut Bytes<'_>) -> Result<FileActivity, ParseError> {
    let mut word = || b.u32("activity list");
    Ok(FileActivity {
        kind: Activity::from_id(word()?),
        magic: word()?,
        nr: word()?,
        nr2: word()?,
        has_nr: false,
        size: word()?,
        types: [0; 3],
    })
}

/// `struct old_record_header` (48 bytes, 16-byte aligned fields) and what
/// follows it.
fn old_record(
    b: &mut Bytes<'_>,
    activities: &mut [FileActivity],
    vol_act_nr: u32,
    long_64: bool,
    file: &mut SaFile,
) -> Result<(), ParseError> {
    let at = b.pos as u64;
    let h = b.take(48, "record header")?;
    let uptime = word64(&h[16..], b.big_endian);
    let time = if long_64 {
        word64(&h[32..], b.big_endian)
    } else {
        u64::from(word32(&h[32..], b.big_endian))
    };
    let (kind, hour, minute, second) = (h[40], h[41], h[42], h[43]);
    if kind == 0 || kind > 4 || hour > 23 || minute > 59 || second > 60 {
        return Err(ParseError::at_offset(
            at,
            format!("not a record header (type {kind}, {hour}:{minute}:{second})"),
        ));
    }
    let kind = match kind {
        2 => {
            // 0x2173: the activities whose item counts change at boot follow.
            let mut cpus = activities
                .iter()
                .find(|a| a.kind == Activity::Cpu)
                .map_or(0, |a| a.nr);
            for _ in 0..vol_act_nr {
                let entry_at = b.pos as u64;
                let v = old_activity(b)?;
                let id_nr = (v.kind, v.nr);
                if v.nr > 0 && v.kind != Activity::Other {
                    if let Some(a) = activities.iter_mut().find(|a| a.kind == id_nr.0) {
                        if v.nr > 65536 {
                            return Err(ParseError::at_offset(
                                entry_at,
                                format!("{} items: past sysstat's limit", v.nr),
                            ));
                        }
                        a.nr = v.nr;
                    }
                    if v.kind == Activity::Cpu {
                        cpus = v.nr;
                    }
                }
            }
            RecordKind::Restart {
                cpus: cpus.saturating_sub(1),
            }
        }
        4 => {
            b.take(COMMENT_LEN as u64, "comment record")?;
            RecordKind::Comment
        }
        _ => {
            let mut sample = Sample::default();
            for a in activities.iter() {
                let len = u64::from(a.nr) * u64::from(a.nr2) * u64::from(a.size);
                let items = b.take(len, "activity statistics")?;
                decode_old(a, items, b.big_endian, long_64, &mut sample);
            }
            RecordKind::Stats(Box::new(sample))
        }
    };
    file.records.push(Record { time, uptime, kind });
    Ok(())
}
