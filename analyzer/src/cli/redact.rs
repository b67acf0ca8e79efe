//! `lift bundle redact IN -o OUT`: a copy of a bundle with host names,
//! addresses, MACs, users and keywords replaced (see docs/redaction.md).

use std::io::{Read, Write};
use std::path::Path;

use crate::output::Output;
use anyhow::{anyhow, Result};
use lift_bundle::redact::{Mapping, Redactor};
use lift_bundle::{Limits, Reader, Record, Writer, DEFAULT_LEVEL};

/// Reads `input` twice: once to learn the names, once to rewrite it into
/// `output`. The map in `map` is loaded if it exists, extended, and written
/// back (mode 0600).
pub fn redact(input: &Path, output: &Path, map: &Path, keywords: &[String]) -> Result<()> {
    let mut r = Redactor::new(load_map(map)?);
    for k in keywords {
        r.add_keyword(k);
    }
    for rec in Reader::open(input, Limits::default())? {
        r.learn_record(&rec?);
    }
    let mut w = Writer::new(Output::create(output, 0o600)?, DEFAULT_LEVEL)?;
    for rec in Reader::open(input, Limits::default())? {
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
    let out = w.finish()?;
    let mut saved = Output::create_private(map)?;
    saved.write_all(r.mapping().to_json().as_bytes())?;
    saved.commit()?;
    out.commit()?;
    Ok(())
}

/// The map file if there is one, else a fresh map. Like any input it must
/// be a regular file: a device or FIFO is refused, not read or replaced.
fn load_map(map: &Path) -> Result<Mapping> {
    const MAX_MAP: u64 = 256 << 20;
    let file = match lift_bundle::input::open_regular(map) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Mapping::new()),
        Err(e) => return Err(anyhow!("{}: {e}", map.display())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_MAP + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_MAP {
        return Err(anyhow!(
            "{}: a map larger than {MAX_MAP} bytes",
            map.display()
        ));
    }
    Mapping::from_json(&bytes).map_err(|e| anyhow!("{}: {e}", map.display()))
}
