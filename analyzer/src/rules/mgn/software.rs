//! Programs the installer runs or builds with: python, the build tools and
//! dhclient.
//!
//! Presence comes from the PATH directories' listings, and from the package
//! databases where the host has one (a name in PATH says the program is
//! there; its package says who installed it). Without the listings (a
//! sosreport copies no /usr/bin), an installed package still says the
//! program is there; its absence says nothing of a program installed by
//! hand, so the check stays unknown, saying which packages were looked for.

use super::install_fix;
use crate::model::{Host, Tools};
use crate::rules::Identified;
use crate::rules::RuleId;
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

fn tools_or_unknown(host: &Host, id: RuleId) -> Result<&Tools, Box<Finding>> {
    host.tools
        .as_ref()
        .ok_or_else(|| Box::new(Finding::unknown(id, host, &[&sources::PATH_DIRS])))
}

fn where_found(t: &Tools, name: &str) -> Option<String> {
    let tool = t.get(name)?;
    Some(match &tool.link_target {
        Some(l) => format!("{} -> {l}", tool.path),
        None => tool.path.clone(),
    })
}

/// The first of `names` the package database lists as installed, as
/// evidence (`dpkg: isc-dhcp-client 4.4.3-P1-2`).
fn package(host: &Host, names: &[&str]) -> Option<(String, String)> {
    let p = host.packages.as_ref()?;
    let (db, pkg) = names
        .iter()
        .find_map(|n| p.named(n).map(|pkg| (p.databases.first(), pkg)))?;
    let path = db.map_or_else(|| "package database".to_string(), |d| d.path.clone());
    Some((path, format!("{} {} installed", pkg.name, pkg.version)))
}

/// Without the PATH listings: a pass from the first installed package of
/// `names`, else unknown naming them.
fn by_package_only(host: &Host, id: RuleId, what: &str, names: &[&str]) -> Finding {
    match package(host, names) {
        Some((path, found)) => Finding::new(
            id,
            Severity::Pass,
            format!("{what}'s package is installed (the PATH directories were not listed)"),
        )
        .evidence(path, found),
        None => unknown_without_package(host, id, names),
    }
}

fn unknown_without_package(host: &Host, id: RuleId, names: &[&str]) -> Finding {
    let looked = match host.packages.as_ref() {
        Some(_) => format!(
            "the PATH directories were not listed, and the package database has none of {}",
            names.join(", ")
        ),
        None => String::new(),
    };
    Finding::new(id, Severity::Unknown, looked)
        .lacking(host.sources.missing(&[&sources::PATH_DIRS]))
}

/// A python interpreter's package: `python3`, `python3.11-minimal`,
/// `python36`, RHEL 8's `platform-python`.
fn python_package(name: &str) -> bool {
    let n = name.strip_suffix("-minimal").unwrap_or(name);
    let digits = n.strip_prefix("python").is_some_and(|v| {
        v.len() >= 2 && v.starts_with(['2', '3']) && v.bytes().all(|b| b.is_ascii_digit())
    });
    n == "platform-python" || digits || python_ok(n) == Some(true)
}

/// Python 2.4+ or 3.x by its name: `python3`, `python3.9`, `python2.6`,
/// or a bare `python` (whose link target may tell its version).
/// The evidence of an absence: the PATH directories that were listed and
/// the package databases asked.
fn searched(f: Finding, t: &Tools) -> Finding {
    f.evidence("PATH directories listed", t.listed.join(" "))
}

fn python_ok(name: &str) -> Option<bool> {
    let v = name.strip_prefix("python")?;
    let v = v.strip_suffix("m").unwrap_or(v);
    match v.split_once('.') {
        None if v.is_empty() || v == "2" || v == "3" => Some(true),
        Some(("3", minor)) if minor.parse::<u32>().is_ok() => Some(true),
        Some(("2", minor)) => minor.parse::<u32>().ok().map(|m| m >= 4),
        _ => None,
    }
}

pub struct Python;

impl Rule for Python {
    fn check(&self, host: &Host) -> Finding {
        let t = match (tools_or_unknown(host, self.id()), host.packages.as_ref()) {
            (Ok(t), _) => t,
            (Err(_), Some(p)) => {
                let names: Vec<&str> = p
                    .list
                    .iter()
                    .filter(|p| p.is_installed() && python_package(&p.name))
                    .map(|p| p.name.as_str())
                    .collect();
                return match names.first() {
                    Some(n) => by_package_only(host, self.id(), "python", &[n]),
                    None => unknown_without_package(
                        host,
                        self.id(),
                        &["python3", "platform-python", "python"],
                    ),
                };
            }
            (Err(f), None) => return *f,
        };
        let (good, old): (Vec<&String>, Vec<&String>) = t
            .found
            .keys()
            .filter(|n| python_ok(n).is_some())
            .partition(|n| python_ok(n) == Some(true));
        if good.is_empty() {
            let mut f = install_fix(
                Finding::new(
                    self.id(),
                    Severity::Blocker,
                    if old.is_empty() {
                        format!("no python interpreter in {}", t.listed.join(", "))
                    } else {
                        "only a python older than 2.4 was found".to_string()
                    },
                ),
                host,
                "python3",
                "python3",
                "the installer is a Python script",
            );
            for n in old {
                f = f.evidence("tools", where_found(t, n).unwrap_or_default());
            }
            return searched(f, t).on(host, &[&sources::PATH_DIRS]);
        }
        let mut f = Finding::new(
            self.id(),
            Severity::Pass,
            format!(
                "python found: {}",
                good.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for n in good.iter().take(4) {
            f = f.evidence("tools", where_found(t, n).unwrap_or_default());
        }
        f.on(host, &[&sources::PATH_DIRS])
    }
}

pub struct BuildTools;

const BUILD_TOOLS: &[&str] = &["make", "gcc", "perl", "tar", "gawk", "rpm"];

impl Rule for BuildTools {
    fn check(&self, host: &Host) -> Finding {
        let unlisted = Tools::default();
        let t = match tools_or_unknown(host, self.id()) {
            Ok(t) => t,
            Err(f) if host.packages.is_none() => return *f,
            Err(_) => &unlisted,
        };
        let by = if host.tools.is_some() {
            ""
        } else {
            " (by the package database: the PATH directories were not listed)"
        };
        let missing: Vec<&str> = BUILD_TOOLS
            .iter()
            .copied()
            .filter(|n| t.get(n).is_none() && package(host, &[n]).is_none())
            .collect();
        let mut f = if missing.is_empty() {
            Finding::new(
                self.id(),
                Severity::Pass,
                format!("make, gcc, perl, tar, gawk and rpm are installed{by}"),
            )
        } else {
            let list = missing.join(" ");
            install_fix(
                Finding::new(
                    self.id(),
                    Severity::Warning,
                    format!(
                        "missing{by}: {}; the installer tries to install them, which needs a working package repository",
                        missing.join(", ")
                    ),
                ),
                host,
                &list,
                &list,
                "installed beforehand, they need no repository during the install",
            )
        };
        for n in BUILD_TOOLS {
            if let Some(w) = where_found(t, n) {
                f = f.evidence("tools", w);
            } else if let Some((path, found)) = package(host, &[n]).filter(|_| host.tools.is_none())
            {
                f = f.evidence(path, found);
            }
        }
        if !missing.is_empty() {
            f = searched(f, t);
        }
        // Without the PATH listings (a sosreport), the package database is
        // what the verdict stands on.
        if host.tools.is_some() {
            f.on(host, &[&sources::PATH_DIRS])
        } else {
            f.on_any(host, sources::PACKAGE_DATABASES)
        }
    }
}

pub struct Dhclient;

impl Rule for Dhclient {
    fn check(&self, host: &Host) -> Finding {
        const PACKAGES: &[&str] = &["dhclient", "isc-dhcp-client", "dhcp-client"];
        let t = match (tools_or_unknown(host, self.id()), host.packages.is_some()) {
            (Ok(t), _) => t,
            (Err(_), true) => return by_package_only(host, self.id(), "dhclient", PACKAGES),
            (Err(f), false) => return *f,
        };
        let pkg = package(host, PACKAGES);
        match (where_found(t, "dhclient"), pkg) {
            (Some(w), pkg) => {
                let f = Finding::new(self.id(), Severity::Pass, "dhclient is installed")
                    .evidence("tools", w);
                match pkg {
                    Some((path, what)) => f.evidence(path, what),
                    None => f,
                }
            }
            (None, Some((path, what))) => Finding::new(
                self.id(),
                Severity::Pass,
                "dhclient's package is installed (its program is not in a listed PATH directory)",
            )
            .evidence(path, what),
            (None, None) => searched(
                install_fix(
                    Finding::new(
                        self.id(),
                        Severity::Blocker,
                        format!("dhclient is not in {}", t.listed.join(", ")),
                    ),
                    host,
                    "dhclient",
                    "isc-dhcp-client",
                    "the replication server's network setup runs dhclient",
                ),
                t,
            ),
        }
        .on(host, &[&sources::PATH_DIRS])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::host_of;
    use super::*;
    use crate::testing::{fixture, TempRoot};

    #[test]
    fn python_names() {
        for (n, ok) in [
            ("python", Some(true)),
            ("python2.6", Some(true)),
            ("python2.3", Some(false)),
            ("python3.11", Some(true)),
            ("python3", Some(true)),
            ("python-config", None),
            ("python3.6m", Some(true)),
            ("pythonista", None),
        ] {
            assert_eq!(python_ok(n), ok, "{n}");
        }
    }

    #[test]
    fn centos6_tools() {
        let h = host_of(&fixture("centos6-sysv"));
        let p = Python.check(&h);
        p.assert_says(Severity::Pass, "python2.6");
        let b = BuildTools.check(&h);
        assert_eq!(b.severity, Severity::Warning);
        assert_eq!(b.detail.split(';').next(), Some("missing: make, gcc, perl"));
        assert_eq!(
            b.command.as_deref(),
            Some("sudo yum install -y make gcc perl")
        );
        assert_eq!(Dhclient.check(&h).severity, Severity::Pass);
    }

    #[test]
    fn no_python_no_dhclient() {
        let r = TempRoot::with(&[
            ("usr/bin/bash", ""),
            ("usr/bin/python2.3", ""),
            ("etc/debian_version", "12.4\n"),
        ]);
        r.write("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
        let h = host_of(r.path());
        let p = Python.check(&h);
        assert_eq!(p.severity, Severity::Blocker);
        assert_eq!(
            p.command.as_deref(),
            Some("sudo apt-get install -y python3")
        );
        let d = Dhclient.check(&h);
        assert_eq!(d.severity, Severity::Blocker);
        assert_eq!(
            d.command.as_deref(),
            Some("sudo apt-get install -y isc-dhcp-client")
        );
        let empty = TempRoot::new();
        assert_eq!(
            Python.check(&host_of(empty.path())).severity,
            Severity::Unknown
        );
    }

    /// Debian 12's dpkg status names the package behind /usr/sbin/dhclient.
    /// On Alpine the fix said "install python3 (rpm) or python3 (deb)":
    /// each host gets its own package manager's command.
    #[test]
    fn each_package_manager_gets_its_own_command() {
        for (os_release, python, dhclient) in [
            (
                "ID=alpine\nVERSION_ID=3.19.1\n",
                "sudo apk add python3",
                "sudo apk add dhclient",
            ),
            (
                "ID=arch\n",
                "sudo pacman -S --needed python",
                "sudo pacman -S --needed dhclient",
            ),
            (
                "ID=rocky\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n",
                "sudo dnf install -y python3",
                "sudo dnf install -y dhclient",
            ),
            (
                "ID=centos\nVERSION_ID=\"7\"\n",
                "sudo yum install -y python3",
                "sudo yum install -y dhclient",
            ),
            (
                "ID=\"sles\"\nVERSION_ID=\"15.5\"\n",
                "sudo zypper install -y python3",
                "sudo zypper install -y dhclient",
            ),
        ] {
            let r = TempRoot::with(&[("usr/bin/bash", ""), ("etc/os-release", os_release)]);
            let h = host_of(r.path());
            assert_eq!(
                Python.check(&h).command.as_deref(),
                Some(python),
                "{os_release}"
            );
            let d = Dhclient.check(&h);
            assert_eq!(d.command.as_deref(), Some(dhclient), "{os_release}");
            assert!(
                !d.remediation.unwrap().contains("sudo"),
                "the words beside the command are not a command"
            );
        }
        let r = TempRoot::with(&[("usr/bin/bash", ""), ("etc/os-release", "ID=plan9\n")]);
        let p = Python.check(&host_of(r.path()));
        assert_eq!(p.command, None);
        assert!(p.remediation.unwrap().contains("python3 (rpm)"));
    }

    #[test]
    fn package_database_evidence() {
        let h = host_of(&fixture("debian12-systemd"));
        let f = Dhclient.check(&h);
        assert_eq!(f.severity, Severity::Pass);
        assert_eq!(f.evidence[1].path, "/var/lib/dpkg/status");
        assert!(
            f.evidence[1].excerpt.starts_with("isc-dhcp-client 4.4.3"),
            "{:?}",
            f.evidence
        );
        let b = BuildTools.check(&h);
        assert_eq!(b.severity, Severity::Warning);
        assert!(b.detail.starts_with("missing: make, gcc,"), "{}", b.detail);
        assert!(!b.detail.contains("tar"), "{}", b.detail);
    }

    /// Rocky Linux 9.4's container package list as a sosreport's
    /// installed-rpms: no PATH listing, so the database decides what it can.
    #[test]
    fn a_sosreport_package_list_without_path_listings() {
        let r = crate::testing::rocky_sosreport();
        let h = host_of(r.path());
        assert!(h.tools.is_none());
        let p = Python.check(&h);
        assert_eq!(p.severity, Severity::Pass, "{}", p.detail);
        assert_eq!(p.evidence[0].excerpt, "python3 3.9.18 installed");
        // No dhcp-client in a container image: unknown, naming what was
        // looked for, since a dhclient built by hand cannot be seen.
        let d = Dhclient.check(&h);
        d.assert_says(Severity::Unknown, "dhclient, isc-dhcp-client, dhcp-client");
        let b = BuildTools.check(&h);
        assert_eq!(b.severity, Severity::Warning);
        assert!(
            b.detail.starts_with("missing (by the package database: the PATH directories were not listed): make, gcc, perl;"),
            "{}",
            b.detail
        );
        assert!(
            b.evidence
                .iter()
                .any(|e| e.excerpt == "gawk 5.1.0 installed"),
            "{:?}",
            b.evidence
        );
    }

    #[test]
    fn python_packages() {
        for (n, ok) in [
            ("python3", true),
            ("python3.11-minimal", true),
            ("python36", true),
            ("platform-python", true),
            ("python3-libs", false),
            ("python-unversioned-command", false),
        ] {
            assert_eq!(python_package(n), ok, "{n}");
        }
    }
}
