//! nginx's configuration (`/etc/nginx/nginx.conf` and what it includes):
//! its `server` blocks as virtual hosts. `include` is followed with its
//! glob through the model's loader, relative to the prefix `/etc/nginx`,
//! within [`web_server::MAX_DEPTH`] and [`web_server::MAX_FILES`].
//!
//! ```text
//! http {
//!     include /etc/nginx/sites-enabled/*;
//! }
//! server {
//!     listen 443 ssl;
//!     server_name shop.example.com;
//!     root /srv/shop;
//!     ssl_certificate /etc/ssl/certs/shop.pem;
//! }
//! ```

use super::web_server::{self, Loader, Reading, Site, VirtualHost};
use super::Parsed;

pub const PREFIX: &str = "/etc/nginx";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Directive {
    name: String,
    args: Vec<String>,
    /// Some for a block (`server { ... }`), even an empty one.
    block: Option<Vec<Directive>>,
    at: String,
}

/// Most tokens read from one file: a hostile file is cut, and said so.
const MAX_TOKENS: usize = 200_000;

fn tokens(text: &str) -> Vec<(String, usize, bool)> {
    // (token, line, quoted)
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(&c) = chars.peek() {
        if out.len() >= MAX_TOKENS {
            break;
        }
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '{' | '}' | ';' => {
                out.push((c.to_string(), line, false));
                chars.next();
            }
            '"' | '\'' => {
                chars.next();
                let mut s = String::new();
                while let Some(c2) = chars.next() {
                    match c2 {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        c2 if c2 == c => break,
                        '\n' => {
                            line += 1;
                            s.push('\n');
                        }
                        c2 => s.push(c2),
                    }
                }
                out.push((s, line, true));
            }
            _ => {
                let mut s = String::new();
                while let Some(&c2) = chars.peek() {
                    if c2.is_whitespace() || matches!(c2, '{' | '}' | ';') {
                        break;
                    }
                    s.push(c2);
                    chars.next();
                }
                out.push((s, line, false));
            }
        }
    }
    out
}

fn parse_file(
    path: &str,
    bytes: &[u8],
    r: &mut Reading,
    load: &mut Loader,
    depth: usize,
) -> Vec<Directive> {
    let text = super::text(bytes);
    let toks = tokens(&text);
    if toks.len() >= MAX_TOKENS {
        r.skip(
            path,
            None,
            format!("more than {MAX_TOKENS} tokens, the rest not read"),
        );
    }
    let mut stack: Vec<Vec<Directive>> = vec![Vec::new()];
    let mut words: Vec<String> = Vec::new();
    let mut start = 0;
    for (tok, line, quoted) in toks {
        if words.is_empty() {
            start = line;
        }
        match (tok.as_str(), quoted) {
            (";", false) => {
                let mut w = std::mem::take(&mut words).into_iter();
                let Some(name) = w.next() else { continue };
                let args: Vec<String> = w.collect();
                let top = stack.last_mut().expect("the file level is never popped");
                if name == "include" {
                    if let Some(p) = args.first() {
                        let pattern = web_server::absolute(PREFIX, p);
                        for (p, b) in web_server::include(r, load, &pattern, depth + 1) {
                            let inner = parse_file(&p, &b, r, load, depth + 1);
                            stack.last_mut().expect("file level").extend(inner);
                        }
                    }
                    continue;
                }
                top.push(Directive {
                    name,
                    args,
                    block: None,
                    at: format!("{path}:{start}"),
                });
            }
            ("{", false) => {
                // The directive's words wait on the stack as a block header.
                let mut w = std::mem::take(&mut words).into_iter();
                let name = w.next().unwrap_or_default();
                let header = Directive {
                    name,
                    args: w.collect(),
                    block: None,
                    at: format!("{path}:{start}"),
                };
                stack.last_mut().expect("file level").push(header);
                stack.push(Vec::new());
            }
            ("}", false) => {
                if stack.len() == 1 {
                    r.skip(path, Some(line), "'}' with no block open");
                    continue;
                }
                let body = stack.pop().expect("checked above");
                if let Some(h) = stack.last_mut().and_then(|l| l.last_mut()) {
                    h.block = Some(body);
                }
            }
            _ => words.push(tok),
        }
    }
    if stack.len() > 1 {
        r.skip(path, None, "a block is not closed");
        while stack.len() > 1 {
            let body = stack.pop().expect("len > 1");
            if let Some(h) = stack.last_mut().and_then(|l| l.last_mut()) {
                h.block = Some(body);
            }
        }
    }
    stack.pop().unwrap_or_default()
}

/// The main file and everything it includes; never broken (see
/// [`Reading`]).
pub fn parse(path: &str, bytes: &[u8], load: &mut Loader) -> Parsed<Site> {
    let mut r = Reading::new(path);
    let top = parse_file(path, bytes, &mut r, load, 0);
    collect(&top, None, &mut r.site);
    r.done()
}

fn arg(d: &Directive) -> Option<String> {
    d.args.first().cloned()
}

fn cert(path: Option<String>) -> Option<String> {
    path.filter(|p| !p.contains('$'))
        .map(|p| web_server::absolute(PREFIX, &p))
}

/// Server blocks anywhere under `http`, with the http level's
/// certificate as their default.
fn collect(list: &[Directive], inherited: Option<&str>, site: &mut Site) {
    let here = list
        .iter()
        .find(|d| d.name == "ssl_certificate")
        .and_then(arg);
    let cert_default = here.as_deref().or(inherited);
    for d in list {
        let Some(block) = &d.block else { continue };
        if d.name == "server" {
            let mut h = VirtualHost {
                declared_in: d.at.clone(),
                ..VirtualHost::default()
            };
            for x in block {
                match x.name.as_str() {
                    "listen" => h.listen.push(x.args.join(" ")),
                    "server_name" => h.names.extend(x.args.iter().cloned()),
                    "root" => h.document_root = arg(x),
                    "ssl_certificate" => h.certificate = cert(arg(x)),
                    _ => {}
                }
            }
            if h.certificate.is_none() {
                h.certificate = cert(cert_default.map(str::to_string));
            }
            if h.listen.is_empty() {
                h.listen.push("80".into());
            }
            site.listen.extend(h.listen.iter().cloned());
            site.hosts.push(h);
        } else if matches!(d.name.as_str(), "http" | "stream") {
            collect(block, cert_default, site);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loader(
        files: &'static [(&'static str, &'static str)],
    ) -> impl FnMut(&str) -> Vec<(String, Vec<u8>)> {
        move |pattern: &str| {
            files
                .iter()
                .filter(|(p, _)| {
                    let (dir, pat) = pattern.rsplit_once('/').unwrap();
                    let (pd, name) = p.rsplit_once('/').unwrap();
                    pd == dir && lift_bundle::paths::matches(pat.as_bytes(), name.as_bytes())
                })
                .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
                .collect()
        }
    }

    #[test]
    fn servers_through_globbed_includes() {
        let main = "http {\n  ssl_certificate certs/default.pem;\n  include /etc/nginx/sites-enabled/*;\n}\n";
        let mut load = loader(&[
            ("/etc/nginx/sites-enabled/plain", "server { server_name _; root /var/www/html; }"),
            (
                "/etc/nginx/sites-enabled/shop",
                "server {\n listen 8443 ssl;\n server_name shop.example.com \"www.shop.example.com\";\n root /srv/shop; # docs\n ssl_certificate /etc/ssl/shop.pem;\n include snippets/x-*.conf;\n}\n",
            ),
            ("/etc/nginx/snippets/x-a.conf", "location / { root /srv/a; }\n"),
        ]);
        let site = parse("/etc/nginx/nginx.conf", main.as_bytes(), &mut load).unwrap();
        assert_eq!(site.errors, []);
        assert_eq!(site.hosts.len(), 2);
        let plain = &site.hosts[0];
        assert_eq!(plain.names, ["_"]);
        assert_eq!(plain.listen, ["80"]);
        assert_eq!(
            plain.certificate.as_deref(),
            Some("/etc/nginx/certs/default.pem")
        );
        let shop = &site.hosts[1];
        assert_eq!(shop.names, ["shop.example.com", "www.shop.example.com"]);
        assert_eq!(shop.listen, ["8443 ssl"]);
        assert_eq!(shop.document_root.as_deref(), Some("/srv/shop"));
        assert_eq!(shop.certificate.as_deref(), Some("/etc/ssl/shop.pem"));
        assert_eq!(shop.declared_in, "/etc/nginx/sites-enabled/shop:1");
        assert_eq!(site.files.len(), 4);
    }

    #[test]
    fn an_include_loop_and_broken_braces_are_bounded() {
        let mut load = loader(&[(
            "/etc/nginx/loop.conf",
            "include loop.conf; server { listen 1;",
        )]);
        let site = parse(
            "/etc/nginx/nginx.conf",
            b"include loop.conf; } server { listen 2; }",
            &mut load,
        )
        .unwrap();
        assert_eq!(site.hosts.len(), 2, "{site:?}");
        // The main file's stray brace by line; the included file's open
        // block by its name.
        let stray = site
            .errors
            .iter()
            .find(|e| e.message.contains("no block open"));
        assert_eq!(stray.and_then(|e| e.line), Some(1), "{:?}", site.errors);
        assert!(site.errors.iter().any(
            |e| e.line.is_none() && e.message == "/etc/nginx/loop.conf: a block is not closed"
        ));
    }
}
