//! `gen.selinux-relabel`: what SELinux means for the move. A migration
//! rewrites files on the target (the boot loader's configuration, the
//! initramfs, network and fstab files: `cloud.boot-rewrite`), and a
//! file-level copy or restore loses extended attributes; on a host that
//! enforces, a file without its label is denied at boot. A relabel on the
//! first boot on the target (`/.autorelabel`) sets every label again.
//! Information only: it decides nothing, it says what to plan.

use super::{Finding, Rule, Severity};
use crate::model::Host;
use crate::rules::Identified;

pub struct SelinuxRelabel;

impl Rule for SelinuxRelabel {
    fn check(&self, host: &Host) -> Finding {
        let Some(se) = &host.security.selinux else {
            return Finding::new(
                self.id(),
                Severity::Pass,
                "no SELinux configuration: nothing to relabel",
            );
        };
        let configured = se.configured.as_deref().unwrap_or("unknown");
        let running = se.running.as_deref();
        if configured == "disabled" && running.is_none() {
            return Finding::new(
                self.id(),
                Severity::Pass,
                "SELinux is disabled in its configuration: nothing to relabel",
            )
            .evidence(
                se.declared_in.clone().unwrap_or_default(),
                "SELINUX=disabled",
            );
        }
        let mut detail = format!(
            "SELinux {configured}{} ",
            se.policy
                .as_deref()
                .map(|p| format!(" (policy {p})"))
                .unwrap_or_default()
        );
        match running {
            Some(r) if r != configured => detail.push_str(&format!(
                "in its configuration, {r} now: the next boot switches to {configured}; "
            )),
            Some(_) => detail.push_str("now and in its configuration; "),
            None => detail.push_str("in its configuration (the running mode is unknown); "),
        }
        let mut f = if se.relabel_pending {
            detail.push_str("a relabel is already pending (/.autorelabel): the next boot relabels every file, which takes minutes on a large filesystem");
            Finding::new(self.id(), Severity::Info, detail)
        } else {
            detail.push_str("files the migration rewrites on the target, or a copy that drops extended attributes, come up unlabelled and are denied at boot");
            Finding::new(self.id(), Severity::Info, detail).remediation(
                "Relabel on the first boot on the target: touch /.autorelabel on the source before the last sync (or on the target before its first full boot)",
            )
        };
        if let Some(at) = &se.declared_in {
            f = f.evidence(at.clone(), format!("SELINUX={configured}"));
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::mgn::testing::host_of;
    use crate::testing::{fixture, TempRoot};

    #[test]
    fn pending_relabel_on_debian() {
        let f = SelinuxRelabel.check(&host_of(&fixture("host-samples/selinux-debian")));
        f.assert_says(
            Severity::Info,
            "permissive now: the next boot switches to enforcing",
        );
        f.assert_detail("already pending");
        assert!(f.remediation.is_none());
    }

    #[test]
    fn enforcing_without_a_relabel_says_to_plan_one() {
        let r = TempRoot::with(&[
            (
                "etc/selinux/config",
                "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
            ),
            ("sys/fs/selinux/enforce", "1"),
        ]);
        let f = SelinuxRelabel.check(&host_of(r.path()));
        f.assert_opens(
            Severity::Info,
            "SELinux enforcing (policy targeted) now and in its configuration",
        );
        assert!(f.remediation.unwrap().contains("touch /.autorelabel"));
        let off = TempRoot::with(&[("etc/selinux/config", "SELINUX=disabled\n")]);
        assert_eq!(
            SelinuxRelabel.check(&host_of(off.path())).severity,
            Severity::Pass
        );
    }
}
