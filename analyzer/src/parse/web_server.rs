//! What nginx's and Apache httpd's configurations have in common: the
//! virtual hosts they serve, and the bounded way both follow `include`.

use super::{ParseError, Parsed, Partial};
pub use crate::vocab::applications::VirtualHost;

/// Deepest include nesting followed.
pub const MAX_DEPTH: usize = 8;
/// Most files one configuration may pull in through includes.
pub const MAX_FILES: usize = 256;

/// The files an include names, with their content: the model's side of an
/// include (the parsers never open a file). The pattern is absolute.
pub type Loader<'a> = dyn FnMut(&str) -> Vec<(String, Vec<u8>)> + 'a;

/// What a configuration tree gave: its hosts and the files read. What was
/// cut or skipped (the include bounds, a stray brace) is the parse's
/// errors, each naming its file (see [`Reading::skip`]).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Site {
    pub hosts: Vec<VirtualHost>,
    /// `Listen` / every `listen` seen, as written.
    pub listen: Vec<String>,
    pub files: Vec<String>,
}

/// A configuration tree being read: the site so far and what was skipped.
/// A site spans the files it includes (an Apache `<VirtualHost>` may open
/// in one and close in another), so the tree is one parse: the main file's
/// problems are by line, an included file's name that file and its line.
/// Never broken: any text is a configuration, read as far as it goes.
#[derive(Debug)]
pub struct Reading {
    pub site: Site,
    pub errors: Vec<ParseError>,
}

impl Reading {
    pub fn new(main: &str) -> Self {
        Reading {
            site: Site {
                files: vec![main.to_string()],
                ..Site::default()
            },
            errors: Vec::new(),
        }
    }

    /// Something skipped or cut at `line` (or in the whole) of `path`.
    pub fn skip(&mut self, path: &str, line: Option<usize>, message: impl Into<String>) {
        let message = message.into();
        let main = self.site.files.first().is_some_and(|m| m == path);
        self.errors.push(match (main, line) {
            (true, Some(l)) => ParseError::at_line(l, message),
            (true, None) => ParseError::new(message),
            (false, Some(l)) => ParseError::new(format!("{path}:{l}: {message}")),
            (false, None) => ParseError::new(format!("{path}: {message}")),
        });
    }

    pub fn done(self) -> Parsed<Site> {
        Ok(Partial::new(self.site, self.errors))
    }
}

/// An include's pattern made absolute against the server's root.
pub fn absolute(root: &str, pattern: &str) -> String {
    if pattern.starts_with('/') {
        pattern.to_string()
    } else {
        format!("{}/{pattern}", root.trim_end_matches('/'))
    }
}

/// Follows one include within the bounds; None (and a problem) past them.
pub fn include(
    r: &mut Reading,
    load: &mut Loader,
    pattern: &str,
    depth: usize,
) -> Vec<(String, Vec<u8>)> {
    if depth >= MAX_DEPTH {
        r.errors.push(ParseError::new(format!(
            "include {pattern}: nested deeper than {MAX_DEPTH} levels, not followed"
        )));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (path, bytes) in load(pattern) {
        if r.site.files.len() >= MAX_FILES {
            r.errors.push(ParseError::new(format!(
                "include {pattern}: more than {MAX_FILES} files, the rest not read"
            )));
            break;
        }
        if r.site.files.contains(&path) {
            continue;
        }
        r.site.files.push(path.clone());
        out.push((path, bytes));
    }
    out
}
