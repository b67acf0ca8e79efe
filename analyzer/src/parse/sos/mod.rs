//! Command outputs that a sosreport keeps under `sos_commands/` (and the
//! links at its top, `installed-rpms`, `uname`, `ip_addr`, `df`): what sos
//! captures only as a program's output, never as a file lift could read
//! itself. One parser per command, bytes in, typed value out, each tested on
//! a real capture (`fixtures/sos-samples/`).
//!
//! Where each file lives in sos 3 and sos 4 is the model's business
//! (`model/sos.rs`), following insights-core's sos spec mapping.

pub mod chkconfig;
pub mod df;
pub mod dpkg_l;
pub mod firmware;
pub mod free;
pub mod ip_addr;
pub mod lsblk;
pub mod mount_l;
pub mod netstat;
pub mod ps;
pub mod rpm_qa;
pub mod ss;
pub mod uname;
pub mod unit_files;

/// A command's table as read: broken when there was text but neither the
/// command's heading nor a record (`what` says what was missing).
pub(crate) fn table<T>(
    records: Vec<T>,
    headed: bool,
    text: &str,
    what: &str,
) -> super::Parsed<Vec<T>> {
    if records.is_empty() && !headed && !text.trim().is_empty() {
        return Err(super::ParseError::new(what));
    }
    super::whole(records)
}

/// Test: text that is not the command's output is broken, and nothing at
/// all is an empty table.
#[cfg(test)]
pub(crate) fn refuses<T: std::fmt::Debug>(parse: fn(&[u8]) -> super::Parsed<Vec<T>>, other: &[u8]) {
    assert!(parse(other).is_err(), "{:?}", parse(other));
    assert!(parse(b"").unwrap().value.is_empty());
}

/// Test: a capture under `fixtures/sos-samples/` through a parser, its
/// value (broken fails the test).
#[cfg(test)]
pub(crate) fn read<T>(parse: fn(&[u8]) -> super::Parsed<T>, path: &str) -> T {
    parse(&sample(path)).unwrap().value
}

#[cfg(test)]
pub(crate) fn sample(path: &str) -> Vec<u8> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sos-samples/");
    std::fs::read(format!("{root}{path}")).unwrap()
}
