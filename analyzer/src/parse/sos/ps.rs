//! `ps` as sos saves it: sos copies only /proc/PID/mountinfo of each
//! process, so its processes are in these outputs.
//!
//! `ps auxwww` and `ps auxwwwm` (`sos_commands/process/`, the top `ps`
//! link): each process's user, state and whole command line; `m` adds a
//! line per thread below its process (PID `-`), and prints the process's
//! state there.
//!
//! ```text
//! USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
//! root           1  0.0  0.1 175184 17464 ?        -    Feb09   0:38 /sbin/init
//! root           -  0.0    -      -     - -        Ss   Feb09   0:38 -
//! root           2  0.0  0.0      0     0 ?        -    Feb09   0:00 [kthreadd]
//! ```
//!
//! `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup`: the parent,
//! the kernel's command name and the cgroups, as /proc/PID/cgroup's lines
//! joined by commas (which `cpu,cpuacct` holds too).
//!
//! ```text
//!     PID    PPID USER     GROUP        LWP NLWP START COMMAND         CGROUP
//!       1       0 root     root           1    1 Feb09 systemd         1:name=systemd:/init.scope,0::/init.scope
//!    1074       1 root     root        1074   18 Feb09 libvirtd        0::/system.slice/libvirtd.service
//! ```

/// One process of `ps aux`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuxRow {
    pub pid: u32,
    pub user: String,
    /// `STAT`'s first letter (`S`, `R`, `Z`...); None when not printed.
    pub state: Option<char>,
    /// The command line as printed: arguments joined by spaces, or
    /// `[name]` for a kernel thread.
    pub command: String,
}

/// One process of `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxoRow {
    pub pid: u32,
    pub ppid: u32,
    pub comm: String,
    /// /proc/PID/cgroup's lines; empty for `-`.
    pub cgroup: Vec<String>,
}

pub fn parse_aux(bytes: &[u8]) -> Vec<AuxRow> {
    let text = String::from_utf8_lossy(bytes);
    let mut rows: Vec<AuxRow> = Vec::new();
    for line in text.lines().skip_while(|l| !l.starts_with("USER")).skip(1) {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 11 {
            continue;
        }
        let state = w[7].chars().next().filter(|c| c.is_ascii_alphabetic());
        if w[1] == "-" {
            // A thread of the process above: `m` prints its state here.
            if let Some(last) = rows.last_mut().filter(|r| r.state.is_none()) {
                last.state = state;
            }
            continue;
        }
        let Ok(pid) = w[1].parse() else { continue };
        rows.push(AuxRow {
            pid,
            user: w[0].to_string(),
            state,
            command: w[10..].join(" "),
        });
    }
    rows
}

pub fn parse_axo(bytes: &[u8]) -> Vec<AxoRow> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .skip_while(|l| !l.trim_start().starts_with("PID"))
        .skip(1)
        .filter_map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            if w.len() < 9 {
                return None;
            }
            let cgroup = w[w.len() - 1];
            Some(AxoRow {
                pid: w[0].parse().ok()?,
                ppid: w[1].parse().ok()?,
                comm: w[7..w.len() - 1].join(" "),
                cgroup: if cgroup == "-" {
                    Vec::new()
                } else {
                    cgroup_lines(cgroup)
                },
            })
        })
        .collect()
}

/// `10:devices:/a,3:cpu,cpuacct:/a,0::/a` -> one line per hierarchy: a
/// comma starts a new line only where a hierarchy number and `:` follow.
fn cgroup_lines(joined: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in joined.split(',') {
        let starts_line = part
            .split_once(':')
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        match lines.last_mut() {
            Some(last) if !starts_line => {
                last.push(',');
                last.push_str(part);
            }
            _ => lines.push(part.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../fixtures/sos-hotsos-openstack/sos_commands/process/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// hotsos's OpenStack compute node: `ps auxwwwm`'s 1,900 lines are
    /// processes and their threads.
    #[test]
    fn aux_with_threads() {
        let rows = parse_aux(&capture("ps_auxwwwm"));
        let text = String::from_utf8(capture("ps_auxwwwm")).unwrap();
        let want = text
            .lines()
            .skip(1)
            .filter(|l| l.split_whitespace().nth(1) != Some("-"))
            .count();
        assert_eq!(rows.len(), want);
        assert_eq!(rows[0].pid, 1);
        assert_eq!(rows[0].command, "/sbin/init");
        assert_eq!(rows[0].state, Some('S'));
        assert_eq!(rows[1].command, "[kthreadd]");
    }

    #[test]
    fn axo_cgroups_keep_their_commas() {
        let line = b"    PID    PPID USER     GROUP        LWP NLWP START COMMAND         CGROUP\n   1074       1 root     root        1074   18 Feb09 libvirtd        10:devices:/system.slice/libvirtd.service,3:cpu,cpuacct:/system.slice/libvirtd.service,0::/system.slice/libvirtd.service\n      2       0 root     root           2    1 Feb09 kthreadd        -\n";
        let rows = parse_axo(line);
        assert_eq!(rows[0].comm, "libvirtd");
        assert_eq!(rows[0].ppid, 1);
        assert_eq!(
            rows[0].cgroup,
            [
                "10:devices:/system.slice/libvirtd.service",
                "3:cpu,cpuacct:/system.slice/libvirtd.service",
                "0::/system.slice/libvirtd.service"
            ]
        );
        assert!(rows[1].cgroup.is_empty());
    }
}
