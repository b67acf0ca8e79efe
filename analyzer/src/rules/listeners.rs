//! Inventory rules: what runs on the host and who starts it.

use super::{Finding, Rule, Severity};
use crate::model::{Host, Listener};
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
    fn id(&self) -> &'static str {
        "gen.unmanaged-listeners"
    }

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
        let hidden = ports.iter().filter(|l| l.managed.is_none()).count();
        if !unmanaged.is_empty() {
            let mut f = Finding::new(
                self.id(),
                Severity::Warning,
                format!(
                    "{} listening port(s) belong to processes no init system starts: {}",
                    unmanaged.len(),
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
        if hidden > 0 && host.collection.as_root == Some(false) {
            return Finding::new(
                self.id(),
                Severity::Unknown,
                format!("{hidden} listening port(s) have owners a non-root probe could not see"),
            )
            .lacking(vec![Missing {
                source: src::PID_FDS.path().into(),
                spec: src::PID_FDS.spec,
                state: State::Unreadable,
                detail: "a probe without root cannot read other users' /proc/PID/fd".into(),
            }])
            .remediation("sudo ./lift-probe");
        }
        let mut detail = format!(
            "every one of {} listening port(s) is managed",
            ports.len() - hidden
        );
        if hidden > 0 {
            detail.push_str(&format!("; {hidden} have no visible owning process"));
        }
        Finding::new(self.id(), Severity::Pass, detail)
    }
}

fn describe(l: &Listener) -> String {
    let address = l.address.as_deref().unwrap_or("?");
    let address = match address.contains(':') {
        true => format!("[{address}]"),
        false => address.to_string(),
    };
    format!(
        "{} {address}:{} ({} pid {})",
        l.proto,
        l.port.unwrap_or_default(),
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
        Listener {
            proto: "tcp",
            address: Some("0.0.0.0".into()),
            port: Some(port),
            path: None,
            pid,
            program: pid.map(|_| "java".into()),
            owners: pid
                .map(|pid| SocketOwner {
                    pid,
                    program: "java".into(),
                })
                .into_iter()
                .collect(),
            uid: Some(0),
            inode: u64::from(port),
            managed: pid.map(|pid| service.is_some() || pid == 1),
            service: service.map(str::to_string),
            package: None,
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
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.detail.contains("0.0.0.0:8080"), "{}", f.detail);
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
        assert_eq!(f.severity, Severity::Pass);
        assert!(f.detail.contains("1 have no visible owning process"));
        let mut as_user = hidden;
        as_user.collection.as_root = Some(false);
        assert_eq!(rule.check(&as_user).severity, Severity::Unknown);
        assert_eq!(rule.check(&host(None, true)).severity, Severity::Unknown);
        assert_eq!(
            rule.check(&host(Some(vec![]), false)).severity,
            Severity::Unknown
        );
    }
}
