//! Incremental batches and the Parquet exports (issue 29): a rerun over a
//! grown folder analyses only what is new or changed and writes what a
//! fresh run writes, byte for byte; kept results that were tampered with
//! are redone, never trusted; every Parquet table answers as its JSON
//! Lines do (DuckDB).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use lift_tests::{fixture, lift, probe, Scratch};

fn batch(inputs: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "batch",
        inputs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = lift(&args);
    let said = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{said}");
    said
}

/// Every file of DIR but the kept results and the lock, with its bytes.
fn outputs(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(root).unwrap().to_owned();
            if rel == Path::new(".kept") || rel == Path::new(".lift-batch.lock") {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                walk(root, &e.path(), found);
            } else {
                found.insert(rel, fs::read(e.path()).unwrap());
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
}

fn same_outputs(a: &Path, b: &Path) {
    let (a, b) = (outputs(a), outputs(b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (name, body) in &a {
        assert!(&b[name] == body, "{} differs", name.display());
    }
}

fn parquet_files(out: &Path, table: &str) -> usize {
    fs::read_dir(out.join("parquet").join(table))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("part-") && name.ends_with(".parquet")
        })
        .count()
}

/// Each kept result's manifest, `.kept/<key>.kept` (its other files are
/// `<key>.html`, `<key>.json` and `<key>.rows`, docs/fleet.md).
fn kept_results(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(out.join(".kept"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kept"))
        .collect();
    found.sort();
    found
}

/// The analysed / kept counts from the command's last line.
fn counts(said: &str) -> (usize, usize) {
    let line = said.lines().last().unwrap();
    let inner = &line[line.find('(').unwrap() + 1..line.find(')').unwrap()];
    let n: Vec<usize> = inner
        .split(", ")
        .map(|p| p.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (n[0], n[1])
}

/// A rerun after a bundle is added, one removed and one replaced analyses
/// those alone, and its DIR is a fresh run's; the removed host leaves the
/// fleet and the keep.
#[test]
fn a_rerun_writes_what_a_fresh_run_writes() {
    let dir = Scratch::new("fleet-incremental");
    let inputs = dir.join("in");
    fs::create_dir_all(&inputs).unwrap();
    for (name, root) in [
        ("a.lift", "debian12-systemd"),
        ("b.lift", "centos6-sysv"),
        ("c.lift", "alpine-openrc"),
    ] {
        probe(Some(&fixture(root)), &inputs.join(name), &["-q"]);
    }
    let out = dir.join("out");
    let said = batch(&inputs, &out, &[]);
    assert_eq!(counts(&said), (3, 0), "{said}");
    assert_eq!(kept_results(&out).len(), 3);

    let said = batch(&inputs, &out, &[]);
    assert_eq!(counts(&said), (0, 3), "nothing new: {said}");

    probe(
        Some(&fixture("storage-lvm")),
        &inputs.join("d.lift"),
        &["-q"],
    );
    fs::remove_file(inputs.join("c.lift")).unwrap();
    probe(
        Some(&fixture("debian12-sysv")),
        &inputs.join("b.lift"),
        &["-q"],
    );
    // hosts/ is kept from run to run: what no run wrote goes, and a page
    // that is no longer its kept result's file is replaced.
    let hosts = out.join("hosts");
    let mut pages: Vec<PathBuf> = fs::read_dir(&hosts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 6, "{pages:?}");
    // A link made or removed changes the file's ctime: a page left in
    // place keeps it.
    let stamp = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(p).unwrap();
        (m.ino(), m.ctime(), m.ctime_nsec())
    };
    let before: Vec<(PathBuf, (u64, i64, i64))> =
        pages.iter().map(|p| (p.clone(), stamp(p))).collect();
    let tampered = pages[0].clone();
    fs::remove_file(&tampered).unwrap();
    fs::write(&tampered, "not the kept page").unwrap();
    // A folder where a page was: removed, the page placed again.
    let folder = pages[2].clone();
    fs::remove_file(&folder).unwrap();
    fs::create_dir_all(folder.join("inner")).unwrap();
    fs::write(hosts.join("stray.html"), "x").unwrap();
    fs::create_dir_all(hosts.join("stray-dir/inner")).unwrap();
    let said = batch(&inputs, &out, &[]);
    assert_eq!(counts(&said), (2, 1), "d added, b replaced: {said}");
    assert!(!hosts.join("stray.html").exists() && !hosts.join("stray-dir").exists());
    let still: Vec<&PathBuf> = before
        .iter()
        .filter(|(p, was)| p.exists() && stamp(p) == *was)
        .map(|(p, _)| p)
        .collect();
    assert!(
        !still.is_empty() && !still.contains(&&tampered) && !folder.is_dir(),
        "the unchanged host's pages stay as they were, the tampered one is replaced: {still:?}"
    );
    assert_eq!(kept_results(&out).len(), 3, "c's result is gone");
    let csv = fs::read_to_string(out.join("fleet.csv")).unwrap();
    assert!(!csv.contains("c.lift"), "{csv}");
    assert!(!csv.contains("c6-app01"), "b's old host left: {csv}");

    let fresh = dir.join("fresh");
    let said = batch(&inputs, &fresh, &["--fresh"]);
    assert_eq!(counts(&said), (3, 0), "{said}");
    same_outputs(&out, &fresh);

    // --fresh over a DIR with kept results analyses everything again, and
    // writes the same.
    let said = batch(&inputs, &out, &["--fresh"]);
    assert_eq!(counts(&said), (3, 0), "{said}");
    same_outputs(&out, &fresh);
}

/// Issue 29, bad input: a kept result edited by hand, truncated, from
/// another version, half-written by a killed run: each redone with a note,
/// the output still a fresh run's.
#[test]
fn kept_results_that_changed_are_redone() {
    let dir = Scratch::new("fleet-kept-bad");
    let inputs = dir.join("in");
    fs::create_dir_all(&inputs).unwrap();
    for (name, root) in [
        ("a.lift", "debian12-systemd"),
        ("b.lift", "centos6-sysv"),
        ("c.lift", "alpine-openrc"),
        ("d.lift", "storage-lvm"),
    ] {
        probe(Some(&fixture(root)), &inputs.join(name), &["-q"]);
    }
    let out = dir.join("out");
    batch(&inputs, &out, &[]);
    let fresh = dir.join("fresh");
    batch(&inputs, &fresh, &[]);
    let kept = kept_results(&out);
    assert_eq!(kept.len(), 4);

    // Edited by hand, in place: same size, one byte of a finding's row
    // changed.
    let rows = kept[0].with_extension("rows");
    let mut body = fs::read(&rows).unwrap();
    let at = body.windows(8).position(|w| w == b"\"title\":").unwrap();
    body[at + 1] = b'T';
    fs::OpenOptions::new()
        .write(true)
        .open(&rows)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &body))
        .unwrap();
    // Truncated: the manifest is a line, the summary the rest.
    let len = fs::metadata(&kept[1]).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&kept[1])
        .unwrap()
        .set_len(len - 100)
        .unwrap();
    // Another version's.
    let manifest = &kept[2];
    let text = fs::read_to_string(manifest).unwrap();
    let text = text.replace("\"lift\":\"lift ", "\"lift\":\"lift 0.0.0-old ");
    fs::write(manifest, text).unwrap();
    // A run killed while keeping: a result without its manifest, a
    // manifest half-written, a folder of the layout before, and a
    // half-written Parquet file.
    let orphan = out.join(format!(".kept/{}.rows", "ab".repeat(32)));
    fs::write(&orphan, "liftrows").unwrap();
    let half = kept[3].with_extension("kept.tmp");
    fs::write(&half, "{").unwrap();
    fs::create_dir_all(out.join(".kept/0123")).unwrap();
    fs::write(out.join(".kept/0123/summary.json"), "{").unwrap();
    let half_parquet = out.join("parquet/packages/part-00000-0123456789abcdef.parquet.tmp");
    fs::write(&half_parquet, "PAR1").unwrap();

    let said = batch(&inputs, &out, &[]);
    assert_eq!(counts(&said), (3, 1), "{said}");
    for why in [
        "rows was changed since it was kept",
        "its summary",
        "kept by lift 0.0.0-old",
    ] {
        assert!(said.contains(why), "no note {why:?}: {said}");
    }
    assert!(said.matches("analysed again").count() == 3, "{said}");
    same_outputs(&out, &fresh);
    for left in [orphan, half, out.join(".kept/0123"), half_parquet] {
        assert!(!left.exists(), "{} left", left.display());
    }
    assert_eq!(kept_results(&out).len(), 4);
    // The redone results are trusted again.
    let said = batch(&inputs, &out, &[]);
    assert_eq!(counts(&said), (0, 4), "{said}");
    same_outputs(&out, &fresh);
}

fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
}

/// The JSON Lines exports of a batch whose new bundles come after those it
/// had are appended to in place (the same files, grown); a bundle before
/// them changed or removed, or an export changed since (a run killed while
/// appending), rebuilds them whole. Each time the DIR is a fresh run's.
#[test]
fn exports_grow_in_place_only_when_they_can() {
    let dir = Scratch::new("fleet-append");
    let inputs = dir.join("in");
    fs::create_dir_all(&inputs).unwrap();
    for (name, root) in [("a.lift", "debian12-systemd"), ("b.lift", "centos6-sysv")] {
        probe(Some(&fixture(root)), &inputs.join(name), &["-q"]);
    }
    let out = dir.join("out");
    batch(&inputs, &out, &[]);
    let exports = ["packages", "findings", "jobs"].map(|t| out.join(format!("{t}.jsonl")));
    let inodes = |out: &Path| {
        exports
            .clone()
            .map(|p| inode(&out.join(p.file_name().unwrap())))
    };
    let before = inodes(&out);
    let findings = fs::metadata(&exports[1]).unwrap().len();
    let fresh_run = |name: &str| {
        let fresh = dir.join(name);
        batch(&inputs, &fresh, &["--fresh"]);
        same_outputs(&out, &fresh);
    };

    // A bundle after the others: appended.
    probe(
        Some(&fixture("alpine-openrc")),
        &inputs.join("c.lift"),
        &["-q"],
    );
    let said = batch(&inputs, &out, &[]);
    assert_eq!(counts(&said), (1, 2), "{said}");
    assert_eq!(inodes(&out), before, "appended in place, not rewritten");
    assert!(fs::metadata(&exports[1]).unwrap().len() > findings);
    fresh_run("fresh1");

    // Nothing new: the files as they were.
    batch(&inputs, &out, &[]);
    assert_eq!(inodes(&out), before);
    fresh_run("fresh2");

    // A run killed while appending left half a row: never trusted.
    fs::OpenOptions::new()
        .append(true)
        .open(&exports[0])
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"host_id\":\"half"))
        .unwrap();
    probe(
        Some(&fixture("storage-lvm")),
        &inputs.join("d.lift"),
        &["-q"],
    );
    batch(&inputs, &out, &[]);
    assert_ne!(inode(&exports[0]), before[0], "packages.jsonl rebuilt");
    fresh_run("fresh3");
    let before = inodes(&out);

    // An earlier bundle replaced: rebuilt.
    probe(
        Some(&fixture("debian12-sysv")),
        &inputs.join("a.lift"),
        &["-q"],
    );
    batch(&inputs, &out, &[]);
    let after = inodes(&out);
    assert!(
        after.iter().zip(&before).all(|(a, b)| a != b),
        "every export rebuilt"
    );
    fresh_run("fresh4");

    // An earlier bundle removed: rebuilt.
    fs::remove_file(inputs.join("b.lift")).unwrap();
    let before = after;
    batch(&inputs, &out, &[]);
    let after = inodes(&out);
    assert!(after.iter().zip(&before).all(|(a, b)| a != b));
    let packages = fs::read_to_string(&exports[0]).unwrap();
    assert!(!packages.contains("c6-app01"), "b's rows left");
    fresh_run("fresh5");

    // The record of what the files hold edited: not trusted, rebuilt.
    let record = out.join(".kept/joined.json");
    let text = fs::read_to_string(&record).unwrap();
    fs::write(&record, text.replace("\"keys\":[\"", "\"keys\":[\"0")).unwrap();
    probe(
        Some(&fixture("centos6-sysv")),
        &inputs.join("e.lift"),
        &["-q"],
    );
    let before = inodes(&out);
    batch(&inputs, &out, &[]);
    assert_ne!(inodes(&out)[0], before[0]);
    fresh_run("fresh6");
}

/// `--exports` writes what it names and nothing else; an unknown name is
/// a usage error.
#[test]
fn exports_are_chosen() {
    let dir = Scratch::new("fleet-exports");
    let inputs = dir.join("in");
    fs::create_dir_all(&inputs).unwrap();
    probe(
        Some(&fixture("centos6-sysv")),
        &inputs.join("b.lift"),
        &["-q"],
    );
    let out = dir.join("out");
    batch(&inputs, &out, &[]);
    assert!(parquet_files(&out, "packages") >= 1);
    assert!(out.join("packages.jsonl").is_file());
    assert!(out.join("fleet.csv").is_file());

    batch(&inputs, &out, &["--exports", "parquet"]);
    assert!(parquet_files(&out, "hosts") >= 1);
    assert!(!out.join("packages.jsonl").exists());
    assert!(!out.join("dependencies.jsonl").exists());
    assert!(!out.join("fleet.csv").exists());

    batch(&inputs, &out, &["--exports", "jsonl,csv"]);
    assert!(!out.join("parquet").exists());
    assert!(out.join("packages.jsonl").is_file());

    let o = lift(&[
        "batch",
        inputs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--exports",
        "parquet,xml",
    ]);
    assert_eq!(o.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"xml\""));
}

/// Every Parquet table, read by DuckDB, has the rows and sums of its JSON
/// Lines (hosts: fleet.csv), and the declared types.
#[test]
fn parquet_answers_as_the_json_lines() {
    let dir = Scratch::new("fleet-parquet");
    let inputs = dir.join("in");
    fs::create_dir_all(&inputs).unwrap();
    for (name, root) in [
        ("a.lift", "debian12-systemd"),
        ("b.lift", "centos6-sysv"),
        ("d.lift", "storage-lvm"),
    ] {
        probe(Some(&fixture(root)), &inputs.join(name), &["-q"]);
    }
    // This machine, for listeners, connections and utilization.
    probe(None, &inputs.join("live.lift"), &["-q"]);
    let out = dir.join("out");
    batch(&inputs, &out, &[]);
    let script = r#"
import duckdb, os, sys
d = sys.argv[1]
c = duckdb.connect()
def one(q):
    return c.sql(q).fetchall()[0]
def pq(t):
    return f"read_parquet('{d}/parquet/{t}/*.parquet')"
def js(t):
    return f"read_json_auto('{d}/{t}.jsonl')" if t != 'hosts' else f"read_csv_auto('{d}/fleet.csv')"
checks = {
    'hosts': "count(*), sum(packages), sum(memory_bytes), sum(blockers)",
    'findings': "count(*), count(distinct id), sum(case when severity = 'blocker' then 1 else 0 end)",
    'packages': "count(*), sum(installed_size_bytes), count(distinct name)",
    'listeners': "count(*), sum(port), count(distinct program)",
    'connections': "count(*), sum(remote_port)",
    'dependencies': "count(*), sum(port), count(fleet_host_id)",
    'jobs': "count(*), count(distinct command)",
    'utilization': "count(*), sum(samples), sum(memory_bytes)",
    'volumes': "count(*), sum(allocated_bytes), sum(len(holds))",
    'containers': "count(*), sum(len(mounts))",
    'applications': "count(*), sum(len(listeners))",
}
for t, q in checks.items():
    if t != 'hosts' and os.path.getsize(f"{d}/{t}.jsonl") == 0:
        assert one(f"select count(*) from {pq(t)}")[0] == 0, t
        print(t, 0)
        continue
    a, b = one(f"select {q} from {pq(t)}"), one(f"select {q} from {js(t)}")
    assert [None if x is None else int(x) for x in a] == [None if x is None else int(x) for x in b], (t, a, b)
    print(t, a[0])
types = dict((r[0], r[1]) for r in c.sql(f"describe select * from {pq('packages')}").fetchall())
assert types['install_time'] == 'TIMESTAMP WITH TIME ZONE', types
assert types['installed_size_bytes'] == 'BIGINT', types
types = dict((r[0], r[1]) for r in c.sql(f"describe select * from {pq('volumes')}").fetchall())
assert types['holds'] == 'VARCHAR[]', types
types = dict((r[0], r[1]) for r in c.sql(f"describe select * from {pq('hosts')}").fetchall())
assert types['started_at'] == 'TIMESTAMP WITH TIME ZONE', types
assert types['other_bundles'] == 'VARCHAR[]', types
# docs/fleet.md's four recipes give the same answers over both forms.
recipes = [
    """SELECT h.os, list(h.host_id ORDER BY h.host_id) AS hosts FROM {listeners} l
       JOIN {hosts} h USING (host_id) WHERE l.port IS NOT NULL GROUP BY h.os ORDER BY h.os""",
    """SELECT p.host_id, p.version, h.readiness FROM {packages} p JOIN {hosts} h USING (host_id)
       WHERE p.name IN ('openssl', 'openssl-libs', 'bash') ORDER BY ALL""",
    """SELECT id, count(DISTINCT host_id) AS hosts FROM {findings}
       WHERE severity IN ('blocker', 'unknown') GROUP BY id ORDER BY hosts DESC, id""",
    """WITH waves AS (
         SELECT wave, unnest(hosts) AS host_id FROM (
           SELECT generate_subscripts(groups, 1) AS wave, unnest(groups) AS hosts
           FROM read_json_auto('{d}/groups.json')))
       SELECT w.wave, d.kind, d.target, d.port, count(DISTINCT d.host_id) AS hosts
       FROM {dependencies} d JOIN waves w USING (host_id)
       WHERE d.kind NOT IN ('hosts-pin', 'dns-search', 'san')
         AND (d.fleet_host_id IS NULL
              OR d.fleet_host_id NOT IN (SELECT host_id FROM waves o WHERE o.wave = w.wave))
       GROUP BY ALL ORDER BY ALL""",
]
names = ['hosts', 'listeners', 'packages', 'findings', 'dependencies']
for i, r in enumerate(recipes):
    if i == 0 and os.path.getsize(f"{d}/listeners.jsonl") == 0:
        continue
    a = c.sql(r.format(d=d, **{t: pq(t) for t in names})).fetchall()
    b = c.sql(r.format(d=d, **{t: js(t) for t in names})).fetchall()
    assert a == b and a, (r, a, b)
    print('recipe', len(a))
stats = c.sql(f"select bool_and(stats_min_value is not null) from parquet_metadata('{d}/parquet/packages/*.parquet') where path_in_schema = 'name'").fetchall()[0][0]
assert stats, 'statistics on'
"#;
    let Some(stdout) = lift_tests::duckdb_script(script, &[out.to_str().unwrap()]) else {
        return;
    };
    let said = String::from_utf8_lossy(&stdout);
    let rows = |t: &str| -> usize {
        let line = said
            .lines()
            .find(|l| l.starts_with(&format!("{t} ")))
            .unwrap();
        line.split(' ').nth(1).unwrap().parse().unwrap()
    };
    assert_eq!(rows("hosts"), 4, "{said}");
    assert!(rows("packages") > 100, "{said}");
    assert!(rows("volumes") >= 2, "{said}");
    assert!(rows("jobs") > 0, "{said}");
}
