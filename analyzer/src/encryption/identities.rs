//! Identity files: what opens a bundle encrypted for the analyst. The
//! format is age's (age-keygen writes it, and so does [`keygen`]): one
//! `AGE-SECRET-KEY-1…` per line, any number of them, with blank lines and
//! `#` comments. The files come from `--identity FILE` (repeatable), else
//! from `LIFT_IDENTITY` (one path, or several separated by `:`), and are
//! read once, when the first encrypted input needs them, so that a plain
//! bundle never depends on them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use age::secrecy::ExposeSecret;
use age::x25519::{Identity, Recipient};
use zeroize::Zeroize;

/// The environment variable naming identity files.
pub const ENV: &str = "LIFT_IDENTITY";

/// What a message says when there is no identity.
pub const HOW_TO_GET_ONE: &str =
    "`lift keygen -o FILE` makes one and prints the recipient for lift-probe --encrypt-to";

/// An identity file larger than this is not one (a key line is 74 bytes).
const MAX_FILE: u64 = 1 << 20;

static FILES: OnceLock<Vec<PathBuf>> = OnceLock::new();
static KEYRING: OnceLock<Result<Keyring, KeyError>> = OnceLock::new();

/// Why identities could not be had: the file and what was wrong with it,
/// never its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("identity file {path}: {why}")]
    File { path: String, why: String },
    #[error("identity file {path}: larger than {kib} KiB, so not an age identity file")]
    TooLarge { path: String, kib: u64 },
    #[error("identity file {path}: {error}")]
    Text { path: String, error: IdentityError },
}

/// What an identity file's text is, where it is no age identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("it is itself encrypted (a passphrase-protected identity): lift reads plain identity files; decrypt it with age -d into a private file")]
    Encrypted,
    #[error("line {line}: {what}")]
    Line { line: usize, what: &'static str },
    #[error("holds no age identity (AGE-SECRET-KEY-1…)")]
    Empty,
}

/// The `--identity` files of the command line; they replace
/// `LIFT_IDENTITY`. Called once, before any input is read.
pub fn use_files(files: Vec<PathBuf>) {
    if !files.is_empty() {
        let _ = FILES.set(files);
    }
}

/// The identity files in force: `--identity`'s, else `LIFT_IDENTITY`'s.
pub fn files() -> Vec<PathBuf> {
    match FILES.get() {
        Some(f) => f.clone(),
        None => std::env::var_os(ENV)
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The identities of [`files`], read on the first call.
pub fn keyring() -> Result<&'static Keyring, KeyError> {
    KEYRING
        .get_or_init(|| Keyring::load(&files()))
        .as_ref()
        .map_err(Clone::clone)
}

/// The identities read from some files.
pub struct Keyring {
    keys: Vec<Identity>,
    files: Vec<PathBuf>,
}

impl Keyring {
    pub fn load(files: &[PathBuf]) -> Result<Keyring, KeyError> {
        let mut keys = Vec::new();
        for f in files {
            keys.extend(read_file(f)?);
        }
        Ok(Keyring {
            keys,
            files: files.to_vec(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.keys.iter()
    }

    /// The recipients of these identities: what encrypts for their holder.
    pub fn recipients(&self) -> Vec<Recipient> {
        self.keys.iter().map(Identity::to_public).collect()
    }

    /// The files, for a message.
    pub fn sources(&self) -> String {
        let names: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
        names.join(", ")
    }
}

/// The identities in one file; errors name the file and the line, never
/// its content.
fn read_file(path: &Path) -> Result<Vec<Identity>, KeyError> {
    let name = || path.display().to_string();
    let failed = |why: String| KeyError::File { path: name(), why };
    let file = lift_bundle::input::open_regular(path).map_err(|e| failed(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| failed(e.to_string()))?;
    let keys = if bytes.len() as u64 > MAX_FILE {
        Err(KeyError::TooLarge {
            path: name(),
            kib: MAX_FILE >> 10,
        })
    } else {
        parse(&bytes).map_err(|error| KeyError::Text {
            path: name(),
            error,
        })
    };
    bytes.zeroize();
    keys
}

/// Parses an identity file's text.
pub fn parse(text: &[u8]) -> Result<Vec<Identity>, IdentityError> {
    if super::is_encrypted(text) {
        return Err(IdentityError::Encrypted);
    }
    let mut keys = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line).unwrap_or("\u{fffd}").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.parse::<Identity>() {
            Ok(k) => keys.push(k),
            Err(_) => {
                let what = if line.starts_with("AGE-PLUGIN-") {
                    "an age plugin identity, which lift does not use"
                } else if line.starts_with("-----BEGIN") || line.starts_with("ssh-") {
                    "an SSH key; lift reads age X25519 identities"
                } else {
                    "not an age X25519 identity (AGE-SECRET-KEY-1…)"
                };
                return Err(IdentityError::Line { line: n + 1, what });
            }
        }
    }
    if keys.is_empty() {
        return Err(IdentityError::Empty);
    }
    Ok(keys)
}

/// A new identity: the file's text in age-keygen's format (`# created:`,
/// `# public key:`, the key) and its recipient.
pub fn generate(created: &str) -> (String, Recipient) {
    let key = Identity::generate();
    let public = key.to_public();
    let text = format!(
        "# created: {created}\n# public key: {public}\n{}\n",
        key.to_string().expose_secret()
    );
    (text, public)
}

/// `lift keygen -o FILE`: writes a new identity to `path`, readable by its
/// owner only, never over an existing file (the bundles encrypted to the
/// one there would be lost); returns its recipient.
pub fn keygen(path: &Path) -> std::io::Result<Recipient> {
    use std::os::unix::fs::OpenOptionsExt;
    let named = |e: std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                "exists; lift keygen never replaces an identity (what was encrypted to it could no longer be read)".to_string()
            }
            _ => e.to_string(),
        };
        std::io::Error::new(e.kind(), format!("{}: {why}", path.display()))
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(named)?;
    let (mut text, public) = generate(&lift_bundle::Timestamp::now().rfc3339());
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    text.zeroize();
    if let Err(e) = written {
        // No half identity under the name.
        let _ = std::fs::remove_file(path);
        return Err(named(e));
    }
    Ok(public)
}
