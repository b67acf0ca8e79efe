//! What nginx's and Apache httpd's configurations have in common: the
//! virtual hosts they serve, and the bounded way both follow `include`.

pub use crate::vocab::applications::VirtualHost;

/// Deepest include nesting followed.
pub const MAX_DEPTH: usize = 8;
/// Most files one configuration may pull in through includes.
pub const MAX_FILES: usize = 256;

/// The files an include names, with their content: the model's side of an
/// include (the parsers never open a file). The pattern is absolute.
pub type Loader<'a> = dyn FnMut(&str) -> Vec<(String, Vec<u8>)> + 'a;

/// What a configuration tree gave: its hosts, the files read, and what was
/// cut or could not be read (the include bounds, a broken line).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Site {
    pub hosts: Vec<VirtualHost>,
    /// `Listen` / every `listen` seen, as written.
    pub listen: Vec<String>,
    pub files: Vec<String>,
    pub problems: Vec<String>,
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
    site: &mut Site,
    load: &mut Loader,
    pattern: &str,
    depth: usize,
) -> Vec<(String, Vec<u8>)> {
    if depth >= MAX_DEPTH {
        site.problems.push(format!(
            "include {pattern}: nested deeper than {MAX_DEPTH} levels, not followed"
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (path, bytes) in load(pattern) {
        if site.files.len() >= MAX_FILES {
            site.problems.push(format!(
                "include {pattern}: more than {MAX_FILES} files, the rest not read"
            ));
            break;
        }
        if site.files.contains(&path) {
            continue;
        }
        site.files.push(path.clone());
        out.push((path, bytes));
    }
    out
}
