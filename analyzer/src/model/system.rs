//! Who the host is: name, operating system, kernel, CPU, memory, uptime.

use lift_bundle::Fact;
use serde::Serialize;

use super::facts::Facts;
use super::packages::Packages;
use crate::parse::{cpuinfo, elf_head, meminfo, proc_misc, proc_version, release_files};
use crate::sources::{self as src, Source};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Os {
    pub id: Option<String>,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
    pub id_like: Vec<String>,
    /// The file that said so.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kernel {
    pub release: Option<String>,
    /// uname's machine name (x86_64, i686, aarch64, armv7l, ...).
    pub arch: Option<String>,
    /// Where `arch` came from: `uname`, `kernel release`, `ELF header of
    /// /bin/sh` (or /sbin/init, systemd), `package database (dpkg)`.
    pub arch_source: Option<String>,
    pub version: Option<String>,
    pub cmdline: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cpu {
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub logical_cpus: usize,
    pub sockets: Option<usize>,
    pub cores: Option<usize>,
    pub hypervisor_flag: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Memory {
    pub total_bytes: Option<u64>,
    pub available_bytes: Option<u64>,
    /// `MemAvailable`, or `MemFree+Buffers+Cached` on kernels before 3.14.
    pub available_source: Option<&'static str>,
    pub swap_total_bytes: Option<u64>,
}

pub fn uname<'s>(f: &Facts<'s>) -> Option<&'s lift_bundle::Uname> {
    f.fact(&src::UNAME, |x| match x {
        Fact::Uname(u) => Some(u),
        _ => None,
    })
}

pub fn hostname(f: &Facts) -> Option<String> {
    uname(f)
        .map(|u| u.nodename.clone())
        .or_else(|| f.line(&src::KERNEL_HOSTNAME))
        .or_else(|| f.line(&src::ETC_HOSTNAME))
        .or_else(|| f.line(&src::ETC_HOSTNAME_SUSE))
        // The probe's own word only on a live run: under --root it names
        // the root's files, which were read above, or says `unknown`.
        .or_else(|| {
            f.header()
                .filter(|h| h.scanned_root().is_none())
                .map(|h| h.hostname.clone())
        })
}

pub fn os(f: &Facts) -> Os {
    let b = |s: &'static Source| f.bytes(s);
    let (a, b2, c, d, e, g, h, i, j) = (
        b(&src::OS_RELEASE),
        b(&src::USR_OS_RELEASE),
        b(&src::LSB_RELEASE),
        b(&src::CENTOS_RELEASE),
        b(&src::SYSTEM_RELEASE),
        b(&src::REDHAT_RELEASE),
        b(&src::SUSE_RELEASE),
        b(&src::DEBIAN_VERSION),
        b(&src::ISSUE),
    );
    let sources = release_files::ReleaseSources {
        etc_os_release: a.as_deref(),
        usr_lib_os_release: b2.as_deref(),
        lsb_release: c.as_deref(),
        centos_release: d.as_deref(),
        system_release: e.as_deref(),
        redhat_release: g.as_deref(),
        suse_release: h.as_deref(),
        debian_version: i.as_deref(),
        issue: j.as_deref(),
    };
    match release_files::identify(&sources) {
        Some(id) => Os {
            id: Some(id.id),
            version_id: id.version_id,
            pretty_name: id.pretty_name,
            id_like: id.id_like,
            source: Some(id.source_path.to_string()),
        },
        None => Os::default(),
    }
}

pub fn kernel(f: &Facts) -> Kernel {
    let u = uname(f);
    let proc_version = f.parse(&src::PROC_VERSION, proc_version::parse);
    let release = u
        .map(|u| u.release.clone())
        .or_else(|| f.line(&src::KERNEL_OSRELEASE))
        .or_else(|| proc_version.as_ref().map(|v| v.release.clone()));
    let (arch, arch_source) = match u {
        Some(u) => (Some(u.machine.clone()), Some("uname".to_string())),
        None => match release.as_deref().and_then(proc_version::arch_from_release) {
            Some(a) => (Some(a.to_string()), Some("kernel release".to_string())),
            None => (None, None),
        },
    };
    let version = u
        .map(|u| u.version.clone())
        .or_else(|| f.line(&src::KERNEL_VERSION))
        .or_else(|| proc_version.and_then(|v| v.build));
    Kernel {
        release,
        arch,
        arch_source,
        version,
        cmdline: f.line(&src::CMDLINE),
    }
}

pub fn cpu(f: &Facts) -> Option<Cpu> {
    let c = f.parse(&src::CPUINFO, cpuinfo::parse)?;
    Some(Cpu {
        model: c.model_name,
        vendor: c.vendor,
        logical_cpus: c.logical_cpus,
        sockets: c.sockets,
        cores: c.cores,
        hypervisor_flag: c.hypervisor_flag,
    })
}

pub fn memory(f: &Facts) -> Memory {
    let Some(m) = f.parse(&src::MEMINFO, meminfo::parse) else {
        return Memory::default();
    };
    let (avail, source) = m.available();
    Memory {
        total_bytes: Some(m.total),
        available_bytes: Some(avail),
        available_source: Some(match source {
            meminfo::AvailableSource::MemAvailable => "MemAvailable",
            meminfo::AvailableSource::FreeBuffersCached => "MemFree+Buffers+Cached",
        }),
        swap_total_bytes: Some(m.swap_total),
    }
}

pub fn uptime_seconds(f: &Facts) -> Option<u64> {
    f.parse(&src::UPTIME, proc_misc::parse_uptime)
        .map(|u| u.up_seconds as u64)
}

/// The architecture of a root without uname or a telling kernel release:
/// the ELF header of init, the shell or systemd, else the architecture the
/// package database records for the packaging tool or the C library.
pub fn userland_arch(f: &Facts, packages: Option<&Packages>) -> Option<(String, String)> {
    for path in src::ELF_HEADS.paths {
        let Some(head) = f.head_at(&src::ELF_HEADS, path) else {
            continue;
        };
        // A shell script as /sbin/init (some containers), or a fixture's
        // empty stand-in, is no evidence either way.
        if head.is_empty() || head.starts_with(b"#!") {
            continue;
        }
        match elf_head::parse(&head).map(|p| p.value) {
            Ok(h) => {
                if let Some(a) = h.arch() {
                    return Some((a.to_string(), format!("ELF header of {path}")));
                }
            }
            Err(e) => f.broken(&src::ELF_HEADS, path, e),
        }
    }
    const TELLING: &[&str] = &[
        "dpkg",
        "rpm",
        "libc6",
        "glibc",
        "bash",
        "coreutils",
        "base-files",
    ];
    let list = &packages?.list;
    TELLING.iter().find_map(|name| {
        let p = list.iter().find(|p| p.name == *name)?;
        let arch = p.arch.as_deref()?;
        let uname = package_arch(arch)?;
        Some((
            uname.to_string(),
            format!("package database ({name} is {arch})"),
        ))
    })
}

/// A package manager's architecture name as uname would print it; None
/// for `all`, `noarch` and names lift does not know.
fn package_arch(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "amd64" | "x86_64" => "x86_64",
        "i386" | "i486" | "i586" | "i686" | "x86" => "i686",
        "arm64" | "aarch64" => "aarch64",
        "armhf" | "armv7hl" | "armv7h" | "armv7" => "armv7l",
        "armel" | "armv6hl" => "armv6l",
        "riscv64" => "riscv64",
        "ppc64el" | "ppc64le" => "ppc64le",
        "ppc64" => "ppc64",
        "s390x" => "s390x",
        "loong64" | "loongarch64" => "loongarch64",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::package_arch;

    #[test]
    fn package_architectures_read_as_uname_would_print_them() {
        for (pkg, uname) in [
            ("amd64", Some("x86_64")),
            ("i386", Some("i686")),
            ("armhf", Some("armv7l")),
            ("armv7hl", Some("armv7l")),
            ("arm64", Some("aarch64")),
            ("riscv64", Some("riscv64")),
            ("ppc64el", Some("ppc64le")),
            ("all", None),
            ("noarch", None),
        ] {
            assert_eq!(package_arch(pkg), uname, "{pkg}");
        }
    }
}
