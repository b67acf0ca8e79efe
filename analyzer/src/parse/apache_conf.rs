//! Apache httpd's configuration (`apache2.conf` on Debian, `httpd.conf`
//! on Red Hat, and what they include): `Listen`, and each
//! `<VirtualHost>` as a virtual host. `Include` and `IncludeOptional` are
//! followed with their glob, relative to the server root, through the
//! model's loader within [`web_server::MAX_DEPTH`] and
//! [`web_server::MAX_FILES`]. Directives are case-insensitive; a line
//! ending in `\` continues.
//!
//! ```text
//! Listen 443
//! <VirtualHost _default_:443>
//!     ServerName www.example.com
//!     DocumentRoot /var/www/html
//!     SSLCertificateFile /etc/ssl/certs/ssl-cert-snakeoil.pem
//! </VirtualHost>
//! ```

use super::web_server::{self, Loader, Reading, Site, VirtualHost};
use super::{ParseError, Parsed};

/// Most lines read from one file.
const MAX_LINES: usize = 100_000;

/// The main file (`root` is ServerRoot: `/etc/apache2`, `/etc/httpd`) and
/// everything it includes; never broken (see [`Reading`]).
pub fn parse(root: &str, path: &str, bytes: &[u8], load: &mut Loader) -> Parsed<Site> {
    let mut r = Reading::new(path);
    let mut open: Option<VirtualHost> = None;
    file(root, path, bytes, &mut r, load, 0, &mut open);
    if let Some(h) = open {
        r.errors.push(ParseError::new(format!(
            "{}: <VirtualHost> not closed",
            h.declared_in
        )));
        r.site.hosts.push(h);
    }
    r.done()
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_string()
}

fn file(
    root: &str,
    path: &str,
    bytes: &[u8],
    r: &mut Reading,
    load: &mut Loader,
    depth: usize,
    open: &mut Option<VirtualHost>,
) {
    let text = super::text(bytes);
    let mut pending = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if i >= MAX_LINES {
            r.skip(
                path,
                None,
                format!("more than {MAX_LINES} lines, the rest not read"),
            );
            break;
        }
        if pending.is_empty() {
            start = i + 1;
        }
        if let Some(head) = raw.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        let line = std::mem::take(&mut pending);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let args: Vec<&str> = words.collect();
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "<virtualhost" => {
                let mut addrs: Vec<String> = args.iter().map(|a| unquote(a)).collect();
                if let Some(last) = addrs.last_mut() {
                    *last = last.trim_end_matches('>').to_string();
                }
                *open = Some(VirtualHost {
                    listen: addrs.into_iter().filter(|a| !a.is_empty()).collect(),
                    declared_in: format!("{path}:{start}"),
                    ..VirtualHost::default()
                });
            }
            "</virtualhost>" => match open.take() {
                Some(h) => r.site.hosts.push(h),
                None => r.skip(path, Some(start), "</VirtualHost> with none open"),
            },
            "listen" if !args.is_empty() => r.site.listen.push(args.join(" ")),
            "include" | "includeoptional" => {
                let Some(p) = args.first() else { continue };
                let pattern = web_server::absolute(root, &unquote(p));
                for (p, b) in web_server::include(r, load, &pattern, depth + 1) {
                    file(root, &p, &b, r, load, depth + 1, open);
                }
            }
            _ => {
                let Some(h) = open.as_mut() else { continue };
                let value = args.first().map(|a| unquote(a));
                match lower.as_str() {
                    "servername" => h.names.extend(value),
                    "serveralias" => h.names.extend(args.iter().map(|a| unquote(a))),
                    "documentroot" => h.document_root = value,
                    "sslcertificatefile" => {
                        h.certificate = value.map(|v| web_server::absolute(root, &v))
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_hosts_through_includes() {
        let main = "ServerRoot \"/etc/apache2\"\nInclude ports.conf\nIncludeOptional sites-enabled/*.conf\n";
        let mut load = |pattern: &str| -> Vec<(String, Vec<u8>)> {
            match pattern {
                "/etc/apache2/ports.conf" => vec![(pattern.into(), b"Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n".to_vec())],
                "/etc/apache2/sites-enabled/*.conf" => vec![(
                    "/etc/apache2/sites-enabled/default-ssl.conf".into(),
                    b"<VirtualHost _default_:443>\n\tServerAdmin webmaster@localhost\n\tServerName www.example.com\n\tServerAlias example.com \\\n\t  static.example.com\n\tDocumentRoot /var/www/html\n\tSSLEngine on\n\tSSLCertificateFile\t/etc/ssl/certs/ssl-cert-snakeoil.pem\n</VirtualHost>\n".to_vec(),
                )],
                _ => Vec::new(),
            }
        };
        let site = parse(
            "/etc/apache2",
            "/etc/apache2/apache2.conf",
            main.as_bytes(),
            &mut load,
        )
        .unwrap();
        assert_eq!(site.errors, []);
        assert_eq!(site.listen, ["80", "443"]);
        assert_eq!(site.hosts.len(), 1);
        let h = &site.hosts[0];
        assert_eq!(h.listen, ["_default_:443"]);
        assert_eq!(
            h.names,
            ["www.example.com", "example.com", "static.example.com"]
        );
        assert_eq!(h.document_root.as_deref(), Some("/var/www/html"));
        assert_eq!(
            h.certificate.as_deref(),
            Some("/etc/ssl/certs/ssl-cert-snakeoil.pem")
        );
        assert_eq!(
            h.declared_in,
            "/etc/apache2/sites-enabled/default-ssl.conf:1"
        );
    }

    #[test]
    fn includes_of_itself_stop() {
        let mut load = |p: &str| {
            vec![(
                p.to_string(),
                b"Include /etc/httpd/conf/httpd.conf\n".to_vec(),
            )]
        };
        let site = parse(
            "/etc/httpd",
            "/etc/httpd/conf/x.conf",
            b"Include conf/httpd.conf\n</VirtualHost>\n",
            &mut load,
        )
        .unwrap();
        assert_eq!(site.files.len(), 2);
        let none_open = site.errors.iter().find(|e| e.message.contains("none open"));
        assert_eq!(none_open.and_then(|e| e.line), Some(2), "{:?}", site.errors);
    }
}
