//! rpm's package list as sos and insights capture it: `installed-rpms` at
//! the top of a sosreport (sos 3 writes it; sos 4 links it to
//! `sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_...`), and
//! `sos_commands/rpm/package-data`. Each line starts with `NAME-VERSION-
//! RELEASE.ARCH`; what follows depends on the query format:
//!
//! ```text
//! kernel-2.6.32-573.el6.x86_64                                Wed May 18 14:17:17 2016
//! BESAgent-9.2.5.130-rhe5.x86_64                              Wed Jan 27 09:18:52 2016    1453904332    IBM Corp.    rhel5x64bs    (none)    (none)
//! bash-4.2.46-19.el7.x86_64~~Fri 06 May 2016 03:52:13 PM EDT    1462564333    Red Hat, Inc.    ...
//! gpg-pubkey-0608b895-4bd22942                  Sat Aug 29 19:29:30 2015
//! ```
//!
//! sos's `%{INSTALLTIME}` and `%{VENDOR}` columns are the second and third
//! tab-separated fields. Epochs are not in the name, so they are unknown.

use crate::parse::{ParseError, Parsed, Partial};
use crate::vocab::packages::{InstalledPackage, PackageManager};

const ARCHES: &[&str] = &[
    "x86_64", "noarch", "i386", "i486", "i586", "i686", "athlon", "aarch64", "ppc", "ppc64",
    "ppc64le", "ppc64p7", "s390", "s390x", "ia64", "armv7hl", "armv7l", "armhfp", "alpha",
    "sparc64", "riscv64", "src",
];

/// `openssh-server-5.3p1-104.el6.x86_64` -> name, version, release, arch.
pub fn split_nvra(nvra: &str) -> Option<(&str, &str, &str, Option<&str>)> {
    let (nvr, arch) = match nvra.rsplit_once('.') {
        Some((nvr, a)) if ARCHES.contains(&a) => (nvr, Some(a)),
        _ => (nvra, None),
    };
    let (nv, release) = nvr.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty())
        .then_some((name, version, release, arch))
}

pub fn parse(bytes: &[u8]) -> Parsed<Vec<InstalledPackage>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.starts_with("COMMAND>") || line.starts_with("warning:") {
            continue;
        }
        let (head, rest) = match line.split_once("~~") {
            Some((h, r)) => (h.trim(), r),
            None => line.split_once(char::is_whitespace).unwrap_or((line, "")),
        };
        let Some((name, version, release, arch)) = split_nvra(head) else {
            out.errors.push(ParseError::at_line(
                n + 1,
                format!("not NAME-VERSION-RELEASE: {head:?}"),
            ));
            continue;
        };
        let mut p = InstalledPackage::new(PackageManager::Rpm);
        p.name = name.to_string();
        p.version = version.to_string();
        p.release = Some(release.to_string());
        p.arch = arch.map(str::to_string);
        p.gpg_pubkey = name == "gpg-pubkey";
        let cols: Vec<&str> = rest.split('\t').collect();
        p.install_time = cols.get(1).and_then(|t| t.trim().parse().ok());
        p.vendor = cols
            .get(2)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && *v != "(none)")
            .map(str::to_string);
        out.value.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nvra(p: &InstalledPackage) -> String {
        format!(
            "{} {} {} {}",
            p.name,
            p.version,
            p.release.as_deref().unwrap_or("-"),
            p.arch.as_deref().unwrap_or("-")
        )
    }

    #[test]
    fn insights_core_samples() {
        let parsed = parse(&super::super::sample(
            "insights-core/installed-rpms.RPMS_LINE",
        ))
        .unwrap();
        assert_eq!(parsed.errors, []);
        let all: Vec<String> = parsed.value.iter().map(nvra).collect();
        assert_eq!(
            all,
            [
                "BESAgent 9.2.5.130 rhe5 x86_64",
                "ConsoleKit 0.4.1 3.el6 x86_64",
                "kernel 2.6.32 573.el6 x86_64",
                "zisofs-tools 1.0.6 3.2.2 x86_64",
                "tftp-server 5.2 12.el7 x86_64",
                "yum 3.2.29 69.el6 noarch",
            ]
        );
        assert_eq!(parsed.value[0].install_time, Some(1453904332));
        assert_eq!(parsed.value[0].vendor.as_deref(), Some("IBM Corp."));
        let parsed = parse(&super::super::sample(
            "insights-core/installed-rpms.RPM_MANIFEST",
        ))
        .unwrap();
        assert_eq!(parsed.errors, []);
        assert_eq!(parsed.value.len(), 15);
        assert!(parsed.value[0].gpg_pubkey);
        assert_eq!(nvra(&parsed.value[0]), "gpg-pubkey 0608b895 4bd22942 -");
        assert_eq!(
            nvra(&parsed.value[7]),
            "vmware-open-vm-tools-xorg-utilities 8.3.19 1310361.el6 x86_64"
        );
    }

    #[test]
    fn sos4_package_data_line() {
        let line = "bash-4.2.46-19.el7.x86_64~~Fri 06 May 2016 03:52:13 PM EDT\t1462564333\tRed Hat, Inc.\tbuild.redhat.com\t(none)\t(none)\n";
        let p = &parse(line.as_bytes()).unwrap().value[0];
        assert_eq!(nvra(p), "bash 4.2.46 19.el7 x86_64");
        assert_eq!(p.install_time, Some(1462564333));
        assert_eq!(p.vendor.as_deref(), Some("Red Hat, Inc."));
        assert_eq!(parse(b"garbage\n").unwrap().errors.len(), 1);
    }
}
