//! dpkg's package database, `/var/lib/dpkg/status`, and the per-package
//! files of distroless images, `/var/lib/dpkg/status.d/*` (same format).
//!
//! One stanza per package, separated by blank lines; each field is `Name:
//! value`, continued on lines that start with a space. A stanza from Debian
//! 12:
//!
//! ```text
//! Package: bsdutils
//! Essential: yes
//! Status: install ok installed
//! Priority: required
//! Section: utils
//! Installed-Size: 355
//! Maintainer: util-linux packagers <util-linux@packages.debian.org>
//! Architecture: amd64
//! Multi-Arch: foreign
//! Source: util-linux (2.38.1-5+deb12u3)
//! Version: 1:2.38.1-5+deb12u3
//! Pre-Depends: libc6 (>= 2.34), libsystemd0
//! Recommends: bsdextrautils
//! Description: basic utilities from 4.4BSD-Lite
//!  This package contains the bare minimum of BSD utilities needed for a Debian
//!  system: logger, renice, script, scriptlive, scriptreplay and wall. The
//!  remaining standard BSD utilities are provided by bsdextrautils.
//! Homepage: https://www.kernel.org/pub/linux/utils/util-linux/
//! ```
//!
//! Every stanza of the database is kept, whatever its Status: removed
//! packages whose configuration files remain (`deinstall ok config-files`)
//! matter to a migration too. [`InstalledPackage::is_installed`] tells them
//! apart. A database stanza with no Status at all is not a package dpkg
//! knows as installed (dpkg reads it as `not-installed`), so [`parse`]
//! leaves it out.
//!
//! A distroless `status.d/NAME` file is the package's control stanza, copied
//! from the `.deb` with no Status: there, being present is being installed
//! ([`parse_status_d`]). Such directories also hold the package's other
//! control files (`NAME.md5sums`, `NAME.preinst`, ...), which
//! [`is_control_file`] names so that callers skip them.

use super::{ParseError, Parsed, Partial};
use crate::version::DebianVersion;
use crate::vocab::packages::{InstalledPackage, PackageManager};

/// Parses `/var/lib/dpkg/status`. A stanza without a Package field is one
/// error; the other stanzas are still returned, in file order, but those
/// without a Status field.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<InstalledPackage>> {
    let mut out = stanzas(bytes);
    out.value.retain(|p| p.status.is_some());
    Ok(out)
}

/// Parses one distroless `status.d/*` file: every stanza is installed.
pub fn parse_status_d(bytes: &[u8]) -> Parsed<Vec<InstalledPackage>> {
    Ok(stanzas(bytes))
}

/// The per-package files dpkg keeps beside a package's stanza (in
/// `info/`, and in distroless `status.d/`), by their suffix. Package names
/// may hold dots themselves (`python3.11`), so only these suffixes count.
const CONTROL_SUFFIXES: &[&str] = &[
    "md5sums",
    "conffiles",
    "list",
    "preinst",
    "postinst",
    "prerm",
    "postrm",
    "config",
    "templates",
    "triggers",
    "shlibs",
    "symbols",
    "clilibs",
];

/// True for `libc6.md5sums`, `libc6.preinst`, ...: not a package stanza.
pub fn is_control_file(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && CONTROL_SUFFIXES.contains(&ext))
}

fn stanzas(bytes: &[u8]) -> Partial<Vec<InstalledPackage>> {
    let text = super::text(bytes);
    let mut out = Partial {
        value: Vec::new(),
        errors: Vec::new(),
    };
    let mut stanza = Fields::default();
    let mut start = 0;
    for (n, line) in lines(&text).chain(std::iter::once("")).enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A field line starts with its name: not blank, no trim needed.
        let blank =
            !line.as_bytes().first().is_some_and(u8::is_ascii_graphic) && line.trim().is_empty();
        if blank {
            if !stanza.is_empty() {
                match package(&stanza) {
                    Some(p) => out.value.push(p),
                    None => out
                        .errors
                        .push(ParseError::at_line(start, "stanza has no Package field")),
                }
                stanza = Fields::default();
            }
            continue;
        }
        if stanza.is_empty() {
            start = n + 1;
        }
        // Continuation lines only extend multi-line fields (Description,
        // Conffiles), of which only the first line is used here.
        if line.starts_with([' ', '\t']) {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) => stanza.push(name.trim(), value.trim()),
            None => out.errors.push(ParseError::at_line(
                n + 1,
                format!("not a field: {}", super::shown(line)),
            )),
        }
    }
    out
}

/// `str::lines` (a final line break ends the last line; `\r\n` too), found
/// with `memchr`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = (!text.is_empty()).then_some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        Some(match memchr::memchr(b'\n', t.as_bytes()) {
            Some(i) => {
                rest = (i + 1 < t.len()).then(|| &t[i + 1..]);
                t[..i].strip_suffix('\r').unwrap_or(&t[..i])
            }
            None => {
                rest = None;
                t
            }
        })
    })
}

/// The fields of one stanza that a package is made of, each the first of
/// its name (dpkg field names are case-insensitive).
#[derive(Default)]
struct Fields<'a> {
    values: [Option<&'a str>; FIELDS.len()],
    /// Field lines in the stanza so far.
    lines: usize,
}

const FIELDS: [&str; 10] = [
    "Package",
    "Version",
    "Architecture",
    "Source",
    "Status",
    "Installed-Size",
    "Maintainer",
    "Pre-Depends",
    "Depends",
    "Description",
];

impl<'a> Fields<'a> {
    fn is_empty(&self) -> bool {
        self.lines == 0
    }

    fn push(&mut self, name: &str, value: &'a str) {
        self.lines += 1;
        let slot = FIELDS
            .iter()
            .position(|f| f.len() == name.len() && f.eq_ignore_ascii_case(name));
        if let Some(slot) = slot {
            self.values[slot].get_or_insert(value);
        }
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        let slot = FIELDS.iter().position(|f| *f == name);
        self.values[slot.expect("a name from FIELDS")]
    }
}

fn package(fields: &Fields) -> Option<InstalledPackage> {
    let field = |name: &str| fields.get(name);
    let owned = |name: &str| field(name).filter(|v| !v.is_empty()).map(str::to_owned);
    let name = field("Package").filter(|n| !n.is_empty())?;
    let mut p = InstalledPackage::new(PackageManager::Dpkg);
    p.name = name.to_owned();
    p.version = field("Version").unwrap_or_default().to_owned();
    p.epoch = DebianVersion::split(&p.version).epoch;
    p.arch = owned("Architecture");
    // "Source: util-linux (2.38.1-5+deb12u3)" names the source package and,
    // when it differs from the binary's, its version; no Source means the
    // source package has the binary's name.
    p.source = Some(match field("Source") {
        Some(source) if !source.is_empty() => source
            .split_whitespace()
            .next()
            .unwrap_or(source)
            .to_owned(),
        _ => name.to_owned(),
    });
    p.status = owned("Status");
    p.installed_size_bytes = field("Installed-Size")
        .and_then(|kib| kib.parse::<u64>().ok())
        // A size past u64 in bytes is no size (found by fuzzing).
        .and_then(|kib| kib.checked_mul(1024));
    p.maintainer = owned("Maintainer");
    // "libc6 (>= 2.34), libsystemd0 | systemd, perl:any": names only.
    p.depends = ["Pre-Depends", "Depends"]
        .iter()
        .filter_map(|f| field(f))
        .flat_map(|v| v.split([',', '|']))
        .filter_map(|d| d.split_whitespace().next())
        .map(|d| d.split(':').next().unwrap_or(d).to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    p.summary = owned("Description");
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_str_lines() {
        for t in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\nb\r\n\n",
            "\n\nx\ry\r",
            "a\r",
            "\r\n",
        ] {
            assert_eq!(
                lines(t).collect::<Vec<_>>(),
                t.lines().collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn field_names_are_case_insensitive_and_the_first_counts() {
        let p = &parse(b"package: a\nPACKAGE: b\nStatus: x\nversion: 1\n")
            .unwrap()
            .value[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), ("a", "1"));
    }

    #[test]
    fn depends_are_names() {
        let p = &parse(SAMPLE.as_bytes()).unwrap().value[0];
        assert!(p.depends.contains(&"libc6".to_string()), "{:?}", p.depends);
        assert!(
            p.depends.contains(&"libsystemd0".to_string()),
            "{:?}",
            p.depends
        );
    }

    const SAMPLE: &str = "Package: bsdutils
Essential: yes
Status: install ok installed
Priority: required
Section: utils
Installed-Size: 355
Maintainer: util-linux packagers <util-linux@packages.debian.org>
Architecture: amd64
Multi-Arch: foreign
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
Pre-Depends: libc6 (>= 2.34), libsystemd0
Recommends: bsdextrautils
Description: basic utilities from 4.4BSD-Lite
 This package contains the bare minimum of BSD utilities needed for a Debian
 system: logger, renice, script, scriptlive, scriptreplay and wall. The
 remaining standard BSD utilities are provided by bsdextrautils.
Homepage: https://www.kernel.org/pub/linux/utils/util-linux/
";

    #[test]
    fn parses_the_doc_sample() {
        let p = &crate::testing::only(parse(SAMPLE.as_bytes()));
        assert_eq!(p.name, "bsdutils");
        assert_eq!(p.version, "1:2.38.1-5+deb12u3");
        assert_eq!(p.epoch, Some(1));
        assert_eq!(p.release, None);
        assert_eq!(p.arch.as_deref(), Some("amd64"));
        assert_eq!(p.source.as_deref(), Some("util-linux"));
        assert_eq!(p.installed_size_bytes, Some(355 * 1024));
        assert_eq!(
            p.summary.as_deref(),
            Some("basic utilities from 4.4BSD-Lite")
        );
        assert!(p.is_installed());
    }

    /// Real dpkg output in several states; see fixtures/gen/dpkg.sh.
    #[test]
    fn fixture_keeps_every_state() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/debian12-dpkg/var/lib/dpkg/status"
        ));
        let parsed = parse(bytes).unwrap();
        assert_eq!(parsed.errors, []);
        let summary: Vec<_> = parsed
            .value
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.arch.as_deref(),
                    p.source.as_deref(),
                    p.is_installed(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("bash", "5.2.15-2+b13", Some("amd64"), Some("bash"), false),
                ("hello", "2.10-3", Some("amd64"), Some("hello"), true),
                (
                    "media-types",
                    "10.0.0",
                    Some("all"),
                    Some("media-types"),
                    false
                ),
                (
                    "sensible-utils",
                    "0.0.17+nmu1",
                    Some("all"),
                    Some("sensible-utils"),
                    true
                ),
            ]
        );
        let bash = &parsed.value[0];
        assert_eq!(bash.status.as_deref(), Some("install ok unpacked"));
        assert_eq!(bash.epoch, None);
        assert_eq!(bash.installed_size_bytes, Some(7164 * 1024));
        assert_eq!(
            bash.maintainer.as_deref(),
            Some("Matthias Klose <doko@debian.org>")
        );
        assert_eq!(bash.summary.as_deref(), Some("GNU Bourne Again SHell"));
        assert_eq!(
            parsed.value[2].status.as_deref(),
            Some("deinstall ok config-files")
        );
    }

    #[test]
    fn stanza_without_package_is_an_error_and_others_are_kept() {
        let text = "Status: install ok installed\nVersion: 1\n\nPackage: zlib1g\nVersion: 1:1.2.13.dfsg-1\n";
        let parsed = parse_status_d(text.as_bytes()).unwrap();
        assert_eq!(
            parsed.errors,
            [ParseError::at_line(1, "stanza has no Package field")]
        );
        assert_eq!(parsed.value.len(), 1);
        assert_eq!(parsed.value[0].epoch, Some(1));
        assert!(
            parsed.value[0].is_installed(),
            "distroless status.d entries have no Status"
        );
    }

    /// trivy's corrupted-status test data: two stanzas without Status
    /// (one with no Version either) are not installed packages.
    #[test]
    fn database_stanza_without_status_is_not_a_package() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/dpkg-samples/trivy-corrupsed-status"
        ));
        let parsed = parse(bytes).unwrap();
        let names: Vec<&str> = parsed.value.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["libpam-runtime", "libpam-modules-bin", "makedev", "libgcc1"]
        );
        assert!(parsed.value.iter().all(InstalledPackage::is_installed));
        let all = parse_status_d(bytes).unwrap();
        assert_eq!(all.value.len(), 6, "the same stanzas read as control files");
    }

    /// trivy's distroless test data: control stanzas beside an md5sums file.
    #[test]
    fn status_d_holds_control_stanzas_and_control_files() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/distroless-status-d/var/lib/dpkg/status.d"
        );
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !is_control_file(n))
            .collect();
        names.sort();
        assert_eq!(names, ["libc6", "libssl3", "openssl"]);
        let libc = parse_status_d(&std::fs::read(format!("{dir}/libc6")).unwrap()).unwrap();
        assert_eq!(libc.errors, []);
        assert_eq!(libc.value[0].version, "2.36-9+deb12u7");
        assert_eq!(libc.value[0].source.as_deref(), Some("glibc"));
        assert!(libc.value[0].is_installed());
        assert!(is_control_file("libc6.preinst"));
        assert!(!is_control_file("python3.11"));
        assert!(!is_control_file("libstdc++6"));
    }
}
