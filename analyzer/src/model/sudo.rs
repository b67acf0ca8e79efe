//! Who sudo lets run everything as root: /etc/sudoers and every file it
//! includes, read in sudo's order.

use std::collections::HashSet;

use serde::Serialize;

use super::facts::Facts;
use crate::parse::sudoers::{self, Sudoers};
use crate::sources as src;
pub use crate::vocab::sudo::Grant;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SudoRights {
    /// Files read, /etc/sudoers first, then includes where they appear.
    pub files: Vec<String>,
    /// Files named (the main one or an include) that gave nothing, and why.
    pub missing: Vec<String>,
    /// Users and groups with full rights on this host.
    pub full: Vec<Grant>,
}

/// sudo stops at 128 nested includes; a loop must not run forever here.
const MAX_FILES: usize = 128;

/// Bytes parsed across /etc/sudoers and its includes. Real ones are a few
/// KiB; a hostile bundle once included one large file under many spellings
/// (`/big`, `//big`, `/./big`) and parsing it again and again passed 8 GB.
const MAX_BYTES: usize = 4 << 20;

pub fn sudo(f: &Facts, hostname: Option<&str>) -> SudoRights {
    let mut r = SudoRights::default();
    let mut parsed: Vec<(String, Sudoers)> = Vec::new();
    // Files are known by their canonical path (`//big`, `/etc/../big` and a
    // symlink to it are one file), each read once.
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut bytes_read = 0;
    let mut queue = vec![src::SUDOERS.path().to_string()];
    while let Some(path) = queue.pop() {
        if parsed.len() >= MAX_FILES {
            r.missing.push(format!(
                "{path} was not read: more than {MAX_FILES} sudoers files"
            ));
            break;
        }
        match f.resolve_at(&src::SUDOERS, &path) {
            Ok(canonical) => {
                if !seen.insert(canonical) {
                    continue;
                }
            }
            Err(e) => {
                r.missing.push(e.to_string());
                continue;
            }
        }
        let Some(bytes) = f.bytes_at(&src::SUDOERS, &path) else {
            r.missing.push(f.why_missing(&path));
            continue;
        };
        bytes_read += bytes.len();
        if bytes_read > MAX_BYTES {
            r.missing.push(format!(
                "{path} was not read: the sudoers files pass {MAX_BYTES} bytes together"
            ));
            break;
        }
        let p = match sudoers::parse(&bytes) {
            Ok(p) => p,
            Err(e) => {
                f.broken(&src::SUDOERS, &path, e);
                continue;
            }
        };
        for e in p.errors.iter().take(MAX_PROBLEMS) {
            f.problem(&path, e.to_string());
        }
        if p.errors.len() > MAX_PROBLEMS {
            f.problem(
                &path,
                format!("and {} more unparsed lines", p.errors.len() - MAX_PROBLEMS),
            );
        }
        let s = p.value;
        r.files.push(path.clone());
        // Includes are read where they appear: push them in reverse.
        let mut next = Vec::new();
        for inc in &s.includes {
            let p = resolve(&path, &inc.path, hostname);
            if inc.dir {
                // sudo skips names that end in `~` or contain a `.`.
                let mut names: Vec<String> = f
                    .list_at(&src::SUDOERS, &p)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| String::from_utf8_lossy(&c.name).into_owned())
                    .filter(|n| !n.ends_with('~') && !n.contains('.'))
                    .collect();
                names.sort();
                next.extend(
                    names
                        .into_iter()
                        .map(|n| format!("{}/{n}", p.trim_end_matches('/'))),
                );
            } else {
                next.push(p);
            }
        }
        queue.extend(next.into_iter().rev());
        parsed.push((path, s));
    }
    r.full = sudoers::full_rights(&parsed, hostname);
    r
}

/// Parse errors reported per file; the rest are counted.
const MAX_PROBLEMS: usize = 100;

/// A relative include is relative to the including file's directory
/// (sudo 1.9.1+); `%h` is the short host name.
fn resolve(from: &str, inc: &str, hostname: Option<&str>) -> String {
    let short = hostname
        .map(|h| h.split('.').next().unwrap_or(h))
        .unwrap_or("%h");
    let inc = inc.replace("%h", short);
    if inc.starts_with('/') {
        return inc;
    }
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{dir}/{inc}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Root};
    use crate::testing::TempRoot;

    fn root_of(files: &[(&str, &str)]) -> TempRoot {
        TempRoot::with(files)
    }

    #[test]
    fn includedir_and_include_are_followed_in_order() {
        let d = root_of(&[
            (
                "etc/sudoers",
                "root ALL=(ALL) ALL\n#includedir /etc/sudoers.d\n@include sudoers.local\n",
            ),
            (
                "etc/sudoers.d/90-cloud-init-users",
                "ec2-user ALL=(ALL) NOPASSWD:ALL\n",
            ),
            ("etc/sudoers.d/README.txt", "ignored ALL=(ALL) ALL\n"),
            ("etc/sudoers.d/old~", "ignored ALL=(ALL) ALL\n"),
            ("etc/sudoers.local", "%admins ALL=(ALL:ALL) ALL\n"),
        ]);
        let snap = DirSnapshot::new(d.path());
        let r = sudo(&Facts::new(Root::new(&snap)), None);
        let who: Vec<_> = r.full.iter().map(|g| g.principal.as_str()).collect();
        assert_eq!(who, ["root", "ec2-user", "%admins"]);
        assert_eq!(r.full[1].path, "/etc/sudoers.d/90-cloud-init-users");
        assert!(r.missing.is_empty(), "{:?}", r.missing);
    }

    #[test]
    fn absent_sudoers_says_why() {
        let d = root_of(&[]);
        let snap = DirSnapshot::new(d.path());
        let r = sudo(&Facts::new(Root::new(&snap)), None);
        assert!(r.files.is_empty());
        assert_eq!(r.missing, ["/etc/sudoers is absent"]);
    }

    /// Issue 14 B1: one large file included under many spellings was parsed
    /// once per spelling, past 8 GB.
    #[test]
    fn one_file_under_many_spellings_is_read_once_and_bytes_are_capped() {
        let big = "root ALL=(ALL) ALL\n".repeat(5_000);
        let spellings = [
            "/big",
            "//big",
            "/./big",
            "/etc/../big",
            "big-link",
            "/etc/big-link",
            "///big",
        ];
        let main: String = spellings
            .iter()
            .map(|s| format!("#include {s}\n"))
            .collect();
        let d = root_of(&[("etc/sudoers", main.as_str()), ("big", big.as_str())]);
        d.symlink("etc/big-link", "/big");
        let snap = DirSnapshot::new(d.path());
        let r = sudo(&Facts::new(Root::new(&snap)), None);
        assert_eq!(r.files, ["/etc/sudoers", "/big"], "{:?}", r.missing);
        assert_eq!(r.full.len(), 5_000);

        // Distinct files that together pass the cap: reading stops there.
        let mut files = vec![("etc/sudoers".to_string(), String::new())];
        let chunk = "alice ALL=(ALL) ALL\n".repeat(MAX_BYTES / 20 / 3);
        for i in 0..5 {
            files[0].1.push_str(&format!("#include /etc/part{i}\n"));
            files.push((format!("etc/part{i}"), chunk.clone()));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let d = root_of(&refs);
        let snap = DirSnapshot::new(d.path());
        let r = sudo(&Facts::new(Root::new(&snap)), None);
        assert_eq!(r.files.len(), 3, "{:?}", r.files);
        assert!(
            r.missing.iter().any(|m| m.contains("bytes together")),
            "{:?}",
            r.missing
        );
    }

    #[test]
    fn include_loop_ends() {
        let d = root_of(&[("etc/sudoers", "#include /etc/sudoers\nroot ALL=(ALL) ALL\n")]);
        let snap = DirSnapshot::new(d.path());
        let r = sudo(&Facts::new(Root::new(&snap)), None);
        assert_eq!(r.files, ["/etc/sudoers"]);
        assert_eq!(r.full.len(), 1);
    }
}
