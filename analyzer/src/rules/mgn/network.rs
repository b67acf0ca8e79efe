//! The agent's networking requirement: outbound TCP 443 and 1500 to AWS
//! ("ensure that your setup meets all networking requirements"). Reaching
//! them cannot be proven from a snapshot, so the check is `unknown` unless
//! the configuration shows why it will fail or what the installer must be
//! told.

use crate::model::egress::AGENT_PORTS;
use crate::model::Host;
use crate::rules::Identified;
use crate::rules::{Finding, Rule, Severity};
use crate::sources::{self, Missing, State};

pub struct Network;

impl Rule for Network {
    fn check(&self, host: &Host) -> Finding {
        let e = &host.egress;
        let mut problems = Vec::new();
        let mut f = Finding::new(self.id(), Severity::Warning, String::new());
        if let Some(fw) = e
            .firewall
            .as_ref()
            .filter(|fw| !fw.blocked_ports.is_empty())
        {
            let ports: Vec<String> = fw.blocked_ports.iter().map(u16::to_string).collect();
            problems.push(format!(
                "the saved firewall ({}) drops outbound traffic and lets no TCP {} out",
                fw.path,
                ports.join(" or ")
            ));
            if let Some(p) = &fw.policy {
                f = f.evidence(fw.path.clone(), p.clone());
            }
            f = f.remediation(format!(
                "Allow outbound TCP {} to AWS before installing (iptables -I OUTPUT -p tcp -m multiport --dports 443,1500 -j ACCEPT, or the nftables equivalent) and save the rules",
                ports.join(" and ")
            ));
        }
        if !e.proxies.is_empty() {
            problems.push(format!(
                "a proxy is configured ({}): the installer must be told to use it",
                e.proxies
                    .iter()
                    .map(|p| format!("{}={}", p.variable, p.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for p in e.proxies.iter().take(5) {
                f = f.evidence(p.declared_in.clone(), format!("{}={}", p.variable, p.value));
            }
            if f.remediation.is_none() {
                f = f.remediation("Run the installer with https_proxy set (sudo https_proxy=http://PROXY:PORT python3 aws-replication-installer-init.py ...) and let the proxy pass TCP 1500, or open a direct route");
            }
        }
        if !problems.is_empty() {
            f.detail = problems.join("; ");
            return f;
        }
        let firewall = match &e.firewall {
            Some(fw) if fw.default_deny => {
                format!("the saved firewall ({}) lets TCP 443 and 1500 out", fw.path)
            }
            Some(fw) => format!(
                "the saved firewall ({}) does not restrict outbound traffic",
                fw.path
            ),
            None => "no saved firewall rules restrict outbound traffic".to_string(),
        };
        let mut lacking = vec![Missing {
            source: format!(
                "outbound TCP {} to AWS",
                AGENT_PORTS.map(|p| p.to_string()).join(" and ")
            ),
            spec: sources::IPTABLES_SAVED.spec,
            state: State::NotCollected,
            detail: "reachability cannot be proven from a snapshot: try from the host, e.g. curl -sv https://mgn.REGION.amazonaws.com and nc -vz REPLICATION-SERVER 1500".into(),
        }];
        lacking.extend(
            host.sources
                .missing(&[&sources::IPTABLES_SAVED, &sources::NFTABLES_CONF])
                .into_iter()
                .filter(|m| m.state != State::Absent),
        );
        Finding::new(
            self.id(),
            Severity::Unknown,
            format!("{firewall}, and no proxy is configured; whether the network lets the agent out is not in the snapshot"),
        )
        .lacking(lacking)
        .remediation("try from the host: curl -sv https://mgn.REGION.amazonaws.com and nc -vz REPLICATION-SERVER 1500")
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::host_of;
    use super::*;
    use crate::testing::{copy_tree, fixture, TempRoot};

    fn with(case: &str) -> Host {
        let r = TempRoot::new();
        copy_tree(&fixture("mgn/ready-debian12"), r.path());
        copy_tree(&fixture(&format!("egress/{case}")), r.path());
        host_of(r.path())
    }

    #[test]
    fn blocked_egress_and_proxies_warn_else_unknown() {
        let f = Network.check(&with("blocked"));
        f.assert_says(Severity::Warning, "no TCP 443 or 1500 out");
        assert_eq!(
            f.evidence[0].excerpt,
            "/etc/sysconfig/iptables:5: :OUTPUT DROP [0:0]"
        );
        let f = Network.check(&with("nftables"));
        assert_eq!(f.severity, Severity::Warning, "{}", f.detail);
        let f = Network.check(&with("proxy"));
        f.assert_says(
            Severity::Warning,
            "https_proxy=http://proxy.example.lan:3128/",
        );
        let f = Network.check(&with("allowed"));
        f.assert_says(Severity::Unknown, "lets TCP 443 and 1500 out");
        assert_eq!(f.missing[0].state, State::NotCollected);
        let plain = Network.check(&host_of(&fixture("mgn/ready-debian12")));
        assert_eq!(plain.severity, Severity::Unknown);
        assert!(!plain.missing.is_empty());
    }
}
