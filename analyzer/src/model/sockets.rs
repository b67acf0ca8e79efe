//! Sockets, as `ss -lnpxtuw` and `ss -tnp state established` show them:
//! listening TCP, bound UDP and raw, listening unix sockets, and established
//! TCP connections, each with the processes that hold it (from the
//! `socket:[INODE]` links of /proc/PID/fd).
//!
//! A socket whose holder the probe could not see (a non-root probe cannot
//! read other users' fd links; a kernel socket has none) keeps `pid` null.

use std::collections::HashMap;

use serde::Serialize;

use super::facts::Facts;
use super::processes::{socket_owners, Process};
use crate::parse::proc_net::{self, InetProto, InetSocket, SocketState};
use crate::sources::{self as src, Source};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SocketOwner {
    pub pid: u32,
    pub program: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listener {
    /// tcp, tcp6, udp, udp6, raw, raw6 or unix.
    pub proto: &'static str,
    /// IPv4-mapped IPv6 addresses are shown as such (`::ffff:127.0.0.1`);
    /// None for unix sockets.
    pub address: Option<String>,
    /// The port; for raw sockets the IP protocol number.
    pub port: Option<u16>,
    /// A unix socket's path (`@name` when abstract, None when unbound).
    pub path: Option<String>,
    /// The first holder (lowest pid); None when no holder was visible.
    pub pid: Option<u32>,
    pub program: Option<String>,
    /// Every process holding it (a pre-forked server's workers).
    pub owners: Vec<SocketOwner>,
    pub uid: Option<u32>,
    pub inode: u64,
    pub service: Option<String>,
    /// Whether an init system starts its holder; None when no holder was
    /// visible.
    pub managed: Option<bool>,
    pub package: Option<String>,
}

#[cfg(test)]
impl Listener {
    /// Test: a TCP listener on every address, held by `pid` as `program`
    /// (when given), inode 1, nothing else known.
    pub fn tcp_any(port: u16, pid: Option<u32>, program: Option<&str>) -> Listener {
        Listener {
            proto: "tcp",
            address: Some("0.0.0.0".into()),
            port: Some(port),
            path: None,
            pid,
            program: program.map(str::to_string),
            owners: Vec::new(),
            uid: None,
            inode: 1,
            service: None,
            managed: None,
            package: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub proto: &'static str,
    pub local_address: String,
    pub local_port: u16,
    pub remote_address: String,
    pub remote_port: u16,
    pub pid: Option<u32>,
    pub program: Option<String>,
    pub service: Option<String>,
}

const INET_TABLES: [(&Source, InetProto, &str); 6] = [
    (&src::PROC_NET_TCP, InetProto::Tcp, "tcp"),
    (&src::PROC_NET_TCP6, InetProto::Tcp6, "tcp6"),
    (&src::PROC_NET_UDP, InetProto::Udp, "udp"),
    (&src::PROC_NET_UDP6, InetProto::Udp6, "udp6"),
    (&src::PROC_NET_RAW, InetProto::Raw, "raw"),
    (&src::PROC_NET_RAW6, InetProto::Raw6, "raw6"),
];

/// Listeners and established connections; each None when no socket table
/// was captured.
pub fn sockets(
    f: &Facts,
    processes: Option<&[Process]>,
    arch: Option<&str>,
) -> (Option<Vec<Listener>>, Option<Vec<Connection>>) {
    let owners = processes.map(socket_owners).unwrap_or_default();
    let holders = |inode: u64| -> Vec<SocketOwner> {
        let mut list: Vec<SocketOwner> = owners
            .get(&inode)
            .map(|ps| {
                ps.iter()
                    .map(|p| SocketOwner {
                        pid: p.pid,
                        program: p.program(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        list.sort_by_key(|o| o.pid);
        list
    };
    let little_endian = !arch.is_some_and(is_big_endian);
    let mut listeners = None::<Vec<Listener>>;
    let mut connections = None::<Vec<Connection>>;
    for (source, proto, name) in INET_TABLES {
        let Some(table) = f.parse(source, |b| proc_net::parse_inet(b, proto, little_endian)) else {
            continue;
        };
        let (l, c) = (
            listeners.get_or_insert_with(Vec::new),
            connections.get_or_insert_with(Vec::new),
        );
        for s in table {
            if s.is_listening() {
                l.push(inet_listener(name, &s, holders(s.inode)));
            } else if s.state == SocketState::Established && matches!(name, "tcp" | "tcp6") {
                let who = holders(s.inode);
                c.push(Connection {
                    proto: name,
                    local_address: s.local_address.to_string(),
                    local_port: s.local_port,
                    remote_address: s.remote_address.to_string(),
                    remote_port: s.remote_port,
                    pid: who.first().map(|o| o.pid),
                    program: who.first().map(|o| o.program.clone()),
                    service: None,
                });
            }
        }
    }
    if let Some(table) = f.parse(&src::PROC_NET_UNIX, proc_net::parse_unix) {
        let l = listeners.get_or_insert_with(Vec::new);
        for s in table.into_iter().filter(|s| s.listening) {
            let who = holders(s.inode);
            l.push(Listener {
                proto: "unix",
                address: None,
                port: None,
                path: s.path,
                pid: who.first().map(|o| o.pid),
                program: who.first().map(|o| o.program.clone()),
                owners: who,
                uid: None,
                inode: s.inode,
                service: None,
                managed: None,
                package: None,
            });
        }
    }
    (listeners, connections)
}

fn inet_listener(proto: &'static str, s: &InetSocket, who: Vec<SocketOwner>) -> Listener {
    Listener {
        proto,
        address: Some(s.local_address.to_string()),
        port: Some(s.local_port),
        path: None,
        pid: who.first().map(|o| o.pid),
        program: who.first().map(|o| o.program.clone()),
        owners: who,
        uid: Some(s.uid),
        inode: s.inode,
        service: None,
        managed: None,
        package: None,
    }
}

/// /proc/net prints addresses in the host's byte order.
fn is_big_endian(arch: &str) -> bool {
    matches!(
        arch,
        "s390x" | "s390" | "ppc64" | "ppc" | "sparc64" | "sparc" | "mips" | "mips64" | "m68k"
    )
}

/// Pid → the listeners it holds, for the services table's ports column.
pub fn ports_by_pid(listeners: &[Listener]) -> HashMap<u32, Vec<String>> {
    let mut out: HashMap<u32, Vec<String>> = HashMap::new();
    for l in listeners {
        let Some(port) = l.port.filter(|_| !l.proto.starts_with("raw")) else {
            continue;
        };
        for o in &l.owners {
            out.entry(o.pid)
                .or_default()
                .push(format!("{}/{port}", l.proto.trim_end_matches('6')));
        }
    }
    out
}

/// Established connections grouped as an admin summarizes them: inbound
/// by local port, outbound by remote endpoint, each with its program.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ConnectionGroup {
    /// `in` (to a port this host listens on) or `out`.
    pub direction: &'static str,
    /// The local port for `in`, the remote `address:port` for `out`.
    pub endpoint: String,
    pub program: Option<String>,
    pub count: usize,
}

pub fn summarize(connections: &[Connection], listeners: &[Listener]) -> Vec<ConnectionGroup> {
    let listening: std::collections::HashSet<u16> = listeners
        .iter()
        .filter(|l| l.proto.starts_with("tcp"))
        .filter_map(|l| l.port)
        .collect();
    let mut groups: HashMap<(&'static str, String, Option<String>), usize> = HashMap::new();
    for c in connections {
        let key = if listening.contains(&c.local_port) {
            ("in", c.local_port.to_string())
        } else {
            let remote = &c.remote_address;
            match remote.contains(':') {
                true => ("out", format!("[{remote}]:{}", c.remote_port)),
                false => ("out", format!("{remote}:{}", c.remote_port)),
            }
        };
        *groups.entry((key.0, key.1, c.program.clone())).or_default() += 1;
    }
    let mut out: Vec<ConnectionGroup> = groups
        .into_iter()
        .map(|((direction, endpoint, program), count)| ConnectionGroup {
            direction,
            endpoint,
            program,
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cmp(b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DirSnapshot, Root};

    #[test]
    fn proc_samples_sockets_without_owners() {
        let snap = DirSnapshot::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/proc-samples"
        )));
        let f = Facts::new(Root::new(&snap));
        let procs = super::super::processes::processes(&f).unwrap();
        let (listeners, connections) = sockets(&f, Some(&procs), Some("x86_64"));
        let listeners = listeners.unwrap();
        let find = |proto: &str, port: u16| {
            listeners
                .iter()
                .find(|l| l.proto == proto && l.port == Some(port))
                .unwrap_or_else(|| panic!("{proto} {port}"))
        };
        assert_eq!(find("tcp6", 47001).address.as_deref(), Some("::"));
        assert_eq!(find("tcp", 47004).address.as_deref(), Some("127.0.0.1"));
        assert_eq!(find("udp6", 47003).address.as_deref(), Some("::1"));
        assert_eq!(find("raw", 1).proto, "raw");
        // The samples hold no fd listings: no owner is visible.
        assert!(listeners
            .iter()
            .all(|l| l.pid.is_none() && l.owners.is_empty()));
        let unix: Vec<_> = listeners.iter().filter_map(|l| l.path.as_deref()).collect();
        assert!(unix.contains(&"/tmp/inv/lift sock"), "{unix:?}");
        assert!(unix.contains(&"@lift-abstract test"), "{unix:?}");
        // The IPv4 client on the dual-stack listener, as the kernel shows it.
        let c = connections.unwrap();
        assert!(
            c.iter()
                .any(|c| c.local_address == "::ffff:127.0.0.1" && c.local_port == 47001),
            "{c:?}"
        );
    }
}
