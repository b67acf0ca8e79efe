//! `--encrypt-to`: the bundle written as an age file (age-encryption.org/v1)
//! that only the holders of the recipients' identities can read, by the
//! `age` crate, the format's Rust implementation. The bundle's bytes pass
//! through age's STREAM (64 KiB chunks, each authenticated) on their way to
//! the output, so nothing in plain text reaches the disk, not even in the
//! `.partial` file, and memory stays one chunk whatever the bundle's size.

use std::io::{self, Write};

use age::x25519::Recipient;

/// An `age1…` recipient, or why it is not one.
pub fn recipient(text: &str) -> Result<Recipient, String> {
    text.trim().parse::<Recipient>().map_err(|e| {
        format!("--encrypt-to {text:?}: not an age X25519 recipient (age1…, from `lift keygen` or age-keygen): {e}")
    })
}

/// Asks the kernel for random numbers the way age will (getrandom(2), or
/// /dev/urandom once /dev/random says the pool is ready, on kernels before
/// 3.17 such as CentOS 6's): age cannot say why it has none, so the probe
/// asks first and stops with a message before it collects anything.
pub fn check_randomness() -> Result<(), String> {
    let mut probe = [0u8; 32];
    getrandom::getrandom(&mut probe).map_err(|e| {
        format!("--encrypt-to: no random numbers from the kernel (getrandom(2), then /dev/urandom): {e}")
    })
}

/// Where the bundle's bytes go: as they are, or through age.
pub enum Sink {
    Plain(Box<dyn Write>),
    Sealed(age::stream::StreamWriter<Box<dyn Write>>),
}

impl Sink {
    /// Writes age's header for `recipients` (none: the output as it is).
    pub fn new(out: Box<dyn Write>, recipients: &[Recipient]) -> io::Result<Sink> {
        if recipients.is_empty() {
            return Ok(Sink::Plain(out));
        }
        // X25519 recipients given: age's only refusals (none, or kinds
        // that cannot be mixed) cannot happen. Its error is not formatted:
        // its messages are translated, and the translation machinery would
        // take 190 KB of the probe.
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|_| io::Error::other("--encrypt-to: age refused the recipients"))?;
        Ok(Sink::Sealed(encryptor.wrap_output(out)?))
    }

    /// Writes the last chunk (for an age file) and returns the output.
    pub fn finish(self) -> io::Result<Box<dyn Write>> {
        match self {
            Sink::Plain(out) => Ok(out),
            Sink::Sealed(stream) => stream.finish(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(out) => out.write(buf),
            Sink::Sealed(stream) => stream.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(out) => out.write_all(buf),
            Sink::Sealed(stream) => stream.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(out) => out.flush(),
            Sink::Sealed(stream) => stream.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_checked() {
        let id = age::x25519::Identity::generate();
        let r = recipient(&id.to_public().to_string()).unwrap();
        assert_eq!(r, id.to_public());
        let e = recipient("age1notakey").unwrap_err();
        assert!(e.contains("not an age X25519 recipient"), "{e}");
        assert!(recipient("ssh-ed25519 AAAA").is_err());
    }

    #[test]
    fn a_sealed_sink_is_an_age_file_for_each_recipient() {
        use std::io::Read;
        let (a, b) = (
            age::x25519::Identity::generate(),
            age::x25519::Identity::generate(),
        );
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut sink = Sink::new(
            Box::new(Shared(out.clone())),
            &[a.to_public(), b.to_public()],
        )
        .unwrap();
        let plain = vec![7u8; 200_000];
        sink.write_all(b"LIFTBNDL").unwrap();
        sink.write_all(&plain).unwrap();
        sink.finish().unwrap();
        let sealed = out.lock().unwrap().clone();
        assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
        assert!(!sealed.windows(8).any(|w| w == b"LIFTBNDL"));
        for id in [&a, &b] {
            let d = age::Decryptor::new(&sealed[..]).unwrap();
            let mut back = Vec::new();
            d.decrypt(std::iter::once(id as &dyn age::Identity))
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(&back[..8], b"LIFTBNDL");
            assert_eq!(&back[8..], &plain[..]);
        }
    }
}
