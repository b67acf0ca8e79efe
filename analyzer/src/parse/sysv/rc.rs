//! rc links: `S55sshd` / `K25sshd` in `/etc/rc?.d` or `/etc/rc.d/rc?.d`, and
//! the per-runlevel on/off matrix that `chkconfig --list` prints from them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Runlevel;

/// Whether an rc link starts or stops its script on entering the runlevel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RcAction {
    Start,
    Kill,
}

/// An rc link name such as `S55sshd`: action, order, and script name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RcLink {
    pub action: RcAction,
    pub priority: u16,
    pub name: String,
}

/// Parses `S55sshd` / `K25sshd`; `None` for anything else in an rc
/// directory (`README`, `.depend.start`).
pub fn parse_rc_link_name(name: &str) -> Option<RcLink> {
    let action = match name.as_bytes().first()? {
        b'S' => RcAction::Start,
        b'K' => RcAction::Kill,
        _ => return None,
    };
    let rest = &name[1..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    // Two digits is the norm; allow three (some SUSE and hand-made links).
    if !(1..=3).contains(&digits) || digits == rest.len() {
        return None;
    }
    Some(RcLink {
        action,
        priority: rest[..digits].parse().ok()?,
        name: rest[digits..].to_string(),
    })
}

/// The runlevel an rc directory stands for: `rc3.d` → 3, `rcS.d` → S.
pub fn rc_dir_runlevel(dir_name: &str) -> Option<Runlevel> {
    let middle = dir_name.strip_prefix("rc")?.strip_suffix(".d")?;
    let mut chars = middle.chars();
    let level = chars.next().and_then(Runlevel::from_char)?;
    chars.next().is_none().then_some(level)
}

/// The links of one script across runlevels, as `chkconfig --list` shows
/// them: a runlevel is on when it has an S link, off otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceRunlevels {
    pub links: BTreeMap<Runlevel, RcLink>,
}

impl ServiceRunlevels {
    pub fn is_on(&self, level: Runlevel) -> bool {
        self.links
            .get(&level)
            .is_some_and(|link| link.action == RcAction::Start)
    }

    pub fn on_runlevels(&self) -> Vec<Runlevel> {
        self.links
            .keys()
            .copied()
            .filter(|level| self.is_on(*level))
            .collect()
    }
}

/// Every script with at least one rc link, keyed by script name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunlevelMatrix {
    pub services: BTreeMap<String, ServiceRunlevels>,
}

impl RunlevelMatrix {
    /// Builds the matrix from `(runlevel, link name, link target)` tuples.
    /// The script is named by the target's file name (`../init.d/sshd`), which
    /// is what runs, falling back to the link's own name when the target is
    /// empty. Names that are not rc links are ignored. When a runlevel has
    /// both an S and a K link for one script, the S link wins: rc runs it.
    pub fn from_links<'a>(
        links: impl IntoIterator<Item = (Runlevel, &'a str, &'a str)>,
    ) -> RunlevelMatrix {
        let mut matrix = RunlevelMatrix::default();
        for (level, link_name, target) in links {
            let Some(link) = parse_rc_link_name(link_name) else {
                continue;
            };
            let script = match target.rsplit('/').next() {
                Some(base) if !base.is_empty() => base.to_string(),
                _ => link.name.clone(),
            };
            let levels = &mut matrix.services.entry(script).or_default().links;
            match levels.get(&level) {
                Some(existing) if existing.action == RcAction::Start => {}
                _ => {
                    levels.insert(level, link);
                }
            }
        }
        matrix
    }

    /// One `chkconfig --list` line: `sshd 0:off 1:off 2:on … 6:off`, with an
    /// `S:` column only when the script has a link in rcS.d.
    pub fn chkconfig_line(&self, name: &str) -> Option<String> {
        let service = self.services.get(name)?;
        let mut line = name.to_string();
        for level in Runlevel::ALL {
            if level.as_char() == 'S' && !service.links.contains_key(&level) {
                continue;
            }
            let state = if service.is_on(level) { "on" } else { "off" };
            line.push_str(&format!(" {}:{state}", level.as_char()));
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(text: &str) -> Vec<Runlevel> {
        text.chars()
            .map(|c| Runlevel::from_char(c).unwrap())
            .collect()
    }

    #[test]
    fn rc_link_names() {
        let link = parse_rc_link_name("S55sshd").unwrap();
        assert_eq!(
            (link.action, link.priority, link.name.as_str()),
            (RcAction::Start, 55, "sshd")
        );
        assert_eq!(parse_rc_link_name("K01ssh").unwrap().action, RcAction::Kill);
        for name in ["README", "S", "S55", "Sshd", "K1234x", ".depend.start", ""] {
            assert_eq!(parse_rc_link_name(name), None, "{name}");
        }
        assert_eq!(rc_dir_runlevel("rc3.d"), Runlevel::from_char('3'));
        assert_eq!(rc_dir_runlevel("rcS.d"), Runlevel::from_char('S'));
        assert_eq!(rc_dir_runlevel("rc.d"), None);
        assert_eq!(rc_dir_runlevel("init.d"), None);
    }

    #[test]
    fn centos6_runlevel_matrix_from_real_links() {
        let root = format!(
            "{}/../fixtures/centos6-sysv/etc/rc.d",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut links = Vec::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap();
            let Some(level) = rc_dir_runlevel(&dir.file_name().to_string_lossy()) else {
                continue;
            };
            for link in std::fs::read_dir(dir.path()).unwrap() {
                let link = link.unwrap();
                let target = std::fs::read_link(link.path()).unwrap();
                links.push((
                    level,
                    link.file_name().to_string_lossy().into_owned(),
                    target.to_string_lossy().into_owned(),
                ));
            }
        }
        let matrix =
            RunlevelMatrix::from_links(links.iter().map(|(l, n, t)| (*l, n.as_str(), t.as_str())));
        // crond, iptables, network, postfix, rsyslog, sshd, and rc.local.
        assert_eq!(matrix.services.len(), 7);
        assert_eq!(
            matrix.chkconfig_line("sshd").unwrap(),
            "sshd 0:off 1:off 2:on 3:on 4:on 5:on 6:off"
        );
        // crond was turned off in runlevel 4 (`chkconfig --level 4 crond off`).
        assert_eq!(
            matrix.chkconfig_line("crond").unwrap(),
            "crond 0:off 1:off 2:on 3:on 4:off 5:on 6:off"
        );
        assert_eq!(matrix.services["crond"].on_runlevels(), levels("235"));
    }

    #[test]
    fn start_link_wins_and_target_names_the_script() {
        let s = Runlevel::from_char('S').unwrap();
        let two = Runlevel::from_char('2').unwrap();
        let matrix = RunlevelMatrix::from_links([
            (two, "K01foo", "../init.d/foo"),
            (two, "S02foo", "../init.d/foo"),
            (two, "K03foo", "../init.d/foo"),
            (s, "S01udev", "/etc/init.d/udev"),
            (two, "S10renamed", "../init.d/real-name"),
            (two, "README", ""),
        ]);
        assert!(matrix.services["foo"].is_on(two));
        assert!(matrix.services.contains_key("real-name"));
        assert_eq!(
            matrix.chkconfig_line("udev").unwrap(),
            "udev 0:off 1:off 2:off 3:off 4:off 5:off 6:off S:on"
        );
        assert_eq!(matrix.services.len(), 3);
    }
}
