//! The one table of words keyed by rule id.

use super::RuleId;
use crate::sources::{Missing, State};

/// Blockers and warnings that no command on the host fixes: the
/// architecture or the distribution, the boot loader, paravirtualization.
pub fn is_decision(id: RuleId) -> bool {
    matches!(
        id,
        RuleId::MgnOsSupported
            | RuleId::GenOsSupport
            | RuleId::MgnBootloader
            | RuleId::MgnNotParavirtualized
            | RuleId::CloudBootloader
    )
}

/// The step that would let an unknown be judged, from why its sources
/// gave nothing and what the input was: `kind` (`collection.kind`),
/// whether a probe made it (a bundle or its JSON form), and as whom.
pub fn resolve_step(
    missing: &[Missing],
    kind: &str,
    probed: bool,
    as_root: Option<bool>,
) -> Option<String> {
    let probe_as_root = "run lift-probe as root on the host (sudo ./lift-probe -o HOST.lift) and report on that bundle";
    let first = missing.first()?;
    let states = |s: State| missing.iter().any(|m| m.state == s);
    Some(if !probed && states(State::NotCollected) {
        format!(
            "this input is a {kind}, which holds no live /proc, /sys or system-call facts: {probe_as_root}, on the live host rather than over an image"
        )
    } else if !probed && states(State::Absent) {
        format!("this {kind} does not hold it: {probe_as_root}, on the live host")
    } else if states(State::Unreadable) && as_root == Some(true) {
        let m = missing
            .iter()
            .find(|m| m.state == State::Unreadable)
            .unwrap_or(first);
        format!(
            "{} could not be read even as root: look at it on the host itself, outside any container or sandbox that forbids it",
            m.source
        )
    } else if states(State::Unreadable) {
        let m = missing
            .iter()
            .find(|m| m.state == State::Unreadable)
            .unwrap_or(first);
        format!(
            "{} could not be read without root: {probe_as_root}",
            m.source
        )
    } else if states(State::Truncated) {
        "the probe's budget cut a source short: run it again with a larger --max-bytes or --max-seconds".to_string()
    } else if states(State::Broken) {
        let broken: Vec<&str> = missing
            .iter()
            .filter(|m| m.state == State::Broken)
            .map(|m| m.source.as_str())
            .collect();
        format!(
            "look at {} on the host: lift could not parse it",
            broken.join(", ")
        )
    } else if states(State::NotCollected) {
        format!("{}: {probe_as_root}", first)
    } else {
        format!(
            "check on the host: {} {} absent here",
            missing
                .iter()
                .map(|m| m.source.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )
    })
}

/// `1 package`, `2 packages`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub const UNTITLED: &str = "(untitled check)";

/// The title of a check named by its string (an export's column); a
/// string that is no check's id gets `UNTITLED`.
pub fn title(id: &str) -> &'static str {
    RuleId::parse(id).map_or(UNTITLED, RuleId::title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(state: State) -> Vec<Missing> {
        vec![Missing {
            source: "/proc/meminfo".into(),
            spec: "hw",
            state,
            detail: String::new(),
        }]
    }

    /// "1 warnings", "1 move groups": counts take the right form.
    #[test]
    fn counts_are_singular_at_one() {
        assert_eq!(count(1, "package", "packages"), "1 package");
        assert_eq!(count(0, "package", "packages"), "0 packages");
        assert_eq!(count(2, "move group", "move groups"), "2 move groups");
    }

    /// "Fix: sudo ./lift-probe" was offered on a directory input, where no
    /// probe ran: each unknown gets the step that fits how it was read.
    #[test]
    fn the_step_fits_the_input_and_the_reason() {
        let tree = resolve_step(&missing(State::NotCollected), "directory", false, None).unwrap();
        assert!(
            tree.starts_with("this input is a directory")
                && tree.contains("live host rather than over an image"),
            "{tree}"
        );
        let user = resolve_step(&missing(State::Unreadable), "bundle", true, Some(false)).unwrap();
        assert!(
            user.contains("without root") && user.contains("sudo ./lift-probe"),
            "{user}"
        );
        let root = resolve_step(&missing(State::Unreadable), "json", true, Some(true)).unwrap();
        assert!(
            root.contains("even as root") && !root.contains("sudo"),
            "{root}"
        );
        let cut = resolve_step(&missing(State::Truncated), "bundle", true, Some(true)).unwrap();
        assert!(cut.contains("--max-bytes"), "{cut}");
        let broken = resolve_step(&missing(State::Broken), "bundle", true, Some(true)).unwrap();
        assert!(broken.starts_with("look at /proc/meminfo"), "{broken}");
        let absent = resolve_step(&missing(State::Absent), "json", true, Some(true)).unwrap();
        assert_eq!(absent, "check on the host: /proc/meminfo is absent here");
        assert_eq!(resolve_step(&[], "bundle", true, None), None);
    }
}
