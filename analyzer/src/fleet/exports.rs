//! The exports: one row per host and item, each carrying `host_id`, so that
//! the fleet can be queried with DuckDB, Spark or Trino (docs/fleet.md has
//! the schemas). Each worker writes its bundle's rows to part files as soon
//! as the report is built; `assemble` concatenates the parts of the hosts
//! kept, in host order, so memory holds no rows and output is deterministic.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::declared::{self, Resolver};
use super::summary::HostSummary;
use crate::model::dependencies::Kind;
use crate::output::Output;
use crate::report::Report;
use crate::rules::Severity;

/// The JSON Lines exports, in the order their part files are named.
pub const JSONL: [&str; 4] = ["findings", "packages", "listeners", "connections"];

fn part(dir: &Path, index: usize, kind: &str) -> PathBuf {
    dir.join(format!("{index}.{kind}.jsonl"))
}

/// One JSON object a line: `host_id`, then the item's own fields (as
/// `#[serde(flatten)]` would write them, without its cost: the item is
/// written as it is, and the key spliced in after its opening brace).
fn write_rows<T: Serialize>(path: &Path, host_id: &str, items: &[T]) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let mut key = b"{\"host_id\":".to_vec();
    serde_json::to_writer(&mut key, host_id)?;
    let mut item = Vec::new();
    for i in items {
        item.clear();
        serde_json::to_writer(&mut item, i)?;
        let Some(fields) = item.strip_prefix(b"{") else {
            return Err(io::Error::other("an export row is not a JSON object"));
        };
        w.write_all(&key)?;
        if fields != b"}" {
            w.write_all(b",")?;
        }
        w.write_all(fields)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// Writes bundle `index`'s rows under `parts`.
pub fn write_parts(parts: &Path, index: usize, host_id: &str, report: &Report) -> io::Result<()> {
    let host = &report.host;
    write_rows(&part(parts, index, "findings"), host_id, &report.findings)?;
    let packages = host.packages.as_ref().map(|p| p.list.as_slice());
    write_rows(
        &part(parts, index, "packages"),
        host_id,
        packages.unwrap_or_default(),
    )?;
    let listeners = host.listeners.as_deref().unwrap_or_default();
    write_rows(&part(parts, index, "listeners"), host_id, listeners)?;
    let connections = host.connections.as_deref().unwrap_or_default();
    write_rows(&part(parts, index, "connections"), host_id, connections)
}

/// One row of dependencies.jsonl: a dependency the host's configuration
/// declares, and the fleet host its target is.
#[derive(Serialize, serde::Deserialize)]
struct DependencyRow {
    host_id: String,
    hostname: String,
    kind: String,
    target: String,
    port: Option<u16>,
    declared_in: String,
    evidence: String,
    scope: String,
    /// The target as an address, when known offline: itself, or the
    /// address the host's /etc/hosts pins the name to.
    address: Option<String>,
    /// The fleet host the target is (the host itself for loopback or
    /// `localhost`), null for none or a target that names no host (a
    /// search domain, a WWID). Filled once the whole fleet is known, but
    /// for the host itself.
    fleet_host_id: Option<String>,
}

const DEPENDENCIES: &str = "dependencies";

/// Writes bundle `index`'s dependency rows under `parts`, without their
/// fleet match (see [`dependencies`]).
pub fn write_dependencies(
    parts: &Path,
    index: usize,
    host: &HostSummary,
    report: &Report,
) -> io::Result<()> {
    let deps = &report.host.dependencies;
    let pins = declared::pins(deps);
    let mut w = BufWriter::new(File::create(part(parts, index, DEPENDENCIES))?);
    for d in deps {
        let (address, itself) = match declared::resolve(&d.target, &pins) {
            Some((_, a)) => (a, None),
            None => (None, Some(host.id.clone())),
        };
        let row = DependencyRow {
            host_id: host.id.clone(),
            hostname: host.hostname.clone(),
            kind: declared::label(&d.kind),
            target: d.target.clone(),
            port: d.port,
            declared_in: d.declared_in.clone(),
            evidence: d.evidence.clone(),
            scope: declared::label(&d.scope),
            address,
            fleet_host_id: itself,
        };
        serde_json::to_writer(&mut w, &row)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// DIR/dependencies.jsonl: the parts of the hosts kept, in host order, each
/// row with the fleet host its target is, matched as the dependency map
/// matches declared edges. Streams: one row in memory at a time.
pub fn dependencies<'a>(
    dir: &Path,
    parts: &Path,
    kept: &[usize],
    resolver: &Resolver,
    id: impl Fn(usize) -> &'a str,
) -> io::Result<()> {
    let out = dir.join(format!("{DEPENDENCIES}.jsonl"));
    let mut w = Output::create(&out, 0o644)?;
    for &i in kept {
        let path = part(parts, i, DEPENDENCIES);
        let r = io::BufReader::new(File::open(&path)?);
        for line in io::BufRead::lines(r) {
            let mut row: DependencyRow = serde_json::from_str(&line?)?;
            let names_host = ![Kind::DnsSearch, Kind::San]
                .iter()
                .any(|k| declared::label(k) == row.kind);
            if row.fleet_host_id.is_none() && names_host {
                let target = declared::clean(&row.target);
                row.fleet_host_id = resolver
                    .find(&target, row.address.as_deref())
                    .map(|h| id(h).to_owned());
            }
            serde_json::to_writer(&mut w, &row)?;
            w.write_all(b"\n")?;
        }
    }
    w.commit()
}

/// Concatenates the parts of `kept` (bundle index, in host order) into
/// DIR/<kind>.jsonl.
pub fn assemble(dir: &Path, parts: &Path, kept: &[usize]) -> io::Result<()> {
    for kind in JSONL {
        let out = dir.join(format!("{kind}.jsonl"));
        let mut w = Output::create(&out, 0o644)?;
        for &i in kept {
            w.append(&mut File::open(part(parts, i, kind))?)?;
        }
        w.commit()?;
    }
    Ok(())
}

pub const CSV_COLUMNS: &str = "host_id,hostname,os,kernel,init,virtualization,readiness,blockers,warnings,unknowns,packages,complete,started_at,bundle,other_bundles";

/// RFC 4180: quote a field holding a comma, quote or line break. A field
/// that a spreadsheet would take for a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return, maybe after spaces) gets a leading
/// `'`, as OWASP recommends against CSV injection: a hostname like
/// `=HYPERLINK(...)` stays text.
fn csv(field: &str) -> String {
    let formula = field
        .trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r']);
    let field = if formula {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r', '\'']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// DIR/fleet.csv: one row per host (the newest bundle), written as the
/// hosts are visited; `other_bundles` lists older bundles of the same
/// host, separated by `;`.
pub struct FleetCsv(Output);

impl FleetCsv {
    pub fn create(path: &Path) -> io::Result<FleetCsv> {
        let mut w = Output::create(path, 0o644)?;
        writeln!(w, "{CSV_COLUMNS}")?;
        Ok(FleetCsv(w))
    }

    pub fn row(&mut self, h: &HostSummary, older: &[HostSummary]) -> io::Result<()> {
        let older: Vec<&str> = older.iter().map(|o| o.input.as_str()).collect();
        let fields = [
            h.id.clone(),
            h.hostname.clone(),
            h.os.clone(),
            h.kernel.clone(),
            h.init.clone(),
            h.virtualization.clone(),
            h.readiness.clone(),
            h.count(Severity::Blocker).to_string(),
            h.count(Severity::Warning).to_string(),
            h.count(Severity::Unknown).to_string(),
            h.packages.to_string(),
            h.complete.to_string(),
            h.started_at.clone(),
            h.input.clone(),
            older.join(";"),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv(f)).collect();
        writeln!(self.0, "{}", line.join(","))
    }

    pub fn commit(self) -> io::Result<()> {
        self.0.commit()
    }
}

/// Writes `value` as pretty JSON to `path`.
pub fn json_file<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut w = Output::create(path, 0o644)?;
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")?;
    w.commit()
}

/// Removes what an earlier run left, so a re-run gives the same DIR.
pub fn reset(dir: &Path) -> io::Result<()> {
    for sub in ["hosts", ".parts"] {
        match fs::remove_dir_all(dir.join(sub)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    fs::create_dir_all(dir.join("hosts"))?;
    fs::create_dir_all(dir.join(".parts"))
}

#[cfg(test)]
mod tests {
    use super::{csv, write_rows};
    use serde::Serialize;

    /// The spliced rows are what `#[serde(flatten)]` writes.
    #[test]
    fn rows_are_host_id_then_the_item() {
        #[derive(Serialize)]
        struct Item {
            name: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            port: Option<u16>,
        }
        #[derive(Serialize)]
        struct Empty {}
        #[derive(Serialize)]
        struct Row<'a, T> {
            host_id: &'a str,
            #[serde(flatten)]
            item: &'a T,
        }
        let d = std::env::temp_dir().join(format!("lift-rows-{}", std::process::id()));
        let items = [
            Item {
                name: "a\"b",
                port: Some(22),
            },
            Item {
                name: "",
                port: None,
            },
        ];
        let id = "web\n01-1a2b";
        write_rows(&d, id, &items).unwrap();
        let want: String = items
            .iter()
            .map(|item| serde_json::to_string(&Row { host_id: id, item }).unwrap() + "\n")
            .collect();
        assert_eq!(std::fs::read_to_string(&d).unwrap(), want);
        write_rows(&d, id, &[Empty {}]).unwrap();
        let want = serde_json::to_string(&Row {
            host_id: id,
            item: &Empty {},
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&d).unwrap(), want + "\n");
        assert!(write_rows(&d, id, &["not an object"]).is_err());
        std::fs::remove_file(d).unwrap();
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }

    /// Issue 14 C1: cells starting with a formula character were live formulas.
    #[test]
    fn formula_cells_are_neutralized() {
        assert_eq!(csv("=1+1"), "\"'=1+1\"");
        assert_eq!(
            csv("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for f in ["+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =1"] {
            assert!(csv(f).starts_with("\"'"), "{f:?} -> {:?}", csv(f));
        }
        assert_eq!(csv("web-01"), "web-01");
        assert_eq!(csv("12"), "12");
    }
}
