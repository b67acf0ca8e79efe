//! The release files that predate os-release, and [`identify`], which
//! combines whatever a host has into one [`OsIdentity`].
//!
//! Samples, one per file, as the named distributions ship them:
//!
//! ```text
//! /etc/redhat-release    CentOS release 6.10 (Final)
//! /etc/system-release    Amazon Linux AMI release 2018.03
//! /etc/SuSE-release      SUSE Linux Enterprise Server 11 (x86_64)
//!                        VERSION = 11
//!                        PATCHLEVEL = 4
//! /etc/debian_version    7.11            (or, on Ubuntu, jessie/sid)
//! /etc/lsb-release       DISTRIB_ID=Ubuntu
//!                        DISTRIB_RELEASE=14.04
//! /etc/issue             Ubuntu 14.04.6 LTS \n \l
//! ```

use super::{os_release, Parsed};

/// What the host is, in os-release's vocabulary, and which file said so.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OsIdentity {
    /// os-release's `ID`: `centos`, `rhel`, `amzn`, `sles`, `debian`, `ubuntu`...
    pub id: String,
    /// As the source writes it: `6.10` from redhat-release, `11.4` for SLES 11 SP4.
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
    pub id_like: Vec<String>,
    pub source_path: &'static str,
}

/// The raw bytes of each release file the host has; `None` when absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReleaseSources<'a> {
    pub etc_os_release: Option<&'a [u8]>,
    pub usr_lib_os_release: Option<&'a [u8]>,
    pub lsb_release: Option<&'a [u8]>,
    pub centos_release: Option<&'a [u8]>,
    pub system_release: Option<&'a [u8]>,
    pub redhat_release: Option<&'a [u8]>,
    pub suse_release: Option<&'a [u8]>,
    pub debian_version: Option<&'a [u8]>,
    pub issue: Option<&'a [u8]>,
}

/// Picks the most specific source present. os-release wins; lsb-release
/// comes before debian_version because Ubuntu ships both; system-release
/// comes before redhat-release because Oracle Linux's redhat-release names
/// Red Hat; a Debian codename (`buster/sid`) is the last resort.
pub fn identify(s: &ReleaseSources) -> Option<OsIdentity> {
    let from_os_release = |bytes: Option<&[u8]>, path| {
        let os = os_release::parse(bytes?).ok()?.value;
        Some(OsIdentity {
            id: os.id?,
            version_id: os.version_id,
            pretty_name: os.pretty_name.or(os.name),
            id_like: os.id_like,
            source_path: path,
        })
    };
    let from_line = |bytes: Option<&[u8]>, path| {
        let text = String::from_utf8_lossy(bytes?);
        identity_from_text(text.lines().next()?, path)
    };
    from_os_release(s.etc_os_release, "/etc/os-release")
        .or_else(|| from_os_release(s.usr_lib_os_release, "/usr/lib/os-release"))
        .or_else(|| from_lsb_release(s.lsb_release?))
        .or_else(|| from_line(s.centos_release, "/etc/centos-release"))
        .or_else(|| from_line(s.system_release, "/etc/system-release"))
        .or_else(|| from_line(s.redhat_release, "/etc/redhat-release"))
        .or_else(|| from_suse_release(s.suse_release?))
        .or_else(|| from_debian_version(s.debian_version?, true))
        .or_else(|| identity_from_text(&parse_issue(s.issue?).ok()?.value?, "/etc/issue"))
        .or_else(|| from_debian_version(s.debian_version?, false))
}

/// The first non-empty line of /etc/issue with getty's escapes (`\n`, `\l`,
/// `\r`, `\S{...}`...) removed: what names the distribution. Any text is
/// a banner: never partial or broken.
pub fn parse_issue(bytes: &[u8]) -> Parsed<Option<String>> {
    let text = String::from_utf8_lossy(bytes);
    super::whole(
        text.lines()
            .map(strip_getty_escapes)
            .find(|line| !line.is_empty()),
    )
}

fn strip_getty_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some(_) if chars.peek() == Some(&'{') => {
                chars.by_ref().find(|&c| c == '}');
            }
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn from_lsb_release(bytes: &[u8]) -> Option<OsIdentity> {
    let fields = os_release::parse_assignments(bytes).ok()?.value;
    let distributor = fields.get("DISTRIB_ID")?;
    let description = fields.get("DISTRIB_DESCRIPTION").cloned();
    let known = description
        .as_deref()
        .and_then(|d| identity_from_text(d, "/etc/lsb-release"));
    let (id, id_like) = match known {
        Some(identity) => (identity.id, identity.id_like),
        None => (distributor.to_lowercase(), Vec::new()),
    };
    Some(OsIdentity {
        id,
        version_id: fields.get("DISTRIB_RELEASE").cloned(),
        pretty_name: description,
        id_like,
        source_path: "/etc/lsb-release",
    })
}

fn from_suse_release(bytes: &[u8]) -> Option<OsIdentity> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.lines();
    let name = lines.next()?.trim();
    let mut identity = identity_from_text(name, "/etc/SuSE-release")?;
    let (mut version, mut patchlevel) = (None, None);
    for line in lines {
        if let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "VERSION" => version = Some(value.trim().to_owned()),
                "PATCHLEVEL" => patchlevel = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    // SLES 12 and later write VERSION_ID as "12.5" for SP5; match that.
    identity.version_id = match (version, patchlevel) {
        (Some(v), Some(p)) if p != "0" => Some(format!("{v}.{p}")),
        (Some(v), _) => Some(v),
        (None, _) => identity.version_id,
    };
    identity.pretty_name = Some(name.to_owned());
    Some(identity)
}

/// `7.11` names a Debian release; `buster/sid` is a testing or derived
/// system, used only when nothing better says what it is.
fn from_debian_version(bytes: &[u8], numbered: bool) -> Option<OsIdentity> {
    let text = String::from_utf8_lossy(bytes);
    let value = text.lines().next()?.trim();
    let is_number = value.starts_with(|c: char| c.is_ascii_digit());
    if value.is_empty() || is_number != numbered {
        return None;
    }
    Some(OsIdentity {
        id: "debian".to_owned(),
        version_id: is_number.then(|| value.to_owned()),
        pretty_name: Some(format!("Debian GNU/Linux {value}")),
        id_like: Vec::new(),
        source_path: "/etc/debian_version",
    })
}

/// Distribution names as release files and /etc/issue spell them, most
/// specific first, with os-release's `ID` and `ID_LIKE` for each.
const NAMES: &[(&str, &str, &[&str])] = &[
    ("red hat enterprise linux", "rhel", &["fedora"]),
    ("centos", "centos", &["rhel", "fedora"]),
    ("amazon linux", "amzn", &["centos", "rhel", "fedora"]),
    ("oracle linux", "ol", &["fedora"]),
    ("enterprise linux enterprise linux", "ol", &["fedora"]),
    (
        "scientific linux",
        "scientific",
        &["rhel", "centos", "fedora"],
    ),
    ("cloudlinux", "cloudlinux", &["rhel", "fedora", "centos"]),
    ("rocky linux", "rocky", &["rhel", "centos", "fedora"]),
    ("almalinux", "almalinux", &["rhel", "centos", "fedora"]),
    ("fedora", "fedora", &[]),
    ("suse linux enterprise server", "sles", &["suse"]),
    ("suse linux enterprise desktop", "sled", &["suse"]),
    ("opensuse", "opensuse", &["suse"]),
    ("debian", "debian", &[]),
    ("ubuntu", "ubuntu", &["debian"]),
    ("linux mint", "linuxmint", &["ubuntu", "debian"]),
];

/// Names the distribution in a line such as `CentOS release 6.10 (Final)` or
/// `Welcome to SUSE Linux Enterprise Server 11 SP4 (x86_64)`.
fn identity_from_text(line: &str, path: &'static str) -> Option<OsIdentity> {
    let line = line.trim();
    let lower = line.to_lowercase();
    let (start, id, id_like) = NAMES
        .iter()
        .find_map(|&(name, id, like)| lower.find(name).map(|at| (at, id, like)))?;
    let after_name = line.get(start..).unwrap_or(line);
    Some(OsIdentity {
        id: id.to_owned(),
        version_id: version_in(after_name),
        pretty_name: Some(line.to_owned()),
        id_like: id_like.iter().map(|s| (*s).to_owned()).collect(),
        source_path: path,
    })
}

/// The first word that starts with a digit: `6.10` in `CentOS release 6.10
/// (Final)`, `2018.03`, `14.04.6`, `5.11`.
fn version_in(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn centos6_redhat_release() {
        let bytes = fixture("centos6/etc/redhat-release");
        let id = identify(&ReleaseSources {
            redhat_release: Some(&bytes),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(id.id, "centos");
        assert_eq!(id.version_id.as_deref(), Some("6.10"));
        assert_eq!(id.id_like, vec!["rhel", "fedora"]);
        assert_eq!(id.source_path, "/etc/redhat-release");
    }

    #[test]
    fn rhel5_amazon_and_sles11() {
        let rhel = fixture("rhel5/etc/redhat-release");
        let id = identify(&ReleaseSources {
            redhat_release: Some(&rhel),
            ..Default::default()
        });
        assert_eq!(
            id.map(|i| (i.id, i.version_id)),
            Some(("rhel".into(), Some("5.11".into())))
        );

        let amzn = fixture("amzn2018/etc/system-release");
        let id = identify(&ReleaseSources {
            system_release: Some(&amzn),
            ..Default::default()
        });
        assert_eq!(
            id.map(|i| (i.id, i.version_id)),
            Some(("amzn".into(), Some("2018.03".into())))
        );

        let suse = fixture("sles11sp4/etc/SuSE-release");
        let issue = fixture("sles11sp4/etc/issue");
        let sources = ReleaseSources {
            suse_release: Some(&suse),
            issue: Some(&issue),
            ..Default::default()
        };
        let id = identify(&sources).unwrap();
        assert_eq!(
            (id.id.as_str(), id.version_id.as_deref()),
            ("sles", Some("11.4"))
        );
        assert_eq!(id.source_path, "/etc/SuSE-release");
    }

    #[test]
    fn ubuntu1404_without_os_release_uses_lsb_release() {
        let (lsb, issue, debian) = (
            fixture("ubuntu1404/etc/lsb-release"),
            fixture("ubuntu1404/etc/issue"),
            fixture("ubuntu1404/etc/debian_version"),
        );
        let all = ReleaseSources {
            lsb_release: Some(&lsb),
            issue: Some(&issue),
            debian_version: Some(&debian),
            ..Default::default()
        };
        let id = identify(&all).unwrap();
        assert_eq!(id.id, "ubuntu");
        assert_eq!(id.version_id.as_deref(), Some("14.04"));
        assert_eq!(id.pretty_name.as_deref(), Some("Ubuntu 14.04.6 LTS"));
        assert_eq!(id.id_like, vec!["debian"]);

        // Without lsb-release, issue still beats debian_version's `jessie/sid`.
        let id = identify(&ReleaseSources {
            lsb_release: None,
            ..all
        })
        .unwrap();
        assert_eq!((id.id.as_str(), id.source_path), ("ubuntu", "/etc/issue"));
        assert_eq!(id.version_id.as_deref(), Some("14.04.6"));
    }

    #[test]
    fn os_release_is_preferred() {
        let (os, debian) = (
            fixture("debian7-wheezy/etc/os-release"),
            fixture("debian7-wheezy/etc/debian_version"),
        );
        let sources = ReleaseSources {
            etc_os_release: Some(&os),
            debian_version: Some(&debian),
            ..Default::default()
        };
        let id = identify(&sources).unwrap();
        assert_eq!(
            (id.id.as_str(), id.version_id.as_deref()),
            ("debian", Some("7"))
        );
        assert_eq!(id.source_path, "/etc/os-release");

        let id = identify(&ReleaseSources {
            etc_os_release: None,
            ..sources
        })
        .unwrap();
        assert_eq!(id.version_id.as_deref(), Some("7.11"));
    }

    #[test]
    fn debian_base_files_issue_and_version() {
        let issue = fixture("debian12-base-files/etc/issue");
        assert_eq!(
            parse_issue(&issue).unwrap().as_deref(),
            Some("Debian GNU/Linux 12")
        );
        let centos = fixture("centos6/etc/issue");
        assert_eq!(
            parse_issue(&centos).unwrap().as_deref(),
            Some("CentOS release 6.10 (Final)")
        );
        let jessie = fixture("debian8-jessie/etc/debian_version");
        let id = identify(&ReleaseSources {
            debian_version: Some(&jessie),
            ..Default::default()
        });
        assert_eq!(id.and_then(|i| i.version_id).as_deref(), Some("8.11"));
    }

    #[test]
    fn nothing_known_is_none() {
        assert_eq!(identify(&ReleaseSources::default()), None);
        let junk = ReleaseSources {
            issue: Some(b"\\S{PRETTY_NAME}\n\\l\n"),
            ..Default::default()
        };
        assert_eq!(identify(&junk), None);
    }
}
