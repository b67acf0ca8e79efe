//! `ss -tupna` / `ss -peaonmi` (sos 4: `sos_commands/networking/ss_*`):
//! internet sockets with their processes.
//!
//! ```text
//! Netid  State      Recv-Q Send-Q Local Address:Port               Peer Address:Port
//! udp    UNCONN     0      0          127.0.0.1:904                   *:*                   users:(("rpc.statd",pid=29559,fd=7))
//! tcp    LISTEN     0      128                *:111                   *:*                   users:(("rpcbind",pid=1139,fd=5),("systemd",pid=1,fd=41))
//! ```

use crate::parse::Parsed;

/// One internet socket, as `ss` or `netstat` print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetSocket {
    /// `tcp`, `udp`, `tcp6`, `udp6` (ss says `tcp` for both families).
    pub proto: String,
    /// `LISTEN`, `ESTAB`/`ESTABLISHED`, `UNCONN`, ...; empty when not shown.
    pub state: String,
    pub local_address: String,
    pub local_port: Option<u16>,
    /// The peer (`0.0.0.0`/`*` and no port for a listener).
    pub remote_address: String,
    pub remote_port: Option<u16>,
    pub pid: Option<u32>,
    pub program: Option<String>,
}

impl InetSocket {
    /// An established TCP connection (`ESTAB` in ss, `ESTABLISHED` in
    /// netstat) with both ports known.
    pub fn is_established_tcp(&self) -> bool {
        self.proto.starts_with("tcp")
            && matches!(self.state.as_str(), "ESTAB" | "ESTABLISHED")
            && self.local_port.is_some()
            && self.remote_port.is_some()
    }

    /// A listening TCP socket, or a UDP one bound with no peer.
    pub fn is_listening(&self) -> bool {
        matches!(self.state.as_str(), "LISTEN" | "UNCONN")
            || self.proto.starts_with("udp") && self.state.is_empty()
    }
}

/// `127.0.0.1:904`, `[::]:22`, `*:111`, `:::37968` -> address and port.
pub fn split_host_port(s: &str) -> (String, Option<u16>) {
    match s.rsplit_once(':') {
        Some((host, port)) => (
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port.parse().ok(),
        ),
        None => (s.to_string(), None),
    }
}

impl InetSocket {
    /// A socket from its words as printed, `local` and `peer` as
    /// `host:port`.
    pub(super) fn printed(
        proto: &str,
        state: String,
        (local, peer): (&str, &str),
        pid: Option<u32>,
        program: Option<String>,
    ) -> InetSocket {
        let (local_address, local_port) = split_host_port(local);
        let (remote_address, remote_port) = split_host_port(peer);
        InetSocket {
            proto: proto.to_string(),
            state,
            local_address,
            local_port,
            remote_address,
            remote_port,
            pid,
            program,
        }
    }
}

/// A socket table as `ss` and `netstat` print it: `socket` reads a line
/// (and its words), None for a line that is no socket; broken when text is
/// there but neither a line starting with one of `heading` nor a socket
/// (`what` says so).
pub(super) fn sockets(
    bytes: &[u8],
    heading: &[&str],
    what: &str,
    socket: impl Fn(&str, &[&str]) -> Option<InetSocket>,
) -> Parsed<Vec<InetSocket>> {
    let text = String::from_utf8_lossy(bytes);
    let headed = text
        .lines()
        .any(|l| heading.iter().any(|h| l.starts_with(h)));
    let out = text
        .lines()
        .filter_map(|l| socket(l, &l.split_whitespace().collect::<Vec<_>>()))
        .collect();
    super::table(out, headed, &text, what)
}

/// Broken when text is there but neither ss's heading (`Netid` or
/// `State`) nor a socket line.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<InetSocket>> {
    let what = "no Netid or State heading and no socket line: not ss's output";
    sockets(bytes, &["Netid", "State"], what, |line, words| {
        let [netid, state, _, _, local, peer, ..] = words[..] else {
            return None;
        };
        if !matches!(netid, "tcp" | "udp" | "tcp6" | "udp6" | "sctp") {
            return None;
        }
        let users = line.split_once("users:((\"").map(|(_, u)| u);
        let program = users
            .and_then(|u| u.split_once('"'))
            .map(|(p, _)| p.to_string());
        let pid = users
            .and_then(|u| u.split_once("pid="))
            .and_then(|(_, p)| p.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok());
        Some(InetSocket::printed(
            netid,
            state.to_string(),
            (local, peer),
            pid,
            program,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another command's table (`ps aux`) is no ss output.
    #[test]
    fn ps_is_broken() {
        let ps = b"USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\nroot 1 0.0 0.1 167908 11780 ? Ss 09:12 0:02 /sbin/init\n";
        super::super::refuses(super::parse, ps);
    }

    #[test]
    fn insights_core_sample() {
        let socks = super::super::read(super::parse, "insights-core/ss_-tupna.SS_TUPNA_DOCS");
        let listen: Vec<String> = socks
            .iter()
            .filter(|s| s.is_listening())
            .map(|s| {
                format!(
                    "{} {}:{} {}",
                    s.proto,
                    s.local_address,
                    s.local_port.unwrap_or(0),
                    s.program.as_deref().unwrap_or("-")
                )
            })
            .collect();
        assert!(
            listen.contains(&"tcp *:111 rpcbind".to_string()),
            "{listen:?}"
        );
        assert!(
            listen.contains(&"udp 127.0.0.1:904 rpc.statd".to_string()),
            "{listen:?}"
        );
        let rpcbind = socks
            .iter()
            .find(|s| s.proto == "tcp" && s.local_port == Some(111))
            .unwrap();
        assert_eq!(rpcbind.pid, Some(1139));
        // Its two established connections, with their peers.
        let est: Vec<(String, Option<u16>, Option<String>)> = socks
            .iter()
            .filter(|s| s.is_established_tcp())
            .map(|s| (s.remote_address.clone(), s.remote_port, s.program.clone()))
            .collect();
        assert_eq!(
            est,
            [
                ("104.74.50.85".into(), Some(443), Some("firefox".into())),
                ("74.125.200.17".into(), Some(443), Some("firefox".into())),
            ]
        );
        assert!(!rpcbind.is_established_tcp());
        assert_eq!(split_host_port("[::]:22"), ("::".into(), Some(22)));
    }
}
