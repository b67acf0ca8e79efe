//! dpkg's per-package file lists, `/var/lib/dpkg/info/PACKAGE[:ARCH].list`:
//! every path the package installed, one per line, directories included.
//! The first lines of `hello.list` on Debian 12:
//!
//! ```text
//! /.
//! /usr
//! /usr/bin
//! /usr/bin/hello
//! /usr/share
//! ```
//!
//! The package name comes from the file name, which the caller knows; this
//! parser only turns the content into paths.

use super::{shown, ParseError, Parsed, Partial};

/// The paths of one `.list` file, in file order. `/.` (the root, listed by
/// every package) is left out; paths are not always UTF-8 and are converted
/// lossily. A line that is no absolute path is skipped, by line.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<String>> {
    let mut errors = Vec::new();
    let value = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty() && *line != b"/.")
        .filter_map(|(i, line)| {
            let path = String::from_utf8_lossy(line);
            if !path.starts_with('/') {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("not an absolute path: {}", shown(&path)),
                ));
                return None;
            }
            Some(path.into_owned())
        })
        .collect();
    Ok(Partial::new(value, errors))
}

/// The package name (with its `:arch` qualifier for Multi-Arch: same
/// packages, as dpkg names the file) from a `.list` file name.
pub fn package_name(file_name: &str) -> Option<&str> {
    file_name.strip_suffix(".list").filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_real_hello_list() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/debian12-dpkg/var/lib/dpkg/info/hello.list"
        ));
        let paths = parse(bytes).unwrap();
        assert_eq!(paths.errors, []);
        assert_eq!(&paths[..3], ["/usr", "/usr/bin", "/usr/bin/hello"]);
        assert!(paths.iter().any(|p| p == "/usr/share/man/man1/hello.1.gz"));
        assert!(!paths.iter().any(|p| p == "/."));
    }

    #[test]
    fn names_come_from_the_file_name() {
        assert_eq!(package_name("libc6:amd64.list"), Some("libc6:amd64"));
        assert_eq!(package_name("hello.md5sums"), None);
        let p = parse(b"/.\n/etc/caf\xe9\nrelative\n").unwrap();
        assert_eq!(p.value, ["/etc/caf\u{fffd}"]);
        assert_eq!(p.errors[0].line, Some(3));
    }
}
