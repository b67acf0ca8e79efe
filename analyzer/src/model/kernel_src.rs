//! Kernel header trees under /usr/src: what an out-of-tree module build
//! (the AWS Replication Agent's driver) compiles against.

use lift_bundle::FileKind;
use serde::Serialize;

use super::facts::Facts;
use crate::snapshot::Lookup;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KernelSources {
    /// /usr/src was listed (or is absent); when false, `why_unlisted` says why.
    pub listed: bool,
    pub why_unlisted: Option<String>,
    pub trees: Vec<SourceTree>,
}

/// `/usr/src/kernels/<release>` (RHEL family) or
/// `/usr/src/linux-headers-<release>` (Debian family).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceTree {
    pub path: String,
    pub release: String,
    /// Set when the tree is a symbolic link (and where it points).
    pub link_target: Option<String>,
}

pub fn kernel_sources(f: &Facts) -> KernelSources {
    let Some(usr_src) = f.root.list("/usr/src") else {
        // No /usr/src at all is no headers; an unreadable one is not known.
        if matches!(f.root.lookup("/usr/src"), Lookup::Absent) {
            return KernelSources {
                listed: true,
                ..KernelSources::default()
            };
        }
        return KernelSources {
            listed: false,
            why_unlisted: Some(f.why_missing("/usr/src")),
            trees: Vec::new(),
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
            trees.push(SourceTree {
                path: format!("{dir}/{name}"),
                release: release.to_string(),
                link_target: (kind == FileKind::Symlink)
                    .then(|| String::from_utf8_lossy(&target.unwrap_or_default()).into_owned()),
            });
        };
    for c in usr_src {
        add("/usr/src", &c.name, c.kind, c.link_target, "linux-headers-");
    }
    for c in f.root.list("/usr/src/kernels").unwrap_or_default() {
        add("/usr/src/kernels", &c.name, c.kind, c.link_target, "");
    }
    KernelSources {
        listed: true,
        why_unlisted: None,
        trees,
    }
}
