//! `host.security`: the mandatory access control a migration carries with
//! it, and what this host shares over NFS.
//!
//! - SELinux: the mode and policy `/etc/selinux/config` sets for the next
//!   boot, the mode the kernel runs now (`/sys/fs/selinux/enforce`), and a
//!   pending `/.autorelabel`. An enforcing host whose files lose their
//!   labels on the way (a file-level copy, a restore from backup) boots
//!   with services denied; a relabel on the first boot on the target
//!   (`touch /.autorelabel`) puts them back.
//! - AppArmor: whether the module is on, the profiles loaded (securityfs,
//!   root only: a normal user's run says why it is unknown; a sosreport's
//!   `apparmor_status` output stands in), and the profiles on disk by name
//!   (their rules name paths, which must exist as they are on the target).
//! - NFS exports: each exported directory and its clients. Those clients
//!   depend on this host; the ones named as single hosts are dependencies
//!   of kind `nfs-client` and so join its move group in a fleet.

use serde::Serialize;

use super::facts::Facts;
use crate::parse::exports;
use crate::parse::security;
use crate::sources as src;
pub use crate::vocab::exports::{Client, ClientKind};
pub use crate::vocab::security::AppArmorProfile;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Security {
    /// None when neither SELinux's configuration nor its kernel file was read.
    pub selinux: Option<Selinux>,
    /// None when no AppArmor source was read.
    pub apparmor: Option<AppArmor>,
    /// What this host exports over NFS; None when no exports file was read.
    pub exports: Option<Vec<Share>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Selinux {
    /// The mode the configuration sets for the next boot: `enforcing`,
    /// `permissive`, `disabled`.
    pub configured: Option<String>,
    /// `SELINUXTYPE`.
    pub policy: Option<String>,
    /// `path:line` of the `SELINUX=` line.
    pub declared_in: Option<String>,
    /// The mode the kernel runs now (`enforcing`, `permissive`); None when
    /// not known, `running_unknown` says why.
    pub running: Option<String>,
    pub running_unknown: Option<String>,
    /// `/.autorelabel` exists: the next boot relabels every file.
    pub relabel_pending: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AppArmor {
    /// `/sys/module/apparmor/parameters/enabled` (`Y`/`N`); None when not read.
    pub enabled: Option<bool>,
    /// The profiles the kernel has loaded, with their mode; None when not
    /// known, `loaded_unknown` says why.
    pub loaded: Option<Vec<AppArmorProfile>>,
    /// Where `loaded` came from.
    pub loaded_from: Option<String>,
    pub loaded_unknown: Option<String>,
    /// Profile files in /etc/apparmor.d (not its subdirectories: tunables,
    /// abstractions, local overrides, disable links).
    pub on_disk: Vec<String>,
    /// Profiles disabled by a link in /etc/apparmor.d/disable.
    pub disabled: Vec<String>,
}

/// One exported directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub path: String,
    pub clients: Vec<Client>,
    /// `file:line`.
    pub declared_in: String,
}

pub fn security(f: &Facts) -> Security {
    Security {
        selinux: selinux(f),
        apparmor: apparmor(f),
        exports: shares(f),
    }
}

fn selinux(f: &Facts) -> Option<Selinux> {
    let config = f.parse(&src::SELINUX_CONFIG, security::selinux_config);
    let enforce = f.parse(&src::SELINUX_ENFORCE, security::enforce);
    let relabel = f.lstat(&src::AUTORELABEL).is_some();
    if config.is_none() && enforce.is_none() && !relabel {
        return None;
    }
    let c = config.unwrap_or_default();
    let running_unknown = enforce.is_none().then(|| {
        // No selinuxfs on a host that runs SELinux disabled, or not collected.
        f.why(&src::SELINUX_ENFORCE)
    });
    Some(Selinux {
        declared_in: c
            .mode_line
            .map(|l| format!("{}:{l}", src::SELINUX_CONFIG.path())),
        configured: c.mode,
        policy: c.policy,
        running: enforce.map(|e| if e { "enforcing" } else { "permissive" }.to_string()),
        running_unknown,
        relabel_pending: relabel,
    })
}

fn apparmor(f: &Facts) -> Option<AppArmor> {
    let enabled = f
        .line(&src::APPARMOR_ENABLED)
        .map(|l| l.eq_ignore_ascii_case("y"));
    let mut loaded_from = None;
    let mut loaded = f
        .parse(&src::APPARMOR_PROFILES, security::apparmor_profiles)
        .inspect(|_| loaded_from = Some(src::APPARMOR_PROFILES.path().to_string()));
    let loaded_unknown = loaded.is_none().then(|| f.why(&src::APPARMOR_PROFILES));
    if loaded.is_none() {
        // A sosreport keeps the apparmor_status command's output instead.
        for path in f.glob(&src::SOS_APPARMOR_STATUS) {
            if let Some(p) = f.parse_at(&src::SOS_APPARMOR_STATUS, &path, security::apparmor_status)
            {
                loaded = Some(p);
                loaded_from = Some(path.trim_start_matches('/').to_string());
                break;
            }
        }
    }
    let listing = f.list(&src::APPARMOR_D);
    let (mut on_disk, mut disabled) = (Vec::new(), Vec::new());
    if let Some(children) = &listing {
        for c in children {
            if c.kind == lift_bundle::FileKind::File {
                on_disk.push(String::from_utf8_lossy(&c.name).into_owned());
            }
        }
        if children.iter().any(|c| c.name == b"disable") {
            let dir = format!("{}/disable", src::APPARMOR_D.path());
            if let Some(d) = f.list_at(&src::APPARMOR_D, &dir) {
                disabled.extend(
                    d.into_iter()
                        .map(|c| String::from_utf8_lossy(&c.name).into_owned()),
                );
            }
        }
    }
    on_disk.sort();
    disabled.sort();
    if enabled.is_none() && loaded.is_none() && listing.is_none() {
        return None;
    }
    Some(AppArmor {
        enabled,
        loaded_unknown: if loaded.is_some() {
            None
        } else {
            loaded_unknown
        },
        loaded,
        loaded_from,
        on_disk,
        disabled,
    })
}

fn shares(f: &Facts) -> Option<Vec<Share>> {
    let mut read = false;
    let mut out = Vec::new();
    for path in f.glob(&src::EXPORTS) {
        let Some(list) = f.parse_at(&src::EXPORTS, &path, exports::parse) else {
            continue;
        };
        read = true;
        out.extend(list.into_iter().map(|e| Share {
            declared_in: format!("{path}:{}", e.line),
            path: e.path,
            clients: e.clients,
        }));
    }
    read.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Snapshot};
    use crate::testing::{fixture, TempRoot};

    fn of_tree(dir: &std::path::Path) -> Security {
        crate::model::build(&DirSnapshot::new(dir) as &dyn Snapshot).security
    }

    #[test]
    fn debian_selinux_enforcing_next_boot_with_a_relabel() {
        let s = of_tree(&fixture("host-samples/selinux-debian"));
        let se = s.selinux.unwrap();
        assert_eq!(se.configured.as_deref(), Some("enforcing"));
        assert_eq!(se.policy.as_deref(), Some("default"));
        assert_eq!(se.running.as_deref(), Some("permissive"));
        assert_eq!(se.declared_in.as_deref(), Some("/etc/selinux/config:6"));
        assert!(se.relabel_pending);
        assert!(s.apparmor.is_none() && s.exports.is_none());
    }

    #[test]
    fn exports_of_debians_example() {
        let s = of_tree(&fixture("host-samples/nfs-server"));
        let e = s.exports.unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(e[3].path, "/srv/backup");
        assert_eq!(e[3].declared_in, "/etc/exports:11");
    }

    /// securityfs is root's: a normal user's bundle records the profiles
    /// unreadable, and the report says so instead of "none loaded".
    #[test]
    fn apparmor_profiles_need_root() {
        use lift_bundle::{Content, Record};
        let r = TempRoot::new();
        r.write(
            "sys/kernel/security/apparmor/profiles",
            b"/usr/sbin/tcpdump (enforce)\nnvidia_modprobe//kmod (complain)\n",
        );
        r.write("sys/module/apparmor/parameters/enabled", b"Y\n");
        r.write("etc/apparmor.d/usr.sbin.tcpdump", b"profile tcpdump {}\n");
        let as_root = crate::testing::bundle(r.path(), vec![], true);
        let a = crate::model::build(&as_root as &dyn Snapshot)
            .security
            .apparmor
            .unwrap();
        assert_eq!(a.enabled, Some(true));
        assert_eq!(a.loaded.as_ref().map(Vec::len), Some(2));
        assert_eq!(a.on_disk, ["usr.sbin.tcpdump"]);
        let denied = |records: &mut Vec<Record>| {
            for rec in records.iter_mut() {
                if let Record::Entry(e) = rec {
                    if e.path.0 == b"/sys/kernel/security/apparmor/profiles" {
                        e.content = Content::Error {
                            errno: 13,
                            message: "Permission denied".into(),
                        };
                    }
                }
            }
        };
        let user = crate::testing::bundle_edited(r.path(), vec![], false, denied);
        let a = crate::model::build(&user as &dyn Snapshot)
            .security
            .apparmor
            .unwrap();
        assert!(a.loaded.is_none());
        let why = a.loaded_unknown.unwrap();
        assert!(
            why.contains("/sys/kernel/security/apparmor/profiles"),
            "{why}"
        );
        assert!(
            why.contains("Permission denied") || why.contains("unreadable"),
            "{why}"
        );
    }

    /// hotsos's Kubernetes node: the sosreport has no securityfs copy, its
    /// apparmor_status output gives the loaded profiles.
    #[test]
    fn a_sosreports_apparmor_status() {
        let a = of_tree(&fixture("sos-hotsos-kubernetes")).apparmor.unwrap();
        assert_eq!(a.loaded.as_ref().map(Vec::len), Some(53));
        assert_eq!(
            a.loaded_from.as_deref(),
            Some("sos_commands/apparmor/apparmor_status")
        );
        assert_eq!(a.disabled, ["usr.sbin.rsyslogd"]);
        assert!(a.on_disk.contains(&"usr.sbin.tcpdump".to_string()));
    }
}
