//! The records a bundle holds. Variants are only ever appended (the reader
//! skips variants it does not know), and a struct's fields never change
//! within a format version: new facts arrive as new variants.

use crate::Bytes;
use serde::{Deserialize, Serialize};

/// One record of a bundle, in the order the probe wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Record {
    Header(Header),
    Entry(Entry),
    Fact(Fact),
    Note(Note),
    Footer(Footer),
    /// A piece of a large file's content (an rpm database can exceed the
    /// record limit); follows the `Entry` whose content is `Chunked`.
    Chunk(Chunk),
}

/// Number of `Record` variants this version knows; a larger tag is a record
/// from a newer probe.
pub const RECORD_VARIANTS: u32 = 6;
/// Number of `Fact` variants this version knows.
pub const FACT_VARIANTS: u32 = 10;

/// Seconds and nanoseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Header {
    pub probe_version: String,
    pub format_version: u32,
    pub started_at: Timestamp,
    /// The directory scanned as `/` (`/` on a live run, `--root` otherwise).
    pub root: Bytes,
    pub args: Vec<Bytes>,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub hostname: String,
    pub boot_id: Option<String>,
}

impl Header {
    /// The directory given as `--root`, or None for a live run over `/`.
    pub fn scanned_root(&self) -> Option<&[u8]> {
        Some(self.root.0.as_slice()).filter(|r| *r != b"/")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    Block,
    Char,
    /// `lstat` itself failed (the content then holds the error).
    Unknown,
}

/// One filesystem object, as `lstat` saw it, with what was read of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Entry {
    /// The id of the spec that captured it (`os`, `pkg`, ...).
    pub spec: String,
    /// Absolute path as seen from the scanned root.
    pub path: Bytes,
    pub kind: FileKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    pub link_target: Option<Bytes>,
    pub content: Content,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Content {
    /// Metadata only: a symlink, or a file listed but not read.
    None,
    Full(Bytes),
    /// The first bytes only; `size` is how many the file had when read.
    Truncated {
        head: Bytes,
        size: u64,
    },
    Skipped(SkipReason),
    Error {
        errno: i32,
        message: String,
    },
    /// A directory's children, with the kind `readdir` gave for each.
    Children(Vec<Child>),
    /// A listed file's SHA-256, so a diff sees changes without the content.
    Sha256(Bytes),
    /// The content follows in `Chunk` records totalling `size` bytes.
    Chunked {
        size: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SkipReason {
    /// A FIFO, socket or device: recorded, never opened.
    NotRegular,
    /// On the never-captured list (/etc/shadow, private keys, ...).
    Secret,
    /// The spec's or the probe's byte budget was used up.
    OverBudget,
    /// On a network or automounted filesystem, which could hang the probe.
    NetworkFs,
    /// The wall-clock budget ran out.
    TimedOut,
    /// A directory with more children than the listing limit.
    TooManyEntries,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Child {
    pub name: Bytes,
    pub kind: FileKind,
    /// For a symlink, where it points (listings of rc?.d and bin dirs need it).
    pub link_target: Option<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Chunk {
    pub path: Bytes,
    pub offset: u64,
    pub data: Bytes,
}

/// Results of system calls that no file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Fact {
    Uname(Uname),
    Sysconf(Sysconf),
    Identity(Identity),
    Clocks(Clocks),
    Statvfs(Statvfs),
    Interfaces(Vec<InterfaceAddr>),
    BootSector(BootSector),
    Elf(ElfSummary),
    /// The first sector of a partition holding / or /boot: its volume boot
    /// record, where GRUB, LILO or EXTLINUX sit behind a chain-loading MBR.
    PartitionSector(BootSector),
    /// What a metadata-only walk of an application's data directory found
    /// (issue 28): sizes summed from lstat, no content read.
    DirUsage(DirUsage),
}

/// A data directory sized by lstat alone: never following symlinks, never
/// leaving its filesystem, never opening anything but directories, within
/// a bound of entries and time that `cut` names when it was hit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DirUsage {
    /// The directory as named (a configuration's value, a `-D` argument).
    pub path: Bytes,
    /// Sum of the regular files' sizes.
    pub bytes: u64,
    /// Sum of the blocks allocated to everything walked (du's figure).
    pub allocated_bytes: u64,
    pub files: u64,
    pub dirs: u64,
    /// Symlinks, FIFOs, sockets and devices: counted, never followed or opened.
    pub others: u64,
    /// Mount points below it: another filesystem, not entered.
    pub mounts_skipped: u64,
    /// Directories that could not be read (permission, vanished).
    pub unreadable: u64,
    /// Why the walk stopped early (an entry or time bound), or None when it
    /// saw everything.
    pub cut: Option<String>,
    pub elapsed_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Uname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    pub domainname: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Sysconf {
    pub page_size: u64,
    pub clock_ticks: u64,
    pub online_cpus: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Identity {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub groups: Vec<u32>,
}

/// Clocks read together, so that boot time and process start times (in
/// ticks since boot) can be turned into wall-clock times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Clocks {
    pub realtime: Timestamp,
    pub monotonic: Timestamp,
    /// CLOCK_BOOTTIME (Linux 2.6.39+); None where the kernel lacks it.
    pub boottime: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Statvfs {
    pub mount_point: Bytes,
    pub fs_type: String,
    pub block_size: u64,
    pub total_bytes: u64,
    pub free_bytes: u64,
    pub avail_bytes: u64,
    pub total_inodes: u64,
    pub free_inodes: u64,
    pub avail_inodes: u64,
    pub flags: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct InterfaceAddr {
    pub name: String,
    /// `inet`, `inet6` or `packet` (the link layer, whose address is the MAC).
    pub family: String,
    pub address: String,
    pub prefix_len: Option<u8>,
    pub flags: u32,
}

/// The first sector of a disk (`Fact::BootSector`) or partition
/// (`Fact::PartitionSector`) that holds / or /boot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct BootSector {
    pub device: Bytes,
    /// Which mount points live on this disk.
    pub holds: Vec<Bytes>,
    pub sector: Bytes,
}

/// What the ELF headers of a running program's executable say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ElfSummary {
    pub pids: Vec<u32>,
    pub path: Bytes,
    pub class: u8,
    pub machine: u16,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub build_id: Option<Bytes>,
    pub error: Option<String>,
}

/// Something the analyst should know about the collection itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Note {
    pub spec: String,
    pub kind: NoteKind,
    pub path: Option<Bytes>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum NoteKind {
    PermissionDenied,
    TimedOut,
    NetworkFs,
    Redacted,
    OverBudget,
    Unavailable,
    Other,
}

/// The manifest: what each spec got. A bundle without one is incomplete.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Footer {
    pub finished_at: Timestamp,
    pub specs: Vec<SpecStatus>,
    pub totals: Totals,
    /// What the probe's scrubber blanked or withheld (the field's name in
    /// the format is still `redactions`).
    #[serde(rename = "redactions")]
    pub scrubbed: Vec<Scrub>,
    /// Set when a signal cut the run short and the probe flushed what it had.
    pub interrupted: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SpecStatus {
    pub id: String,
    pub entries: u64,
    pub bytes: u64,
    pub truncated: bool,
    pub errors: u64,
    pub elapsed_ms: u64,
    pub timed_out: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Totals {
    pub records: u64,
    pub entries: u64,
    pub content_bytes: u64,
    pub notes: u64,
    pub elapsed_ms: u64,
}

/// Where the probe's scrubber withheld or blanked something, and what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Scrub {
    pub path: Bytes,
    pub what: String,
    pub count: u32,
}
