//! `dpkg -l` (sos: `sos_commands/dpkg/dpkg_-l`, linked as `installed-debs`).
//!
//! ```text
//! Desired=Unknown/Install/Remove/Purge/Hold
//! | Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend
//! |/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)
//! ||/ Name           Version      Architecture Description
//! +++-==============-============-============-=================================
//! ii  adduser        3.134        all          add and remove users and groups
//! rc  media-types    10.0.0       all          List of standard media types and their usual file extension
//! ```
//!
//! The three state letters are dpkg's Status field abbreviated; they are
//! spelled out again (`ii` is `install ok installed`), so that a package
//! from this list and one from the database compare equal.

use crate::parse::{ParseError, Parsed, Partial};
use crate::version::DebianVersion;
use crate::vocab::packages::{InstalledPackage, PackageManager};

fn want(c: char) -> Option<&'static str> {
    Some(match c {
        'u' => "unknown",
        'i' => "install",
        'h' => "hold",
        'r' => "deinstall",
        'p' => "purge",
        _ => return None,
    })
}

fn state(c: char) -> Option<&'static str> {
    Some(match c {
        'n' => "not-installed",
        'c' => "config-files",
        'H' => "half-installed",
        'U' => "unpacked",
        'F' => "half-configured",
        'W' => "triggers-awaited",
        't' => "triggers-pending",
        'i' => "installed",
        _ => return None,
    })
}

/// dpkg's Status field from `ii`, `rc`, `iU`, `iiR`.
pub fn status(abbrev: &str) -> Option<String> {
    let mut c = abbrev.chars();
    let w = want(c.next()?)?;
    let s = state(c.next()?)?;
    let err = match c.next() {
        None | Some(' ') => "ok",
        Some('R') => "reinstreq",
        Some(_) => return None,
    };
    Some(format!("{w} {err} {s}"))
}

pub fn parse(bytes: &[u8]) -> Parsed<Vec<InstalledPackage>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    let mut in_body = false;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("+++-") {
            in_body = true;
            continue;
        }
        if !in_body || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(abbrev), Some(name), Some(version), Some(arch)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            out.errors
                .push(ParseError::at_line(n + 1, "fewer than four columns"));
            continue;
        };
        let Some(status) = status(abbrev) else {
            out.errors.push(ParseError::at_line(
                n + 1,
                format!("unknown state {abbrev:?}"),
            ));
            continue;
        };
        let mut p = InstalledPackage::new(PackageManager::Dpkg);
        // `libc6:amd64` for a Multi-Arch: same package.
        p.name = name.split(':').next().unwrap_or(name).to_string();
        p.version = version.to_string();
        p.epoch = DebianVersion::split(version).epoch;
        p.arch = Some(arch.to_string());
        p.status = Some(status);
        let summary = fields.collect::<Vec<_>>().join(" ");
        p.summary = (!summary.is_empty()).then_some(summary);
        out.value.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian12_sos_capture() {
        let parsed = parse(&super::super::sample(
            "debian12-sos4.0/sos_commands/dpkg/dpkg_-l",
        ))
        .unwrap();
        assert_eq!(parsed.errors, []);
        assert_eq!(parsed.value.len(), 741);
        let adduser = &parsed.value[0];
        assert_eq!(
            (
                adduser.name.as_str(),
                adduser.version.as_str(),
                adduser.arch.as_deref()
            ),
            ("adduser", "3.134", Some("all"))
        );
        assert!(parsed.value.iter().all(InstalledPackage::is_installed));
        assert_eq!(status("rc").as_deref(), Some("deinstall ok config-files"));
        assert_eq!(status("iUR").as_deref(), Some("install reinstreq unpacked"));
        assert_eq!(status("zz"), None);
    }
}
