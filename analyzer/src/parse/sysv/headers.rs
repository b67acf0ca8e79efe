//! The headers of an init script: the LSB `### BEGIN INIT INFO` block and
//! Red Hat's `# chkconfig:` lines.
//!
//! The probe captures only the first 8 KiB of each script, so a header block
//! cut off at the end is kept and marked incomplete rather than rejected.
//!
//! Sample (CentOS 6 `/etc/rc.d/init.d/sshd`, head):
//!
//! ```text
//! # chkconfig: 2345 55 25
//! # description: SSH is a protocol for secure remote shell access. \
//! #              This service starts up the OpenSSH server daemon.
//! # pidfile: /var/run/sshd.pid
//! ### BEGIN INIT INFO
//! # Provides: sshd
//! # Default-Start: 2 3 4 5
//! ### END INIT INFO
//! ```

use serde::Serialize;

use super::{parse_runlevels, Runlevel};
use crate::parse::{ParseError, Parsed, Partial};

/// The headers of one init script.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InitScriptHeaders {
    pub lsb: Option<LsbHeader>,
    pub chkconfig: Option<ChkconfigHeader>,
}

/// The LSB `### BEGIN INIT INFO` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LsbHeader {
    pub provides: Vec<String>,
    pub required_start: Vec<String>,
    pub required_stop: Vec<String>,
    pub should_start: Vec<String>,
    pub should_stop: Vec<String>,
    pub default_start: Vec<Runlevel>,
    pub default_stop: Vec<Runlevel>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    /// False when `### END INIT INFO` was never seen (a cut-off capture).
    pub complete: bool,
}

/// Red Hat's `# chkconfig: 2345 55 25` and the comment lines that go with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChkconfigHeader {
    /// Empty for `-` (not started in any runlevel by default).
    pub runlevels: Vec<Runlevel>,
    pub start_priority: u16,
    pub stop_priority: u16,
    pub description: Option<String>,
    pub processname: Option<String>,
    pub pidfiles: Vec<String>,
    pub configs: Vec<String>,
}

/// Parses the headers of an init script; malformed header lines are reported
/// and skipped.
pub fn parse(bytes: &[u8]) -> Parsed<InitScriptHeaders> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = InitScriptHeaders::default();
    let mut errors = Vec::new();
    let mut lsb: Option<LsbHeader> = None;
    let mut in_lsb = false;
    // The LSB key a continuation line extends, and whether the previous
    // chkconfig description line ended with a backslash.
    let mut lsb_key = String::new();
    let mut description_continues = false;
    let mut saw_chkconfig = false;

    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim_end();
        if line.trim() == "### BEGIN INIT INFO" {
            in_lsb = true;
            lsb = Some(LsbHeader::default());
            continue;
        }
        if line.trim() == "### END INIT INFO" {
            if let Some(header) = lsb.as_mut().filter(|_| in_lsb) {
                header.complete = true;
            }
            in_lsb = false;
            continue;
        }
        let Some(comment) = line.strip_prefix('#') else {
            description_continues = false;
            continue;
        };
        if description_continues {
            let chk = out.chkconfig.get_or_insert_with(ChkconfigHeader::default);
            let (piece, more) = strip_backslash(comment.trim());
            append_text(&mut chk.description, piece);
            description_continues = more;
            continue;
        }
        if in_lsb {
            if let Some(header) = lsb.as_mut() {
                lsb_line(header, comment, &mut lsb_key, line_no, &mut errors);
            }
            continue;
        }
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "chkconfig" => match parse_chkconfig(value) {
                Some((runlevels, start, stop)) => {
                    let chk = out.chkconfig.get_or_insert_with(ChkconfigHeader::default);
                    chk.runlevels = runlevels;
                    chk.start_priority = start;
                    chk.stop_priority = stop;
                    saw_chkconfig = true;
                }
                None => errors.push(ParseError::at_line(
                    line_no,
                    format!("bad chkconfig line: {value:?}"),
                )),
            },
            "description" => {
                let chk = out.chkconfig.get_or_insert_with(ChkconfigHeader::default);
                let (piece, more) = strip_backslash(value);
                append_text(&mut chk.description, piece);
                description_continues = more;
            }
            "processname" => {
                out.chkconfig
                    .get_or_insert_with(ChkconfigHeader::default)
                    .processname = Some(value.to_string())
            }
            "pidfile" => out
                .chkconfig
                .get_or_insert_with(ChkconfigHeader::default)
                .pidfiles
                .push(value.to_string()),
            "config" => out
                .chkconfig
                .get_or_insert_with(ChkconfigHeader::default)
                .configs
                .push(value.to_string()),
            _ => {}
        }
    }
    // `description:` and friends alone, without a `chkconfig:` line, are
    // ordinary comments, not a Red Hat header.
    if !saw_chkconfig {
        out.chkconfig = None;
    }
    out.lsb = lsb;
    Ok(Partial { value: out, errors })
}

/// One line inside the LSB block: `# Key: value`, or a continuation
/// (`#` then a tab or two spaces) of the previous key.
fn lsb_line(
    header: &mut LsbHeader,
    comment: &str,
    key: &mut String,
    line_no: usize,
    errors: &mut Vec<ParseError>,
) {
    let continuation = comment.starts_with('\t') || comment.starts_with("  ");
    if continuation && !key.is_empty() {
        if key == "description" {
            append_text(&mut header.description, comment.trim());
        }
        return;
    }
    let Some((name, value)) = comment.split_once(':') else {
        return;
    };
    *key = name.trim().to_ascii_lowercase();
    let value = value.trim();
    let words = || {
        value
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let runlevels = |errors: &mut Vec<ParseError>| {
        let (levels, bad) = parse_runlevels(value);
        if !bad.is_empty() {
            errors.push(ParseError::at_line(
                line_no,
                format!("not runlevels: {}", bad.join(" ")),
            ));
        }
        levels
    };
    match key.as_str() {
        "provides" => header.provides = words(),
        "required-start" => header.required_start = words(),
        "required-stop" => header.required_stop = words(),
        "should-start" => header.should_start = words(),
        "should-stop" => header.should_stop = words(),
        "default-start" => header.default_start = runlevels(errors),
        "default-stop" => header.default_stop = runlevels(errors),
        "short-description" => header.short_description = Some(value.to_string()),
        "description" => header.description = Some(value.to_string()),
        _ => {}
    }
}

/// `2345 55 25` → runlevels and the start and stop priorities.
fn parse_chkconfig(value: &str) -> Option<(Vec<Runlevel>, u16, u16)> {
    let mut fields = value.split_whitespace();
    let levels = fields.next()?;
    let start = fields.next()?.parse().ok()?;
    let stop = fields.next()?.parse().ok()?;
    let runlevels = if levels == "-" {
        Vec::new()
    } else {
        let (levels, bad) = parse_runlevels(levels);
        if !bad.is_empty() {
            return None;
        }
        levels
    };
    Some((runlevels, start, stop))
}

fn strip_backslash(text: &str) -> (&str, bool) {
    match text.strip_suffix('\\') {
        Some(rest) => (rest.trim_end(), true),
        None => (text, false),
    }
}

fn append_text(target: &mut Option<String>, piece: &str) {
    match target {
        Some(text) if !piece.is_empty() => {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(piece);
        }
        Some(_) => {}
        None => *target = Some(piece.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn levels(text: &str) -> Vec<Runlevel> {
        text.chars()
            .map(|c| Runlevel::from_char(c).unwrap())
            .collect()
    }

    #[test]
    fn centos6_sshd_has_both_headers() {
        let parsed = parse(&fixture("centos6-sysv/etc/rc.d/init.d/sshd")).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let chk = parsed.value.chkconfig.unwrap();
        assert_eq!(chk.runlevels, levels("2345"));
        assert_eq!((chk.start_priority, chk.stop_priority), (55, 25));
        assert_eq!(
            chk.description.as_deref(),
            Some("SSH is a protocol for secure remote shell access. This service starts up the OpenSSH server daemon.")
        );
        assert_eq!(chk.processname.as_deref(), Some("sshd"));
        assert_eq!(chk.pidfiles, vec!["/var/run/sshd.pid"]);
        assert_eq!(chk.configs.len(), 4);
        let lsb = parsed.value.lsb.unwrap();
        assert!(lsb.complete);
        assert_eq!(lsb.provides, vec!["sshd"]);
        assert_eq!(lsb.default_stop, levels("016"));
        assert_eq!(lsb.should_stop, vec!["$network", "$syslog"]);
        assert_eq!(
            lsb.description.as_deref(),
            Some("SSH is a protocol for secure remote shell access. This service starts up the OpenSSH server daemon.")
        );
    }

    #[test]
    fn centos6_crond_quirky_lsb_runlevels() {
        // cronie ships `Default-Start:  2345` and `Default-Stop: 90`.
        let parsed = parse(&fixture("centos6-sysv/etc/rc.d/init.d/crond")).unwrap();
        let lsb = parsed.value.lsb.unwrap();
        assert_eq!(lsb.default_start, levels("2345"));
        assert!(lsb.default_stop.is_empty());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, Some(16));
        assert_eq!(lsb.provides, vec!["crond", "crontab"]);
        let chk = parsed.value.chkconfig.unwrap();
        assert_eq!((chk.start_priority, chk.stop_priority), (90, 60));
        assert!(chk
            .description
            .unwrap()
            .ends_with("more powerful configuration options."));
    }

    #[test]
    fn debian_ssh_lsb_only() {
        let parsed = parse(&fixture("debian12-init-files/etc/init.d/ssh")).unwrap();
        assert!(parsed.errors.is_empty());
        assert!(parsed.value.chkconfig.is_none());
        let lsb = parsed.value.lsb.unwrap();
        assert_eq!(lsb.provides, vec!["ssh", "sshd"]);
        assert_eq!(lsb.default_start, levels("2345"));
        assert!(lsb.default_stop.is_empty());
        assert_eq!(
            lsb.short_description.as_deref(),
            Some("OpenBSD Secure Shell server")
        );
    }

    #[test]
    fn debian_cron_long_description() {
        let lsb = parse(&fixture("debian12-init-files/etc/init.d/cron"))
            .unwrap()
            .value
            .lsb
            .unwrap();
        assert_eq!(lsb.should_start.len(), 9);
        let description = lsb.description.unwrap();
        assert!(description.starts_with("cron is a standard UNIX program"));
        assert!(description.ends_with("security and more powerful configuration options."));
    }

    #[test]
    fn cut_off_lsb_block_is_kept_incomplete() {
        let script = fixture("debian12-init-files/etc/init.d/cron");
        let cut = &script[..script
            .windows(13)
            .position(|w| w == b"Default-Start")
            .unwrap()
            + 20];
        let lsb = parse(cut).unwrap().value.lsb.unwrap();
        assert!(!lsb.complete);
        assert_eq!(lsb.provides, vec!["cron"]);
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        for input in [
            &b"# chkconfig:"[..],
            b"# chkconfig: 99x 1 2",
            b"### BEGIN INIT INFO\n#\xff: \xfe",
            b"#\\",
            b"# description: \\",
        ] {
            let _ = parse(input).unwrap();
        }
        assert_eq!(parse(b"# chkconfig: x 1 2").unwrap().errors.len(), 1);
    }
}
