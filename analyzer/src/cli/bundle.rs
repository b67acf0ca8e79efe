//! `lift bundle ls|cat|verify|unpack|to-json|from-json`: inspect and convert
//! bundles.

use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use lift_bundle::input::open_regular;
use lift_bundle::{json, Content, FileKind, Limits, Record, SkipReason, Writer, DEFAULT_LEVEL};

use super::terminal::escape;
use crate::output::Output;
use crate::snapshot::{BundleSnapshot, Data, Lookup, OpenError, Root};

/// Why a `lift bundle` command failed.
#[derive(Debug, thiserror::Error)]
pub enum BundleCommandError {
    /// A file or directory could not be opened, written or linked (the
    /// I/O error is the source, said after the path).
    #[error("{}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Read(#[from] lift_bundle::ReadError),
    #[error("{}: {error}", path.display())]
    Json {
        path: PathBuf,
        error: json::JsonError,
    },
    #[error("{file}: the probe could not read it: {message}")]
    Unreadable { file: String, message: String },
    #[error("{file}: not captured ({reason:?})")]
    NotCaptured { file: String, reason: SkipReason },
    #[error("{file}: only its metadata was captured")]
    MetadataOnly { file: String },
    #[error("{file}: not in {}", bundle.display())]
    Absent { file: String, bundle: PathBuf },
    /// The bundle's tree is damaged where the path leads.
    #[error("{0}")]
    Broken(String),
    /// Writing the output (the errors of `Output` name its file).
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    ToJson(#[from] serde_json::Error),
    #[error("{0}")]
    NotUtf8(#[from] std::string::FromUtf8Error),
}

type Result<T> = std::result::Result<T, BundleCommandError>;

/// The path with its I/O error.
fn at(path: &Path) -> impl FnOnce(io::Error) -> BundleCommandError + '_ {
    move |source| BundleCommandError::File {
        path: path.to_owned(),
        source,
    }
}

fn load(path: &Path) -> Result<BundleSnapshot> {
    let mut head = [0u8; 1];
    let mut f = open_regular(path).map_err(at(path))?;
    let is_json = io::Read::read(&mut f, &mut head).is_ok_and(|n| n == 1 && head[0] == b'{');
    Ok(if is_json {
        BundleSnapshot::open_json(path)?
    } else {
        BundleSnapshot::open(path)?
    })
}

fn kind_char(k: FileKind) -> char {
    match k {
        FileKind::File => '-',
        FileKind::Dir => 'd',
        FileKind::Symlink => 'l',
        FileKind::Fifo => 'p',
        FileKind::Socket => 's',
        FileKind::Block => 'b',
        FileKind::Char => 'c',
        FileKind::Unknown => '?',
    }
}

/// One line per entry: kind and mode, size, what was captured, path.
pub fn ls(path: &Path, out: &mut dyn Write) -> Result<()> {
    let b = load(path)?;
    for e in b.entries() {
        let what = match &e.content {
            Content::None => "meta".to_string(),
            Content::Full(b) => format!("full {}", b.len()),
            Content::Truncated { head, .. } => format!("head {}", head.len()),
            Content::Skipped(r) => format!("skipped {r:?}"),
            Content::Error { message, .. } => format!("error: {message}"),
            Content::Children(c) => format!("{} children", c.len()),
            Content::Sha256(_) => "sha256".into(),
            Content::Chunked { size } => format!("chunked {size}"),
        };
        let mut line = format!(
            "{}{:04o} {:>10} {:<16} {}",
            kind_char(e.kind),
            e.mode & 0o7777,
            e.size,
            what,
            e.path.to_string_lossy()
        );
        if let Some(t) = &e.link_target {
            line.push_str(&format!(" -> {}", t.to_string_lossy()));
        }
        writeln!(out, "{}", escape(&line))?;
    }
    Ok(())
}

/// The content of one file, following symlinks inside the bundle.
pub fn cat(path: &Path, file: &str, out: &mut dyn Write) -> Result<()> {
    let b = load(path)?;
    let root = Root::new(&b);
    match root.lookup(file) {
        Lookup::Found(n) => match n.content {
            Data::Full(bytes) => out.write_all(&bytes)?,
            Data::Truncated { head, size } => {
                out.write_all(&head)?;
                eprintln!(
                    "lift: {}: only the first {} of {size} bytes were captured",
                    escape(file),
                    head.len()
                );
            }
            Data::Unreadable { message, .. } => {
                return Err(BundleCommandError::Unreadable {
                    file: file.into(),
                    message,
                })
            }
            Data::Skipped(reason) => {
                return Err(BundleCommandError::NotCaptured {
                    file: file.into(),
                    reason,
                })
            }
            Data::Digest(_) | Data::NotCaptured => {
                return Err(BundleCommandError::MetadataOnly { file: file.into() })
            }
        },
        Lookup::Absent => {
            return Err(BundleCommandError::Absent {
                file: file.into(),
                bundle: path.to_owned(),
            })
        }
        Lookup::Broken(e) => return Err(BundleCommandError::Broken(e)),
    }
    Ok(())
}

/// Reads every record; says what the bundle holds or why it is bad.
pub fn verify(path: &Path, out: &mut dyn Write) -> Result<bool> {
    let mut reader = match crate::encryption::bundle_reader(path, Limits::default()) {
        Ok(r) => r,
        Err(e) => {
            writeln!(out, "{}", escape(&e.to_string()))?;
            return Ok(false);
        }
    };
    let (mut records, mut entries, mut footer) = (0u64, 0u64, None);
    for r in reader.by_ref() {
        match r {
            Ok(rec) => {
                records += 1;
                match rec {
                    Record::Entry(_) => entries += 1,
                    Record::Footer(f) => footer = Some(f),
                    _ => {}
                }
            }
            Err(e) => {
                writeln!(out, "{}", escape(&e.to_string()))?;
                return Ok(false);
            }
        }
    }
    let state = match &footer {
        Some(f) if f.interrupted => "incomplete (the probe was interrupted)",
        Some(_) => "complete",
        None => "incomplete (no footer: the probe did not finish)",
    };
    write!(
        out,
        "{}: ok, {records} records, {entries} entries, {state}",
        escape(&path.display().to_string())
    )?;
    if reader.skipped() > 0 {
        write!(
            out,
            "; {} records from a newer probe were skipped",
            reader.skipped()
        )?;
    }
    writeln!(out)?;
    Ok(true)
}

/// Joins a bundle path under `dir`, refusing anything that could climb out.
fn target(dir: &Path, logical: &[u8]) -> Option<PathBuf> {
    let mut p = dir.to_path_buf();
    for c in logical.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        if c == b"." || c == b".." {
            return None;
        }
        p.push(std::ffi::OsStr::from_bytes(c));
    }
    Some(p)
}

/// Every parent of `p` below `dir` must be a real directory (never a
/// symlink a hostile bundle planted), created if missing.
fn safe_parent(dir: &Path, p: &Path) -> io::Result<()> {
    let rel = p.strip_prefix(dir).map_err(io::Error::other)?;
    let mut cur = dir.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in &comps[..comps.len().saturating_sub(1)] {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "{} is not a directory",
                    cur.display()
                )))
            }
            Err(_) => fs::create_dir(&cur)?,
        }
    }
    Ok(())
}

/// What `unpack` wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unpacked {
    /// Files and symlinks written.
    pub written: usize,
    /// Symlinks whose target was absolute or climbed out of the root,
    /// written relative to their directory so that they point inside DIR.
    pub relinked: usize,
}

/// Writes the captured tree under DIR: directories, file contents (heads of
/// truncated files), and symlinks last, so that none can redirect a write.
/// A symlink's target is written as it resolves inside the captured root,
/// relative to the link: `/lib/x` from `/etc/a` becomes `../lib/x`, so no
/// link in DIR points outside it.
pub fn unpack(path: &Path, dir: &Path) -> Result<Unpacked> {
    let b = load(path)?;
    fs::create_dir_all(dir).map_err(at(dir))?;
    let root = Root::new(&b);
    let mut done = Unpacked::default();
    let entries = b.entries();
    for e in &entries {
        let Some(p) = target(dir, &e.path.0) else {
            continue;
        };
        match e.kind {
            FileKind::Dir => {
                safe_parent(dir, &p.join("x"))?;
            }
            FileKind::File => {
                safe_parent(dir, &p)?;
                let bytes = match root.snap.node(&e.path.0).map(|n| n.content) {
                    Some(Data::Full(b)) | Some(Data::Truncated { head: b, .. }) => b.into_owned(),
                    _ => Vec::new(),
                };
                if fs::symlink_metadata(&p).is_ok_and(|m| !m.is_file()) {
                    continue;
                }
                fs::write(&p, bytes).map_err(at(&p))?;
                done.written += 1;
            }
            _ => {}
        }
    }
    for e in &entries {
        let (FileKind::Symlink, Some(t)) = (e.kind, &e.link_target) else {
            continue;
        };
        let Some(p) = target(dir, &e.path.0) else {
            continue;
        };
        safe_parent(dir, &p)?;
        if fs::symlink_metadata(&p).is_err() {
            let inside = link_inside_root(&e.path.0, &t.0);
            if inside != t.0 {
                done.relinked += 1;
            }
            std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&inside), &p).map_err(at(&p))?;
            done.written += 1;
        }
    }
    Ok(done)
}

/// The target of the symlink at `link` (a path in the captured root) as it
/// resolves there, lexically, with `..` at the root staying at the root,
/// and written relative to the link's directory. An ordinary relative
/// target comes back unchanged.
fn link_inside_root(link: &[u8], target: &[u8]) -> Vec<u8> {
    let parts = |p: &[u8]| -> Vec<Vec<u8>> {
        p.split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    };
    let mut parent = parts(link);
    parent.pop();
    let absolute = target.starts_with(b"/");
    let mut resolved = if absolute { Vec::new() } else { parent.clone() };
    let mut climbed_out = false;
    for c in parts(target) {
        match c.as_slice() {
            b"." => {}
            b".." => climbed_out |= resolved.pop().is_none(),
            _ => resolved.push(c),
        }
    }
    if !absolute && !climbed_out {
        return target.to_vec();
    }
    let common = parent
        .iter()
        .zip(&resolved)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<Vec<u8>> = vec![b"..".to_vec(); parent.len() - common];
    out.extend(resolved[common..].iter().cloned());
    if out.is_empty() {
        return b".".to_vec();
    }
    out.join(&b'/')
}

pub fn to_json(path: &Path, out: &mut dyn Write) -> Result<()> {
    let mut reader = crate::encryption::bundle_reader(path, Limits::default())?;
    let mut records = Vec::new();
    for r in reader.by_ref() {
        records.push(r?);
    }
    let mut text = Vec::new();
    json::to_writer(&mut text, &json::JsonBundle::new(records))?;
    let text = String::from_utf8(text)?;
    out.write_all(crate::render::escape::json_terminal_safe(text).as_bytes())?;
    writeln!(out)?;
    Ok(())
}

pub fn from_json(path: &Path, out: &Path) -> Result<()> {
    let input = open_regular(path).map_err(at(path))?;
    let j = json::from_reader(input).map_err(|error| BundleCommandError::Json {
        path: path.to_owned(),
        error,
    })?;
    let mut w = Writer::new(Output::create(out, 0o600)?, DEFAULT_LEVEL)?;
    for r in &j.records {
        w.write(r)?;
    }
    w.finish()?.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::link_inside_root;

    #[test]
    fn symlinks_are_written_to_stay_inside_the_unpacked_tree() {
        let t = |link: &str, target: &str| {
            String::from_utf8(link_inside_root(link.as_bytes(), target.as_bytes())).unwrap()
        };
        assert_eq!(
            t(
                "/etc/systemd/system/sshd.service",
                "/lib/systemd/system/ssh.service"
            ),
            "../../../lib/systemd/system/ssh.service"
        );
        assert_eq!(t("/etc/alternatives/x", "/etc/alternatives/y"), "y");
        assert_eq!(t("/bin", "usr/bin"), "usr/bin");
        assert_eq!(t("/lib64/ld.so", "../lib/ld.so"), "../lib/ld.so");
        // Climbing out of the root stops at it, as the probe resolves.
        assert_eq!(t("/etc/a", "../../../../etc/passwd"), "passwd");
        assert_eq!(t("/a", "/"), ".");
        assert_eq!(t("/etc/a", "/.."), "..");
    }
}
