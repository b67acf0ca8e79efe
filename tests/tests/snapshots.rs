//! Whole reports, reviewed when they change: for every fixture root and
//! every profile, the Markdown report and the JSON contract (the full
//! report for `generic`, readiness and findings for the others).
//!
//! A change to any verdict, wording or field shows up here as a diff to
//! review (`cargo insta review`, or `INSTA_UPDATE=always cargo test --test
//! snapshots` and `git diff`); under `CI=true` a mismatch fails.

use std::path::{Path, PathBuf};

use lift::profile::{Profile, Target};
use lift::render::{self, Format};
use lift::report::Report;
use lift::snapshot::{BundleSnapshot, DirSnapshot, Snapshot};
use lift_tests::{facts_file, probe_bundle, workspace, Scratch};

/// Every directory under fixtures/ that is a root filesystem tree: it has
/// one of the top-level directories the probe reads.
fn roots() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut kids: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() && !p.is_symlink())
            .collect();
        kids.sort();
        let top = ["etc", "proc", "sys", "var", "usr", "boot", "lib"];
        if kids
            .iter()
            .any(|k| top.iter().any(|t| k.file_name().unwrap() == *t))
        {
            out.push(dir.to_path_buf());
            return;
        }
        for k in kids {
            walk(&k, out);
        }
    }
    let mut out = Vec::new();
    walk(&workspace().join("fixtures"), &mut out);
    out
}

fn name_of(root: &Path, fixtures: &Path) -> String {
    root.strip_prefix(fixtures)
        .unwrap()
        .to_string_lossy()
        .replace('/', "__")
}

/// The probe's start time is the run's, and the statvfs it takes of the
/// --root directory is this machine's disk: both fixed, so the reports are
/// the same on every run.
fn fix_run_facts(bundle: &Path) {
    use lift_bundle::{json, Fact, Record, Timestamp};
    let mut b = json::from_reader(std::fs::File::open(bundle).unwrap()).unwrap();
    for r in &mut b.records {
        if let Record::Fact(Fact::Statvfs(s)) = r {
            s.block_size = 4096;
            s.total_bytes = 64 << 30;
            s.free_bytes = 40 << 30;
            s.avail_bytes = 36 << 30;
            s.total_inodes = 4 << 20;
            s.free_inodes = 3 << 20;
            s.avail_inodes = 3 << 20;
        }
        if let Record::Header(h) = r {
            h.started_at = Timestamp {
                secs: 1_767_225_600, // 2026-01-01T00:00:00Z
                nanos: 0,
            };
        }
    }
    json::to_writer(std::fs::File::create(bundle).unwrap(), &b).unwrap();
}

/// Issue 25 item 1, over every root the snapshots walk (nested ones and
/// probe bundles too, which the unit test in `rules::gate` does not
/// reach): a blocker, warning or pass stands only on present sources, and
/// none of its evidence comes from a source the same report holds absent,
/// unreadable, broken, cut short or not collected; a blocker or warning
/// shows evidence.
fn no_verdict_without_present_evidence(report: &serde_json::Value, at: &str) {
    let not_present: Vec<(&str, &str)> = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["state"] != "present")
        .map(|s| (s["path"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    for f in report["findings"].as_array().unwrap() {
        let sev = f["severity"].as_str().unwrap();
        if !matches!(sev, "blocker" | "warning" | "pass") {
            continue;
        }
        let id = &f["id"];
        for b in f["basis"].as_array().unwrap() {
            assert_eq!(b["state"], "present", "{at} {id}: {sev} stands on {b}");
        }
        for e in f["evidence"].as_array().unwrap() {
            let path = e["path"].as_str().unwrap();
            let path = path.split(':').next().unwrap_or(path);
            if let Some((p, s)) = not_present.iter().find(|(p, _)| *p == path) {
                panic!("{at} {id}: a {sev} with evidence from {p}, which is {s}");
            }
        }
        if sev != "pass" {
            assert!(
                !f["evidence"].as_array().unwrap().is_empty(),
                "{at} {id}: a {sev} with no evidence"
            );
        }
    }
}

/// Issue 25 item 2: on the to-do list, a fix or a decision says what to
/// do (a command, or words), and every unknown its step to resolve it
/// (mgn.os-supported's decision on Alpine said nothing).
fn every_item_says_what_to_do(report: &serde_json::Value, at: &str) {
    for f in report["findings"].as_array().unwrap() {
        let id = &f["id"];
        match f["action"].as_str().unwrap() {
            "fix" | "decide" => assert!(
                f["command"].is_string() || f["remediation"].is_string(),
                "{at} {id}: a {} with nothing to do",
                f["severity"]
            ),
            "resolve" | "unknown" => {
                assert!(
                    f["resolve"].is_string(),
                    "{at} {id}: an unknown with no step"
                )
            }
            _ => {}
        }
    }
}

#[test]
fn every_fixture_and_profile() {
    let fixtures = workspace().join("fixtures").canonicalize().unwrap();
    let roots = roots();
    assert!(roots.len() >= 40, "only {} fixture roots", roots.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        let scratch = Scratch::new("snapshots");
        for root in roots {
            let root = root.canonicalize().unwrap();
            let name = name_of(&root, &fixtures);
            // A root with a `lift-facts` file stands for a live probe's
            // bundle: the probe scans the tree and the listed facts (boot
            // sectors, uname) are added, as a live run reads them.
            let facts = root.join("lift-facts");
            let bundle = scratch.join(&format!("{name}.lift.json"));
            let snap: Box<dyn Snapshot> = if facts.exists() {
                probe_bundle(&root, facts_file(&facts), true, &bundle);
                fix_run_facts(&bundle);
                Box::new(BundleSnapshot::open_json(&bundle).unwrap())
            } else {
                Box::new(DirSnapshot::new(&root))
            };
            let snap = snap.as_ref();
            let mut md = String::new();
            let mut findings = serde_json::Map::new();
            let mut full = String::new();
            for p in Profile::ALL {
                // Support dates are judged on one fixed day, so the
                // snapshots do not move with the calendar.
                let target = Target {
                    today: lift::lifecycle::Date::parse(lift_tests::REPORT_DATE).unwrap(),
                    ..Target::new(*p)
                };
                let report = Report::build(snap, &target);
                md.push_str(&format!("<!-- profile {} -->\n", p.name()));
                md.push_str(&render::render(&report, Format::Markdown).unwrap());
                let mut v = serde_json::to_value(&report).unwrap();
                no_verdict_without_present_evidence(&v, &format!("{name} {}", p.name()));
                every_item_says_what_to_do(&v, &format!("{name} {}", p.name()));
                if *p == Profile::Generic {
                    full = serde_json::to_string_pretty(&v).unwrap();
                }
                let o = v.as_object_mut().unwrap();
                findings.insert(
                    p.name().into(),
                    serde_json::json!({
                        "readiness": o.remove("readiness"),
                        "findings": o.remove("findings"),
                    }),
                );
            }
            let json = format!(
                "{full}\n{}\n",
                serde_json::to_string_pretty(&findings).unwrap()
            );
            let here = root.to_string_lossy().into_owned();
            let made = bundle.to_string_lossy().into_owned();
            // Markdown escapes the path's underscores where they could act.
            let made_md = render::markdown_escape(&made);
            let scrub = |s: &str| {
                s.replace(&made, "$BUNDLE")
                    .replace(&made_md, "$BUNDLE")
                    .replace(&here, "$ROOT")
            };
            insta::assert_snapshot!(format!("{name}.md"), scrub(&md));
            insta::assert_snapshot!(format!("{name}.json"), scrub(&json));
        }
    });
}
