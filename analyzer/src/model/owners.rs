//! Which package owns a path. dpkg's file lists are 7 MB on a desktop-sized
//! Debian host (100,000+ paths); most reports ask for a few hundred owners
//! (the services' unit files and binaries, the listeners' binaries). So the
//! lists are kept as captured, one buffer, and [`Packages::owners`] answers a
//! whole set of paths in one pass over them, without a String or a hash
//! table entry per listed path.

use std::collections::HashMap;
use std::ops::Range;

use super::packages::Packages;

/// dpkg's `info/*.list` files, each as captured, attached to its package.
#[derive(Clone, Default, PartialEq)]
pub struct FileLists {
    bytes: Vec<u8>,
    /// Index of the package in `Packages::list`, and its list's bytes, in
    /// package order.
    lists: Vec<(usize, Range<usize>)>,
}

impl std::fmt::Debug for FileLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FileLists({} lists, {} bytes)",
            self.lists.len(),
            self.bytes.len()
        )
    }
}

impl FileLists {
    /// Package `index` (in `Packages::list`) lists the paths in `list`, one
    /// a line. Packages come in increasing index order.
    pub fn push(&mut self, index: usize, list: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(list);
        self.lists.push((index, start..self.bytes.len()));
    }

    /// The paths of package `index`, as `dpkg_list::parse` reads them: one a
    /// line, without empty lines and `/.`.
    fn paths_of(&self, range: &Range<usize>) -> impl Iterator<Item = &[u8]> {
        let bytes = &self.bytes[range.clone()];
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        ends.map(move |end| {
            let line = &bytes[start..end];
            start = end + 1;
            line
        })
        .filter(|line| !line.is_empty() && *line != b"/.")
    }
}

/// A cheap first test of a path against the wanted ones: its length and
/// last eight bytes.
fn key(path: &[u8]) -> u64 {
    let n = path.len();
    let k = n.min(8);
    let mut tail = [0u8; 8];
    tail[..k].copy_from_slice(&path[n - k..]);
    u64::from_le_bytes(tail) ^ (n as u64).rotate_right(8)
}

impl Packages {
    /// The owner of each of `paths` (an index into `list`), in the same
    /// order: the first package, in list order, whose database lists it.
    pub fn owners(&self, paths: &[&str]) -> Vec<Option<usize>> {
        let mut found = vec![None; paths.len()];
        if paths.is_empty() {
            return found;
        }
        let mut wanted: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (i, p) in paths.iter().enumerate() {
            wanted.entry(p.as_bytes()).or_default().push(i);
        }
        // Sorted, not hashed: the wanted paths come from the bundle too,
        // and a binary search has no bad case to craft.
        let mut keys: Vec<u64> = wanted.keys().map(|p| key(p)).collect();
        keys.sort_unstable();
        keys.dedup();
        // dpkg's lists are read lossily, so a wanted path with U+FFFD in it
        // may match a listed path that is not UTF-8: compare those lossily.
        let lossy = paths.iter().any(|p| p.contains('\u{FFFD}'));
        let mut check = |owner: usize, path: &[u8]| {
            let hit = if lossy {
                wanted.get(String::from_utf8_lossy(path).as_bytes())
            } else if keys.binary_search(&key(path)).is_ok() {
                wanted.get(path)
            } else {
                None
            };
            for &q in hit.into_iter().flatten() {
                found[q].get_or_insert(owner);
            }
        };
        let mut lists = self.dpkg_files.lists.iter().peekable();
        for (i, p) in self.list.iter().enumerate() {
            for f in &p.files {
                check(i, f.as_bytes());
            }
            while let Some((_, range)) = lists.next_if(|(j, _)| *j == i) {
                for path in self.dpkg_files.paths_of(range) {
                    check(i, path);
                }
            }
        }
        found
    }

    /// The package that owns `path` (as its database lists it).
    pub fn owner_of(&self, path: &str) -> Option<&crate::parse::packages::InstalledPackage> {
        self.owners(&[path])[0].map(|i| &self.list[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::packages::{InstalledPackage, PackageManager};

    fn pkg(name: &str, files: &[&str]) -> InstalledPackage {
        InstalledPackage {
            name: name.into(),
            files: files.iter().map(|f| f.to_string()).collect(),
            ..InstalledPackage::new(PackageManager::Rpm)
        }
    }

    /// The first package in list order wins, whether its paths came from
    /// its database (rpm) or from a dpkg list; `/.` and empty lines are
    /// nobody's; a non-UTF-8 path matches its lossy spelling.
    #[test]
    fn first_owner_in_list_order() {
        let mut p = Packages::default();
        p.list = vec![
            pkg("a", &[]),
            pkg("b", &["/usr/bin/b", "/etc/shared"]),
            pkg("c", &[]),
        ];
        p.dpkg_files.push(0, b"/.\n/usr/bin/a\n\n/etc/caf\xe9\n");
        p.dpkg_files
            .push(2, b"/usr/bin/c\n/etc/shared\n/usr/bin/a\n");
        let got = p.owners(&[
            "/usr/bin/a",
            "/etc/shared",
            "/usr/bin/c",
            "/.",
            "",
            "/nowhere",
            "/usr/bin/a",
        ]);
        assert_eq!(got, [Some(0), Some(1), Some(2), None, None, None, Some(0)]);
        assert_eq!(p.owners(&["/etc/caf\u{fffd}"]), [Some(0)]);
        assert_eq!(p.owner_of("/usr/bin/b").map(|p| p.name.as_str()), Some("b"));
    }
}
