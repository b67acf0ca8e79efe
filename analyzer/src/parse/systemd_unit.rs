//! systemd unit files (`*.service`, `*.socket`, `*.timer`, …) and their
//! drop-ins, kept generically as sections of ordered assignments; plus the
//! unit-name rules (templates, instances, types).
//!
//! The syntax is systemd's: `[Section]` headers, `Key=value` lines, comments
//! starting with `#` or `;`, a trailing backslash joining the next line, and
//! repeated keys. What a repeated key means depends on the key, so every
//! assignment is kept in order and the accessors apply systemd's rule that an
//! empty assignment (`ExecStart=`) resets the list built so far.
//!
//! Sample (Debian 12 `/lib/systemd/system/ssh.service`, abridged):
//!
//! ```text
//! [Unit]
//! Description=OpenBSD Secure Shell server
//! After=network.target auditd.service
//!
//! [Service]
//! ExecStartPre=/usr/sbin/sshd -t
//! ExecStart=/usr/sbin/sshd -D $SSHD_OPTS
//!
//! [Install]
//! WantedBy=multi-user.target
//! Alias=sshd.service
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnitFile {
    /// In order of first appearance; a section named twice is merged.
    pub sections: Vec<UnitSection>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSection {
    pub name: String,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub key: String,
    pub value: String,
}

/// The `[Install]` section: how `systemctl enable` links the unit.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InstallSection {
    pub wanted_by: Vec<String>,
    pub required_by: Vec<String>,
    pub alias: Vec<String>,
    pub also: Vec<String>,
    pub default_instance: Option<String>,
}

/// Parses a unit file or drop-in. Lines that are neither a section header,
/// a comment nor an assignment, and assignments before any section, are
/// reported and skipped (systemd ignores them too).
pub fn parse(bytes: &[u8]) -> Parsed<UnitFile> {
    let text = String::from_utf8_lossy(bytes);
    let mut unit = UnitFile::default();
    let mut errors = Vec::new();
    let mut current: Option<usize> = None;
    let mut lines = text.lines().enumerate();

    while let Some((index, raw)) = lines.next() {
        let mut line = raw.trim().to_string();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        // A trailing backslash joins the next line, with a space; comment
        // lines inside a continuation are skipped.
        while line.ends_with('\\') {
            line.pop();
            line.push(' ');
            match lines.find(|(_, next)| !next.trim_start().starts_with(['#', ';'])) {
                Some((_, next)) => line.push_str(next.trim()),
                None => break,
            }
        }
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[') {
            let Some(name) = name.strip_suffix(']') else {
                errors.push(ParseError::at_line(
                    index + 1,
                    format!("bad section header: {}", super::shown(line)),
                ));
                current = None;
                continue;
            };
            current = Some(unit.section_index(name));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            errors.push(ParseError::at_line(
                index + 1,
                format!("not Key=value: {}", super::shown(line)),
            ));
            continue;
        };
        let Some(section) = current else {
            errors.push(ParseError::at_line(
                index + 1,
                "assignment outside of a section",
            ));
            continue;
        };
        unit.sections[section].assignments.push(Assignment {
            key: key.trim().to_string(),
            value: value.trim().to_string(),
        });
    }
    Ok(Partial {
        value: unit,
        errors,
    })
}

impl UnitFile {
    fn section_index(&mut self, name: &str) -> usize {
        match self.sections.iter().position(|s| s.name == name) {
            Some(index) => index,
            None => {
                self.sections.push(UnitSection {
                    name: name.to_string(),
                    assignments: Vec::new(),
                });
                self.sections.len() - 1
            }
        }
    }

    pub fn section(&self, name: &str) -> Option<&UnitSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Every value of a key since its last empty assignment, one per line:
    /// the rule for `ExecStart=`, `ListenStream=`, `Environment=`.
    pub fn values(&self, section: &str, key: &str) -> Vec<&str> {
        let mut values = Vec::new();
        let assignments = self
            .section(section)
            .map(|s| s.assignments.as_slice())
            .unwrap_or_default();
        for assignment in assignments.iter().filter(|a| a.key == key) {
            if assignment.value.is_empty() {
                values.clear();
            } else {
                values.push(assignment.value.as_str());
            }
        }
        values
    }

    /// The words of a space-separated list key (`WantedBy=`, `After=`,
    /// `Alias=`), accumulated across assignments with resets applied.
    pub fn words(&self, section: &str, key: &str) -> Vec<String> {
        self.values(section, key)
            .iter()
            .flat_map(|v| v.split_whitespace())
            .map(str::to_string)
            .collect()
    }

    /// The effective value of a single-valued key: the last assignment wins;
    /// `None` when unset or reset by an empty assignment.
    pub fn last(&self, section: &str, key: &str) -> Option<&str> {
        self.values(section, key).last().copied()
    }

    pub fn install(&self) -> InstallSection {
        InstallSection {
            wanted_by: self.words("Install", "WantedBy"),
            required_by: self.words("Install", "RequiredBy"),
            alias: self.words("Install", "Alias"),
            also: self.words("Install", "Also"),
            default_instance: self.last("Install", "DefaultInstance").map(str::to_string),
        }
    }
}

/// Applies drop-ins on top of a unit as systemd does. `dropins` holds each
/// `*.conf` from the unit's `.d` directories as `(file name, parsed)`, in
/// directory precedence order (/etc, /run, /lib or /usr/lib; the
/// `foo@.service.d` of a template after the instance's own): a file name seen
/// earlier shadows the same name later, and the survivors are applied in
/// lexical order of file name, whatever their directory.
pub fn apply_dropins(unit: &UnitFile, dropins: &[(&str, UnitFile)]) -> UnitFile {
    let mut chosen: BTreeMap<&str, &UnitFile> = BTreeMap::new();
    for (name, dropin) in dropins {
        chosen.entry(name).or_insert(dropin);
    }
    let mut merged = unit.clone();
    for dropin in chosen.values() {
        for section in &dropin.sections {
            let index = merged.section_index(&section.name);
            merged.sections[index]
                .assignments
                .extend(section.assignments.iter().cloned());
        }
    }
    merged
}

/// The unit types, from the name's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitType {
    Service,
    Socket,
    Target,
    Timer,
    Mount,
    Automount,
    Swap,
    Path,
    Slice,
    Scope,
    Device,
}

/// A unit name taken apart: `getty@tty1.service` is prefix `getty`,
/// instance `tty1`, type service; `getty@.service` is the template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitName {
    pub prefix: String,
    /// `Some("")` for a template, `Some(instance)` for an instance.
    pub instance: Option<String>,
    pub unit_type: UnitType,
}

impl UnitName {
    pub fn parse(name: &str) -> Option<UnitName> {
        let (stem, suffix) = name.rsplit_once('.')?;
        let unit_type = match suffix {
            "service" => UnitType::Service,
            "socket" => UnitType::Socket,
            "target" => UnitType::Target,
            "timer" => UnitType::Timer,
            "mount" => UnitType::Mount,
            "automount" => UnitType::Automount,
            "swap" => UnitType::Swap,
            "path" => UnitType::Path,
            "slice" => UnitType::Slice,
            "scope" => UnitType::Scope,
            "device" => UnitType::Device,
            _ => return None,
        };
        let (prefix, instance) = match stem.split_once('@') {
            Some((prefix, instance)) => (prefix, Some(instance.to_string())),
            None => (stem, None),
        };
        if prefix.is_empty() {
            return None;
        }
        Some(UnitName {
            prefix: prefix.to_string(),
            instance,
            unit_type,
        })
    }

    pub fn is_template(&self) -> bool {
        self.instance.as_deref() == Some("")
    }

    pub fn is_instance(&self) -> bool {
        self.instance.as_deref().is_some_and(|i| !i.is_empty())
    }

    /// The template an instance (or template) comes from: `foo@.service`.
    pub fn template(&self) -> Option<String> {
        self.instance.as_ref()?;
        Some(format!("{}@.{}", self.prefix, self.suffix()))
    }

    fn suffix(&self) -> &'static str {
        match self.unit_type {
            UnitType::Service => "service",
            UnitType::Socket => "socket",
            UnitType::Target => "target",
            UnitType::Timer => "timer",
            UnitType::Mount => "mount",
            UnitType::Automount => "automount",
            UnitType::Swap => "swap",
            UnitType::Path => "path",
            UnitType::Slice => "slice",
            UnitType::Scope => "scope",
            UnitType::Device => "device",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str) -> Partial<UnitFile> {
        let path = format!(
            "{}/../fixtures/debian12-init-files/lib/systemd/system/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        parse(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn debian_ssh_service() {
        let parsed = unit("ssh.service");
        assert!(parsed.errors.is_empty());
        let ssh = parsed.value;
        assert_eq!(
            ssh.last("Unit", "Description"),
            Some("OpenBSD Secure Shell server")
        );
        assert_eq!(
            ssh.words("Unit", "After"),
            vec!["network.target", "auditd.service"]
        );
        assert_eq!(
            ssh.values("Service", "ExecReload"),
            vec!["/usr/sbin/sshd -t", "/bin/kill -HUP $MAINPID"]
        );
        assert_eq!(
            ssh.last("Service", "ExecStart"),
            Some("/usr/sbin/sshd -D $SSHD_OPTS")
        );
        let install = ssh.install();
        assert_eq!(install.wanted_by, vec!["multi-user.target"]);
        assert_eq!(install.alias, vec!["sshd.service"]);
        assert!(install.required_by.is_empty() && install.also.is_empty());
    }

    #[test]
    fn socket_and_timer_keys() {
        let socket = unit("ssh.socket").value;
        assert_eq!(socket.values("Socket", "ListenStream"), vec!["22"]);
        assert_eq!(socket.install().wanted_by, vec!["sockets.target"]);
        let timer = unit("apt-daily.timer").value;
        assert_eq!(timer.last("Timer", "OnCalendar"), Some("*-*-* 6,18:00"));
        assert_eq!(timer.install().wanted_by, vec!["timers.target"]);
        let dbus = unit("dbus.socket").value;
        assert_eq!(
            dbus.last("Socket", "ListenStream"),
            Some("/run/dbus/system_bus_socket")
        );
        assert_eq!(dbus.install(), InstallSection::default());
    }

    #[test]
    fn template_with_default_instance() {
        let getty = unit("getty@.service").value;
        assert_eq!(getty.install().default_instance.as_deref(), Some("tty1"));
        assert_eq!(
            getty.words("Unit", "Before"),
            vec!["getty.target", "rescue.service"]
        );
        assert_eq!(getty.values("Unit", "Documentation").len(), 2);
        assert_eq!(
            getty.last("Service", "ExecStart"),
            Some("-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM")
        );
    }

    #[test]
    fn empty_assignment_resets_a_list() {
        // upower.service sets `CapabilityBoundingSet=` (empty: no capabilities).
        let upower = unit("upower.service").value;
        assert!(upower.values("Service", "CapabilityBoundingSet").is_empty());
        assert_eq!(upower.last("Service", "CapabilityBoundingSet"), None);
        assert!(upower
            .section("Service")
            .unwrap()
            .assignments
            .iter()
            .any(|a| a.key == "CapabilityBoundingSet"));
        // The usual admin override: reset ExecStart, then set a new one.
        let admin = parse(b"[Service]\nExecStart=\nExecStart=/usr/sbin/sshd -D -p 2222\n")
            .unwrap()
            .value;
        let merged = apply_dropins(&unit("ssh.service").value, &[("override.conf", admin)]);
        assert_eq!(
            merged.values("Service", "ExecStart"),
            vec!["/usr/sbin/sshd -D -p 2222"]
        );
        assert_eq!(
            merged.values("Service", "ExecStartPre"),
            vec!["/usr/sbin/sshd -t"]
        );
    }

    #[test]
    fn real_dropins_in_lexical_order_with_shadowing() {
        let localed = unit("systemd-localed.service").value;
        let dropin = unit("systemd-localed.service.d/locale-gen.conf").value;
        assert_eq!(
            localed.values("Service", "ReadWritePaths"),
            vec!["/etc", "/usr/lib/locale"]
        );
        // An /etc drop-in of the same name shadows the vendor one; other
        // names apply in lexical order whatever their directory.
        let etc_same = parse(b"[Service]\nReadWritePaths=/srv/etc-wins\n")
            .unwrap()
            .value;
        let etc_later = parse(b"[Service]\nReadWritePaths=/srv/zz\n").unwrap().value;
        let merged = apply_dropins(
            &localed,
            &[
                ("zz-last.conf", etc_later),
                ("locale-gen.conf", etc_same),
                ("locale-gen.conf", dropin.clone()),
            ],
        );
        assert_eq!(
            merged.values("Service", "ReadWritePaths"),
            vec!["/etc", "/usr/lib/locale", "/srv/etc-wins", "/srv/zz"]
        );
        let vendor = apply_dropins(&localed, &[("locale-gen.conf", dropin)]);
        assert_eq!(
            vendor.values("Service", "ReadWritePaths").last(),
            Some(&"/usr/lib/locale/")
        );
        // A drop-in may add a section the unit lacks.
        let rc_local = apply_dropins(
            &unit("rc-local.service").value,
            &[("debian.conf", unit("rc-local.service.d/debian.conf").value)],
        );
        assert_eq!(
            rc_local.words("Unit", "After"),
            vec!["network.target", "network-online.target"]
        );
        assert_eq!(
            rc_local.last("Service", "StandardOutput"),
            Some("journal+console")
        );
    }

    #[test]
    fn continuation_comments_and_damage() {
        let parsed = parse(
            b"stray=1\n[Unit]\nDescription=a \\\n# skipped comment\n  long \\\n; another\n  description\n\
              ; comment\n[Service]\nnot an assignment\n[Broken\nExecStart=/bin/true\n[Unit]\nAfter=x.target\n",
        ).unwrap();
        assert_eq!(
            parsed.value.last("Unit", "Description"),
            Some("a  long  description")
        );
        assert_eq!(
            parsed
                .errors
                .iter()
                .map(|e| e.line.unwrap())
                .collect::<Vec<_>>(),
            vec![1, 10, 11, 12]
        );
        assert_eq!(parsed.value.sections.len(), 2);
        assert_eq!(parsed.value.words("Unit", "After"), vec!["x.target"]);
        for input in [&b"\\"[..], b"[", b"[]", b"=", b"[A]\n=\\", b"\xff[\xfe]"] {
            let _ = parse(input).unwrap();
        }
    }

    #[test]
    fn unit_names() {
        let instance = UnitName::parse("getty@tty1.service").unwrap();
        assert_eq!(
            (instance.prefix.as_str(), instance.unit_type),
            ("getty", UnitType::Service)
        );
        assert!(instance.is_instance() && !instance.is_template());
        assert_eq!(instance.template().as_deref(), Some("getty@.service"));
        let template = UnitName::parse("postgresql@.service").unwrap();
        assert!(template.is_template());
        assert_eq!(template.template().as_deref(), Some("postgresql@.service"));
        let dotted = UnitName::parse("openvpn@client.conf.service").unwrap();
        assert_eq!(dotted.instance.as_deref(), Some("client.conf"));
        assert_eq!(UnitName::parse("ssh.socket").unwrap().template(), None);
        assert_eq!(
            UnitName::parse("apt-daily.timer").unwrap().unit_type,
            UnitType::Timer
        );
        for bad in ["sshd", "foo.conf", "@x.service", ".service", ""] {
            assert_eq!(UnitName::parse(bad), None, "{bad}");
        }
    }
}
