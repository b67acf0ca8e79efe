//! `/etc/inittab`: SysV init's table (`id:runlevels:action:process`) and the
//! default runlevel. On Upstart systems (CentOS 6, old Ubuntu) only the
//! `initdefault` line is still read.
//!
//! Sample (Debian's sysvinit-core, abridged):
//!
//! ```text
//! id:2:initdefault:
//! si::sysinit:/etc/init.d/rcS
//! l2:2:wait:/etc/init.d/rc 2
//! 1:2345:respawn:/sbin/getty --noclear 38400 tty1
//! ```

use serde::Serialize;

use super::sysv::Runlevel;
use super::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inittab {
    /// From the `initdefault` entry; `None` when there is none (init then
    /// asks on the console, or Upstart uses its own default).
    pub default_runlevel: Option<Runlevel>,
    pub entries: Vec<InittabEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InittabEntry {
    pub id: String,
    /// Empty means every runlevel for most actions.
    pub runlevels: Vec<Runlevel>,
    pub action: String,
    pub process: String,
}

/// Parses inittab; lines without four fields are reported and skipped.
pub fn parse(bytes: &[u8]) -> Parsed<Inittab> {
    let text = String::from_utf8_lossy(bytes);
    let mut inittab = Inittab::default();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The process field may itself contain colons.
        let fields: Vec<&str> = line.splitn(4, ':').collect();
        let [id, levels, action, process] = fields[..] else {
            errors.push(ParseError::at_line(
                index + 1,
                format!("not id:runlevels:action:process: {}", super::shown(line)),
            ));
            continue;
        };
        let runlevels: Option<Vec<Runlevel>> = levels.chars().map(Runlevel::from_char).collect();
        let Some(runlevels) = runlevels else {
            errors.push(ParseError::at_line(
                index + 1,
                format!("not runlevels: {levels:?}"),
            ));
            continue;
        };
        if action == "initdefault" {
            inittab.default_runlevel = runlevels.first().copied();
        }
        inittab.entries.push(InittabEntry {
            id: id.to_string(),
            runlevels,
            action: action.to_string(),
            process: process.to_string(),
        });
    }
    Ok(Partial {
        value: inittab,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn debian_sysvinit_inittab() {
        let parsed = parse(&fixture("debian12-init-files/usr/share/sysvinit/inittab")).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let inittab = parsed.value;
        assert_eq!(inittab.default_runlevel.map(Runlevel::as_char), Some('2'));
        let tty1 = inittab.entries.iter().find(|e| e.id == "1").unwrap();
        assert_eq!(tty1.action, "respawn");
        assert_eq!(tty1.process, "/sbin/getty --noclear 38400 tty1");
        assert_eq!(
            tty1.runlevels
                .iter()
                .map(|r| r.as_char())
                .collect::<String>(),
            "2345"
        );
        let sulogin = inittab.entries.iter().find(|e| e.id == "~~").unwrap();
        assert_eq!(sulogin.runlevels, vec![Runlevel::from_char('S').unwrap()]);
        let sysinit = inittab.entries.iter().find(|e| e.id == "si").unwrap();
        assert!(sysinit.runlevels.is_empty());
        assert_eq!(inittab.entries.len(), 21);
    }

    #[test]
    fn centos6_inittab_has_only_the_default() {
        let parsed = parse(&fixture("centos6-sysv/etc/inittab")).unwrap();
        assert!(parsed.errors.is_empty());
        assert_eq!(
            parsed.value.default_runlevel.map(Runlevel::as_char),
            Some('3')
        );
        assert_eq!(parsed.value.entries.len(), 1);
    }

    #[test]
    fn damaged_lines_are_reported_and_skipped() {
        let parsed = parse(b"id:5:initdefault:\nbroken line\nx:Q:once:/bin/true\n").unwrap();
        assert_eq!(
            parsed.value.default_runlevel.map(Runlevel::as_char),
            Some('5')
        );
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].line, Some(2));
        assert_eq!(parsed.value.entries.len(), 1);
    }
}
