//! `lift batch` end to end: a fleet of 12 bundles made from real probe runs
//! (three fixture roots and this machine) with hostnames, addresses and TCP
//! connections rewritten, plus a corrupt and a truncated bundle. Checks the
//! charts' counts, the move groups, the exports (also through DuckDB, which
//! recomputes every number on the index), and, in headless Chromium, that
//! index.html runs without console errors and draws its host table worst
//! first with exact filters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lift::profile::Profile;
use lift_bundle::{Content, Entry, Fact, FileKind, InterfaceAddr, Record, Writer};
use lift_tests::{browser, fixture, lift, probe, records, report_json, uname, Scratch};
use serde_json::Value;

/// The bases: a fixture root (or this machine) and the kernel its hosts say.
const BASES: [(&str, &str); 4] = [
    ("debian12-systemd", "6.1.0-18-amd64"),
    ("centos6-sysv", "2.6.32-754.35.1.el6.x86_64"),
    ("ubuntu1404-upstart", "3.13.0-170-generic"),
    ("live", "6.1.0-live"),
];

/// (hostname, base, address, started_at, listening ports, outbound connections)
type Spec = (
    &'static str,
    usize,
    &'static str,
    i64,
    &'static [u16],
    &'static [(&'static str, u16)],
);

const FLEET: [Spec; 12] = [
    (
        "web1",
        0,
        "10.1.0.1",
        1000,
        &[80],
        &[("10.1.0.2", 8080), ("93.184.216.34", 443)],
    ),
    ("app1", 1, "10.1.0.2", 1000, &[8080], &[("10.1.0.3", 5432)]),
    ("db1", 2, "10.1.0.3", 1000, &[5432], &[]),
    ("web2", 3, "10.2.0.1", 1000, &[], &[("10.2.0.2", 3306)]),
    ("db2", 0, "10.2.0.2", 2000, &[3306], &[]),
    // An older bundle of db2 (the same machine: its base's machine-id):
    // superseded, but listed.
    ("db2", 0, "10.2.0.2", 1500, &[3306], &[]),
    ("lone1", 0, "10.3.0.1", 1000, &[22], &[]),
    ("lone2", 1, "10.3.0.2", 1000, &[22], &[]),
    ("lone3", 2, "10.3.0.3", 1000, &[], &[]),
    ("lone4", 3, "10.3.0.4", 1000, &[3306], &[]),
    ("lone5", 0, "10.3.0.5", 1000, &[], &[]),
    ("lone6", 2, "10.3.0.6", 1000, &[], &[]),
];

fn hex_v4(addr: &str, port: u16) -> String {
    let ip: std::net::Ipv4Addr = addr.parse().unwrap();
    let o = ip.octets();
    format!(
        "{:02X}{:02X}{:02X}{:02X}:{port:04X}",
        o[3], o[2], o[1], o[0]
    )
}

/// /proc/net/tcp with LISTEN lines and both ends of every connection that
/// involves `me` (the peer's end too, as the kernel would show it there).
fn proc_net_tcp(me: &Spec) -> Vec<u8> {
    let mut out = String::from("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
    let mut line = |local: String, remote: String, st: &str| {
        let n = out.lines().count() - 1;
        out.push_str(&format!(
            "{n:4}: {local} {remote} {st} 00000000:00000000 00:00000000 00000000     0        0 {} 1 0000000000000000 100 0 0 10 0\n",
            7000 + n
        ));
    };
    for &p in me.4 {
        line(hex_v4("0.0.0.0", p), hex_v4("0.0.0.0", 0), "0A");
    }
    for (k, &(to, port)) in me.5.iter().enumerate() {
        line(hex_v4(me.2, 40000 + k as u16), hex_v4(to, port), "01");
    }
    for other in FLEET.iter().filter(|o| o.0 != me.0) {
        for (k, &(to, port)) in other.5.iter().enumerate() {
            if to == me.2 {
                line(hex_v4(me.2, port), hex_v4(other.2, 40000 + k as u16), "01");
            }
        }
    }
    out.into_bytes()
}

fn is_mac(path: &[u8]) -> bool {
    let p = String::from_utf8_lossy(path);
    p.starts_with("/sys/") && p.contains("/net/") && p.ends_with("/address")
}

fn file_entry(path: &str, body: Vec<u8>) -> Record {
    Record::Entry(Entry {
        spec: "test".into(),
        path: path.into(),
        kind: FileKind::File,
        mode: 0o100444,
        uid: 0,
        gid: 0,
        size: body.len() as u64,
        mtime: 0,
        link_target: None,
        content: Content::Full(body.into()),
    })
}

/// /proc/net/tcp or, on a live host where /proc/net links to self/net,
/// /proc/<pid>/net/tcp (and tcp6, which the fleet replaces by nothing).
fn is_tcp_table(path: &[u8]) -> bool {
    let p = String::from_utf8_lossy(path);
    p.starts_with("/proc/") && (p.ends_with("/net/tcp") || p.ends_with("/net/tcp6"))
}

/// A base's records with the host's name, address, sockets and start time.
fn rewrite(base: &[Record], spec: &Spec) -> Vec<Record> {
    let hostname = ["/etc/hostname", "/proc/sys/kernel/hostname"];
    let mut tables: Vec<String> = base
        .iter()
        .filter_map(|r| match r {
            Record::Entry(e) if is_tcp_table(&e.path.0) && e.path.0.ends_with(b"/tcp") => {
                Some(e.path.to_string_lossy())
            }
            _ => None,
        })
        .collect();
    if tables.is_empty() {
        tables.push("/proc/net/tcp".into());
    }
    let mut out: Vec<Record> = Vec::new();
    for r in base {
        match r {
            Record::Header(h) => {
                let mut h = h.clone();
                h.hostname = spec.0.into();
                h.started_at.secs = spec.3;
                out.push(Record::Header(h));
            }
            Record::Entry(e) if is_tcp_table(&e.path.0) => {}
            // The live base's network cards: hosts made from it are other
            // machines, and one MAC would make them one (issue 24).
            Record::Entry(e) if is_mac(&e.path.0) => {}
            Record::Entry(e) if hostname.iter().any(|p| e.path.0 == p.as_bytes()) => {}
            Record::Fact(Fact::Uname(_) | Fact::Interfaces(_)) => {}
            Record::Footer(_) => {
                out.push(file_entry(
                    "/etc/hostname",
                    format!("{}\n", spec.0).into_bytes(),
                ));
                for t in &tables {
                    out.push(file_entry(t, proc_net_tcp(spec)));
                }
                out.push(Record::Fact(uname(spec.0, BASES[spec.1].1)));
                out.push(Record::Fact(Fact::Interfaces(vec![
                    iface("lo", "127.0.0.1", 8),
                    iface("eth0", spec.2, 24),
                ])));
                out.push(r.clone());
            }
            other => out.push(other.clone()),
        }
    }
    out
}

fn iface(name: &str, address: &str, prefix: u8) -> InterfaceAddr {
    InterfaceAddr {
        name: name.into(),
        family: "inet".into(),
        address: address.into(),
        prefix_len: Some(prefix),
        flags: 0,
    }
}

fn write_bundle(path: &Path, records: &[Record]) {
    let mut w = Writer::new(std::fs::File::create(path).unwrap(), 3).unwrap();
    for r in records {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
}

struct Fleet {
    _scratch: Scratch,
    input: PathBuf,
    out: PathBuf,
    /// Per base: (os, init, virtualization, readiness) from `lift report`.
    bases: Vec<BTreeMap<&'static str, String>>,
}

fn build_fleet(tag: &str) -> Fleet {
    let s = Scratch::new(tag);
    let mut base_records = Vec::new();
    let mut bases = Vec::new();
    for (name, _) in BASES {
        let path = s.join(&format!("{name}.lift"));
        let root = (name != "live").then(|| fixture(name));
        probe(root.as_deref(), &path, &["-q"]);
        base_records.push(records(&path));
    }
    let input = s.join("fleet");
    for (i, spec) in FLEET.iter().enumerate() {
        let sub = input.join(if i % 2 == 0 { "even" } else { "odd/deeper" });
        std::fs::create_dir_all(&sub).unwrap();
        let recs = rewrite(&base_records[spec.1], spec);
        write_bundle(&sub.join(format!("{i:02}-{}.lift", spec.0)), &recs);
        if i < BASES.len() {
            // The base's facts as the batch will see them, read by `lift report`.
            let r = report_json(&sub.join(format!("{i:02}-{}.lift", spec.0)), "generic");
            let s = |v: &Value| v.as_str().unwrap_or("unknown").to_string();
            let os = match (
                r["host"]["os"]["id"].as_str(),
                r["host"]["os"]["version_id"].as_str(),
            ) {
                (Some(id), Some(v)) => format!("{id} {v}"),
                (Some(id), None) => id.to_string(),
                _ => "unknown".into(),
            };
            bases.push(BTreeMap::from([
                ("os", os),
                ("init", s(&r["host"]["init"]["system"])),
                ("virtualization", s(&r["host"]["virtualization"]["kind"])),
                ("readiness", s(&r["readiness"])),
            ]));
        }
    }
    // Bases and fleet order match for the first four hosts.
    assert_eq!(
        FLEET[..4].iter().map(|f| f.1).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let good = std::fs::read(input.join("even/00-web1.lift")).unwrap();
    std::fs::write(
        input.join("even/zz-truncated.lift"),
        &good[..good.len() / 2],
    )
    .unwrap();
    let mut corrupt = good.clone();
    for b in &mut corrupt[40..200] {
        *b ^= 0x5a;
    }
    std::fs::write(input.join("odd/zz-corrupt.lift"), corrupt).unwrap();
    let out = s.join("out");
    Fleet {
        _scratch: s,
        input,
        out,
        bases,
    }
}

fn batch(f: &Fleet, jobs: &str) {
    let o = lift(&[
        "batch",
        f.input.to_str().unwrap(),
        "-o",
        f.out.to_str().unwrap(),
        "--jobs",
        jobs,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `data-label="L" data-count="N"` pairs of one chart in index.html.
fn chart(page: &str, id: &str) -> BTreeMap<String, usize> {
    let start = page.find(&format!("data-chart=\"{id}\"")).unwrap();
    let end = start + page[start..].find("</figure>").unwrap();
    let mut counts = BTreeMap::new();
    for g in page[start..end].split("<g class=\"bar\" ").skip(1) {
        let attr = |name: &str| {
            let at = g.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            g[at..at + g[at..].find('"').unwrap()].to_string()
        };
        counts.insert(attr("data-label"), attr("data-count").parse().unwrap());
    }
    counts
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn fleet_counts_groups_and_exports() {
    let f = build_fleet("fleet");
    batch(&f, "2");
    let page = std::fs::read_to_string(f.out.join("index.html")).unwrap();

    // Hosts kept: db2's newest bundle (base 0), the rest as built.
    let kept: Vec<&Spec> = FLEET
        .iter()
        .filter(|s| !(s.0 == "db2" && s.3 == 1500))
        .collect();
    for key in ["os", "init", "virtualization", "readiness"] {
        let mut want: BTreeMap<String, usize> = BTreeMap::new();
        for s in &kept {
            *want.entry(f.bases[s.1][key].clone()).or_default() += 1;
        }
        assert_eq!(chart(&page, key), want, "chart {key}");
    }
    let mut kernels: BTreeMap<String, usize> = BTreeMap::new();
    for s in &kept {
        *kernels.entry(BASES[s.1].1.to_string()).or_default() += 1;
    }
    assert_eq!(chart(&page, "kernel"), kernels);
    assert!(page.contains("id=\"n-hosts\"") && page.contains("data-count=\"11\" id=\"n-hosts\""));
    assert!(page.contains("data-count=\"2\" id=\"n-failed\""));
    assert!(page.contains("data-count=\"1\" id=\"n-superseded\""));
    // The superseded bundle is listed beside the newest.
    assert!(page.contains("05-db2.lift"), "older db2 bundle not listed");

    let groups: Value =
        serde_json::from_slice(&std::fs::read(f.out.join("groups.json")).unwrap()).unwrap();
    let multi: Vec<Vec<&str>> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .map(|h| name(h.as_str().unwrap()))
                .collect()
        })
        .filter(|g: &Vec<&str>| g.len() > 1)
        .collect();
    assert_eq!(
        multi,
        vec![vec!["app1", "db1", "web1"], vec!["db2", "web2"]]
    );
    let edges: Vec<(String, String, u64)> = groups["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                name(e["from"].as_str().unwrap()).into(),
                name(e["to"].as_str().unwrap()).into(),
                e["port"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, u64)> = [
        ("app1", "db1", 5432),
        ("web1", "app1", 8080),
        ("web2", "db2", 3306),
    ]
    .iter()
    .map(|&(a, b, p)| (a.into(), b.into(), p))
    .collect();
    assert_eq!(edges, want);
    // The one connection outside the fleet; what the hosts' configuration
    // declares (their resolvers, mirrors) is external too, marked declared.
    let external = groups["external"].as_array().unwrap();
    let observed: Vec<&Value> = external
        .iter()
        .filter(|x| x["via"] == serde_json::json!(["observed"]))
        .collect();
    assert_eq!(observed.len(), 1, "{external:?}");
    assert_eq!(observed[0]["address"], "93.184.216.34");
    assert!(external
        .iter()
        .all(|x| x["via"] == serde_json::json!(["observed"])
            || x["via"] == serde_json::json!(["declared"])));
    // Every edge here is a connection (the fixtures declare no fleet host).
    for e in groups["edges"].as_array().unwrap() {
        assert_eq!(e["via"], serde_json::json!(["observed"]), "{e}");
    }

    let errors = jsonl(&f.out.join("errors.jsonl"));
    let failed: Vec<&str> = errors
        .iter()
        .map(|e| e["input"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed[0].ends_with("zz-truncated.lift") && failed[1].ends_with("zz-corrupt.lift")
            || failed[1].ends_with("zz-truncated.lift") && failed[0].ends_with("zz-corrupt.lift"),
        "{failed:?}"
    );

    let csv = std::fs::read_to_string(f.out.join("fleet.csv")).unwrap();
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut want_names: Vec<&str> = kept.iter().map(|s| s.0).collect();
    want_names.sort();
    assert_eq!(ids.iter().map(|i| name(i)).collect::<Vec<_>>(), want_names);
    let id_of = |n: &str| *ids.iter().find(|i| name(i) == n).unwrap();
    assert!(page.contains(&format!(
        "data-hosts=\"{} {} {}\"",
        id_of("app1"),
        id_of("db1"),
        id_of("web1")
    )));
    let listeners = jsonl(&f.out.join("listeners.jsonl"));
    let on_3306: Vec<&str> = listeners
        .iter()
        .filter(|l| l["port"] == 3306)
        .map(|l| name(l["host_id"].as_str().unwrap()))
        .collect();
    assert_eq!(on_3306, ["db2", "lone4"]);
    let conns = jsonl(&f.out.join("connections.jsonl"));
    assert!(conns.iter().any(|c| c["host_id"] == id_of("web1")
        && c["remote_address"] == "93.184.216.34"
        && c["remote_port"] == 443));
    let packages = jsonl(&f.out.join("packages.jsonl"));
    // One row per package, as many as fleet.csv counts for the host.
    let web1_rows = packages
        .iter()
        .filter(|p| p["host_id"] == id_of("web1"))
        .count();
    let web1_csv = csv.lines().find(|l| l.starts_with("web1-")).unwrap();
    assert!(web1_rows > 100, "debian12 fixture packages missing");
    assert_eq!(
        web1_csv.split(',').nth(10),
        Some(web1_rows.to_string().as_str())
    );
    for h in &ids {
        assert!(f.out.join(format!("hosts/{h}.html")).exists());
        let j: Value =
            serde_json::from_slice(&std::fs::read(f.out.join(format!("hosts/{h}.json"))).unwrap())
                .unwrap();
        assert_eq!(j["host"]["hostname"], name(h));
    }

    // Same input, same DIR, one worker: byte-identical outputs.
    let before: Vec<Vec<u8>> = outputs(&f.out);
    batch(&f, "1");
    assert!(before == outputs(&f.out), "a re-run changed the outputs");

    duckdb(&f.out);
    index_equals_exports(&page, &f.out, Profile::Generic);
    check_in_browser(&f.out.join("index.html"), &f.out);
    table_in_browser(&page, &f.out, Profile::Generic);

    // The same bundles for AWS MGN, whose checks block some of these hosts
    // and leave required ones unknown on others: the numbers and the
    // worst-first order then have blockers and required unknowns to get
    // right (the generic profile blocks none of them).
    // Two more real roots, so that the states differ: one MGN can take
    // with a warning, one it cannot judge.
    let mgn = f.out.with_file_name("out-mgn");
    let extra = f.out.with_file_name("extra");
    std::fs::create_dir_all(&extra).unwrap();
    for (root, name) in [
        ("mgn/ready-debian12", "mgn-ready"),
        ("egress/allowed", "egress"),
    ] {
        probe(
            Some(&fixture(root)),
            &extra.join(format!("{name}.lift")),
            &["-q"],
        );
    }
    let o = lift(&[
        "batch",
        f.input.to_str().unwrap(),
        extra.to_str().unwrap(),
        "-o",
        mgn.to_str().unwrap(),
        "--target",
        "aws-mgn",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(mgn.join("index.html")).unwrap();
    index_equals_exports(&page, &mgn, Profile::AwsMgn);
    table_in_browser(&page, &mgn, Profile::AwsMgn);
}

fn outputs(dir: &Path) -> Vec<Vec<u8>> {
    let db2 = std::fs::read_dir(dir.join("hosts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("db2-"))
        .unwrap();
    [
        "index.html",
        "fleet.csv",
        "groups.json",
        "errors.jsonl",
        "findings.jsonl",
        "packages.jsonl",
        "listeners.jsonl",
        "connections.jsonl",
        "dependencies.jsonl",
    ]
    .iter()
    .map(|n| dir.join(n))
    .chain([db2.with_extension("json")])
    .map(|p| std::fs::read(p).unwrap())
    .collect()
}

/// The host name in a host id (`web1-1a2b3c4d`: the name, then a hash).
fn name(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(n, _)| n)
}

/// The README's query: which hosts listen on 3306, by OS.
fn duckdb(dir: &Path) {
    let script = format!(
        "import duckdb\nrows = duckdb.sql(\"select f.host_id, f.os from read_json_auto('{d}/listeners.jsonl') l join read_csv_auto('{d}/fleet.csv') f using (host_id) where l.port = 3306 order by f.host_id\").fetchall()\nprint(';'.join(h for h, _ in rows))",
        d = dir.display()
    );
    let Some(stdout) = lift_tests::duckdb_script(&script, &[]) else {
        return;
    };
    let hosts: Vec<String> = String::from_utf8_lossy(&stdout)
        .trim()
        .split(';')
        .map(|h| name(h).to_string())
        .collect();
    assert_eq!(hosts, ["db2", "lone4"]);
}

/// Every `data-*="…"` attribute pair in `tag` elements of `html` that carry
/// `first`: (the value of `first`, the other named attributes' values).
fn marked(html: &str, first: &str, others: &[&str]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for piece in html.split(&format!(" {first}=\"")).skip(1) {
        let tag = &piece[..piece.find('>').unwrap()];
        let mut row = vec![tag[..tag.find('"').unwrap()].to_string()];
        for o in others {
            let at = tag
                .find(&format!("{o}=\""))
                .unwrap_or_else(|| panic!("{o} in {tag}"));
            let v = &tag[at + o.len() + 2..];
            row.push(v[..v.find('"').unwrap()].to_string());
        }
        out.push(row);
    }
    out
}

/// Issue 24 item 1: every number on the index is the same query over the
/// exports. The page's readiness counts and their reasons, the top
/// findings (per finding and severity), the host count and the charts,
/// each recomputed with DuckDB from fleet.csv and findings.jsonl.
fn index_equals_exports(page: &str, dir: &Path, profile: Profile) {
    let required = profile
        .required()
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(",");
    let script = format!(
        r#"import duckdb, json
c = duckdb.connect()
c.sql("create view hosts as select * from read_csv_auto('{d}/fleet.csv', all_varchar=true)")
c.sql("create view findings as select * from read_json_auto('{d}/findings.jsonl')")
q = lambda s: [list(map(str, r)) for r in c.sql(s).fetchall()]
out = {{}}
out["hosts"] = q("select count(*) from hosts")
out["superseded"] = q("select count(*) from (select unnest(string_split(other_bundles, ';')) b from hosts where other_bundles is not null) where b <> ''")
errors = [json.loads(l) for l in open('{d}/errors.jsonl') if l.strip()]
out["failed"] = [[str(sum(1 for e in errors if not e["error"].startswith("skipped:")))]]
for k in ["readiness", "os", "kernel", "init", "virtualization"]:
    out[k] = q(f"select {{k}}, count(*) from hosts group by 1 order by 1")
out["findings"] = q("select id, severity, count(distinct host_id) from findings where severity in ('blocker', 'warning', 'unknown') group by 1, 2 order by 1, 2")
out["reasons"] = q("select h.readiness, f.id, count(distinct h.host_id) from findings f join hosts h using (host_id) where (h.readiness = 'not-ready' and f.severity = 'blocker') or (h.readiness = 'unknown' and f.severity = 'unknown' and f.id in ({required})) or (h.readiness = 'conditionally-ready' and f.severity = 'warning') group by 1, 2 order by 1, 2")
print(json.dumps(out))"#,
        d = dir.display()
    );
    let Some(stdout) = lift_tests::duckdb_script(&script, &[]) else {
        return;
    };
    let want: Value = serde_json::from_slice(&stdout).unwrap();
    let rows = |k: &str| -> Vec<Vec<String>> {
        want[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    };
    let hosts = &rows("hosts")[0][0];
    assert!(page.contains(&format!("data-count=\"{hosts}\" id=\"n-hosts\"")));
    // Bundles: each host's newest and the older ones fleet.csv lists.
    // Bundles read: each host's newest, the older ones fleet.csv lists,
    // and those errors.jsonl says could not be read.
    let superseded = &rows("superseded")[0][0];
    assert!(page.contains(&format!("data-count=\"{superseded}\" id=\"n-superseded\"")));
    let failed = &rows("failed")[0][0];
    assert!(page.contains(&format!("data-count=\"{failed}\" id=\"n-failed\"")));
    let bundles: usize = [hosts, superseded, failed]
        .iter()
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert!(page.contains(&format!("data-count=\"{bundles}\" id=\"n-bundles\"")));
    for k in ["readiness", "os", "kernel", "init", "virtualization"] {
        let on_page: Vec<Vec<String>> = chart(page, k)
            .into_iter()
            .map(|(l, n)| vec![l, n.to_string()])
            .collect();
        assert_eq!(on_page, rows(k), "chart {k}");
    }
    // The readiness table: every state, its hosts as fleet.csv counts them.
    let table = &page[page.find("id=\"readiness\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let states = marked(table, "data-readiness", &["data-count"]);
    assert_eq!(states.len(), 4, "{states:?}");
    let per_state: BTreeMap<String, String> = rows("readiness")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for s in &states {
        let want = per_state.get(&s[0]).cloned().unwrap_or_else(|| "0".into());
        assert_eq!(s[1], want, "hosts {}", s[0]);
    }
    // Its reasons: each state's top findings, as many hosts as the query.
    let reasons = rows("reasons");
    let mut checked = 0;
    for row in table.split("<tr data-readiness=\"").skip(1) {
        let state = &row[..row.find('"').unwrap()];
        let mut expect: Vec<&Vec<String>> = reasons.iter().filter(|r| r[0] == state).collect();
        expect.sort_by(|a, b| {
            b[2].parse::<usize>()
                .unwrap()
                .cmp(&a[2].parse().unwrap())
                .then(a[1].cmp(&b[1]))
        });
        expect.truncate(5);
        let shown = marked(row, "data-finding", &["data-count"]);
        let expect: Vec<Vec<String>> = expect
            .iter()
            .map(|r| vec![r[1].clone(), r[2].clone()])
            .collect();
        assert_eq!(shown, expect, "reasons for {state}");
        checked += shown.len();
    }
    assert!(
        checked > 0,
        "no state has a reason: the fixture fleet proves nothing"
    );
    // Top findings: one row per (finding, severity), hosts as the query.
    let table = &page[page.find("id=\"findings\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let shown = marked(table, "data-finding", &["data-severity", "data-count"]);
    // The 20 worst, in the host table's order: blockers, unknown required
    // checks, warnings, other unknowns; most hosts first, then by id.
    let mut all = rows("findings");
    let rank = |r: &Vec<String>| match r[1].as_str() {
        "blocker" => 0,
        "unknown" if profile.required().iter().any(|id| id.as_str() == r[0]) => 1,
        "warning" => 2,
        _ => 3,
    };
    all.sort_by_key(|r| {
        (
            rank(r),
            std::cmp::Reverse(r[2].parse::<usize>().unwrap()),
            r[0].clone(),
        )
    });
    all.truncate(20);
    assert_eq!(shown, all, "top findings");
}

/// The host table's rows as the page's script drew them: (host id,
/// readiness, blockers, unknowns, warnings).
fn drawn(dom: &str) -> Vec<(String, String, usize, usize, usize)> {
    let body = &dom[dom.find("<table id=\"hosts\"").unwrap()..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr data-host=\"")
        .skip(1)
        .map(|r| {
            let id = r[..r.find('"').unwrap()].to_string();
            let state = &r[r.find("class=\"state ").unwrap() + 13..];
            let state = state[..state.find('"').unwrap()].to_string();
            let nums: Vec<usize> = r
                .split("<td class=\"num\">")
                .skip(1)
                .map(|c| c[..c.find('<').unwrap()].parse().unwrap())
                .collect();
            (id, state, nums[0], nums[1], nums[2])
        })
        .collect()
}

/// Issue 24 item 3, in Chromium: the table is drawn worst first with the
/// counts fleet.csv has; a readiness filter is exact ("ready" is not
/// "not-ready"); each top finding's link shows exactly its hosts; host
/// pages link back to the index.
fn table_in_browser(page: &str, dir: &Path, profile: Profile) {
    let index = dir.join("index.html");
    let dom = |hash: &str, tag: &str| {
        let url = PathBuf::from(format!("{}{hash}", index.display()));
        let o = browser(&url, &["--dump-dom"], &dir.join(format!("profile-{tag}")));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let csv = std::fs::read_to_string(dir.join("fleet.csv")).unwrap();
    let by_id: BTreeMap<String, Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<String> = l.split(',').map(str::to_owned).collect();
            (f[0].clone(), f)
        })
        .collect();
    let all = drawn(&dom("", "all"));
    assert_eq!(all.len(), by_id.len());
    for (id, state, b, u, w) in &all {
        let f = &by_id[id];
        assert_eq!(
            (state.as_str(), b.to_string(), w.to_string(), u.to_string()),
            (f[6].as_str(), f[7].clone(), f[8].clone(), f[9].clone()),
            "{id}"
        );
    }
    // Worst first: blockers, then unknown required checks (recounted from
    // findings.jsonl), then warnings, then all unknowns, then the name.
    let required = profile.required();
    let mut required_unknowns: BTreeMap<String, usize> = BTreeMap::new();
    for f in jsonl(&dir.join("findings.jsonl")) {
        if f["severity"] == "unknown" && required.iter().any(|r| f["id"] == r.as_str()) {
            *required_unknowns
                .entry(f["host_id"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let key = |r: &(String, String, usize, usize, usize)| {
        (
            std::cmp::Reverse(r.2),
            std::cmp::Reverse(required_unknowns.get(&r.0).copied().unwrap_or(0)),
            std::cmp::Reverse(r.4),
            std::cmp::Reverse(r.3),
            by_id[&r.0][1].clone(),
        )
    };
    let mut worst_first = all.clone();
    worst_first.sort_by_key(key);
    assert_eq!(all, worst_first, "not worst first");
    // The generic profile blocks none of these hosts; AWS MGN's checks
    // must leave both keys something to order.
    assert!(
        !matches!(profile, Profile::AwsMgn)
            || required_unknowns.values().any(|&n| n > 0) && all.iter().any(|r| r.2 > 0),
        "no blocker or no unknown required check: the order proves little"
    );
    // Sorted by readiness: the worst state first (not by its spelling),
    // ties worst first as above.
    let rank = |s: &str| {
        ["ready", "conditionally-ready", "unknown", "not-ready"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let by_state = drawn(&dom("#sort=readiness:desc", "sort-readiness"));
    let mut want = all.clone();
    want.sort_by_key(|r| (std::cmp::Reverse(rank(&r.1)), key(r)));
    assert_eq!(by_state, want, "sorted by readiness");
    let states = all
        .iter()
        .map(|r| rank(&r.1))
        .collect::<std::collections::BTreeSet<_>>();
    assert!(
        !matches!(profile, Profile::AwsMgn) || states.len() > 1,
        "one readiness state: sorting by it proves nothing"
    );
    for state in ["ready", "unknown", "not-ready"] {
        let rows = drawn(&dom(&format!("#readiness={state}"), state));
        let want = by_id.values().filter(|f| f[6] == state).count();
        assert_eq!(rows.len(), want, "{state}");
        assert!(rows.iter().all(|r| r.1 == state), "{state}: {rows:?}");
    }
    // OS and init filters: exactly the hosts fleet.csv has with the value
    // (the most common of each, and a value no host has: none).
    for (key, col) in [("os", 2), ("init", 4)] {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for f in by_id.values() {
            *counts.entry(f[col].as_str()).or_default() += 1;
        }
        let (value, n) = counts.iter().max_by_key(|c| *c.1).unwrap();
        let hash = format!("#{key}={}", value.replace(' ', "%20"));
        let rows = drawn(&dom(&hash, &format!("{key}-filter")));
        let want: Vec<&String> = by_id
            .iter()
            .filter(|(_, f)| f[col] == *value)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(rows.len(), *n, "{hash}");
        assert!(
            rows.iter().all(|r| want.contains(&&r.0)),
            "{hash}: {rows:?}"
        );
        let prefix = &value[..value.len() - 1];
        let none = drawn(&dom(
            &format!("#{key}={}", prefix.replace(' ', "%20")),
            &format!("{key}-prefix"),
        ));
        assert!(
            none.is_empty() || counts.contains_key(prefix),
            "{key}={prefix} is not exact: {none:?}"
        );
    }
    let table = &page[page.find("id=\"findings\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let first = &marked(table, "data-finding", &["data-severity", "data-count"])[0];
    assert!(table.contains(&format!("href=\"#finding={}:{}\"", first[0], first[1])));
    let rows = drawn(&dom(
        &format!("#finding={}:{}", first[0], first[1]),
        "finding",
    ));
    assert_eq!(rows.len().to_string(), first[2], "{first:?}");
    for id in by_id.keys() {
        let host = std::fs::read_to_string(dir.join(format!("hosts/{id}.html"))).unwrap();
        assert!(
            host.contains("<a href=\"../index.html\">"),
            "{id}: no way back"
        );
    }
    if states.len() > 1 {
        readiness_colours(dir, &by_id);
    }
}

/// `page` as Chromium draws it, with `script` run after the page's own:
/// the DOM it leaves. The copy sits beside the page (same relative links).
fn with_script(page: &Path, script: &str, profile: &Path) -> String {
    let html = std::fs::read_to_string(page).unwrap();
    let copy = page.with_file_name(format!(
        "probe-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    let at = html.rfind("</body>").unwrap();
    std::fs::write(
        &copy,
        format!("{}<script>{script}</script>{}", &html[..at], &html[at..]),
    )
    .unwrap();
    let o = browser(&copy, &["--dump-dom"], profile);
    std::fs::remove_file(&copy).unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Issue 24 item 3: readiness in colour, the host report's colours: each
/// bar of the readiness chart and each state in the host table is drawn in
/// the colour the host report draws that verdict in (computed by Chromium).
fn readiness_colours(dir: &Path, by_id: &BTreeMap<String, Vec<String>>) {
    let marks = |dom: &str, attr: &str| -> Vec<(String, String)> {
        dom.split(&format!(" {attr}=\""))
            .skip(1)
            .map(|p| {
                let v = &p[..p.find('"').unwrap()];
                let (state, colour) = v.split_once('|').unwrap();
                (state.to_string(), colour.to_string())
            })
            .collect()
    };
    // The host report's verdict colour per state, from one host of each.
    let mut report: BTreeMap<String, String> = BTreeMap::new();
    for (id, f) in by_id {
        if report.contains_key(&f[6]) {
            continue;
        }
        let dom = with_script(
            &dir.join(format!("hosts/{id}.html")),
            "var v = document.querySelector('.verdict'); v.setAttribute('data-colour', v.classList[1] + '|' + getComputedStyle(v).backgroundColor);",
            &dir.join("profile-report"),
        );
        let m = marks(&dom, "data-colour");
        assert_eq!(m.len(), 1, "{id}");
        assert_eq!(m[0].0, f[6], "{id}");
        report.insert(m[0].0.clone(), m[0].1.clone());
    }
    assert!(report.len() > 1, "{report:?}");
    let distinct: std::collections::BTreeSet<&String> = report.values().collect();
    assert_eq!(
        distinct.len(),
        report.len(),
        "two states share a colour: {report:?}"
    );
    let dom = with_script(
        &dir.join("index.html"),
        "document.querySelectorAll('#chart-readiness g.bar').forEach(function (g) { g.setAttribute('data-fill', g.getAttribute('data-label') + '|' + getComputedStyle(g.querySelector('rect')).fill); });\n\
         document.querySelectorAll('#hosts .state').forEach(function (s) { s.setAttribute('data-bg', s.textContent + '|' + getComputedStyle(s).backgroundColor); });",
        &dir.join("profile-colours"),
    );
    let bars = marks(&dom, "data-fill");
    let states = marks(&dom, "data-bg");
    assert_eq!(bars.len(), report.len(), "{bars:?}");
    assert_eq!(states.len(), by_id.len().min(100), "{states:?}");
    for (state, colour) in bars.iter().chain(&states) {
        assert_eq!(
            Some(colour),
            report.get(state),
            "{state}: {bars:?} {states:?}"
        );
    }
}

fn check_in_browser(html: &Path, scratch: &Path) {
    let o = browser(html, &["--dump-dom"], &scratch.join("profile"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console errors: {console:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("id=\"hosts\""));
}
