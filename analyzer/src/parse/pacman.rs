//! pacman's local database entry, `/var/lib/pacman/local/NAME-VERSION/desc`
//! (Arch Linux and derivatives): one file per installed package, each field
//! a `%KEY%` line followed by its values, one a line, and a blank line. An
//! entry in the layout pacman 6 writes, with the values of Arch's bash
//! package:
//!
//! ```text
//! %NAME%
//! bash
//!
//! %VERSION%
//! 5.2.026-2
//!
//! %BASE%
//! bash
//!
//! %DESC%
//! The GNU Bourne Again shell
//!
//! %URL%
//! https://www.gnu.org/software/bash/bash.html
//!
//! %ARCH%
//! x86_64
//!
//! %BUILDDATE%
//! 1713467406
//!
//! %INSTALLDATE%
//! 1716889220
//!
//! %PACKAGER%
//! Tobias Powalowski <tpowa@archlinux.org>
//!
//! %SIZE%
//! 9345677
//!
//! %REASON%
//! 1
//!
//! %LICENSE%
//! GPL-3.0-or-later
//!
//! %VALIDATION%
//! pgp
//!
//! %DEPENDS%
//! readline
//! libreadline.so=8-64
//! glibc
//! ncurses
//! ```
//!
//! `%VERSION%` is `[epoch:]pkgver-pkgrel`, split here like rpm's.

use super::{ParseError, Parsed, Partial};
use crate::vocab::packages::{InstalledPackage, PackageManager};

/// Parses one `desc` file. `Err` when it has no `%NAME%` or `%VERSION%`.
pub fn parse(bytes: &[u8]) -> Parsed<InstalledPackage> {
    let text = String::from_utf8_lossy(bytes);
    let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.len() > 2 && line.starts_with('%') && line.ends_with('%') {
            fields.push((line, Vec::new()));
        } else if let Some((_, values)) = fields.last_mut().filter(|_| !line.is_empty()) {
            values.push(line);
        }
    }
    let values = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default()
    };
    let first = |key: &str| values(key).first().map(|v| v.to_string());
    let name = first("%NAME%").ok_or_else(|| ParseError::new("desc has no %NAME%"))?;
    let full_version =
        first("%VERSION%").ok_or_else(|| ParseError::new("desc has no %VERSION%"))?;
    let mut p = InstalledPackage::new(PackageManager::Pacman);
    let (epoch, rest) = match full_version.split_once(':') {
        Some((e, rest)) if e.parse::<u64>().is_ok() => (e.parse().ok(), rest),
        _ => (None, full_version.as_str()),
    };
    p.epoch = epoch;
    match rest.rsplit_once('-') {
        Some((version, release)) => {
            p.version = version.to_owned();
            p.release = Some(release.to_owned());
        }
        None => p.version = rest.to_owned(),
    }
    p.name = name;
    p.arch = first("%ARCH%");
    p.source = first("%BASE%");
    // pacman before 4.0 wrote dates as text; only numeric ones are kept.
    p.install_time = first("%INSTALLDATE%").and_then(|d| d.parse().ok());
    p.build_time = first("%BUILDDATE%").and_then(|d| d.parse().ok());
    p.installed_size_bytes = first("%SIZE%")
        .or_else(|| first("%ISIZE%"))
        .and_then(|s| s.parse().ok());
    let licenses = values("%LICENSE%");
    p.license = (!licenses.is_empty()).then(|| licenses.join(" AND "));
    p.summary = first("%DESC%");
    p.maintainer = first("%PACKAGER%");
    Ok(Partial::whole(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "%NAME%\nbash\n\n%VERSION%\n5.2.026-2\n\n%BASE%\nbash\n\n%DESC%\nThe GNU Bourne Again shell\n\n\
%URL%\nhttps://www.gnu.org/software/bash/bash.html\n\n%ARCH%\nx86_64\n\n%BUILDDATE%\n1713467406\n\n\
%INSTALLDATE%\n1716889220\n\n%PACKAGER%\nTobias Powalowski <tpowa@archlinux.org>\n\n%SIZE%\n9345677\n\n\
%REASON%\n1\n\n%LICENSE%\nGPL-3.0-or-later\n\n%VALIDATION%\npgp\n\n\
%DEPENDS%\nreadline\nlibreadline.so=8-64\nglibc\nncurses\n\n";

    #[test]
    fn parses_the_doc_sample() {
        let p = parse(SAMPLE.as_bytes()).map(|p| p.value).unwrap();
        assert_eq!(
            (
                p.name.as_str(),
                p.epoch,
                p.version.as_str(),
                p.release.as_deref()
            ),
            ("bash", None, "5.2.026", Some("2"))
        );
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(p.source.as_deref(), Some("bash"));
        assert_eq!(p.install_time, Some(1716889220));
        assert_eq!(p.build_time, Some(1713467406));
        assert_eq!(p.installed_size_bytes, Some(9345677));
        assert_eq!(p.license.as_deref(), Some("GPL-3.0-or-later"));
        assert_eq!(p.summary.as_deref(), Some("The GNU Bourne Again shell"));
    }

    #[test]
    fn splits_epoch_and_joins_licenses() {
        let desc = "%NAME%\nlibjpeg-turbo\n\n%VERSION%\n1:3.0.3-1\n\n%LICENSE%\nBSD-3-Clause\nIJG\n\n%INSTALLDATE%\nTue Jan 10 12:00:00 2012\n";
        let p = parse(desc.as_bytes()).map(|p| p.value).unwrap();
        assert_eq!(
            (p.epoch, p.version.as_str(), p.release.as_deref()),
            (Some(1), "3.0.3", Some("1"))
        );
        assert_eq!(p.license.as_deref(), Some("BSD-3-Clause AND IJG"));
        assert_eq!(p.install_time, None);
        assert_eq!(
            parse(b"%VERSION%\n1-1\n")
                .map(|p| p.value)
                .unwrap_err()
                .message,
            "desc has no %NAME%"
        );
    }
}
