//! Kernel headers exactly matching the running kernel: the agent builds a
//! driver against them. A symbolic link to another kernel's tree builds a
//! module that does not load.

use super::{family, Family};
use crate::model::Host;
use crate::model::InstalledPackage;
use crate::rules::Identified;
use crate::rules::RuleId;
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

pub struct KernelHeaders;

impl Rule for KernelHeaders {
    fn check(&self, host: &Host) -> Finding {
        if host.boot.no_kernel().is_some() {
            return Finding::new(
                self.id(),
                Severity::Info,
                "no kernel is installed, so there are no headers to match (see mgn.bootloader: not a bootable server)",
            );
        }
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
        let (package, install_cmd) = match family(host) {
            Family::Deb => (
                format!("linux-headers-{release}"),
                "apt-get install -y linux-headers-$(uname -r)".to_string(),
            ),
            Family::Suse => (
                "kernel-default-devel".to_string(),
                "zypper install -y kernel-default-devel".to_string(),
            ),
            Family::Dnf => (
                format!("kernel-devel-{release}"),
                "dnf install -y kernel-devel-$(uname -r)".to_string(),
            ),
            _ => (
                format!("kernel-devel-{release}"),
                "yum install -y kernel-devel-$(uname -r)".to_string(),
            ),
        };
        // The package database's word: Some(package) installed, None not
        // installed; no database at all leaves only the trees.
        let installed = host
            .packages
            .as_ref()
            .map(|p| headers_package(&p.list, release));
        let db_says = |f: Finding| match &installed {
            Some(Some(p)) => f.evidence("package database", format!("{} installed", shown(p))),
            Some(None) => f.evidence(
                "package database",
                format!("no headers package for {release}"),
            ),
            None => f,
        };
        // sos never collects /usr/src: whatever a sosreport holds there is
        // not the host's tree.
        let sos = host.collection.sosreport.is_some();
        if !src.listed || sos {
            let unlisted = if sos {
                "a sosreport holds no /usr/src"
            } else {
                "/usr/src was not listed"
            };
            return match &installed {
                Some(Some(p)) => headers_pass(
                    self.id(),
                    format!(
                        "{} is installed (the package database decided: {unlisted})",
                        shown(p)
                    ),
                    "package database",
                ),
                Some(None) if sos => Finding::new(
                    self.id(),
                    Severity::Unknown,
                    format!("{unlisted}, and the package database lists no {package}: headers built by hand cannot be seen"),
                )
                .evidence("package database", format!("no headers package for {release}"))
                .remediation(install_cmd),
                _ => Finding::unknown(self.id(), host, &[&sources::USR_SRC]),
            };
        }
        let matching = src.trees.iter().find(|t| t.serves(release));
        let others: Vec<&str> = src
            .trees
            .iter()
            .filter(|t| !t.serves(release))
            .map(|t| t.path.as_str())
            .collect();
        let f = match matching {
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
            Some(t) if t.complete == Some(false) => Finding::new(
                self.id(),
                Severity::Blocker,
                format!(
                    "{} is not a build tree (no {}): a leftover directory, not the headers of kernel {release}{}",
                    t.path,
                    t.lacks.join(", no "),
                    match &installed {
                        Some(Some(p)) => format!("; the package database lists {} but its files are gone", shown(p)),
                        _ => String::new(),
                    }
                ),
            )
            .evidence(t.path.clone(), format!("lacks {}", t.lacks.join(", ")))
            .remediation(match &installed {
                Some(Some(_)) => install_cmd.replace("install -y", "reinstall -y").replace("apt-get reinstall -y", "apt-get install --reinstall -y"),
                _ => format!("rm -r {} && {install_cmd}", t.path),
            }),
            Some(t) if t.complete == Some(true) => headers_pass(
                self.id(),
                format!("{} matches the running kernel ({package}): the tree holds a Makefile and include/", t.path),
                &t.path,
            ),
            // The tree's contents were not seen (SUSE's layout, or an input
            // without its listing): the package database decides.
            Some(t) => match &installed {
                Some(Some(p)) => headers_pass(
                    self.id(),
                    format!("{} matches the running kernel and {} is installed (the package database decided)", t.path, shown(p)),
                    &t.path,
                ),
                Some(None) if !t.flavored => Finding::new(
                    self.id(),
                    Severity::Unknown,
                    format!("{} is named for the running kernel, but no package installs it and its contents were not seen", t.path),
                )
                .lacking(host.sources.missing(&[&sources::USR_SRC_TREE])),
                _ if t.flavored => headers_pass(
                    self.id(),
                    format!("{} matches the running kernel ({package})", t.path),
                    &t.path,
                ),
                _ => Finding::new(
                    self.id(),
                    Severity::Unknown,
                    format!("{} is named for the running kernel, but its contents were not seen and there is no package database to ask", t.path),
                )
                .lacking(host.sources.missing(&[&sources::USR_SRC_TREE])),
            },
            None => match (&installed, &src.kernels_unlisted) {
                (Some(Some(p)), Some(why)) => headers_pass(
                    self.id(),
                    format!("{} is installed (the package database decided: {why})", shown(p)),
                    "package database",
                ),
                (Some(Some(p)), None) => Finding::new(
                    self.id(),
                    Severity::Unknown,
                    format!(
                        "the package database lists {} but /usr/src has no tree for kernel {release}: the evidence disagrees",
                        shown(p)
                    ),
                )
                // Both sources were read and disagree: nothing is missing,
                // the evidence says what each said.
                .evidence("/usr/src", format!("listed; no tree for kernel {release}"))
                .remediation(format!("Check on the host: ls /usr/src /usr/src/kernels; rpm -V / dpkg -V the package, or {install_cmd}")),
                (_, Some(_)) => Finding::unknown(self.id(), host, &[&sources::USR_SRC_KERNELS]),
                _ => {
                    // A custom-built kernel's headers are in no package:
                    // naming one (linux-headers-6.18.44-fc-v1300) misleads.
                    let needs = if distribution_kernel(release, family(host)) {
                        package.to_string()
                    } else {
                        "headers no repository ships (a custom build)".to_string()
                    };
                    let mut f = Finding::new(
                        self.id(),
                        Severity::Blocker,
                        if others.is_empty() {
                            format!("no kernel headers installed; the running kernel {release} needs {needs}")
                        } else {
                            format!(
                                "no headers for the running kernel {release} ({needs}); present: {}",
                                others.join(", ")
                            )
                        },
                    )
                    .remediation(install_cmd)
                    // No tree under /usr/src proves nothing without the
                    // package database's word that no headers package is
                    // installed. An absent /usr/src holds no tree; one that
                    // could not be read might.
                    .on_any(host, sources::PACKAGE_DATABASES);
                    if host.sources.state(&sources::USR_SRC) != Some(sources::State::Absent) {
                        f = f.on(host, &[&sources::USR_SRC]);
                    }
                    f = f.evidence("uname -r", release.to_string());
                    for o in others.iter().take(4) {
                        f = f.evidence(o.to_string(), "headers for another kernel");
                    }
                    f
                }
            },
        };
        as_fix(db_says(f), release, family(host))
    }
}

/// A kernel release as the family's own kernel packages name it (Debian's
/// `6.1.0-18-amd64`, Ubuntu's `5.15.0-91-generic`, RHEL's
/// `...el9.x86_64`, SUSE's `...-default`); a custom-built kernel
/// (`6.18.44-fc-v1300`) has no headers package in any repository.
fn distribution_kernel(release: &str, family: Family) -> bool {
    let parts: Vec<&str> = release.split('-').collect();
    let abi = parts
        .get(1)
        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c == '.'));
    match family {
        Family::Deb | Family::Suse => abi && parts.len() >= 3,
        Family::Rpm | Family::Dnf => {
            parts
                .get(1)
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()))
                && [".el", ".fc", ".amzn", "uek", ".centos", ".ol"]
                    .iter()
                    .any(|d| release.contains(d))
        }
        _ => false,
    }
}

/// The rule's install command as a fix to paste (each step under sudo),
/// or, for a kernel no repository ships, what to do instead.
fn as_fix(mut f: Finding, release: &str, family: Family) -> Finding {
    if !matches!(f.severity, Severity::Blocker | Severity::Warning) {
        return f;
    }
    let Some(cmd) = f.remediation.take() else {
        return f;
    };
    if !distribution_kernel(release, family) {
        return f.remediation(format!(
            "kernel {release} is not a {} kernel, so no repository has its headers: install the headers from the tree it was built from (make headers_install, or its /lib/modules/{release}/build), or boot a distribution kernel before installing the agent",
            match family {
                Family::Deb => "Debian or Ubuntu",
                Family::Suse => "SUSE",
                Family::Rpm | Family::Dnf => "distribution",
                _ => "known distribution",
            }
        ));
    }
    let cmd = cmd
        .split(" && ")
        .map(|c| format!("sudo {c}"))
        .collect::<Vec<_>>()
        .join(" && ");
    f.fix(
        cmd,
        "the agent builds its driver against the running kernel's headers",
    )
}

/// A pass, with the evidence that decided it.
fn headers_pass(id: RuleId, detail: String, decided_by: &str) -> Finding {
    let excerpt = match decided_by {
        "package database" => "decided: the headers package is installed",
        _ => "decided: the tree for the running kernel",
    };
    Finding::new(id, Severity::Pass, detail).evidence(decided_by.to_string(), excerpt)
}

fn shown(p: &InstalledPackage) -> String {
    match &p.release {
        Some(r) => format!("{}-{}-{r}", p.name, p.version),
        None => format!("{}-{}", p.name, p.version),
    }
}

/// The package that installs the headers of this kernel release:
/// Debian's `linux-headers-<release>`, the RHEL family's `kernel-devel`
/// (or `kernel-uek-devel`, ...) whose version-release.arch is the release,
/// SUSE's `kernel-<flavor>-devel` whose version and release begin the
/// running `<version>-<release>-<flavor>`.
pub(crate) fn headers_package<'p>(
    list: &'p [InstalledPackage],
    release: &str,
) -> Option<&'p InstalledPackage> {
    list.iter().find(|p| {
        if p.status
            .as_deref()
            .is_some_and(|s| !s.ends_with(" installed"))
        {
            return false;
        }
        if p.name == format!("linux-headers-{release}") {
            return true;
        }
        let Some(variant) = p
            .name
            .strip_prefix("kernel")
            .and_then(|n| n.strip_suffix("devel"))
        else {
            return false;
        };
        let rpm_release = p.release.as_deref().unwrap_or("");
        let vra = match &p.arch {
            Some(a) => format!("{}-{rpm_release}.{a}", p.version),
            None => format!("{}-{rpm_release}", p.version),
        };
        if vra == release {
            return true;
        }
        // SUSE: kernel-default-devel 5.14.21-150500.55.39.1 serves
        // 5.14.21-150500.55.39-default.
        let flavor = variant.trim_matches('-');
        !flavor.is_empty()
            && release
                .strip_prefix(&format!("{}-", p.version))
                .and_then(|r| r.strip_suffix(&format!("-{flavor}")))
                .is_some_and(|r| !r.is_empty() && rpm_release.starts_with(r))
    })
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
        build_tree(&r, "usr/src/kernels/2.6.32-754.el6.x86_64");
        r
    }

    /// A header tree's top level as kernel-devel installs it.
    fn build_tree(r: &TempRoot, dir: &str) {
        r.mkdir(&format!("{dir}/include"));
        r.mkdir(&format!("{dir}/arch"));
        r.write(&format!("{dir}/Makefile"), b"VERSION = 2\n");
    }

    #[test]
    fn headers_matching_the_running_kernel() {
        let r = c6_root();
        build_tree(&r, &format!("usr/src/kernels/{C6}"));
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        assert!(f.detail.contains(&format!("kernel-devel-{C6}")));
    }

    #[test]
    fn headers_for_another_kernel_only() {
        let r = c6_root();
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        f.assert_says(
            Severity::Blocker,
            "present: /usr/src/kernels/2.6.32-754.el6.x86_64",
        );
        assert_eq!(
            f.command.as_deref(),
            Some("sudo yum install -y kernel-devel-$(uname -r)")
        );
    }

    /// An admin "fixed" the installer's complaint by linking the old tree.
    #[test]
    fn symlinked_kernel_devel_tree() {
        let r = c6_root();
        r.symlink(&format!("usr/src/kernels/{C6}"), "2.6.32-754.el6.x86_64");
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        f.assert_says(
            Severity::Blocker,
            "is a symbolic link to 2.6.32-754.el6.x86_64",
        );
        assert_eq!(
            f.command.as_deref(),
            Some(
                format!(
                    "sudo rm /usr/src/kernels/{C6} && sudo yum install -y kernel-devel-$(uname -r)"
                )
                .as_str()
            )
        );
    }

    #[test]
    fn debian_headers() {
        let r = TempRoot::new();
        r.write("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
        build_tree(&r, "usr/src/linux-headers-6.1.0-18-amd64");
        build_tree(&r, "usr/src/linux-headers-6.1.0-18-common");
        assert_eq!(
            KernelHeaders
                .check(&bundle_host(&r, vec![uname("6.1.0-18-amd64")]))
                .severity,
            Severity::Pass
        );
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname("6.1.0-21-amd64")]));
        assert_eq!(f.severity, Severity::Blocker);
        assert_eq!(
            f.command.as_deref(),
            Some("sudo apt-get install -y linux-headers-$(uname -r)")
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

    /// `apt-get install linux-headers-$(uname -r)` was offered for a
    /// custom-built kernel (6.18.44-fc-v1300) that no repository has.
    #[test]
    fn a_custom_kernel_gets_no_package_command() {
        let r = TempRoot::new();
        r.write("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
        r.mkdir("usr/src");
        r.write("var/lib/dpkg/status", b"Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2\nArchitecture: amd64\n\n");
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname("6.18.44-fc-v1300")]));
        assert_eq!(f.severity, Severity::Blocker, "{}", f.detail);
        assert_eq!(f.command, None);
        // No package named for it either, not even in the detail.
        assert!(!f.detail.contains("linux-headers-"), "{}", f.detail);
        let words = f.remediation.unwrap();
        assert!(words.contains("no repository has its headers"), "{words}");
        assert!(!words.contains("apt-get"), "{words}");
        for (release, family, distro) in [
            ("6.1.0-18-amd64", Family::Deb, true),
            ("5.15.0-91-generic", Family::Deb, true),
            ("6.18.44-fc-v1300", Family::Deb, false),
            ("2.6.32-754.35.1.el6.x86_64", Family::Rpm, true),
            ("5.14.0-362.8.1.el9_3.x86_64", Family::Dnf, true),
            ("6.6.7-custom", Family::Rpm, false),
            ("5.14.21-150500.55.39-default", Family::Suse, true),
        ] {
            assert_eq!(distribution_kernel(release, family), distro, "{release}");
        }
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
            f.command.as_deref(),
            Some("sudo zypper install -y kernel-default-devel")
        );
    }

    /// A directory left behind after the package was removed (or made by
    /// hand to quiet the installer) is not headers.
    #[test]
    fn a_leftover_empty_directory_does_not_pass() {
        let r = TempRoot::new();
        r.write("etc/centos-release", b"CentOS release 6.10 (Final)\n");
        r.mkdir(&format!("usr/src/kernels/{C6}"));
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(C6)]));
        f.assert_says(
            Severity::Blocker,
            "not a build tree (no Makefile, no include/)",
        );
    }

    /// The real thing: Debian's dpkg status with the headers package, and
    /// the tree as linux-headers installs it.
    #[test]
    fn package_and_tree_agree() {
        let release = "6.1.0-18-amd64";
        let r = TempRoot::new();
        r.write("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
        r.write(
            "var/lib/dpkg/status",
            format!("Package: linux-headers-{release}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.1.76-1\n\n").as_bytes(),
        );
        build_tree(&r, &format!("usr/src/linux-headers-{release}"));
        let f = KernelHeaders.check(&bundle_host(&r, vec![uname(release)]));
        assert_eq!(f.severity, Severity::Pass, "{}", f.detail);
        assert!(
            f.evidence.iter().any(|e| e.path == "package database"),
            "{:?}",
            f.evidence
        );
        // The package is listed but its tree is gone: the evidence disagrees.
        let gone = TempRoot::new();
        gone.write("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
        gone.write(
            "var/lib/dpkg/status",
            &std::fs::read(r.path().join("var/lib/dpkg/status")).unwrap(),
        );
        gone.mkdir("usr/src");
        let f = KernelHeaders.check(&bundle_host(&gone, vec![uname(release)]));
        f.assert_says(Severity::Unknown, "evidence disagrees");
        assert!(f.missing.is_empty(), "{:?}", f.missing);
        let said: Vec<&str> = f.evidence.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(said, ["/usr/src", "package database"]);
    }

    /// /usr/src/kernels was there but not listed: with kernel-devel in the
    /// rpm database that is not "no headers".
    #[test]
    fn an_unlisted_kernels_directory_with_the_package_installed() {
        use lift_bundle::{Content, Record};
        let r = TempRoot::new();
        r.write("etc/centos-release", b"CentOS release 6.10 (Final)\n");
        r.mkdir(&format!("usr/src/kernels/{C6}/include"));
        let unlisted = |records: &mut Vec<Record>| {
            records.retain(|rec| {
                !matches!(rec, Record::Entry(e) if e.path.0.starts_with(b"/usr/src/kernels/"))
            });
            for rec in records.iter_mut() {
                if let Record::Entry(e) = rec {
                    if e.path.0 == b"/usr/src/kernels" {
                        e.content = Content::Error {
                            errno: 13,
                            message: "Permission denied".into(),
                        };
                    }
                }
            }
        };
        let snap = crate::testing::bundle_edited(r.path(), vec![uname(C6)], true, unlisted);
        let mut host = crate::model::build(&snap as &dyn crate::snapshot::Snapshot);
        let f = KernelHeaders.check(&host);
        assert_eq!(f.severity, Severity::Unknown, "{}", f.detail);
        assert_eq!(f.missing[0].source, "/usr/src/kernels");
        use crate::model::{InstalledPackage, PackageManager};
        let devel = InstalledPackage {
            name: "kernel-devel".into(),
            version: "2.6.32".into(),
            release: Some("754.35.1.el6".into()),
            arch: Some("x86_64".into()),
            ..InstalledPackage::new(PackageManager::Rpm)
        };
        let mut db = crate::model::Packages::default();
        db.list = vec![devel];
        host.packages = Some(db);
        let f = KernelHeaders.check(&host);
        f.assert_says(Severity::Pass, "the package database decided");
    }

    #[test]
    fn headers_packages_by_family() {
        use crate::model::{InstalledPackage, PackageManager};
        let pkg = |name: &str, version: &str, release: &str, arch: &str| InstalledPackage {
            name: name.into(),
            version: version.into(),
            release: Some(release.into()),
            arch: Some(arch.into()),
            ..InstalledPackage::new(PackageManager::Rpm)
        };
        let suse = [pkg(
            "kernel-default-devel",
            "5.14.21",
            "150500.55.39.1",
            "x86_64",
        )];
        assert!(headers_package(&suse, "5.14.21-150500.55.39-default").is_some());
        assert!(headers_package(&suse, "5.14.21-150500.55.44-default").is_none());
        let uek = [pkg(
            "kernel-uek-devel",
            "5.4.17",
            "2136.307.3.1.el8uek",
            "x86_64",
        )];
        assert!(headers_package(&uek, "5.4.17-2136.307.3.1.el8uek.x86_64").is_some());
        let userspace = [pkg("kernel-headers", "2.6.32", "754.35.1.el6", "x86_64")];
        assert!(headers_package(&userspace, C6).is_none());
    }

    /// Debian's real linux-headers tree and its status stanza agree; the
    /// same directory after a purge, a file left in it, does not pass.
    #[test]
    fn debian_fixtures_real_and_leftover() {
        use super::super::testing::host_of;
        use crate::testing::fixture;
        let f = KernelHeaders.check(&host_of(&fixture("kernel-headers/debian12")));
        f.assert_says(Severity::Pass, "holds a Makefile and include/");
        assert!(
            f.evidence
                .iter()
                .any(|e| e.excerpt == "linux-headers-6.1.0-47-amd64-6.1.170-3 installed"),
            "{:?}",
            f.evidence
        );
        let f = KernelHeaders.check(&host_of(&fixture("kernel-headers/debian12-leftover")));
        f.assert_says(Severity::Blocker, "leftover directory");
    }
}
