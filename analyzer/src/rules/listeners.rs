//! Inventory rules: what runs on the host and who starts it.

use super::{Finding, Rule, Severity};
use crate::model::{Host, Listener};
use crate::rules::Identified;
use crate::rules::RuleId;
use crate::sources::{self as src, Missing, Source, State};

/// A port listened on by a process that no init system manages: started by
/// hand, from cron or a login shell, it will not come back on the new server.
pub struct UnmanagedListeners;

/// Command lines can be long (a JVM's classpath): evidence keeps the head.
const MAX_EXCERPT: usize = 300;

/// Sockets that are a port someone connects to.
fn is_port(l: &Listener) -> bool {
    matches!(l.proto, "tcp" | "tcp6" | "udp" | "udp6")
}

impl Rule for UnmanagedListeners {
    fn check(&self, host: &Host) -> Finding {
        let (Some(listeners), Some(processes)) = (&host.listeners, &host.processes) else {
            let mut lacking: Vec<&Source> = Vec::new();
            if host.listeners.is_none() {
                lacking.extend([
                    &src::PROC_NET_TCP,
                    &src::PROC_NET_TCP6,
                    &src::PROC_NET_UDP,
                    &src::PROC_NET_UDP6,
                ]);
            }
            if host.processes.is_none() {
                lacking.push(&src::PROC);
            }
            return Finding::unknown(self.id(), host, &lacking);
        };
        let ports: Vec<&Listener> = listeners.iter().filter(|l| is_port(l)).collect();
        let unmanaged: Vec<&Listener> = ports
            .iter()
            .copied()
            .filter(|l| l.managed == Some(false))
            .collect();
        if !unmanaged.is_empty() {
            let mut f = Finding::new(
                self.id(),
                Severity::Warning,
                format!(
                    "{} to processes no init system starts: {}",
                    match unmanaged.len() {
                        1 => "1 listening port belongs".to_string(),
                        n => format!("{n} listening ports belong"),
                    },
                    unmanaged.iter().map(|l| describe(l)).collect::<Vec<_>>().join(", ")
                ),
            )
            .remediation(
                "Give each a systemd unit (systemctl edit --force --full NAME.service) or an init script, so the new server starts it",
            );
            for l in unmanaged.iter().take(10) {
                let cmdline = l
                    .pid
                    .and_then(|pid| processes.iter().find(|p| p.pid == pid))
                    .map(|p| {
                        p.cmdline
                            .join(" ")
                            .chars()
                            .take(MAX_EXCERPT)
                            .collect::<String>()
                    })
                    .unwrap_or_default();
                f = f.evidence(
                    format!("/proc/{}/cmdline", l.pid.unwrap_or_default()),
                    format!("{}: {cmdline}", describe(l)),
                );
            }
            return f;
        }
        let hidden: Vec<&Listener> = ports
            .iter()
            .copied()
            .filter(|l| l.managed.is_none())
            .collect();
        if !hidden.is_empty() {
            return unowned(self.id(), host, &hidden);
        }
        Finding::new(
            self.id(),
            Severity::Pass,
            match ports.len() {
                1 => "the one listening port is managed".to_string(),
                n => format!("every one of {n} listening ports is managed"),
            },
        )
    }
}

/// Ports whose owning process nobody saw: the port may well be a program
/// started by hand, so the check cannot pass.
fn unowned(id: RuleId, host: &Host, hidden: &[&Listener]) -> Finding {
    let ports = hidden
        .iter()
        .take(10)
        .map(|l| describe_port(l))
        .collect::<Vec<_>>()
        .join(", ");
    let more = match hidden.len() {
        n if n > 10 => format!(" and {} more", n - 10),
        _ => String::new(),
    };
    let (state, why, remediation) = if host.collection.as_root == Some(false) {
        (
            State::Unreadable,
            "a probe without root cannot read other users' /proc/PID/fd".to_string(),
            "Run the probe as root (sudo ./lift-probe) so that every socket's owner is seen",
        )
    } else {
        (
            State::NotCollected,
            "no process's /proc/PID/fd links hold these sockets: a kernel socket (nfsd, lockd), or a process that exited or was hidden while the probe ran".to_string(),
            "Find the owner on the host (ss -ltnup) and check that an init system starts it",
        )
    };
    let mut f = Finding::new(
        id,
        Severity::Unknown,
        match hidden.len() {
            1 => format!(
                "1 listening port has no visible owning process, so whether an init system starts it cannot be told: {ports}"
            ),
            n => format!(
                "{n} listening ports have no visible owning process, so whether an init system starts them cannot be told: {ports}{more}"
            ),
        },
    )
    .lacking(vec![Missing {
        source: src::PID_FDS.at(&["PID"]),
        spec: src::PID_FDS.spec,
        state,
        detail: why,
    }])
    .remediation(remediation);
    for l in hidden.iter().take(10) {
        f = f.evidence(
            format!("/proc/net/{}", l.proto),
            format!("{} socket inode {}", describe_port(l), l.inode),
        );
    }
    f
}

fn describe_port(l: &Listener) -> String {
    let address = l.address.as_deref().unwrap_or("?");
    let address = match address.contains(':') {
        true => format!("[{address}]"),
        false => address.to_string(),
    };
    format!("{} {address}:{}", l.proto, l.port.unwrap_or_default())
}

fn describe(l: &Listener) -> String {
    format!(
        "{} ({} pid {})",
        describe_port(l),
        l.program.as_deref().unwrap_or("?"),
        l.pid.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sockets::SocketOwner;
    use crate::model::Process;
    use crate::snapshot::{DirSnapshot, Snapshot};

    fn listener(port: u16, pid: Option<u32>, service: Option<&str>) -> Listener {
        let owners = pid.map(|pid| SocketOwner {
            pid,
            program: "java".into(),
        });
        Listener {
            owners: owners.into_iter().collect(),
            uid: Some(0),
            inode: u64::from(port),
            managed: pid.map(|pid| service.is_some() || pid == 1),
            service: service.map(str::to_string),
            ..Listener::tcp_any(port, pid, pid.map(|_| "java"))
        }
    }

    fn host(listeners: Option<Vec<Listener>>, with_processes: bool) -> Host {
        let snap = DirSnapshot::new(std::path::Path::new("/nonexistent-lift-root"));
        let mut h = crate::model::build(&snap as &dyn Snapshot);
        h.listeners = listeners;
        h.processes = with_processes.then(|| {
            vec![Process {
                pid: 4242,
                ppid: Some(1),
                uid: Some(0),
                comm: Some("java".into()),
                cmdline: vec!["java".into(), "-jar".into(), "app.jar".into()],
                state: Some('S'),
                kernel_thread: false,
                zombie: false,
                exited: false,
                start_time: None,
                exe: Some("/usr/bin/java".into()),
                exe_deleted: false,
                cgroup: Some("/user.slice/user-0.slice/session-1.scope".into()),
                unit: Some("session-1.scope".into()),
                service: None,
                socket_inodes: vec![8080],
            }]
        });
        h
    }

    #[test]
    fn unmanaged_managed_and_unknown() {
        let rule = UnmanagedListeners;
        let f = rule.check(&host(Some(vec![listener(8080, Some(4242), None)]), true));
        f.assert_says(Severity::Warning, "0.0.0.0:8080");
        assert_eq!(
            f.evidence[0].excerpt,
            "tcp 0.0.0.0:8080 (java pid 4242): java -jar app.jar"
        );
        let managed = vec![
            listener(22, Some(4242), Some("ssh")),
            listener(2024, Some(1), None),
        ];
        assert_eq!(
            rule.check(&host(Some(managed), true)).severity,
            Severity::Pass
        );
        let hidden = host(Some(vec![listener(25, None, None)]), true);
        let f = rule.check(&hidden);
        // Run as root, a port nobody owns is still not known to be managed.
        f.assert_says(Severity::Unknown, "tcp 0.0.0.0:25");
        assert_eq!(f.missing[0].source, "/proc/PID/fd");
        assert_eq!(f.missing[0].state, State::NotCollected);
        let mut as_user = hidden;
        as_user.collection.as_root = Some(false);
        let f = rule.check(&as_user);
        assert_eq!(f.severity, Severity::Unknown);
        assert_eq!(f.missing[0].state, State::Unreadable);
        assert_eq!(rule.check(&host(None, true)).severity, Severity::Unknown);
        assert_eq!(
            rule.check(&host(Some(vec![]), false)).severity,
            Severity::Unknown
        );
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Snapshot};

    /// proc-samples is a real /proc whose listeners' owner (the test
    /// program) left no fd links in the copy: four ports nobody is seen to
    /// own, which once passed as "every one of 0 ports is managed".
    #[test]
    fn ports_without_a_visible_owner_are_unknown() {
        let root = crate::testing::fixture("proc-samples");
        let host = crate::model::build(&DirSnapshot::new(&root) as &dyn Snapshot);
        let f = UnmanagedListeners.check(&host);
        assert_eq!(f.severity, Severity::Unknown, "{}", f.detail);
        assert!(f.detail.starts_with("4 listening ports"), "{}", f.detail);
        f.assert_detail("tcp6 [::]:47001");
        assert_eq!(f.missing.len(), 1);
        assert_eq!(f.missing[0].source, "/proc/PID/fd");
    }
}
