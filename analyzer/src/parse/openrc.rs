//! An OpenRC service script (`/etc/init.d/NAME` on Alpine and Gentoo): a
//! shell script run by `openrc-run` that sets a few variables and declares
//! its dependencies in a `depend()` function. From Alpine's busybox package:
//!
//! ```text
//! #!/sbin/openrc-run
//!
//! description="Message logging system"
//!
//! name="busybox syslog"
//! command="/sbin/syslogd"
//! command_args="${SYSLOGD_OPTS} -n"
//! pidfile="/run/syslogd.pid"
//! command_background=true
//! start_stop_daemon_args="-g wheel -k 027"
//!
//! depend() {
//!     need clock hostname localmount
//!     provide logger
//! }
//! ```
//!
//! Only what the script states outright is read: a dependency inside an
//! `if`, `case` or loop depends on run-time configuration (sshd's `need net`
//! when it binds one address) and is left out, as are words that are shell
//! variables.

use super::{Parsed, Partial};
pub use crate::vocab::openrc::Depend;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenrcScript {
    pub description: Option<String>,
    /// `command=`, when literal.
    pub command: Option<String>,
    /// `pidfile=`, when literal.
    pub pidfile: Option<String>,
    pub depend: Depend,
}

/// True when the script runs under `openrc-run` (or Gentoo's older
/// `runscript`), by its `#!` line.
pub fn is_openrc(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    first.starts_with("#!")
        && first
            .split_whitespace()
            .next()
            .is_some_and(|i| i.ends_with("/openrc-run") || i.ends_with("/runscript"))
}

/// `name="value"` or `name=value` at the start of a line, when literal.
fn assignment(line: &str, name: &str) -> Option<String> {
    let v = line.strip_prefix(name)?.strip_prefix('=')?;
    let v = v.trim().trim_matches('"').trim_matches('\'');
    (!v.is_empty() && !v.contains('$')).then(|| v.to_string())
}

/// An OpenRC script's declarations; shell text reads whole (what is not a
/// declaration is the script's own code).
pub fn parse(bytes: &[u8]) -> Parsed<OpenrcScript> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = OpenrcScript::default();
    let mut in_depend = false;
    let mut braces = 0i32;
    let mut nesting = 0i32;
    for line in text.lines() {
        let line = line.split_once(" #").map_or(line, |(l, _)| l).trim();
        if !in_depend {
            if line.starts_with("depend()") || line.starts_with("depend ()") {
                in_depend = true;
                braces = line.matches('{').count() as i32;
                continue;
            }
            out.description = out.description.or_else(|| assignment(line, "description"));
            out.command = out.command.or_else(|| assignment(line, "command"));
            out.pidfile = out.pidfile.or_else(|| assignment(line, "pidfile"));
            continue;
        }
        braces += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if braces <= 0 && line.contains('}') {
            in_depend = false;
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        match first {
            "if" | "case" | "for" | "while" | "until" => nesting += 1,
            "fi" | "esac" | "done" => nesting -= 1,
            _ => {}
        }
        if nesting > 0 {
            continue;
        }
        let d = &mut out.depend;
        let list = match first {
            "need" => &mut d.need,
            "use" => &mut d.use_,
            "want" => &mut d.want,
            "after" => &mut d.after,
            "before" => &mut d.before,
            "provide" => &mut d.provide,
            "keyword" => &mut d.keyword,
            _ => continue,
        };
        list.extend(
            words
                .take_while(|w| !w.starts_with('#') && *w != ";" && *w != "}")
                .map(|w| w.trim_end_matches(';'))
                .filter(|w| !w.is_empty() && !w.contains('$'))
                .map(str::to_string),
        );
    }
    Ok(Partial::whole(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(name: &str) -> Vec<u8> {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/alpine-openrc/etc/init.d/"
        );
        std::fs::read(format!("{root}{name}")).unwrap()
    }

    #[test]
    fn alpine_busybox_syslog() {
        let bytes = script("syslog");
        assert!(is_openrc(&bytes));
        let s = parse(&bytes).unwrap().value;
        assert_eq!(s.description.as_deref(), Some("Message logging system"));
        assert_eq!(s.command.as_deref(), Some("/sbin/syslogd"));
        assert_eq!(s.pidfile.as_deref(), Some("/run/syslogd.pid"));
        assert_eq!(s.depend.need, ["clock", "hostname", "localmount"]);
        assert_eq!(s.depend.provide, ["logger"]);
    }

    /// sshd's `need net` sits inside an `if`: run-time configuration.
    #[test]
    fn alpine_sshd_leaves_conditional_needs_out() {
        let s = parse(&script("sshd")).unwrap().value;
        assert_eq!(s.depend.use_, ["logger", "dns"]);
        assert_eq!(s.depend.after, ["entropy"]);
        assert!(s.depend.need.is_empty(), "{:?}", s.depend.need);
        assert_eq!(s.command, None, "command is built from variables");
    }

    /// OpenRC's own bootmisc, with `{` on the line after `depend()`.
    #[test]
    fn openrc_bootmisc_brace_on_its_own_line() {
        let s = parse(&script("bootmisc")).unwrap().value;
        assert_eq!(s.depend.need, ["localmount"]);
        assert_eq!(s.depend.before, ["logger"]);
        assert_eq!(s.depend.after, ["clock", "root", "sysctl"]);
        assert_eq!(s.depend.keyword, ["-prefix", "-timeout", "-wsl"]);
    }

    #[test]
    fn not_openrc() {
        assert!(!is_openrc(b"#!/bin/sh\n### BEGIN INIT INFO\n"));
        assert!(is_openrc(b"#!/sbin/runscript\n"));
    }
}
