//! What the host's configuration says about reaching the outside: the
//! saved firewall's egress policy for the ports the AWS MGN agent needs, and
//! the proxies programs are told to use.

use serde::Serialize;

use super::facts::Facts;
use crate::parse::egress::{self, Proxy};
use crate::parse::Parsed;
use crate::sources::{self as src, Source};

/// The ports the AWS Replication Agent connects out on.
pub const AGENT_PORTS: [u16; 2] = [443, 1500];

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Egress {
    /// The saved firewall rules, when the host has them.
    pub firewall: Option<Firewall>,
    pub proxies: Vec<ProxySetting>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firewall {
    pub path: String,
    pub default_deny: bool,
    /// Of `AGENT_PORTS`, those no rule lets out.
    pub blocked_ports: Vec<u16>,
    /// The line that sets the policy (`path:line: text`).
    pub policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProxySetting {
    pub declared_in: String,
    pub variable: String,
    /// The proxy, with any `user:password@` blanked.
    pub value: String,
}

/// A saved ruleset's reader, and one for proxy settings.
type RulesetParser = fn(&[u8]) -> Parsed<Option<egress::Egress>>;
type ProxyParser = fn(&[u8]) -> Parsed<Vec<Proxy>>;

pub fn egress(f: &Facts) -> Egress {
    let rulesets: [(&'static Source, RulesetParser); 2] = [
        (&src::IPTABLES_SAVED, egress::iptables),
        (&src::NFTABLES_CONF, egress::nftables),
    ];
    let mut firewall = None;
    'found: for (source, parse) in rulesets {
        for path in source.paths {
            let Some(e) = f.parse_at(source, path, parse).flatten() else {
                continue;
            };
            firewall = Some(Firewall {
                path: path.to_string(),
                default_deny: e.default_deny,
                blocked_ports: AGENT_PORTS.into_iter().filter(|p| !e.allows(*p)).collect(),
                policy: e.policy_line.map(|(n, l)| format!("{path}:{n}: {l}")),
            });
            break 'found;
        }
    }
    let readers: [(&'static Source, ProxyParser); 3] = [
        (&src::ENV_PROXY, egress::env_proxies),
        (&src::APT_PROXY, egress::apt_proxies),
        (&src::YUM_PROXY, egress::yum_proxies),
    ];
    let mut proxies = Vec::new();
    for (source, parse) in readers {
        let mut paths: Vec<String> = Vec::new();
        for p in source.paths {
            if p.contains('*') {
                paths.extend(f.glob_at(source, p));
            } else {
                paths.push(p.to_string());
            }
        }
        for path in paths {
            let Some(list) = f.parse_at(source, &path, parse) else {
                continue;
            };
            proxies.extend(list.into_iter().map(|p| ProxySetting {
                declared_in: format!("{path}:{}", p.line),
                variable: p.variable,
                value: p.value,
            }));
        }
    }
    Egress { firewall, proxies }
}
