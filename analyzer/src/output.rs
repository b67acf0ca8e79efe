//! Where `-o` writes. Every command that writes a file by name goes through
//! [`Output`]:
//!
//! - a device or FIFO (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is
//!   written in place: renaming a file over it would replace the device
//!   node, as root even `/dev/null`;
//! - a regular file (or a new name) is written to a temporary file in the
//!   same directory and renamed over the name once complete, so that a
//!   half-written report never carries the final name. A symlink to a
//!   regular file is followed: the file it names is replaced, the link kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written under a name; see the module doc.
pub struct Output {
    file: BufWriter<File>,
    /// `Some((temporary, final))` for a regular file, renamed on `commit`.
    rename: Option<(PathBuf, PathBuf)>,
    path: PathBuf,
}

/// An error naming the path it concerns.
fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

impl Output {
    /// Opens `path` for writing; new files get `mode` (before the umask),
    /// a replaced file keeps its permissions.
    pub fn create(path: &Path, mode: u32) -> io::Result<Output> {
        Self::open(path, mode, false)
    }

    /// Like `create`, but a regular file is mode 0600 whatever it was: for
    /// private files (a redaction map).
    pub fn create_private(path: &Path) -> io::Result<Output> {
        Self::open(path, 0o600, true)
    }

    fn open(path: &Path, mode: u32, force_mode: bool) -> io::Result<Output> {
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => Err(named(
                path,
                io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
            )),
            Ok(m) if !m.is_file() => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| named(path, e))?;
                Ok(Output {
                    file: BufWriter::new(file),
                    rename: None,
                    path: path.to_owned(),
                })
            }
            found => {
                // Follow a symlink to the file it names, so the link stays.
                let target = match &found {
                    Ok(_) => fs::canonicalize(path).map_err(|e| named(path, e))?,
                    Err(_) => path.to_owned(),
                };
                let mode = match found {
                    Ok(m) if !force_mode => m.permissions().mode() & 0o7777,
                    _ => mode,
                };
                let tmp = temporary_beside(&target);
                let file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&tmp)
                    .map_err(|e| named(path, e))?;
                // The umask applies to create; an existing file's mode is kept exactly.
                let _ = file.set_permissions(fs::Permissions::from_mode(mode));
                Ok(Output {
                    file: BufWriter::new(file),
                    rename: Some((tmp, target)),
                    path: path.to_owned(),
                })
            }
        }
    }

    /// Flushes and, for a regular file, gives it its final name.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush().map_err(|e| named(&self.path, e))?;
        if let Some((tmp, target)) = self.rename.take() {
            if let Err(e) = fs::rename(&tmp, &target) {
                let _ = fs::remove_file(&tmp);
                return Err(named(&target, e));
            }
        }
        Ok(())
    }
}

impl Output {
    /// Appends the rest of `from`, in the kernel where it can
    /// (`copy_file_range`: the bytes do not pass through this process).
    pub fn append(&mut self, from: &mut impl io::Read) -> io::Result<u64> {
        io::copy(from, &mut self.file)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Output {
    /// An output dropped without `commit` (an error on the way) leaves no
    /// temporary file behind.
    fn drop(&mut self) {
        if let Some((tmp, _)) = &self.rename {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// `.NAME.lift-tmp-PID-N` in the directory of `path`.
fn temporary_beside(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.lift-tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Writes `body` to `path` whole, through [`Output`] (mode 0644).
pub fn write(path: &Path, body: &[u8]) -> io::Result<()> {
    let mut o = Output::create(path, 0o644)?;
    o.write_all(body).map_err(|e| named(path, e))?;
    o.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempRoot;
    use std::os::unix::fs::FileTypeExt;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("lift-tmp"))
            .collect()
    }

    #[test]
    fn regular_file_is_replaced_whole_and_keeps_its_mode() {
        let d = TempRoot::with(&[("report.md", "old")]);
        let p = d.path().join("report.md");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        write(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(leftovers(d.path()), Vec::<String>::new());
    }

    #[test]
    fn private_files_are_0600_whatever_they_were() {
        let d = TempRoot::with(&[("map.json", "{}")]);
        let p = d.path().join("map.json");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        let mut o = Output::create_private(&p).unwrap();
        o.write_all(b"{ }").unwrap();
        o.commit().unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn symlink_to_a_file_stays_a_symlink() {
        let d = TempRoot::with(&[("real.md", "old")]);
        let link = d.path().join("link.md");
        std::os::unix::fs::symlink("real.md", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(d.path().join("real.md")).unwrap(), b"new");
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let d = TempRoot::with(&[]);
        let p = d.path().join("x.json");
        let mut o = Output::create(&p, 0o644).unwrap();
        o.write_all(b"half").unwrap();
        drop(o);
        assert!(!p.exists());
        assert_eq!(leftovers(d.path()), Vec::<String>::new());
    }

    #[test]
    fn fifo_is_written_in_place() {
        let d = TempRoot::with(&[]);
        let p = d.path().join("pipe");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let p = p.clone();
            std::thread::spawn(move || fs::read(p).unwrap())
        };
        write(&p, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(fs::symlink_metadata(&p).unwrap().file_type().is_fifo());
        assert_eq!(leftovers(d.path()), Vec::<String>::new());
    }

    #[test]
    fn directory_is_refused() {
        let d = TempRoot::with(&[]);
        let e = write(d.path(), b"x").expect_err("a directory is refused");
        assert!(e.to_string().contains("is a directory"), "{e}");
    }
}
