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

#[cfg(test)]
pub(crate) fn sample(path: &str) -> Vec<u8> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sos-samples/");
    std::fs::read(format!("{root}{path}")).unwrap()
}
