//! `lift batch`'s report: what the fleet's index.html shows ([`Index`]),
//! and the records the batch writes beside it (groups.json's edges,
//! errors.jsonl's failures). fleet/ computes them from the hosts'
//! summaries; render/ formats the page.

use serde::{Deserialize, Serialize};

use crate::profile::Profile;
use crate::rules::Severity;

/// What the batch did, for the command's last line.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub bundles: usize,
    pub hosts: usize,
    pub failed: usize,
    /// Bundles not used because a newer one came from the same host.
    pub superseded: usize,
    pub groups: usize,
    /// Bundles whose result was kept from an earlier run.
    pub kept: usize,
    /// Kept results not trusted, each said why: those bundles were
    /// analysed again.
    pub notes: Vec<String>,
    /// Entries of the input directories that are not inputs (listed in
    /// errors.jsonl).
    pub skipped: usize,
    /// The inputs read, by form (see `fleet::summary::form`), and unreadable.
    pub forms: Vec<Form>,
}

/// The inputs of one form, for the index: how many, and the first
/// [`Form::LISTED`] of them.
#[derive(Debug, Serialize)]
pub struct Form {
    pub form: String,
    pub count: usize,
    pub inputs: Vec<String>,
}

impl Form {
    pub const LISTED: usize = 100;
}

/// A bundle that could not be read; one line of errors.jsonl.
#[derive(Debug, Serialize)]
pub struct Failure {
    pub input: String,
    pub error: String,
}

/// Hosts kept apart that share a machine-id: an image copied without
/// regenerating it (DHCP client ids and journald rely on it).
#[derive(Debug, Serialize)]
pub struct SharedMachineId {
    /// The first 12 hex digits of the machine-id's SHA-256.
    pub machine_id: String,
    pub hosts: Vec<String>,
}

/// How an edge is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A configuration file of `from` names `to` (host.dependencies[]).
    Declared,
    /// A TCP connection between them was open when the probe ran.
    Observed,
}

/// `from` opens connections to `to:port`, or its configuration says it
/// will.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// None for a declared dependency whose port neither the file nor the
    /// protocol says.
    pub port: Option<u16>,
    /// The service (or program) listening on `to:port`, when known.
    pub service: Option<String>,
    /// `declared`, `observed`, or both (in that order): one edge per
    /// (from, to, port) however it is known.
    pub via: Vec<Via>,
    /// The declared dependencies' kinds (`nfs`, `ldap`, …); empty for an
    /// edge only observed.
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct External {
    pub host: String,
    /// The remote address of a connection, or the target (name or
    /// address) a configuration file names.
    pub address: String,
    pub port: Option<u16>,
    pub via: Vec<Via>,
    pub kinds: Vec<String>,
}

/// The fleet's totals, as the index shows them (`fleet::provision` counts
/// each host in).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub hosts: usize,
    /// Hosts whose CPU count is known: the vCPU and memory sums are theirs.
    pub sized_hosts: usize,
    pub vcpus: u64,
    pub memory_gib: f64,
    /// Hosts with a right-sized row, and the rows' sums.
    pub right_sized_hosts: usize,
    pub right_sized_vcpus: u64,
    pub right_sized_memory_gib: f64,
    pub disks_allocated_gib: f64,
    pub disks_used_gib: f64,
}

impl Totals {
    /// Rounded for the page.
    pub fn rounded(mut self) -> Totals {
        let r = |v: f64| (v * 10.0).round() / 10.0;
        self.memory_gib = r(self.memory_gib);
        self.right_sized_memory_gib = r(self.right_sized_memory_gib);
        self.disks_allocated_gib = r(self.disks_allocated_gib);
        self.disks_used_gib = r(self.disks_used_gib);
        self
    }
}

#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    /// The label cut to fit beside the bar.
    pub short: String,
    pub count: usize,
    /// Bar length in pixels, out of 300.
    pub width: usize,
}

#[derive(Serialize)]
pub struct Chart {
    pub id: &'static str,
    pub title: &'static str,
    pub bars: Vec<Bar>,
}

/// Hosts with one finding at one severity: a check can be a blocker on
/// one host and unknown on another, and each is its own row.
#[derive(Serialize)]
pub struct TopFinding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub hosts: usize,
}

/// How many hosts are in one readiness state, and the findings that put
/// them there, most hosts first.
#[derive(Serialize)]
pub struct State {
    pub readiness: &'static str,
    pub hosts: usize,
    pub reasons: Vec<Reason>,
}

#[derive(Serialize)]
pub struct Reason {
    pub id: String,
    pub title: String,
    pub hosts: usize,
}

/// One row of the host table, written as JSON into the page (render/
/// writes it so that no string closes its `<script>` element) and drawn by
/// its script a page at a time.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: String,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub init: String,
    pub virtualization: String,
    pub readiness: String,
    pub blockers: usize,
    pub warnings: usize,
    pub unknowns: usize,
    pub required_unknowns: usize,
    pub started_at: String,
    pub input: String,
    /// (input, started_at, what matched) of older bundles of this host.
    pub older: Vec<(String, String, String)>,
    /// Names older bundles gave this host.
    pub renamed_from: Vec<String>,
    /// Its findings, as indexes into the page's finding list.
    pub findings: Vec<usize>,
}

/// A list the page walks item by item, made afresh for each walk (read
/// from disk, in a batch) and never held whole.
pub struct Lazy<T> {
    pub len: usize,
    pub items: Items<T>,
}

/// What makes a [`Lazy`] list's items, each time it is walked.
pub type Items<T> = Box<dyn Fn() -> Box<dyn Iterator<Item = T> + Send + Sync> + Send + Sync>;

impl<T> Lazy<T> {
    pub fn new<F>(len: usize, items: F) -> Lazy<T>
    where
        F: Fn() -> Box<dyn Iterator<Item = T> + Send + Sync> + Send + Sync + 'static,
    {
        Lazy {
            len,
            items: Box::new(items),
        }
    }
}

/// What the charts, the readiness table, the top findings and the
/// provisioning table count, over every host.
pub struct Counts<'a> {
    pub charts: Vec<Chart>,
    /// Every readiness state, worst first, with its hosts and top reasons.
    pub states: Vec<State>,
    /// The most pressing (finding, severity) pairs, worst first.
    pub top_findings: Vec<&'a TopFinding>,
    /// How many (finding, severity) pairs there are in all.
    pub top_findings_all: usize,
    /// Every (finding, severity, title), in the order host rows point into.
    pub finding_list: Vec<(&'a str, Severity, &'a str)>,
    pub provision: Totals,
}

/// DIR/index.html: the fleet at a glance.
pub struct Index<'a> {
    pub profile: Profile,
    pub outcome: &'a Outcome,
    pub counts: Counts<'a>,
    /// The host table's rows.
    pub hosts: Lazy<Row>,
    pub edges: &'a [Edge],
    /// The move groups: connected hosts, two or more, largest group
    /// first.
    pub groups: &'a [Vec<String>],
    /// Hosts that reach no other host in the fleet.
    pub standalone: usize,
    pub external: Lazy<External>,
    pub failures: &'a [Failure],
    pub shared: &'a [SharedMachineId],
    /// Hosts whose older bundles gave another name: (host id, old names).
    pub renamed: &'a [(&'a str, &'a [String])],
}
