//! Vendor support dates of Linux distributions: the table shipped in the
//! repository (`analyzer/catalogs/os-support.csv`, each row with its
//! vendor page and when it was read), the report's date it is compared
//! with, and the one lookup `gen.os-support` and the fleet use.
//!
//! The report's date is today (UTC) unless `SOURCE_DATE_EPOCH` (seconds
//! since 1970, the reproducible-builds convention) fixes it: tests and
//! reproducible reports set it so a verdict does not move with the
//! calendar.
//!
//! ```text
//! id,version,name,standard_end,extended_end,extended,source,checked,note
//! rhel,7,Red Hat Enterprise Linux 7,2024-06-30,2029-05-31,ELS add-on,https://...,2026-12-07 ...,
//! ```

use std::sync::LazyLock;

use serde::Serialize;

/// A calendar day (proleptic Gregorian, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// `YYYY-MM-DD`, a real day of a month.
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        (Date::from_days(date.days()) == date).then_some(date)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01 (`civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The report's date: `SOURCE_DATE_EPOCH` when set to a number of
    /// seconds, otherwise the clock's day in UTC.
    pub fn today() -> Date {
        Date::from_days(report_time().div_euclid(86_400))
    }
}

/// The report's time in seconds since the epoch: `SOURCE_DATE_EPOCH` when
/// set to a number, otherwise the clock. Support dates and certificates'
/// days left are both judged on it, so a pinned date pins both.
pub fn report_time() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        })
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One release's support dates, as the table gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    /// os-release `ID` (`centos-stream` for CentOS Stream, whose ID is `centos`).
    pub id: String,
    pub version: String,
    pub name: String,
    /// The last day of security updates without an extra subscription;
    /// None where the vendor has published no date.
    pub standard_end: Option<Date>,
    /// The last day of the vendor's own extended programme, if any.
    pub extended_end: Option<Date>,
    /// The extended programme's name.
    pub extended: Option<String>,
    /// The vendor's lifecycle page.
    pub source: String,
    /// When and how the row was read.
    pub checked: String,
    pub note: Option<String>,
}

const TABLE: &str = include_str!("../catalogs/os-support.csv");

/// The shipped table, parsed once; `table_is_well_formed` holds every row
/// to the format, so a row that fails to parse never ships.
pub fn table() -> &'static [Release] {
    static ROWS: LazyLock<Vec<Release>> = LazyLock::new(|| parse(TABLE).unwrap_or_default());
    &ROWS
}

/// Parses the table's text: `#` comments, a header, nine fields a row.
fn parse(text: &str) -> Result<Vec<Release>, String> {
    let mut rows = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("no header")?;
    if header != "id,version,name,standard_end,extended_end,extended,source,checked,note" {
        return Err(format!("unexpected header {header:?}"));
    }
    for (n, line) in lines {
        let f: Vec<&str> = line.split(',').collect();
        let [id, version, name, standard, extended_end, extended, source, checked, note] = f[..]
        else {
            return Err(format!("line {}: {} fields, not 9", n + 1, f.len()));
        };
        let date = |s: &str| -> Result<Option<Date>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            Date::parse(s)
                .map(Some)
                .ok_or_else(|| format!("line {}: {s:?} is not a date", n + 1))
        };
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        rows.push(Release {
            id: id.to_string(),
            version: version.to_string(),
            name: name.to_string(),
            standard_end: date(standard)?,
            extended_end: date(extended_end)?,
            extended: opt(extended),
            source: source.to_string(),
            checked: checked.to_string(),
            note: opt(note),
        });
    }
    Ok(rows)
}

/// The table's row for an os-release ID and VERSION_ID: the row whose
/// version equals the host's, or is its prefix before a dot (`9.4` is
/// RHEL 9, `3.20.3` Alpine 3.20); SUSE's `15` is 15.0. CentOS Stream
/// shares CentOS's ID: `pretty_name` tells it. `sles_sap` reads SLES's rows.
pub fn lookup(id: &str, version: &str, pretty_name: Option<&str>) -> Option<&'static Release> {
    let id = match id {
        "centos" if pretty_name.is_some_and(|p| p.contains("Stream")) => "centos-stream",
        "sles_sap" => "sles",
        other => other,
    };
    let version = version.trim();
    let fits = |r: &&Release| {
        r.id == id
            && (r.version == version
                || version
                    .strip_prefix(r.version.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
                || (id == "sles" && r.version == format!("{version}.0")))
    };
    table().iter().filter(fits).max_by_key(|r| r.version.len())
}

/// Where a release stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before the end of standard support (or no end published).
    Standard,
    /// Past standard support, within the vendor's extended programme.
    Extended,
    /// Past every support the vendor sells.
    Ended,
}

/// A host's release and where it stands on the report's date: the JSON
/// contract's `os_support`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Support {
    pub release: Release,
    pub phase: Phase,
    /// The day it was judged on.
    pub as_of: Date,
}

impl Support {
    pub fn of(release: &Release, today: Date) -> Support {
        let past = |d: Option<Date>| d.is_some_and(|d| today > d);
        let phase = if !past(release.standard_end) {
            Phase::Standard
        } else if release.extended_end.is_some() && !past(release.extended_end) {
            Phase::Extended
        } else {
            Phase::Ended
        };
        Support {
            release: release.clone(),
            phase,
            as_of: today,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed() {
        let rows = parse(TABLE).unwrap();
        assert_eq!(rows.len(), table().len());
        assert!(rows.len() > 60);
        for r in &rows {
            assert!(r.source.starts_with("https://"), "{r:?}");
            assert!(r.checked.starts_with("20"), "{r:?}");
            // A release with no published end says why.
            assert!(r.standard_end.is_some() || r.note.is_some(), "{r:?}");
            if let (Some(s), Some(e)) = (r.standard_end, r.extended_end) {
                assert!(s <= e, "{r:?}");
            }
        }
        for id in [
            "rhel",
            "centos",
            "rocky",
            "almalinux",
            "ol",
            "amzn",
            "sles",
            "debian",
            "ubuntu",
            "alpine",
        ] {
            assert!(rows.iter().any(|r| r.id == id), "{id} has no rows");
        }
    }

    #[test]
    fn a_bad_row_is_refused() {
        let head = "id,version,name,standard_end,extended_end,extended,source,checked,note\n";
        assert!(parse(&format!("{head}rhel,7,x,2024-02-30,,,https://x,2026,\n")).is_err());
        assert!(parse(&format!("{head}rhel,7,x\n")).is_err());
        assert!(parse("id,version\n").is_err());
    }

    #[test]
    fn dates() {
        let d = Date::parse("2024-06-30").unwrap();
        assert_eq!(d.to_string(), "2024-06-30");
        assert_eq!(Date::from_days(d.days()), d);
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        // 2026-01-01T00:00:00Z, the snapshots' probe start.
        assert_eq!(
            Date::from_days(1_767_225_600 / 86_400).to_string(),
            "2026-01-01"
        );
        assert_eq!(
            Date::parse("2024-02-29").unwrap().days() + 1,
            Date::parse("2024-03-01").unwrap().days()
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert!(Date::parse("23-01-01").is_none());
    }

    #[test]
    fn lookups() {
        let v = |id, ver, pretty| lookup(id, ver, pretty).map(|r| r.name.as_str());
        assert_eq!(v("rhel", "9.4", None), Some("Red Hat Enterprise Linux 9"));
        assert_eq!(v("rhel", "94", None), None);
        assert_eq!(v("alpine", "3.20.3", None), Some("Alpine Linux 3.20"));
        assert_eq!(v("alpine", "3.2", None), None);
        assert_eq!(
            v("sles", "15", None),
            Some("SUSE Linux Enterprise Server 15.0")
        );
        assert_eq!(
            v("sles_sap", "15.6", None),
            Some("SUSE Linux Enterprise Server 15.6")
        );
        assert_eq!(v("amzn", "2", None), Some("Amazon Linux 2"));
        assert_eq!(v("amzn", "2023", None), Some("Amazon Linux 2023"));
        assert_eq!(v("ubuntu", "22.04", None), Some("Ubuntu 22.04"));
        assert_eq!(
            v("centos", "8", Some("CentOS Stream 8")),
            Some("CentOS Stream 8")
        );
        assert_eq!(
            v("centos", "8", Some("CentOS Linux 8")),
            Some("CentOS Linux 8")
        );
        assert_eq!(v("fedora", "39", None), None);
    }

    #[test]
    fn phases() {
        let rhel7 = lookup("rhel", "7.9", None).unwrap();
        let on = |s| Support::of(rhel7, Date::parse(s).unwrap()).phase;
        assert_eq!(on("2024-06-30"), Phase::Standard);
        assert_eq!(on("2024-07-01"), Phase::Extended);
        assert_eq!(on("2029-06-01"), Phase::Ended);
        let c7 = lookup("centos", "7", None).unwrap();
        assert_eq!(
            Support::of(c7, Date::parse("2025-01-01").unwrap()).phase,
            Phase::Ended
        );
    }
}
