//! `/proc/version`, and the architecture a kernel release string implies.
//!
//! Sample (CentOS 6.10):
//!
//! ```text
//! Linux version 2.6.32-754.35.1.el6.x86_64 (mockbuild@x86-01.bsys.centos.org) (gcc version 4.4.7 20120313 (Red Hat 4.4.7-23) (GCC) ) #1 SMP Sat Nov 7 12:42:14 UTC 2020
//! ```
//!
//! The builder and compiler are parenthesised and the compiler part nests
//! parentheses, so the fields are split by balanced parentheses rather than
//! by spaces.

use super::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KernelVersion {
    /// `uname -r`: `2.6.32-754.35.1.el6.x86_64`.
    pub release: String,
    /// `mockbuild@x86-01.bsys.centos.org`.
    pub builder: Option<String>,
    /// `gcc version 4.4.7 20120313 (Red Hat 4.4.7-23) (GCC)`.
    pub compiler: Option<String>,
    /// `uname -v`: `#1 SMP Sat Nov 7 12:42:14 UTC 2020`.
    pub build: Option<String>,
}

pub fn parse(bytes: &[u8]) -> Parsed<KernelVersion> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().next().unwrap_or("").trim();
    let rest = line
        .strip_prefix("Linux version ")
        .ok_or_else(|| ParseError::at_line(1, "does not start with \"Linux version \""))?;
    let (release, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if release.is_empty() {
        return Err(ParseError::at_line(1, "no kernel release"));
    }
    let mut groups = Vec::new();
    while let Some((group, after)) = parenthesised(rest) {
        groups.push(group.trim().to_owned());
        rest = after;
    }
    let build = rest.trim();
    let mut groups = groups.into_iter();
    Ok(Partial::whole(KernelVersion {
        release: release.to_owned(),
        builder: groups.next(),
        compiler: groups.next(),
        build: (!build.is_empty()).then(|| build.to_owned()),
    }))
}

/// Splits `(a (b) c) rest` into `a (b) c` and ` rest`; `None` when the text
/// does not start with a balanced group.
fn parenthesised(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&text[1..at], &text[at + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Guesses the machine architecture from the suffix distributions put on
/// kernel releases: Red Hat's `.el6.x86_64`, Debian's `-amd64`, `-686-pae`,
/// `-arm64`. Ubuntu's `-generic` says nothing, so it gives `None`.
pub fn arch_from_release(release: &str) -> Option<&'static str> {
    const SUFFIXES: &[(&str, &str)] = &[
        ("x86_64", "x86_64"),
        ("amd64", "x86_64"),
        ("aarch64", "aarch64"),
        ("arm64", "aarch64"),
        ("ppc64le", "ppc64le"),
        ("powerpc64le", "ppc64le"),
        ("ppc64", "ppc64"),
        ("s390x", "s390x"),
        ("armmp", "armv7l"),
        ("armmp-lpae", "armv7l"),
        ("i686", "i686"),
        ("i586", "i686"),
        ("i386", "i686"),
        ("686", "i686"),
        ("686-pae", "i686"),
        ("586", "i686"),
        ("486", "i686"),
    ];
    let lower = release.to_ascii_lowercase();
    // Red Hat puts the architecture last after a dot; Debian after a dash,
    // sometimes followed by a flavour (`-686-pae`, `-armmp-lpae`).
    let last = lower.rsplit(['.', '-']).next().unwrap_or("");
    let two_last = lower.rsplitn(3, '-').take(2).collect::<Vec<_>>();
    let dashed_pair = match two_last.as_slice() {
        [flavour, arch] => format!("{arch}-{flavour}"),
        _ => String::new(),
    };
    SUFFIXES
        .iter()
        .find(|(suffix, _)| *suffix == dashed_pair || *suffix == last)
        .map(|&(_, arch)| arch)
        .or_else(|| lower.ends_with(".el5pae").then_some("i686"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn centos6() {
        let v = parse(&fixture("centos6/proc/version"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(v.release, "2.6.32-754.35.1.el6.x86_64");
        assert_eq!(
            v.builder.as_deref(),
            Some("mockbuild@x86-01.bsys.centos.org")
        );
        assert_eq!(
            v.compiler.as_deref(),
            Some("gcc version 4.4.7 20120313 (Red Hat 4.4.7-23) (GCC)")
        );
        assert_eq!(
            v.build.as_deref(),
            Some("#1 SMP Sat Nov 7 12:42:14 UTC 2020")
        );
        assert_eq!(arch_from_release(&v.release), Some("x86_64"));
    }

    #[test]
    fn this_machine() {
        let v = parse(&fixture("debian12-this-machine/proc/version"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(v.release, "6.18.44-fc-v769");
        assert_eq!(
            v.compiler.as_deref(),
            Some("gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46")
        );
        assert_eq!(v.build.as_deref(), Some("#1 SMP PREEMPT_DYNAMIC @0"));
        assert_eq!(arch_from_release(&v.release), None);
    }

    #[test]
    fn architectures_from_release_suffixes() {
        let cases = [
            ("2.6.32-754.35.1.el6.x86_64", Some("x86_64")),
            ("2.6.32-754.el6.i686", Some("i686")),
            ("2.6.18-398.el5PAE", Some("i686")),
            ("6.1.0-18-amd64", Some("x86_64")),
            ("3.16.0-11-686-pae", Some("i686")),
            ("6.1.0-18-arm64", Some("aarch64")),
            ("4.18.0-513.el8.aarch64", Some("aarch64")),
            ("6.1.0-18-armmp-lpae", Some("armv7l")),
            ("4.15.0-213-generic", None),
            ("5.10.0-1057-aws", None),
        ];
        for (release, arch) in cases {
            assert_eq!(arch_from_release(release), arch, "{release}");
        }
    }

    #[test]
    fn damaged_input() {
        assert!(parse(b"").map(|p| p.value).is_err());
        assert!(parse(b"Linux version ").map(|p| p.value).is_err());
        let v = parse(b"Linux version 3.10.0 (unclosed").unwrap().value;
        assert_eq!((v.builder, v.build.as_deref()), (None, Some("(unclosed")));
    }
}
