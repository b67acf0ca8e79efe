//! Space and memory: 2 GiB free on /, 500 MiB on /tmp, 300 MiB of RAM, and a
//! /tmp the installer can write to and run programs from.

use crate::model::{holding, Host, MountPoint};
use crate::rules::Identified;
use crate::rules::RuleId;
use crate::rules::{Finding, Rule, Severity};
use crate::sources::{self as src, Missing, State};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

fn mib(n: u64) -> String {
    format!("{:.0} MiB", n as f64 / MIB as f64)
}

/// The mount that holds `path`, or the unknown finding saying why not.
/// The mount holding `path`. A mounted image's statvfs stands in for a
/// mount table only where the figure is all a rule needs (`image_ok`):
/// its mount options are the machine's that mounted it, not the image's.
fn mount_of<'h>(
    host: &'h Host,
    id: RuleId,
    path: &str,
    image_ok: bool,
) -> Result<&'h MountPoint, Box<Finding>> {
    let no_table = !MOUNT_TABLES.iter().any(|t| host.sources.present(t));
    let mounts = host.mounts.as_ref().filter(|_| image_ok || !no_table);
    let Some(mounts) = mounts else {
        return Err(Box::new(Finding::unknown(
            id,
            host,
            &[&src::MOUNTINFO, &src::PROC_MOUNTS],
        )));
    };
    holding(mounts, path).ok_or_else(|| {
        Box::new(
            Finding::new(id, Severity::Unknown, String::new()).lacking(vec![Missing {
                source: src::MOUNTINFO.path().into(),
                spec: src::MOUNTINFO.spec,
                state: State::Broken,
                detail: format!("no mount holds {path} in the mount table"),
            }]),
        )
    })
}

/// One line that shows the mount as the kernel has it now.
const MOUNT_TABLES: &[&src::Source] = &[&src::MOUNTINFO, &src::PROC_MOUNTS];

/// The mount table the model read (/proc/self/mountinfo, else /proc/mounts).
fn mounts_path(host: &Host) -> &'static str {
    if !host.sources.present(&src::MOUNTINFO) && host.sources.present(&src::PROC_MOUNTS) {
        src::PROC_MOUNTS.path()
    } else {
        src::MOUNTINFO.path()
    }
}

fn excerpt(m: &MountPoint) -> String {
    format!(
        "{} {} {} {}",
        m.mount_point,
        m.fs_type,
        m.source.as_deref().unwrap_or("none"),
        m.options.join(",")
    )
}

fn free_space(host: &Host, id: RuleId, path: &str, need: u64, what: &str) -> Finding {
    let m = match mount_of(host, id, path, true) {
        Ok(m) => m,
        Err(f) => return *f,
    };
    let Some(avail) = m.avail_bytes else {
        let mut missing = host.sources.missing(&[&src::STATVFS]);
        let over_root = host
            .mounts
            .iter()
            .flatten()
            .any(|m| m.image_statvfs.is_some());
        if missing.is_empty() {
            missing.push(Missing {
                source: format!("statvfs({})", m.mount_point),
                spec: src::STATVFS.spec,
                state: State::Absent,
                detail: if over_root {
                    format!(
                        "the probe ran over --root DIR, and DIR{} was not a mount of its own",
                        m.mount_point
                    )
                } else {
                    "the probe took no statvfs of this filesystem".into()
                },
            });
        }
        let f = Finding::new(id, Severity::Unknown, String::new())
            .lacking(missing)
            .evidence(mounts_path(host), excerpt(m));
        return if over_root {
            f.remediation(format!(
                "mount the image's {0} filesystem at DIR{0} and run lift-probe --root DIR again, or run the probe on the live host",
                m.mount_point
            ))
        } else {
            f
        };
    };
    let memory = if m.fs_type == "tmpfs" {
        " (a tmpfs: this space is memory)"
    } else {
        ""
    };
    let image = match &m.image_statvfs {
        Some(at) => format!(
            " (the image's filesystem, measured by statvfs at --root {at}: what is free there now, not on the host that will run it)"
        ),
        None => String::new(),
    };
    let detail = format!(
        "{} available on {} (the filesystem holding {path}){memory}{image}; the installer needs {what}",
        mib(avail),
        m.mount_point
    );
    let f = if avail >= need {
        Finding::new(id, Severity::Pass, detail)
    } else {
        Finding::new(id, Severity::Blocker, detail).fix(
            format!(
                "sudo du -xsh {}/* | sort -h | tail",
                m.mount_point.trim_end_matches('/')
            ),
            format!(
                "free at least {} on {}: this lists its largest directories",
                mib(need - avail),
                m.mount_point
            ),
        )
    };
    let f = f.evidence("statvfs", format!("{}: avail {avail} bytes", m.mount_point));
    match &m.image_statvfs {
        // No mount table: the statvfs of --root DIR is the whole basis.
        Some(at) if !MOUNT_TABLES.iter().any(|t| host.sources.present(t)) => f
            .evidence("statvfs of --root", at.clone())
            .on(host, &[&src::STATVFS]),
        _ => f
            .evidence(mounts_path(host), excerpt(m))
            .on_any(host, MOUNT_TABLES)
            .on_any(host, &[&src::STATVFS, &src::SOS_DF]),
    }
}

pub struct RootFreeSpace;

impl Rule for RootFreeSpace {
    fn check(&self, host: &Host) -> Finding {
        free_space(host, self.id(), "/", 2 * GIB, "2 GiB")
    }
}

pub struct TmpFreeSpace;

impl Rule for TmpFreeSpace {
    fn check(&self, host: &Host) -> Finding {
        free_space(host, self.id(), "/tmp", 500 * MIB, "500 MiB")
    }
}

pub struct TmpWritable;

impl Rule for TmpWritable {
    fn check(&self, host: &Host) -> Finding {
        tmp_mount(host, self.id(), "is mounted read-write", |m| {
            m.read_only.then(|| {
                Finding::new(
                    self.id(),
                    Severity::Blocker,
                    format!("{} (holding /tmp) is mounted read-only", m.mount_point),
                )
                .remediation(format!("sudo mount -o remount,rw {}", m.mount_point))
            })
        })
    }
}

pub struct TmpExec;

impl Rule for TmpExec {
    fn check(&self, host: &Host) -> Finding {
        tmp_mount(host, self.id(), "allows running programs", |m| {
            m.has_option("noexec").then(|| {
                Finding::new(
                    self.id(),
                    Severity::Blocker,
                    format!(
                        "{} (holding /tmp) is mounted noexec: the installer runs programs from /tmp",
                        m.mount_point
                    ),
                )
                .fix(
                    format!("sudo mount -o remount,exec {}", m.mount_point),
                    "for the install; drop noexec from its /etc/fstab line too if it must survive a reboot",
                )
            })
        })
    }
}

/// A check of the mount that holds /tmp: `blocker`'s finding where it
/// finds one, else a pass saying the mount is `fine`.
fn tmp_mount(
    host: &Host,
    id: RuleId,
    fine: &str,
    blocker: impl Fn(&MountPoint) -> Option<Finding>,
) -> Finding {
    let m = match mount_of(host, id, "/tmp", false) {
        Ok(m) => m,
        Err(f) => return *f,
    };
    blocker(m)
        .unwrap_or_else(|| {
            Finding::new(
                id,
                Severity::Pass,
                format!("{} (holding /tmp) {fine}", m.mount_point),
            )
        })
        .evidence(mounts_path(host), excerpt(m))
        .on_any(host, MOUNT_TABLES)
}

pub struct FreeRam;

impl Rule for FreeRam {
    fn check(&self, host: &Host) -> Finding {
        let (Some(avail), Some(source)) =
            (host.memory.available_bytes, host.memory.available_source)
        else {
            return Finding::unknown(self.id(), host, &[&src::MEMINFO]);
        };
        let detail = format!(
            "{} of RAM available ({source}); the agent needs 300 MiB",
            mib(avail)
        );
        let f = if avail >= 300 * MIB {
            Finding::new(self.id(), Severity::Pass, detail)
        } else {
            Finding::new(self.id(), Severity::Blocker, detail).remediation(
                "Stop or move memory-hungry services before installing (ps aux --sort=-rss | head), or add RAM",
            )
        };
        // A sosreport without /proc/meminfo answers from `free` (issue 26).
        let from = if source.starts_with("free") {
            &src::SOS_FREE
        } else {
            &src::MEMINFO
        };
        f.evidence(from.path(), format!("{source}: {avail} bytes"))
            .on(host, &[from])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{centos6, host_of};
    use super::*;
    use crate::testing::{statvfs, TempRoot};

    #[test]
    fn root_and_tmp_space_from_statvfs() {
        let roomy = centos6(vec![statvfs("/", 5 * GIB), statvfs("/tmp", GIB)]);
        assert_eq!(RootFreeSpace.check(&roomy).severity, Severity::Pass);
        assert_eq!(TmpFreeSpace.check(&roomy).severity, Severity::Pass);
        let full = centos6(vec![statvfs("/", GIB), statvfs("/tmp", 100 * MIB)]);
        let f = RootFreeSpace.check(&full);
        assert_eq!(f.severity, Severity::Blocker);
        assert!(
            f.detail.starts_with("1024 MiB available on /"),
            "{}",
            f.detail
        );
        let f = TmpFreeSpace.check(&full);
        assert_eq!(f.severity, Severity::Blocker);
        assert!(f.remediation.unwrap().contains("400 MiB on /tmp"));
    }

    /// On a bundle made with --root DIR free space was always unknown:
    /// the probe's statvfs of DIR judges it, and the detail says the
    /// figure is the image's. /tmp exec and writability, which the image's
    /// own mount options decide, stay unknown without its mount table.
    #[test]
    fn a_root_bundle_is_judged_from_the_image_filesystem() {
        use lift_bundle::Record;
        let r = TempRoot::with(&[("etc/os-release", "ID=debian\nVERSION_ID=12\n")]);
        let mut root_fs = statvfs("/", 5 * GIB);
        if let lift_bundle::Fact::Statvfs(s) = &mut root_fs {
            s.fs_type = "ext4".into();
        }
        let snap = crate::testing::bundle_edited(r.path(), vec![root_fs], true, |recs| {
            if let Some(Record::Header(h)) = recs.first_mut() {
                h.root = b"/mnt/img".to_vec().into();
            }
        });
        let h = crate::model::build(&snap as &dyn crate::snapshot::Snapshot);
        let f = RootFreeSpace.check(&h);
        f.assert_says(
            Severity::Pass,
            "the image's filesystem, measured by statvfs at --root /mnt/img (ext4)",
        );
        assert_eq!(f.basis.len(), 1);
        let target = crate::profile::Target::new(crate::profile::Profile::AwsMgn);
        let e = crate::rules::evaluate(&h, &target);
        let exec = e
            .findings
            .iter()
            .find(|f| f.id == crate::rules::RuleId::MgnTmpExec)
            .unwrap();
        assert_eq!(exec.severity, Severity::Unknown, "{}", exec.detail);
        let root = e
            .findings
            .iter()
            .find(|f| f.id == crate::rules::RuleId::MgnRootFreeSpace)
            .unwrap();
        assert_eq!(root.severity, Severity::Pass, "{}", root.detail);
    }

    #[test]
    fn a_tree_has_no_statvfs() {
        let tree = host_of(&crate::testing::fixture("centos6-sysv"));
        let f = RootFreeSpace.check(&tree);
        assert_eq!(f.severity, Severity::Unknown);
        assert_eq!(f.missing.len(), 1, "{:?}", f.missing);
        assert_eq!(f.missing[0].state, State::NotCollected);
        assert_eq!(f.missing[0].spec, "storage");
    }

    /// /tmp on tmpfs is memory: the finding says so.
    #[test]
    fn tmpfs_tmp_is_memory() {
        let r = TempRoot::with(&[(
            "proc/self/mountinfo",
            "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n\
             30 22 0:40 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=1638400k\n",
        )]);
        let h = super::super::testing::bundle_host(&r, vec![statvfs("/tmp", 800 * MIB)]);
        let f = TmpFreeSpace.check(&h);
        f.assert_says(Severity::Pass, "tmpfs: this space is memory");
    }

    #[test]
    fn centos6_tmp_is_noexec_but_writable() {
        let h = host_of(&crate::testing::fixture("centos6-sysv"));
        let f = TmpExec.check(&h);
        assert_eq!(f.severity, Severity::Blocker);
        assert_eq!(
            f.command.as_deref(),
            Some("sudo mount -o remount,exec /tmp")
        );
        assert!(f.evidence[0].excerpt.contains("noexec"));
        assert_eq!(TmpWritable.check(&h).severity, Severity::Pass);
    }

    /// Options in effect count, not fstab: a later bind of /tmp with noexec
    /// (as systemd's PrivateTmp or an admin makes) and a read-only remount.
    #[test]
    fn bind_mounts_and_remounts() {
        let r = TempRoot::with(&[
            (
                "proc/self/mountinfo",
                "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n\
                 40 22 8:1 /var/tmp /tmp ro,noexec,relatime - ext4 /dev/sda1 rw\n",
            ),
            ("etc/fstab", "/dev/sda1 / ext4 defaults 1 1\n"),
        ]);
        let h = host_of(r.path());
        assert_eq!(TmpExec.check(&h).severity, Severity::Blocker);
        assert_eq!(TmpWritable.check(&h).severity, Severity::Blocker);
        let debian = host_of(&crate::testing::fixture("debian12-systemd"));
        assert_eq!(TmpExec.check(&debian).severity, Severity::Pass);
        assert_eq!(TmpWritable.check(&debian).severity, Severity::Pass);
    }

    #[test]
    fn ram_says_which_figure() {
        let c6 = host_of(&crate::testing::fixture("centos6-sysv"));
        let f = FreeRam.check(&c6);
        f.assert_says(Severity::Pass, "(MemFree+Buffers+Cached)");
        // The development machine's real meminfo, with MemAvailable lowered
        // to 200000 kB, as on a small VM that is busy.
        let real = std::fs::read_to_string(crate::testing::fixture(
            "host-samples/debian12-this-machine/proc/meminfo",
        ))
        .unwrap();
        let busy: String = real
            .lines()
            .map(|l| match l.starts_with("MemAvailable:") {
                true => "MemAvailable:     200000 kB\n".to_string(),
                false => format!("{l}\n"),
            })
            .collect();
        let r = TempRoot::with(&[("proc/meminfo", busy.as_str())]);
        let f = FreeRam.check(&host_of(r.path()));
        f.assert_says(Severity::Blocker, "195 MiB of RAM available (MemAvailable)");
        let none = TempRoot::new();
        assert_eq!(
            FreeRam.check(&host_of(none.path())).severity,
            Severity::Unknown
        );
    }
}
