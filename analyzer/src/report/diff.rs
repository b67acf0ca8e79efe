//! `lift diff`'s report: the JSON contract ([`DiffReport`], assembled from
//! the two models and diff/'s comparison) and what a person reads first
//! ([`DiffReport::page`]): which machines the two inputs are (a loud warning
//! where they are different machines), their systems side by side, then a
//! count per category, then each category with its reason said once. The
//! JSON keeps every change with its own reason; the page says a reason
//! shared by a category's rows once.

use serde::Serialize;

use crate::diff::view::{self, Identities, SystemRow};
use crate::diff::{self, Change, NotComparable};
use crate::model;
use crate::profile::Target;
use crate::snapshot::Snapshot;

/// The JSON contract of `lift diff --format json`; the templates show its
/// [`DiffReport::page`].
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub source: String,
    /// The migrated host's input (the JSON says `target`, as the command
    /// line's second argument).
    #[serde(rename = "target")]
    pub migrated: String,
    pub profile: &'static str,
    /// Which machines the two inputs are.
    pub identity: Option<Identities>,
    /// OS, kernel, init system, boot loader, architecture, side by side.
    pub system: Vec<SystemRow>,
    pub changes: Vec<Change>,
    pub not_comparable: Vec<NotComparable>,
}

impl DiffReport {
    /// `before` (named `source`) against `after` (named `migrated`): both
    /// models, what changed between them (`diff::compare`), which machines
    /// they are and their systems side by side (`diff::view`).
    pub fn new(
        source: String,
        migrated: String,
        before: &dyn Snapshot,
        after: &dyn Snapshot,
        t: &Target,
    ) -> DiffReport {
        let (a, b) = (model::build(before), model::build(after));
        let (changes, not_comparable) = diff::compare(before, after, &a, &b, t);
        DiffReport {
            source,
            migrated,
            profile: t.profile.name(),
            identity: Some(view::Identities::new(&a, &b)),
            system: view::system(&a, &b),
            changes,
            not_comparable,
        }
    }
}

/// What the diff templates show: the report, its counts, and its changes
/// by category.
#[derive(Debug, Serialize)]
pub struct DiffPage<'r> {
    source: &'r str,
    migrated: &'r str,
    profile: &'static str,
    identity: &'r Option<Identities>,
    system: &'r [SystemRow],
    unexpected: usize,
    expected: usize,
    not_comparable: usize,
    categories: Vec<Category<'r>>,
}

impl DiffReport {
    /// The templates' context: the report, and its changes by category.
    pub fn page(&self) -> DiffPage<'_> {
        let unexpected = self.changes.iter().filter(|c| !c.expected).count();
        DiffPage {
            source: &self.source,
            migrated: &self.migrated,
            profile: self.profile,
            identity: &self.identity,
            system: &self.system,
            unexpected,
            expected: self.changes.len() - unexpected,
            not_comparable: self.not_comparable.len(),
            categories: categories(self),
        }
    }
}

/// A change as its category's table shows it: its reason only where it is
/// not the category's common one.
#[derive(Debug, Serialize)]
struct Row<'r> {
    key: &'r str,
    before: Option<&'r str>,
    after: Option<&'r str>,
    expected: bool,
    reason: Option<&'r str>,
}

#[derive(Debug, Serialize)]
struct Category<'r> {
    name: &'r str,
    unexpected: usize,
    expected: usize,
    not_comparable: usize,
    /// The reason most unexpected (expected) rows share, said once.
    unexpected_reason: Option<&'r str>,
    expected_reason: Option<&'r str>,
    /// Rows of the category that give a reason of their own instead.
    own_reasons: usize,
    /// Every row is of one kind, said with its reason above the table:
    /// the rows carry no tag of their own.
    uniform: bool,
    rows: Vec<Row<'r>>,
    unseen: Vec<&'r NotComparable>,
}

/// The order categories are shown in: the system, then software, then
/// network, then files. Others follow by name.
const ORDER: &[&str] = &[
    "os",
    "packages",
    "packages upgraded",
    "packages downgraded",
    "services",
    "listeners",
    "mounts",
    "fstab",
    "interfaces",
    "hosts",
    "users",
    "groups",
    "cron",
    "etc",
];

/// The reason most rows share (the first of equals), said once for the
/// category: every row's where there is one row, else one at least two
/// rows give. Rows with another reason keep theirs (fstab: the root line's
/// own reason beside the profile's on the others).
fn common<'r>(rows: impl Iterator<Item = &'r Change>) -> Option<&'r str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut total = 0;
    for r in rows {
        total += 1;
        let Some(reason) = r.reason.as_deref() else {
            continue;
        };
        match counts.iter_mut().find(|(x, _)| *x == reason) {
            Some(c) => c.1 += 1,
            None => counts.push((reason, 1)),
        }
    }
    let mut best: Option<(&str, usize)> = None;
    for (reason, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((reason, n));
        }
    }
    best.filter(|&(_, n)| n >= 2 || n == total).map(|(r, _)| r)
}

fn categories(r: &DiffReport) -> Vec<Category<'_>> {
    let mut names: Vec<&str> = r
        .changes
        .iter()
        .map(|c| c.category)
        .chain(r.not_comparable.iter().map(|n| n.category))
        .collect();
    names.sort_by_key(|n| (ORDER.iter().position(|o| o == n).unwrap_or(ORDER.len()), *n));
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let of = |expected: bool| {
                r.changes
                    .iter()
                    .filter(move |c| c.category == name && c.expected == expected)
            };
            let (unexpected_reason, expected_reason) = (common(of(false)), common(of(true)));
            let rows: Vec<Row> = of(false)
                .chain(of(true))
                .map(|c| {
                    let shared = if c.expected {
                        expected_reason
                    } else {
                        unexpected_reason
                    };
                    Row {
                        key: &c.key,
                        before: c.before.as_deref(),
                        after: c.after.as_deref(),
                        expected: c.expected,
                        reason: c.reason.as_deref().filter(|r| Some(*r) != shared),
                    }
                })
                .collect();
            let unseen: Vec<&NotComparable> = r
                .not_comparable
                .iter()
                .filter(|n| n.category == name)
                .collect();
            let (unexpected, expected) = (of(false).count(), of(true).count());
            let own_reasons = rows.iter().filter(|r| r.reason.is_some()).count();
            Category {
                name,
                unexpected,
                expected,
                not_comparable: unseen.len(),
                own_reasons,
                uniform: own_reasons == 0
                    && ((expected == 0 && unexpected_reason.is_some())
                        || (unexpected == 0 && expected_reason.is_some())),
                unexpected_reason,
                expected_reason,
                rows,
                unseen,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(category: &'static str, key: &str, expected: bool, reason: &str) -> Change {
        Change {
            category,
            key: key.into(),
            before: Some("a".into()),
            after: None,
            expected,
            reason: Some(reason.into()),
        }
    }

    /// A generic diff of a to b with these changes and nothing else.
    fn with(changes: Vec<Change>) -> DiffReport {
        DiffReport {
            source: "a".into(),
            migrated: "b".into(),
            profile: "generic",
            identity: None,
            system: Vec::new(),
            changes,
            not_comparable: Vec::new(),
        }
    }

    /// Issue 24: the same 170-character reason on each of 1,815 rows.
    #[test]
    fn a_shared_reason_is_said_once() {
        let r = with(vec![
            change("etc", "/etc/a", false, "the profile expects no change"),
            change("etc", "/etc/b", false, "the profile expects no change"),
            change("os", "kernel", false, "kernel changed"),
            change("os", "hostname", false, "host renamed"),
        ]);
        let cats = categories(&r);
        assert_eq!(
            cats.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["os", "etc"]
        );
        assert_eq!(
            cats[1].unexpected_reason,
            Some("the profile expects no change")
        );
        assert!(cats[1].rows.iter().all(|r| r.reason.is_none()));
        assert_eq!(cats[0].unexpected_reason, None);
        assert!(cats[0].rows.iter().all(|r| r.reason.is_some()));
        // etc's rows are all unexpected for the reason said above them: no
        // tag column; os's rows each say their own.
        assert!(cats[1].uniform && !cats[0].uniform);
        let md = crate::render::render_diff(&r, crate::render::Format::Markdown).unwrap();
        let etc = &md[md.find("## etc").unwrap()..];
        assert!(
            etc.contains("| What | Before | After |\n|---|---|---|\n"),
            "{etc}"
        );
        assert!(!etc.contains("| unexpected"), "{etc}");
        let os = &md[md.find("## os").unwrap()..md.find("## etc").unwrap()];
        assert!(os.contains("| unexpected: host renamed |"), "{os}");
    }

    /// Issue 24: fstab between two hosts gave the generic profile's
    /// 170-character reason on six rows, the root line having its own.
    #[test]
    fn the_most_shared_reason_is_said_once_and_others_keep_theirs() {
        let generic = "the generic profile expects no change";
        let mut changes: Vec<Change> = ["/boot", "/tmp", "/proc"]
            .iter()
            .map(|k| change("fstab", k, false, generic))
            .collect();
        changes.insert(0, change("fstab", "/", false, "the root line changed"));
        changes.push(change("fstab", "swap", false, "the root line changed"));
        changes.push(change("etc", "/etc/x", false, "one"));
        changes.push(change("etc", "/etc/y", false, "two"));
        let r = with(changes);
        let cats = categories(&r);
        let fstab = cats.iter().find(|c| c.name == "fstab").unwrap();
        assert_eq!(fstab.unexpected_reason, Some(generic));
        let own: Vec<(&str, Option<&str>)> = fstab.rows.iter().map(|r| (r.key, r.reason)).collect();
        assert_eq!(
            own,
            [
                ("/", Some("the root line changed")),
                ("/boot", None),
                ("/tmp", None),
                ("/proc", None),
                ("swap", Some("the root line changed"))
            ]
        );
        assert_eq!(fstab.own_reasons, 2);
        // Two rows, two reasons: neither is the category's.
        let etc = cats.iter().find(|c| c.name == "etc").unwrap();
        assert_eq!(etc.unexpected_reason, None);
        assert_eq!(etc.own_reasons, 2);
    }
}
