//! What a batch reads: every input named, and what directories hold,
//! told apart by their first bytes (not their names): bundles (plain, or
//! encrypted with age for the analyst), their JSON form, tar archives (plain, gzip, xz, bzip2: sosreports and root
//! tarballs). With `--dirs`, a directory one level down that holds a root
//! filesystem or an extracted sosreport is an input itself.
//!
//! Anything else a directory holds is skipped, and said: the first
//! [`MAX_LISTED`] skipped entries each get a line of errors.jsonl, the rest
//! one line with their number, so a folder of a million other files costs
//! a million small reads and a bounded list.

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{io_err, BatchError, Failure};

/// Skipped entries listed one by one in errors.jsonl.
pub const MAX_LISTED: usize = 1000;

/// What the walk found.
#[derive(Default)]
pub struct Found {
    /// Sorted, each once.
    pub inputs: Vec<PathBuf>,
    /// The first [`MAX_LISTED`] entries skipped, and why.
    pub skipped: Vec<Failure>,
    /// All entries skipped.
    pub skipped_total: usize,
}

impl Found {
    fn skip(&mut self, path: &Path, why: &str) {
        self.skipped_total += 1;
        if self.skipped.len() < MAX_LISTED {
            self.skipped.push(Failure {
                input: path.to_string_lossy().into_owned(),
                error: format!("skipped: {why}"),
            });
        }
    }

    /// errors.jsonl's lines for what was skipped.
    pub fn skipped_lines(&self) -> Vec<Failure> {
        let mut lines: Vec<Failure> = self
            .skipped
            .iter()
            .map(|f| Failure {
                input: f.input.clone(),
                error: f.error.clone(),
            })
            .collect();
        if self.skipped_total > self.skipped.len() {
            lines.push(Failure {
                input: String::new(),
                error: format!(
                    "skipped: {} more entries that are not bundles, JSON forms or archives \
                     (only the first {MAX_LISTED} are listed)",
                    self.skipped_total - self.skipped.len()
                ),
            });
        }
        lines
    }
}

/// A bundle, its JSON form or a tar archive, by its first bytes (what
/// `snapshot::open` accepts).
pub fn is_input(head: &[u8]) -> bool {
    let n = head.len().min(8);
    crate::encryption::is_encrypted(head)
        || crate::snapshot::archive::Compression::sniff(head).is_some()
        || &head[..n] == lift_bundle::MAGIC
        || head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// A directory holding a root filesystem or an extracted sosreport (what
/// `lift report DIR` takes).
fn is_root(dir: &Path) -> bool {
    ["etc", "usr", "bin", "var", "sos_commands"]
        .iter()
        .any(|d| dir.join(d).is_dir())
}

/// Every input: files named as they are (the worker says what is wrong
/// with one that is no bundle), directories searched recursively. `out`
/// (the batch's own folder) is never searched.
pub fn discover(inputs: &[PathBuf], dirs: bool, out: &Path) -> Result<Found, BatchError> {
    let out = fs::metadata(out).ok().map(|m| (m.dev(), m.ino()));
    let mut found = Found::default();
    for i in inputs {
        if i.is_dir() {
            walk(i, 0, dirs, out, &mut found)?;
        } else {
            found.inputs.push(i.clone());
        }
    }
    found.inputs.sort();
    found.inputs.dedup();
    Ok(found)
}

fn walk(
    dir: &Path,
    depth: usize,
    dirs: bool,
    out: Option<(u64, u64)>,
    found: &mut Found,
) -> Result<(), BatchError> {
    for e in fs::read_dir(dir).map_err(io_err(dir))? {
        let e = e.map_err(io_err(dir))?;
        let path = e.path();
        // file_type does not follow symlinks, so a link loop cannot trap us.
        let kind = e.file_type().map_err(io_err(&path))?;
        if kind.is_dir() {
            let meta = e.metadata().map_err(io_err(&path))?;
            if Some((meta.dev(), meta.ino())) == out {
                continue;
            }
            if dirs && depth == 0 && is_root(&path) {
                found.inputs.push(path);
            } else {
                walk(&path, depth + 1, dirs, out, found)?;
            }
            continue;
        }
        // A link is followed to a regular file only; a FIFO or a device is
        // never opened.
        let regular = kind.is_file() || (kind.is_symlink() && path.is_file());
        if !regular {
            use std::os::unix::fs::FileTypeExt;
            let what = if kind.is_fifo() {
                "a FIFO (never opened: reading one waits for a writer)"
            } else if kind.is_block_device() || kind.is_char_device() {
                "a device"
            } else if kind.is_socket() {
                "a socket"
            } else {
                "not a regular file"
            };
            found.skip(&path, what);
            continue;
        }
        let mut head = Vec::with_capacity(512);
        let read = lift_bundle::input::open_regular(&path)
            .and_then(|f| f.take(512).read_to_end(&mut head));
        match read {
            Err(e) => found.skip(&path, &format!("cannot be read ({e})")),
            Ok(_) if is_input(&head) => found.inputs.push(path),
            Ok(0) => found.skip(&path, "empty"),
            Ok(_) => found.skip(
                &path,
                "not a lift bundle, its JSON form or a tar archive (by its first bytes)",
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_by_their_first_bytes() {
        let d = std::env::temp_dir().join(format!("lift-discover-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("wave1/sos")).unwrap();
        fs::create_dir_all(d.join("extracted/etc")).unwrap();
        fs::create_dir_all(d.join("sosreport-db01/sos_commands")).unwrap();
        fs::create_dir_all(d.join("out")).unwrap();
        fs::write(d.join("out/x.lift"), b"LIFTBNDL").unwrap();
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        let inputs: [(&str, &[u8]); 7] = [
            ("a.lift", b"LIFTBNDL\x01\x00\x00\x00"),
            ("named-anyhow", b"LIFTBNDL\x01\x00\x00\x00"),
            ("b.lift.json", b"  {\"header\": {}}"),
            ("wave1/sos/sosreport-db01.tar.xz", b"\xfd7zXZ\x00rest"),
            ("wave1/root.tgz", b"\x1f\x8b\x08"),
            ("wave1/c.tar.bz2", b"BZh91AY"),
            ("wave1/d", &tar),
        ];
        for (f, body) in inputs {
            fs::write(d.join(f), body).unwrap();
        }
        let others: [(&str, &[u8]); 4] = [
            ("notes.txt", b"hello"),
            ("fake.lift", b"not a bundle"),
            ("empty.lift", b""),
            ("extracted/etc/hostname", b"web1\n"),
        ];
        for (f, body) in others {
            fs::write(d.join(f), body).unwrap();
        }
        let rel = |p: &Path| p.strip_prefix(&d).unwrap().to_string_lossy().into_owned();
        let found = discover(std::slice::from_ref(&d), false, &d.join("out")).unwrap();
        let got: Vec<String> = found.inputs.iter().map(|p| rel(p)).collect();
        let mut want: Vec<String> = inputs.iter().map(|i| i.0.to_string()).collect();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(found.skipped_total, 4);
        let skipped: Vec<String> = found
            .skipped
            .iter()
            .map(|f| rel(Path::new(&f.input)))
            .collect();
        assert!(skipped.contains(&"fake.lift".to_string()), "{skipped:?}");

        // --dirs: the root and the sosreport one level down are inputs.
        let found = discover(std::slice::from_ref(&d), true, &d.join("out")).unwrap();
        let got: Vec<String> = found.inputs.iter().map(|p| rel(p)).collect();
        assert!(got.contains(&"extracted".to_string()), "{got:?}");
        assert!(got.contains(&"sosreport-db01".to_string()), "{got:?}");
        assert_eq!(found.skipped_total, 3, "extracted/ is not searched");
        fs::remove_dir_all(d).unwrap();
    }

    /// Issue 29: a folder of many entries that are not bundles gives a
    /// bounded list and a count.
    #[test]
    fn skipped_entries_are_listed_up_to_a_bound() {
        let d = std::env::temp_dir().join(format!("lift-discover-many-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        for i in 0..MAX_LISTED + 5 {
            fs::write(d.join(format!("{i}.txt")), b"x").unwrap();
        }
        let found = discover(std::slice::from_ref(&d), false, &d.join("none")).unwrap();
        assert!(found.inputs.is_empty());
        assert_eq!(found.skipped_total, MAX_LISTED + 5);
        let lines = found.skipped_lines();
        assert_eq!(lines.len(), MAX_LISTED + 1);
        assert!(lines[MAX_LISTED].error.contains("5 more entries"));
        fs::remove_dir_all(d).unwrap();
    }
}
