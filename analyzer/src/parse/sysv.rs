//! SysV init: the headers of an init script (LSB `### BEGIN INIT INFO` block
//! and Red Hat `# chkconfig:` lines), rc link names (`S55sshd`), and the
//! runlevel matrix that `chkconfig --list` prints.
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

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::{ParseError, Partial};

/// A SysV runlevel: `0`–`6` or `S`, the boot/single-user level of Debian's
/// `/etc/rcS.d`. Serialized as a one-character string. (sysvinit tolerates
/// 7–9 in inittab, but no distribution uses them and rc has no directories
/// for them, so they are treated as errors.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Runlevel(char);

impl Runlevel {
    /// The columns of `chkconfig --list`, plus `S`.
    pub const ALL: [Runlevel; 8] = [
        Runlevel('0'),
        Runlevel('1'),
        Runlevel('2'),
        Runlevel('3'),
        Runlevel('4'),
        Runlevel('5'),
        Runlevel('6'),
        Runlevel('S'),
    ];

    pub fn from_char(c: char) -> Option<Runlevel> {
        match c {
            '0'..='6' => Some(Runlevel(c)),
            'S' | 's' => Some(Runlevel('S')),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        self.0
    }

    /// The numeric level, `None` for `S`.
    pub fn number(self) -> Option<u8> {
        self.0.to_digit(10).map(|d| d as u8)
    }
}

impl Serialize for Runlevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.0)
    }
}

/// Parses a runlevel list such as `2 3 4 5`, `2345` or `S`. Tokens that are
/// not runlevels are returned separately so the caller can report them.
pub fn parse_runlevels(text: &str) -> (Vec<Runlevel>, Vec<String>) {
    let mut levels = Vec::new();
    let mut bad = Vec::new();
    for token in text.split_whitespace() {
        // CentOS ships `Default-Start:  2345` (cronie), so a token of several
        // runlevel characters is read as several runlevels.
        match token
            .chars()
            .map(Runlevel::from_char)
            .collect::<Option<Vec<_>>>()
        {
            Some(found) => levels.extend(found),
            None => bad.push(token.to_string()),
        }
    }
    levels.sort();
    levels.dedup();
    (levels, bad)
}

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
pub fn parse(bytes: &[u8]) -> Partial<InitScriptHeaders> {
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
    Partial { value: out, errors }
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

/// Whether an rc link starts or stops its script on entering the runlevel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RcAction {
    Start,
    Kill,
}

/// An rc link name such as `S55sshd`: action, order, and script name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RcLink {
    pub action: RcAction,
    pub priority: u16,
    pub name: String,
}

/// Parses `S55sshd` / `K25sshd`; `None` for anything else in an rc
/// directory (`README`, `.depend.start`).
pub fn parse_rc_link_name(name: &str) -> Option<RcLink> {
    let action = match name.as_bytes().first()? {
        b'S' => RcAction::Start,
        b'K' => RcAction::Kill,
        _ => return None,
    };
    let rest = &name[1..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    // Two digits is the norm; allow three (some SUSE and hand-made links).
    if !(1..=3).contains(&digits) || digits == rest.len() {
        return None;
    }
    Some(RcLink {
        action,
        priority: rest[..digits].parse().ok()?,
        name: rest[digits..].to_string(),
    })
}

/// The runlevel an rc directory stands for: `rc3.d` → 3, `rcS.d` → S.
pub fn rc_dir_runlevel(dir_name: &str) -> Option<Runlevel> {
    let middle = dir_name.strip_prefix("rc")?.strip_suffix(".d")?;
    let mut chars = middle.chars();
    let level = chars.next().and_then(Runlevel::from_char)?;
    chars.next().is_none().then_some(level)
}

/// The links of one script across runlevels, as `chkconfig --list` shows
/// them: a runlevel is on when it has an S link, off otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceRunlevels {
    pub links: BTreeMap<Runlevel, RcLink>,
}

impl ServiceRunlevels {
    pub fn is_on(&self, level: Runlevel) -> bool {
        self.links
            .get(&level)
            .is_some_and(|link| link.action == RcAction::Start)
    }

    pub fn on_runlevels(&self) -> Vec<Runlevel> {
        self.links
            .keys()
            .copied()
            .filter(|level| self.is_on(*level))
            .collect()
    }
}

/// Every script with at least one rc link, keyed by script name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunlevelMatrix {
    pub services: BTreeMap<String, ServiceRunlevels>,
}

impl RunlevelMatrix {
    /// Builds the matrix from `(runlevel, link name, link target)` tuples.
    /// The script is named by the target's file name (`../init.d/sshd`), which
    /// is what runs, falling back to the link's own name when the target is
    /// empty. Names that are not rc links are ignored. When a runlevel has
    /// both an S and a K link for one script, the S link wins: rc runs it.
    pub fn from_links<'a>(
        links: impl IntoIterator<Item = (Runlevel, &'a str, &'a str)>,
    ) -> RunlevelMatrix {
        let mut matrix = RunlevelMatrix::default();
        for (level, link_name, target) in links {
            let Some(link) = parse_rc_link_name(link_name) else {
                continue;
            };
            let script = match target.rsplit('/').next() {
                Some(base) if !base.is_empty() => base.to_string(),
                _ => link.name.clone(),
            };
            let levels = &mut matrix.services.entry(script).or_default().links;
            match levels.get(&level) {
                Some(existing) if existing.action == RcAction::Start => {}
                _ => {
                    levels.insert(level, link);
                }
            }
        }
        matrix
    }

    /// One `chkconfig --list` line: `sshd 0:off 1:off 2:on … 6:off`, with an
    /// `S:` column only when the script has a link in rcS.d.
    pub fn chkconfig_line(&self, name: &str) -> Option<String> {
        let service = self.services.get(name)?;
        let mut line = name.to_string();
        for level in Runlevel::ALL {
            if level.as_char() == 'S' && !service.links.contains_key(&level) {
                continue;
            }
            let state = if service.is_on(level) { "on" } else { "off" };
            line.push_str(&format!(" {}:{state}", level.as_char()));
        }
        Some(line)
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
        let parsed = parse(&fixture("centos6-sysv/etc/rc.d/init.d/sshd"));
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
        let parsed = parse(&fixture("centos6-sysv/etc/rc.d/init.d/crond"));
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
        let parsed = parse(&fixture("debian12-init-files/etc/init.d/ssh"));
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
        let lsb = parse(cut).value.lsb.unwrap();
        assert!(!lsb.complete);
        assert_eq!(lsb.provides, vec!["cron"]);
    }

    #[test]
    fn rc_link_names() {
        let link = parse_rc_link_name("S55sshd").unwrap();
        assert_eq!(
            (link.action, link.priority, link.name.as_str()),
            (RcAction::Start, 55, "sshd")
        );
        assert_eq!(parse_rc_link_name("K01ssh").unwrap().action, RcAction::Kill);
        for name in ["README", "S", "S55", "Sshd", "K1234x", ".depend.start", ""] {
            assert_eq!(parse_rc_link_name(name), None, "{name}");
        }
        assert_eq!(rc_dir_runlevel("rc3.d"), Runlevel::from_char('3'));
        assert_eq!(rc_dir_runlevel("rcS.d"), Runlevel::from_char('S'));
        assert_eq!(rc_dir_runlevel("rc.d"), None);
        assert_eq!(rc_dir_runlevel("init.d"), None);
    }

    #[test]
    fn centos6_runlevel_matrix_from_real_links() {
        let root = format!(
            "{}/../fixtures/centos6-sysv/etc/rc.d",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut links = Vec::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap();
            let Some(level) = rc_dir_runlevel(&dir.file_name().to_string_lossy()) else {
                continue;
            };
            for link in std::fs::read_dir(dir.path()).unwrap() {
                let link = link.unwrap();
                let target = std::fs::read_link(link.path()).unwrap();
                links.push((
                    level,
                    link.file_name().to_string_lossy().into_owned(),
                    target.to_string_lossy().into_owned(),
                ));
            }
        }
        let matrix =
            RunlevelMatrix::from_links(links.iter().map(|(l, n, t)| (*l, n.as_str(), t.as_str())));
        assert_eq!(matrix.services.len(), 2);
        assert_eq!(
            matrix.chkconfig_line("sshd").unwrap(),
            "sshd 0:off 1:off 2:on 3:on 4:on 5:on 6:off"
        );
        // crond was turned off in runlevel 4 (`chkconfig --level 4 crond off`).
        assert_eq!(
            matrix.chkconfig_line("crond").unwrap(),
            "crond 0:off 1:off 2:on 3:on 4:off 5:on 6:off"
        );
        assert_eq!(matrix.services["crond"].on_runlevels(), levels("235"));
    }

    #[test]
    fn start_link_wins_and_target_names_the_script() {
        let s = Runlevel::from_char('S').unwrap();
        let two = Runlevel::from_char('2').unwrap();
        let matrix = RunlevelMatrix::from_links([
            (two, "K01foo", "../init.d/foo"),
            (two, "S02foo", "../init.d/foo"),
            (two, "K03foo", "../init.d/foo"),
            (s, "S01udev", "/etc/init.d/udev"),
            (two, "S10renamed", "../init.d/real-name"),
            (two, "README", ""),
        ]);
        assert!(matrix.services["foo"].is_on(two));
        assert!(matrix.services.contains_key("real-name"));
        assert_eq!(
            matrix.chkconfig_line("udev").unwrap(),
            "udev 0:off 1:off 2:off 3:off 4:off 5:off 6:off S:on"
        );
        assert_eq!(matrix.services.len(), 3);
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
            let _ = parse(input);
        }
        assert_eq!(parse(b"# chkconfig: x 1 2").errors.len(), 1);
    }
}
