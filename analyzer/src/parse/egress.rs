//! What a host's saved configuration says about reaching the outside:
//! the firewall's egress policy (iptables-save files, nftables rulesets)
//! and the proxies programs are told to use (environment files, apt, yum
//! and dnf). Bytes in, typed values out; the AWS MGN agent needs outbound
//! TCP 443 and 1500.
//!
//! Sample (iptables-save, as `iptables-save` v1.8.9 writes it):
//!
//! ```text
//! *filter
//! :OUTPUT DROP [0:0]
//! -A OUTPUT -p tcp -m multiport --dports 443,1500 -j ACCEPT
//! COMMIT
//! ```

/// The output chain's policy, and the TCP ports its rules accept.
use super::{shown, ParseError, Parsed, Partial};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Egress {
    /// The output chain drops or rejects what no rule accepts.
    pub default_deny: bool,
    /// A rule accepts all TCP (no port, no address restriction).
    pub accepts_all_tcp: bool,
    /// TCP destination ports some rule accepts (ranges expanded up to 65535).
    pub tcp_ports: Vec<(u16, u16)>,
    /// The policy line, for evidence.
    pub policy_line: Option<(usize, String)>,
}

impl Egress {
    pub fn allows(&self, port: u16) -> bool {
        !self.default_deny
            || self.accepts_all_tcp
            || self
                .tcp_ports
                .iter()
                .any(|(a, b)| (*a..=*b).contains(&port))
    }
}

fn ports(list: &str) -> Vec<(u16, u16)> {
    list.split(',')
        .filter_map(|p| {
            let p = p.trim();
            let (a, b) = p.split_once([':', '-']).unwrap_or((p, p));
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

/// An iptables-save file's filter table: `:OUTPUT DROP`, `-A OUTPUT` rules,
/// and a last rule that drops everything.
pub fn iptables(bytes: &[u8]) -> Parsed<Option<Egress>> {
    let text = String::from_utf8_lossy(bytes);
    let mut in_filter = false;
    let mut seen = false;
    let mut e = Egress::default();
    let mut errors = Vec::new();
    // The table being read, and its line: iptables-restore wants each
    // closed by COMMIT.
    let mut open: Option<usize> = None;
    let mut tables = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(table) = line.strip_prefix('*') {
            if let Some(at) = open {
                errors.push(ParseError::at_line(at, "table not closed by COMMIT"));
            }
            in_filter = table == "filter";
            open = Some(i + 1);
            tables += 1;
            continue;
        }
        if line == "COMMIT" {
            open = None;
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if open.is_none() || !line.starts_with([':', '-']) {
            errors.push(ParseError::at_line(
                i + 1,
                format!("not an iptables-save line: {}", shown(line)),
            ));
            continue;
        }
        if !in_filter {
            continue;
        }
        if let Some(rest) = line.strip_prefix(":OUTPUT ") {
            seen = true;
            let policy = rest.split_whitespace().next().unwrap_or("");
            e.default_deny = matches!(policy, "DROP" | "REJECT");
            e.policy_line = Some((i + 1, line.to_string()));
            continue;
        }
        let Some(rule) = line.strip_prefix("-A OUTPUT") else {
            continue;
        };
        seen = true;
        let words: Vec<&str> = rule.split_whitespace().collect();
        let arg = |flag: &str| {
            words
                .iter()
                .position(|w| *w == flag)
                .and_then(|i| words.get(i + 1).copied())
        };
        match arg("-j") {
            Some("ACCEPT") if matches!(arg("-p"), Some("tcp" | "6") | None) => {
                match arg("--dport").or(arg("--dports")) {
                    Some(p) => e.tcp_ports.extend(ports(p)),
                    // Accepts every TCP packet unless it names an address, an
                    // interface or a match (state, owner, ...).
                    None if arg("-d").is_none()
                        && arg("-o").is_none()
                        && arg("-m").is_none_or(|m| m == "tcp") =>
                    {
                        e.accepts_all_tcp = true
                    }
                    None => {}
                }
            }
            Some("DROP" | "REJECT") if words.len() == 2 => {
                e.default_deny = true;
                e.policy_line = Some((i + 1, line.to_string()));
            }
            _ => {}
        }
    }
    if tables == 0 && !errors.is_empty() {
        return Err(ParseError::new("no *table line: not iptables-save output"));
    }
    if let Some(at) = open {
        errors.push(ParseError::at_line(at, "table not closed by COMMIT"));
    }
    Ok(Partial::new(seen.then_some(e), errors))
}

/// An nftables ruleset: the chains hooked at `output` with `policy drop`,
/// and their `tcp dport` accepts.
pub fn nftables(bytes: &[u8]) -> Parsed<Option<Egress>> {
    let text = String::from_utf8_lossy(bytes);
    let mut e = Egress::default();
    let mut in_output = false;
    let mut seen = false;
    let mut depth = 0i32;
    let mut chain_depth = 0i32;
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.starts_with("chain ") && line.ends_with('{') {
            chain_depth = depth + 1;
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth < 0 {
            errors.push(ParseError::at_line(i + 1, "a } closes no block"));
            depth = 0;
        }
        if depth < chain_depth {
            in_output = false;
            chain_depth = 0;
        }
        if line.contains("hook output") {
            in_output = true;
            seen = true;
            if line.contains("policy drop") || line.contains("policy reject") {
                e.default_deny = true;
                e.policy_line = Some((i + 1, line.to_string()));
            }
            continue;
        }
        if !in_output || !line.ends_with("accept") {
            continue;
        }
        if let Some(rest) = line.split("tcp dport").nth(1) {
            let list = rest.trim().trim_end_matches("accept").trim();
            let list = list.trim_start_matches('{').trim_end_matches('}');
            e.tcp_ports.extend(ports(list));
        } else if line == "accept" || line == "meta l4proto tcp accept" {
            e.accepts_all_tcp = true;
        }
    }
    if depth > 0 {
        errors.push(ParseError::new(format!(
            "{depth} unclosed {{ at end of file"
        )));
    }
    Ok(Partial::new(seen.then_some(e), errors))
}

/// One proxy setting: where, which variable, and the proxy with any
/// credentials blanked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub line: usize,
    pub variable: String,
    pub value: String,
}

const PROXY_VARS: &[&str] = &["https_proxy", "http_proxy", "all_proxy"];

/// `user:password@` in a proxy URL never reaches a report.
fn without_credentials(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            format!("{}<credentials>@{}", &url[..s + 3], &url[at + 1..])
        }
        (None, Some(at)) => format!("<credentials>@{}", &url[at + 1..]),
        _ => url.to_string(),
    }
}

fn unquote(v: &str) -> &str {
    v.trim()
        .trim_end_matches(';')
        .trim()
        .trim_matches('"')
        .trim_matches('\'')
}

/// Shell-style assignments (`/etc/environment`, profile.d scripts):
/// `[export ]https_proxy=VALUE`, any case.
pub fn env_proxies(bytes: &[u8]) -> Parsed<Vec<Proxy>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l).trim();
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if PROXY_VARS.contains(&k.to_ascii_lowercase().as_str()) && !unquote(v).is_empty() {
            out.push(Proxy {
                line: i + 1,
                variable: k.to_string(),
                value: without_credentials(unquote(v)),
            });
        }
    }
    super::whole(out)
}

/// apt's `Acquire::http[s]::Proxy "URL";` (apt.conf(5)), also written in
/// nested form on one line. A host's own setting,
/// `Acquire::http::Proxy::"127.0.0.1" "DIRECT";` (as juju writes them), is
/// an exception when it says DIRECT, and a proxy for that host alone
/// otherwise (its variable names the host). `Proxy-Auto-Detect` names a
/// program, not a proxy.
///
/// ```text
/// Acquire::http::Proxy "http://10.0.0.2:8000";
/// Acquire::http::Proxy::"127.0.0.1" "DIRECT";
/// Acquire::https::Proxy::mirror.corp.lan "http://10.0.0.9:3128";
/// ```
pub fn apt_proxies(bytes: &[u8]) -> Parsed<Vec<Proxy>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with("//") || l.starts_with('#') {
            continue;
        }
        let lower = l.to_ascii_lowercase();
        for var in ["acquire::https::proxy", "acquire::http::proxy"] {
            let Some(pos) = lower.find(var) else {
                continue;
            };
            let rest = &l[pos + var.len()..];
            let mut variable = l[pos..pos + var.len()].to_string();
            let value = match rest.strip_prefix("::") {
                Some(host_and_value) => {
                    let host_and_value = host_and_value.trim_start();
                    let (host, value) = match host_and_value.strip_prefix('"') {
                        Some(q) => q.split_once('"').unwrap_or((q, "")),
                        None => host_and_value
                            .split_once(char::is_whitespace)
                            .unwrap_or((host_and_value, "")),
                    };
                    variable = format!("{variable}::{host}");
                    value
                }
                None if rest.starts_with(|c: char| c.is_whitespace() || c == '"' || c == '{') => {
                    rest
                }
                None => break,
            };
            let v = unquote(value);
            if !v.is_empty() && !v.eq_ignore_ascii_case("DIRECT") {
                out.push(Proxy {
                    line: i + 1,
                    variable,
                    value: without_credentials(v),
                });
            }
            break;
        }
    }
    super::whole(out)
}

/// yum.conf and dnf.conf: `proxy=URL` in any section (`_none_` turns it off).
pub fn yum_proxies(bytes: &[u8]) -> Parsed<Vec<Proxy>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        let v = unquote(v);
        if k.trim() == "proxy" && !v.is_empty() && v != "_none_" {
            out.push(Proxy {
                line: i + 1,
                variable: "proxy".into(),
                value: without_credentials(v),
            });
        }
    }
    super::whole(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../fixtures/egress/{rel}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// Issue 22: a saved ruleset iptables-restore would refuse says so,
    /// by line, and a file that is no iptables-save output is broken.
    #[test]
    fn damaged_rulesets_are_partial_or_broken() {
        for f in [
            "blocked/etc/sysconfig/iptables",
            "allowed/etc/iptables/rules.v4",
        ] {
            assert_eq!(iptables(&fixture(f)).unwrap().errors, [], "{f}");
        }
        let p = iptables(b"*filter\n:OUTPUT DROP [0:0]\nbogus line\n").unwrap();
        assert!(p.value.unwrap().default_deny);
        let lines: Vec<_> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(3), Some(1)], "{:?}", p.errors);
        assert!(iptables(b"[Unit]\nDescription=not a ruleset\n").is_err());
        assert!(iptables(b"# empty\n\n").unwrap().value.is_none());
        let p = nftables(b"table inet filter {\n  chain output {\n    type filter hook output priority 0; policy drop;\n").unwrap();
        assert!(p.value.unwrap().default_deny);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let p = nftables(b"}\n").unwrap();
        assert_eq!(p.errors[0].line, Some(1));
    }

    #[test]
    fn iptables_save_output_policy_and_ports() {
        let blocked = iptables(&fixture("blocked/etc/sysconfig/iptables"))
            .unwrap()
            .value
            .unwrap();
        assert!(blocked.default_deny);
        assert!(blocked.allows(22) && !blocked.allows(443) && !blocked.allows(1500));
        assert_eq!(
            blocked.policy_line.as_ref().unwrap().1,
            ":OUTPUT DROP [0:0]"
        );
        let allowed = iptables(&fixture("allowed/etc/iptables/rules.v4"))
            .unwrap()
            .value
            .unwrap();
        assert!(allowed.default_deny && allowed.allows(443) && allowed.allows(1500));
        let open = iptables(b"*filter\n:INPUT DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
            .unwrap()
            .value
            .unwrap();
        assert!(open.allows(443));
        // A final catch-all reject denies by default too.
        let tail = iptables(b"*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 1000:2000 -j ACCEPT\n-A OUTPUT -j REJECT\nCOMMIT\n").unwrap().value.unwrap();
        assert!(tail.default_deny && tail.allows(1500) && !tail.allows(443));
        assert_eq!(
            iptables(b"*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
                .unwrap()
                .value,
            None
        );
    }

    /// juju's 95-juju-proxy-settings on hotsos's OpenStack compute node:
    /// one proxy, nine DIRECT exceptions (issue 26, item 8).
    #[test]
    fn apt_per_host_exceptions_are_not_proxies() {
        let b = std::fs::read(format!(
            "{}/../fixtures/sos-hotsos-openstack/etc/apt/apt.conf.d/95-juju-proxy-settings",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let p = apt_proxies(&b).unwrap().value;
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].value, "http://10.0.0.2:8000");
        assert_eq!(p[0].variable, "Acquire::http::Proxy");
        let host = apt_proxies(b"Acquire::https::Proxy::mirror.corp.lan \"http://10.0.0.9:3128\";\nAcquire::http::Proxy-Auto-Detect \"/usr/bin/auto-apt-proxy\";\n").unwrap().value;
        assert_eq!(host.len(), 1, "{host:?}");
        assert_eq!(host[0].variable, "Acquire::https::Proxy::mirror.corp.lan");
        assert_eq!(host[0].value, "http://10.0.0.9:3128");
    }

    #[test]
    fn nftables_output_hook() {
        let e = nftables(&fixture("nftables/etc/nftables.conf"))
            .unwrap()
            .value
            .unwrap();
        assert!(e.default_deny, "{e:?}");
        assert!(e.allows(80) && !e.allows(443), "{e:?}");
        // Debian's shipped /etc/nftables.conf: an output chain, no policy.
        let debian = b"table inet filter {\n\tchain output {\n\t\ttype filter hook output priority filter;\n\t}\n}\n";
        assert!(nftables(debian).unwrap().value.unwrap().allows(443));
    }

    #[test]
    fn proxies_without_credentials() {
        let env = env_proxies(&fixture("proxy/etc/environment"))
            .unwrap()
            .value;
        assert_eq!(env.len(), 1);
        assert_eq!(
            (env[0].line, env[0].value.as_str()),
            (2, "http://proxy.example.lan:3128/")
        );
        let sh = env_proxies(&fixture("proxy/etc/profile.d/proxy.sh"))
            .unwrap()
            .value;
        assert_eq!(
            sh.iter().map(|p| p.variable.as_str()).collect::<Vec<_>>(),
            ["HTTP_PROXY", "http_proxy"]
        );
        let apt = apt_proxies(&fixture("proxy/etc/apt/apt.conf.d/95proxy"))
            .unwrap()
            .value;
        assert_eq!(apt.len(), 2);
        let yum = yum_proxies(b"[main]\nproxy=http://bob:s3cret@proxy.example.lan:3128\n")
            .unwrap()
            .value;
        assert_eq!(yum[0].value, "http://<credentials>@proxy.example.lan:3128");
        assert!(yum_proxies(b"proxy=_none_\n").unwrap().value.is_empty());
    }
}
