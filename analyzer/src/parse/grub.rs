//! GRUB configuration: which kernels boot, with which command line.
//!
//! GRUB 2 (`/boot/grub/grub.cfg`, `/boot/grub2/grub.cfg`), as grub-mkconfig
//! writes it:
//!
//! ```text
//! set default="0"
//! menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-3f9c...' {
//!         linux   /boot/vmlinuz-6.1.0-18-amd64 root=UUID=3f9c... ro  quiet
//!         initrd  /boot/initrd.img-6.1.0-18-amd64
//! }
//! submenu 'Advanced options for Debian GNU/Linux' ... { menuentry ... { ... } }
//! ```
//!
//! GRUB legacy (`menu.lst`, `grub.conf`), paths relative to the partition
//! named by `root (hd0,0)`, usually /boot:
//!
//! ```text
//! default=0
//! title CentOS 6 (2.6.32-754.35.1.el6.x86_64)
//!         root (hd0,0)
//!         kernel /vmlinuz-2.6.32-754.35.1.el6.x86_64 ro root=/dev/mapper/VolGroup-lv_root rhgb quiet
//!         initrd /initramfs-2.6.32-754.35.1.el6.x86_64.img
//! ```
//!
//! GRUB 2's script language is not evaluated: `set default` values are taken
//! as written, and entries inside `if` blocks all count.

use super::{ParseError, Parsed, Partial};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrubFlavor {
    Legacy,
    Grub2,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GrubConfig {
    pub flavor: GrubFlavor,
    /// `set default=` / `default=` as written: `0`, `1>2`, an id, a title,
    /// `${saved_entry}`, `saved`.
    pub default: Option<String>,
    pub entries: Vec<BootEntry>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootEntry {
    pub title: String,
    /// GRUB 2 `--id` / `$menuentry_id_option` value.
    pub id: Option<String>,
    /// Menu position: `[0]`, or `[1, 2]` for the third entry of the second
    /// item's submenu (GRUB's `1>2`).
    pub position: Vec<usize>,
    pub kernel: Option<String>,
    pub cmdline: Option<String>,
    pub initrd: Option<String>,
}

impl BootEntry {
    /// The `root=` argument of the kernel command line.
    pub fn root(&self) -> Option<&str> {
        self.cmdline
            .as_deref()?
            .split_whitespace()
            .find_map(|a| a.strip_prefix("root="))
    }
}

impl GrubConfig {
    /// The entry GRUB boots without a keypress. `saved_entry` comes from
    /// grubenv (see [`parse_grubenv`]) when the default refers to it.
    pub fn default_entry(&self, saved_entry: Option<&str>) -> Option<&BootEntry> {
        let mut wanted = self.default.as_deref().unwrap_or("0");
        if matches!(wanted, "${saved_entry}" | "$saved_entry" | "saved") {
            wanted = saved_entry?;
        }
        let path: Vec<&str> = wanted.split('>').collect();
        self.entries.iter().find(|entry| {
            entry.position.len() == path.len()
                && path
                    .iter()
                    .enumerate()
                    .all(|(depth, part)| match part.parse::<usize>() {
                        Ok(index) => entry.position[depth] == index,
                        // Submenu titles and ids are not kept, so only the
                        // last step of a named path is checked.
                        Err(_) => {
                            depth + 1 < path.len()
                                || entry.title == *part
                                || entry.id.as_deref() == Some(part)
                        }
                    })
        })
    }
}

pub fn parse_grub2(bytes: &[u8]) -> Parsed<GrubConfig> {
    let text = String::from_utf8_lossy(bytes);
    let mut entries: Vec<BootEntry> = Vec::new();
    let mut errors = Vec::new();
    let mut defaults = Vec::new();
    // One element per open `{`: Some(index into entries) for a menuentry,
    // None for a submenu or function. `counters` holds the next menu
    // position at each submenu depth.
    let mut blocks: Vec<Option<usize>> = Vec::new();
    let mut path: Vec<usize> = Vec::new();
    let mut counters: Vec<usize> = vec![0];
    let mut submenu_depths: Vec<usize> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let words = words(line);
        let Some(first) = words.first().map(String::as_str) else {
            continue;
        };
        let opens = words.last().is_some_and(|w| w == "{");
        let current = blocks.iter().rev().find_map(|b| *b);
        match first {
            "menuentry" | "submenu" if opens => {
                let position = counters.last().copied().unwrap_or(0);
                if let Some(next) = counters.last_mut() {
                    *next += 1;
                }
                let mut position_path = path.clone();
                position_path.push(position);
                if first == "submenu" {
                    path = position_path;
                    counters.push(0);
                    submenu_depths.push(blocks.len());
                    blocks.push(None);
                    continue;
                }
                entries.push(BootEntry {
                    title: words.get(1).cloned().unwrap_or_default(),
                    id: id_option(&words),
                    position: position_path,
                    kernel: None,
                    cmdline: None,
                    initrd: None,
                });
                blocks.push(Some(entries.len() - 1));
            }
            "}" => {
                if blocks.pop().is_none() {
                    errors.push(ParseError::at_line(index + 1, "unbalanced }"));
                }
                if submenu_depths.last() == Some(&blocks.len()) {
                    submenu_depths.pop();
                    counters.pop();
                    path.pop();
                }
            }
            _ if opens => blocks.push(None),
            "linux" | "linux16" | "linuxefi" | "kernel" => {
                if let Some(entry) = current.and_then(|i| entries.get_mut(i)) {
                    entry.kernel = words.get(1).cloned();
                    entry.cmdline = Some(words.get(2..).unwrap_or_default().join(" "));
                }
            }
            "initrd" | "initrd16" | "initrdefi" => {
                if let Some(entry) = current.and_then(|i| entries.get_mut(i)) {
                    entry.initrd = Some(words.get(1..).unwrap_or_default().join(" "));
                }
            }
            "set" => {
                if let Some(value) = words.get(1).and_then(|w| w.strip_prefix("default=")) {
                    defaults.push(value.to_owned());
                }
            }
            _ => {}
        }
    }
    if !blocks.is_empty() {
        errors.push(ParseError::new(format!(
            "{} unclosed {{ at end of file",
            blocks.len()
        )));
    }
    // grub-mkconfig sets default to ${next_entry} for a one-time boot and
    // to the configured value otherwise; the latter is what persists.
    let default = defaults
        .iter()
        .rev()
        .find(|v| !v.contains("next_entry"))
        .cloned();
    Ok(Partial {
        value: GrubConfig {
            flavor: GrubFlavor::Grub2,
            default,
            entries,
        },
        errors,
    })
}

pub fn parse_legacy(bytes: &[u8]) -> Parsed<GrubConfig> {
    let text = String::from_utf8_lossy(bytes);
    let mut config = GrubConfig {
        flavor: GrubFlavor::Legacy,
        default: None,
        entries: Vec::new(),
    };
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Legacy accepts `key value` and `key=value`.
        let (key, value) = match line.find([' ', '\t', '=']) {
            Some(at) => (
                &line[..at],
                line[at + 1..].trim_start_matches([' ', '\t', '=']),
            ),
            None => (line, ""),
        };
        let value = value.trim();
        match key {
            "default" => config.default = Some(value.to_owned()),
            "title" => config.entries.push(BootEntry {
                title: value.to_owned(),
                id: None,
                position: vec![config.entries.len()],
                kernel: None,
                cmdline: None,
                initrd: None,
            }),
            "kernel" | "initrd" => {
                let Some(entry) = config.entries.last_mut() else {
                    errors.push(ParseError::at_line(
                        index + 1,
                        format!("{key} before any title"),
                    ));
                    continue;
                };
                let (path, args) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
                if key == "kernel" {
                    entry.kernel = Some(path.to_owned());
                    entry.cmdline = Some(args.split_whitespace().collect::<Vec<_>>().join(" "));
                } else {
                    entry.initrd = Some(path.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(Partial {
        value: config,
        errors,
    })
}

/// `/boot/grub/grubenv` (GRUB 2's environment block: `key=value` lines
/// padded with `#` to 1024 bytes), for `saved_entry`. A line that is no
/// assignment is skipped, by line.
pub fn parse_grubenv(bytes: &[u8]) -> Parsed<BTreeMap<String, String>> {
    let mut errors = Vec::new();
    let value = String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .filter_map(|(i, l)| {
            let kv = l.split_once('=');
            if kv.is_none() {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("not key=value: {}", super::shown(l)),
                ));
            }
            kv
        })
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(Partial::new(value, errors))
}

/// `--id ID` or `$menuentry_id_option 'ID'`.
fn id_option(words: &[String]) -> Option<String> {
    words
        .windows(2)
        .find(|w| w[0] == "--id" || w[0] == "$menuentry_id_option")
        .map(|w| w[1].clone())
}

/// Splits a GRUB 2 script line into words with shell quoting; stops at `#`
/// outside quotes.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, '#') if word.is_none() => break,
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => word.get_or_insert_with(String::new).extend(chars.next()),
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn debian12_grub_cfg() {
        let parsed = parse_grub2(&fixture("debian12-grub2/boot/grub/grub.cfg")).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let cfg = parsed.value;
        assert_eq!(cfg.default.as_deref(), Some("0"));
        assert_eq!(cfg.entries.len(), 4);
        let first = cfg.default_entry(None).unwrap();
        assert_eq!(first.title, "Debian GNU/Linux");
        assert_eq!(
            first.kernel.as_deref(),
            Some("/boot/vmlinuz-6.1.0-18-amd64")
        );
        assert_eq!(
            first.cmdline.as_deref(),
            Some("root=UUID=3f9c2a4e-8d1b-4c55-9e0f-6a7b8c9d0e1f ro quiet")
        );
        assert_eq!(
            first.root(),
            Some("UUID=3f9c2a4e-8d1b-4c55-9e0f-6a7b8c9d0e1f")
        );
        assert_eq!(
            first.initrd.as_deref(),
            Some("/boot/initrd.img-6.1.0-18-amd64")
        );

        let old = &cfg.entries[3];
        assert_eq!(old.position, vec![1, 2]);
        assert_eq!(old.kernel.as_deref(), Some("/boot/vmlinuz-6.1.0-13-amd64"));
        let by_path = GrubConfig {
            default: Some("1>2".into()),
            ..cfg.clone()
        };
        assert_eq!(by_path.default_entry(None), Some(old));
        let id = "gnulinux-6.1.0-18-amd64-recovery-3f9c2a4e-8d1b-4c55-9e0f-6a7b8c9d0e1f";
        let saved = GrubConfig {
            default: Some("${saved_entry}".into()),
            ..cfg
        };
        let env = parse_grubenv(format!("# GRUB Environment Block\nsaved_entry=gnulinux-advanced-3f9c2a4e-8d1b-4c55-9e0f-6a7b8c9d0e1f>{id}\n####").as_bytes()).unwrap();
        assert_eq!(env.errors, []);
        let damaged = parse_grubenv(b"# GRUB Environment Block\nsaved_entry=1\ngarbage\n").unwrap();
        assert_eq!(damaged.errors[0].line, Some(3));
        let recovery = saved
            .default_entry(env.get("saved_entry").map(String::as_str))
            .unwrap();
        assert_eq!(
            recovery.cmdline.as_deref(),
            Some("root=UUID=3f9c2a4e-8d1b-4c55-9e0f-6a7b8c9d0e1f ro single")
        );
        assert_eq!(saved.default_entry(None), None);
    }

    #[test]
    fn centos6_grub_conf() {
        let parsed = parse_legacy(&fixture("centos6/boot/grub/grub.conf")).unwrap();
        assert!(parsed.errors.is_empty());
        let cfg = parsed.value;
        assert_eq!(cfg.entries.len(), 2);
        let entry = cfg.default_entry(None).unwrap();
        assert_eq!(entry.title, "CentOS 6 (2.6.32-754.35.1.el6.x86_64)");
        assert_eq!(
            entry.kernel.as_deref(),
            Some("/vmlinuz-2.6.32-754.35.1.el6.x86_64")
        );
        assert_eq!(entry.root(), Some("/dev/mapper/VolGroup-lv_root"));
        assert!(entry
            .cmdline
            .as_deref()
            .unwrap()
            .ends_with("rd_NO_DM rhgb quiet"));
        assert_eq!(
            cfg.entries[1].initrd.as_deref(),
            Some("/initramfs-2.6.32-754.el6.x86_64.img")
        );
    }

    #[test]
    fn damaged() {
        let parsed = parse_grub2(b"}\nmenuentry 'x' {\n linux /k a=\"b c\"\n").unwrap();
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.value.entries[0].cmdline.as_deref(), Some("a=b c"));
        let legacy = parse_legacy(b"kernel /vmlinuz\ndefault saved\ntitle t\n").unwrap();
        assert_eq!(legacy.errors.len(), 1);
        assert_eq!(legacy.value.default_entry(None), None);
    }
}
