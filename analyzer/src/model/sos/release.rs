//! The distribution from the package that installs its release files, when
//! the sosreport kept no release file but its package list names it
//! (`installed-rpms`: `redhat-release-8.4-0.6.el8.x86_64`).

use super::super::{Host, Os};

/// Release packages by name prefix, with the os-release `ID` they install.
/// RHEL's are `redhat-release`, `redhat-release-server`, ...; SUSE's
/// `sles-release`; Amazon Linux's `system-release`.
const RELEASE_PACKAGES: &[(&str, &str, &str)] = &[
    ("redhat-release", "rhel", "Red Hat Enterprise Linux"),
    ("centos-stream-release", "centos", "CentOS Stream"),
    ("centos-release", "centos", "CentOS Linux"),
    ("rocky-release", "rocky", "Rocky Linux"),
    ("almalinux-release", "almalinux", "AlmaLinux"),
    ("oraclelinux-release", "ol", "Oracle Linux Server"),
    ("fedora-release", "fedora", "Fedora Linux"),
    ("sles-release", "sles", "SUSE Linux Enterprise Server"),
    ("SLES-release", "sles", "SUSE Linux Enterprise Server"),
    ("openSUSE-release", "opensuse-leap", "openSUSE Leap"),
    ("system-release", "amzn", "Amazon Linux"),
];

/// Fills `host.os` from the installed release package; the package list's
/// capture is the source. True when it did.
pub(super) fn os_from_packages(host: &mut Host, capture: &str) -> bool {
    if host.os.id.is_some() {
        return false;
    }
    let Some(packages) = host.packages.as_ref() else {
        return false;
    };
    let found = packages
        .list
        .iter()
        .filter(|p| p.is_installed())
        .find_map(|p| {
            RELEASE_PACKAGES
                .iter()
                .find(|(prefix, _, _)| {
                    p.name == *prefix
                        || p.name
                            .strip_prefix(prefix)
                            .is_some_and(|rest| rest.starts_with('-') && !rest.contains("notes"))
                })
                .map(|row| (row, p))
        });
    let Some(((_, id, name), p)) = found else {
        return false;
    };
    // centos-release 7's version is `7` (its release `9.2009.1.el7.centos`);
    // redhat-release 8's is `8.4`: VERSION_ID as os-release writes it.
    let version = p.version.clone();
    let full = match &p.release {
        Some(r) => format!("{}-{}-{r}", p.name, p.version),
        None => format!("{}-{}", p.name, p.version),
    };
    host.os = Os {
        id: Some(id.to_string()),
        version_id: Some(version.clone()),
        pretty_name: Some(format!("{name} {version}")),
        id_like: Vec::new(),
        source: Some(format!("{capture}: {full}")),
    };
    true
}

#[cfg(test)]
mod tests {
    use crate::testing::TempRoot;

    /// Rocky Linux 9.4's container package list (rocky-release 9.4-1.5.el9)
    /// as a sosreport's `installed-rpms`, in a root with no release file.
    #[test]
    fn rocky_from_its_release_package() {
        let r = crate::testing::rocky_sosreport();
        let host = crate::model::build(&crate::snapshot::DirSnapshot::new(r.path()));
        assert_eq!(host.os.id.as_deref(), Some("rocky"));
        assert_eq!(host.os.version_id.as_deref(), Some("9.4"));
        assert_eq!(
            host.os.source.as_deref(),
            Some("installed-rpms: rocky-release-9.4-1.5.el9")
        );
        let sos = host.collection.sosreport.unwrap();
        assert!(sos.from_commands.iter().any(|c| c.fact == "os"));
    }

    /// A release file, where there is one, is the OS's word.
    #[test]
    fn a_release_file_wins() {
        let r = TempRoot::new();
        r.mkdir("sos_commands/rpm");
        r.write("installed-rpms", b"rocky-release-9.4-1.5.el9.noarch\n");
        r.write("etc/os-release", b"ID=almalinux\nVERSION_ID=\"9.4\"\n");
        let host = crate::model::build(&crate::snapshot::DirSnapshot::new(r.path()));
        assert_eq!(host.os.id.as_deref(), Some("almalinux"));
    }
}
