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
use crate::parse::{shown, ParseError, Parsed, Partial};

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

/// `ps auxwww`'s rows; broken without its `USER` header, a row with too
/// few columns or no pid skipped, by line.
pub fn parse_aux(bytes: &[u8]) -> Parsed<Vec<AuxRow>> {
    let text = String::from_utf8_lossy(bytes);
    let mut rows: Vec<AuxRow> = Vec::new();
    let mut errors = Vec::new();
    let Some(header) = text.lines().position(|l| l.starts_with("USER")) else {
        return Err(ParseError::new(
            "no USER ... COMMAND header: not ps aux output",
        ));
    };
    for (i, line) in text.lines().enumerate().skip(header + 1) {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 11 {
            if !line.trim().is_empty() {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("fewer than 11 columns: {}", shown(line)),
                ));
            }
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
        let Ok(pid) = w[1].parse() else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("no pid: {}", shown(line)),
            ));
            continue;
        };
        rows.push(AuxRow {
            pid,
            user: w[0].to_string(),
            state,
            command: w[10..].join(" "),
        });
    }
    Ok(Partial::new(rows, errors))
}

/// `ps axo pid,ppid,...,cgroup`'s rows; broken without its `PID` header,
/// a row with too few columns or no pids skipped, by line.
pub fn parse_axo(bytes: &[u8]) -> Parsed<Vec<AxoRow>> {
    let text = String::from_utf8_lossy(bytes);
    let Some(header) = text.lines().position(|l| l.trim_start().starts_with("PID")) else {
        return Err(ParseError::new("no PID ... header: not ps axo output"));
    };
    let mut errors = Vec::new();
    let rows = text
        .lines()
        .enumerate()
        .skip(header + 1)
        .filter(|(_, line)| !line.trim().is_empty())
        .filter_map(|(i, line)| {
            let w: Vec<&str> = line.split_whitespace().collect();
            let pids = w.len() >= 9 && w[0].parse::<u32>().is_ok() && w[1].parse::<u32>().is_ok();
            if !pids {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("not 9 columns with pids: {}", shown(line)),
                ));
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
        .collect();
    Ok(Partial::new(rows, errors))
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
    /// Issue 22: no header is no ps output; a cut row is skipped by line.
    #[test]
    fn damage_is_broken_or_partial() {
        assert!(parse_aux(b"hello\n").is_err());
        assert!(parse_axo(b"hello\n").is_err());
        let p = parse_aux(b"USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\nroot 1 0.0 0.1 1 2 ? Ss 10:00 0:01 /sbin/init\nroot 2 0.0\n").unwrap();
        assert_eq!((p.len(), p.errors[0].line), (1, Some(3)));
    }

    #[test]
    fn aux_with_threads() {
        let parsed = parse_aux(&capture("ps_auxwwwm")).unwrap();
        assert_eq!(parsed.errors, []);
        let rows = parsed.value;
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
        let rows = parse_axo(line).unwrap().value;
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
