//! Alpine's package database, `/lib/apk/db/installed`.
//!
//! One stanza per installed package, separated by blank lines; each line is
//! a one-letter key, a colon and a value. `F:` opens a directory (relative to
//! the root) and the `R:` lines after it are files in it. The musl entry of
//! Alpine 3.14's database (as quoted in FOSSA's APK documentation):
//!
//! ```text
//! C:Q1Deb0jNytkrjPW4N/eKLZ43BwOlw=
//! P:musl
//! V:1.2.2-r7
//! A:x86_64
//! S:383152
//! I:622592
//! T:the musl c library (libc) implementation
//! U:https://musl.libc.org/
//! L:MIT
//! o:musl
//! m:Timo Teräs <timo.teras@iki.fi>
//! t:1632431095
//! c:bf5bbfdbf780092f387b7abe401fbfceda90c84d
//! p:so:libc.musl-x86_64.so.1=1
//! F:lib
//! R:ld-musl-x86_64.so.1
//! a:0:0:755
//! Z:Q12adwqQOjo9dFl+VJD2Ecd901vhE=
//! R:libc.musl-x86_64.so.1
//! a:0:0:777
//! Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=
//! ```
//!
//! apk versions keep their package release (`-r7`) as part of the version,
//! so `version` holds the whole string and `release` is `None`. apk records
//! no install time; `t:` is the build time.

use super::{ParseError, Parsed, Partial};
use crate::vocab::packages::{InstalledPackage, PackageManager};

/// Parses the database. A stanza without `P:` is one error; the others are
/// kept, in file order.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<InstalledPackage>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    let mut current: Option<(usize, InstalledPackage)> = None;
    let mut dir = String::new();
    for (n, line) in text.lines().chain(std::iter::once("")).enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if let Some((start, p)) = current.take() {
                if p.name.is_empty() {
                    out.errors
                        .push(ParseError::at_line(start, "package has no P: (name) line"));
                } else {
                    out.value.push(p);
                }
            }
            continue;
        }
        let (_, p) = current.get_or_insert_with(|| {
            dir.clear();
            (n + 1, InstalledPackage::new(PackageManager::Apk))
        });
        let Some((key, value)) = line.split_once(':') else {
            out.errors.push(ParseError::at_line(
                n + 1,
                format!("not a key:value line: {}", super::shown(line)),
            ));
            continue;
        };
        let text = || Some(value.to_owned()).filter(|v| !v.is_empty());
        match key {
            "P" => p.name = value.to_owned(),
            "V" => p.version = value.to_owned(),
            "A" => p.arch = text(),
            "o" => p.source = text(),
            "I" => p.installed_size_bytes = value.parse().ok(),
            "t" => p.build_time = value.parse().ok(),
            "L" => p.license = text(),
            "T" => p.summary = text(),
            "m" => p.maintainer = text(),
            "F" => {
                dir = value.to_owned();
                p.files.push(format!("/{dir}"));
            }
            "R" if dir.is_empty() => p.files.push(format!("/{value}")),
            "R" => p.files.push(format!("/{dir}/{value}")),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "C:Q1Deb0jNytkrjPW4N/eKLZ43BwOlw=
P:musl
V:1.2.2-r7
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1632431095
c:bf5bbfdbf780092f387b7abe401fbfceda90c84d
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q12adwqQOjo9dFl+VJD2Ecd901vhE=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=
";

    #[test]
    fn parses_the_doc_sample() {
        let p = &crate::testing::only(parse(SAMPLE.as_bytes()));
        assert_eq!(
            (
                p.name.as_str(),
                p.version.as_str(),
                p.epoch,
                p.release.as_deref()
            ),
            ("musl", "1.2.2-r7", None, None)
        );
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(p.source.as_deref(), Some("musl"));
        assert_eq!(p.installed_size_bytes, Some(622592));
        assert_eq!(p.build_time, Some(1632431095));
        assert_eq!(p.install_time, None);
        assert_eq!(p.license.as_deref(), Some("MIT"));
        assert_eq!(
            p.maintainer.as_deref(),
            Some("Timo Teräs <timo.teras@iki.fi>")
        );
        assert_eq!(
            p.files,
            [
                "/lib",
                "/lib/ld-musl-x86_64.so.1",
                "/lib/libc.musl-x86_64.so.1"
            ]
        );
    }

    #[test]
    fn stanza_without_name_is_an_error_and_others_are_kept() {
        let text = format!("V:1.0-r0\nA:x86_64\n\n{SAMPLE}\n");
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(
            parsed.errors,
            [ParseError::at_line(1, "package has no P: (name) line")]
        );
        assert_eq!(parsed.value.len(), 1);
        assert_eq!(
            parsed.value[0].files.len(),
            3,
            "F: of one package does not leak into the next"
        );
    }
}
