//! Blackbox migration to a cloud (`ec2`, `openstack`, `azure`): what the
//! migration changes on the target, and what the target needs from the
//! kernel. Several findings depend on the profile (which packages are added,
//! which drivers are needed): those rules answer through
//! `Rule::check_for`, and `check` alone answers for every cloud at once.

mod arch;
mod boot;
mod changes;
mod drivers;
mod network;
mod storage;

pub use arch::Architecture;
pub(crate) use boot::not_bootable;
pub use boot::Bootloader;
pub use changes::{Adjtime, BootRewrite, InjectedPackages, ServiceChanges};
pub use drivers::Drivers;
pub use network::{DhcpIp, NfsFstab, StaticIp};
pub use storage::StorageLayout;

#[cfg(test)]
mod testing {
    use crate::model::Host;
    use crate::testing::{copy_tree, fixture, TempRoot};

    pub fn host_of(dir: &std::path::Path) -> Host {
        crate::model::build(&crate::snapshot::DirSnapshot::new(dir))
    }

    /// A copy of a fixture root with extra files written over it.
    pub fn root_with(case: &str, files: &[(&str, &str)]) -> TempRoot {
        let r = TempRoot::new();
        copy_tree(&fixture(case), r.path());
        for (p, c) in files {
            r.write(p, c.as_bytes());
        }
        r
    }
}
