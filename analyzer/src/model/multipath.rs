//! Device-mapper multipath: its configuration and the maps in use.

use serde::Serialize;

use super::facts::Facts;

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
    let config = "/etc/multipath.conf";
    let mut maps = Vec::new();
    let blocks = f.root.list("/sys/block");
    for c in blocks.iter().flatten() {
        let dev = String::from_utf8_lossy(&c.name).into_owned();
        if !dev.starts_with("dm-") {
            continue;
        }
        // dm/uuid says `mpath-<wwid>` but is not captured; a map's name
        // is `mpathN` (user_friendly_names) or its WWID (`3` + NAA hex),
        // never an LVM `vg-lv` name.
        let name = f
            .line(&format!("/sys/block/{dev}/dm/name"))
            .unwrap_or_default();
        let paths = f
            .root
            .glob(&format!("/sys/block/{dev}/slaves"), "sd*")
            .len();
        let wwid = name.len() >= 17
            && name.starts_with('3')
            && name.bytes().all(|b| b.is_ascii_hexdigit());
        if name.starts_with("mpath") || wwid {
            maps.push(format!("{dev} ({name}, {paths} paths)"));
        }
    }
    Multipath {
        config: f.root.lstat(config).map(|_| config.to_string()),
        maps,
        sys_block_listed: blocks.is_some(),
    }
}
