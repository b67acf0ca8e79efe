//! cron's tables and anacron's: `/etc/crontab` and `/etc/cron.d/*` (with a
//! user field), the per-user spools `/var/spool/cron/crontabs/USER`
//! (Debian) and `/var/spool/cron/USER` (RHEL) without one, and
//! `/etc/anacrontab`.
//!
//! Sample (Debian 12's cron-daemon-common 3.0pl1 /etc/crontab, and
//! sysstat 12.6.1's /etc/cron.d/sysstat):
//!
//! ```text
//! SHELL=/bin/sh
//! 17 *    * * *   root    cd / && run-parts --report /etc/cron.hourly
//! 5-55/10 * * * * root command -v debian-sa1 > /dev/null && debian-sa1 1 1
//! ```

use super::{ParseError, Parsed, Partial};

/// One job line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronEntry {
    pub line: usize,
    /// The five time fields as written, or `@daily`-style, or anacron's
    /// `period delay`.
    pub schedule: String,
    /// The user field of system tables; None in a user's own spool.
    pub user: Option<String>,
    pub command: String,
    /// anacron's job identifier.
    pub id: Option<String>,
}

/// Most entries kept from one table.
pub const MAX_ENTRIES: usize = 10_000;

/// Lines that set a variable (`MAILTO=root`, `PATH = /usr/bin`).
fn is_assignment(line: &str) -> bool {
    let Some((name, _)) = line.split_once('=') else {
        return false;
    };
    let name = name.trim();
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The first `n` whitespace-separated fields and the rest of the line.
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut rest = line.trim_start();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (!rest.is_empty()).then_some((out, rest))
}

/// Each job line of a table (blank lines, comments and variable settings
/// skipped), as `entry` reads it, bounded at [`MAX_ENTRIES`]. A line with
/// too few fields (cron refuses the table for it) is skipped, by line; the
/// lines past the bound are counted in one error.
fn table(bytes: &[u8], entry: impl Fn(usize, &str) -> Option<CronEntry>) -> Parsed<Vec<CronEntry>> {
    let text = super::text(bytes);
    let mut out = Vec::new();
    let mut dropped = 0;
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || is_assignment(line) {
            continue;
        }
        let Some(e) = entry(i + 1, line) else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("too few fields for a job: {}", super::shown(line)),
            ));
            continue;
        };
        if out.len() >= MAX_ENTRIES {
            dropped += 1;
        } else {
            out.push(e);
        }
    }
    if dropped > 0 {
        errors.push(ParseError::new(format!(
            "{dropped} more jobs past the first {MAX_ENTRIES} not listed"
        )));
    }
    Ok(Partial::new(out, errors))
}

/// A crontab: `system` tables have a user field after the schedule.
pub fn parse(bytes: &[u8], system: bool) -> Parsed<Vec<CronEntry>> {
    table(bytes, |line, text| {
        let when_fields = if text.starts_with('@') { 1 } else { 5 };
        let (f, command) = fields(text, when_fields + usize::from(system))?;
        Some(CronEntry {
            line,
            schedule: f[..when_fields].join(" "),
            user: system.then(|| f[when_fields].to_string()),
            command: command.to_string(),
            id: None,
        })
    })
}

/// `/etc/anacrontab`: `period delay job-identifier command`.
pub fn parse_anacrontab(bytes: &[u8]) -> Parsed<Vec<CronEntry>> {
    table(bytes, |line, text| {
        let (f, command) = fields(text, 3)?;
        Some(CronEntry {
            line,
            schedule: format!("{} {}", f[0], f[1]),
            user: Some("root".into()),
            command: command.to_string(),
            id: Some(f[2].to_string()),
        })
    })
}

fn time_of(hour: &str, minute: &str) -> Option<String> {
    let (h, m): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

const DAYS: [&str; 7] = [
    "Sundays",
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
];

/// A schedule in words where it is a common one ("daily at 02:30",
/// "every 10 minutes", "at boot"); else None, and the fields say it.
pub fn in_words(schedule: &str) -> Option<String> {
    let special = match schedule {
        "@reboot" => Some("at boot"),
        "@yearly" | "@annually" => Some("yearly"),
        "@monthly" => Some("monthly"),
        "@weekly" => Some("weekly"),
        "@daily" | "@midnight" => Some("daily at 00:00"),
        "@hourly" => Some("hourly"),
        _ => None,
    };
    if let Some(s) = special {
        return Some(s.to_string());
    }
    let f: Vec<&str> = schedule.split_whitespace().collect();
    match f[..] {
        // anacron: period in days, delay in minutes.
        [period, delay] => {
            let p = match period {
                "1" | "@daily" => "daily".to_string(),
                "7" | "@weekly" => "weekly".to_string(),
                "@monthly" => "monthly".to_string(),
                n => format!("every {} days", n.parse::<u32>().ok()?),
            };
            Some(format!(
                "{p}, {} minutes after anacron starts",
                delay.parse::<u32>().ok()?
            ))
        }
        ["*", "*", "*", "*", "*"] => Some("every minute".into()),
        [m, "*", "*", "*", "*"] => match m.strip_prefix("*/") {
            Some(n) => Some(format!("every {n} minutes")),
            None if m.parse::<u32>().is_ok() => {
                Some(format!("hourly at :{:02}", m.parse::<u32>().ok()?))
            }
            None => None,
        },
        [m, h, "*", "*", "*"] => Some(format!("daily at {}", time_of(h, m)?)),
        [m, h, "*", "*", dow] => {
            let d: usize = dow.parse().ok().filter(|d| *d <= 7)?;
            Some(format!("{} at {}", DAYS[d % 7], time_of(h, m)?))
        }
        [m, h, dom, "*", "*"] => Some(format!(
            "monthly on day {} at {}",
            dom.parse::<u32>().ok()?,
            time_of(h, m)?
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &str) -> Vec<u8> {
        super::super::host_sample(path)
    }

    /// Debian 12's /etc/crontab, sysstat's /etc/cron.d/sysstat and
    /// anacron's /etc/anacrontab, as their packages ship them.
    #[test]
    fn debian_packages_tables() {
        let crontab = parse(&sample("debian12-jobs/etc/crontab"), true).unwrap();
        assert_eq!(crontab.errors, []);
        assert_eq!(crontab.len(), 4);
        assert_eq!(
            (crontab[0].user.as_deref(), crontab[0].schedule.as_str()),
            (Some("root"), "17 * * * *")
        );
        assert!(crontab[0]
            .command
            .starts_with("cd / && run-parts --report /etc/cron.hourly"));
        assert_eq!(
            in_words(&crontab[0].schedule).as_deref(),
            Some("hourly at :17")
        );
        assert_eq!(
            in_words(&crontab[1].schedule).as_deref(),
            Some("daily at 06:25")
        );
        assert_eq!(
            in_words(&crontab[2].schedule).as_deref(),
            Some("Sundays at 06:47")
        );
        assert_eq!(
            in_words(&crontab[3].schedule).as_deref(),
            Some("monthly on day 1 at 06:52")
        );
        let sysstat = parse(&sample("debian12-jobs/etc/cron.d/sysstat"), true).unwrap();
        assert_eq!(sysstat.errors, []);
        assert_eq!(sysstat.len(), 2);
        assert_eq!(sysstat[0].schedule, "5-55/10 * * * *");
        assert_eq!(
            in_words(&sysstat[0].schedule),
            None,
            "a range with a step is left as written"
        );
        assert_eq!(
            in_words(&sysstat[1].schedule).as_deref(),
            Some("daily at 23:59")
        );
        let anacron = parse_anacrontab(&sample("debian12-jobs/etc/anacrontab")).unwrap();
        assert_eq!(anacron.errors, []);
        assert_eq!(anacron.len(), 3);
        assert_eq!(anacron[0].id.as_deref(), Some("cron.daily"));
        assert_eq!(
            in_words(&anacron[0].schedule).as_deref(),
            Some("daily, 5 minutes after anacron starts")
        );
    }

    #[test]
    fn a_users_spool_has_no_user_field_and_is_bounded() {
        let e = parse(b"MAILTO=ops\n30 2 * * * rsync -a /srv backup1:/backups/web\n@reboot /usr/local/bin/warm\n30 2 *\n", false).unwrap();
        assert_eq!(
            e.errors,
            [ParseError::at_line(
                4,
                "too few fields for a job: \"30 2 *\""
            )]
        );
        assert_eq!(
            (e[0].user.clone(), e[0].command.as_str()),
            (None, "rsync -a /srv backup1:/backups/web")
        );
        assert_eq!(in_words(&e[1].schedule).as_deref(), Some("at boot"));
        let big = "* * * * * true\n".repeat(MAX_ENTRIES + 5);
        let e = parse(big.as_bytes(), false).unwrap();
        assert_eq!(e.len(), MAX_ENTRIES);
        assert_eq!(
            e.errors[0].to_string(),
            "5 more jobs past the first 10000 not listed"
        );
    }
}
