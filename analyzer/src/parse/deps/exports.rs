//! Who mounts from this host: the clients `/etc/exports` names one machine
//! at a time (a host name or an address). Kind `nfs-client`: they depend
//! on this host's exports, so in a fleet they join its move group.
//! Networks, wildcards, netgroups and Kerberos flavours name no one host
//! and are left to the report's exports section.
//!
//! Sample:
//!
//! ```text
//! /srv/backup      app1.corp.example(rw,sync,no_subtree_check) 10.20.0.0/24(ro)
//! ```

use super::{Declared, Found, Kind};
use crate::parse::exports::{self, ClientKind};
use crate::parse::{Parsed, Partial};

/// NFS's port: the clients reach this host there.
const NFS: u16 = 2049;

pub fn clients(bytes: &[u8]) -> Parsed<Found> {
    let mut found = Found::default();
    for e in exports::parse(bytes).map(|p| p.value).unwrap_or_default() {
        for c in e.clients.iter().filter(|c| c.kind == ClientKind::Host) {
            found.push(Declared::new(
                e.line,
                Kind::NfsClient,
                c.who.clone(),
                Some(NFS),
            ));
        }
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_hosts_only() {
        let f = clients(
            b"/srv/backup app1.corp.example(rw) 10.20.0.0/24(ro) @ng *.x gss/krb5 192.0.2.9\n",
        )
        .unwrap()
        .value;
        let t: Vec<(&str, usize)> = f
            .value
            .iter()
            .map(|d| (d.target.as_str(), d.line))
            .collect();
        assert_eq!(t, [("app1.corp.example", 1), ("192.0.2.9", 1)]);
        assert!(f
            .value
            .iter()
            .all(|d| d.kind == Kind::NfsClient && d.port == Some(2049)));
    }
}
