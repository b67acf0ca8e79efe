//! `uname -a` (sos: `sos_commands/kernel/uname_-a`, linked as `uname`).
//!
//! ```text
//! Linux vm 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0 x86_64 GNU/Linux
//! Linux qqhrycsq2 2.6.32-279.el6.x86_64 #1 SMP Wed Jun 13 18:24:36 EDT 2012 x86_64 x86_64 x86_64 GNU/Linux
//! ```
//!
//! The kernel version has spaces in it, and GNU uname leaves out the
//! processor and hardware platform when they are `unknown` (Debian), so the
//! machine is found from the right: the first of the trailing words that
//! name an architecture or say `unknown`.

use crate::parse::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uname {
    pub kernel_name: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
}

fn is_arch(w: &str) -> bool {
    const ARCHES: &[&str] = &[
        "x86_64",
        "i386",
        "i486",
        "i586",
        "i686",
        "aarch64",
        "aarch64_be",
        "ppc",
        "ppc64",
        "ppc64le",
        "s390",
        "s390x",
        "ia64",
        "alpha",
        "sparc",
        "sparc64",
        "riscv64",
        "loongarch64",
        "unknown",
    ];
    ARCHES.contains(&w) || w.starts_with("arm") || w.starts_with("mips")
}

pub fn parse(bytes: &[u8]) -> Parsed<Uname> {
    let text = String::from_utf8_lossy(bytes);
    // foreman-debug and insights prefix `COMMAND> uname -a`.
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("COMMAND>"))
        .ok_or_else(|| ParseError::new("empty"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() < 5 {
        return Err(ParseError::at_line(
            1,
            format!("too few fields: {}", super::super::shown(line)),
        ));
    }
    let mut end = words.len();
    if !is_arch(words[end - 1]) {
        end -= 1; // the operating system, `GNU/Linux`
    }
    let mut machine_at = end;
    while machine_at > 3 && end - machine_at < 3 && is_arch(words[machine_at - 1]) {
        machine_at -= 1;
    }
    if machine_at == end || words[machine_at] == "unknown" {
        return Err(ParseError::at_line(
            1,
            format!("no machine: {}", super::super::shown(line)),
        ));
    }
    Ok(Partial::whole(Uname {
        kernel_name: words[0].to_string(),
        nodename: words[1].to_string(),
        release: words[2].to_string(),
        version: words[3..machine_at].join(" "),
        machine: words[machine_at].to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_and_rhel_captures() {
        let u = parse(&super::super::sample(
            "debian12-sos4.0/sos_commands/kernel/uname_-a",
        ))
        .map(|p| p.value)
        .unwrap();
        assert_eq!(u.release, "6.18.44-fc-v669");
        assert_eq!(u.version, "#1 SMP PREEMPT_DYNAMIC @0");
        assert_eq!(u.machine, "x86_64");
        let u = parse(&super::super::sample(
            "insights-core/uname_-a.UNAME_FOREMAN_DEBUG",
        ))
        .map(|p| p.value)
        .unwrap();
        assert_eq!(u.nodename, "qqhrycsq2");
        assert_eq!(u.release, "2.6.32-279.el6.x86_64");
        assert_eq!(u.version, "#1 SMP Wed Jun 13 18:24:36 EDT 2012");
        assert_eq!(u.machine, "x86_64");
        assert!(parse(b"Linux h").map(|p| p.value).is_err());
    }
}
