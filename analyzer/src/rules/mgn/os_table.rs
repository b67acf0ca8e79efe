//! The Linux distributions AWS MGN supports, from the AWS Application
//! Migration Service User Guide, "Supported operating systems"
//! (https://docs.aws.amazon.com/mgn/latest/ug/Supported-Operating-Systems.html),
//! Linux section.
//!
//! Checked on 2026-12-07 (issue 26), and again later that day (issue 28
//! item 5): the page itself is in neither of the reference corpora this
//! project can search (docs, pages, code), under its URL, its title or
//! its row texts; the corpora hold the guide's "Installation
//! requirements" page
//! (https://docs.aws.amazon.com/mgn/latest/ug/installation-requirements.html,
//! undated), which sends the reader to it for the list, and its FAQ
//! (https://docs.aws.amazon.com/mgn/latest/ug/FAQ.md), which names no
//! distribution. The Linux requirements of the first (python 2.4+/3.0+;
//! make gcc perl tar gawk rpm; 2 GB free on /; 300 MB free RAM; no full
//! paravirtualization) are the ones rules/mgn checks. So each row below is
//! the 2024 text as known when the table was written, not re-read from the
//! live page: no row changed on either check. Check them there when AWS
//! changes the list.
//!
//! Architectures: the page covers 64-bit builds, x86_64 and (since MGN
//! replicates ARM source servers) aarch64; `mgn.os-supported` passes a
//! listed distribution on either, saying which, and blocks every other
//! architecture (32-bit x86 and ARM included) whatever the distribution.
//! The aarch64 half is the part least confirmed from here: a third-party
//! checker built on the same pages (paulkungu/aws-mgn-drs-validation-tool)
//! still checks "x86_64 only", so the pass on aarch64 says which
//! architecture it judged, for the reader to hold against AWS's page.
//!
//! Unlisted distributions (Alpine, Fedora, Arch, Gentoo, openSUSE Leap...)
//! get a warning, not a blocker: AWS does not name them, so AWS does not
//! support them, but the agent may still install (it builds its driver
//! against the host's kernel headers with the host's compiler), and a table
//! that was not re-read from the live page should not block what the page
//! might list. Alpine adds musl libc and OpenRC, which the installer's
//! supported distributions do not use; Fedora is the upstream of RHEL and
//! moves faster than its kernels are tested.

/// One supported range of one distribution, by os-release `ID`.
pub struct Supported {
    pub id: &'static str,
    pub name: &'static str,
    /// Lowest supported VERSION_ID (inclusive).
    pub from: &'static str,
    /// Major versions above this are unsupported (`None`: any later one).
    pub last_major: Option<u32>,
}

const fn s(
    id: &'static str,
    name: &'static str,
    from: &'static str,
    last_major: Option<u32>,
) -> Supported {
    Supported {
        id,
        name,
        from,
        last_major,
    }
}

pub const SUPPORTED: &[Supported] = &[
    // Amazon Linux AMI (2012.03 and later), Amazon Linux 2 and 2023.
    s("amzn", "Amazon Linux", "2", None),
    s("rhel", "Red Hat Enterprise Linux", "5.0", None),
    s("centos", "CentOS", "5.5", None),
    s("ol", "Oracle Linux", "6.0", None),
    // SUSE: 11 from SP4, 12 from SP3, 15 and later (VERSION_ID 11.4, 12.3, 15...).
    s("sles", "SUSE Linux Enterprise Server", "11.4", Some(11)),
    s("sles", "SUSE Linux Enterprise Server", "12.3", Some(12)),
    s("sles", "SUSE Linux Enterprise Server", "15", None),
    s(
        "sles_sap",
        "SUSE Linux Enterprise Server for SAP",
        "12.3",
        Some(12),
    ),
    s(
        "sles_sap",
        "SUSE Linux Enterprise Server for SAP",
        "15",
        None,
    ),
    s("debian", "Debian", "8", None),
    s("ubuntu", "Ubuntu", "12.04", None),
    s("rocky", "Rocky Linux", "8.0", None),
    s("almalinux", "AlmaLinux", "8.0", None),
];

/// Numeric components of a version (`12.04` → [12, 4]; `2018.03` → [2018, 3]).
pub fn numbers(v: &str) -> Vec<u32> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub enum Verdict {
    Supported(&'static Supported),
    /// The distribution is in the table, this version is not.
    TooOld(&'static str, String),
    Unlisted,
}

pub fn lookup(id: &str, version: &str) -> Verdict {
    let v = numbers(version);
    let rows: Vec<&Supported> = SUPPORTED.iter().filter(|r| r.id == id).collect();
    if rows.is_empty() {
        return Verdict::Unlisted;
    }
    for r in &rows {
        let from = numbers(r.from);
        let major_ok = r
            .last_major
            .is_none_or(|m| v.first().is_some_and(|&x| x <= m));
        let same_series = r.last_major.is_none_or(|m| v.first() == Some(&m));
        // Amazon Linux AMI's `2018.03` compares above `2`: AL1 is supported too.
        if v >= from && major_ok && same_series {
            return Verdict::Supported(r);
        }
    }
    let floors: Vec<String> = rows.iter().map(|r| r.from.to_string()).collect();
    Verdict::TooOld(rows[0].name, floors.join(", "))
}

/// Why a distribution AWS does not list is not listed, in words, for the
/// ones a migration meets most; empty for the rest.
pub fn unlisted_why(id: &str) -> &'static str {
    match id {
        "alpine" => ": Alpine builds on musl libc and OpenRC, which none of the listed distributions use, and the agent's installer builds a kernel driver with the host's toolchain",
        "fedora" => ": Fedora is the upstream of RHEL and changes its kernel faster than AWS names supported releases",
        "opensuse-leap" | "opensuse-tumbleweed" => ": AWS names SUSE Linux Enterprise, not openSUSE",
        _ => "",
    }
}
