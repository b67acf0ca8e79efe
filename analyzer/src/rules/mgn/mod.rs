//! `aws-mgn`: what the AWS Replication Agent's installer needs, from AWS
//! MGN's "Installation requirements" (docs.aws.amazon.com/mgn/latest/ug/
//! installation-requirements.html): space on / and /tmp, RAM, an exec-able
//! /tmp, python, the build tools, GRUB, kernel headers matching the running
//! kernel, dhclient, a stable MAC, and no Xen paravirtualization.

mod access;
mod kernel_headers;
mod network;
mod os_table;
mod platform;
mod software;
mod space;
#[cfg(test)]
pub(crate) mod testing;

pub use access::{MacStable, Privileges};
pub use kernel_headers::KernelHeaders;
pub use network::Network;
pub use platform::{Bootloader, Multipath, NotParavirtualized, OsSupported};
pub use software::{BuildTools, Dhclient, Python};
pub use space::{FreeRam, RootFreeSpace, TmpExec, TmpFreeSpace, TmpWritable};

use crate::model::Host;

/// How packages are installed on the host, for remediation commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// yum (RHEL 7 and older, CentOS, Amazon Linux 2).
    Rpm,
    /// dnf (RHEL 8 and later, Fedora, Amazon Linux 2023).
    Dnf,
    Deb,
    Suse,
    Apk,
    Pacman,
    Unknown,
}

fn family(host: &Host) -> Family {
    let os = &host.os;
    let ids: Vec<&str> = os
        .id
        .iter()
        .chain(os.id_like.iter())
        .map(String::as_str)
        .collect();
    let any = |names: &[&str]| ids.iter().any(|i| names.contains(i));
    let major = os
        .version_id
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse::<u32>().ok());
    if any(&["sles", "sled", "opensuse", "opensuse-leap", "suse"]) {
        Family::Suse
    } else if any(&["debian", "ubuntu"]) {
        Family::Deb
    } else if any(&["alpine"]) {
        Family::Apk
    } else if any(&["arch", "archarm", "manjaro"]) {
        Family::Pacman
    } else if os.id.as_deref() == Some("fedora")
        || (any(&["amzn"]) && major.is_some_and(|m| m >= 2022))
        || (any(&["rhel", "centos", "rocky", "almalinux", "ol"]) && major.is_some_and(|m| m >= 8))
    {
        Family::Dnf
    } else if any(&[
        "rhel",
        "centos",
        "fedora",
        "amzn",
        "ol",
        "rocky",
        "almalinux",
        "redhat",
    ]) {
        Family::Rpm
    } else {
        Family::Unknown
    }
}

/// The command that installs these packages with the host's own package
/// manager (rpm names for yum, dnf and zypper, Debian's for apt-get, apk
/// and pacman); None when the package manager is not known.
fn install(host: &Host, rpm: &str, deb: &str) -> Option<String> {
    Some(match family(host) {
        Family::Rpm => format!("sudo yum install -y {rpm}"),
        Family::Dnf => format!("sudo dnf install -y {rpm}"),
        Family::Deb => format!("sudo apt-get install -y {deb}"),
        Family::Suse => format!("sudo zypper install -y {rpm}"),
        Family::Apk => format!(
            "sudo apk add {}",
            renamed(deb, &[("isc-dhcp-client", "dhclient")])
        ),
        Family::Pacman => format!(
            "sudo pacman -S --needed {}",
            renamed(
                deb,
                &[("isc-dhcp-client", "dhclient"), ("python3", "python")]
            )
        ),
        Family::Unknown => return None,
    })
}

/// Debian's package names as another distribution spells them.
fn renamed(deb: &str, names: &[(&str, &str)]) -> String {
    deb.split(' ')
        .map(|p| names.iter().find(|(d, _)| *d == p).map_or(p, |(_, n)| *n))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fix by installing packages: the command where the package manager is
/// known, else the packages named in words.
fn install_fix(
    f: crate::rules::Finding,
    host: &Host,
    rpm: &str,
    deb: &str,
    why: &str,
) -> crate::rules::Finding {
    match install(host, rpm, deb) {
        Some(cmd) => f.fix(cmd, why),
        None => f.remediation(format!(
            "{why}: install {rpm} (rpm) or {deb} (deb); lift could not tell this host's package manager"
        )),
    }
}
