//! Bundles encrypted for the analyst. An encrypted bundle is an age file
//! (age-encryption.org/v1, binary or ASCII-armored, for X25519 recipients)
//! whose plaintext is a bundle: `lift-probe --encrypt-to` writes one, and
//! so does `age -r` over a plain bundle. Read first:
//!
//! - [`bundle_reader`]: every command that reads a bundle's records opens
//!   it here; an encrypted one is decrypted as it is read, 64 KiB at a time,
//!   so the bundle reader's limits (decompressed bytes, records) and the
//!   process's memory budget hold for it as for a plain one.
//! - [`identities`]: the identity files (`--identity`, `LIFT_IDENTITY`),
//!   read once, on the first encrypted input; `lift keygen` makes one.
//! - [`Sealed`]: writes an age file, for `lift bundle redact --encrypt-to`
//!   and for a redaction map made from an encrypted bundle.
//!
//! Nothing is decrypted to disk: the plaintext exists only as the stream
//! the bundle reader consumes.

pub mod identities;

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::path::Path;

use lift_bundle::{LayerError, Limits, ReadError, ReadErrorKind, Reader};

use crate::snapshot::OpenError;

/// How a binary age file starts.
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// How an ASCII-armored one starts (`age -a`).
pub const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// The longest age header read: about 600 recipients. age's parser reads
/// the header again from its start for each line it adds, so its cost
/// grows with the square of its length; a hostile header of megabytes
/// would hold a reader for minutes.
pub const MAX_HEADER: usize = 64 << 10;

/// Whether a file that starts with `head` is an age file.
pub fn is_encrypted(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let armored = {
        let t = head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(0);
        head[t..].starts_with(ARMOR_MAGIC)
    };
    head.starts_with(AGE_MAGIC) || armored
}

/// Whether the file at `path` is an age file (false when it cannot be
/// read: opening it says why).
pub fn file_is_encrypted(path: &Path) -> bool {
    let mut head = Vec::with_capacity(64);
    lift_bundle::input::open_regular(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .is_ok_and(|_| is_encrypted(&head))
}

/// A bundle's records, from a plain bundle or from the plaintext of an
/// encrypted one; errors name the file.
pub fn bundle_reader(
    path: &Path,
    limits: Limits,
) -> Result<Reader<Box<dyn Read + Send>>, OpenError> {
    let (input, encrypted) = open(path)?;
    Reader::new(input, limits)
        .map(|r| r.with_path(path))
        .map_err(|e| match e.kind {
            // Reader::new reads only the 12-byte head.
            ReadErrorKind::BadMagic(_) | ReadErrorKind::Truncated if encrypted => OpenError::new(
                path,
                "decrypted, it is not a lift bundle: lift reads an age file whose content is a bundle (decrypt anything else with age -d)".into(),
            ),
            _ => OpenError::new(path, ReadError { path: None, ..e }.to_string()),
        })
}

/// The file's bytes, decrypted when it is an age file (and whether it
/// was).
pub fn open(path: &Path) -> Result<(Box<dyn Read + Send>, bool), OpenError> {
    let err = |m: String| OpenError::new(path, m);
    let mut file = io::BufReader::with_capacity(
        64 << 10,
        lift_bundle::input::open_regular(path).map_err(|e| err(e.to_string()))?,
    );
    let head = file.fill_buf().map_err(|e| err(e.to_string()))?;
    if !is_encrypted(head) {
        return Ok((Box::new(file), false));
    }
    let keys = identities::keyring().map_err(|e| err(e.to_string()))?;
    Ok((decrypt(file, keys).map_err(err)?, true))
}

/// The plaintext of the age file `file`, as a stream.
fn decrypt(
    mut file: io::BufReader<File>,
    keys: &identities::Keyring,
) -> Result<Box<dyn Read + Send>, String> {
    if keys.is_empty() {
        return Err(format!(
            "encrypted for an analyst (an age file): give the identity that opens it with --identity FILE or LIFT_IDENTITY=FILE ({})",
            identities::HOW_TO_GET_ONE
        ));
    }
    let head = file
        .fill_buf()
        .map_err(|e| format!("its age header cannot be read: {e}"))?;
    let armored = !head.starts_with(AGE_MAGIC);
    let mut input: Box<dyn BufRead + Send> = match armored {
        true => Box::new(age::armor::ArmoredReader::new(ShortLines {
            inner: file,
            run: 0,
        })),
        false => Box::new(file),
    };
    let header = read_header(&mut input)?;
    let input = io::Cursor::new(header).chain(input);
    let decryptor = age::Decryptor::new_buffered(input).map_err(|e| {
        format!("its age header is damaged, cut short or of an unknown version ({e})")
    })?;
    if decryptor.is_scrypt() {
        return Err("encrypted with a passphrase: lift reads bundles encrypted to an identity (age -r, lift-probe --encrypt-to); decrypt it with age -d first".into());
    }
    match decryptor.decrypt(keys.identities().map(|i| i as &dyn age::Identity)) {
        Ok(stream) => Ok(Box::new(Authenticated(stream))),
        Err(age::DecryptError::NoMatchingKeys) => Err(match keys.len() {
            1 => format!(
                "encrypted for other recipients: the identity in {} does not open it",
                keys.sources()
            ),
            n => format!(
                "encrypted for other recipients: none of the {n} identities in {} opens it",
                keys.sources()
            ),
        }),
        Err(e) => Err(format!("cannot be decrypted: {e}")),
    }
}

/// age's header: lines up to and including the one that starts `---`,
/// at most [`MAX_HEADER`] bytes.
fn read_header(input: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut header = Vec::new();
    loop {
        let start = header.len();
        let room = (MAX_HEADER + 1 - start) as u64;
        let n = input
            .by_ref()
            .take(room)
            .read_until(b'\n', &mut header)
            .map_err(|e| format!("its age header cannot be read: {e}"))?;
        if header.len() > MAX_HEADER {
            return Err(format!(
                "an age header longer than {} KiB (the limit): not a file lift-probe or age wrote",
                MAX_HEADER >> 10
            ));
        }
        if n == 0 || header[start..].starts_with(b"---") {
            return Ok(header);
        }
    }
}

/// The longest line of an armored file lift reads: age writes 64 columns.
const MAX_ARMOR_LINE: usize = 1024;

/// An armored file's bytes, refused at a line past [`MAX_ARMOR_LINE`]:
/// age's armor reader gathers a line whole before it decodes it, so one
/// endless line would take as much memory as the file.
struct ShortLines<R> {
    inner: R,
    /// Bytes since the last newline.
    run: usize,
}

impl<R: Read> Read for ShortLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            self.run = if b == b'\n' { 0 } else { self.run + 1 };
            if self.run > MAX_ARMOR_LINE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    LayerError(format!(
                        "an armored line longer than {MAX_ARMOR_LINE} bytes: not a file age wrote"
                    )),
                ));
            }
        }
        Ok(n)
    }
}

/// The decrypted stream, whose failures (a chunk that fails
/// authentication: the file was cut inside a chunk or altered) say what
/// happened instead of passing for corrupt compressed data.
struct Authenticated<R>(R);

impl<R: Read> Read for Authenticated<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            _ if e.get_ref().is_some_and(|i| i.is::<LayerError>()) => e,
            io::ErrorKind::InvalidData => io::Error::new(
                io::ErrorKind::InvalidData,
                LayerError(format!(
                    "the encrypted content fails authentication: cut short or altered after it was encrypted ({e})"
                )),
            ),
            _ => e,
        })
    }
}

/// An age file being written to `W` for some recipients, or `W` itself
/// when there are none.
pub enum Sealed<W: Write> {
    Plain(W),
    Age(age::stream::StreamWriter<W>),
}

impl<W: Write> Sealed<W> {
    pub fn new(out: W, recipients: &[age::x25519::Recipient]) -> io::Result<Sealed<W>> {
        if recipients.is_empty() {
            return Ok(Sealed::Plain(out));
        }
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(io::Error::other)?;
        Ok(Sealed::Age(encryptor.wrap_output(out)?))
    }

    /// Writes the last chunk and returns `W`.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Sealed::Plain(w) => Ok(w),
            Sealed::Age(s) => s.finish(),
        }
    }
}

impl<W: Write> Write for Sealed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sealed::Plain(w) => w.write(buf),
            Sealed::Age(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sealed::Plain(w) => w.flush(),
            Sealed::Age(s) => s.flush(),
        }
    }
}

/// A recipient the command line gave that is none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an age X25519 recipient (age1…, from lift keygen or age-keygen): {why}")]
pub struct RecipientError {
    pub text: String,
    pub why: String,
}

/// An `age1…` recipient from the command line.
pub fn recipient(text: &str) -> Result<age::x25519::Recipient, RecipientError> {
    text.trim().parse().map_err(|e: &str| RecipientError {
        text: text.to_string(),
        why: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
