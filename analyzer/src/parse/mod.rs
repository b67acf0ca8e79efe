//! Parsers: one module per source, bytes in, [`Parsed`] out: present,
//! partial (what was skipped, by line or offset) or broken.
//!
//! A parser never opens a file and never knows whether its bytes came from a
//! live host, a bundle or a directory tree; `crate::snapshot` binds paths to
//! parsers. Each parser's doc comment carries a sample input, and its unit
//! tests run that sample.

use std::borrow::Cow;

/// Bytes as text, invalid UTF-8 replaced: `String::from_utf8_lossy`, but
/// valid text (nearly always) is checked by `str::from_utf8`, whose ASCII
/// fast path costs a seventh of the lossy scan's (on dpkg's status file,
/// 0.7 M instructions instead of 4.9 M).
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Why a source could not be parsed. The path is added by the caller that
/// bound the bytes to a file (see `crate::snapshot`), so parsers stay pure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", place(*.line, *.offset))]
pub struct ParseError {
    /// 1-based line number, for line-oriented formats.
    pub line: Option<usize>,
    /// Byte offset, for binary formats.
    pub offset: Option<u64>,
    pub message: String,
}

/// Longest message a parse error keeps: a hostile line (50 MB of NULs in
/// dpkg's status) is quoted by its start, not copied whole into the report.
const MAX_MESSAGE: usize = 240;

/// A line quoted in an error: escaped, its first 80 characters, and its
/// length when cut.
pub fn shown(line: &str) -> String {
    const MOST: usize = 80;
    let mut out: String = line
        .chars()
        .take(MOST)
        .flat_map(char::escape_debug)
        .collect();
    if line.chars().nth(MOST).is_some() {
        out.push_str(&format!("… ({} bytes)", line.len()));
    }
    format!("\"{out}\"")
}

fn bounded(message: String) -> String {
    if message.len() <= MAX_MESSAGE {
        return message;
    }
    let mut cut = MAX_MESSAGE;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &message[..cut], message.len())
}

/// procfs-core's error as a reader may see it: its internal errors ask to
/// report a bug in it and carry a build path, so only what was wrong is
/// kept ("a value out of range or a field missing").
pub fn procfs_message(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    if text.contains("Internal error") || text.contains("please report") || text.contains(".rs:") {
        "a value out of range or a field missing".into()
    } else {
        text
    }
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            offset: None,
            message: bounded(message.into()),
        }
    }

    pub fn at_line(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            offset: None,
            message: bounded(message.into()),
        }
    }

    pub fn at_offset(offset: u64, message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            offset: Some(offset),
            message: message.into(),
        }
    }
}

fn place(line: Option<usize>, offset: Option<u64>) -> String {
    match (line, offset) {
        (Some(line), _) => format!("line {line}: "),
        (None, Some(offset)) => format!("byte {offset}: "),
        (None, None) => String::new(),
    }
}

/// A result that kept going past damaged records: the good ones in `value`,
/// one error per damaged record in `errors` (by line or byte offset).
#[derive(Debug, Clone, PartialEq)]
pub struct Partial<T> {
    pub value: T,
    pub errors: Vec<ParseError>,
}

/// What every public parser returns, bytes in (procfs-core's contract, with
/// room for what was skipped):
/// - `Ok` with no `errors`: present, the whole input read;
/// - `Ok` with `errors`: partial, the value holds what could be read and
///   each error names a record that was skipped, by line or offset;
/// - `Err`: broken, the bytes are not the format at all.
///
/// A `Result` rather than a three-way enum so a parser can stop with `?`
/// at the first fatal error, and a caller that needs only the value can
/// say `.ok().map(|p| p.value)`; meminfo, sar and the rpm databases had
/// this shape already.
pub type Parsed<T> = Result<Partial<T>, ParseError>;

impl<T> Partial<T> {
    /// A value read whole.
    pub fn whole(value: T) -> Self {
        Partial {
            value,
            errors: Vec::new(),
        }
    }

    /// A value and the records skipped on the way.
    pub fn new(value: T, errors: Vec<ParseError>) -> Self {
        Partial { value, errors }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Partial<U> {
        Partial {
            value: f(self.value),
            errors: self.errors,
        }
    }
}

/// A partial result reads as its value (`parsed?.field`); its skipped
/// records stay in `errors`.
impl<T> std::ops::Deref for Partial<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

// A function of a parse module that takes no bytes is a helper over
// parsed values or names (`mountinfo::visible`, `cron::in_words`,
// `block_tables::device_name`, `systemd_unit::apply_dropins`,
// `sudoers::full_rights`, `dpkg_status::is_control_file`, ...), not a
// parser: the contract above is for the functions that take bytes.

/// A table of one record a line: each non-blank line after the first
/// `header` through `record`, skipped by line where it says why not.
pub fn by_line<T>(
    bytes: &[u8],
    header: usize,
    mut record: impl FnMut(&str) -> Result<T, String>,
) -> Parsed<Vec<T>> {
    let text = String::from_utf8_lossy(bytes);
    let mut value = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate().skip(header) {
        if line.trim().is_empty() {
            continue;
        }
        match record(line) {
            Ok(r) => value.push(r),
            Err(message) => errors.push(ParseError::at_line(index + 1, message)),
        }
    }
    Ok(Partial { value, errors })
}

/// A value read whole, as a parser returns it.
pub fn whole<T>(value: T) -> Parsed<T> {
    Ok(Partial::whole(value))
}

/// How a parse ended, without its value: what the sources table's check
/// (`crate::sources::Reader::Bytes`) reports for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Present,
    /// The records skipped, each with its line or offset.
    Partial(Vec<ParseError>),
    Broken(ParseError),
}

impl Outcome {
    pub fn of<T>(parsed: Parsed<T>) -> Outcome {
        match parsed {
            Ok(p) if p.errors.is_empty() => Outcome::Present,
            Ok(p) => Outcome::Partial(p.errors),
            Err(e) => Outcome::Broken(e),
        }
    }
}

#[cfg(test)]
#[test]
fn text_is_lossy() {
    for b in [&b"ok \xe2\x9c\x93"[..], b"bad \xff\xe2\x9c", b""] {
        assert_eq!(text(b), String::from_utf8_lossy(b));
    }
}

/// A file under `fixtures/host-samples/`, for parser tests.
#[cfg(test)]
pub(crate) fn host_sample(path: &str) -> Vec<u8> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/host-samples/");
    std::fs::read(format!("{root}{path}")).unwrap()
}

pub mod apache_conf;
pub mod apk;
pub mod app_conf;
pub mod autofs;
pub mod block_tables;
pub mod boot_sector;
pub mod containers;
pub mod counters;
pub mod cpuinfo;
pub mod cron;
pub mod deps;
pub mod dpkg_list;
pub mod dpkg_status;
pub mod efivar;
pub mod egress;
pub mod elf_head;
pub mod exports;
pub mod fstab;
pub mod grub;
pub mod if_inet6;
pub mod inittab;
pub mod kmod;
pub mod lvm_meta;
pub mod meminfo;
pub mod mountinfo;
pub mod netconf;
pub mod nginx_conf;
pub mod openrc;
pub mod os_release;
pub mod pacman;
pub mod partition_table;
pub mod pidfile;
pub mod proc_misc;
pub mod proc_net;
pub mod proc_pid;
pub mod proc_version;
pub mod release_files;
pub mod rpmdb;
pub mod sar_text;
pub mod security;
pub mod server_xml;
pub mod sos;
pub mod sudoers;
pub mod sysstat;
pub mod systemd_unit;
pub mod sysv;
pub mod upstart;

pub mod web_server;
pub mod x509;

#[cfg(test)]
mod procfs_message_tests {
    /// Issue 23: no library's internal-error text (with a build path)
    /// reaches a report.
    #[test]
    fn internal_errors_are_said_plainly() {
        let internal = "Internal error: bug at /root/.cargo/registry/src/procfs-core-0.17/src/meminfo.rs:300 (please report this procfs bug)";
        assert_eq!(
            super::procfs_message(internal),
            "a value out of range or a field missing"
        );
        assert_eq!(super::procfs_message("bad field"), "bad field");
    }

    /// Issue 23: a 50 MB line of NULs in dpkg's status took 14 times its
    /// size in memory, quoted whole (escaped) in an error. Quoted by its
    /// start, with its length.
    #[test]
    fn a_huge_line_is_quoted_by_its_start() {
        let line = "\0".repeat(1 << 20);
        let q = super::shown(&line);
        assert!(q.len() < 400, "{}", q.len());
        assert!(q.contains("(1048576 bytes)"), "{q}");
        let e = super::ParseError::at_line(1, format!("x {}", "y".repeat(10_000)));
        assert!(e.message.len() < 400 && e.message.ends_with("(10002 bytes)"));
    }
}
