//! Kernel headers exactly matching the running kernel: the agent builds a
//! driver against them. A symbolic link to another kernel's tree builds a
//! module that does not load.

use super::{family, Family, MGN};
use crate::model::Host;
use crate::profile::Profile;
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

pub struct KernelHeaders;

impl Rule for KernelHeaders {
    fn id(&self) -> &'static str {
        "mgn.kernel-headers"
    }
    fn profiles(&self) -> &'static [Profile] {
        MGN
    }
    fn check(&self, host: &Host) -> Finding {
        let Some(release) = host.kernel.release.as_deref() else {
            return Finding::unknown(
                self.id(),
                host,
                &[
                    &sources::UNAME,
                    &sources::KERNEL_OSRELEASE,
                    &sources::PROC_VERSION,
                ],
            );
        };
        let src = &host.kernel_sources;
        if !src.listed {
            return Finding::unknown(self.id(), host, &[&sources::USR_SRC]);
        }
        let (package, install_cmd) = match family(host) {
            Family::Deb => (
                format!("linux-headers-{release}"),
                "apt-get install -y linux-headers-$(uname -r)".to_string(),
            ),
            Family::Suse => (
                "kernel-default-devel".to_string(),
                "zypper install -y kernel-default-devel".to_string(),
            ),
            _ => (
                format!("kernel-devel-{release}"),
                "yum install -y kernel-devel-$(uname -r)".to_string(),
            ),
        };
        let matching = src.trees.iter().find(|t| t.serves(release));
        let others: Vec<&str> = src
            .trees
            .iter()
            .filter(|t| !t.serves(release))
            .map(|t| t.path.as_str())
            .collect();
        match matching {
            Some(t) if t.link_target.is_some() => {
                let target = t.link_target.as_deref().unwrap_or("");
                Finding::new(
                    self.id(),
                    Severity::Blocker,
                    format!(
                        "{} is a symbolic link to {target}, not the {package} tree: modules built against it do not load in kernel {release}",
                        t.path
                    ),
                )
                .evidence(t.path.clone(), format!("symlink -> {target}"))
                .remediation(format!("rm {} && {install_cmd}", t.path))
            }
            Some(t) => Finding::new(
                self.id(),
                Severity::Pass,
                format!("{} matches the running kernel ({package})", t.path),
            )
            .evidence(t.path.clone(), "directory"),
            None => {
                let mut f = Finding::new(
                    self.id(),
                    Severity::Blocker,
                    if others.is_empty() {
                        format!("no kernel headers installed; the running kernel {release} needs {package}")
                    } else {
                        format!(
                            "no headers for the running kernel {release} ({package}); present: {}",
                            others.join(", ")
                        )
                    },
                )
                .remediation(install_cmd);
                f = f.evidence("uname -r", release.to_string());
                for o in others.iter().take(4) {
                    f = f.evidence(o.to_string(), "headers for another kernel");
                }
                f
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::bundle_host;
    use super::*;
    use crate::testing::{uname, TempRoot};

    const C6: &str = "2.6.32-754.35.1.el6.x86_64";

    fn c6_root() -> TempRoot {
        let r = TempRoot::new();
        r.write("etc/centos-release", b"CentOS release 6.10 (Final)\n");
        r.mkdir("usr/src/kernels/2.6.32-754.el6.x86_64/include");
        r
    }

    #[test]
    fn headers_matching_the_running_kernel() {
        let r = c6_root();
        r.mkdir(&format!("usr/src/kernels/{C6}/include"));
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        assert!(f.detail.contains(&format!("kernel-devel-{C6}")));
    }

    #[test]
    fn headers_for_another_kernel_only() {
        let r = c6_root();
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        assert_eq!(f.severity, Severity::Blocker);
        assert!(
            f.detail
                .contains("present: /usr/src/kernels/2.6.32-754.el6.x86_64"),
            "{}",
            f.detail
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some("yum install -y kernel-devel-$(uname -r)")
        );
    }

    /// An admin "fixed" the installer's complaint by linking the old tree.
    #[test]
    fn symlinked_kernel_devel_tree() {
        let r = c6_root();
        r.symlink(&format!("usr/src/kernels/{C6}"), "2.6.32-754.el6.x86_64");
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        assert_eq!(f.severity, Severity::Blocker);
        assert!(
            f.detail
                .contains("is a symbolic link to 2.6.32-754.el6.x86_64"),
            "{}",
            f.detail
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                format!("rm /usr/src/kernels/{C6} && yum install -y kernel-devel-$(uname -r)")
                    .as_str()
            )
        );
    }

    #[test]
    fn debian_headers() {
        let r = TempRoot::new();
        r.write("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
        r.mkdir("usr/src/linux-headers-6.1.0-18-amd64/include");
        r.mkdir("usr/src/linux-headers-6.1.0-18-common/include");
        assert_eq!(
            KernelHeaders
                .check(&bundle_host(&r, vec![uname("6.1.0-18-amd64")]))
                .severity,
            Severity::Pass
        );
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname("6.1.0-21-amd64")]));
        assert_eq!(f.severity, Severity::Blocker);
        assert_eq!(
            f.remediation.as_deref(),
            Some("apt-get install -y linux-headers-$(uname -r)")
        );
        let no_src = TempRoot::new();
        let f = KernelHeaders.check(&bundle_host(&no_src, vec![uname("6.1.0-21-amd64")]));
        assert_eq!(f.severity, Severity::Blocker);
        assert!(
            f.detail.starts_with("no kernel headers installed"),
            "{}",
            f.detail
        );
        let f = KernelHeaders.check(&bundle_host(&no_src, vec![]));
        assert_eq!(f.severity, Severity::Unknown);
    }

    /// SLES keeps one tree per version, `linux-<version>-obj`, with the
    /// flavors (`default`) below it; kernel-default-devel installs it, and
    /// /usr/src/linux-<version> holds the sources beside it.
    #[test]
    fn suse_obj_tree() {
        let r = TempRoot::new();
        r.write("etc/os-release", b"ID=\"sles\"\nVERSION_ID=\"15.4\"\n");
        r.mkdir("usr/src/linux-5.14.21-150400.24.46");
        r.mkdir("usr/src/linux-5.14.21-150400.24.46-obj/x86_64/default");
        let running = uname("5.14.21-150400.24.46-default");
        let f = KernelHeaders.check(&bundle_host(&r, vec![running]));
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        let f = KernelHeaders.check(&bundle_host(
            &r,
            vec![uname("5.14.21-150400.24.63-default")],
        ));
        assert_eq!(f.severity, Severity::Blocker);
        assert_eq!(
            f.remediation.as_deref(),
            Some("zypper install -y kernel-default-devel")
        );
    }
}
