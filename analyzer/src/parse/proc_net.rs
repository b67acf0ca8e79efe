//! Socket tables: /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} and /proc/net/unix.
//!
//! The inet tables are parsed by procfs-core one line at a time, so that one
//! damaged or cut-off line (a capped capture) costs that line, not the table.
//! Raw sockets are printed by the kernel in UDP's layout (the "port" being
//! the IP protocol number), so procfs-core's UDP parser reads them too.
//! Addresses are hex words in the host's byte order, which the caller passes
//! in (the probe records the machine).
//!
//! /proc/net/unix is parsed here: procfs-core drops the flags column, which
//! holds the listening bit, and cuts paths at the first space.
//!
//! Sample (/proc/net/tcp6, an IPv4 client on a dual-stack listener):
//!
//! ```text
//!   sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//!    0: 00000000000000000000000000000000:B799 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 25249 1 00000000fb715557 100 0 0 10 0
//!    1: 0000000000000000FFFF00000100007F:B799 0000000000000000FFFF00000100007F:E8CA 01 00000000:00000000 00:00000000 00000000     0        0 25253 1 00000000eaf54589 20 0 0 10 -1
//! ```

use std::io::Read;
use std::net::{IpAddr, SocketAddr};

use procfs_core::net::{TcpNetEntries, TcpState, UdpNetEntries, UdpState};
use procfs_core::{ExplicitSystemInfo, FromBufReadSI};
use serde::Serialize;

use super::Parsed;

/// Which table a socket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InetProto {
    Tcp,
    Tcp6,
    Udp,
    Udp6,
    Raw,
    Raw6,
}

/// The kernel's socket state (the `st` column; UDP and raw sockets use the
/// TCP numbers too: 1 when connected, 7 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SocketState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
}

/// One row of an inet socket table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InetSocket {
    pub proto: InetProto,
    /// IPv4-mapped addresses in the v6 tables display as `::ffff:10.0.0.1`.
    pub local_address: IpAddr,
    /// For raw sockets, the IP protocol number (1 = ICMP, 58 = ICMPv6).
    pub local_port: u16,
    pub remote_address: IpAddr,
    pub remote_port: u16,
    pub state: SocketState,
    pub uid: u32,
    /// Matches `socket:[inode]` fd links to find the owning process.
    pub inode: u64,
}

impl InetSocket {
    /// What `ss -l` lists: TCP in LISTEN, UDP and raw sockets not connected
    /// to a peer.
    pub fn is_listening(&self) -> bool {
        match self.proto {
            InetProto::Tcp | InetProto::Tcp6 => self.state == SocketState::Listen,
            _ => self.state == SocketState::Close,
        }
    }
}

/// Parses one inet table. `little_endian` is the byte order of the host the
/// table came from (false for s390x, ppc64 big-endian).
pub fn parse_inet(bytes: &[u8], proto: InetProto, little_endian: bool) -> Parsed<Vec<InetSocket>> {
    let info = ExplicitSystemInfo {
        boot_time_secs: 0,
        ticks_per_second: 100,
        page_size: 4096,
        is_little_endian: little_endian,
    };
    // The first line is the column header.
    super::by_line(bytes, 1, |line| parse_inet_line(line, proto, &info))
}

fn parse_inet_line(
    line: &str,
    proto: InetProto,
    info: &ExplicitSystemInfo,
) -> Result<InetSocket, String> {
    // procfs-core skips a header line; give it an empty one.
    let reader = (&b"\n"[..]).chain(line.as_bytes());
    let (local, remote, state, uid, inode) = match proto {
        InetProto::Tcp | InetProto::Tcp6 => {
            let entry = single(TcpNetEntries::from_buf_read(reader, info).map(|t| t.0))?;
            (
                entry.local_address,
                entry.remote_address,
                tcp_state(&entry.state),
                entry.uid,
                entry.inode,
            )
        }
        _ => {
            let entry = single(UdpNetEntries::from_buf_read(reader, info).map(|t| t.0))?;
            let state = match entry.state {
                UdpState::Established => SocketState::Established,
                UdpState::Close => SocketState::Close,
            };
            (
                entry.local_address,
                entry.remote_address,
                state,
                entry.uid,
                entry.inode,
            )
        }
    };
    Ok(InetSocket {
        proto,
        local_address: local.ip(),
        local_port: local.port(),
        remote_address: remote.ip(),
        remote_port: remote.port(),
        state,
        uid,
        inode,
    })
}

fn single<T>(parsed: procfs_core::ProcResult<Vec<T>>) -> Result<T, String> {
    let mut entries = parsed.map_err(super::procfs_message)?;
    match entries.pop() {
        Some(entry) if entries.is_empty() => Ok(entry),
        _ => Err("expected one socket per line".to_string()),
    }
}

fn tcp_state(state: &TcpState) -> SocketState {
    match state {
        TcpState::Established => SocketState::Established,
        TcpState::SynSent => SocketState::SynSent,
        TcpState::SynRecv => SocketState::SynRecv,
        TcpState::FinWait1 => SocketState::FinWait1,
        TcpState::FinWait2 => SocketState::FinWait2,
        TcpState::TimeWait => SocketState::TimeWait,
        TcpState::Close => SocketState::Close,
        TcpState::CloseWait => SocketState::CloseWait,
        TcpState::LastAck => SocketState::LastAck,
        TcpState::Listen => SocketState::Listen,
        TcpState::Closing => SocketState::Closing,
        TcpState::NewSynRecv => SocketState::NewSynRecv,
    }
}

/// The address a socket is shown with, `ss` style: `[::ffff:10.0.0.1]:22`.
pub fn display_endpoint(address: IpAddr, port: u16) -> String {
    SocketAddr::new(address, port).to_string()
}

/// `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_SEQPACKET` (the `Type` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnixSocketType {
    Stream,
    Dgram,
    Seqpacket,
    Other(u16),
}

/// The `St` column: `SS_UNCONNECTED` … `SS_DISCONNECTING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnixSocketState {
    Unconnected,
    Connecting,
    Connected,
    Disconnecting,
    Other(u8),
}

/// One row of /proc/net/unix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnixSocket {
    pub socket_type: UnixSocketType,
    pub state: UnixSocketState,
    /// The `__SO_ACCEPTCON` flag: the socket called listen().
    pub listening: bool,
    pub inode: u64,
    /// The bound path; abstract names start with `@` (the kernel prints
    /// their leading NUL, and any NUL inside, as `@`). `None` when unbound.
    pub path: Option<String>,
}

impl UnixSocket {
    pub fn is_abstract(&self) -> bool {
        self.path.as_deref().is_some_and(|p| p.starts_with('@'))
    }
}

const SO_ACCEPTCON: u32 = 0x0001_0000;

/// Parses /proc/net/unix. Sample:
///
/// ```text
/// Num       RefCount Protocol Flags    Type St Inode Path
/// 000000003d480ebf: 00000002 00000000 00010000 0001 01 25259 /tmp/inv/lift sock
/// 000000001fc2c786: 00000002 00000000 00010000 0001 01 25258 @lift-abstract test
/// ```
pub fn parse_unix(bytes: &[u8]) -> Parsed<Vec<UnixSocket>> {
    super::by_line(bytes, 1, |line| {
        parse_unix_line(line).ok_or_else(|| format!("bad unix socket line: {}", super::shown(line)))
    })
}

fn parse_unix_line(line: &str) -> Option<UnixSocket> {
    // Seven columns, then one space and the path, which may hold spaces.
    let mut rest = line;
    let mut fields = [""; 7];
    for field in &mut fields {
        rest = rest.trim_start();
        let end = rest.find(' ').unwrap_or(rest.len());
        (*field, rest) = rest.split_at(end);
    }
    let [slot, _refcount, _protocol, flags, socket_type, state, inode] = fields;
    if !slot.ends_with(':') {
        return None;
    }
    let flags = u32::from_str_radix(flags, 16).ok()?;
    let socket_type = match u16::from_str_radix(socket_type, 16).ok()? {
        1 => UnixSocketType::Stream,
        2 => UnixSocketType::Dgram,
        5 => UnixSocketType::Seqpacket,
        other => UnixSocketType::Other(other),
    };
    let state = match u8::from_str_radix(state, 16).ok()? {
        1 => UnixSocketState::Unconnected,
        2 => UnixSocketState::Connecting,
        3 => UnixSocketState::Connected,
        4 => UnixSocketState::Disconnecting,
        other => UnixSocketState::Other(other),
    };
    let path = rest
        .strip_prefix(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    Some(UnixSocket {
        socket_type,
        state,
        listening: flags & SO_ACCEPTCON != 0,
        inode: inode.parse().ok()?,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn table(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../fixtures/proc-samples/proc/net/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    fn inet(name: &str, proto: InetProto) -> Vec<InetSocket> {
        let parsed = parse_inet(&table(name), proto, true).unwrap();
        assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
        parsed.value
    }

    #[test]
    fn tcp6_dual_stack_listener_and_ipv4_mapped_connection() {
        let sockets = inet("tcp6", InetProto::Tcp6);
        assert_eq!(sockets.len(), 2);
        let listener = &sockets[0];
        assert!(listener.is_listening());
        assert_eq!(
            (listener.local_address, listener.local_port),
            (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 47001)
        );
        assert_eq!(listener.inode, 25249);
        let accepted = &sockets[1];
        assert_eq!(accepted.state, SocketState::Established);
        assert!(!accepted.is_listening());
        assert_eq!(accepted.local_address.to_string(), "::ffff:127.0.0.1");
        assert_eq!(
            display_endpoint(accepted.remote_address, accepted.remote_port),
            "[::ffff:127.0.0.1]:59594"
        );
        assert_eq!((accepted.uid, accepted.inode), (0, 25253));
    }

    #[test]
    fn tcp_listener_and_the_ipv4_client_end() {
        let sockets = inet("tcp", InetProto::Tcp);
        assert_eq!(sockets.len(), 2);
        let listeners: Vec<_> = sockets.iter().filter(|s| s.is_listening()).collect();
        assert_eq!(listeners.len(), 1);
        let endpoint = display_endpoint(listeners[0].local_address, listeners[0].local_port);
        assert_eq!(endpoint, "127.0.0.1:47004");
        // The IPv4 client end of the connection the tcp6 listener accepted.
        let client = sockets.iter().find(|s| s.local_port == 59594).unwrap();
        assert_eq!(client.remote_address, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(client.remote_port, 47001);
    }

    #[test]
    fn udp_bound_and_connected() {
        let udp = inet("udp", InetProto::Udp);
        assert_eq!(udp.len(), 2);
        assert!(udp[0].is_listening());
        assert_eq!(
            display_endpoint(udp[0].local_address, udp[0].local_port),
            "127.0.0.1:47002"
        );
        assert_eq!(udp[1].state, SocketState::Established);
        assert_eq!(
            display_endpoint(udp[1].remote_address, udp[1].remote_port),
            "10.255.255.53:53"
        );
        let udp6 = inet("udp6", InetProto::Udp6);
        assert_eq!(
            (udp6[0].local_address, udp6[0].local_port),
            (IpAddr::V6(Ipv6Addr::LOCALHOST), 47003)
        );
    }

    #[test]
    fn raw_sockets_carry_the_protocol_as_port() {
        let raw = inet("raw", InetProto::Raw);
        assert_eq!((raw[0].local_port, raw[0].inode), (1, 25256));
        assert!(raw[0].is_listening());
        let raw6 = inet("raw6", InetProto::Raw6);
        assert_eq!((raw6[0].local_port, raw6[0].inode), (58, 25257));
    }

    #[test]
    fn cut_off_and_damaged_lines_cost_only_themselves() {
        let mut bytes = table("tcp6");
        bytes.truncate(bytes.len() - 40);
        bytes.extend_from_slice(b"\n   9: ZZZZ:0016 00000000:0000 0A\n");
        let parsed = parse_inet(&bytes, InetProto::Tcp6, true).unwrap();
        assert_eq!(parsed.value.len(), 1);
        assert_eq!(
            parsed.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![Some(3), Some(4)]
        );
        for input in [
            &b""[..],
            b"header only",
            b"h\n0: 0:0 0:0 0A",
            b"h\n\xff\xfe",
            b"h\n0: 00000000:FFFFF",
        ] {
            let _ = parse_inet(input, InetProto::Tcp, true).unwrap();
            let _ = parse_unix(input).unwrap();
        }
    }

    #[test]
    fn big_endian_hosts_print_addresses_the_other_way() {
        let line = b"sl\n 0: 7F000001:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 1\n";
        let sockets = parse_inet(line, InetProto::Tcp, false).unwrap().value;
        assert_eq!(sockets[0].local_address, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(sockets[0].local_port, 22);
    }

    #[test]
    fn unix_paths_with_spaces_abstract_names_and_listeners() {
        let parsed = parse_unix(&table("unix")).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let by_inode = |inode| parsed.value.iter().find(|s| s.inode == inode).unwrap();
        let listener = by_inode(25259);
        assert!(listener.listening && !listener.is_abstract());
        assert_eq!(listener.path.as_deref(), Some("/tmp/inv/lift sock"));
        assert_eq!(listener.socket_type, UnixSocketType::Stream);
        let abstract_listener = by_inode(25258);
        assert!(abstract_listener.listening && abstract_listener.is_abstract());
        assert_eq!(
            abstract_listener.path.as_deref(),
            Some("@lift-abstract test")
        );
        let accepted = by_inode(25267);
        assert_eq!(
            (accepted.state, accepted.listening),
            (UnixSocketState::Connected, false)
        );
        let dgram = by_inode(25268);
        assert_eq!(
            (dgram.socket_type, dgram.listening),
            (UnixSocketType::Dgram, false)
        );
        let unbound = parsed.value.iter().filter(|s| s.path.is_none()).count();
        assert_eq!(unbound, 3);
        assert_eq!(parsed.value.iter().filter(|s| s.listening).count(), 2);
    }
}
