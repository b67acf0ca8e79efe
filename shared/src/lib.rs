//! lift-bundle: the `.lift` bundle format, shared by the probe that writes
//! bundles and the analyzer that reads them. It knows neither program.
//!
//! A bundle is the 8-byte magic `LIFTBNDL`, a little-endian `u32` format
//! version, then one zstd frame (content checksum on) holding
//! length-prefixed records. Read these first:
//!
//! - [`Record`] and its parts ([`Header`], [`Entry`], [`Fact`], [`Note`],
//!   [`Footer`]): what a bundle holds.
//! - [`Writer`]: streams records into the compressed frame.
//! - [`Reader`] with [`Limits`]: the defensive reader; [`ReadError`] names
//!   the file, the record and the byte offset.
//! - [`json`]: the JSON form, for jq and for hand-written test bundles.
//!
//! Only this crate touches bincode and zstd, so the encoding can change
//! behind the format version.

mod bytes;
mod codec;
pub mod input;
pub mod json;
pub mod paths;
mod reader;
mod record;
pub mod redact;
mod time;
mod writer;

pub use bytes::Bytes;
pub use codec::MAX_RECORD_LEN;
pub use reader::{LayerError, Limits, ReadError, ReadErrorKind, Reader, WINDOW_LOG_MAX};
pub use record::*;
pub use writer::{Writer, DEFAULT_LEVEL, ENCODER_BLOCK, WINDOW_LOG};

/// The first 8 bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"LIFTBNDL";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
