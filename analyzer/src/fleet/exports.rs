//! The exports: one row per host and item, each carrying `host_id`, so that
//! the fleet can be queried with DuckDB, Spark or Trino (docs/fleet.md has
//! the schemas). Each worker writes its bundle's rows to part files as soon
//! as the report is built; [`Joiner`] appends them in input order as the
//! batch goes, so memory holds no rows and output is deterministic.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::declared::{self, Resolver};
use super::store::named;
use super::summary::HostSummary;
use crate::model::dependencies::Kind;
use crate::output::Output;
use crate::report::Report;
use crate::rules::Severity;

/// The JSON Lines exports, in the order their part files are named.
pub const JSONL: [&str; 9] = [
    "findings",
    "packages",
    "listeners",
    "connections",
    "utilization",
    "volumes",
    "jobs",
    "containers",
    "applications",
];

/// What a worker writes for one bundle under the parts folder, each
/// `<index>.<name>`: its two pages, then its export rows. A kept result
/// ([`super::kept`]) is these files.
pub fn part_names() -> Vec<String> {
    let mut names = vec!["html".to_string(), "json".to_string()];
    names.extend(JSONL.iter().map(|kind| format!("{kind}.jsonl")));
    names.push(format!("{DEPENDENCIES}.jsonl"));
    names
}

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
    write_rows(&part(parts, index, "connections"), host_id, connections)?;
    let utilization = super::provision::utilization_rows(report);
    write_rows(&part(parts, index, "utilization"), host_id, &utilization)?;
    let volumes = super::provision::volume_rows(report);
    write_rows(&part(parts, index, "volumes"), host_id, &volumes)?;
    let jobs = host.jobs.as_deref().unwrap_or_default();
    write_rows(&part(parts, index, "jobs"), host_id, jobs)?;
    let containers = host.containers.as_deref().unwrap_or_default();
    write_rows(&part(parts, index, "containers"), host_id, containers)?;
    let applications = host.applications.as_deref().unwrap_or_default();
    write_rows(&part(parts, index, "applications"), host_id, applications)
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

/// DIR/dependencies.jsonl: the parts of the bundles kept, in input order, each
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

/// The JSON Lines exports, joined while the batch runs. Bundles finish
/// about in input order (see `fleet::run`); once bundle `i` and all before
/// it are done, their parts are appended to `.parts/<kind>.jsonl` and
/// removed at once, mostly before the kernel has written them to disk, so
/// that the rows are written once, not twice. Each bundle's ranges are
/// kept: a bundle found superseded at the end (an older bundle of a host)
/// is left out then.
pub struct Joiner {
    parts: PathBuf,
    files: Vec<File>,
    lens: [u64; JSONL.len()],
    /// The next bundle to append.
    next: usize,
    /// Bundles done but not yet appended (a bundle before them is not),
    /// and whether each gave a report.
    waiting: BTreeMap<usize, bool>,
    /// Where each appended bundle's rows are: (offset, length) per kind.
    ranges: Vec<Option<[(u64, u64); JSONL.len()]>>,
    /// The first error; the batch stops on it at the end.
    failed: Option<io::Error>,
}

fn joined(parts: &Path, kind: &str) -> PathBuf {
    parts.join(format!("{kind}.jsonl"))
}

impl Joiner {
    pub fn new(parts: &Path, bundles: usize) -> io::Result<Joiner> {
        let files = JSONL
            .iter()
            .map(|kind| {
                let path = joined(parts, kind);
                File::create(&path).map_err(|e| named(&path, e))
            })
            .collect::<io::Result<_>>()?;
        Ok(Joiner {
            parts: parts.to_owned(),
            files,
            lens: [0; JSONL.len()],
            next: 0,
            waiting: BTreeMap::new(),
            ranges: vec![None; bundles],
            failed: None,
        })
    }

    /// Bundle `index` is done: `ok` when its parts are complete.
    pub fn done(&mut self, index: usize, ok: bool) {
        self.waiting.insert(index, ok);
        while let Some(ok) = self.waiting.remove(&self.next) {
            let i = self.next;
            self.next += 1;
            if ok && self.failed.is_none() {
                if let Err(e) = self.append(i) {
                    self.failed = Some(e);
                }
            }
            for kind in JSONL {
                let _ = fs::remove_file(part(&self.parts, i, kind));
            }
        }
    }

    fn append(&mut self, i: usize) -> io::Result<()> {
        let mut ranges = [(0, 0); JSONL.len()];
        for (k, kind) in JSONL.iter().enumerate() {
            let path = part(&self.parts, i, kind);
            let mut from = File::open(&path).map_err(|e| named(&path, e))?;
            // File to file: copy_file_range, in the kernel.
            let n = io::copy(&mut from, &mut self.files[k]).map_err(|e| named(&path, e))?;
            ranges[k] = (self.lens[k], n);
            self.lens[k] += n;
        }
        self.ranges[i] = Some(ranges);
        Ok(())
    }

    /// DIR/<kind>.jsonl: the rows of `kept` (bundle indices, increasing),
    /// every bundle done. Renamed into place when every bundle appended is
    /// kept; else copied, range by range.
    pub fn finish(mut self, dir: &Path, kept: &[usize]) -> io::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        debug_assert!(self.waiting.is_empty() && self.next == self.ranges.len());
        let appended = self.ranges.iter().filter(|r| r.is_some()).count();
        let all = appended == kept.len() && kept.iter().all(|&i| self.ranges[i].is_some());
        for (k, kind) in JSONL.iter().enumerate() {
            let from = joined(&self.parts, kind);
            let to = dir.join(format!("{kind}.jsonl"));
            if all {
                fs::rename(&from, &to).map_err(|e| named(&to, e))?;
                continue;
            }
            let mut w = Output::create(&to, 0o644)?;
            let mut src = File::open(&from).map_err(|e| named(&from, e))?;
            for &i in kept {
                let Some(ranges) = self.ranges[i] else {
                    return Err(named(&to, format!("bundle {i} was kept but not joined")));
                };
                let (offset, len) = ranges[k];
                src.seek(io::SeekFrom::Start(offset))?;
                w.append(&mut (&mut src).take(len))?;
            }
            w.commit()?;
        }
        Ok(())
    }
}

pub const CSV_COLUMNS: &str = "host_id,hostname,os,kernel,init,virtualization,readiness,blockers,warnings,unknowns,packages,complete,started_at,bundle,other_bundles,vcpus,memory_bytes,cpu_p95,memory_p95,disks_allocated_bytes,disks_used_bytes,recommended_as_is,recommended_right_sized,os_support,os_support_ends";

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

/// The hosts table as the Parquet export reads it (`parquet::TABLES`):
/// fleet.csv's columns, typed (numbers as numbers, `other_bundles` a list,
/// a missing time null). A column added to fleet.csv goes here too.
#[derive(Serialize)]
struct HostRow<'a> {
    host_id: &'a str,
    hostname: &'a str,
    os: &'a str,
    kernel: &'a str,
    init: &'a str,
    virtualization: &'a str,
    readiness: &'a str,
    blockers: usize,
    warnings: usize,
    unknowns: usize,
    packages: usize,
    complete: bool,
    started_at: Option<&'a str>,
    bundle: &'a str,
    other_bundles: Vec<&'a str>,
    vcpus: Option<u32>,
    memory_bytes: Option<u64>,
    cpu_p95: Option<f64>,
    memory_p95: Option<f64>,
    disks_allocated_bytes: Option<u64>,
    disks_used_bytes: Option<u64>,
    recommended_as_is: Option<&'a str>,
    recommended_right_sized: Option<&'a str>,
}

/// DIR/fleet.csv: one row per host (the newest bundle), written as the
/// hosts are visited; `other_bundles` lists older bundles of the same
/// host, separated by `;`. The same rows go to `hosts` (JSON Lines, for
/// the Parquet export).
pub struct FleetCsv(Output, BufWriter<File>);

impl FleetCsv {
    pub fn create(path: &Path, hosts: &Path) -> io::Result<FleetCsv> {
        let mut w = Output::create(path, 0o644)?;
        writeln!(w, "{CSV_COLUMNS}")?;
        let h = File::create(hosts).map_err(|e| named(hosts, e))?;
        Ok(FleetCsv(w, BufWriter::new(h)))
    }

    pub fn row(&mut self, h: &HostSummary, older: &[HostSummary]) -> io::Result<()> {
        let older: Vec<&str> = older.iter().map(|o| o.input.as_str()).collect();
        let p = &h.provision;
        let row = HostRow {
            host_id: &h.id,
            hostname: &h.hostname,
            os: &h.os,
            kernel: &h.kernel,
            init: &h.init,
            virtualization: &h.virtualization,
            readiness: &h.readiness,
            blockers: h.count(Severity::Blocker),
            warnings: h.count(Severity::Warning),
            unknowns: h.count(Severity::Unknown),
            packages: h.packages,
            complete: h.complete,
            started_at: (!h.started_at.is_empty()).then_some(h.started_at.as_str()),
            bundle: &h.input,
            other_bundles: older.clone(),
            vcpus: p.vcpus,
            memory_bytes: p.memory_bytes,
            cpu_p95: p.cpu_p95,
            memory_p95: p.memory_p95,
            disks_allocated_bytes: p.disks_allocated_bytes,
            disks_used_bytes: p.disks_used_bytes,
            recommended_as_is: p.as_is.as_deref(),
            recommended_right_sized: p.right_sized.as_deref(),
        };
        serde_json::to_writer(&mut self.1, &row)?;
        self.1.write_all(b"\n")?;
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
        let opt = |v: Option<String>| v.unwrap_or_default();
        let provision = [
            opt(p.vcpus.map(|v| v.to_string())),
            opt(p.memory_bytes.map(|v| v.to_string())),
            opt(p.cpu_p95.map(|v| v.to_string())),
            opt(p.memory_p95.map(|v| v.to_string())),
            opt(p.disks_allocated_bytes.map(|v| v.to_string())),
            opt(p.disks_used_bytes.map(|v| v.to_string())),
            opt(p.as_is.clone()),
            opt(p.right_sized.clone()),
            h.os_support.clone(),
            opt(h.os_support_ends.clone()),
        ];
        let fields: Vec<String> = fields.into_iter().chain(provision).collect();
        let line: Vec<String> = fields.iter().map(|f| csv(f)).collect();
        writeln!(self.0, "{}", line.join(","))
    }

    pub fn commit(mut self) -> io::Result<()> {
        self.1.flush()?;
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
    use super::{csv, part, write_rows, Joiner, JSONL};

    /// Bundles done out of order are appended in input order, their parts
    /// removed; a failed bundle adds nothing; a superseded one is left out
    /// at the end.
    #[test]
    fn joiner_appends_in_input_order() {
        let d = std::env::temp_dir().join(format!("lift-joiner-{}", std::process::id()));
        let (parts, out) = (d.join("parts"), d.join("out"));
        std::fs::create_dir_all(&parts).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let write = |i: usize| {
            for kind in JSONL {
                std::fs::write(part(&parts, i, kind), format!("{kind} {i}\n")).unwrap();
            }
        };
        let read = |kind: &str| std::fs::read_to_string(out.join(format!("{kind}.jsonl"))).unwrap();

        let mut j = Joiner::new(&parts, 4).unwrap();
        for i in [2, 0, 3, 1] {
            write(i);
        }
        j.done(2, true);
        assert!(
            part(&parts, 2, "packages").exists(),
            "appended before bundle 0"
        );
        j.done(0, true);
        assert!(!part(&parts, 0, "packages").exists());
        j.done(3, true);
        j.done(1, false);
        for i in 0..4 {
            assert!(
                !part(&parts, i, "findings").exists(),
                "bundle {i}'s part kept"
            );
        }
        j.finish(&out, &[0, 2, 3]).unwrap();
        assert_eq!(read("packages"), "packages 0\npackages 2\npackages 3\n");

        // Bundle 2 superseded: the rows are copied without it.
        let mut j = Joiner::new(&parts, 4).unwrap();
        for i in 0..4 {
            write(i);
            j.done(i, true);
        }
        j.finish(&out, &[0, 1, 3]).unwrap();
        assert_eq!(read("findings"), "findings 0\nfindings 1\nfindings 3\n");
        assert_eq!(
            read("connections"),
            "connections 0\nconnections 1\nconnections 3\n"
        );
        std::fs::remove_dir_all(d).unwrap();
    }
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
