//! Which kernel modules the running kernel can load: built in
//! (modules.builtin), shipped as modules (modules.dep), or loaded
//! (/proc/modules). A migrated server boots only if its kernel has the
//! target's disk and network drivers.

use serde::Serialize;

use super::facts::Facts;
use crate::parse::{kmod, Parsed};
use crate::sources::{self as src, Source};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Drivers {
    pub release: Option<String>,
    /// Names with `-` as `_`, as the kernel reports them. None when the
    /// file was not captured.
    pub builtin: Option<Vec<String>>,
    pub modules: Option<Vec<String>>,
    pub loaded: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriverState {
    Builtin,
    Module,
    Missing,
    Unknown,
}

impl Drivers {
    pub fn state(&self, name: &str) -> DriverState {
        let has = |l: &Option<Vec<String>>| l.as_ref().map(|l| l.iter().any(|m| m == name));
        match (has(&self.builtin), has(&self.modules), has(&self.loaded)) {
            (Some(true), _, _) => DriverState::Builtin,
            (_, Some(true), _) | (_, _, Some(true)) => DriverState::Module,
            (Some(false), Some(false), _) => DriverState::Missing,
            _ => DriverState::Unknown,
        }
    }
}

pub fn drivers(f: &Facts, release: Option<&str>) -> Drivers {
    let list = |src: &'static Source, release: &str, parser: fn(&[u8]) -> Parsed<Vec<String>>| {
        f.parse_at(src, &src.at(&[release]), parser)
    };
    Drivers {
        builtin: release.and_then(|r| list(&src::MODULES_BUILTIN, r, kmod::builtin)),
        modules: release.and_then(|r| list(&src::MODULES_DEP, r, kmod::dep)),
        loaded: f.parse(&src::PROC_MODULES, kmod::loaded),
        release: release.map(String::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_states() {
        let d = Drivers {
            release: None,
            builtin: Some(vec!["virtio_blk".into()]),
            modules: Some(vec!["ena".into()]),
            loaded: None,
        };
        assert_eq!(d.state("virtio_blk"), DriverState::Builtin);
        assert_eq!(d.state("ena"), DriverState::Module);
        assert_eq!(d.state("nvme"), DriverState::Missing);
        assert_eq!(Drivers::default().state("nvme"), DriverState::Unknown);
    }
}
