//! The one door between the model and the snapshot: every read names its
//! row of the sources table, runs its parser, and leaves a state in the
//! ledger (present, absent, unreadable, broken, truncated, not-collected)
//! with its evidence, so a rule that lacks a fact can say why.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;

use lift_bundle::{Fact, FileKind, SkipReason};
use serde::Serialize;

use crate::parse::Parsed;
use crate::snapshot::{ChildInfo, Data, Lookup, Node, ResolveError, Root};
use crate::sources::{How, Missing, Source, State};

/// A source that exists but could not be used (kept for the report's notes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// The state of one source row after the model read it: present when one
/// of its paths gave its fact, else the most telling failure over its paths
/// (broken, unreadable, truncated, not-collected, absent), with the path and
/// the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRead {
    pub name: &'static str,
    pub spec: &'static str,
    pub state: State,
    pub path: String,
    pub detail: String,
    /// Paths read for this row.
    pub reads: u32,
}

/// Paths remembered per row; per-process rows read thousands, and past this
/// only whether one of them was present still counts.
const PATHS_PER_ROW: usize = 64;

#[derive(Debug, Clone, Default, PartialEq)]
struct Row {
    spec: &'static str,
    /// Each path's last outcome.
    paths: BTreeMap<String, (State, String)>,
    present_beyond: bool,
    reads: u32,
}

impl Row {
    fn read(&self, name: &'static str) -> SourceRead {
        let present = self.present_beyond || self.paths.values().any(|(s, _)| *s == State::Present);
        let worst = self
            .paths
            .iter()
            .filter(|(_, (s, _))| *s != State::Present)
            .max_by_key(|(_, (s, _))| *s);
        let (state, path, detail) = match (present, worst) {
            (false, Some((p, (s, d)))) => (*s, p.clone(), d.clone()),
            // A present row names a path that was present.
            _ => (
                State::Present,
                self.paths
                    .iter()
                    .find(|(_, (s, _))| *s == State::Present)
                    .or(self.paths.iter().next())
                    .map(|(p, _)| p.clone())
                    .unwrap_or_default(),
                String::new(),
            ),
        };
        SourceRead {
            name,
            spec: self.spec,
            state,
            path,
            detail,
            reads: self.reads,
        }
    }
}

/// Every source the model read, by row name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    rows: BTreeMap<&'static str, SourceRead>,
}

impl Serialize for Ledger {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.rows.values())
    }
}

impl Ledger {
    pub fn get(&self, src: &Source) -> Option<&SourceRead> {
        self.rows.get(src.name)
    }

    pub fn state(&self, src: &Source) -> Option<State> {
        self.get(src).map(|r| r.state)
    }

    pub fn present(&self, src: &Source) -> bool {
        self.state(src) == Some(State::Present)
    }

    /// Why these sources gave nothing: one entry per source that is not
    /// present. A row the model never read is reported absent.
    pub fn missing(&self, srcs: &[&Source]) -> Vec<Missing> {
        srcs.iter()
            .filter_map(|s| match self.get(s) {
                Some(r) if r.state == State::Present => None,
                Some(r) => Some(Missing {
                    source: r.path.clone(),
                    spec: r.spec,
                    state: r.state,
                    detail: r.detail.clone(),
                }),
                None => Some(Missing {
                    source: s.paths.join(", "),
                    spec: s.spec,
                    state: State::Absent,
                    detail: "not looked for".into(),
                }),
            })
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &SourceRead> {
        self.rows.values()
    }
}

/// The ledger as the model fills it.
#[derive(Default)]
struct Book {
    rows: BTreeMap<&'static str, Row>,
}

impl Book {
    fn record(&mut self, src: &'static Source, path: &str, state: State, detail: String) {
        let row = self.rows.entry(src.name).or_insert_with(|| Row {
            spec: src.spec,
            ..Row::default()
        });
        row.reads += 1;
        if let Some(last) = row.paths.get_mut(path) {
            // A presence check (lstat, lookup) after a failed read of the
            // same path does not hide why its content gave nothing.
            if state != State::Present || last.0 == State::Present {
                *last = (state, detail);
            }
        } else if row.paths.len() < PATHS_PER_ROW {
            row.paths.insert(path.to_string(), (state, detail));
        } else if state == State::Present {
            row.present_beyond = true;
        }
    }

    fn close(self) -> Ledger {
        Ledger {
            rows: self
                .rows
                .into_iter()
                .map(|(name, row)| (name, row.read(name)))
                .collect(),
        }
    }
}

pub struct Facts<'s> {
    /// Private: the model reads the snapshot only through the methods
    /// below, each naming its row, so every read leaves its state.
    root: Root<'s>,
    problems: RefCell<Vec<Problem>>,
    ledger: RefCell<Book>,
    /// The specs of the sources table that the footer says did not run to
    /// their end (or at all: `sos` never runs in a probe): an absent path
    /// is matched against their templates first, and against every
    /// template only when one of theirs covers it (`absent`, called for
    /// every missing path, spent 62,000 instructions a call matching all).
    troubled: std::cell::OnceCell<Vec<&'static Template>>,
}

impl<'s> Facts<'s> {
    pub fn new(root: Root<'s>) -> Self {
        Facts {
            root,
            problems: RefCell::new(Vec::new()),
            ledger: RefCell::new(Book::default()),
            troubled: std::cell::OnceCell::new(),
        }
    }

    pub fn finish(self) -> (Vec<Problem>, Ledger) {
        (self.problems.into_inner(), self.ledger.into_inner().close())
    }

    pub fn problem(&self, path: &str, message: impl Into<String>) {
        self.problems.borrow_mut().push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn record(&self, src: &'static Source, path: &str, state: State, detail: String) {
        self.ledger.borrow_mut().record(src, path, state, detail);
    }

    /// A parser rejected a present source.
    pub fn broken(&self, src: &'static Source, path: &str, e: impl std::fmt::Display) {
        let msg = e.to_string();
        self.problem(path, msg.clone());
        self.record(src, path, State::Broken, msg);
    }

    /// The state the reads of a source have left so far (None before any).
    pub fn state(&self, src: &'static Source) -> Option<State> {
        self.ledger
            .borrow()
            .rows
            .get(src.name)
            .map(|r| r.read(src.name).state)
    }

    /// Why a source gave nothing, in words (empty when it is present).
    pub fn why(&self, src: &'static Source) -> String {
        let row = self
            .ledger
            .borrow()
            .rows
            .get(src.name)
            .map(|r| r.read(src.name));
        let ledger = Ledger {
            rows: row.into_iter().map(|r| (src.name, r)).collect(),
        };
        ledger
            .missing(&[src])
            .first()
            .map(|m| m.to_string())
            .unwrap_or_default()
    }

    /// Why one path gave nothing, in words: for a file, why its content is
    /// missing; for a directory, why it was not listed.
    pub fn why_missing(&self, path: &str) -> String {
        let (state, detail) = match self.root.lookup(path) {
            Lookup::Found(Node {
                kind: FileKind::Dir,
                ..
            }) => self.why_not_listed(path),
            _ => {
                let (state, detail, _) = self.content(path);
                (state, detail)
            }
        };
        Missing {
            source: path.to_string(),
            spec: "",
            state,
            detail,
        }
        .to_string()
    }

    /// The content of a source with one path.
    pub fn bytes(&self, src: &'static Source) -> Option<Cow<'s, [u8]>> {
        self.bytes_at(src, src.path())
    }

    /// The content of one of a source's paths (filled in, or found by glob).
    pub fn bytes_at(&self, src: &'static Source, path: &str) -> Option<Cow<'s, [u8]>> {
        let (state, detail, bytes) = self.content(path);
        self.record(src, path, state, detail);
        bytes
    }

    /// A file's content, or its head where the probe took only the head
    /// (init scripts' headers): both count as present.
    pub fn head_at(&self, src: &'static Source, path: &str) -> Option<Cow<'s, [u8]>> {
        if let Lookup::Found(Node {
            content: Data::Truncated { head, .. },
            ..
        }) = self.root.lookup(path)
        {
            self.record(src, path, State::Present, String::new());
            return Some(head);
        }
        self.bytes_at(src, path)
    }

    /// The trimmed text of a one-line file (`/proc/sys/...`, `/sys/...`).
    pub fn line(&self, src: &'static Source) -> Option<String> {
        self.line_at(src, src.path())
    }

    pub fn line_at(&self, src: &'static Source, path: &str) -> Option<String> {
        let s = String::from_utf8_lossy(&self.bytes_at(src, path)?)
            .trim()
            .to_string();
        (!s.is_empty()).then_some(s)
    }

    pub fn parse<T>(&self, src: &'static Source, parser: impl Fn(&[u8]) -> Parsed<T>) -> Option<T> {
        self.parse_at(src, src.path(), parser)
    }

    /// A source's value through its parser: broken when the parser
    /// rejects the bytes; present when it keeps what it could, each
    /// skipped record a problem in the report.
    pub fn parse_at<T>(
        &self,
        src: &'static Source,
        path: &str,
        parser: impl Fn(&[u8]) -> Parsed<T>,
    ) -> Option<T> {
        let bytes = self.bytes_at(src, path)?;
        self.parsed(src, path, parser(&bytes))
    }

    /// A parser's result for bytes the caller read (`bytes_at`, `head_at`)
    /// recorded like `parse_at`'s.
    pub fn parsed<T>(&self, src: &'static Source, path: &str, parsed: Parsed<T>) -> Option<T> {
        match parsed {
            Ok(p) => {
                for e in p.errors {
                    self.problem(path, e.to_string());
                }
                Some(p.value)
            }
            Err(e) => {
                self.broken(src, path, e);
                None
            }
        }
    }

    /// A directory's children (following a symlink to it).
    pub fn list(&self, src: &'static Source) -> Option<Vec<ChildInfo>> {
        self.list_at(src, src.path())
    }

    pub fn list_at(&self, src: &'static Source, dir: &str) -> Option<Vec<ChildInfo>> {
        let list = self.root.list(dir);
        match &list {
            Some(_) => self.record(src, dir, State::Present, String::new()),
            None => {
                let (state, detail) = self.why_not_listed(dir);
                self.record(src, dir, state, detail);
            }
        }
        list
    }

    /// The node itself, the last component not followed.
    pub fn lstat(&self, src: &'static Source) -> Option<Node<'s>> {
        self.lstat_at(src, src.path())
    }

    pub fn lstat_at(&self, src: &'static Source, path: &str) -> Option<Node<'s>> {
        let node = self.root.lstat(path);
        match &node {
            Some(_) => self.record(src, path, State::Present, String::new()),
            None => {
                let (state, detail) = self.absent(path);
                self.record(src, path, state, detail);
            }
        }
        node
    }

    /// Every path of every glob in the row, each glob's matches sorted.
    pub fn glob(&self, src: &'static Source) -> Vec<String> {
        src.paths
            .iter()
            .flat_map(|p| self.glob_at(src, p))
            .collect()
    }

    /// One glob (`dir/pattern`), filled in by the caller.
    pub fn glob_at(&self, src: &'static Source, pattern: &str) -> Vec<String> {
        let (dir, pat) = pattern.rsplit_once('/').unwrap_or(("", pattern));
        let dir = if dir.is_empty() { "/" } else { dir };
        if self.root.list(dir).is_none() {
            let (state, detail) = self.why_not_listed(dir);
            self.record(src, pattern, state, detail);
            return Vec::new();
        }
        let found = self.root.glob(dir, pat);
        if found.is_empty() {
            let (state, detail) = self.absent(pattern);
            self.record(src, pattern, state, detail);
        }
        found
    }

    /// A system-call fact of the probe's, recording whether the input had it.
    pub fn fact<T: 's>(
        &self,
        src: &'static Source,
        pick: impl Fn(&'s Fact) -> Option<T>,
    ) -> Option<T> {
        let found = self.facts().find_map(pick);
        match &found {
            Some(_) => self.record(src, src.path(), State::Present, String::new()),
            None => {
                let (state, detail) = self.no_fact(src);
                self.record(src, src.path(), state, detail);
            }
        }
        found
    }

    /// Every fact of a kind, recording whether the input had any.
    pub fn all_facts<T: 's>(
        &self,
        src: &'static Source,
        pick: impl Fn(&'s Fact) -> Option<T>,
    ) -> Vec<T> {
        let found: Vec<T> = self.facts().filter_map(pick).collect();
        if found.is_empty() {
            let (state, detail) = self.no_fact(src);
            self.record(src, src.path(), state, detail);
        } else {
            self.record(src, src.path(), State::Present, String::new());
        }
        found
    }

    pub fn facts(&self) -> impl Iterator<Item = &'s Fact> {
        self.root.provenance().facts.iter()
    }

    /// The bundle's header: who collected it, when, over which root. None
    /// for a directory tree or an archive read as it is.
    pub fn header(&self) -> Option<&'s lift_bundle::Header> {
        self.root.provenance().header.as_ref()
    }

    /// Whether the input is a sosreport (it lists `sos_commands`). A question
    /// about the input's shape, asked before any of sos's rows is read: it
    /// leaves nothing in the ledger, so a root that is no sosreport shows no
    /// sos row at all.
    pub fn is_sosreport(&self) -> bool {
        self.root
            .list(crate::sources::SOS_COMMANDS.path())
            .is_some()
    }

    /// Whether the input lists its top directory (a whole tree, not a
    /// single database or command output): the input's shape, not a fact
    /// of the host's, so nothing is recorded.
    pub fn top_listed(&self) -> bool {
        self.root.list("/").is_some()
    }

    /// A path of the row with its symlinks resolved inside the input (the
    /// last component too), to read a directory that two paths name once.
    /// Resolving reads nothing; only a loop is an error, recorded as broken.
    pub fn resolve_at(&self, src: &'static Source, path: &str) -> Result<Vec<u8>, ResolveError> {
        let r = self.root.resolve(path.as_bytes(), true);
        if let Err(e) = &r {
            self.record(src, path, State::Broken, e.to_string());
        }
        r
    }

    /// What the input holds at a path of the row, following symlinks;
    /// records present, or why not.
    pub fn lookup_at(&self, src: &'static Source, path: &str) -> Lookup<'s> {
        let found = self.root.lookup(path);
        match &found {
            Lookup::Found(_) => self.record(src, path, State::Present, String::new()),
            Lookup::Absent => {
                let (state, detail) = self.absent(path);
                self.record(src, path, state, detail);
            }
            Lookup::Broken(e) => self.record(src, path, State::Broken, e.clone()),
        }
        found
    }

    /// What the input holds at a path of the row, to compare it with
    /// another input's copy (`model::files`): recorded like `bytes_at`,
    /// except that a SHA-256 alone (the probe's listing of /etc) counts as
    /// present.
    pub fn node_at(&self, src: &'static Source, path: &str) -> Lookup<'s> {
        let found = self.root.lookup(path);
        let (state, detail) = match &found {
            Lookup::Found(Node {
                content: Data::Digest(_),
                ..
            }) => (State::Present, String::new()),
            _ => {
                let (state, detail, _) = self.content(path);
                (state, detail)
            }
        };
        self.record(src, path, state, detail);
        found
    }

    /// A path's content, recorded like `bytes_at`'s; when it gave none,
    /// why (`why_missing`) if the input holds the path, None if it does not.
    pub fn bytes_or_why(
        &self,
        src: &'static Source,
        path: &str,
    ) -> Result<Cow<'s, [u8]>, Option<String>> {
        match self.bytes_at(src, path) {
            Some(b) => Ok(b),
            None => Err(match self.root.lookup(path) {
                Lookup::Absent => None,
                _ => Some(self.why_missing(path)),
            }),
        }
    }

    /// The state of the source that `path` is read from, and its bytes.
    fn content(&self, path: &str) -> (State, String, Option<Cow<'s, [u8]>>) {
        match self.root.lookup(path) {
            Lookup::Found(Node { content, kind, .. }) => match content {
                Data::Full(b) => (State::Present, String::new(), Some(b)),
                Data::Truncated { head, size } => (
                    State::Truncated,
                    format!("only {} of {size} bytes were captured", head.len()),
                    None,
                ),
                Data::Unreadable { errno, message } => (
                    State::Unreadable,
                    format!("{message} (errno {errno})"),
                    None,
                ),
                Data::Skipped(r) => {
                    let (state, why) = skipped(r);
                    (state, why.to_string(), None)
                }
                Data::Digest(_) => (
                    State::NotCollected,
                    "only its digest was captured".into(),
                    None,
                ),
                Data::NotCaptured if kind == FileKind::Dir => {
                    (State::Broken, "a directory, not a file".into(), None)
                }
                Data::NotCaptured => (
                    State::NotCollected,
                    "only listed; its content was not captured".into(),
                    None,
                ),
            },
            Lookup::Absent => {
                let (state, detail) = self.absent(path);
                (state, detail, None)
            }
            Lookup::Broken(e) => (State::Broken, e, None),
        }
    }

    fn why_not_listed(&self, dir: &str) -> (State, String) {
        match self.root.lookup(dir) {
            Lookup::Found(Node {
                content: Data::Unreadable { errno, message },
                ..
            }) => (State::Unreadable, format!("{message} (errno {errno})")),
            Lookup::Found(Node {
                content: Data::Skipped(r),
                ..
            }) => {
                let (state, why) = skipped(r);
                (state, why.to_string())
            }
            Lookup::Found(Node { kind, .. }) if kind != FileKind::Dir => {
                (State::Broken, "not a directory".into())
            }
            Lookup::Found(_) => (State::NotCollected, "its listing was not captured".into()),
            Lookup::Absent => self.absent(dir),
            Lookup::Broken(e) => (State::Broken, e),
        }
    }

    /// Absent on the host, or never collected: a directory tree has no live
    /// /proc or /sys, and a spec the probe cut short or never reached
    /// cannot vouch for what it did not see.
    fn absent(&self, path: &str) -> (State, String) {
        let p = self.root.provenance();
        let top = path.split('/').nth(1).unwrap_or("");
        // A tree read here, or one the probe scanned with --root: neither
        // is a live host, whatever the probe found under its /proc.
        let scanned_tree = p.kind == "directory"
            || p.header
                .as_ref()
                .is_some_and(|h| h.root.0.as_slice() != b"/");
        if scanned_tree && matches!(top, "proc" | "sys") {
            let empty = self
                .root
                .list(&format!("/{top}"))
                .is_none_or(|c| c.is_empty());
            if empty {
                return (
                    State::NotCollected,
                    format!("a directory tree holds no live /{top}"),
                );
            }
        }
        if let Some(footer) = &p.footer {
            // The templates of the troubled specs, found once: a probe's
            // footer never lists `sos`, so its many templates are always
            // among them, and comparing spec names per template per
            // absent path was 6% of a batch.
            let troubled = self.troubled.get_or_init(|| {
                templates()
                    .iter()
                    .filter(|t| match footer.specs.iter().find(|s| s.id == t.spec) {
                        Some(s) => s.timed_out || s.truncated,
                        None => !footer.specs.is_empty(),
                    })
                    .collect()
            });
            let depth = slashes(path);
            // The first covering template decides; where none of the
            // troubled specs' covers the path, whichever does says absent.
            let maybe_troubled = troubled.iter().any(|t| t.depth == depth && t.covers(path));
            if !maybe_troubled {
                return (State::Absent, String::new());
            }
            let spec = templates()
                .iter()
                .find(|t| t.depth == depth && t.covers(path))
                .map(|t| t.spec);
            if let Some(spec) = spec {
                match footer.specs.iter().find(|s| s.id == spec) {
                    Some(s) if s.timed_out => {
                        return (
                            State::Truncated,
                            format!("the probe's time budget ran out in spec {spec}"),
                        )
                    }
                    Some(s) if s.truncated => {
                        return (
                            State::Truncated,
                            format!("the probe's byte budget ran out in spec {spec}"),
                        )
                    }
                    None if !footer.specs.is_empty() => {
                        return (
                            State::NotCollected,
                            format!("the probe did not run spec {spec}"),
                        )
                    }
                    _ => {}
                }
            }
        } else if p.kind != "directory" && p.header.is_some() {
            return (
                State::NotCollected,
                "the bundle is incomplete (no footer): the probe may not have reached it".into(),
            );
        }
        (State::Absent, String::new())
    }

    fn no_fact(&self, src: &Source) -> (State, String) {
        let p = self.root.provenance();
        if p.kind == "directory" {
            return (
                State::NotCollected,
                "a directory tree has no system-call facts".into(),
            );
        }
        let Some(h) = &p.header else {
            return (
                State::NotCollected,
                "the input has no probe header, so no system-call facts".into(),
            );
        };
        if h.root.0 != b"/" && src.how == How::Fact("Statvfs") {
            return (
                State::NotCollected,
                "the probe scanned a root other than / (--root)".into(),
            );
        }
        if h.euid != 0 && src.how == How::Fact("BootSectors") {
            return (
                State::NotCollected,
                "reading boot sectors needs root, and the probe ran without it".into(),
            );
        }
        // The probe tried and said why it failed (a device it may not
        // open even as root: a container, a sandbox, SELinux).
        if src.how == How::Fact("BootSectors") {
            let failed: Vec<String> = p
                .notes
                .iter()
                .filter(|n| n.spec == src.spec && n.message.starts_with("boot sector"))
                .map(|n| {
                    let dev = n
                        .path
                        .as_ref()
                        .map(|d| d.to_string_lossy())
                        .unwrap_or_default();
                    format!("{dev}: {}", n.message)
                })
                .collect();
            if !failed.is_empty() {
                return (State::Unreadable, failed.join("; "));
            }
        }
        self.absent(src.path())
    }
}

fn skipped(r: SkipReason) -> (State, &'static str) {
    match r {
        SkipReason::NotRegular => (State::NotCollected, "not a regular file: never opened"),
        SkipReason::Secret => (State::NotCollected, "on the never-captured list"),
        SkipReason::OverBudget => (State::Truncated, "the probe's byte budget was used up"),
        SkipReason::NetworkFs => (State::NotCollected, "on a network filesystem: never read"),
        SkipReason::TimedOut => (State::Truncated, "the probe's time budget ran out"),
        SkipReason::TooManyEntries => (State::Truncated, "more entries than the listing limit"),
    }
}

/// A row's path template, ready to be matched against absent paths.
struct Template {
    spec: &'static str,
    /// Its slashes: only a path with as many can match.
    depth: usize,
    /// `{}` read as `*`.
    pattern: Cow<'static, str>,
    /// The pattern's bytes before its first `*`, `?` or `[`: a path that
    /// does not start with them cannot match (most absent paths, told
    /// by one comparison).
    literal: usize,
}

impl Template {
    /// Whether the template (with `{}` and globs) could name `path`, of
    /// the same depth.
    fn covers(&self, path: &str) -> bool {
        path.as_bytes()
            .starts_with(&self.pattern.as_bytes()[..self.literal])
            && self
                .pattern
                .split('/')
                .zip(path.split('/'))
                .all(|(t, p)| crate::snapshot::matches(t.as_bytes(), p.as_bytes()))
    }
}

fn slashes(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'/').count()
}

/// Every row's path templates, in the sources table's order, prepared once:
/// each absent path is matched against all of them.
fn templates() -> &'static [Template] {
    static TEMPLATES: std::sync::OnceLock<Vec<Template>> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        crate::sources::SOURCES
            .iter()
            .flat_map(|s| {
                s.paths.iter().map(|&t| {
                    let pattern: Cow<'static, str> = if t.contains("{}") {
                        Cow::Owned(t.replace("{}", "*"))
                    } else {
                        Cow::Borrowed(t)
                    };
                    Template {
                        spec: s.spec,
                        depth: slashes(t),
                        literal: pattern.find(['*', '?', '[']).unwrap_or(pattern.len()),
                        pattern,
                    }
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lift_bundle::{Record, SpecStatus};

    /// `absent` as it was before the troubled specs were kept: the first
    /// template covering the path, of any spec, decides.
    fn reference(specs: &[SpecStatus], path: &str) -> (State, String) {
        let depth = slashes(path);
        let spec = templates()
            .iter()
            .find(|t| t.depth == depth && t.covers(path))
            .map(|t| t.spec);
        let Some(spec) = spec else {
            return (State::Absent, String::new());
        };
        match specs.iter().find(|s| s.id == spec) {
            Some(s) if s.timed_out => (
                State::Truncated,
                format!("the probe's time budget ran out in spec {spec}"),
            ),
            Some(s) if s.truncated => (
                State::Truncated,
                format!("the probe's byte budget ran out in spec {spec}"),
            ),
            None if !specs.is_empty() => (
                State::NotCollected,
                format!("the probe did not run spec {spec}"),
            ),
            _ => (State::Absent, String::new()),
        }
    }

    /// Every template's path (a `*` made a name) and a few outside them,
    /// under footers that list every spec, all but `sos`, none, and each
    /// with one spec cut short: the shortcut says what the full search
    /// says.
    #[test]
    fn the_troubled_shortcut_agrees_with_the_full_search() {
        let r = crate::testing::TempRoot::with(&[("etc/hostname", "a\n")]);
        let mut ids: Vec<&'static str> = templates().iter().map(|t| t.spec).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut paths: Vec<String> = templates()
            .iter()
            .map(|t| t.pattern.replace('*', "x"))
            .collect();
        paths.extend(["/nowhere", "/etc/nothing/here", "/var/lib/x/y/z"].map(String::from));
        let status = |id: &str, cut: Option<(&str, bool)>| SpecStatus {
            id: id.into(),
            timed_out: cut == Some((id, true)),
            truncated: cut == Some((id, false)),
            ..SpecStatus::default()
        };
        let mut footers: Vec<Vec<SpecStatus>> = vec![
            Vec::new(),
            ids.iter().map(|id| status(id, None)).collect(),
            ids.iter()
                .filter(|&&id| id != "sos")
                .map(|id| status(id, None))
                .collect(),
        ];
        for cut in &ids {
            for timed_out in [true, false] {
                footers.push(
                    ids.iter()
                        .filter(|&&id| id != "sos")
                        .map(|id| status(id, Some((cut, timed_out))))
                        .collect(),
                );
            }
        }
        let mut checked = 0;
        for specs in footers {
            let snap = crate::testing::bundle_edited(r.path(), Vec::new(), true, |recs| {
                if let Some(Record::Footer(f)) = recs.last_mut() {
                    f.specs = specs.clone();
                }
            });
            let facts = Facts::new(Root::new(&snap));
            for path in &paths {
                assert_eq!(
                    facts.absent(path),
                    reference(&specs, path),
                    "{path} under {:?}",
                    specs.iter().map(|s| &s.id).collect::<Vec<_>>()
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
