//! `lift bundle redact IN -o OUT`: a copy of a bundle with host names,
//! addresses, MACs, users and keywords replaced (see docs/redaction.md).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};
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
    let tmp = output.with_extension("lift-tmp");
    let file = fs::File::create(&tmp).with_context(|| format!("{}", tmp.display()))?;
    let mut w = Writer::new(io::BufWriter::new(file), DEFAULT_LEVEL)?;
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
    w.finish()?.flush()?;
    r.mapping().save(map)?;
    fs::rename(&tmp, output).with_context(|| format!("{}", output.display()))?;
    Ok(())
}
