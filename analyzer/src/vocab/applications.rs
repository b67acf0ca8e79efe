//! A web server's virtual hosts (`parse::web_server`, nginx and Apache) and
//! a Java server's connectors (`parse::server_xml`), filled by the parsers as
//! the Host keeps them.

use serde::Serialize;

/// A web server's virtual host (nginx `server`, Apache `<VirtualHost>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VirtualHost {
    /// server_name / ServerName and ServerAlias, as written.
    pub names: Vec<String>,
    /// listen / the `<VirtualHost>` addresses: `443 ssl`, `*:80`.
    pub listen: Vec<String>,
    pub document_root: Option<String>,
    /// The certificate file it serves (absolute).
    pub certificate: Option<String>,
    /// `path:line` of the block.
    pub declared_in: String,
}

/// A Java application server's connector (Tomcat, WildFly).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Connector {
    pub port: Option<u16>,
    /// `HTTP/1.1`, `AJP/1.3`, a class name; WildFly: `http`, `https`, `ajp`.
    pub protocol: Option<String>,
    pub tls: bool,
    pub address: Option<String>,
    /// A certificate file it names (a keystore is not followed: it holds keys).
    pub certificate: Option<String>,
}
