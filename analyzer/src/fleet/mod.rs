//! `lift batch`: many bundles in parallel into one directory of reports,
//! exports and a fleet overview. Start with [`run`].
//!
//! Memory is bounded by the number of workers, not the fleet: each worker
//! builds one report, writes its host pages and export rows to disk, and
//! hands back a [`summary::HostSummary`] of a few kilobytes, which goes to
//! a file too ([`store::Store`]); the batch keeps a host's id and where
//! its summary is. Everything fleet-wide (duplicates, the dependency map,
//! the charts, the index) is computed once all bundles are done, in passes
//! over the summaries read back one at a time.

mod declared;
mod depmap;
mod discover;
mod exports;
use crate::model::identity;
mod index;
pub mod isolate;
mod kept;
pub mod parquet;
pub mod provision;
mod store;
mod summary;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use depmap::{DependencyMap, Edge, External, Via};
pub use summary::HostSummary;

pub use crate::report::fleet::{Failure, Form, Outcome, SharedMachineId};

use crate::output::Output;
use crate::profile::Profile;
use crate::render::{self, Format};
use crate::report::fleet::{Index, Lazy};
use crate::report::Report;
use store::{Ids, Paths, Slot, Store};

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
    /// `--catalog` (its path, for the workers) and `--headroom`.
    pub sizing: crate::sizing::Choice,
    pub catalog_path: Option<PathBuf>,
    /// Which exports to write (`--exports`).
    pub exports: Exports,
    /// `--fresh`: every bundle analysed again, what was kept removed.
    pub fresh: bool,
    /// `--dirs`: a directory one level down holding a root filesystem or
    /// an extracted sosreport is an input.
    pub dirs: bool,
}

/// `--exports`: the table exports' formats. The index, the host pages and
/// groups.json are always written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exports {
    /// `DIR/parquet/<table>/<table>.parquet`.
    pub parquet: bool,
    /// `DIR/<table>.jsonl`.
    pub jsonl: bool,
    /// `DIR/fleet.csv`.
    pub csv: bool,
}

/// A word in `--exports` that names no export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--exports takes parquet, jsonl and csv, not {0:?}")]
pub struct UnknownExport(pub String);

impl Exports {
    pub const ALL: Exports = Exports {
        parquet: true,
        jsonl: true,
        csv: true,
    };

    /// `parquet,jsonl,csv`, any of them, in any order.
    pub fn parse(list: &str) -> Result<Exports, UnknownExport> {
        let mut e = Exports {
            parquet: false,
            jsonl: false,
            csv: false,
        };
        for w in list.split(',').map(str::trim) {
            match w {
                "parquet" => e.parquet = true,
                "jsonl" => e.jsonl = true,
                "csv" => e.csv = true,
                _ => return Err(UnknownExport(w.to_string())),
            }
        }
        Ok(e)
    }
}

impl Options {
    /// What besides a bundle's bytes and path decides its result, for the
    /// kept results' keys: the profile, --firewall, the catalog's content
    /// and the headroom.
    fn result_options(&self) -> io::Result<String> {
        use sha2::{Digest, Sha256};
        let catalog = match &self.catalog_path {
            Some(p) => {
                let body = fs::read(p)?;
                crate::model::files::hex(&Sha256::digest(&body))
            }
            None => "none".to_string(),
        };
        Ok(format!(
            "profile {}\0firewall {}\0catalog {catalog}\0headroom {}",
            self.profile.name(),
            self.firewall,
            self.sizing.headroom_percent
        ))
    }

    fn target(&self) -> crate::profile::Target {
        crate::profile::Target {
            firewall: self.firewall,
            sizing: self.sizing,
            ..crate::profile::Target::new(self.profile)
        }
    }
}

/// What the batch holds in memory per bundle, and why. A fleet of
/// 30,000 hosts must fit in the memory of one of 1,000 (issue 29), so
/// everything with a host's strings in it is on disk (its summary in the
/// [`Store`], its export rows' places and its key in the joiner's records,
/// its input's hash in the keeper's) and read back per pass. What stays:
///
/// - until duplicates are found, an [`Entry`] a bundle read: its numbers,
///   and the keys one machine's bundles share, hashed (8 bytes each);
/// - from then on, a [`Kept`] a host (24 bytes: input index, id number,
///   where its summary is) and its id in [`Ids`] (its bytes and 8 more):
///   ids order the hosts and name them in every output;
/// - for the dependency map, the resolver's addresses and names (see
///   `declared::Resolver`) and the edges between hosts, which grow with
///   the edges, not the hosts;
/// - where each input's path ends in [`Paths`] (8 bytes; the paths are
///   on disk once `discover` has sorted them).
///
/// `entry_and_kept_stay_small` holds the sizes.
struct Entry {
    index: u32,
    /// Its host id in [`Ids`].
    id: u32,
    /// Its place in [`FORMS`].
    form: u8,
    started_secs: i64,
    slot: Slot,
    /// Where its identity's keys (see [`identity_keys`]), hashed, lie in
    /// [`Entries::keys`]: a bundle sharing none with a host is not that
    /// host, and one sharing some is compared with it in full (read back
    /// from the store).
    keys: (u32, u16),
}

/// The bundles read so far, as the workers hand them in, and their keys
/// in one list: a host costs about 40 bytes here and 8 a key, not a boxed
/// slice each and a result the size of the largest error (issue 29: the
/// batch's memory before the fleet-wide part grew 125 bytes a host).
#[derive(Default)]
struct Entries {
    list: Vec<Entry>,
    keys: Vec<u64>,
}

impl Entries {
    fn push(&mut self, mut e: Entry, keys: &[u64]) {
        let start = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        let n = u16::try_from(keys.len()).unwrap_or(u16::MAX);
        self.keys.extend_from_slice(&keys[..n as usize]);
        e.keys = (start, n);
        self.list.push(e);
    }
}

/// What tells one machine's bundles apart from others': MACs, machine-id,
/// product UUID, host name.
fn identity_keys(i: &identity::Identity) -> Vec<String> {
    let mut k: Vec<String> = i.macs.iter().map(|m| format!("mac {m}")).collect();
    k.extend(i.machine_id.iter().map(|m| format!("mid {m}")));
    k.extend(i.product_uuid.iter().map(|u| format!("uuid {u}")));
    k.extend(i.hostname.iter().map(|h| format!("name {h}")));
    k
}

impl Entry {
    fn new(
        index: usize,
        h: &HostSummary,
        store: &Store,
        ids: &Mutex<Ids>,
        keys: &std::hash::RandomState,
    ) -> Result<(Entry, Vec<u64>), BundleError> {
        use std::hash::BuildHasher;
        let slot = store.put(h).map_err(|source| BundleError::Write {
            path: store.path().to_owned(),
            source,
        })?;
        let form = FORMS
            .iter()
            .position(|f| *f == h.form)
            .unwrap_or(FORMS.len() - 1);
        let entry = Entry {
            // The batch refuses more inputs than a u32 counts.
            index: index as u32,
            id: lock(ids).push(&h.id),
            form: form as u8,
            started_secs: h.started_secs,
            slot,
            keys: (0, 0),
        };
        let keys = identity_keys(&h.identity)
            .iter()
            .map(|k| keys.hash_one(k))
            .collect();
        Ok((entry, keys))
    }
}

/// The host kept for an id (its newest bundle), and the older bundles of
/// the same host, each with what matched (see [`identity::compare`]).
pub struct Kept {
    pub index: u32,
    /// Its id in [`Ids`].
    id: u32,
    slot: Slot,
    /// Few hosts have older bundles: those are apart.
    older: Option<Box<Older>>,
}

#[derive(Default)]
struct Older {
    bundles: Vec<(Slot, String)>,
    /// Host names older bundles had, where the host was renamed since.
    renamed_from: Vec<String>,
}

impl Kept {
    fn older(&self) -> &[(Slot, String)] {
        self.older.as_ref().map_or(&[], |o| &o.bundles)
    }

    fn renamed_from(&self) -> &[String] {
        self.older.as_ref().map_or(&[], |o| &o.renamed_from)
    }
}

/// The hosts kept, in id order, their summaries read from the store.
struct Fleet<'a> {
    store: &'a Store,
    kept: &'a [Kept],
    ids: &'a Ids,
}

impl Fleet<'_> {
    fn older(&self, k: &Kept) -> io::Result<Vec<HostSummary>> {
        k.older().iter().map(|s| self.store.get(s.0)).collect()
    }

    fn id(&self, i: usize) -> &str {
        self.ids.get(self.kept[i].id)
    }
}

impl depmap::Hosts for Fleet<'_> {
    fn len(&self) -> usize {
        self.kept.len()
    }

    fn id(&self, i: usize) -> &str {
        Fleet::id(self, i)
    }

    fn visit(
        &self,
        which: Option<&[usize]>,
        f: &mut dyn FnMut(usize, &HostSummary) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut one = |i: usize| f(i, &self.store.get(self.kept[i].slot)?);
        match which {
            Some(which) => which.iter().try_for_each(|&i| one(i)),
            None => (0..self.kept.len()).try_for_each(one),
        }
    }
}

/// Why a batch as a whole stopped (one bad bundle never does: see
/// [`BundleError`]).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// (The I/O error is not a `source`: its text is in the message, and
    /// a chain would say it twice.)
    #[error("{}", named_once(path, error))]
    Io { path: PathBuf, error: io::Error },
    #[error(
        "{}: another lift batch is writing into this folder{}; wait for it to finish, or give \
         another folder",
        dir.display(),
        holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    Busy {
        dir: PathBuf,
        holder: Option<String>,
    },
    #[error("starting the worker pool: {0}")]
    Pool(#[from] rayon::ThreadPoolBuildError),
    #[error("index.html: {0}")]
    Index(#[from] minijinja::Error),
}

/// The error with its path named once: errors from `output` already name
/// theirs (`fleet.csv.tmp: No space left on device`).
fn named_once(path: &Path, source: &io::Error) -> String {
    let text = source.to_string();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.is_some_and(|n| text.contains(&n)) {
        text
    } else {
        format!("{}: {text}", path.display())
    }
}

/// The output folder's lock (`DIR/.lift-batch.lock`, flock'ed): two runs
/// into one folder would remove and overwrite each other's files. Held
/// until dropped; the kernel releases it if the process dies.
struct FolderLock {
    _file: fs::File,
}

impl FolderLock {
    fn take(dir: &Path) -> Result<FolderLock, BatchError> {
        use std::io::{Read, Seek, Write};
        use std::os::unix::io::AsRawFd;
        let path = dir.join(".lift-batch.lock");
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err(&path))?;
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(BatchError::Busy {
                dir: dir.to_owned(),
                holder: (!holder.is_empty()).then(|| holder.to_string()),
            });
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "process {}", std::process::id());
        Ok(FolderLock { _file: file })
    }
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> BatchError + '_ {
    move |error| BatchError::Io {
        path: path.to_owned(),
        error,
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
    #[error(transparent)]
    Worker(#[from] isolate::WorkerError),
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
    let summary = HostSummary::new(&report, &input.to_string_lossy());
    drop(snap);
    let written = |path: PathBuf| move |source| BundleError::Write { path, source };
    for (ext, format) in [("html", Format::Html), ("json", Format::Json)] {
        let body = match format {
            Format::Html => render::render_in_fleet(&report)?,
            _ => render::render(&report, format)?,
        };
        let path = parts.join(format!("{index}.{ext}"));
        fs::write(&path, body.as_bytes()).map_err(written(path.clone()))?;
    }
    exports::write_parts(parts, index, &summary, &report).map_err(written(parts.to_owned()))?;
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
/// in host id order. Bundles are taken newest first; each joins the first
/// host whose newest bundle it is one machine with (see
/// [`identity::compare`]), found through the keys they share, or is a host
/// of its own.
fn dedupe(entries: Entries, store: &Store, ids: &Ids) -> io::Result<Vec<Kept>> {
    use identity::Verdict;
    use std::collections::HashMap;
    let Entries {
        list: mut entries,
        keys: all_keys,
    } = entries;
    let keys_of = |e: &Entry| {
        let start = e.keys.0 as usize;
        all_keys
            .get(start..start + e.keys.1 as usize)
            .unwrap_or(&[])
    };
    entries.sort_by_key(|e| {
        (
            std::cmp::Reverse(e.started_secs),
            std::cmp::Reverse(e.index),
        )
    });
    let mut hosts: Vec<Kept> = Vec::new();
    // A key's first host, and the later ones when hosts share it.
    let mut by_key: HashMap<u64, u32> = HashMap::new();
    let mut shared: HashMap<u64, Vec<u32>> = HashMap::new();
    for e in entries {
        let mut candidates: Vec<u32> = Vec::new();
        for k in keys_of(&e) {
            candidates.extend(by_key.get(k));
            candidates.extend(shared.get(k).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut found = None;
        if !candidates.is_empty() {
            let me = store.get(e.slot)?;
            for c in candidates {
                let host = store.get(hosts[c as usize].slot)?;
                if let Verdict::Same { matched, renamed } =
                    identity::compare(&host.identity, &me.identity)
                {
                    found = Some((c, matched, renamed.then_some(me.hostname)));
                    break;
                }
            }
        }
        match found {
            Some((c, matched, renamed)) => {
                let older = hosts[c as usize].older.get_or_insert_with(Default::default);
                older.bundles.push((e.slot, matched));
                if let Some(name) = renamed {
                    if !older.renamed_from.contains(&name) {
                        older.renamed_from.push(name);
                    }
                }
            }
            None => {
                let at = hosts.len() as u32;
                for &k in keys_of(&e) {
                    match by_key.entry(k) {
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(at);
                        }
                        std::collections::hash_map::Entry::Occupied(_) => {
                            shared.entry(k).or_default().push(at)
                        }
                    }
                }
                hosts.push(Kept {
                    index: e.index,
                    id: e.id,
                    slot: e.slot,
                    older: None,
                });
            }
        }
    }
    hosts.sort_by(|a, b| (ids.get(a.id), a.index).cmp(&(ids.get(b.id), b.index)));
    hosts.shrink_to_fit();
    Ok(hosts)
}

/// Machine-ids that more than one kept host has, with those hosts: hosts
/// are added in id order, their machine-ids hashed; only the hosts whose
/// hash another host has are read again.
#[derive(Default)]
struct SharedMids {
    hasher: std::hash::RandomState,
    mids: Vec<(u64, u32)>,
}

impl SharedMids {
    fn add(&mut self, i: usize, h: &HostSummary) {
        use std::hash::BuildHasher;
        if let Some(m) = &h.identity.machine_id {
            self.mids.push((self.hasher.hash_one(m), i as u32));
        }
    }

    /// Only the hosts that may share one are kept.
    fn shrink(&mut self) {
        self.mids.sort_unstable();
        let m = &self.mids;
        let shared =
            |j: usize| (j > 0 && m[j - 1].0 == m[j].0) || (j + 1 < m.len() && m[j + 1].0 == m[j].0);
        let keep: Vec<(u64, u32)> = (0..m.len()).filter(|&j| shared(j)).map(|j| m[j]).collect();
        self.mids = keep;
    }

    fn list(&self, fleet: &Fleet) -> io::Result<Vec<SharedMachineId>> {
        let mut which: Vec<usize> = self.mids.iter().map(|m| m.1 as usize).collect();
        which.sort_unstable();
        let mut by_mid: BTreeMap<String, Vec<String>> = BTreeMap::new();
        depmap::Hosts::visit(fleet, Some(&which), &mut |i, h| {
            if let Some(m) = &h.identity.machine_id {
                by_mid
                    .entry(m.clone())
                    .or_default()
                    .push(fleet.id(i).to_owned());
            }
            Ok(())
        })?;
        Ok(by_mid
            .into_iter()
            .filter(|(_, hosts)| hosts.len() > 1)
            .map(|(m, hosts)| SharedMachineId {
                machine_id: m.chars().take(12).collect(),
                hosts,
            })
            .collect())
    }
}

/// Runs a batch into `opts.out`, which it locks for the run; on any
/// failure the parts it wrote are removed.
pub fn run(opts: &Options) -> Result<Outcome, BatchError> {
    let dir = &opts.out;
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let _lock = FolderLock::take(dir)?;
    let outcome = run_locked(opts);
    if outcome.is_err() {
        let _ = fs::remove_dir_all(dir.join(".parts"));
    }
    outcome
}

fn run_locked(opts: &Options) -> Result<Outcome, BatchError> {
    let mut found = discover::discover(&opts.inputs, opts.dirs, &opts.out)?;
    let dir = &opts.out;
    if u32::try_from(found.inputs.len()).is_err() {
        return Err(BatchError::Io {
            path: dir.clone(),
            error: io::Error::other("more than 4,294,967,295 inputs in one batch"),
        });
    }
    exports::reset(dir).map_err(io_err(dir))?;
    let inputs_path = dir.join(".parts").join("inputs");
    let inputs = Paths::create(&inputs_path, std::mem::take(&mut found.inputs))
        .map_err(io_err(&inputs_path))?;
    let inputs = &inputs;
    if !opts.exports.parquet {
        parquet::reset(dir).map_err(io_err(dir))?;
    }
    let options = opts.result_options().map_err(|e| BatchError::Io {
        path: opts.catalog_path.clone().unwrap_or_default(),
        error: e,
    })?;
    let keeper = kept::Keeper::new(dir, &options, opts.fresh, inputs.len()).map_err(io_err(dir))?;
    let part_names = exports::part_names();
    // Each bundle's key and where its kept result is are in the joiner's
    // records (see `exports::Joiner`).
    let ids: Mutex<Ids> = Mutex::new(Ids::default());
    let identity_keys = std::hash::RandomState::new();
    let notes: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let reused = AtomicUsize::new(0);
    let parts = dir.join(".parts");
    let store = Arc::new(Store::create(&parts.join("summaries")).map_err(io_err(&parts))?);
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
        if let Some(c) = &opts.catalog_path {
            args.extend(["--catalog".into(), c.clone().into_os_string()]);
        }
        args.extend([
            "--headroom".into(),
            opts.sizing.headroom_percent.to_string().into(),
        ]);
        isolate::Workers::new(iso, args)
    });
    // Each thread takes the next bundle in input order, so that bundles
    // finish about in that order and the joiner can append their export
    // rows while they are fresh (see `exports::Joiner`).
    let joiner = Mutex::new(
        exports::Joiner::new(&parts, &dir.join(".kept"), inputs.len()).map_err(io_err(&parts))?,
    );
    let next = AtomicUsize::new(0);
    let entries: Mutex<Entries> = Mutex::new(Entries::default());
    let failed: Mutex<Vec<(usize, BundleError)>> = Mutex::new(Vec::new());
    pool.scope(|s| {
        for _ in 0..pool.current_num_threads() {
            s.spawn(|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= inputs.len() {
                    return;
                }
                let input = match inputs.get(i) {
                    Ok(input) => input,
                    Err(source) => {
                        let path = inputs_path.clone();
                        lock(&joiner).done(i, exports::Done::Failed, None);
                        lock(&failed).push((i, BundleError::Write { path, source }));
                        bar.inc(1);
                        continue;
                    }
                };
                let input = input.as_path();
                // An input that cannot be hashed goes to the worker, which
                // says what is wrong with it.
                let key = keeper.key(i, input).ok();
                let found = match &key {
                    Some(k) => keeper.take(k, input, &part_names),
                    None => kept::Found::Missing,
                };
                let mut taken = None;
                let r = match found {
                    kept::Found::Kept(h, t) => {
                        reused.fetch_add(1, Ordering::Relaxed);
                        taken = Some(t);
                        Ok(*h)
                    }
                    found => {
                        if let kept::Found::Distrusted(note) = found {
                            lock(&notes).push(note);
                        }
                        let r = match &workers {
                            Some(w) => w.run(i, input).map_err(BundleError::Worker),
                            None => one(i, input, &opts.target(), &parts),
                        };
                        if let (Ok(h), Some(k)) = (&r, &key) {
                            if let Err(e) = keeper.keep(k, input, i, &parts, &part_names, h) {
                                lock(&notes).push(format!("{}: not kept ({e})", input.display()));
                            }
                        }
                        r
                    }
                };
                let key = key.filter(|_| r.is_ok());
                bar.inc(1);
                let r = r.and_then(|h| Entry::new(i, &h, &store, &ids, &identity_keys));
                let done = match (&r, taken) {
                    (Err(_), _) => exports::Done::Failed,
                    (Ok(_), None) => exports::Done::Analysed,
                    (Ok(_), Some(t)) => exports::Done::Kept(t),
                };
                lock(&joiner).done(i, done, key);
                match r {
                    Ok((e, keys)) => lock(&entries).push(e, &keys),
                    Err(error) => lock(&failed).push((i, error)),
                }
            });
        }
    });
    drop(workers);
    bar.finish_and_clear();
    let mut failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
    failed.sort_by_key(|r| r.0);
    let mut failures = Vec::new();
    for (i, error) in failed {
        failures.push(Failure {
            input: inputs
                .get(i)
                .map_err(io_err(&inputs_path))?
                .to_string_lossy()
                .into_owned(),
            error: error.to_string(),
        });
    }
    let mut ok = entries.into_inner().unwrap_or_else(|e| e.into_inner());
    ok.list.sort_unstable_by_key(|e| e.index);
    let forms = forms(inputs, &ok.list, &failures).map_err(io_err(&inputs_path))?;
    let read = ok.list.len();
    let ids = ids.into_inner().unwrap_or_else(|e| e.into_inner());
    let store_err = |e| BatchError::Io {
        path: store.path().to_owned(),
        error: e,
    };
    let kept = Arc::new(dedupe(ok, &store, &ids).map_err(store_err)?);
    let ids = Arc::new(ids);
    let fleet = Fleet {
        store: &store,
        kept: &kept,
        ids: &ids,
    };
    let mut joiner = joiner.into_inner().unwrap_or_else(|e| e.into_inner());
    // The exports' rows go in input order: the hosts' places in `kept`.
    let mut by_index: Vec<u32> = (0..kept.len() as u32).collect();
    by_index.sort_unstable_by_key(|&k| kept[k as usize].index);
    place_pages(dir, &parts, &fleet, &joiner, &by_index)?;
    // One pass over the hosts for what needs each once: names and
    // addresses, the charts, fleet.csv, machine-ids.
    let csv = dir.join("fleet.csv");
    let hosts_rows = parts.join("hosts.jsonl");
    let mut rows = exports::FleetCsv::create(&csv, &hosts_rows).map_err(io_err(&csv))?;
    let mut resolver = declared::Resolver::default();
    let mut tally = index::Tally::default();
    let mut mids = SharedMids::default();
    depmap::Hosts::visit(&fleet, None, &mut |i, h| {
        resolver.add(i, h);
        tally.add(h);
        mids.add(i, h);
        rows.row(h, &fleet.older(&kept[i])?)
    })
    .map_err(io_err(&csv))?;
    rows.commit().map_err(io_err(&csv))?;
    mids.shrink();

    let external_path = parts.join("external");
    let mut external = store::JsonLines::create(&external_path).map_err(io_err(&parts))?;
    let (edges, groups) = depmap::build_with(&fleet, &resolver, &mut |x| external.push(&x))
        .map_err(io_err(&external_path))?;
    external.finish().map_err(io_err(&external_path))?;
    let map = DependencyMap {
        edges,
        groups,
        external,
    };
    let groups_json = dir.join("groups.json");
    exports::json_file(&groups_json, &map.with_ids(&|i| fleet.id(i)))
        .map_err(io_err(&groups_json))?;
    write_errors(&dir.join("errors.jsonl"), &failures, &found.skipped_lines())?;
    let outcome = Outcome {
        bundles: inputs.len(),
        hosts: kept.len(),
        failed: failures.len(),
        superseded: read - kept.len(),
        groups: map.groups.moves.len(),
        kept: reused.into_inner(),
        notes: notes.into_inner().unwrap_or_else(|e| e.into_inner()),
        skipped: found.skipped_total,
        forms,
    };
    let shared = mids.list(&fleet).map_err(store_err)?;
    drop(mids);
    // The index page on a thread of its own while the exports are joined
    // (each was a tenth of a rerun, one after the other; neither reads
    // what the other writes), done before the Parquet files: with the
    // index and the Parquet encoders at once, the batch's peak depended
    // on how they overlapped; now it is the encoders' alone.
    let (index, exported) = std::thread::scope(|s| {
        let index = s.spawn(|| {
            write_index(
                dir,
                &store,
                &kept,
                &ids,
                &map,
                &tally,
                &failures,
                &shared,
                &outcome,
                opts.profile,
            )
        });
        let exported = (|| -> Result<(), BatchError> {
            let order: Vec<usize> = by_index
                .iter()
                .map(|&k| kept[k as usize].index as usize)
                .collect();
            joiner.finish(dir, &order).map_err(io_err(dir))?;
            let mut records = joiner.records().map_err(io_err(&parts))?;
            let kept_rows = |i| {
                let kept = records.kept_at(i)?;
                Ok(kept.map(|d| d.file(exports::ROWS)))
            };
            exports::dependencies(dir, &parts, &order, &resolver, |h| fleet.id(h), kept_rows)
                .map_err(io_err(dir))
        })();
        (index.join(), exported)
    });
    exported?;
    match index {
        Ok(written) => written?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    // Not held while the Parquet files are written (the batch's peak): it
    // grows with the hosts.
    drop(resolver);
    let pieces = Pieces {
        joiner: &joiner,
        fleet: &fleet,
        by_index: &by_index,
    };
    write_tables(
        dir,
        &parts,
        opts.exports,
        &pieces,
        pool.current_num_threads(),
    )?;
    drop(by_index);
    drop(map);
    let used = joiner.keys(inputs.len()).map_err(io_err(&parts))?;
    drop(joiner);
    fs::remove_dir_all(&parts).map_err(io_err(&parts))?;
    keeper.finish(used, inputs).map_err(io_err(dir))?;
    Ok(outcome)
}

/// Each kept host's pages in `hosts/`: a page analysed in this run is
/// renamed there from `.parts`; a kept result's is linked from `.kept`
/// (copied where it cannot be), unless `hosts/` has it already, the same
/// file, from the last run. First, whatever `hosts/` holds that is not a
/// regular file named for a host of this run goes (a folder or a link
/// named like a page too). A rerun of 10,000 kept hosts removed and
/// linked 20,000 pages again, a fifth of its time.
fn place_pages(
    dir: &Path,
    parts: &Path,
    fleet: &Fleet,
    joiner: &exports::Joiner,
    by_index: &[u32],
) -> Result<(), BatchError> {
    use std::os::unix::fs::{DirEntryExt, MetadataExt};
    let hosts = dir.join("hosts");
    let hosts_dev = fs::metadata(&hosts).map_err(io_err(&hosts))?.dev();
    // `kept` is in id order: a page's name is looked up, not listed; its
    // place there and which page it is.
    let wanted = |name: &str| {
        let (id, page) = match name.strip_suffix(".html") {
            Some(id) => (id, 0),
            None => (name.strip_suffix(".json")?, 1),
        };
        let k = fleet
            .kept
            .binary_search_by(|k| fleet.ids.get(k.id).cmp(id))
            .ok()?;
        Some(2 * k + page)
    };
    // The inode of each page `hosts/` holds (0: none), from its listing:
    // a kept host's page is the kept result's file when the inodes match
    // (one stat a page, not two; a rerun of 10,000 hosts made 40,000).
    let mut inodes = vec![0u64; 2 * fleet.kept.len()];
    for entry in fs::read_dir(&hosts).map_err(io_err(&hosts))? {
        let entry = entry.map_err(io_err(&hosts))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        match entry.file_name().to_str().and_then(wanted) {
            Some(at) if is_file => inodes[at] = entry.ino(),
            _ => {
                let path = entry.path();
                let gone = match entry.file_type() {
                    Ok(t) if t.is_dir() => fs::remove_dir_all(&path),
                    _ => fs::remove_file(&path),
                };
                gone.map_err(io_err(&path))?;
            }
        }
    }
    // In input order, the joiner's records read through one buffer.
    let mut records = joiner.records().map_err(io_err(parts))?;
    for &i in by_index {
        let i = i as usize;
        let k = &fleet.kept[i];
        let from_kept = records.kept_at(k.index as usize).map_err(io_err(parts))?;
        for (page, ext) in ["html", "json"].into_iter().enumerate() {
            let to = hosts.join(format!("{}.{ext}", fleet.id(i)));
            let listed = inodes[2 * i + page];
            match &from_kept {
                Some(d) => {
                    let from = d.file(ext);
                    let same = listed != 0
                        && fs::symlink_metadata(&from)
                            .is_ok_and(|m| m.dev() == hosts_dev && m.ino() == listed);
                    if same {
                        continue;
                    }
                    if listed != 0 {
                        fs::remove_file(&to).map_err(io_err(&to))?;
                    }
                    fs::hard_link(&from, &to)
                        .or_else(|_| fs::copy(&from, &to).map(|_| ()))
                        .map_err(io_err(&to))?
                }
                None => {
                    let from = parts.join(format!("{}.{ext}", k.index));
                    fs::rename(&from, &to).map_err(io_err(&to))?
                }
            }
        }
    }
    Ok(())
}

/// Each kept host's export rows, table by table, for the Parquet files'
/// names and cuts: the hosts in input order, their rows' lengths and
/// hashes read from the joiner's records.
struct Pieces<'a> {
    joiner: &'a exports::Joiner,
    fleet: &'a Fleet<'a>,
    /// The hosts' places in `kept`, in input order.
    by_index: &'a [u32],
}

impl parquet::Pieces for Pieces<'_> {
    fn each(&self, table: usize, f: &mut dyn FnMut(&str, u64, u128)) -> io::Result<()> {
        let mut records = self.joiner.records()?;
        for &k in self.by_index {
            let kept = &self.fleet.kept[k as usize];
            let r = records.get(kept.index as usize)?;
            let Some((len, hash)) = r.piece(table) else {
                return Err(io::Error::other(format!(
                    "bundle {} was kept but not joined",
                    kept.index
                )));
            };
            f(self.fleet.id(k as usize), len, hash);
        }
        Ok(())
    }
}

/// The Parquet tables, one after the other, from the JSON Lines exports;
/// then the exports not asked for go.
fn write_tables(
    dir: &Path,
    parts: &Path,
    exports: Exports,
    pieces: &dyn parquet::Pieces,
    threads: usize,
) -> Result<(), BatchError> {
    let rows = |t: &parquet::Table| match t.name {
        "hosts" => parts.join("hosts.jsonl"),
        name => dir.join(format!("{name}.jsonl")),
    };
    if exports.parquet {
        // What the last run wrote (see `parquet::Table::write`); a missing
        // or damaged list only costs writing every file again.
        let record = dir.join(".kept").join("parquet.jsonl");
        let kept: Vec<parquet::Written> = fs::read_to_string(&record)
            .unwrap_or_default()
            .lines()
            .map_while(|l| serde_json::from_str(l).ok())
            .collect();
        let mut written: Vec<parquet::Written> = Vec::new();
        // One table at a time, its files on the batch's threads: each
        // file's JSON reader and Parquet writer hold a batch and a row
        // group's pages and dictionaries, a few MB whatever the fleet's
        // size. (Tables in parallel were most of the batch's peak before
        // glibc's mmap threshold was fixed: 1,000 hosts 38.6 MB, 10,000
        // 52.9 MB; see `memory::large_blocks_mapped`.)
        for t in parquet::TABLES {
            // The joined tables' rows are known host by host.
            let pieces = exports::JSONL
                .iter()
                .position(|k| *k == t.name)
                .map(|k| (pieces, k));
            match t.write(&rows(t), dir, &kept, pieces, threads) {
                Ok(w) => written.extend(w),
                Err(e) => {
                    return Err(BatchError::Io {
                        path: t.folder(dir),
                        error: e,
                    })
                }
            }
        }
        written.sort_by(|a, b| a.path().cmp(b.path()));
        let save = || -> io::Result<()> {
            let mut w = Output::create(&record, 0o644)?;
            for f in &written {
                serde_json::to_writer(&mut w, f)?;
                w.write_all(b"\n")?;
            }
            w.commit()
        };
        save().map_err(io_err(&record))?;
    }
    let mut gone: Vec<PathBuf> = Vec::new();
    if !exports.jsonl {
        gone.extend(
            exports::JSONL
                .iter()
                .map(|k| dir.join(format!("{k}.jsonl"))),
        );
        gone.push(dir.join("dependencies.jsonl"));
    }
    if !exports.csv {
        gone.push(dir.join("fleet.csv"));
    }
    for path in gone {
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(&path)(e)),
            _ => {}
        }
    }
    Ok(())
}

/// DIR/index.html, written as it is rendered: the host rows are read from
/// the store and the external dependencies from their list, one at a time.
#[allow(clippy::too_many_arguments)]
fn write_index(
    dir: &Path,
    store: &Arc<Store>,
    kept: &Arc<Vec<Kept>>,
    ids: &Ids,
    map: &DependencyMap<store::JsonLines<External>>,
    tally: &index::Tally,
    failures: &[Failure],
    shared: &[SharedMachineId],
    outcome: &Outcome,
    profile: Profile,
) -> Result<(), BatchError> {
    let path = dir.join("index.html");
    let renamed: Vec<(&str, &[String])> = kept
        .iter()
        .filter(|k| !k.renamed_from().is_empty())
        .map(|k| (ids.get(k.id), k.renamed_from()))
        .collect();
    let failed = store::Failed::default();
    let findings = Arc::new(tally.finding_index());
    let rows = {
        let (store, kept, failed) = (Arc::clone(store), Arc::clone(kept), failed.clone());
        Lazy::new(kept.len(), move || {
            let (store, kept, failed, findings) = (
                Arc::clone(&store),
                Arc::clone(&kept),
                failed.clone(),
                Arc::clone(&findings),
            );
            Box::new((0..kept.len()).map_while(move |i| {
                let k = &kept[i];
                let row = store.get(k.slot).and_then(|h| {
                    let older: Vec<(HostSummary, &str)> = k
                        .older()
                        .iter()
                        .map(|(s, matched)| Ok((store.get(*s)?, matched.as_str())))
                        .collect::<io::Result<_>>()?;
                    Ok(index::row(&h, &older, k.renamed_from(), &findings))
                });
                match row {
                    Ok(r) => Some(r),
                    Err(e) => {
                        failed.set(e);
                        None
                    }
                }
            }))
        })
    };
    let external = {
        let list = map.external.reader().map_err(io_err(&path))?;
        let failed = failed.clone();
        Lazy::new(map.external.len(), move || {
            let failed = failed.clone();
            match list.iter() {
                Ok(items) => Box::new(items.map_while(move |x| match x {
                    Ok(x) => Some(x),
                    Err(e) => {
                        failed.set(e);
                        None
                    }
                })),
                Err(e) => {
                    failed.set(e);
                    Box::new(std::iter::empty())
                }
            }
        })
    };
    let page = Index {
        profile,
        outcome,
        counts: tally.counts(profile),
        hosts: rows,
        edges: &map.edges,
        groups: &map.groups.moves,
        standalone: map.groups.alone.len(),
        external,
        failures,
        shared,
        renamed: &renamed,
    };
    let mut out = Output::create(&path, 0o644).map_err(io_err(&path))?;
    render::fleet_index(page, &mut out)?;
    if let Some(e) = failed.take() {
        return Err(BatchError::Io { path, error: e });
    }
    out.commit().map_err(io_err(&path))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The inputs' forms (see [`summary::form`]), in the index's order.
const FORMS: [&str; 7] = [
    "bundle",
    "json",
    "sosreport-archive",
    "root-tarball",
    "sosreport-directory",
    "root-directory",
    "other",
];

/// The inputs by form, in a fixed order, each listing its first inputs in
/// input order; the unreadable last.
fn forms(inputs: &Paths, ok: &[Entry], failures: &[Failure]) -> io::Result<Vec<Form>> {
    let mut forms: Vec<Form> = FORMS
        .iter()
        .map(|f| Form {
            form: f.to_string(),
            count: 0,
            inputs: Vec::new(),
        })
        .collect();
    let add = |form: &mut Form, input: &str| {
        form.count += 1;
        if form.inputs.len() < Form::LISTED {
            form.inputs.push(input.to_owned());
        }
    };
    for e in ok {
        add(
            &mut forms[e.form as usize],
            &inputs.get(e.index as usize)?.to_string_lossy(),
        );
    }
    let mut unreadable = Form {
        form: "unreadable".into(),
        count: 0,
        inputs: Vec::new(),
    };
    for f in failures {
        add(&mut unreadable, &f.input);
    }
    forms.push(unreadable);
    forms.retain(|f| f.count > 0);
    Ok(forms)
}

fn write_errors(path: &Path, failures: &[Failure], skipped: &[Failure]) -> Result<(), BatchError> {
    let write = || -> io::Result<()> {
        let mut w = Output::create(path, 0o644)?;
        for f in failures.iter().chain(skipped) {
            serde_json::to_writer(&mut w, f)?;
            w.write_all(b"\n")?;
        }
        w.commit()
    };
    write().map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 29: the batch's memory is flat from 1,000 to 30,000 hosts
    /// because what it holds per bundle and per host is a few dozen bytes
    /// (see [`Entry`]); a String or a Vec in either (24 bytes and an
    /// allocation) would bring the growth back.
    #[test]
    fn entry_and_kept_stay_small() {
        assert!(
            std::mem::size_of::<Kept>() <= 32,
            "{}",
            std::mem::size_of::<Kept>()
        );
        assert!(
            std::mem::size_of::<Entry>() <= 56,
            "{}",
            std::mem::size_of::<Entry>()
        );
        let mut ids = Ids::default();
        let names: Vec<String> = (0..1000).map(|i| format!("web{i:04}-1a2b3c4d")).collect();
        let at: Vec<u32> = names.iter().map(|n| ids.push(n)).collect();
        assert!(names.iter().zip(&at).all(|(n, &i)| ids.get(i) == n));
        assert_eq!(ids.get(0), "web0000-1a2b3c4d");
    }
}
