//! SELinux's and AppArmor's files: `/etc/selinux/config` (selinux_config(5)),
//! `/sys/fs/selinux/enforce`, `/sys/kernel/security/apparmor/profiles`, and
//! sos's `apparmor_status` output where a sosreport has no securityfs copy.
//!
//! Sample `/etc/selinux/config` (Debian's policycoreutils 3.4 writes it at
//! install; selinux-basics' `selinux-config-enforcing` then sets enforcing):
//!
//! ```text
//! # This file controls the state of SELinux on the system.
//! SELINUX=enforcing
//! SELINUXTYPE=default
//! SETLOCALDEFS=0
//! ```
//!
//! Sample `/sys/kernel/security/apparmor/profiles` (one loaded profile a
//! line, its mode in parentheses):
//!
//! ```text
//! /usr/sbin/tcpdump (enforce)
//! nvidia_modprobe//kmod (complain)
//! ```

use super::{shown, ParseError, Parsed, Partial};
pub use crate::vocab::security::AppArmorProfile;

/// Most AppArmor profiles kept.
pub const MAX_PROFILES: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SelinuxConfig {
    /// `SELINUX=`: `enforcing`, `permissive` or `disabled`, as written.
    pub mode: Option<String>,
    /// `SELINUXTYPE=`: `targeted`, `mls`, `minimum`, `default`...
    pub policy: Option<String>,
    /// 1-based line of `SELINUX=`, for evidence.
    pub mode_line: Option<usize>,
}

/// `KEY=value` lines; a later assignment wins, as the shell that sources
/// the file decides.
pub fn selinux_config(bytes: &[u8]) -> Parsed<SelinuxConfig> {
    let text = super::text(bytes);
    let mut value = SelinuxConfig::default();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, v)) = line.split_once('=') else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("not KEY=value: {}", shown(line)),
            ));
            continue;
        };
        let v = v.trim().trim_matches('"').to_string();
        match key.trim() {
            "SELINUX" => {
                value.mode = Some(v.to_ascii_lowercase());
                value.mode_line = Some(i + 1);
            }
            "SELINUXTYPE" => value.policy = Some(v),
            _ => {}
        }
    }
    Ok(Partial { value, errors })
}

/// `/sys/fs/selinux/enforce`: `1` enforcing, `0` permissive.
pub fn enforce(bytes: &[u8]) -> Parsed<bool> {
    match super::text(bytes).trim() {
        "1" => super::whole(true),
        "0" => super::whole(false),
        other => Err(ParseError::new(format!("not 0 or 1: {}", shown(other)))),
    }
}

/// `/sys/kernel/security/apparmor/profiles`: `NAME (MODE)` a line.
pub fn apparmor_profiles(bytes: &[u8]) -> Parsed<Vec<AppArmorProfile>> {
    let text = super::text(bytes);
    let mut value = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        if value.len() >= MAX_PROFILES {
            errors.push(ParseError::at_line(
                i + 1,
                format!("profiles past the first {MAX_PROFILES} not read"),
            ));
            break;
        }
        let Some((name, mode)) = line.strip_suffix(')').and_then(|l| l.rsplit_once(" (")) else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("not NAME (MODE): {}", shown(line)),
            ));
            continue;
        };
        value.push(AppArmorProfile {
            name: name.to_string(),
            mode: Some(mode.to_string()),
        });
    }
    Ok(Partial { value, errors })
}

/// sos's `apparmor_status` (the `apparmor_status` command's text): the
/// profiles under "N profiles are in enforce mode." and "... complain
/// mode.", each indented three spaces.
///
/// ```text
/// apparmor module is loaded.
/// 53 profiles are loaded.
/// 49 profiles are in enforce mode.
///    /usr/sbin/tcpdump
/// 4 profiles are in complain mode.
///    nvidia_modprobe
/// ```
pub fn apparmor_status(bytes: &[u8]) -> Parsed<Vec<AppArmorProfile>> {
    let text = super::text(bytes);
    let mut value = Vec::new();
    let mut errors = Vec::new();
    let mut mode: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(name) = line.strip_prefix("   ") {
            // Processes under a mode ("/usr/sbin/cupsd (1234)") are not profiles.
            let Some(m) = &mode else { continue };
            if value.len() >= MAX_PROFILES {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("profiles past the first {MAX_PROFILES} not read"),
                ));
                break;
            }
            value.push(AppArmorProfile {
                name: name.trim().to_string(),
                mode: Some(m.clone()),
            });
            continue;
        }
        mode = line
            .strip_suffix(" mode.")
            .filter(|l| l.contains("profiles are in ") || l.contains("profile is in "))
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_string);
    }
    Ok(Partial { value, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debians_config_after_selinux_config_enforcing() {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/host-samples/selinux-debian/etc/selinux/config"
        ))
        .unwrap();
        let p = selinux_config(&text).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.value.mode.as_deref(), Some("enforcing"));
        assert_eq!(p.value.policy.as_deref(), Some("default"));
        assert_eq!(p.value.mode_line, Some(6));
    }

    #[test]
    fn config_odd_lines() {
        let p = selinux_config(
            b"SELINUX=Permissive\nSELINUX=disabled\ngarbage\n SELINUXTYPE=\"targeted\"\n",
        )
        .unwrap();
        assert_eq!(p.value.mode.as_deref(), Some("disabled"));
        assert_eq!(p.value.policy.as_deref(), Some("targeted"));
        assert_eq!(p.errors.len(), 1);
    }

    #[test]
    fn enforce_values() {
        assert_eq!(enforce(b"1").map(|p| p.value), Ok(true));
        assert_eq!(enforce(b"0\n").map(|p| p.value), Ok(false));
        assert!(enforce(b"yes").map(|p| p.value).is_err());
    }

    #[test]
    fn profiles_file() {
        let p = apparmor_profiles(
            b"/usr/sbin/tcpdump (enforce)\nnvidia_modprobe//kmod (complain)\n/snap/x (y) (enforce)\nbroken\n",
        ).unwrap();
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.value.len(), 3);
        assert_eq!(p.value[2].name, "/snap/x (y)");
        assert_eq!(p.value[1].mode.as_deref(), Some("complain"));
        let many = "p (enforce)\n".repeat(MAX_PROFILES + 1);
        assert_eq!(
            apparmor_profiles(many.as_bytes()).unwrap().value.len(),
            MAX_PROFILES
        );
    }

    /// hotsos's Kubernetes node (a real sosreport's apparmor_status).
    #[test]
    fn sos_apparmor_status() {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/sos-hotsos-kubernetes/sos_commands/apparmor/apparmor_status"
        ))
        .unwrap();
        let p = apparmor_status(&text).unwrap();
        assert!(p.errors.is_empty());
        let enforce = p
            .value
            .iter()
            .filter(|x| x.mode.as_deref() == Some("enforce"))
            .count();
        assert_eq!(enforce, 49);
        assert_eq!(p.value.len(), 53);
        assert!(p.value.iter().any(|x| x.name == "/usr/sbin/tcpdump"));
    }
}
