//! The one place that knows bincode: the record body encoding.

use crate::{Record, FACT_VARIANTS, RECORD_VARIANTS};
use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};
use std::io;

/// The longest record body a reader accepts and a writer produces.
pub const MAX_RECORD_LEN: u32 = 64 << 20;

type Config = Configuration<LittleEndian, Varint, Limit<{ MAX_RECORD_LEN as usize }>>;

fn config() -> Config {
    config::standard().with_limit::<{ MAX_RECORD_LEN as usize }>()
}

pub(crate) fn encode(record: &Record) -> io::Result<Vec<u8>> {
    let body = bincode::serde::encode_to_vec(record, config())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    if body.len() > MAX_RECORD_LEN as usize {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "record of {} bytes exceeds the {MAX_RECORD_LEN}-byte limit",
                body.len()
            ),
        ));
    }
    Ok(body)
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
