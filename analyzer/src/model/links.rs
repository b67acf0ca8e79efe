//! Link-layer identity: each interface's MAC and how the kernel got it, and
//! the settings that make a MAC change between boots. AWS MGN identifies a
//! source server by its MAC addresses.

use serde::Serialize;

use super::facts::Facts;
use crate::parse::netconf::keyfile;
use crate::sources::{self as src, marks};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Links {
    /// None when /sys/class/net was not listed.
    pub nics: Option<Vec<Nic>>,
    /// NetworkManager `cloned-mac-address` settings, wherever set.
    pub cloned_mac: Vec<ClonedMac>,
    /// /etc/udev/rules.d/70-persistent-net.rules, when present.
    pub persistent_names: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nic {
    pub name: String,
    pub mac: Option<String>,
    /// 0 permanent, 1 random, 2 stolen, 3 set (absent before Linux 3.2).
    pub addr_assign_type: Option<u8>,
    /// ARPHRD type: 1 is Ethernet, 772 loopback.
    pub link_type: Option<u32>,
    /// A software device (/sys/devices/virtual): bridge, veth, tun, ...
    pub virtual_device: bool,
    pub bond_master: bool,
}

impl Nic {
    /// The locally administered bit: set by software, not burnt in.
    pub fn locally_administered(&self) -> bool {
        self.mac
            .as_deref()
            .and_then(|m| u8::from_str_radix(m.get(..2)?, 16).ok())
            .is_some_and(|b| b & 0x02 != 0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClonedMac {
    pub path: String,
    pub line: usize,
    /// `random`, `stable`, `preserve`, `permanent` or an address.
    pub value: String,
}

pub fn links(f: &Facts) -> Links {
    let nics = f.list(&src::SYS_CLASS_NET).map(|kids| {
        kids.into_iter()
            .map(|c| {
                let name = String::from_utf8_lossy(&c.name).into_owned();
                let at = |leaf: &str| f.line_at(&src::NET_ATTR, &src::NET_ATTR.at(&[&name, leaf]));
                let target = c.link_target.unwrap_or_default();
                Nic {
                    mac: at("address"),
                    addr_assign_type: at("addr_assign_type").and_then(|s| s.parse().ok()),
                    link_type: at("type").and_then(|s| s.parse().ok()),
                    virtual_device: target
                        .windows(marks::VIRTUAL_NET.len())
                        .any(|w| w == marks::VIRTUAL_NET),
                    bond_master: f
                        .list_at(&src::NET_BONDING, &src::NET_BONDING.at(&[&name]))
                        .is_some()
                        || f.lstat_at(&src::NET_ATTR, &src::NET_ATTR.at(&[&name, "bonding/mode"]))
                            .is_some(),
                    name,
                }
            })
            .collect()
    });
    let mut cloned_mac = Vec::new();
    let mut files = vec![(&src::NM_CONF, src::NM_CONF.path().to_string())];
    files.extend(
        f.glob_at(&src::NM_CONF, src::NM_CONF.paths[1])
            .into_iter()
            .map(|p| (&src::NM_CONF, p)),
    );
    files.extend(
        f.glob(&src::NM_CONNECTIONS)
            .into_iter()
            .map(|p| (&src::NM_CONNECTIONS, p)),
    );
    for (source, path) in files {
        let Some(found) = f.parse_at(source, &path, keyfile::cloned_macs) else {
            continue;
        };
        for (line, value) in found {
            cloned_mac.push(ClonedMac {
                path: path.clone(),
                line,
                value,
            });
        }
    }
    Links {
        nics,
        cloned_mac,
        persistent_names: f
            .lstat(&src::PERSISTENT_NET_RULES)
            .map(|_| src::PERSISTENT_NET_RULES.path().to_string()),
    }
}
