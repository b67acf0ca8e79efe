//! `lift bundle redact IN -o OUT`: a copy of a bundle with host names,
//! addresses, MACs, users and keywords replaced (see docs/redaction.md).
//!
//! An encrypted IN is read with the identities (`crate::encryption`). The
//! copy is plain unless `--encrypt-to` names its recipients; the map,
//! which holds the real names the encrypted bundle hid, is then encrypted
//! to the identities that opened it, so that redacting never leaves
//! decrypted names on disk. A map that is encrypted stays encrypted.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::encryption::identities::{self, KeyError};
use crate::encryption::{self, Sealed};
use crate::output::Output;
use crate::snapshot::OpenError;
use lift_bundle::redact::{MapError, Mapping, Redactor};
use lift_bundle::{Limits, Record, Writer, DEFAULT_LEVEL};

/// The largest map file `redact` loads.
const MAX_MAP: u64 = 256 << 20;

/// Why `lift bundle redact` failed.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Read(#[from] lift_bundle::ReadError),
    /// The identities that must encrypt the map could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The map file could not be opened or read.
    #[error("{}: {error}", path.display())]
    MapFile { path: PathBuf, error: io::Error },
    #[error("{}: {error}", path.display())]
    Map { path: PathBuf, error: MapError },
    #[error("{}: a map larger than {MAX_MAP} bytes", path.display())]
    MapTooLarge { path: PathBuf },
    /// Writing the copy or the map (the errors of `Output` name its file).
    #[error("{0}")]
    Io(#[from] io::Error),
}

type Result<T> = std::result::Result<T, RedactError>;

/// What `redact` wrote, for the command's message.
#[derive(Debug, PartialEq, Eq)]
pub struct Redacted {
    /// IN was an encrypted bundle.
    pub input_encrypted: bool,
    /// The map is an age file for the identities' own recipients.
    pub map_encrypted: bool,
}

/// Reads `input` twice: once to learn the names, once to rewrite it into
/// `output` (an age file for `encrypt_to`, when given). The map in `map`
/// is loaded if it exists, extended, and written back (mode 0600).
pub fn redact(
    input: &Path,
    output: &Path,
    map: &Path,
    keywords: &[String],
    encrypt_to: &[age::x25519::Recipient],
) -> Result<Redacted> {
    let (mapping, map_was_encrypted) = load_map(map)?;
    let mut r = Redactor::new(mapping);
    for k in keywords {
        r.add_keyword(k);
    }
    let input_encrypted = encryption::file_is_encrypted(input);
    for rec in encryption::bundle_reader(input, Limits::default())? {
        r.learn_record(&rec?);
    }
    let sealed = Sealed::new(Output::create(output, 0o600)?, encrypt_to)?;
    let mut w = Writer::new(sealed, DEFAULT_LEVEL)?;
    for rec in encryption::bundle_reader(input, Limits::default())? {
        let rec = r.record(rec?);
        if let Record::Footer(mut f) = rec {
            w.write(&Record::Note(r.note()))?;
            f.totals.records += 1;
            f.totals.notes += 1;
            w.write(&Record::Footer(f))?;
        } else {
            w.write(&rec)?;
        }
    }
    let out = w.finish()?.finish()?;
    let map_encrypted = input_encrypted || map_was_encrypted;
    let to = match map_encrypted {
        true => identities::keyring()?.recipients(),
        false => Vec::new(),
    };
    let mut saved = Sealed::new(Output::create_private(map)?, &to)?;
    saved.write_all(r.mapping().to_json().as_bytes())?;
    saved.finish()?.commit()?;
    out.commit()?;
    Ok(Redacted {
        input_encrypted,
        map_encrypted,
    })
}

/// The map file if there is one (decrypted with the identities when it is
/// an age file), else a fresh map; and whether it was encrypted. Like any
/// input it must be a regular file: a device or FIFO is refused, not read
/// or replaced.
fn load_map(map: &Path) -> Result<(Mapping, bool)> {
    let file_error = |error| RedactError::MapFile {
        path: map.to_owned(),
        error,
    };
    match lift_bundle::input::open_regular(map) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Mapping::new(), false)),
        Err(e) => return Err(file_error(e)),
    }
    let (stream, encrypted) = encryption::open(map)?;
    let mut bytes = Vec::new();
    stream
        .take(MAX_MAP + 1)
        .read_to_end(&mut bytes)
        .map_err(file_error)?;
    if bytes.len() as u64 > MAX_MAP {
        return Err(RedactError::MapTooLarge {
            path: map.to_owned(),
        });
    }
    let mapping = Mapping::from_json(&bytes).map_err(|error| RedactError::Map {
        path: map.to_owned(),
        error,
    });
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok((mapping?, encrypted))
}
