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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    pub unit: String,
    /// `enabled`, `disabled`, `static`, `masked`, `indirect`, `alias`, ...
    pub state: String,
}

pub fn parse(bytes: &[u8]) -> Vec<UnitFile> {
    String::from_utf8_lossy(bytes)
        .lines()
        .skip_while(|l| !l.starts_with("UNIT FILE"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some(UnitFile {
                unit: w.next()?.to_string(),
                state: w.next()?.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian12_sos_capture() {
        let units = parse(&super::super::sample(
            "debian12-sos4.0/sos_commands/systemd/systemctl_list-unit-files",
        ));
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
