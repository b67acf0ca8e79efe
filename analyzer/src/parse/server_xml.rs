//! The connectors of Java application servers: Tomcat's `server.xml`
//! (`<Connector port=... protocol=... SSLEnabled=...>` with its
//! `<Certificate certificateFile=...>`) and JBoss/WildFly's
//! `standalone.xml` (`<http-listener>`/`<https-listener>` by their
//! `<socket-binding>`, whose port may be `${jboss.http.port:8080}`). A tag
//! scanner, not an XML parser: comments are skipped, attributes read from
//! start tags; bounded in tags.
//!
//! ```text
//! <Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000" redirectPort="8443" />
//! <socket-binding name="https" port="${jboss.https.port:8443}"/>
//! ```

use super::{ParseError, Parsed, Partial};
pub use crate::vocab::applications::Connector;

/// Most tags read from one file.
const MAX_TAGS: usize = 50_000;

struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    closing: bool,
}

/// The tags of a file; a comment or tag left open, or tags past
/// `MAX_TAGS`, end the reading with an error at its byte offset. Text with
/// no tag at all is no XML: broken.
fn tags(text: &str) -> Parsed<Vec<Tag<'_>>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut rest = text;
    let at = |rest: &str| (text.len() - rest.len()) as u64;
    while let Some(i) = rest.find('<') {
        if out.len() >= MAX_TAGS {
            errors.push(ParseError::at_offset(
                at(rest),
                format!("tags past the first {MAX_TAGS} not read"),
            ));
            break;
        }
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = match after.find("-->") {
                Some(j) => &after[j + 3..],
                None => {
                    errors.push(ParseError::at_offset(at(rest), "a comment left open"));
                    ""
                }
            };
            continue;
        }
        let Some(end) = rest.find('>') else {
            errors.push(ParseError::at_offset(at(rest), "a tag left open"));
            break;
        };
        let body = &rest[1..end];
        rest = &rest[end + 1..];
        let closing = body.starts_with('/');
        let body = body.trim_start_matches('/').trim_end_matches('/');
        let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
        let (name, mut a) = body.split_at(name_end);
        let mut attrs = Vec::new();
        while let Some(eq) = a.find('=') {
            let key = a[..eq].trim();
            let v = a[eq + 1..].trim_start();
            let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                break;
            };
            let Some(close) = v[1..].find(q) else { break };
            attrs.push((key, &v[1..1 + close]));
            a = &v[close + 2..];
        }
        out.push(Tag {
            name,
            attrs,
            closing,
        });
    }
    if out.is_empty() && errors.is_empty() && !text.trim().is_empty() {
        return Err(ParseError::new("no XML tag"));
    }
    Ok(Partial::new(out, errors))
}

fn attr<'a>(t: &Tag<'a>, key: &str) -> Option<&'a str> {
    t.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

/// `8080`, or WildFly's `${jboss.http.port:8080}` (its default).
fn port(v: &str) -> Option<u16> {
    let v = v.trim();
    let v = v
        .strip_prefix("${")
        .and_then(|x| x.strip_suffix('}'))
        .and_then(|x| x.rsplit_once(':'))
        .map_or(v, |(_, d)| d);
    v.parse().ok()
}

/// Tomcat's connectors, each with the certificate of its SSLHostConfig.
pub fn tomcat(bytes: &[u8]) -> Parsed<Vec<Connector>> {
    let text = super::text(bytes);
    let mut out: Vec<Connector> = Vec::new();
    let mut inside = false;
    let tags = tags(&text)?;
    for t in tags.value {
        match (t.name, t.closing) {
            ("Connector", false) => {
                let tls = attr(&t, "SSLEnabled").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                    || attr(&t, "secure").is_some_and(|v| v.eq_ignore_ascii_case("true"));
                out.push(Connector {
                    port: attr(&t, "port").and_then(port),
                    protocol: Some(attr(&t, "protocol").unwrap_or("HTTP/1.1").to_string()),
                    tls,
                    address: attr(&t, "address").map(str::to_string),
                    certificate: attr(&t, "certificateFile").map(str::to_string),
                });
                inside = true;
            }
            ("Connector", true) => inside = false,
            ("Certificate", false) if inside => {
                if let (Some(c), Some(f)) = (out.last_mut(), attr(&t, "certificateFile")) {
                    c.certificate = Some(f.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(Partial::new(out, tags.errors))
}

/// WildFly's undertow listeners, with their socket bindings' ports.
pub fn wildfly(bytes: &[u8]) -> Parsed<Vec<Connector>> {
    let text = super::text(bytes);
    let Partial { value: all, errors } = tags(&text)?;
    let binding = |name: &str| {
        all.iter()
            .filter(|t| t.name == "socket-binding" && !t.closing)
            .find(|t| attr(t, "name") == Some(name))
            .and_then(|t| attr(t, "port"))
            .and_then(port)
    };
    let value = all
        .iter()
        .filter(|t| !t.closing)
        .filter_map(|t| {
            let kind = match t.name {
                "http-listener" => "http",
                "https-listener" => "https",
                "ajp-listener" => "ajp",
                _ => return None,
            };
            Some(Connector {
                port: attr(t, "socket-binding").and_then(binding),
                protocol: Some(kind.into()),
                tls: kind == "https",
                address: None,
                certificate: None,
            })
        })
        .collect();
    Ok(Partial::new(value, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tomcat_connectors_skip_comments() {
        let xml = br#"<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="8080" protocol="HTTP/1.1"
               connectionTimeout="20000"
               redirectPort="8443" />
    <!--
    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true" />
    -->
    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol"
               maxThreads="150" SSLEnabled="true">
        <SSLHostConfig>
            <Certificate certificateFile="/etc/tomcat10/tls/cert.pem" type="RSA" />
        </SSLHostConfig>
    </Connector>
  </Service>
</Server>"#;
        let c = tomcat(xml).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].port, c[0].tls), (Some(8080), false));
        assert_eq!((c[1].port, c[1].tls), (Some(8443), true));
        assert_eq!(
            c[1].certificate.as_deref(),
            Some("/etc/tomcat10/tls/cert.pem")
        );
    }

    #[test]
    fn wildfly_listeners_by_binding() {
        let xml = br#"<server xmlns="urn:jboss:domain:20.0">
  <subsystem xmlns="urn:jboss:domain:undertow:13.0">
    <server name="default-server">
      <http-listener name="default" socket-binding="http" redirect-socket="https" enable-http2="true"/>
      <https-listener name="https" socket-binding="https" ssl-context="applicationSSC" enable-http2="true"/>
    </server>
  </subsystem>
  <socket-binding-group name="standard-sockets" default-interface="public" port-offset="${jboss.socket.binding.port-offset:0}">
    <socket-binding name="http" port="${jboss.http.port:8080}"/>
    <socket-binding name="https" port="${jboss.https.port:8443}"/>
  </socket-binding-group>
</server>"#;
        let c = wildfly(xml).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].port, c[0].tls), (Some(8080), false));
        assert_eq!((c[1].port, c[1].tls), (Some(8443), true));
    }

    #[test]
    fn unclosed_tags_and_comments_end_quietly() {
        let open = tomcat(b"<Server>\n<Connector port=\"80").unwrap();
        assert!(open.is_empty());
        assert_eq!(open.errors, [ParseError::at_offset(9, "a tag left open")]);
        let comment = tomcat(b"<!-- <Connector port=\"80\"/>").unwrap();
        assert!(comment.is_empty() && comment.errors.len() == 1);
        assert!(tomcat(b"port=80 plain text\n").is_err());
        assert_eq!(tomcat(b"<Connector port='80' x=>").unwrap().len(), 1);
    }
}
