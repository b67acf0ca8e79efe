//! The analyzer's sources table held against the probe's spec table
//! (`lift-probe --list-specs`): every source names a spec the probe
//! collects and a path that spec covers, and every spec is either read by
//! a source or listed as raw-only. And the model binds no path of its own.

use lift::parse::Outcome;
use lift::sources::{How, Source, RAW_ONLY_SPECS, SOURCES};
use lift_bundle::paths::matches;
use lift_tests::{bin, workspace};

/// One line of `--list-specs`: spec id, item kind, how, path.
struct Item {
    spec: String,
    kind: String,
    path: String,
}

fn spec_items() -> Vec<Item> {
    let out = std::process::Command::new(bin("lift-probe"))
        .arg("--list-specs")
        .output()
        .expect("lift-probe --list-specs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let items: Vec<Item> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Item {
                spec: f[0].into(),
                kind: f[1].into(),
                path: f[3].into(),
            }
        })
        .collect();
    assert!(items.len() > 100, "{} spec items", items.len());
    items
}

/// Whether a spec glob names `path` (each component a shell pattern). A
/// source component with a `{}` placeholder may be any name the model
/// fills in, so it meets any spec component.
fn glob_names(glob: &str, path: &str) -> bool {
    let (g, p): (Vec<&str>, Vec<&str>) = (glob.split('/').collect(), path.split('/').collect());
    g.len() == p.len()
        && g.iter()
            .zip(&p)
            .all(|(g, p)| p.contains("{}") || g == p || matches(g.as_bytes(), p.as_bytes()))
}

/// The directory part of a glob.
fn parent(glob: &str) -> &str {
    glob.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Whether `path` lies under the directory `dir`.
fn under(dir: &str, path: &str) -> bool {
    path.strip_prefix(dir.trim_end_matches('/'))
        .is_some_and(|r| r.starts_with('/'))
}

fn covered(src: &Source, path: &str, items: &[Item]) -> bool {
    let mine = items.iter().filter(|i| i.spec == src.spec);
    let covers = |i: &Item| match (src.how, i.kind.as_str()) {
        (How::Fact(live) | How::LiveFile(live), "live") => i.path == live,
        (How::File, "files" | "newest") => glob_names(&i.path, path),
        (How::Listing, "listing") => glob_names(&i.path, path),
        // A tree lists every directory and takes every file under it.
        (How::File | How::Listing | How::Presence, "tree") => {
            i.path == path || under(&i.path, path)
        }
        // Presence is seen in a listing of the parent, or a file item.
        (How::Presence, "listing") => glob_names(&i.path, parent(path)),
        (How::Presence, "files") => glob_names(&i.path, path),
        // A listing is implied by the files taken beneath the directory.
        (How::Listing, "files") => {
            let mut dir = parent(&i.path);
            while !dir.is_empty() && !glob_names(dir, path) {
                dir = parent(dir);
            }
            !dir.is_empty()
        }
        _ => false,
    };
    mine.into_iter().any(covers)
}

#[test]
fn every_source_is_collected_by_its_spec() {
    let items = spec_items();
    let mut bad = Vec::new();
    for s in SOURCES {
        // A sosreport's command output: no probe spec collects it.
        if s.how == How::Command {
            assert_eq!(s.spec, "sos", "{}", s.name);
            continue;
        }
        for p in s.paths {
            if !covered(s, p, &items) {
                bad.push(format!("{} ({}): {p} [{:?}]", s.name, s.spec, s.how));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "sources no spec collects:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_spec_is_read_or_raw_only() {
    let items = spec_items();
    let mut specs: Vec<&str> = items.iter().map(|i| i.spec.as_str()).collect();
    specs.dedup();
    for spec in specs {
        let read = SOURCES.iter().any(|s| s.spec == spec);
        let raw = RAW_ONLY_SPECS.iter().any(|(id, _)| *id == spec);
        assert!(
            read || raw,
            "spec {spec} is neither read by a source nor raw-only"
        );
        assert!(
            !(read && raw),
            "spec {spec} is read, yet listed as raw-only"
        );
    }
    for (id, _) in RAW_ONLY_SPECS {
        assert!(
            items.iter().any(|i| i.spec == *id),
            "raw-only {id} is no spec"
        );
    }
}

/// Every Rust file under these folders of analyzer/src, with its text.
fn source_files(layers: &[&str]) -> Vec<(std::path::PathBuf, String)> {
    let mut dirs: Vec<_> = layers
        .iter()
        .map(|d| workspace().join("analyzer/src").join(d))
        .collect();
    let mut out = Vec::new();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

/// Paths belong in the sources table: a string literal in model/, diff/ or
/// fleet/ that names a place on the host is a binding the table does not
/// know about (diff and fleet read the Host and its rows, issue 22 item 1).
#[test]
fn no_path_literal_in_the_model() {
    let roots = [
        "/etc", "/proc", "/sys", "/usr", "/var", "/lib", "/boot", "/run", "/sbin", "/bin", "/dev",
        "/opt", "/tmp", "/root", "/home",
    ];
    let mut found = Vec::new();
    let mut files = 0;
    for (path, text) in source_files(&["model", "diff", "fleet"]) {
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        files += 1;
        // Unit tests may name paths: they build roots.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for lit in line.split('"').skip(1).step_by(2) {
                // `/name...` is a path wherever it stands.
                let rooted = lit.starts_with('/')
                    && lit[1..].starts_with(|c: char| c.is_ascii_alphanumeric());
                let hit = rooted
                    || roots.iter().any(|r| {
                        lit.match_indices(r).any(|(i, _)| {
                            let after = lit[i + r.len()..].chars().next();
                            let before = lit[..i].chars().last();
                            matches!(after, None | Some('/'))
                                && !matches!(before, Some(c) if c.is_alphanumeric() || c == '.')
                        })
                    });
                if hit {
                    found.push(format!("{}:{}: \"{lit}\"", path.display(), n + 1));
                }
            }
        }
    }
    assert!(files > 40, "only {files} model, diff and fleet files read");
    assert!(
        found.is_empty(),
        "path literals in model/, diff/ or fleet/:\n{}",
        found.join("\n")
    );
}

/// One door: `Facts` keeps the snapshot private, and nothing in model/,
/// diff/ or fleet/ reaches around it for a `.root` (issue 22's check, as
/// `grep -rn '\.root\b'` would run it); diff/ and fleet/ do not open a
/// `Root` of their own either, nor read a node's data: they read the Host
/// (issue 22 item 1). Unit tests build roots, and may.
#[test]
fn nothing_reads_the_snapshot_around_facts() {
    let mut found = Vec::new();
    let mut files = 0;
    for (path, text) in source_files(&["model", "diff", "fleet"]) {
        if path.ends_with("model/facts.rs") {
            continue;
        }
        files += 1;
        let model = path.components().any(|c| c.as_os_str() == "model");
        let unit_tests = path.file_name().is_some_and(|n| n == "tests.rs");
        let code_lines = text.split("#[cfg(test)]").next().unwrap().lines().count();
        for (n, line) in text.lines().enumerate() {
            let root = line.match_indices(".root").any(|(i, _)| {
                !line[i + 5..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            let around = !model
                && !unit_tests
                && n < code_lines
                && [
                    "Root",
                    "read_string(",
                    ".lookup(",
                    "Lookup::",
                    "Data::",
                    ".node(",
                    ".children(",
                ]
                .iter()
                .any(|w| line.contains(w));
            let hit = root || around;
            if hit && !line.trim_start().starts_with("//") {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(files > 40, "only {files} files read");
    assert!(
        found.is_empty(),
        "reads around Facts:\n{}",
        found.join("\n")
    );
}

/// The layers' arrows point down (docs/architecture.md): parse/ imports
/// nothing above it (the version ordering beside it is a leaf); the model
/// nothing above it; rules/ and diff/ speak the Host's vocabulary, never a
/// parser's, and reach nothing above them (which bundles are one machine
/// is the model's rule, shared by diff/ and fleet/); render/ formats
/// report types only (no snapshot, model, parser, diff or fleet); the
/// report layer is below render/ and fleet/. Read from the code, not from
/// `use` lines alone: any `crate::` path counts.
#[test]
fn layers_import_only_downwards() {
    let forbidden: &[(&str, &[&str])] = &[
        // The Host's vocabulary that parsers fill: below everything.
        ("vocab", &["crate::"]),
        (
            "parse",
            &[
                "crate::model",
                "crate::rules",
                "crate::diff",
                "crate::fleet",
                "crate::render",
                "crate::report",
                "crate::snapshot",
                "crate::sources",
                "crate::profile",
            ],
        ),
        (
            "model",
            &[
                "crate::rules",
                "crate::diff",
                "crate::report",
                "crate::render",
                "crate::fleet",
            ],
        ),
        (
            "rules",
            &[
                "crate::parse",
                "crate::snapshot",
                "crate::render",
                "crate::diff",
                "crate::report",
                "crate::fleet",
            ],
        ),
        (
            "diff",
            &[
                "crate::parse",
                "crate::render",
                "crate::report",
                "crate::fleet",
            ],
        ),
        (
            "render",
            &[
                "crate::parse",
                "crate::snapshot",
                "crate::model",
                "crate::diff",
                "crate::fleet",
            ],
        ),
        ("report", &["crate::render", "crate::fleet"]),
    ];
    let mut found = Vec::new();
    for (layer, words) in forbidden {
        for (path, text) in source_files(&[layer]) {
            if path
                .file_name()
                .is_some_and(|n| n == "tests.rs" || n == "testing.rs")
            {
                continue;
            }
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (n, line) in code.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                for w in *words {
                    if line.contains(w) {
                        found.push(format!("{}:{}: {line}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

/// One template environment, one escaping setup: every page (the fleet's
/// index too) renders through render/, so no other module builds a
/// minijinja `Environment` or names a template file.
#[test]
fn every_page_renders_through_render() {
    let mut found = Vec::new();
    let mut files = 0;
    for (path, text) in source_files(&["."]) {
        if path.components().any(|c| c.as_os_str() == "render") {
            continue;
        }
        files += 1;
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if line.contains("Environment") && line.contains("minijinja")
                || line.contains("Environment::new")
                || line.contains(".j2\"")
            {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(files > 100, "only {files} files read");
    assert!(
        found.is_empty(),
        "templates outside render/:\n{}",
        found.join("\n")
    );
}

/// The Host speaks its own types (issue 22 item 3): model/ re-exports no
/// parser type, so rules/ and diff/ cannot reach parse/ through it.
#[test]
fn the_model_reexports_no_parser_type() {
    let mut found = Vec::new();
    for (path, text) in source_files(&["model"]) {
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("pub use") && line.contains("parse") {
                found.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "parser types re-exported by the model:\n{}",
        found.join("\n")
    );
}

/// Each pattern of a row as components, `{}` read as `*`: rows read per
/// process (`/{}/...`) are left out, as they name no fixed place.
fn row_patterns(s: &Source) -> Vec<Vec<String>> {
    s.paths
        .iter()
        .filter(|p| !p.starts_with("/{}"))
        .map(|p| p[1..].split('/').map(|c| c.replace("{}", "*")).collect())
        .collect()
}

fn names(pattern: &[String], comps: &[&str]) -> bool {
    pattern.len() == comps.len()
        && pattern
            .iter()
            .zip(comps)
            .all(|(p, c)| matches(p.as_bytes(), c.as_bytes()))
}

/// Rows whose files in the fixture trees are empty stand-ins, with why an
/// empty one is skipped.
const STAND_INS: &[(&str, &str)] = &[(
    "ELF_HEADS",
    "the trees hold empty files for binaries; the model skips an empty head",
)];

/// Fixture files that are damaged on purpose (path suffix, why).
const DAMAGED_ON_PURPOSE: &[(&str, &str)] = &[];

/// Whether a directory is a host's root: it holds one of these.
fn is_root(dir: &std::path::Path) -> bool {
    [
        "etc",
        "proc",
        "sys",
        "var",
        "usr",
        "lib",
        "boot",
        "run",
        "sos_commands",
    ]
    .iter()
    .any(|d| dir.join(d).is_dir())
}

/// Issue 22: a row's parser is a function that runs, held against real
/// files. Every file under fixtures/ (any directory taken as a root) that
/// a row names, and each row's file in this machine's /etc, goes through
/// the row's own parser, which must not find it broken: the programs that
/// own these formats read them.
#[test]
fn every_file_row_parses_its_real_files() {
    let rows: Vec<(&Source, Vec<Vec<String>>)> = SOURCES
        .iter()
        .filter(|s| s.parser.check(b"").is_some())
        .map(|s| (*s, row_patterns(s)))
        .collect();
    assert!(rows.len() > 100, "{} rows with a parser", rows.len());
    let mut failures = Vec::new();
    let checked = std::cell::Cell::new(0);
    let mut run = |s: &Source, file: &std::path::Path| {
        let Ok(bytes) = std::fs::read(file) else {
            return;
        };
        if bytes.is_empty() && STAND_INS.iter().any(|(r, _)| *r == s.name) {
            return;
        }
        checked.set(checked.get() + 1);
        let shown = file.display().to_string();
        if let Some(Outcome::Broken(e)) = s.parser.check(&bytes) {
            if !DAMAGED_ON_PURPOSE.iter().any(|(f, _)| shown.ends_with(f)) {
                failures.push(format!("{} ({:?}): {shown}: {e}", s.name, s.parser));
            }
        }
    };
    let fixtures = workspace().join("fixtures");
    let mut dirs = vec![fixtures.clone()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let rel = path
                .strip_prefix(&fixtures)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel.starts_with("fuzz-regressions") {
                continue;
            }
            if path.is_dir() && !path.is_symlink() {
                dirs.push(path);
                continue;
            }
            if !path.is_file() {
                continue;
            }
            let comps: Vec<&str> = rel.split('/').collect();
            for root in 1..comps.len() {
                if !is_root(&fixtures.join(comps[..root].join("/"))) {
                    continue;
                }
                let named: Vec<&(&Source, Vec<Vec<String>>)> = rows
                    .iter()
                    .filter(|(_, patterns)| patterns.iter().any(|p| names(p, &comps[root..])))
                    .collect();
                // A row that names the file outright (`BootCurrent-*`) wins
                // over one whose placeholder the model fills (`Boot{}-*`).
                let exact: Vec<_> = named
                    .iter()
                    .filter(|(s, _)| s.paths.iter().all(|p| !p.contains("{}")))
                    .collect();
                for (s, _) in if exact.is_empty() {
                    named.iter().collect()
                } else {
                    exact
                } {
                    run(s, &path);
                }
            }
        }
    }
    assert!(
        checked.get() > 300,
        "only {} fixture files checked",
        checked.get()
    );
    // This machine's configuration, where it has the file.
    for (s, patterns) in &rows {
        for p in patterns.iter().filter(|p| p[0] == "etc") {
            let dir = std::path::PathBuf::from(format!("/{}", p[..p.len() - 1].join("/")));
            let Ok(list) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in list.flatten() {
                let name = e.file_name();
                if matches(p[p.len() - 1].as_bytes(), name.as_encoded_bytes()) {
                    run(s, &e.path());
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "broken by their row's parser:\n{}",
        failures.join("\n")
    );
}

/// The check above can fail: a row's parser is the real one, and says
/// broken for bytes that are not its format.
#[test]
fn a_row_parser_says_broken() {
    use lift::sources::{PROC_VERSION, SELINUX_ENFORCE};
    for (s, bytes) in [(&PROC_VERSION, &b""[..]), (&SELINUX_ENFORCE, b"maybe\n")] {
        assert!(
            matches!(s.parser.check(bytes), Some(Outcome::Broken(_))),
            "{}: {:?}",
            s.name,
            s.parser.check(bytes)
        );
    }
    assert_eq!(PROC_VERSION.parser.name(), "proc_version::parse");
}
