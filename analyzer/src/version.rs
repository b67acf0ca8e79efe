//! Version ordering as rpm and dpkg define it, for rules ("is openssl older
//! than ...") and for diff ("upgraded" or "downgraded").
//!
//! Both algorithms split versions into alternating numeric and alphabetic
//! segments, but they differ in the details: rpm ignores separators and lets
//! `~` sort before anything and `^` after the base version; dpkg compares
//! non-digit runs character by character with letters before other symbols
//! and `~` before the end of the string.

use std::cmp::Ordering;

/// rpm's `rpmvercmp` (rpm 4.15+, with `^`) on one version or release string.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let is_sep = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while is_sep(at(a, i)) {
            i += 1;
        }
        while is_sep(at(b, j)) {
            j += 1;
        }
        let (ca, cb) = (at(a, i), at(b, j));
        // `~` sorts before everything, even the end of the string.
        if ca == b'~' || cb == b'~' {
            if ca != b'~' {
                return Ordering::Greater;
            }
            if cb != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // `^` sorts after the end of the string but before anything else.
        if ca == b'^' || cb == b'^' {
            if ca == 0 {
                return Ordering::Less;
            }
            if cb == 0 {
                return Ordering::Greater;
            }
            if ca != b'^' {
                return Ordering::Greater;
            }
            if cb != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == 0 || cb == 0 {
            break;
        }
        let numeric = ca.is_ascii_digit();
        let class = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (start_a, start_b) = (i, j);
        while class(at(a, i)) {
            i += 1;
        }
        while class(at(b, j)) {
            j += 1;
        }
        // A numeric segment is newer than an alphabetic one.
        if start_b == j {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut seg_a, mut seg_b) = (&a[start_a..i], &b[start_b..j]);
        if numeric {
            seg_a = trim_zeros(seg_a);
            seg_b = trim_zeros(seg_b);
            match seg_a.len().cmp(&seg_b.len()) {
                Ordering::Equal => {}
                longer => return longer,
            }
        }
        match seg_a.cmp(seg_b) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let zeros = s.iter().take_while(|&&c| c == b'0').count();
    &s[zeros..]
}

/// rpm's comparison of two packages' epoch, version and release: a missing
/// epoch counts as 0, and the releases are compared only when both are known.
pub fn rpm_evr_cmp(
    a: (Option<u64>, &str, Option<&str>),
    b: (Option<u64>, &str, Option<&str>),
) -> Ordering {
    a.0.unwrap_or(0)
        .cmp(&b.0.unwrap_or(0))
        .then_with(|| rpmvercmp(a.1, b.1))
        .then_with(|| match (a.2, b.2) {
            (Some(ra), Some(rb)) => rpmvercmp(ra, rb),
            _ => Ordering::Equal,
        })
}

/// A Debian version split as dpkg does: `[epoch:]upstream[-revision]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebianVersion<'a> {
    pub epoch: Option<u64>,
    pub upstream: &'a str,
    pub revision: Option<&'a str>,
}

impl<'a> DebianVersion<'a> {
    /// Splits at the first `:` and the last `-`. A non-numeric epoch is kept
    /// as part of the upstream version rather than rejected, so that a
    /// damaged status file still sorts somewhere.
    pub fn split(version: &'a str) -> Self {
        let (epoch, rest) = match version.split_once(':') {
            Some((e, rest)) => match e.trim().parse::<u64>() {
                Ok(n) => (Some(n), rest),
                Err(_) => (None, version),
            },
            None => (None, version),
        };
        match rest.rsplit_once('-') {
            Some((upstream, revision)) => DebianVersion {
                epoch,
                upstream,
                revision: Some(revision),
            },
            None => DebianVersion {
                epoch,
                upstream: rest,
                revision: None,
            },
        }
    }
}

/// dpkg's comparison of two full Debian versions (`dpkg --compare-versions`).
pub fn dpkg_version_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (DebianVersion::split(a), DebianVersion::split(b));
    a.epoch
        .unwrap_or(0)
        .cmp(&b.epoch.unwrap_or(0))
        .then_with(|| verrevcmp(a.upstream, b.upstream))
        .then_with(|| verrevcmp(a.revision.unwrap_or(""), b.revision.unwrap_or("")))
}

/// dpkg's weight of one non-digit character: `~` before the end of the
/// string, letters before every other symbol.
fn order(c: u8) -> i32 {
    match c {
        0 => 0,
        b'~' => -1,
        c if c.is_ascii_digit() => 0,
        c if c.is_ascii_alphabetic() => i32::from(c),
        c => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp` on one upstream version or revision.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (oa, ob) = (order(at(a, i)), order(at(b, j)));
            if oa != ob {
                return oa.cmp(&ob);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == b'0' {
            i += 1;
        }
        while at(b, j) == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(a, i).is_ascii_digit() && at(b, j).is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if at(b, j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// Cases from rpm's own test suite (tests/rpmvercmp.at).
    #[test]
    fn rpmvercmp_matches_rpm_test_suite() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0", "1.0", Greater),
            ("2.0.1", "2.0.1", Equal),
            ("2.0", "2.0.1", Less),
            ("2.0.1a", "2.0.1", Greater),
            ("5.5p1", "5.5p2", Less),
            ("5.5p10", "5.5p2", Greater),
            ("10xyz", "10.1xyz", Less),
            ("xyz10", "xyz10.1", Less),
            ("xyz.4", "8", Less),
            ("8", "xyz.4", Greater),
            ("5.6.7", "5.6.7", Equal),
            ("1.0aa", "1.0a", Greater),
            ("6.0.rc1", "6.0", Greater),
            ("10b2", "10a1", Greater),
            ("1.0010", "1.9", Greater),
            ("1.05", "1.5", Equal),
            ("2_0", "2.0", Equal),
            ("2.0", "2_0", Equal),
            ("a", "a", Equal),
            ("a+", "a+", Equal),
            ("a+", "a_", Equal),
            ("+a", "_a", Equal),
            ("+", "_", Equal),
            ("1b.fc17", "1.fc17", Less),
            ("1g.fc17", "1.fc17", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~rc1~git123", "1.0~rc1", Less),
            ("1.0", "1.0~rc1", Greater),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.01", Less),
            ("1.0^20160101", "1.0.1", Less),
            ("1.0^20160101^git1", "1.0^20160101", Greater),
            ("1.0^20160102", "1.0^20160101^git1", Greater),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.0^git1~pre", "1.0^git1", Less),
            ("1.0^git1", "1.0^git2", Less),
            ("1.0~rc1^git1", "1.0", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b), want, "rpmvercmp({a}, {b})");
        }
    }

    #[test]
    fn rpm_evr_epoch_wins_and_missing_epoch_is_zero() {
        assert_eq!(
            rpm_evr_cmp((Some(1), "1.0", Some("1")), (None, "9.9", Some("9"))),
            Greater
        );
        assert_eq!(
            rpm_evr_cmp((Some(0), "1.0", Some("1")), (None, "1.0", Some("1"))),
            Equal
        );
        assert_eq!(
            rpm_evr_cmp((None, "1.0", Some("1.el7")), (None, "1.0", Some("2.el7"))),
            Less
        );
        assert_eq!(
            rpm_evr_cmp((None, "1.0", None), (None, "1.0", Some("2"))),
            Equal
        );
    }

    /// Cases from dpkg's test suite (lib/dpkg/t/t-version.c) and Debian
    /// Policy 5.6.12's `~~ < ~~a < ~ < (empty) < a` example.
    #[test]
    fn dpkg_matches_dpkg_test_suite() {
        let cases = [
            ("0", "0", Equal),
            ("0", "00", Equal),
            ("1", "0", Greater),
            ("0:1.1", "1.1", Equal),
            ("1:0.5", "2.0", Greater),
            ("1:2.3-4", "1:2.3-4", Equal),
            ("1.0-1", "1.0-2", Less),
            ("1.0", "1.0-0", Equal),
            ("0.9", "0.10", Less),
            ("1.0a", "1.0", Greater),
            ("1.0+b1", "1.0", Greater),
            ("1.0a", "1.0+", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~~", "1.0~~a", Less),
            ("1.0~~a", "1.0~", Less),
            ("1.0~", "1.0", Less),
            ("1.0", "1.0a", Less),
            ("2.30-0ubuntu1", "2.30-0ubuntu1~18.04", Greater),
            ("1:9.18.19-1~deb12u1", "1:9.18.24-1", Less),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12", Less),
            ("a", "b", Less),
            ("1.2.3", "1.2.3.0", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(dpkg_version_cmp(a, b), want, "dpkg_version_cmp({a}, {b})");
            assert_eq!(
                dpkg_version_cmp(b, a),
                want.reverse(),
                "dpkg_version_cmp({b}, {a})"
            );
        }
    }

    #[test]
    fn debian_version_splits_epoch_and_last_hyphen() {
        let v = DebianVersion::split("1:2.3-rc-4");
        assert_eq!(
            v,
            DebianVersion {
                epoch: Some(1),
                upstream: "2.3-rc",
                revision: Some("4")
            }
        );
        let v = DebianVersion::split("5.2.15");
        assert_eq!(
            v,
            DebianVersion {
                epoch: None,
                upstream: "5.2.15",
                revision: None
            }
        );
    }
}
