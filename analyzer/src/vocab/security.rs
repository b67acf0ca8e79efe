//! A loaded AppArmor profile, as `parse::security` reads it (securityfs's
//! list, or the `apparmor_status` command's text) and the Host keeps it.

use serde::Serialize;

/// A profile AppArmor has loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppArmorProfile {
    /// The profile's name: the program it confines, or a name it was given.
    pub name: String,
    /// `enforce`, `complain`, `kill`, `unconfined`; None where the source
    /// lists names only.
    pub mode: Option<String>,
}
