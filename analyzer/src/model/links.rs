//! Link-layer identity: each interface's MAC and how the kernel got it, and
//! the settings that make a MAC change between boots. AWS MGN identifies a
//! source server by its MAC addresses.

use serde::Serialize;

use super::facts::Facts;

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
    let nics = f.root.list("/sys/class/net").map(|kids| {
        kids.into_iter()
            .map(|c| {
                let name = String::from_utf8_lossy(&c.name).into_owned();
                let at = |leaf: &str| f.line(&format!("/sys/class/net/{name}/{leaf}"));
                let target = c.link_target.unwrap_or_default();
                Nic {
                    mac: at("address"),
                    addr_assign_type: at("addr_assign_type").and_then(|s| s.parse().ok()),
                    link_type: at("type").and_then(|s| s.parse().ok()),
                    virtual_device: target.windows(9).any(|w| w == b"/virtual/"),
                    bond_master: f
                        .root
                        .list(&format!("/sys/class/net/{name}/bonding"))
                        .is_some()
                        || f.root
                            .lstat(&format!("/sys/class/net/{name}/bonding/mode"))
                            .is_some(),
                    name,
                }
            })
            .collect()
    });
    let mut cloned_mac = Vec::new();
    let mut files = vec!["/etc/NetworkManager/NetworkManager.conf".to_string()];
    files.extend(f.root.glob("/etc/NetworkManager/conf.d", "*"));
    files.extend(f.root.glob("/etc/NetworkManager/system-connections", "*"));
    for path in files {
        let Some(text) = f.root.read_string(&path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            // `cloned-mac-address=` in a connection's [ethernet]/[wifi], or
            // `ethernet.cloned-mac-address=` as a default in NetworkManager.conf.
            let Some((k, v)) = line.trim().split_once('=') else {
                continue;
            };
            if k.trim().ends_with("cloned-mac-address") && !k.trim_start().starts_with('#') {
                cloned_mac.push(ClonedMac {
                    path: path.clone(),
                    line: i + 1,
                    value: v.trim().to_string(),
                });
            }
        }
    }
    let rules = "/etc/udev/rules.d/70-persistent-net.rules";
    Links {
        nics,
        cloned_mac,
        persistent_names: f.root.lstat(rules).map(|_| rules.to_string()),
    }
}
