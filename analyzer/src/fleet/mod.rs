//! `lift batch`: many bundles in parallel into one directory of reports,
//! exports and a fleet overview. Start with [`run`].
//!
//! Memory is bounded by the number of workers, not the fleet: each worker
//! builds one report, writes its host pages and export rows to disk, and
//! hands back a [`summary::HostSummary`] of a few hundred bytes. Everything
//! fleet-wide (duplicates, the dependency map, the charts) is computed from
//! the summaries once all bundles are done.

mod declared;
mod depmap;
mod exports;
mod index;
pub mod isolate;
mod summary;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

pub use depmap::{DependencyMap, Edge, External, Via};
pub use summary::HostSummary;

use crate::output::Output;
use crate::profile::Profile;
use crate::render::{self, Format};
use crate::report::Report;

pub struct Options {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub profile: Profile,
    /// `--firewall`: the migration keeps iptables and ip6tables.
    pub firewall: bool,
    /// Worker threads; None lets rayon choose (one per core).
    pub jobs: Option<usize>,
    /// Each bundle in its own process under budgets (what `lift batch`
    /// does); None reads every bundle in this process.
    pub isolation: Option<isolate::Isolation>,
}

impl Options {
    fn target(&self) -> crate::profile::Target {
        crate::profile::Target {
            profile: self.profile,
            firewall: self.firewall,
        }
    }
}

/// What the batch did, for the command's last line.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub bundles: usize,
    pub hosts: usize,
    pub failed: usize,
    /// Bundles not used because a newer one came from the same host.
    pub superseded: usize,
    pub groups: usize,
}

/// A bundle that could not be read; one line of errors.jsonl.
#[derive(Debug, Serialize)]
pub struct Failure {
    pub input: String,
    pub error: String,
}

/// The host kept for an id, and the older bundles of the same host.
pub struct Kept<'a> {
    pub index: usize,
    pub host: &'a HostSummary,
    pub older: Vec<&'a HostSummary>,
}

/// Why a batch as a whole stopped (one bad bundle never does: see
/// [`BundleError`]).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("starting the worker pool: {0}")]
    Pool(#[from] rayon::ThreadPoolBuildError),
    #[error("index.html: {0}")]
    Index(#[from] minijinja::Error),
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> BatchError + '_ {
    move |source| BatchError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Why one bundle gave no report: one line of errors.jsonl.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Open(#[from] crate::snapshot::OpenError),
    #[error("rendering its report: {0}")]
    Render(#[from] minijinja::Error),
    #[error("{}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// The isolated worker failed, ran out of time or memory, or said so.
    #[error("{0}")]
    Worker(String),
}

/// What a directory input holds that `lift batch` reads: bundles, their
/// JSON form, and archives as migration teams have them (sosreports, root
/// tarballs), told apart later by their magic bytes.
const INPUT_SUFFIXES: &[&str] = &[
    ".lift",
    ".lift.json",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tbz2",
];

/// Inputs (see `INPUT_SUFFIXES`), searched recursively under each
/// directory input; sorted so that every run visits them in one order.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, BatchError> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), BatchError> {
        for e in fs::read_dir(dir).map_err(io_err(dir))? {
            let e = e.map_err(io_err(dir))?;
            let path = e.path();
            // file_type does not follow symlinks, so a link loop cannot trap us.
            let kind = e.file_type().map_err(io_err(&path))?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if kind.is_dir() {
                walk(&path, found)?;
            } else if INPUT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                found.push(path);
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    for i in inputs {
        if i.is_dir() {
            walk(i, &mut found)?;
        } else {
            found.push(i.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// One bundle: its report, its pages and export parts under `parts`. A
/// batch worker process runs this (see [`isolate`]).
pub fn one(
    index: usize,
    input: &Path,
    target: &crate::profile::Target,
    parts: &Path,
) -> Result<HostSummary, BundleError> {
    let snap = crate::snapshot::open(input)?;
    let report = Report::build(snap.as_ref(), target);
    let summary = HostSummary::new(snap.as_ref(), &report, &input.to_string_lossy());
    drop(snap);
    let written = |path: PathBuf| move |source| BundleError::Write { path, source };
    for (ext, format) in [("html", Format::Html), ("json", Format::Json)] {
        let body = render::render(&report, format)?;
        let path = parts.join(format!("{index}.{ext}"));
        fs::write(&path, body.as_bytes()).map_err(written(path.clone()))?;
    }
    exports::write_parts(parts, index, &summary.id, &report).map_err(written(parts.to_owned()))?;
    exports::write_dependencies(parts, index, &summary, &report)
        .map_err(written(parts.to_owned()))?;
    Ok(summary)
}

fn progress(len: usize) -> ProgressBar {
    let target = if io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} bundles, {per_sec}, eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// The newest bundle of each host (header `started_at`, then input order),
/// in host id order. One host is one real hostname and machine identity.
fn dedupe(results: &[(usize, HostSummary)]) -> Vec<Kept<'_>> {
    type Key<'a> = (&'a str, &'a str, Option<&'a str>);
    let mut by_host: BTreeMap<Key, Vec<&(usize, HostSummary)>> = BTreeMap::new();
    for r in results {
        let h = &r.1;
        by_host
            .entry((&h.id, &h.hostname, h.machine_id_sha256.as_deref()))
            .or_default()
            .push(r);
    }
    by_host
        .into_values()
        .map(|mut all| {
            all.sort_by_key(|(i, h)| (std::cmp::Reverse(h.started_secs), std::cmp::Reverse(*i)));
            let (index, host) = (all[0].0, &all[0].1);
            Kept {
                index,
                host,
                older: all[1..].iter().map(|(_, h)| h).collect(),
            }
        })
        .collect()
}

pub fn run(opts: &Options) -> Result<Outcome, BatchError> {
    let inputs = discover(&opts.inputs)?;
    let dir = &opts.out;
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    exports::reset(dir).map_err(io_err(dir))?;
    let parts = dir.join(".parts");
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.jobs {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build()?;
    let bar = progress(inputs.len());
    let workers = opts.isolation.clone().map(|iso| {
        let mut args = vec![
            "--parts".into(),
            parts.clone().into_os_string(),
            "--target".into(),
            opts.profile.name().into(),
        ];
        if opts.firewall {
            args.push("--firewall".into());
        }
        isolate::Workers::new(iso, args)
    });
    let results: Vec<Result<HostSummary, BundleError>> = pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                let r = match &workers {
                    Some(w) => w.run(i, input).map_err(BundleError::Worker),
                    None => one(i, input, &opts.target(), &parts),
                };
                bar.inc(1);
                r
            })
            .collect()
    });
    drop(workers);
    bar.finish_and_clear();

    let mut failures = Vec::new();
    let mut ok = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(h) => ok.push((i, h)),
            Err(error) => failures.push(Failure {
                input: inputs[i].to_string_lossy().into_owned(),
                error: error.to_string(),
            }),
        }
    }
    let kept = dedupe(&ok);
    let hosts: Vec<&HostSummary> = kept.iter().map(|k| k.host).collect();
    let map = depmap::build(&hosts);
    for k in &kept {
        for ext in ["html", "json"] {
            let from = parts.join(format!("{}.{ext}", k.index));
            let to = dir.join("hosts").join(format!("{}.{ext}", k.host.id));
            fs::rename(&from, &to).map_err(io_err(&to))?;
        }
    }
    let order: Vec<usize> = kept.iter().map(|k| k.index).collect();
    exports::assemble(dir, &parts, &order).map_err(io_err(dir))?;
    exports::dependencies(dir, &parts, &order, &hosts).map_err(io_err(dir))?;
    let csv_rows: Vec<_> = kept
        .iter()
        .map(|k| (k.host, k.older.iter().map(|h| h.input.as_str()).collect()))
        .collect();
    let csv = dir.join("fleet.csv");
    exports::fleet_csv(&csv, &csv_rows).map_err(io_err(&csv))?;
    let groups = dir.join("groups.json");
    exports::json_file(&groups, &map).map_err(io_err(&groups))?;
    write_errors(&dir.join("errors.jsonl"), &failures)?;
    let outcome = Outcome {
        bundles: inputs.len(),
        hosts: kept.len(),
        failed: failures.len(),
        superseded: ok.len() - kept.len(),
        groups: map.groups.iter().filter(|g| g.len() > 1).count(),
    };
    let page = index::render(&kept, &map, &failures, &outcome, opts.profile)?;
    let index = dir.join("index.html");
    crate::output::write(&index, page.as_bytes()).map_err(io_err(&index))?;
    fs::remove_dir_all(&parts).map_err(io_err(&parts))?;
    Ok(outcome)
}

fn write_errors(path: &Path, failures: &[Failure]) -> Result<(), BatchError> {
    let write = || -> io::Result<()> {
        let mut w = Output::create(path, 0o644)?;
        for f in failures {
            serde_json::to_writer(&mut w, f)?;
            w.write_all(b"\n")?;
        }
        w.commit()
    };
    write().map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::discover;

    #[test]
    fn directories_give_bundles_json_forms_and_archives() {
        let d = std::env::temp_dir().join(format!("lift-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("wave1/sos")).unwrap();
        let inputs = [
            "a.lift",
            "b.lift.json",
            "wave1/sos/sosreport-db01-2026-11-01-abcdef.tar.xz",
            "wave1/root.tar.gz",
            "wave1/old.tgz",
            "wave1/c.tar.bz2",
            "wave1/d.tar",
        ];
        for f in inputs
            .iter()
            .chain(&["notes.txt", "x.json", "y.gz", "index.html"])
        {
            std::fs::write(d.join(f), b"").unwrap();
        }
        let found: Vec<String> = discover(std::slice::from_ref(&d))
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(&d).unwrap().to_string_lossy().into_owned())
            .collect();
        let mut want: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(found, want);
        std::fs::remove_dir_all(d).unwrap();
    }
}
