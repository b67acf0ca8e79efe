//! An NFS export's client (exports(5)), as `parse::exports` reads it and the
//! Host keeps it.

use serde::Serialize;

/// One client of an NFS export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// As written: `hostname1`, `10.0.0.0/24`, `@backup`, `*`.
    pub who: String,
    pub kind: ClientKind,
    /// The options in parentheses, or the line's `-options` default.
    pub options: String,
}

/// What an export's client names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// One machine, by name or address: the only kind that names a host.
    Host,
    Network,
    Wildcard,
    Netgroup,
    /// `gss/krb5`, `gss/krb5i`, `gss/krb5p`: any Kerberos-authenticated client.
    Kerberos,
}
