//! `/etc/os-release` and `/usr/lib/os-release` (os-release(5)).
//!
//! Sample (Debian 12's base-files):
//!
//! ```text
//! PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
//! NAME="Debian GNU/Linux"
//! VERSION_ID="12"
//! VERSION="12 (bookworm)"
//! VERSION_CODENAME=bookworm
//! ID=debian
//! ```
//!
//! The format is a list of shell-compatible variable assignments: values may
//! be unquoted, 'single' or "double" quoted, with backslash escapes for `$`,
//! `"`, `` ` `` and `\` inside double quotes. Lines that are not assignments
//! are reported and skipped, as systemd does.

use super::{ParseError, Parsed, Partial};
use std::collections::BTreeMap;

/// The identifying fields of os-release; `fields` keeps every assignment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OsRelease {
    pub id: Option<String>,
    /// `ID_LIKE`, split on whitespace, closest relative first.
    pub id_like: Vec<String>,
    pub version_id: Option<String>,
    pub version: Option<String>,
    pub version_codename: Option<String>,
    pub name: Option<String>,
    pub pretty_name: Option<String>,
    pub fields: BTreeMap<String, String>,
}

pub fn parse(bytes: &[u8]) -> Parsed<OsRelease> {
    let Partial {
        value: fields,
        errors,
    } = parse_assignments(bytes)?;
    let get = |key: &str| fields.get(key).filter(|v| !v.is_empty()).cloned();
    let value = OsRelease {
        id: get("ID"),
        id_like: fields
            .get("ID_LIKE")
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        version_id: get("VERSION_ID"),
        version: get("VERSION"),
        version_codename: get("VERSION_CODENAME"),
        name: get("NAME"),
        pretty_name: get("PRETTY_NAME"),
        fields,
    };
    Ok(Partial { value, errors })
}

/// Parses `KEY=value` lines with shell quoting; also used for
/// `/etc/lsb-release`, which follows the same conventions. Broken when no
/// line is an assignment but some line is something else (not this format
/// at all); each other line that is not one is skipped, by line.
pub fn parse_assignments(bytes: &[u8]) -> Parsed<BTreeMap<String, String>> {
    let text = String::from_utf8_lossy(bytes);
    let mut fields = BTreeMap::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            errors.push(ParseError::at_line(index + 1, "not a KEY=value assignment"));
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            errors.push(ParseError::at_line(
                index + 1,
                format!("invalid variable name {key:?}"),
            ));
            continue;
        }
        match unquote(value.trim()) {
            Some(value) => {
                fields.insert(key.to_owned(), value);
            }
            None => errors.push(ParseError::at_line(index + 1, "unterminated quote")),
        }
    }
    if fields.is_empty() && !errors.is_empty() {
        let first = errors.swap_remove(0);
        return Err(ParseError {
            message: format!("no KEY=value assignment; {}", first.message),
            ..first
        });
    }
    Ok(Partial::new(fields, errors))
}

/// Shell-style unquoting of one value; `None` when a quote is left open.
fn unquote(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        c @ ('$' | '"' | '\\' | '`') => out.push(c),
                        c => {
                            out.push('\\');
                            out.push(c);
                        }
                    },
                    c => out.push(c),
                }
            },
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn debian12_base_files() {
        let parsed = parse(&fixture("debian12-base-files/usr/lib/os-release")).unwrap();
        assert!(parsed.errors.is_empty());
        let os = parsed.value;
        assert_eq!(os.id.as_deref(), Some("debian"));
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert!(os.id_like.is_empty());
    }

    #[test]
    fn this_machine_matches_its_own_file() {
        let parsed = parse(&fixture("debian12-this-machine/etc/os-release")).unwrap();
        assert_eq!(parsed.value.id.as_deref(), Some("debian"));
        assert_eq!(parsed.value.name.as_deref(), Some("Debian GNU/Linux"));
    }

    #[test]
    fn ubuntu1404_has_id_like() {
        let os = parse(&fixture("ubuntu1404/etc/os-release")).unwrap().value;
        assert_eq!(os.id.as_deref(), Some("ubuntu"));
        assert_eq!(os.id_like, vec!["debian"]);
        assert_eq!(os.version.as_deref(), Some("14.04.6 LTS, Trusty Tahr"));
    }

    #[test]
    fn quoting_and_escapes() {
        let text = b"ID='rhel'\nID_LIKE=\"fedora centos\"\nNAME=\"A \\\"quoted\\\" \\$name\"\n\
                     VERSION=plain\\ word\nbroken line\nPRETTY_NAME=\"open\n";
        let parsed = parse(text).unwrap();
        let os = parsed.value;
        assert_eq!(os.id.as_deref(), Some("rhel"));
        assert_eq!(os.id_like, vec!["fedora", "centos"]);
        assert_eq!(os.name.as_deref(), Some("A \"quoted\" $name"));
        assert_eq!(os.version.as_deref(), Some("plain word"));
        assert_eq!(os.pretty_name, None);
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].line, Some(5));
    }

    /// Text with no assignment at all (a binary file, an HTML page) is not
    /// os-release: broken, naming its first line, not an empty identity.
    #[test]
    fn refuses_text_with_no_assignment() {
        let e = parse(b"<html>\n<body>not found</body>\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("no KEY=value"), "{e}");
        assert!(parse_assignments(b"\x7fELF\x02\x01").is_err());
        // An empty file and one of comments are present and empty.
        assert!(parse_assignments(b"").unwrap().is_empty());
        assert!(parse_assignments(b"# nothing\n\n")
            .unwrap()
            .errors
            .is_empty());
    }
}
