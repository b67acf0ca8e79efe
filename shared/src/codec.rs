//! The one place that knows bincode: the record body encoding.

use crate::{Record, FACT_VARIANTS, RECORD_VARIANTS};
use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};
use std::io::{self, Write};

/// The longest record body a reader accepts and a writer produces.
pub const MAX_RECORD_LEN: u32 = 64 << 20;

type Config = Configuration<LittleEndian, Varint, Limit<{ MAX_RECORD_LEN as usize }>>;

fn config() -> Config {
    config::standard().with_limit::<{ MAX_RECORD_LEN as usize }>()
}

/// The length of a record's body, checked against the record limit.
pub(crate) fn encoded_len(record: &Record) -> io::Result<usize> {
    /// Counts what it is given. Through `dyn Write` like the real writes,
    /// so that the probe holds one copy of the encoder, not two.
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let dyn_count: &mut dyn Write = &mut count;
    bincode::serde::encode_into_std_write(record, &mut &mut *dyn_count, config())
        .map_err(invalid)?;
    let len = count.0;
    if len > MAX_RECORD_LEN as usize {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("record of {len} bytes exceeds the {MAX_RECORD_LEN}-byte limit"),
        ));
    }
    Ok(len)
}

/// Writes a record's body of `len` bytes (from [`encoded_len`]) to `out`
/// (`dyn`: one copy of the encoder in the probe, which must stay small).
pub(crate) fn encode_into(record: &Record, out: &mut dyn Write, len: usize) -> io::Result<()> {
    let wrote =
        bincode::serde::encode_into_std_write(record, &mut &mut *out, config()).map_err(invalid)?;
    if wrote != len {
        // The length prefix is already written: the stream is broken.
        return Err(io::Error::other(format!(
            "record encoded to {wrote} bytes, measured at {len}"
        )));
    }
    Ok(())
}

fn invalid(e: bincode::error::EncodeError) -> io::Error {
    match e {
        bincode::error::EncodeError::Io { inner, .. } => inner,
        e => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
    }
}

/// What a record body holds, decided before decoding it.
pub(crate) enum Peek {
    Known,
    /// A variant from a newer probe: skip it.
    Unknown,
}

/// Reads the variant tags (bincode writes an enum's variant index first) to
/// tell a record from a newer probe from a damaged one.
pub(crate) fn peek(body: &[u8]) -> Peek {
    let Ok((tag, used)) = bincode::decode_from_slice::<u32, _>(body, config::standard()) else {
        return Peek::Known; // let decode report the damage
    };
    if tag >= RECORD_VARIANTS {
        return Peek::Unknown;
    }
    if tag == 2 {
        if let Ok((fact, _)) =
            bincode::decode_from_slice::<u32, _>(&body[used..], config::standard())
        {
            if fact >= FACT_VARIANTS {
                return Peek::Unknown;
            }
        }
    }
    Peek::Known
}

pub(crate) fn decode(body: &[u8]) -> Result<Record, String> {
    bincode::serde::decode_from_slice(body, config())
        .map(|(record, _)| record)
        .map_err(|e| e.to_string())
}
