//! Device-mapper multipath: its configuration and the maps in use.

use serde::Serialize;

use super::facts::Facts;
use crate::sources as src;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Multipath {
    /// /etc/multipath.conf, when present.
    pub config: Option<String>,
    /// Device-mapper devices that are multipath maps, as `dm-3 (mpatha)`.
    pub maps: Vec<String>,
    /// /sys/block was listed: without it, maps cannot be seen.
    pub sys_block_listed: bool,
}

pub fn multipath(f: &Facts) -> Multipath {
    let mut maps = Vec::new();
    let blocks = f.list(&src::SYS_BLOCK);
    for c in blocks.iter().flatten() {
        let dev = String::from_utf8_lossy(&c.name).into_owned();
        if !dev.starts_with("dm-") {
            continue;
        }
        // dm/uuid says `mpath-<wwid>` but is not captured; a map's name
        // is `mpathN` (user_friendly_names) or its WWID (`3` + NAA hex),
        // never an LVM `vg-lv` name.
        let name = f
            .line_at(&src::DM_NAME, &src::DM_NAME.at(&[&dev]))
            .unwrap_or_default();
        let paths = f
            .list_at(&src::DM_SLAVES, &src::DM_SLAVES.at(&[&dev]))
            .unwrap_or_default()
            .iter()
            .filter(|c| c.name.starts_with(b"sd"))
            .count();
        let wwid = name.len() >= 17
            && name.starts_with('3')
            && name.bytes().all(|b| b.is_ascii_hexdigit());
        if name.starts_with("mpath") || wwid {
            maps.push(format!("{dev} ({name}, {paths} paths)"));
        }
    }
    Multipath {
        config: f
            .lstat(&src::MULTIPATH_CONF)
            .map(|_| src::MULTIPATH_CONF.path().to_string()),
        maps,
        sys_block_listed: blocks.is_some(),
    }
}
