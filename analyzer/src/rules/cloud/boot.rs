//! The boot loader a blackbox migration can rewrite: it regenerates GRUB's
//! configuration for the target's disks; any other loader must be set up
//! by hand on the target.

use crate::model::{Host, Loader};
use crate::rules::Identified;
use crate::rules::RuleId;
use crate::rules::{boot_unknown, with_boot_evidence, Finding, Rule, Severity};

pub struct Bootloader;

impl Rule for Bootloader {
    fn check(&self, host: &Host) -> Finding {
        let b = &host.boot;
        if let Some(f) = not_bootable(self.id(), host, "a cloud VM boots a kernel from its disk") {
            return f;
        }
        let f = match b.loader {
            Loader::Grub1 | Loader::Grub2 => Finding::new(
                self.id(),
                Severity::Pass,
                format!("the boot loader is {}: the migration rewrites its configuration", b.loader),
            ),
            Loader::Unknown => boot_unknown(self.id(), host),
            other => Finding::new(
                self.id(),
                Severity::Warning,
                format!("the active boot loader is {other}: the migration rewrites only GRUB's configuration"),
            )
            .remediation(format!("Plan to reconfigure {other} for the target's disks by hand, or move the host to GRUB 2 first")),
        };
        with_boot_evidence(f, host)
    }
}

/// A root with no kernel: nothing to boot, so no boot loader to judge.
/// `consequence` says what that means for the target.
pub(crate) fn not_bootable(id: RuleId, host: &Host, consequence: &str) -> Option<Finding> {
    let why = host.boot.no_kernel()?;
    Some(
        Finding::new(id, Severity::Blocker, format!("{why}; {consequence}"))
            .evidence("boot", why)
            .remediation("Run it as a container on the target (ECS/EKS, Azure Container Apps/AKS, OpenStack Zun or Magnum), or migrate the host it runs on; a server image needs a kernel and a boot loader installed first"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::host_of;
    use super::*;
    use crate::testing::{fixture, TempRoot};

    #[test]
    fn grub_passes_others_warn_nothing_is_unknown() {
        let h = host_of(&fixture("centos6-sysv"));
        assert_eq!(
            Bootloader.check(&h).severity,
            Severity::Pass,
            "{:?}",
            h.boot
        );
        let lilo = TempRoot::with(&[("etc/lilo.conf", "boot=/dev/sda\n")]);
        assert_eq!(
            Bootloader.check(&host_of(lilo.path())).severity,
            Severity::Warning
        );
        let none = TempRoot::new();
        let f = Bootloader.check(&host_of(none.path()));
        assert_eq!(f.severity, Severity::Unknown);
        assert!(!f.missing.is_empty());
    }
}
