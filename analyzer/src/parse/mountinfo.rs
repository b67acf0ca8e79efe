//! `/proc/self/mountinfo` (through procfs-core's `MountInfo`) and the older
//! `/proc/mounts`, and which mounts are still visible.
//!
//! Sample (CentOS 6, /tmp mounted noexec):
//!
//! ```text
//! 15 1 253:0 / / rw,relatime - ext4 /dev/mapper/VolGroup-lv_root rw,seclabel,barrier=1,data=ordered
//! 22 15 253:2 / /tmp rw,nosuid,nodev,noexec,relatime - ext4 /dev/mapper/VolGroup-lv_tmp rw,seclabel,barrier=1,data=ordered
//! 25 15 0:19 / /mnt/team\040share rw,relatime - nfs 10.0.0.5:/export/team rw,vers=3,...
//! ```
//!
//! `/proc/mounts` holds `source point fstype options dump pass`, with the
//! per-mount and superblock options merged into one list.
//!
//! The kernel escapes space, tab, newline and backslash in paths as `\040`,
//! `\011`, `\012`, `\134`; they are decoded here. procfs-core does not.

use super::Parsed;
use procfs_core::process::MountInfo;
use std::collections::{BTreeMap, HashMap};

pub type Options = BTreeMap<String, Option<String>>;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mount {
    /// mountinfo only: the mount's id and its parent's.
    pub mount_id: Option<i32>,
    pub parent_id: Option<i32>,
    /// mountinfo only: `st_dev` of the filesystem, `253:2`. Bind mounts of
    /// one filesystem share it.
    pub major_minor: Option<String>,
    /// mountinfo only: the directory of the filesystem mounted here; not `/`
    /// for a bind mount of a subdirectory.
    pub root: Option<String>,
    pub mount_point: String,
    /// `/dev/sda1`, `10.0.0.5:/export`; `None` for `none`.
    pub source: Option<String>,
    pub fs_type: String,
    /// Per-mount options (`rw`, `noexec`, `nosuid`...). In /proc/mounts this
    /// list also holds the superblock options.
    pub mount_options: Options,
    /// Superblock options (mountinfo only), shared by every bind of the filesystem.
    pub super_options: Options,
}

impl Mount {
    pub fn has_option(&self, name: &str) -> bool {
        self.mount_options.contains_key(name) || self.super_options.contains_key(name)
    }

    /// Read-only through this mount: either the mount or its superblock says `ro`.
    pub fn read_only(&self) -> bool {
        self.has_option("ro")
    }

    pub fn noexec(&self) -> bool {
        self.mount_options.contains_key("noexec")
    }
}

pub fn parse_mountinfo(bytes: &[u8]) -> Parsed<Vec<Mount>> {
    super::by_line(bytes, 0, |line| {
        let info = MountInfo::from_line(line).map_err(|e| e.to_string())?;
        Ok(Mount {
            mount_id: Some(info.mnt_id),
            parent_id: Some(info.pid),
            major_minor: Some(info.majmin),
            root: Some(decode_octal(&info.root)),
            mount_point: decode_octal(&info.mount_point.to_string_lossy()),
            source: info.mount_source.map(|s| decode_octal(&s)),
            fs_type: info.fs_type,
            mount_options: info.mount_options.into_iter().collect(),
            super_options: info.super_options.into_iter().collect(),
        })
    })
}

pub fn parse_mounts(bytes: &[u8]) -> Parsed<Vec<Mount>> {
    super::by_line(bytes, 0, |line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [source, point, fs_type, options, ..] = fields[..] else {
            return Err("fewer than 4 fields".to_owned());
        };
        Ok(Mount {
            mount_id: None,
            parent_id: None,
            major_minor: None,
            root: None,
            mount_point: decode_octal(point),
            source: (source != "none").then(|| decode_octal(source)),
            fs_type: fs_type.to_owned(),
            mount_options: split_options(options),
            super_options: Options::new(),
        })
    })
}

pub(crate) fn split_options(options: &str) -> Options {
    options
        .split(',')
        .filter(|o| !o.is_empty())
        .map(|o| match o.split_once('=') {
            Some((key, value)) => (key.to_owned(), Some(value.to_owned())),
            None => (o.to_owned(), None),
        })
        .collect()
}

/// Decodes the kernel's `\ooo` escapes; anything else is kept as written.
pub(crate) fn decode_octal(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let digits = bytes
            .get(i + 1..i + 4)
            .filter(|d| d[0] <= b'3' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], digits) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') << 6 | (d[1] - b'0') << 3 | (d[2] - b'0'));
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// (parent id, mount point) of each mount, to its index: a mount whose own
/// id and point appear here has another mount stacked on top of it.
fn stacked_on(mounts: &[Mount]) -> HashMap<(i32, &str), usize> {
    mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| m.parent_id != m.mount_id)
        .filter_map(|(i, m)| Some(((m.parent_id?, m.mount_point.as_str()), i)))
        .collect()
}

/// The mounts a path lookup can still reach, in file order.
///
/// A mount is hidden by a later one at the same point or at a directory
/// above it (unless that later one is its own ancestor, as `/` often is in
/// mountinfo's order), and by anything that hides its parent. /proc/mounts
/// has no ids, so there a later `/` only hides an earlier `/` (the old
/// `rootfs` line).
///
/// At most n log n in the mounts (a host with a million mounts, or a
/// hostile file, takes seconds, not hours): ancestry is answered from one
/// walk of the mount tree, the mount that hides another is looked up by
/// the directories above its point, and what hides a mount's ancestors is
/// carried down the tree.
pub fn visible(mounts: &[Mount]) -> Vec<&Mount> {
    let tree = Tree::new(mounts);
    // The mounts at each point, in file order.
    let mut at_point: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in mounts.iter().enumerate() {
        at_point.entry(m.mount_point.as_str()).or_default().push(i);
    }
    let stacked_on = stacked_on(mounts);
    // The first mount after `e` in `list` that is not one of e's ancestors.
    let first_after = |list: &[usize], e: usize, only_ids: bool| {
        let from = list.partition_point(|&m| m <= e);
        list[from..]
            .iter()
            .copied()
            .filter(|&m| !only_ids || mounts[m].mount_id.is_some())
            .find(|&m| !tree.is_ancestor(m, e))
    };
    let hidden_by: Vec<Option<usize>> = (0..mounts.len())
        .map(|e| {
            let lower = &mounts[e];
            let point = lower.mount_point.as_str();
            if let Some(s) = lower
                .mount_id
                .and_then(|id| stacked_on.get(&(id, point)).copied())
            {
                return Some(s);
            }
            // Mounts at the same point, at each directory above it, and a
            // later mountinfo `/` over everything.
            let mut best: Option<usize> = None;
            let mut consider = |list: Option<&Vec<usize>>, only_ids: bool| {
                if let Some(m) = list.and_then(|l| first_after(l, e, only_ids)) {
                    best = Some(best.map_or(m, |b| b.min(m)));
                }
            };
            consider(at_point.get(point), false);
            for (cut, _) in point.match_indices('/').filter(|&(c, _)| c > 0) {
                consider(at_point.get(&point[..cut]), false);
            }
            if point != "/" {
                consider(at_point.get("/"), true);
            }
            best
        })
        .collect();
    // Below a hidden mount nothing is reachable, except through the mount
    // that hides it (a mount stacked on its parent, and that one's
    // children): the hiders of a mount's ancestors that are not themselves
    // its ancestors must be the mount itself.
    let pending = tree.down(|parent, above: &Pending| above.with(hidden_by[parent], parent));
    (0..mounts.len())
        .filter(|&e| hidden_by[e].is_none() && pending[e].allows(e))
        .map(|e| &mounts[e])
        .collect()
}

/// Hiders of a mount's ancestors still to be passed on the way down; past
/// a few, nothing below can be reached (each level passes one).
#[derive(Clone, Default)]
struct Pending {
    hiders: Vec<usize>,
    blocked: bool,
}

impl Pending {
    const MOST: usize = 8;

    /// What a child of `parent` inherits: `parent` passed, its hider added.
    fn with(&self, hider: Option<usize>, parent: usize) -> Pending {
        let mut next = self.clone();
        next.hiders.retain(|&h| h != parent);
        if let Some(h) = hider {
            if !next.hiders.contains(&h) {
                next.hiders.push(h);
            }
        }
        next.blocked |= next.hiders.len() > Self::MOST;
        next
    }

    fn allows(&self, e: usize) -> bool {
        !self.blocked && self.hiders.iter().all(|&h| h == e)
    }
}

/// The mounts as a forest by parent id (a cycle in the ids is cut), with
/// each mount's place in one depth-first walk.
struct Tree {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    enter: Vec<usize>,
    leave: Vec<usize>,
}

impl Tree {
    fn new(mounts: &[Mount]) -> Tree {
        let n = mounts.len();
        let index: HashMap<i32, usize> = mounts
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((m.mount_id?, i)))
            .collect();
        let mut parent: Vec<Option<usize>> = mounts
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m.parent_id
                    .and_then(|p| index.get(&p).copied())
                    .filter(|&p| p != i)
            })
            .collect();
        // Cut cycles: walk up from each mount, marking the walk; meeting
        // the walk itself again is a cycle, cut at that edge.
        let mut state = vec![0u8; n]; // 0 new, 1 on the walk, 2 done
        for start in 0..n {
            let mut walk = Vec::new();
            let mut cur = start;
            while state[cur] == 0 {
                state[cur] = 1;
                walk.push(cur);
                match parent[cur] {
                    Some(p) if state[p] == 1 => {
                        parent[cur] = None;
                        break;
                    }
                    Some(p) => cur = p,
                    None => break,
                }
            }
            for w in walk {
                state[w] = 2;
            }
        }
        let mut children = vec![Vec::new(); n];
        for (i, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        let (mut enter, mut leave) = (vec![0; n], vec![0; n]);
        let mut clock = 0;
        for root in (0..n).filter(|&i| parent[i].is_none()) {
            let mut stack = vec![(root, 0usize)];
            enter[root] = clock;
            clock += 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&child) = children[node].get(*next) {
                    *next += 1;
                    enter[child] = clock;
                    clock += 1;
                    stack.push((child, 0));
                } else {
                    leave[node] = clock;
                    stack.pop();
                }
            }
        }
        Tree {
            parent,
            children,
            enter,
            leave,
        }
    }

    /// `a` is a proper ancestor of `e`.
    fn is_ancestor(&self, a: usize, e: usize) -> bool {
        a != e && self.enter[a] < self.enter[e] && self.leave[e] <= self.leave[a]
    }

    /// A value carried down from each root: a child's is `step(parent,
    /// parent's value)`.
    fn down<T: Clone + Default>(&self, step: impl Fn(usize, &T) -> T) -> Vec<T> {
        let mut out: Vec<T> = vec![T::default(); self.parent.len()];
        let mut queue: std::collections::VecDeque<usize> = (0..self.parent.len())
            .filter(|&i| self.parent[i].is_none())
            .collect();
        while let Some(node) = queue.pop_front() {
            for &c in &self.children[node] {
                out[c] = step(node, &out[node]);
                queue.push_back(c);
            }
        }
        out
    }
}

/// A mount at `mount_point` holds `path`: it is the point or lies below it.
pub fn holds(mount_point: &str, path: &str) -> bool {
    mount_point == "/"
        || path == mount_point
        || path
            .strip_prefix(mount_point)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The visible mount that holds `path` (the longest mount point above it).
pub fn mount_containing<'a>(visible: &[&'a Mount], path: &str) -> Option<&'a Mount> {
    visible
        .iter()
        .filter(|m| holds(&m.mount_point, path))
        .max_by_key(|m| m.mount_point.len())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    /// The quadratic definition `visible` was first written as: the oracle
    /// of the differential test below.
    /// (Quadratic.) The mounts a path lookup can still reach.
    ///
    /// A mount is hidden by a later one at the same point or at a directory
    /// above it (unless that later one is its own ancestor, as `/` often is in
    /// mountinfo's order), and by anything that hides its parent. /proc/mounts
    /// has no ids, so there a later `/` only hides an earlier `/` (the old
    /// `rootfs` line).
    fn visible_quadratic(mounts: &[Mount]) -> Vec<&Mount> {
        let index: HashMap<i32, usize> = mounts
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((m.mount_id?, i)))
            .collect();
        // Parent chains are walked at most mounts.len() steps, so a file with a
        // cycle in its ids cannot loop.
        let ancestors: Vec<Vec<usize>> = (0..mounts.len())
            .map(|i| {
                let mut chain = Vec::new();
                let mut current = i;
                for _ in 0..mounts.len() {
                    match mounts[current].parent_id.and_then(|p| index.get(&p)) {
                        Some(&parent) if parent != current && !chain.contains(&parent) => {
                            chain.push(parent);
                            current = parent;
                        }
                        _ => break,
                    }
                }
                chain
            })
            .collect();
        let stacked_on = stacked_on(mounts);
        let covers = |upper: &Mount, lower: &Mount| {
            let (up, low) = (upper.mount_point.as_str(), lower.mount_point.as_str());
            up == low
                || (up == "/" && upper.mount_id.is_some())
                || (up != "/"
                    && low
                        .strip_prefix(up)
                        .is_some_and(|rest| rest.starts_with('/')))
        };
        let hidden_by: Vec<Option<usize>> = (0..mounts.len())
            .map(|e| {
                let lower = &mounts[e];
                let stacked = lower
                    .mount_id
                    .and_then(|id| stacked_on.get(&(id, lower.mount_point.as_str())).copied());
                stacked.or_else(|| {
                    (e + 1..mounts.len())
                        .find(|&m| covers(&mounts[m], lower) && !ancestors[e].contains(&m))
                })
            })
            .collect();
        // Below a hidden mount nothing is reachable, except through the mount
        // that hides it (a mount stacked on its parent, and that one's children).
        let reachable = |e: usize| {
            hidden_by[e].is_none()
            && ancestors[e].iter().all(|&a| {
                !matches!(hidden_by[a], Some(hider) if hider != e && !ancestors[e].contains(&hider))
            })
        };
        (0..mounts.len())
            .filter(|&e| reachable(e))
            .map(|e| &mounts[e])
            .collect()
    }

    /// `visible` agrees with its quadratic definition on random mount
    /// tables: stacked mounts, binds at one point, later `/` mounts, mounts
    /// under hidden ones, parents later in the file, unknown parents.
    /// (Ids in a cycle are broken input the two cut differently.)
    #[test]
    fn agrees_with_the_quadratic_definition() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let points = ["/", "/a", "/a/b", "/a/b/c", "/b", "/ab", "/a/c"];
        for round in 0..3000 {
            let n = 1 + next(12) as usize;
            let ids = round % 3 != 0;
            // A random order of the mounts in the tree: a parent comes
            // before its children in it, anywhere in the file.
            let mut rank: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                rank.swap(i, next(i as u64 + 1) as usize);
            }
            let parents: Vec<i32> = (0..n)
                .map(|i| {
                    let older: Vec<usize> = (0..n).filter(|&j| rank[j] < rank[i]).collect();
                    match next(older.len() as u64 + 1) as usize {
                        0 => 0,
                        k => older[k - 1] as i32 + 1,
                    }
                })
                .collect();
            let mounts: Vec<Mount> = (0..n)
                .map(|i| Mount {
                    mount_id: ids.then_some(i as i32 + 1),
                    parent_id: ids.then_some(parents[i]),
                    major_minor: None,
                    root: None,
                    mount_point: points[next(points.len() as u64) as usize].into(),
                    source: None,
                    fs_type: format!("t{i}"),
                    mount_options: Options::new(),
                    super_options: Options::new(),
                })
                .collect();
            let want: Vec<&str> = visible_quadratic(&mounts)
                .iter()
                .map(|m| m.fs_type.as_str())
                .collect();
            let got: Vec<&str> = visible(&mounts)
                .iter()
                .map(|m| m.fs_type.as_str())
                .collect();
            assert_eq!(got, want, "round {round}: {mounts:?}");
        }
    }

    /// Issue 23: a mountinfo of a million lines took hours (80,000 lines
    /// 47 s, 160,000 145 s). Four times the lines take about four times as
    /// long (a quadratic cost would take sixteen), at any nesting depth.
    #[test]
    fn mounts_scale_linearly() {
        let run = |lines: u32| {
            let mut text = String::from("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
            for i in 2..=lines {
                // Half nested under the one before, half side by side.
                let parent = if i % 2 == 0 { i - 1 } else { 1 };
                text.push_str(&format!(
                    "{i} {parent} 0:{i} / /m/{i} rw - tmpfs tmpfs rw\n"
                ));
            }
            let t = std::time::Instant::now();
            let parsed = parse_mountinfo(text.as_bytes()).unwrap();
            assert_eq!(visible(&parsed.value).len(), lines as usize);
            t.elapsed()
        };
        let (small, large) = (run(50_000), run(200_000));
        let ratio = large.as_secs_f64() / small.as_secs_f64();
        assert!(ratio < 10.0, "{small:?} -> {large:?}: {ratio:.1} times");
    }

    #[test]
    fn centos6_tmp_is_noexec() {
        let parsed = parse_mountinfo(&fixture("centos6/proc/self/mountinfo")).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mounts = parsed.value;
        assert_eq!(mounts.len(), 12);
        let shown = visible(&mounts);
        // rootfs (id 1) is hidden by the root filesystem stacked on it.
        assert!(shown.iter().all(|m| m.fs_type != "rootfs"));
        assert_eq!(shown.len(), 11);

        let tmp = mount_containing(&shown, "/tmp/x").unwrap();
        assert_eq!(tmp.source.as_deref(), Some("/dev/mapper/VolGroup-lv_tmp"));
        assert!(tmp.noexec() && !tmp.read_only());
        assert_eq!(tmp.major_minor.as_deref(), Some("253:2"));
        assert_eq!(
            tmp.super_options.get("data"),
            Some(&Some("ordered".to_owned()))
        );

        let var_tmp = mount_containing(&shown, "/var/tmp").unwrap();
        assert_eq!(var_tmp.major_minor, tmp.major_minor);

        let nfs = mount_containing(&shown, "/mnt/team share/a").unwrap();
        assert_eq!(
            (nfs.fs_type.as_str(), nfs.mount_point.as_str()),
            ("nfs", "/mnt/team share")
        );
        let binfmt = shown.iter().find(|m| m.fs_type == "binfmt_misc").unwrap();
        assert_eq!(binfmt.source, None);
        assert_eq!(mount_containing(&shown, "/etc").unwrap().mount_id, Some(15));
    }

    #[test]
    fn this_machine_later_mount_hides_earlier() {
        let mounts =
            parse_mountinfo(&fixture("debian12-this-machine/proc/self/mountinfo")).unwrap();
        assert!(mounts.errors.is_empty(), "{:?}", mounts.errors);
        let shown = visible(&mounts.value);
        // / (id 27) is listed after /proc and /sys but is their parent.
        assert!(shown.iter().any(|m| m.mount_point == "/proc"));
        let pts: Vec<_> = shown
            .iter()
            .filter(|m| m.mount_point == "/dev/pts")
            .collect();
        assert_eq!(pts.len(), 1);
        assert_eq!(pts[0].mount_id, Some(29));
        let root = mount_containing(&shown, "/usr/bin").unwrap();
        assert_eq!(
            (root.fs_type.as_str(), root.source.as_deref()),
            ("ext4", Some("/dev/vda"))
        );

        let old = parse_mounts(&fixture("debian12-this-machine/proc/mounts")).unwrap();
        assert!(old.errors.is_empty());
        assert_eq!(old.value.len(), mounts.value.len());
        let old_shown = visible(&old.value);
        assert_eq!(old_shown.len(), shown.len());
        let root = mount_containing(&old_shown, "/usr").unwrap();
        assert!(root.mount_options.contains_key("discard"));
    }

    #[test]
    fn escapes_and_damage() {
        assert_eq!(decode_octal(r"/a\040b\134c\011d\0"), "/a b\\c\td\\0");
        assert_eq!(decode_octal(r"\777\"), r"\777\");
        let parsed =
            parse_mounts(b"rootfs / rootfs rw 0 0\n/dev/sda1 / ext4 ro 0 0\nshort line\n").unwrap();
        assert_eq!(parsed.errors.len(), 1);
        let shown = visible(&parsed.value);
        assert_eq!(shown.len(), 1);
        assert!(shown[0].read_only());
        let looped =
            parse_mountinfo(b"2 3 0:1 / / rw - ext4 a rw\n3 2 0:2 / /x rw - ext4 b rw\n").unwrap();
        assert_eq!(visible(&looped.value).len(), 2);
    }
}
