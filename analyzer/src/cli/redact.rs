//! `lift bundle redact IN -o OUT`: a copy of a bundle with host names,
//! addresses, MACs, users and keywords replaced (see docs/redaction.md).

use std::path::Path;

use crate::output::Output;
use anyhow::Result;
use lift_bundle::redact::{Mapping, Redactor};
use lift_bundle::{Limits, Reader, Record, Writer, DEFAULT_LEVEL};

/// Reads `input` twice: once to learn the names, once to rewrite it into
/// `output`. The map in `map` is loaded if it exists, extended, and written
/// back (mode 0600).
pub fn redact(input: &Path, output: &Path, map: &Path, keywords: &[String]) -> Result<()> {
    let mut r = Redactor::new(Mapping::load_or_new(map)?);
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
    r.mapping().save(map)?;
    out.commit()?;
    Ok(())
}
