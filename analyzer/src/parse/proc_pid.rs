//! One process's files under /proc/PID: `stat`, `status`, `cmdline`,
//! `cgroup`, and the target of the `exe` link.
//!
//! Processes come and go while the probe reads them, so each file is parsed
//! on its own and the model layer decides what a process missing some of
//! them means.

use procfs_core::process::Stat;
use procfs_core::FromRead;
use serde::Serialize;

use super::systemd_unit::UnitName;
use super::{ParseError, Parsed, Partial};

/// The fields of /proc/PID/stat that the inventory uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcStat {
    pub pid: i32,
    /// The command name (at most 15 bytes), as `ps -o comm` shows it.
    pub comm: String,
    /// `R`, `S`, `D`, `Z`, `T`, `t`, `X`, `I`, …
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
    pub session: i32,
    pub tty_nr: i32,
    /// The kernel's `PF_*` flags.
    pub flags: u32,
    pub num_threads: i64,
    /// Start time in clock ticks after boot; divide by the host's
    /// `sysconf(_SC_CLK_TCK)` (a probe fact) for seconds.
    pub starttime: u64,
    /// Virtual memory size in bytes; 0 for kernel threads, which have none.
    pub vsize: u64,
    /// Resident set size in pages.
    pub rss: u64,
}

/// `PF_KTHREAD` (Linux 2.6.27 and later).
const PF_KTHREAD: u32 = 0x0020_0000;

impl ProcStat {
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }

    /// Kernel threads have the `PF_KTHREAD` flag, and on every kernel no
    /// address space. (`ppid == 2` is not used: inside a container's pid
    /// namespace pid 2 is an ordinary process, and before 2.6.22 there was
    /// no kthreadd.) Zombies also have no address space, so they are
    /// excluded.
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & PF_KTHREAD != 0 || (self.vsize == 0 && !self.is_zombie())
    }
}

/// Parses /proc/PID/stat. The command name sits in parentheses and may
/// itself contain spaces and `)`, so it runs to the last `)`. Sample:
///
/// ```text
/// 19618 (lift worker) x) S 1 19562 6533 0 -1 4194304 134 0 0 0 0 0 0 0 20 0 1 0 34808 2990080 412 …
/// ```
pub fn parse_stat(bytes: &[u8]) -> Parsed<ProcStat> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.trim();
    // procfs-core slices around the parentheses without checking them, so
    // the shape is checked here first: `digits (comm) rest`.
    let shape_ok = match (line.find('('), line.rfind(')')) {
        (Some(open), Some(close)) => {
            open >= 2
                && close > open
                && line.as_bytes()[open - 1] == b' '
                && line[..open - 1].bytes().all(|b| b.is_ascii_digit())
                && line.as_bytes().get(close + 1) == Some(&b' ')
        }
        _ => false,
    };
    if !shape_ok {
        return Err(ParseError::new("stat is not `pid (comm) state …`"));
    }
    let stat = Stat::from_read(line.as_bytes())
        .map_err(|e| ParseError::new(format!("stat: {}", super::procfs_message(e))))?;
    Ok(Partial::whole(ProcStat {
        pid: stat.pid,
        comm: stat.comm,
        state: stat.state,
        ppid: stat.ppid,
        pgrp: stat.pgrp,
        session: stat.session,
        tty_nr: stat.tty_nr,
        flags: stat.flags,
        num_threads: stat.num_threads,
        starttime: stat.starttime,
        vsize: stat.vsize,
        rss: stat.rss,
    }))
}

/// The fields of /proc/PID/status that the inventory uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcStatus {
    /// The command name, with the kernel's escapes (`\n`, `\\`) kept.
    pub name: String,
    /// The state letter of `State:\tS (sleeping)`.
    pub state: Option<char>,
    pub tgid: Option<i32>,
    pub pid: Option<i32>,
    pub ppid: Option<i32>,
    /// Real, effective, saved and filesystem uid.
    pub uid: Option<[u32; 4]>,
    pub gid: Option<[u32; 4]>,
}

/// Parses /proc/PID/status. procfs-core's `Status` is not used: it fails the
/// whole file when any of some twenty fields is missing (older kernels,
/// zombies) and cuts a `Name` at its first `:`. Sample (a zombie; the
/// kernel separates the columns with tabs):
///
/// ```text
/// Name:    sleep
/// State:   Z (zombie)
/// Tgid:    19845
/// PPid:    19843
/// Uid:     0 0 0 0
/// ```
pub fn parse_status(bytes: &[u8]) -> Parsed<ProcStatus> {
    let text = String::from_utf8_lossy(bytes);
    let mut status = ProcStatus::default();
    let mut has_name = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim_start_matches([' ', '\t']);
        match key {
            "Name" => {
                status.name = value.to_string();
                has_name = true;
            }
            "State" => status.state = value.chars().next(),
            "Tgid" => status.tgid = value.trim().parse().ok(),
            "Pid" => status.pid = value.trim().parse().ok(),
            "PPid" => status.ppid = value.trim().parse().ok(),
            "Uid" => status.uid = four_ids(value),
            "Gid" => status.gid = four_ids(value),
            _ => {}
        }
    }
    if !has_name {
        return Err(ParseError::new("status has no Name line"));
    }
    Ok(Partial::whole(status))
}

fn four_ids(value: &str) -> Option<[u32; 4]> {
    let ids: Vec<u32> = value
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    ids.try_into().ok()
}

/// Splits /proc/PID/cmdline at its NULs. Empty for kernel threads and
/// zombies. A process that rewrote its arguments (`sshd: user@pts/0`) may
/// show one argument holding spaces, which is kept as it is.
/// Any bytes are a command line: it is never partial or broken.
pub fn parse_cmdline(bytes: &[u8]) -> Parsed<Vec<String>> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.is_empty() {
        return super::whole(Vec::new());
    }
    super::whole(
        bytes
            .split(|b| *b == 0)
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect(),
    )
}

/// One line of /proc/PID/cgroup: `hierarchy-id:controllers:path`. The
/// cgroup v2 line is `0::/path`; systemd's v1 tree is `N:name=systemd:/path`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CgroupLine {
    pub hierarchy: u32,
    pub controllers: Vec<String>,
    pub path: String,
}

/// Parses /proc/PID/cgroup; malformed lines are reported and skipped.
/// Sample (a hybrid v1/v2 host):
///
/// ```text
/// 9:name=systemd:/
/// 4:memory:/process_api/f0987ca81beb9a89cd74ec1a8df63319
/// 0::/
/// ```
pub fn parse_cgroup(bytes: &[u8]) -> Parsed<Vec<CgroupLine>> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        // The path may contain `:`; the first two fields cannot.
        let mut fields = line.splitn(3, ':');
        let parsed = match (fields.next().map(str::parse), fields.next(), fields.next()) {
            (Some(Ok(hierarchy)), Some(controllers), Some(path)) => Some(CgroupLine {
                hierarchy,
                controllers: controllers
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                path: path.to_string(),
            }),
            _ => None,
        };
        match parsed {
            Some(cgroup) => lines.push(cgroup),
            None => errors.push(ParseError::at_line(
                index + 1,
                format!("bad cgroup line: {}", super::shown(line)),
            )),
        }
    }
    Ok(Partial {
        value: lines,
        errors,
    })
}

/// The systemd unit a process belongs to, from its cgroup: the first path
/// component below the slices that is a unit name
/// (`/system.slice/ssh.service` → `ssh.service`, and
/// `/user.slice/user-1000.slice/session-3.scope` → `session-3.scope`). The
/// v2 line is read first, then v1's `name=systemd`. `None` when no systemd
/// placed the process (CentOS 6, containers, `/`).
pub fn systemd_unit(cgroups: &[CgroupLine]) -> Option<String> {
    let v2 = cgroups
        .iter()
        .filter(|c| c.hierarchy == 0 && c.controllers.is_empty());
    let v1 = cgroups
        .iter()
        .filter(|c| c.controllers.iter().any(|n| n == "name=systemd"));
    v2.chain(v1).find_map(|cgroup| {
        let component = cgroup
            .path
            .split('/')
            .filter(|c| !c.is_empty())
            .find(|c| !c.ends_with(".slice"))?;
        UnitName::parse(component).map(|_| component.to_string())
    })
}

/// The target of /proc/PID/exe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExeLink {
    pub path: String,
    /// The kernel appends ` (deleted)` when the file was removed or replaced
    /// (an upgraded package whose daemon was not restarted).
    pub deleted: bool,
}

pub fn parse_exe_link(target: &[u8]) -> ExeLink {
    let target = String::from_utf8_lossy(target);
    match target.strip_suffix(" (deleted)") {
        Some(path) => ExeLink {
            path: path.to_string(),
            deleted: true,
        },
        None => ExeLink {
            path: target.into_owned(),
            deleted: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(pid: u32, name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../fixtures/proc-samples/proc/{pid}/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    fn exe(pid: u32) -> Option<ExeLink> {
        let path = format!(
            "{}/../fixtures/proc-samples/proc/{pid}/exe",
            env!("CARGO_MANIFEST_DIR")
        );
        let target = std::fs::read_link(path).ok()?;
        Some(parse_exe_link(target.as_os_str().as_encoded_bytes()))
    }

    #[test]
    fn name_with_space_and_parenthesis() {
        let stat = parse_stat(&file(19618, "stat")).map(|p| p.value).unwrap();
        assert_eq!(stat.comm, "lift worker) x");
        assert_eq!((stat.pid, stat.state, stat.ppid), (19618, 'S', 1));
        assert_eq!((stat.starttime, stat.vsize), (34808, 2990080));
        assert!(!stat.is_kernel_thread() && !stat.is_zombie());
        let status = parse_status(&file(19618, "status"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(status.name, "lift worker) x");
        assert_eq!(
            (status.state, status.tgid, status.ppid),
            (Some('S'), Some(19618), Some(1))
        );
        assert_eq!(status.uid, Some([0, 0, 0, 0]));
        assert_eq!(
            parse_cmdline(&file(19618, "cmdline")).unwrap().value,
            vec!["/tmp/inv/lift worker) x", "900"]
        );
        assert_eq!(
            exe(19618),
            Some(ExeLink {
                path: "/tmp/inv/lift worker) x".into(),
                deleted: false
            })
        );
    }

    #[test]
    fn deleted_executable() {
        let link = exe(19622).unwrap();
        assert_eq!(
            link,
            ExeLink {
                path: "/tmp/inv/lift-deleted".into(),
                deleted: true
            }
        );
        assert_eq!(
            parse_stat(&file(19622, "stat"))
                .map(|p| p.value)
                .unwrap()
                .comm,
            "lift-deleted"
        );
    }

    #[test]
    fn zombie() {
        let stat = parse_stat(&file(19845, "stat")).map(|p| p.value).unwrap();
        assert!(stat.is_zombie());
        assert!(!stat.is_kernel_thread());
        assert_eq!(stat.ppid, 19843);
        assert!(parse_cmdline(&file(19845, "cmdline"))
            .unwrap()
            .value
            .is_empty());
        assert_eq!(
            parse_status(&file(19845, "status"))
                .map(|p| p.value)
                .unwrap()
                .state,
            Some('Z')
        );
        assert_eq!(exe(19845), None);
    }

    #[test]
    fn kernel_threads() {
        for pid in [2, 9] {
            let stat = parse_stat(&file(pid, "stat")).map(|p| p.value).unwrap();
            assert!(stat.is_kernel_thread(), "{pid}");
            assert!(parse_cmdline(&file(pid, "cmdline"))
                .unwrap()
                .value
                .is_empty());
            assert_eq!(parse_cgroup(&file(pid, "cgroup")).unwrap().value.len(), 10);
        }
        let kworker = parse_stat(&file(9, "stat")).map(|p| p.value).unwrap();
        assert_eq!(
            (kworker.comm.as_str(), kworker.state, kworker.ppid),
            ("kworker/0:0-mm_percpu_wq", 'I', 2)
        );
        // Shaped like a 2.6.18 kernel thread (written for this test): no
        // PF_KTHREAD flag yet, but no address space either.
        let old = parse_stat(b"5 (events/0) S 1 1 1 0 -1 33088 0 0 0 0 0 0 0 0 10 -5 1 0 5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0").map(|p| p.value).unwrap();
        assert!(old.is_kernel_thread());
    }

    #[test]
    fn hybrid_cgroups_and_systemd_units() {
        let parsed = parse_cgroup(&file(19610, "cgroup")).unwrap();
        assert!(parsed.errors.is_empty());
        let memory = parsed
            .value
            .iter()
            .find(|c| c.controllers == ["memory"])
            .unwrap();
        assert_eq!(memory.path, "/process_api/f0987ca81beb9a89cd74ec1a8df63319");
        assert_eq!(
            parsed.value.last().unwrap(),
            &CgroupLine {
                hierarchy: 0,
                controllers: vec![],
                path: "/".into()
            }
        );
        // No systemd on this machine: every path is `/` or its own tree.
        assert_eq!(systemd_unit(&parsed.value), None);

        let unit = |text: &[u8]| systemd_unit(&parse_cgroup(text).unwrap().value);
        assert_eq!(
            unit(b"0::/system.slice/ssh.service\n").as_deref(),
            Some("ssh.service")
        );
        assert_eq!(
            unit(b"11:cpu:/\n1:name=systemd:/system.slice/crond.service\n").as_deref(),
            Some("crond.service")
        );
        assert_eq!(
            unit(b"0::/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service\n")
                .as_deref(),
            Some("user@1000.service")
        );
        assert_eq!(unit(b"0::/init.scope\n").as_deref(), Some("init.scope"));
        assert_eq!(unit(b"0::/lxc/web01\n"), None);
        let damaged = parse_cgroup(b"x:cpu:/\n0::/a:b\n").unwrap();
        assert_eq!(damaged.errors.len(), 1);
        assert_eq!(damaged.value[0].path, "/a:b");
    }

    #[test]
    fn hostile_input_never_panics() {
        for input in [
            &b""[..],
            b"(",
            b")(",
            b"1 ()",
            b"() x",
            b"1 (a)",
            b"1 (a) ",
            b"\xc3\xa9(a) S 1",
            b"1 (a)\xc3\xa9 S",
            b"12 (a) S x",
            b" (a) S 1 1 1",
        ] {
            assert!(parse_stat(input).map(|p| p.value).is_err(), "{input:?}");
        }
        assert!(parse_status(b"State:\tS\n").map(|p| p.value).is_err());
        assert_eq!(
            parse_status(b"Name:\ta:b\nUid:\t1\t2\n")
                .map(|p| p.value)
                .unwrap()
                .uid,
            None
        );
        assert_eq!(
            parse_status(b"Name:\ta:b\n").map(|p| p.value).unwrap().name,
            "a:b"
        );
        assert_eq!(
            parse_cmdline(b"sshd: root@pts/0\0\0\0").unwrap().value,
            vec!["sshd: root@pts/0", "", ""]
        );
        assert_eq!(parse_exe_link(b" (deleted)").path, "");
    }
}
