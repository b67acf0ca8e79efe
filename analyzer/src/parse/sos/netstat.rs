//! `netstat -neopa` (sos: `sos_commands/networking/netstat_-W_-neopa`,
//! sos 3's `netstat_-neopa`, linked as `netstat`): its internet part.
//!
//! ```text
//! Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer
//! tcp        0      0 0.0.0.0:5672            0.0.0.0:*               LISTEN      996        19422      1279/qpidd           off (0.00/0/0)
//! tcp        0      0 127.0.0.1:53644         0.0.0.0:*               LISTEN      995        1154674    12387/Passenger Rac  off (0.00/0/0)
//! udp        0      0 0.0.0.0:68              0.0.0.0:*                           0          15234      812/dhclient         off (0.00/0/0)
//! ```
//!
//! A program name may hold spaces (it is cut at 15 characters), and UDP
//! sockets have no State.

use super::ss::{sockets, InetSocket};
use crate::parse::Parsed;

/// Broken when text is there but neither netstat's `Proto` heading nor a
/// socket line.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<InetSocket>> {
    let what = "no Proto heading and no socket line: not netstat's output";
    sockets(bytes, &["Proto"], what, |_, words| {
        let [proto, _, _, local, foreign, ..] = words[..] else {
            return None;
        };
        if !matches!(proto, "tcp" | "udp" | "tcp6" | "udp6" | "raw" | "raw6") {
            return None;
        }
        let mut rest = &words[5..];
        let state = match rest.first() {
            Some(s) if s.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                rest = &rest[1..];
                s.to_string()
            }
            _ => String::new(),
        };
        // User, Inode, then PID/Program name up to the Timer's `word (...)`.
        let prog_words: Vec<&str> = rest
            .iter()
            .skip(2)
            .take_while(|w| !w.starts_with('('))
            .copied()
            .collect();
        let prog_words = &prog_words[..prog_words.len().saturating_sub(1)];
        let joined = prog_words.join(" ");
        let (pid, program) = match joined.split_once('/') {
            Some((pid, prog)) => (pid.parse().ok(), Some(prog.to_string())),
            None => (None, None),
        };
        Some(InetSocket::printed(
            proto,
            state,
            (local, foreign),
            pid,
            program,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another command's table (`ip addr`) is no netstat output.
    #[test]
    fn ip_addr_is_broken() {
        let ip = b"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n    inet 127.0.0.1/8 scope host lo\n";
        super::super::refuses(super::parse, ip);
    }

    /// hotsos's Vault node (a real sosreport's netstat -W -neopa): 20
    /// established TCP connections, 18 over IPv4, with their peers.
    #[test]
    fn established_connections_of_a_real_sosreport() {
        let socks = super::super::read(super::parse, "hotsos/netstat_-W_-neopa.vault");
        let est: Vec<&InetSocket> = socks.iter().filter(|s| s.is_established_tcp()).collect();
        assert_eq!(est.len(), 20);
        assert_eq!(est.iter().filter(|s| s.proto == "tcp").count(), 18);
        let juju = est.iter().find(|s| s.local_port == Some(38602)).unwrap();
        assert_eq!(
            (
                juju.remote_address.as_str(),
                juju.remote_port,
                juju.program.as_deref(),
                juju.pid
            ),
            ("10.0.0.217", Some(17070), Some("jujud"), Some(310))
        );
    }

    #[test]
    fn insights_core_and_sos_captures() {
        let socks = super::super::read(super::parse, "insights-core/netstat_-neopa.NETSTAT");
        let p = socks.iter().find(|s| s.local_port == Some(53644)).unwrap();
        assert_eq!(p.program.as_deref(), Some("Passenger Rac"));
        assert_eq!(p.pid, Some(12387));
        assert_eq!(p.state, "LISTEN");
        assert!(socks
            .iter()
            .all(|s| s.proto.starts_with("tcp") || s.proto.starts_with("udp")));
        let socks = super::super::read(
            super::parse,
            "debian12-sos4.0/sos_commands/networking/netstat_-W_-neopa",
        );
        let listen: Vec<_> = socks.iter().filter(|s| s.state == "LISTEN").collect();
        assert_eq!(listen.len(), 1);
        assert_eq!(listen[0].local_port, Some(2024));
        assert_eq!(listen[0].pid, None);
    }
}
