//! `chkconfig --list` (sos: `sos_commands/startup/chkconfig_--list` in sos 3,
//! `sos_commands/services/chkconfig_--list` in sos 4): SysV scripts on or off
//! per runlevel, and xinetd's services on or off.
//!
//! ```text
//! auditd             0:off    1:off    2:on    3:on    4:on    5:on    6:off
//! xinetd based services:
//!         rsync:          on
//! ```

use crate::parse::{whole, ParseError, Parsed};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChkconfigEntry {
    pub name: String,
    /// Runlevels it is on in; empty for an xinetd service.
    pub on_in: Vec<u8>,
    /// Whether any runlevel (or, for xinetd, the service) is on.
    pub enabled: bool,
    pub xinetd: bool,
}

/// Broken when text is there but no line of either form (`name 0:off ...
/// 6:off`, an xinetd service) nor the xinetd heading.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<ChkconfigEntry>> {
    let mut out = Vec::new();
    let mut in_xinetd = false;
    let text = String::from_utf8_lossy(bytes);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with("xinetd based services") {
            in_xinetd = true;
            continue;
        }
        let levels: Vec<(u8, bool)> = words
            .iter()
            .skip(1)
            .filter_map(|w| {
                let (l, s) = w.split_once(':')?;
                Some((l.parse().ok()?, s == "on"))
            })
            .collect();
        if levels.len() == 7 {
            let on_in: Vec<u8> = levels.iter().filter(|l| l.1).map(|l| l.0).collect();
            out.push(ChkconfigEntry {
                name: words[0].to_string(),
                enabled: !on_in.is_empty(),
                on_in,
                xinetd: false,
            });
        } else if let [name, state] = words[..] {
            // xinetd services are indented under `xinetd` (RHEL 5/6) or
            // under the `xinetd based services:` heading.
            if (in_xinetd || line.starts_with(char::is_whitespace)) && name.ends_with(':') {
                out.push(ChkconfigEntry {
                    name: name.trim_end_matches(':').to_string(),
                    on_in: Vec::new(),
                    enabled: state == "on",
                    xinetd: true,
                });
            }
        }
    }
    if out.is_empty() && !in_xinetd && !text.trim().is_empty() {
        return Err(ParseError::new(
            "no service line (`name 0:off 1:off ... 6:off`): not chkconfig --list's output",
        ));
    }
    whole(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn other_text_is_broken() {
        super::super::refuses(super::parse, b"hello world\n");
    }

    #[test]
    fn rhel7_capture_from_insights_core() {
        let list = super::super::read(
            super::parse,
            "insights-core/chkconfig_--list.RHEL_73_SERVICES",
        );
        let sysv: Vec<(&str, &[u8])> = list
            .iter()
            .filter(|e| !e.xinetd)
            .map(|e| (e.name.as_str(), e.on_in.as_slice()))
            .collect();
        assert_eq!(
            sysv,
            [
                ("netconsole", &[][..]),
                ("network", &[2, 3, 4, 5][..]),
                ("rhnsd", &[2, 3, 4, 5][..])
            ]
        );
        let on: Vec<&str> = list
            .iter()
            .filter(|e| e.xinetd && e.enabled)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(on, ["rsync"]);
        assert_eq!(list.iter().filter(|e| e.xinetd).count(), 12);
    }
}
