//! Kernel header trees under /usr/src: what an out-of-tree module build
//! (the AWS Replication Agent's driver) compiles against.

use lift_bundle::FileKind;
use serde::Serialize;

use super::facts::Facts;
use crate::snapshot::Lookup;
use crate::sources as src;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KernelSources {
    /// /usr/src was listed (or is absent); when false, `why_unlisted` says why.
    pub listed: bool,
    pub why_unlisted: Option<String>,
    /// /usr/src/kernels exists but was not listed (a RHEL tree may be
    /// there unseen): why.
    pub kernels_unlisted: Option<String>,
    pub trees: Vec<SourceTree>,
}

/// `/usr/src/kernels/<release>` (RHEL family),
/// `/usr/src/linux-headers-<release>` (Debian family), or
/// `/usr/src/linux-<version>-obj` (SUSE: one tree per version, flavors such
/// as `default` below it, so `release` is the version without the flavor).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceTree {
    pub path: String,
    pub release: String,
    /// Set when the tree is a symbolic link (and where it points).
    pub link_target: Option<String>,
    /// SUSE's layout: the tree serves `<release>-<flavor>` kernels.
    pub flavored: bool,
    /// A build tree: its top level holds a Makefile and include/. `None`
    /// when its listing was not captured, or for SUSE's flavored layout
    /// (the Makefile is a level further down).
    pub complete: Option<bool>,
    /// What a build tree needs and this one lacks.
    pub lacks: Vec<&'static str>,
}

impl SourceTree {
    /// The tree holds headers for this running kernel release.
    pub fn serves(&self, release: &str) -> bool {
        self.release == release
            || (self.flavored
                && release
                    .strip_prefix(&self.release)
                    .is_some_and(|r| r.starts_with('-')))
    }
}

pub fn kernel_sources(f: &Facts) -> KernelSources {
    let Some(usr_src) = f.list(&src::USR_SRC) else {
        // No /usr/src at all is no headers; an unreadable one is not known.
        if matches!(
            f.lookup_at(&src::USR_SRC, src::USR_SRC.path()),
            Lookup::Absent
        ) {
            return KernelSources {
                listed: true,
                ..KernelSources::default()
            };
        }
        let why = f.why(&src::USR_SRC);
        return KernelSources {
            listed: false,
            why_unlisted: Some(why),
            ..KernelSources::default()
        };
    };
    let mut trees = Vec::new();
    let mut add =
        |dir: &str, name: &[u8], kind: FileKind, target: Option<Vec<u8>>, prefix: &str| {
            let name = String::from_utf8_lossy(name).into_owned();
            let Some(release) = name.strip_prefix(prefix) else {
                return;
            };
            if release.is_empty() || !matches!(kind, FileKind::Dir | FileKind::Symlink) {
                return;
            }
            let suse = prefix == "linux-";
            let release = match release.strip_suffix("-obj") {
                Some(version) if suse => version,
                _ if suse => return,
                _ => release,
            };
            trees.push(SourceTree {
                path: format!("{dir}/{name}"),
                release: release.to_string(),
                flavored: suse,
                complete: None,
                lacks: Vec::new(),
                link_target: (kind == FileKind::Symlink)
                    .then(|| String::from_utf8_lossy(&target.unwrap_or_default()).into_owned()),
            });
        };
    for c in usr_src {
        let prefix = if c.name.starts_with(b"linux-headers-") {
            "linux-headers-"
        } else {
            "linux-"
        };
        add(src::USR_SRC.path(), &c.name, c.kind, c.link_target, prefix);
    }
    let kernels = f.list(&src::USR_SRC_KERNELS);
    let kernels_absent = matches!(
        f.lookup_at(&src::USR_SRC_KERNELS, src::USR_SRC_KERNELS.path()),
        Lookup::Absent
    );
    let kernels_unlisted =
        (kernels.is_none() && !kernels_absent).then(|| f.why(&src::USR_SRC_KERNELS));
    for c in kernels.unwrap_or_default() {
        add(
            src::USR_SRC_KERNELS.path(),
            &c.name,
            c.kind,
            c.link_target,
            "",
        );
    }
    for t in trees.iter_mut().filter(|t| !t.flavored) {
        let Some(children) = f.list_at(&src::USR_SRC_TREE, &t.path) else {
            continue;
        };
        let has = |name: &[u8], dir: bool| {
            children.iter().any(|c| {
                c.name == name
                    && match dir {
                        true => matches!(c.kind, FileKind::Dir | FileKind::Symlink),
                        false => matches!(c.kind, FileKind::File | FileKind::Symlink),
                    }
            })
        };
        if !has(b"Makefile", false) {
            t.lacks.push("Makefile");
        }
        if !has(b"include", true) {
            t.lacks.push("include/");
        }
        t.complete = Some(t.lacks.is_empty());
    }
    KernelSources {
        listed: true,
        why_unlisted: None,
        kernels_unlisted,
        trees,
    }
}
