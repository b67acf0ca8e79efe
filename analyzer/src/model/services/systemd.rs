//! systemd: unit files from /etc, /run, /lib and /usr/lib (the first
//! directory holding a name wins, as in systemd's search path), drop-ins,
//! masks, aliases, enablement from `.wants`/`.requires` links, templates and
//! their instances, and the default target's dependency tree.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use lift_bundle::FileKind;
use serde::Serialize;

use super::super::facts::Facts;
use super::{EnableState, InitSystem, Service, ServiceKind};
use crate::parse::systemd_unit::{self, UnitFile, UnitName, UnitType};
use crate::sources::{self as src, marks};

/// Search path in precedence order; `true` for the administrator's
/// directories, whose links are enablement (vendor links are static
/// dependencies).
/// Bounds of the dependency walk: a hostile or looping tree stays small.
const MAX_DEPTH: usize = 12;
const MAX_LINES: usize = 2000;
const MAX_ALIAS_HOPS: usize = 8;

/// One line of `systemctl list-dependencies`: a unit at a depth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DependencyLine {
    pub depth: usize,
    pub unit: String,
}

pub struct Units {
    pub services: Vec<Service>,
    /// Every unit name known (files, aliases, masks, links).
    pub names: BTreeSet<String>,
    pub default_target: Option<String>,
    pub tree: Vec<DependencyLine>,
}

enum UnitSource {
    File(String),
    Masked(String),
    Alias { target: String, admin: bool },
}

/// A unit file with its drop-ins applied, and the drop-ins' paths.
type Loaded = (UnitFile, Vec<String>);

struct Link {
    from: String,
    to: String,
    admin: bool,
}

struct Tree<'f, 's> {
    f: &'f Facts<'s>,
    sources: HashMap<String, UnitSource>,
    links: Vec<Link>,
    dropin_dirs: HashMap<String, Vec<String>>,
    loaded: RefCell<HashMap<String, Option<Loaded>>>,
    /// Indexes over `sources` and `links`, so that each unit's lookups are
    /// not a scan of every unit (100,000 units once took 29 s).
    index: Index,
}

#[derive(Default)]
struct Index {
    /// Canonical unit -> its aliases, and whether each is the administrator's.
    aliases: HashMap<String, Vec<(String, bool)>>,
    /// Unit -> the units whose administrator's `.wants`/`.requires` name it.
    wanted_by: HashMap<String, Vec<String>>,
    /// Unit -> what its `.wants`/`.requires` links name.
    links_from: HashMap<String, Vec<String>>,
}

/// None when no unit directory was collected.
pub fn units(f: &Facts, cgroup_units: &[String]) -> Option<Units> {
    let tree = Tree::read(f)?;
    let mut candidates: BTreeSet<String> = tree.sources.keys().cloned().collect();
    candidates.extend(tree.links.iter().map(|l| l.to.clone()));
    let names = candidates.clone();
    candidates.extend(cgroup_units.iter().cloned());
    let services = candidates
        .iter()
        .filter(|n| !matches!(tree.sources.get(*n), Some(UnitSource::Alias { .. })))
        .filter_map(|n| tree.service(n))
        .collect();
    let default_target = Some(tree.canonical("default.target")).filter(|t| t != "default.target");
    let mut lines = Vec::new();
    if let Some(root) = &default_target {
        tree.walk(root, 0, &mut Vec::new(), &mut lines);
    }
    Some(Units {
        services,
        names,
        default_target,
        tree: lines,
    })
}

/// A link to /dev/null masks a unit. sos rewrites absolute links relative
/// to the archive (`../../../../dev/null` from /usr/lib/systemd/system), so a
/// relative target that leads to /dev/null from the link's directory masks
/// too.
fn is_mask(dir: &str, target: &str) -> bool {
    if target == marks::MASK_TARGET {
        return true;
    }
    let mut path: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                path.pop();
            }
            c => path.push(c),
        }
    }
    let mask: Vec<&str> = marks::MASK_TARGET
        .split('/')
        .filter(|c| !c.is_empty())
        .collect();
    !target.starts_with('/') && path == mask
}

impl<'f, 's> Tree<'f, 's> {
    fn read(f: &'f Facts<'s>) -> Option<Tree<'f, 's>> {
        let mut tree = Tree {
            f,
            sources: HashMap::new(),
            links: Vec::new(),
            dropin_dirs: HashMap::new(),
            loaded: RefCell::new(HashMap::new()),
            index: Index::default(),
        };
        let mut seen = BTreeSet::new();
        let dirs = (src::SYSTEMD_ADMIN_DIRS
            .paths
            .iter()
            .map(|d| (&src::SYSTEMD_ADMIN_DIRS, *d, true)))
        .chain(
            src::SYSTEMD_VENDOR_DIRS
                .paths
                .iter()
                .map(|d| (&src::SYSTEMD_VENDOR_DIRS, *d, false)),
        );
        for (row, dir, admin) in dirs {
            // Merged /usr: /lib is a link to usr/lib; read it once.
            let Ok(canon) = f.resolve_at(row, dir) else {
                continue;
            };
            let Some(children) = f.list_at(row, dir).filter(|_| seen.insert(canon)) else {
                continue;
            };
            for c in children {
                let name = String::from_utf8_lossy(&c.name).into_owned();
                let path = format!("{dir}/{name}");
                if c.kind == FileKind::Dir {
                    tree.read_dir(&name, &path, admin);
                    continue;
                }
                if UnitName::parse(&name).is_none() || tree.sources.contains_key(&name) {
                    continue;
                }
                let target = c
                    .link_target
                    .map(|t| String::from_utf8_lossy(&t).into_owned());
                let source = match target.as_deref() {
                    Some(t) if is_mask(dir, t) => UnitSource::Masked(path),
                    Some(t) => match base(t) {
                        b if b != name && UnitName::parse(b).is_some() => UnitSource::Alias {
                            target: b.to_string(),
                            admin,
                        },
                        _ => UnitSource::File(path),
                    },
                    None => UnitSource::File(path),
                };
                tree.sources.insert(name, source);
            }
        }
        tree.build_index();
        (!seen.is_empty()).then_some(tree)
    }

    fn build_index(&mut self) {
        let mut index = Index::default();
        for (n, s) in &self.sources {
            if let UnitSource::Alias { admin, .. } = s {
                index
                    .aliases
                    .entry(self.canonical(n))
                    .or_default()
                    .push((n.clone(), *admin));
            }
        }
        for l in &self.links {
            if l.admin {
                index
                    .wanted_by
                    .entry(l.to.clone())
                    .or_default()
                    .push(l.from.clone());
            }
            index
                .links_from
                .entry(l.from.clone())
                .or_default()
                .push(l.to.clone());
        }
        self.index = index;
    }

    fn read_dir(&mut self, name: &str, path: &str, admin: bool) {
        let from = name
            .strip_suffix(".wants")
            .or_else(|| name.strip_suffix(".requires"));
        if let Some(from) = from {
            let row = if admin {
                &src::SYSTEMD_ADMIN_DIRS
            } else {
                &src::SYSTEMD_VENDOR_DIRS
            };
            for c in self.f.list_at(row, path).unwrap_or_default() {
                self.links.push(Link {
                    from: from.to_string(),
                    to: String::from_utf8_lossy(&c.name).into_owned(),
                    admin,
                });
            }
        } else if let Some(unit) = name.strip_suffix(".d") {
            self.dropin_dirs
                .entry(unit.to_string())
                .or_default()
                .push(path.to_string());
        }
    }

    /// The unit a name stands for, following aliases.
    fn canonical(&self, name: &str) -> String {
        let mut n = name.to_string();
        for _ in 0..MAX_ALIAS_HOPS {
            match self.sources.get(&n) {
                Some(UnitSource::Alias { target, .. }) => n = target.clone(),
                _ => break,
            }
        }
        n
    }

    /// The unit file with its drop-ins applied, and the drop-in paths.
    fn load(&self, name: &str) -> Option<(UnitFile, Vec<String>)> {
        if let Some(hit) = self.loaded.borrow().get(name) {
            return hit.clone();
        }
        let template = UnitName::parse(name).and_then(|u| u.template());
        let fragment = [Some(name.to_string()), template.clone()]
            .into_iter()
            .flatten()
            .find_map(|n| match self.sources.get(&n) {
                Some(UnitSource::File(p)) => Some(p.clone()),
                _ => None,
            });
        let loaded = fragment.and_then(|path| {
            let unit = self
                .f
                .parse_at(&src::UNIT_FILES, &path, systemd_unit::parse)?;
            let mut paths = Vec::new();
            let mut dropins = Vec::new();
            for n in [Some(name.to_string()), template].into_iter().flatten() {
                for dir in self.dropin_dirs.get(&n).into_iter().flatten() {
                    for p in self.f.glob_at(&src::UNIT_FILES, &format!("{dir}/*.conf")) {
                        if let Some(d) = self.f.parse_at(&src::UNIT_FILES, &p, systemd_unit::parse)
                        {
                            dropins.push((base(&p).to_string(), d));
                            paths.push(p);
                        }
                    }
                }
            }
            let refs: Vec<(&str, UnitFile)> = dropins
                .iter()
                .map(|(n, d)| (n.as_str(), d.clone()))
                .collect();
            Some((systemd_unit::apply_dropins(&unit, &refs), paths))
        });
        self.loaded
            .borrow_mut()
            .insert(name.to_string(), loaded.clone());
        loaded
    }

    fn service(&self, name: &str) -> Option<Service> {
        let unit_name = UnitName::parse(name)?;
        let kind = match unit_name.unit_type {
            UnitType::Service => ServiceKind::Service,
            UnitType::Socket => ServiceKind::Socket,
            UnitType::Timer => ServiceKind::Timer,
            _ => return None,
        };
        if unit_name.is_template() {
            return None;
        }
        let short = name.strip_suffix(".service").unwrap_or(name).to_string();
        let aliases: &[(String, bool)] = self.index.aliases.get(name).map_or(&[], Vec::as_slice);
        if let Some(UnitSource::Masked(path)) = self.sources.get(name) {
            let mut s = Service::new(short, InitSystem::Systemd, kind, EnableState::Masked);
            s.unit = Some(name.to_string());
            s.enabled = Some(false);
            s.unit_file = Some(path.clone());
            return Some(s);
        }
        let (unit, dropins) = self.load(name)?;
        let names: Vec<&str> = std::iter::once(name)
            .chain(aliases.iter().map(|(n, _)| n.as_str()))
            .collect();
        let targets: BTreeSet<String> = names
            .iter()
            .filter_map(|n| self.index.wanted_by.get(*n))
            .flatten()
            .cloned()
            .collect();
        let install = unit.install();
        let state = if !targets.is_empty() || aliases.iter().any(|(_, admin)| *admin) {
            EnableState::Enabled
        } else if !install.wanted_by.is_empty()
            || !install.required_by.is_empty()
            || !install.alias.is_empty()
        {
            EnableState::Disabled
        } else if !install.also.is_empty() {
            EnableState::Indirect
        } else {
            EnableState::Static
        };
        let mut s = Service::new(short, InitSystem::Systemd, kind, state);
        s.enabled = match state {
            EnableState::Static | EnableState::Indirect => None,
            _ => Some(state == EnableState::Enabled),
        };
        s.unit = Some(name.to_string());
        s.targets = targets.into_iter().collect();
        s.aliases = aliases.iter().map(|(n, _)| n.to_string()).collect();
        s.aliases.sort();
        s.description = unit.last("Unit", "Description").map(str::to_string);
        s.unit_file = self.load_path(name);
        s.dropins = dropins;
        s.oneshot = unit.last("Service", "Type") == Some("oneshot");
        s.pid_files = unit
            .values("Service", "PIDFile")
            .iter()
            .map(|p| p.to_string())
            .collect();
        s.exec_names = unit
            .values("Service", "ExecStart")
            .first()
            .and_then(|cmd| {
                cmd.trim_start_matches(['-', '@', ':', '+', '!'])
                    .split_whitespace()
                    .next()
            })
            .map(|w| vec![base(w).to_string()])
            .unwrap_or_default();
        for key in ["ListenStream", "ListenDatagram", "ListenSequentialPacket"] {
            s.listens
                .extend(unit.values("Socket", key).iter().map(|v| v.to_string()));
        }
        if kind == ServiceKind::Timer {
            s.timer = Some(self.timer(name, &unit));
        }
        Some(s)
    }

    /// A timer's `On...=` settings and the unit it starts (`Unit=`, else
    /// the service of the same name) with that unit's first ExecStart.
    fn timer(&self, name: &str, unit: &UnitFile) -> super::Timer {
        let mut schedule = Vec::new();
        for key in [
            "OnCalendar",
            "OnBootSec",
            "OnStartupSec",
            "OnActiveSec",
            "OnUnitActiveSec",
            "OnUnitInactiveSec",
        ] {
            schedule.extend(
                unit.values("Timer", key)
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{key}={v}")),
            );
        }
        let started = unit
            .last("Timer", "Unit")
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}.service", name.strip_suffix(".timer").unwrap_or(name)));
        let exec = self.load(&started).and_then(|(u, _)| {
            u.values("Service", "ExecStart")
                .first()
                .map(|c| c.trim_start_matches(['-', '@', ':', '+', '!']).to_string())
        });
        super::Timer {
            when: timer_words(&schedule),
            schedule,
            unit: started,
            exec,
        }
    }

    fn load_path(&self, name: &str) -> Option<String> {
        let template = UnitName::parse(name).and_then(|u| u.template());
        [Some(name.to_string()), template]
            .into_iter()
            .flatten()
            .find_map(|n| match self.sources.get(&n) {
                Some(UnitSource::File(p)) => Some(p.clone()),
                _ => None,
            })
    }

    /// What a unit pulls in: Requires=, Requisite=, Wants=, BindsTo= and
    /// the `.wants`/`.requires` links of every directory.
    fn dependencies(&self, name: &str) -> Vec<String> {
        let mut deps = BTreeSet::new();
        if let Some((unit, _)) = self.load(name) {
            for key in ["Requires", "Requisite", "Wants", "BindsTo"] {
                deps.extend(unit.words("Unit", key));
            }
        }
        let template = UnitName::parse(name).and_then(|u| u.template());
        for from in std::iter::once(name).chain(template.as_deref()) {
            deps.extend(
                self.index
                    .links_from
                    .get(from)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
        let mut deps: Vec<String> = deps.iter().map(|d| self.canonical(d)).collect();
        // As systemctl prints them: other units first, targets last.
        deps.sort_by_key(|d| (d.ends_with(".target"), d.clone()));
        deps.dedup();
        deps
    }

    fn walk(
        &self,
        name: &str,
        depth: usize,
        path: &mut Vec<String>,
        out: &mut Vec<DependencyLine>,
    ) {
        if out.len() >= MAX_LINES {
            return;
        }
        out.push(DependencyLine {
            depth,
            unit: name.to_string(),
        });
        // Only targets are expanded, as `systemctl list-dependencies` does
        // without --all.
        if !name.ends_with(".target") || depth >= MAX_DEPTH {
            return;
        }
        path.push(name.to_string());
        for d in self.dependencies(name) {
            if !path.contains(&d) {
                self.walk(&d, depth + 1, path, out);
            }
        }
        path.pop();
    }
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A timer's schedule in words, for the common forms: `OnCalendar=daily`,
/// `*-*-* 02:30:00`, `*:0/10`, `Mon *-*-* 06:00`, `OnBootSec=15min`.
fn timer_words(schedule: &[String]) -> Option<String> {
    let words: Vec<String> = schedule
        .iter()
        .filter_map(|s| {
            let (key, v) = s.split_once('=')?;
            Some(match key {
                "OnCalendar" => calendar_words(v.trim())?,
                "OnBootSec" | "OnStartupSec" => format!("{} after boot", v.trim()),
                "OnUnitActiveSec" => format!("every {}", v.trim()),
                _ => return None,
            })
        })
        .collect();
    (words.len() == schedule.len() && !words.is_empty()).then(|| words.join(", "))
}

fn calendar_words(v: &str) -> Option<String> {
    match v {
        "minutely" | "hourly" | "daily" | "weekly" | "monthly" | "yearly" | "annually"
        | "quarterly" | "semiannually" => {
            return Some(v.to_string());
        }
        _ => {}
    }
    // `*:0/10` and `*:00/10`: every N minutes.
    if let Some(step) = v
        .strip_prefix("*:")
        .and_then(|m| m.split_once('/'))
        .map(|(_, n)| n)
    {
        return Some(format!("every {} minutes", step.parse::<u32>().ok()?));
    }
    let parts: Vec<&str> = v.split_whitespace().collect();
    let (day, date, time) = match parts[..] {
        [date, time] => (None, date, time),
        [day, date, time] => (Some(day), date, time),
        _ => return None,
    };
    if date != "*-*-*" {
        return None;
    }
    let hm: Vec<&str> = time.split(':').collect();
    let (h, m): (u32, u32) = (hm.first()?.parse().ok()?, hm.get(1)?.parse().ok()?);
    let at = format!("{h:02}:{m:02}");
    Some(match day {
        None => format!("daily at {at}"),
        Some(d) => format!("{d} at {at}"),
    })
}

#[cfg(test)]
mod tests {
    use super::is_mask;

    /// sos rewrites `/dev/null` mask links relative to the archive.
    #[test]
    fn relative_links_to_dev_null_are_masks() {
        assert!(is_mask("/etc/systemd/system", "/dev/null"));
        assert!(is_mask("/usr/lib/systemd/system", "../../../../dev/null"));
        assert!(is_mask("/lib/systemd/system", "../../../../dev/null"));
        assert!(is_mask("/etc/systemd/system", "../../../dev/null"));
        assert!(!is_mask("/etc/systemd/system", "../../dev/null"));
        assert!(!is_mask(
            "/etc/systemd/system",
            "/lib/systemd/system/ssh.service"
        ));
        assert!(!is_mask("/etc/systemd/system", "dev/null"));
    }
}

#[cfg(test)]
mod timer_tests {
    use super::timer_words;

    #[test]
    fn timer_schedules_in_words() {
        let w = |s: &[&str]| timer_words(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(w(&["OnCalendar=daily"]).as_deref(), Some("daily"));
        assert_eq!(
            w(&["OnCalendar=*:00/10"]).as_deref(),
            Some("every 10 minutes")
        );
        assert_eq!(
            w(&["OnCalendar=Mon *-*-* 06:00:00"]).as_deref(),
            Some("Mon at 06:00")
        );
        assert_eq!(
            w(&["OnCalendar=*-*-* 02:30:00"]).as_deref(),
            Some("daily at 02:30")
        );
        assert_eq!(
            w(&["OnBootSec=15min", "OnUnitActiveSec=1d"]).as_deref(),
            Some("15min after boot, every 1d")
        );
        // anacron.timer's hour range is left as written.
        assert_eq!(w(&["OnCalendar=*-*-* 07..23:30"]), None);
    }
}
