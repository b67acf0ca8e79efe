//! LVM2's text metadata, as `vgcfgbackup` writes it to
//! `/etc/lvm/backup/VG` after every change: the volume group, its physical
//! volumes (with the device each was last seen on) and its logical volumes
//! (segments of extents on those PVs).
//!
//! Sample (lvm2 2.03.16, Debian 12; fixtures/storage-lvm):
//!
//! ```text
//! liftvg {
//!     extent_size = 8192        # 4 Megabytes
//!     physical_volumes {
//!         pv0 {
//!             device = "/dev/loop0"    # Hint only
//!             dev_size = 131072        # 64 Megabytes
//!             pe_count = 15
//!         }
//!     }
//!     logical_volumes {
//!         root {
//!             segment1 {
//!                 extent_count = 10
//!                 stripes = [ "pv0", 0 ]
//! ...
//! ```
//!
//! Sizes in the file are 512-byte sectors (`extent_size`, `dev_size`,
//! `pe_start`); extents are counted. Nesting and values are bounded.

use super::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeGroup {
    pub name: String,
    pub extent_bytes: u64,
    pub pvs: Vec<PhysicalVolume>,
    pub lvs: Vec<LogicalVolume>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicalVolume {
    /// `pv0`, `pv1`: how segments name it.
    pub key: String,
    /// The device it was on when the metadata was written (a hint).
    pub device: Option<String>,
    pub size_bytes: u64,
    pub extents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalVolume {
    pub name: String,
    pub extents: u64,
    pub size_bytes: u64,
    /// The segment types (`striped`, `raid1`, `thin-pool`, ...), in order.
    pub segment_types: Vec<String>,
    /// The PV keys its segments lie on, in order, each once.
    pub pvs: Vec<String>,
}

/// A value of the text format.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Str(String),
    List(Vec<Value>),
    Section(Vec<(String, Value)>),
}

const MAX_DEPTH: usize = 16;
const MAX_ITEMS: usize = 1_000_000;

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
    items: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, m: impl Into<String>) -> ParseError {
        ParseError::at_line(self.line, m)
    }

    /// Skips blanks and `#` comments.
    fn skip(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'#' => {
                    while self.s.get(self.pos).is_some_and(|&b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip();
        self.s.get(self.pos).copied()
    }

    fn word(&mut self) -> Result<String, ParseError> {
        self.skip();
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"_-.+".contains(b))
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.err("a name was expected"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            match self.s.get(self.pos) {
                None => return Err(self.err("a string is not closed")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    if let Some(&c) = self.s.get(self.pos + 1) {
                        out.push(c);
                    }
                    self.pos += 2;
                }
                Some(&c) => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(self.err(format!("more than {MAX_ITEMS} values")));
        }
        match self.peek() {
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nested too deeply"));
                }
                self.pos += 1;
                let mut list = Vec::new();
                loop {
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::List(list));
                        }
                        Some(b',') => self.pos += 1,
                        None => return Err(self.err("a list is not closed")),
                        _ => list.push(self.value(depth + 1)?),
                    }
                }
            }
            Some(b) if b == b'-' || b.is_ascii_digit() => {
                let w = self.word()?;
                // Floats appear in some fields; only their integer part is kept.
                let int = w.split('.').next().unwrap_or("");
                int.parse()
                    .map(Value::Int)
                    .map_err(|_| self.err(format!("not a number: {w}")))
            }
            _ => Err(self.err("a value was expected")),
        }
    }

    /// `name = value` and `name { ... }` until `}` (or the end at depth 0).
    fn section(&mut self, depth: usize) -> Result<Vec<(String, Value)>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None if depth == 0 => return Ok(out),
                None => return Err(self.err("a section is not closed")),
                Some(b'}') if depth > 0 => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => {}
            }
            let name = self.word()?;
            match self.peek() {
                Some(b'=') => {
                    self.pos += 1;
                    let v = self.value(depth)?;
                    out.push((name, v));
                }
                Some(b'{') => {
                    self.pos += 1;
                    let v = self.section(depth + 1)?;
                    out.push((name, Value::Section(v)));
                }
                _ => return Err(self.err(format!("`=` or `{{` expected after {name}"))),
            }
        }
    }
}

fn get<'v>(section: &'v [(String, Value)], key: &str) -> Option<&'v Value> {
    section.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn int(section: &[(String, Value)], key: &str) -> Option<u64> {
    match get(section, key)? {
        Value::Int(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

fn sections(v: Option<&Value>) -> impl Iterator<Item = (&String, &Vec<(String, Value)>)> {
    let items: &[(String, Value)] = match v {
        Some(Value::Section(s)) => s,
        _ => &[],
    };
    subsections(items)
}

fn subsections(
    items: &[(String, Value)],
) -> impl Iterator<Item = (&String, &Vec<(String, Value)>)> {
    items.iter().filter_map(|(k, v)| match v {
        Value::Section(s) => Some((k, s)),
        _ => None,
    })
}

/// The volume group of one backup file.
pub fn parse(bytes: &[u8]) -> Parsed<VolumeGroup> {
    let mut lx = Lexer {
        s: bytes,
        pos: 0,
        line: 1,
        items: 0,
    };
    let top = lx.section(0)?;
    let (name, vg) = top
        .iter()
        .find_map(|(k, v)| match v {
            Value::Section(s) if get(s, "physical_volumes").is_some() => Some((k, s)),
            _ => None,
        })
        .ok_or_else(|| ParseError::new("no volume group section (one with physical_volumes)"))?;
    let sector = 512u64;
    let extent_sectors = int(vg, "extent_size").ok_or_else(|| ParseError::new("no extent_size"))?;
    let extent_bytes = extent_sectors.saturating_mul(sector);
    let pvs = sections(get(vg, "physical_volumes"))
        .map(|(key, pv)| PhysicalVolume {
            key: key.clone(),
            device: match get(pv, "device") {
                Some(Value::Str(d)) => Some(d.clone()),
                _ => None,
            },
            size_bytes: int(pv, "dev_size").unwrap_or(0).saturating_mul(sector),
            extents: int(pv, "pe_count").unwrap_or(0),
        })
        .collect();
    let lvs = sections(get(vg, "logical_volumes"))
        .map(|(lv_name, lv)| {
            let mut extents = 0u64;
            let (mut segment_types, mut lv_pvs) = (Vec::new(), Vec::<String>::new());
            for (_, seg) in subsections(lv) {
                extents = extents.saturating_add(int(seg, "extent_count").unwrap_or(0));
                if let Some(Value::Str(t)) = get(seg, "type") {
                    segment_types.push(t.clone());
                }
                if let Some(Value::List(stripes)) = get(seg, "stripes") {
                    for v in stripes {
                        if let Value::Str(pv) = v {
                            if !lv_pvs.contains(pv) {
                                lv_pvs.push(pv.clone());
                            }
                        }
                    }
                }
            }
            LogicalVolume {
                name: lv_name.clone(),
                extents,
                size_bytes: extents.saturating_mul(extent_bytes),
                segment_types,
                pvs: lv_pvs,
            }
        })
        .collect();
    Ok(Partial::whole(VolumeGroup {
        name: name.clone(),
        extent_bytes,
        pvs,
        lvs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/storage-lvm/etc/lvm/backup/liftvg"
        );
        std::fs::read(p).unwrap()
    }

    /// Held against what `lvs` and `pvs` (lvm2 2.03.16) said of the same
    /// group when the file was written (fixtures/storage-lvm/*.txt).
    #[test]
    fn agrees_with_lvs_and_pvs() {
        let vg = parse(&sample()).map(|p| p.value).unwrap();
        assert_eq!((vg.name.as_str(), vg.extent_bytes), ("liftvg", 4 << 20));
        let lv = |n: &str| vg.lvs.iter().find(|l| l.name == n).unwrap();
        assert_eq!(lv("root").size_bytes, 41_943_040);
        assert_eq!(lv("data").size_bytes, 71_303_168);
        assert_eq!(lv("data").pvs, ["pv0", "pv1"]);
        assert_eq!(lv("data").segment_types, ["striped", "striped"]);
        let devices: Vec<_> = vg
            .pvs
            .iter()
            .map(|p| p.device.as_deref().unwrap())
            .collect();
        assert_eq!(devices, ["/dev/loop0", "/dev/loop1"]);
        // pvs reports the usable size: extents times the extent size.
        assert!(vg
            .pvs
            .iter()
            .all(|p| p.extents * vg.extent_bytes == 62_914_560));
    }

    #[test]
    fn damage_is_named_by_line() {
        let bytes = sample();
        let cut = &bytes[..bytes.len() / 2];
        let e = parse(cut).map(|p| p.value).unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let deep = "a {".repeat(100);
        assert!(parse(deep.as_bytes())
            .map(|p| p.value)
            .unwrap_err()
            .message
            .contains("deeply"));
        assert!(parse(b"x = \"unterminated").map(|p| p.value).is_err());
        assert!(parse(b"contents = \"Text Format Volume Group\"\n")
            .map(|p| p.value)
            .is_err());
    }
}
