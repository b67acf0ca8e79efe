//! What a container sees of the host, as `parse::containers` reads it from
//! Docker's and Podman's own files and the Host keeps it.

use serde::Serialize;

/// A mount a container sees: a host path bound in, a named volume, or a
/// tmpfs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// `bind`, `volume`, `tmpfs`.
    pub kind: String,
    /// The host path (a bind's source, a volume's directory), if any.
    pub source: Option<String>,
    /// A named volume's name.
    pub volume: Option<String>,
    pub destination: String,
    pub read_only: bool,
}

/// A port the host publishes for a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    /// The host address it listens on; None for every address.
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    pub container_port: u16,
    /// tcp, udp, sctp.
    pub proto: String,
}
