//! Opening an input by name without hanging on it. `open` on a FIFO waits
//! for a writer forever (a `x.lift` named pipe once hung `lift batch`), and
//! a device can be endless: inputs are opened non-blocking and must turn out
//! to be regular files.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What a non-regular file is, for the error message.
fn kind(t: std::fs::FileType) -> &'static str {
    match () {
        _ if t.is_dir() => "a directory",
        _ if t.is_fifo() => "a FIFO",
        _ if t.is_socket() => "a socket",
        _ if t.is_char_device() => "a character device",
        _ if t.is_block_device() => "a block device",
        _ => "not a regular file",
    }
}

/// Opens `path` for reading when it is a regular file (symlinks followed);
/// anything else is an `InvalidInput` error saying what it is, returned
/// without waiting.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let t = file.metadata()?.file_type();
    if !t.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", kind(t)),
        ));
    }
    // Reads of a regular file never block; clear the flag anyway so that the
    // file behaves as an ordinary one wherever it is handed.
    // SAFETY: fcntl on a descriptor this function owns.
    unsafe {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_is_refused_at_once() {
        let dir = std::env::temp_dir().join(format!("lift-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("x.lift");
        let _ = std::fs::remove_file(&fifo);
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo at a scratch path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = open_regular(&fifo).unwrap_err();
        assert_eq!(e.to_string(), "a FIFO is not a regular file");
        let e = open_regular(&dir).unwrap_err();
        assert_eq!(e.to_string(), "a directory is not a regular file");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
