//! The JSON form: the same records, byte strings as base64. It round-trips
//! exactly, and it is how people inspect bundles with jq and how tests write
//! small bundles by hand.

use crate::{Record, FORMAT_VERSION};
use serde::{Deserialize, Serialize};

/// The top-level JSON object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonBundle {
    pub format_version: u32,
    #[serde(deserialize_with = "bounded_records")]
    pub records: Vec<Record>,
}

/// The records, counted per kind against the reader's default limits as
/// they are parsed, so that a JSON form holds no more than a bundle may.
fn bounded_records<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Record>, D::Error> {
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<Record>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of records")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let limits = crate::Limits::default();
            let mut counts = crate::reader::Counts::default();
            let mut out = Vec::new();
            while let Some(r) = seq.next_element::<Record>()? {
                counts
                    .admit(Some(&r), &limits)
                    .map_err(|k| serde::de::Error::custom(format!("record {}: {k}", out.len())))?;
                out.push(r);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Bounded)
}

impl JsonBundle {
    pub fn new(records: Vec<Record>) -> Self {
        JsonBundle {
            format_version: FORMAT_VERSION,
            records,
        }
    }
}

/// Cap on a JSON form's size, so that a hostile one cannot exhaust memory.
pub const MAX_JSON_BYTES: u64 = 2 << 30;

pub fn to_writer<W: std::io::Write>(out: W, bundle: &JsonBundle) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, bundle)
}

/// Reads a JSON form as it streams in, never holding its text: records
/// are counted per kind as they are parsed, and more than
/// `MAX_JSON_BYTES` of input is an error.
pub fn from_reader<R: std::io::Read>(input: R) -> Result<JsonBundle, JsonError> {
    from_reader_capped(input, MAX_JSON_BYTES)
}

/// `from_reader` with another cap on the input's size.
pub fn from_reader_capped<R: std::io::Read>(input: R, cap: u64) -> Result<JsonBundle, JsonError> {
    let capped = Capped {
        inner: input,
        left: cap,
        cap,
    };
    let b: JsonBundle = serde_json::from_reader(std::io::BufReader::new(capped))?;
    if b.format_version != FORMAT_VERSION {
        return Err(JsonError::Version {
            found: b.format_version,
        });
    }
    Ok(b)
}

/// A reader that fails past `left` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: std::io::Read> std::io::Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "JSON form larger than {} bytes",
                self.cap
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Why a JSON form could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// Not JSON, not the form's shape, or past a record limit (serde_json
    /// says where: line and column).
    #[error("{0}")]
    Syntax(#[from] serde_json::Error),
    #[error("format version {found} is not supported (this lift reads {FORMAT_VERSION})")]
    Version { found: u32 },
}

/// Parses a JSON form; a newer format version is refused like a newer bundle.
pub fn from_slice(bytes: &[u8]) -> Result<JsonBundle, JsonError> {
    let b: JsonBundle = serde_json::from_slice(bytes)?;
    if b.format_version != FORMAT_VERSION {
        return Err(JsonError::Version {
            found: b.format_version,
        });
    }
    Ok(b)
}
