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
mod testing;

pub use access::{MacStable, Privileges};
pub use kernel_headers::KernelHeaders;
pub use network::Network;
pub use platform::{Bootloader, Multipath, NotParavirtualized, OsSupported};
pub use software::{BuildTools, Dhclient, Python};
pub use space::{FreeRam, RootFreeSpace, TmpExec, TmpFreeSpace, TmpWritable};

use crate::model::Host;

/// Every aws-mgn rule carries this profile list.
const MGN: &[crate::profile::Profile] = &[crate::profile::Profile::AwsMgn];

/// How packages are installed on the host, for remediation commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rpm,
    Deb,
    Suse,
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
    if any(&["sles", "sled", "opensuse", "opensuse-leap", "suse"]) {
        Family::Suse
    } else if any(&["debian", "ubuntu"]) {
        Family::Deb
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

/// `yum install X` / `apt-get install X` / `zypper install X`.
fn install(host: &Host, rpm: &str, deb: &str) -> String {
    match family(host) {
        Family::Rpm => format!("yum install -y {rpm}"),
        Family::Deb => format!("apt-get install -y {deb}"),
        Family::Suse => format!("zypper install -y {rpm}"),
        Family::Unknown => format!("install {rpm} (rpm) or {deb} (deb) with the package manager"),
    }
}
