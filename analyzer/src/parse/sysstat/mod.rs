//! sysstat's binary daily files, `/var/log/sa/saDD` (RHEL, SUSE) and
//! `/var/log/sysstat/saDD` (Debian, Ubuntu), written every ten minutes by
//! `sadc`: weeks of a server's CPU, memory and load history on its own disk.
//!
//! A file is a magic header, a file header, the list of activities it holds
//! and then records (statistics, restarts, comments). Three layouts are read,
//! told apart by the header's format magic (`sadf -H` prints it):
//!
//! | format | sysstat | shipped by |
//! |---|---|---|
//! | `0x2171` | 9.1.6 – 10.2.x | CentOS 7 (10.1.5) |
//! | `0x2173` | 10.3.1 – 11.6.x | Ubuntu 16.04, 18.04 |
//! | `0x2175` | 11.7.1 onward | EL8, EL9, Debian 10 – 13, Ubuntu 20.04 on |
//!
//! `0x2170` (sysstat 9.0 – 9.1.5, CentOS 6's 9.0.4) is refused with its
//! name: sysstat's own `sadf -c` cannot convert it either, and the text
//! files `sarDD` that the same cron job writes are the way to its history.
//!
//! Files keep the byte order and word size of the machine that wrote them
//! (a header byte says which): fields are read as sysstat's `remap_struct`
//! lays them out, by the counts of 64-bit, `long` and 32-bit fields that the
//! file declares for each structure, so a newer sysstat that appended fields
//! is still read. Nothing is allocated from a count in the file: every count
//! is checked against the bytes that remain.
//!
//! Sample (the start of a file Debian 12's sadc 12.6.1 wrote, `xxd`):
//!
//! ```text
//! 00000000: 96d5 7521 0c06 0100 4801 0000 0000 0000  ..u!....H.......
//! ```

mod layout;
mod stats;
mod usage;

pub use stats::{CpuTimes, Disk, Memory, NetDev, Queue};
pub use usage::{CpuShare, Interval};

use super::{ParseError, Partial};
use layout::{Bytes, Fields};

/// One sa file.
#[derive(Debug, Clone, PartialEq)]
pub struct SaFile {
    /// The format magic (`0x2171`, `0x2173` or `0x2175`).
    pub format: u16,
    /// The sysstat version that wrote it, e.g. "12.6.1".
    pub version: String,
    pub big_endian: bool,
    /// `long` is 64 bits on the machine that wrote it.
    pub long_64: bool,
    /// Clock ticks per second (`0x2175` files; 100 for the older ones).
    pub hz: u64,
    pub nodename: String,
    pub release: String,
    pub machine: String,
    /// Seconds since the epoch when the file was created.
    pub created: u64,
    pub records: Vec<Record>,
}

/// One record, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Seconds since the epoch.
    pub time: u64,
    /// The machine's uptime, in hundredths of a second (`0x2175` files;
    /// jiffies of the first CPU for the older ones, see [`SaFile::hz`]).
    pub uptime: u64,
    pub kind: RecordKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecordKind {
    Stats(Box<Sample>),
    /// The machine booted: counters start again from zero.
    Restart {
        cpus: u32,
    },
    Comment,
}

/// What one statistics record holds of the activities lift reads. An
/// activity the file does not hold, or holds in a layout lift does not
/// know, is `None` (or empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Cumulative clock ticks: all CPUs together (sar's "all") first, then
    /// each CPU; empty when the record holds no CPU activity.
    pub cpu: Vec<CpuTimes>,
    pub memory: Option<Memory>,
    pub queue: Option<Queue>,
    pub disks: Vec<Disk>,
    pub interfaces: Vec<NetDev>,
}

const SYSSTAT_MAGIC: u16 = 0xd596;
const FORMAT_2170: u16 = 0x2170;
const FORMAT_2171: u16 = 0x2171;
const FORMAT_2173: u16 = 0x2173;
const FORMAT_2175: u16 = 0x2175;
/// sysstat's own sanity limits (sa.h).
const MAX_ACTIVITIES: u32 = 256;
const MAX_HEADER_SIZE: u32 = 8192;
const MAX_ACTIVITY_SIZE: u32 = 1024;
const MAX_ITEM_SIZE: u32 = 1024;
const MAX_RECORD_HEADER_SIZE: u32 = 512;
const MAX_NR2: u32 = 4096;
const COMMENT_LEN: usize = 64;
const UTSNAME_LEN: usize = 65;

/// Parses a whole file. A damaged or cut record ends the read: the records
/// before it are kept and the damage is the `Partial`'s error, with its
/// offset.
pub fn parse(bytes: &[u8]) -> Result<Partial<SaFile>, ParseError> {
    let (format, big_endian) = magic(bytes)?;
    match format {
        FORMAT_2175 => layout::current(Bytes::new(bytes, big_endian)),
        FORMAT_2171 | FORMAT_2173 => layout::old(Bytes::new(bytes, big_endian), format),
        FORMAT_2170 => Err(ParseError::at_offset(
            2,
            "format 0x2170 (sysstat 9.0 to 9.1.5) is not read; its sarDD text files are",
        )),
        other => Err(ParseError::at_offset(
            2,
            format!("unknown sa file format 0x{other:04x}"),
        )),
    }
}

/// The format magic and the byte order, from the first four bytes.
fn magic(bytes: &[u8]) -> Result<(u16, bool), ParseError> {
    let Some(head) = bytes.get(..4) else {
        return Err(ParseError::at_offset(0, "shorter than an sa file's magic"));
    };
    let (little, big) = (
        u16::from_le_bytes([head[0], head[1]]),
        u16::from_be_bytes([head[0], head[1]]),
    );
    let big_endian = if little == SYSSTAT_MAGIC {
        false
    } else if big == SYSSTAT_MAGIC {
        true
    } else {
        return Err(ParseError::at_offset(
            0,
            "not a sysstat file (no 0xd596 magic)",
        ));
    };
    let format = if big_endian {
        u16::from_be_bytes([head[2], head[3]])
    } else {
        u16::from_le_bytes([head[2], head[3]])
    };
    Ok((format, big_endian))
}

/// A NUL-terminated name from a fixed-size field.
fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The activities lift decodes (sa.h's `A_*` ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    Cpu,
    Memory,
    Queue,
    Disk,
    NetDev,
    Other,
}

impl Activity {
    fn from_id(id: u32) -> Activity {
        match id {
            1 => Activity::Cpu,
            7 => Activity::Memory,
            9 => Activity::Queue,
            11 => Activity::Disk,
            12 => Activity::NetDev,
            _ => Activity::Other,
        }
    }
}

/// One entry of the file's activity list.
#[derive(Debug, Clone, Copy)]
struct FileActivity {
    kind: Activity,
    magic: u32,
    nr: u32,
    nr2: u32,
    /// `0x2175`: each record says how many items follow.
    has_nr: bool,
    size: u32,
    /// `0x2175`: the counts of 64-bit, `long` and 32-bit fields.
    types: [u32; 3],
}

impl FileActivity {
    fn fields<'a>(&self, item: &'a [u8], bytes: &Bytes<'_>, long_64: bool) -> Fields<'a> {
        Fields::new(item, self.types, bytes.big_endian, long_64)
    }
}

#[cfg(test)]
mod tests;
