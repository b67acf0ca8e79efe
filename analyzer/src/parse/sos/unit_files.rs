//! `systemctl list-unit-files` (sos: `sos_commands/systemd/
//! systemctl_list-unit-files`): each unit file's enablement state.
//!
//! ```text
//! UNIT FILE                              STATE    PRESET
//! proc-sys-fs-binfmt_misc.automount      static   -
//! cryptdisks.service                     masked   enabled
//!
//! 216 unit files listed.
//! ```
//!
//! systemd before 245 prints no PRESET column.

use crate::parse::{shown, ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    pub unit: String,
    /// `enabled`, `disabled`, `static`, `masked`, `indirect`, `alias`, ...
    pub state: String,
}

/// `systemctl list-unit-files`' rows; broken without its `UNIT FILE`
/// header, a row without a state skipped, by line.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<UnitFile>> {
    let text = String::from_utf8_lossy(bytes);
    let Some(header) = text.lines().position(|l| l.starts_with("UNIT FILE")) else {
        return Err(ParseError::new(
            "no UNIT FILE header: not systemctl list-unit-files output",
        ));
    };
    let mut errors = Vec::new();
    let value = text
        .lines()
        .enumerate()
        .skip(header + 1)
        .take_while(|(_, l)| !l.trim().is_empty())
        .filter_map(|(i, l)| {
            let mut w = l.split_whitespace();
            let (Some(unit), Some(state)) = (w.next(), w.next()) else {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("a unit without a state: {}", shown(l)),
                ));
                return None;
            };
            Some(UnitFile {
                unit: unit.to_string(),
                state: state.to_string(),
            })
        })
        .collect();
    Ok(Partial::new(value, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian12_sos_capture() {
        let units = parse(&super::super::sample(
            "debian12-sos4.0/sos_commands/systemd/systemctl_list-unit-files",
        ))
        .unwrap()
        .value;
        assert_eq!(units.len(), 214);
        let masked: Vec<&str> = units
            .iter()
            .filter(|u| u.state == "masked")
            .map(|u| u.unit.as_str())
            .collect();
        assert_eq!(
            masked,
            [
                "cryptdisks-early.service",
                "cryptdisks.service",
                "hwclock.service",
                "rc.service",
                "rcS.service",
                "x11-common.service"
            ]
        );
    }
}
