//! Which package owns a path. dpkg's file lists are 7 MB on a desktop-sized
//! Debian host (100,000+ paths); most reports ask for a few hundred owners
//! (the services' unit files and binaries, the listeners' binaries). So the
//! lists stay in the snapshot, and [`Packages::owners`] answers a whole set
//! of paths in one pass over them, without a copy, a String or a hash table
//! entry per listed path.

use std::collections::HashMap;

use super::facts::Facts;
use super::packages::Packages;
use crate::sources as src;

/// dpkg's `info/*.list` files, by path in the snapshot, each attached to
/// its package.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileLists {
    /// Index of the package in `Packages::list`, and the path of its list,
    /// in package order.
    lists: Vec<(usize, String)>,
}

impl FileLists {
    /// Package `index` (in `Packages::list`) lists its paths in the file
    /// `list`. Packages come in increasing index order.
    pub fn push(&mut self, index: usize, list: String) {
        self.lists.push((index, list));
    }
}

/// The paths of one `.list` file as `dpkg_list::parse` reads them: one a
/// line, without empty lines and `/.`.
fn paths_of(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    ends.map(move |end| {
        let line = &bytes[start..end];
        start = end + 1;
        line
    })
    .filter(|line| !line.is_empty() && *line != b"/.")
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
    /// dpkg's lists are read through `f`, the facts the packages came from.
    pub fn owners(&self, f: &Facts, paths: &[&str]) -> Vec<Option<usize>> {
        let mut found = vec![None; paths.len()];
        if paths.is_empty() {
            return found;
        }
        let mut wanted: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (i, p) in paths.iter().enumerate() {
            wanted.entry(p.as_bytes()).or_default().push(i);
        }
        // Sorted, not hashed: the wanted paths come from the bundle too,
        // and a binary search has no bad case to craft. A bitmap of the
        // keys' high bits turns most paths away before the search.
        let mut keys: Vec<u64> = wanted.keys().map(|p| key(p)).collect();
        keys.sort_unstable();
        keys.dedup();
        let bit = |k: u64| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 48) as usize;
        let mut bits = vec![0u64; 1024];
        for &k in &keys {
            bits[bit(k) / 64] |= 1 << (bit(k) % 64);
        }
        let maybe = |k: u64| bits[bit(k) / 64] & (1 << (bit(k) % 64)) != 0;
        // dpkg's lists are read lossily, so a wanted path with U+FFFD in it
        // may match a listed path that is not UTF-8: compare those lossily.
        let lossy = paths.iter().any(|p| p.contains('\u{FFFD}'));
        let mut check = |owner: usize, path: &[u8]| {
            let hit = if lossy {
                wanted.get(String::from_utf8_lossy(path).as_bytes())
            } else if maybe(key(path)) && keys.binary_search(&key(path)).is_ok() {
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
            while let Some((_, list)) = lists.next_if(|(j, _)| *j == i) {
                for path in paths_of(&f.bytes_at(&src::DPKG_LISTS, list).unwrap_or_default()) {
                    check(i, path);
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InstalledPackage, PackageManager};

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
        let tmp = crate::testing::TempRoot::new();
        tmp.write(
            "var/lib/dpkg/info/a.list",
            b"/.\n/usr/bin/a\n\n/etc/caf\xe9\n",
        );
        tmp.write(
            "var/lib/dpkg/info/c.list",
            b"/usr/bin/c\n/etc/shared\n/usr/bin/a\n",
        );
        let snap = crate::snapshot::DirSnapshot::new(tmp.path());
        let f = Facts::new(crate::snapshot::Root::new(&snap));
        let mut p = Packages {
            list: vec![
                pkg("a", &[]),
                pkg("b", &["/usr/bin/b", "/etc/shared"]),
                pkg("c", &[]),
            ],
            ..Packages::default()
        };
        p.dpkg_files.push(0, "/var/lib/dpkg/info/a.list".into());
        p.dpkg_files.push(2, "/var/lib/dpkg/info/c.list".into());
        let got = p.owners(
            &f,
            &[
                "/usr/bin/a",
                "/etc/shared",
                "/usr/bin/c",
                "/.",
                "",
                "/nowhere",
                "/usr/bin/a",
                "/usr/bin/b",
            ],
        );
        assert_eq!(
            got,
            [
                Some(0),
                Some(1),
                Some(2),
                None,
                None,
                None,
                Some(0),
                Some(1)
            ]
        );
        assert_eq!(p.owners(&f, &["/etc/caf\u{fffd}"]), [Some(0)]);
    }
}
