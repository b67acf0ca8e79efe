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
