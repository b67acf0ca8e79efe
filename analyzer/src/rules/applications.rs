//! Application rules (issue 28 item 3): the TLS certificates that server
//! software's configuration names, read by the model from `host.applications`.

use super::{Finding, Rule, Severity};
use crate::model::applications::{Application, Certificate};
use crate::model::Host;
use crate::rules::Identified;
use crate::sources as src;

/// Days before notAfter from which a certificate is said to expire soon.
pub const EXPIRY_DAYS: i64 = 30;

fn certificates(host: &Host) -> Vec<(&Application, &Certificate)> {
    host.applications
        .iter()
        .flatten()
        .flat_map(|a| a.certificates.iter().map(move |c| (a, c)))
        .collect()
}

fn describe(a: &Application, c: &Certificate) -> String {
    let subject = c.subject.as_deref().unwrap_or("?");
    format!("{} ({}, {}): {subject}", c.path, a.kind, c.named_by)
}

/// A certificate a configuration names that has expired or expires within
/// 30 days of the report: the move is when it will be noticed.
pub struct CertificateExpiry;

impl Rule for CertificateExpiry {
    fn check(&self, host: &Host) -> Finding {
        let all = certificates(host);
        if all.is_empty() {
            return Finding::new(
                self.id(),
                Severity::Pass,
                "no configuration read names a TLS certificate",
            );
        }
        let read: Vec<_> = all.iter().filter(|(_, c)| c.days_left.is_some()).collect();
        let unread: Vec<_> = all.iter().filter(|(_, c)| c.days_left.is_none()).collect();
        let soon: Vec<_> = read
            .iter()
            .filter(|(_, c)| c.days_left.is_some_and(|d| d <= EXPIRY_DAYS))
            .collect();
        let words = |c: &Certificate| match c.days_left {
            Some(d) if d < 0 => format!(
                "expired {} days ago ({})",
                -d,
                c.not_after.as_deref().unwrap_or("?")
            ),
            Some(d) => format!(
                "expires in {d} days ({})",
                c.not_after.as_deref().unwrap_or("?")
            ),
            None => format!("{}: {}", c.state, c.detail.as_deref().unwrap_or("not read")),
        };
        let mut f = if !soon.is_empty() {
            Finding::new(
                self.id(),
                Severity::Warning,
                format!(
                    "{} within {EXPIRY_DAYS} days: {}",
                    match soon.len() {
                        1 => "1 certificate expired or expires".to_string(),
                        n => format!("{n} certificates expired or expire"),
                    },
                    soon.iter()
                        .map(|(a, c)| format!("{} ({}) {}", c.path, a.kind, words(c)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
            .remediation("Renew them before the move (or at it), and check that the renewal (certbot, an internal CA) still reaches the new server")
        } else if read.is_empty() {
            Finding::new(self.id(), Severity::Info, {
                let mut paths: Vec<&str> = unread.iter().map(|(_, c)| c.path.as_str()).collect();
                paths.sort_unstable();
                paths.dedup();
                format!(
                    "{}: {}",
                    match paths.len() {
                        1 => "1 certificate named, not readable".to_string(),
                        n => format!("{n} certificates named, none readable"),
                    },
                    paths.join(", ")
                )
            })
        } else {
            Finding::new(
                self.id(),
                Severity::Pass,
                match read.len() {
                    1 => {
                        format!("1 certificate read; it does not expire within {EXPIRY_DAYS} days")
                    }
                    n => format!("{n} certificates read, none expires within {EXPIRY_DAYS} days"),
                },
            )
        };
        for (a, c) in all.iter().take(20) {
            f = f.evidence(c.path.clone(), format!("{}: {}", describe(a, c), words(c)));
        }
        if read.is_empty() {
            f
        } else {
            f.on(host, &[&src::APP_CERTIFICATE])
        }
    }
}

/// A certificate that names one of the host's current IP addresses: a move
/// to a cloud (MGN's launch included) gives the host new addresses, and
/// clients that connect by address then fail the certificate check.
pub struct CertificateNamesIp;

impl Rule for CertificateNamesIp {
    fn check(&self, host: &Host) -> Finding {
        let all = certificates(host);
        let read: Vec<_> = all.iter().filter(|(_, c)| c.subject.is_some()).collect();
        if all.is_empty() {
            return Finding::new(
                self.id(),
                Severity::Pass,
                "no configuration read names a TLS certificate",
            );
        }
        if read.is_empty() {
            return Finding::new(
                self.id(),
                Severity::Info,
                "certificates are named, but none could be read: whether one names this host's address is not known",
            );
        }
        let own: Vec<String> = host
            .interfaces
            .iter()
            .flatten()
            .flat_map(|i| i.addresses.iter().chain(&i.configured_addresses))
            .map(|a| a.split('/').next().unwrap_or(a).to_string())
            .collect();
        let mut hits = Vec::new();
        let mut other_ips = Vec::new();
        for (a, c) in &read {
            let cn = c
                .subject
                .as_deref()
                .and_then(|s| s.strip_prefix("CN="))
                .map(|s| s.split(", ").next().unwrap_or(s));
            let named: Vec<&str> = c
                .sans
                .iter()
                .filter_map(|s| s.strip_prefix("IP:"))
                .chain(cn.filter(|n| n.parse::<std::net::IpAddr>().is_ok()))
                .collect();
            for ip in named {
                if own.iter().any(|o| o == ip) {
                    hits.push((a, c, ip));
                } else {
                    other_ips.push((a, c, ip));
                }
            }
        }
        let mut f = if !hits.is_empty() {
            Finding::new(
                self.id(),
                Severity::Warning,
                format!(
                    "{} this host's current address, which the move changes: {}",
                    if hits.len() == 1 { "a certificate names" } else { "certificates name" },
                    hits.iter()
                        .map(|(_, c, ip)| format!("{} names {ip}", c.path))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
            .remediation("Issue certificates for a DNS name (or the target's address) before the cutover, and have clients connect by that name")
        } else if !other_ips.is_empty() {
            Finding::new(
                self.id(),
                Severity::Info,
                format!(
                    "{} that {} not this host's as the input shows it: {}",
                    if other_ips.len() == 1 {
                        "a certificate names an address"
                    } else {
                        "certificates name addresses"
                    },
                    if other_ips.len() == 1 { "is" } else { "are" },
                    other_ips
                        .iter()
                        .map(|(_, c, ip)| format!("{} names {ip}", c.path))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        } else {
            Finding::new(
                self.id(),
                Severity::Pass,
                match read.len() {
                    1 => "1 certificate read; it names no IP address".to_string(),
                    n => format!("{n} certificates read, none names an IP address"),
                },
            )
        };
        for (a, c, ip) in hits.iter().chain(&other_ips).take(20) {
            f = f.evidence(c.path.clone(), format!("{}: names {ip}", describe(a, c)));
        }
        f.on(host, &[&src::APP_CERTIFICATE])
    }
}
