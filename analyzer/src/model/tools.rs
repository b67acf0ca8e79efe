//! The programs in the PATH directories, by name (the `tools` spec lists
//! them: names, kinds and link targets, never content).

use std::collections::BTreeMap;

use lift_bundle::FileKind;
use serde::Serialize;

use super::facts::Facts;
use crate::sources as src;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tools {
    /// Directories that were listed (a merged-/usr `/bin` counts once, as `/usr/bin`).
    pub listed: Vec<String>,
    /// Directories with no listing, and why.
    pub unlisted: Vec<String>,
    /// Every name found, with where (the first directory in PATH order).
    /// Not in the JSON report: thousands of names say little there.
    #[serde(skip)]
    pub found: BTreeMap<String, Tool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    pub path: String,
    pub link_target: Option<String>,
}

impl Tools {
    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.found.get(name)
    }
}

/// None when no PATH directory was listed at all.
pub fn tools(f: &Facts) -> Option<Tools> {
    let mut t = Tools::default();
    let mut seen = Vec::new();
    for dir in src::PATH_DIRS.paths {
        let canonical = f.resolve_at(&src::PATH_DIRS, dir).ok();
        let Some(children) = f.list_at(&src::PATH_DIRS, dir) else {
            // Debian and old RHEL have no /usr/local/sbin listing worth a note.
            if canonical.as_ref().is_none_or(|c| !seen.contains(c)) {
                t.unlisted.push(f.why_missing(dir));
            }
            continue;
        };
        if let Some(c) = canonical {
            if seen.contains(&c) {
                continue;
            }
            seen.push(c);
        }
        t.listed.push(dir.to_string());
        for c in children {
            if c.kind == FileKind::Dir {
                continue;
            }
            let name = String::from_utf8_lossy(&c.name).into_owned();
            t.found.entry(name.clone()).or_insert_with(|| Tool {
                path: format!("{dir}/{name}"),
                link_target: c
                    .link_target
                    .map(|l| String::from_utf8_lossy(&l).into_owned()),
            });
        }
    }
    (!t.listed.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Root};

    fn fixture(case: &str) -> DirSnapshot {
        DirSnapshot::new(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures")
                .join(case),
        )
    }

    #[test]
    fn centos6_names_and_links() {
        let snap = fixture("centos6-sysv");
        let t = tools(&Facts::new(Root::new(&snap))).unwrap();
        assert_eq!(t.get("python2.6").unwrap().path, "/usr/bin/python2.6");
        assert_eq!(
            t.get("python2").unwrap().link_target.as_deref(),
            Some("python")
        );
        assert!(t.get("dhclient").is_some());
        assert!(t.get("gcc").is_none());
    }

    /// Merged /usr: /bin is a link to usr/bin and is listed once.
    #[test]
    fn merged_usr_counts_once() {
        let snap = fixture("debian12-systemd");
        let t = tools(&Facts::new(Root::new(&snap))).unwrap();
        assert!(t.listed.contains(&"/usr/bin".to_string()));
        assert!(!t.listed.contains(&"/bin".to_string()), "{:?}", t.listed);
        assert!(t.get("tar").is_some());
    }

    #[test]
    fn nothing_listed_is_none() {
        let snap = DirSnapshot::new(std::path::Path::new("/nonexistent-lift-root"));
        assert!(tools(&Facts::new(Root::new(&snap))).is_none());
    }
}
