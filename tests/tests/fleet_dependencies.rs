//! Issue 16 in the fleet: two hosts that depend on a third only through
//! their configuration (an NFS export in /etc/fstab by address, an LDAP
//! server in /etc/ldap/ldap.conf by full name), with no connection
//! captured, land in one move group joined by `declared` edges, and
//! dependencies.jsonl has the rows; docs/fleet.md's DuckDB query lists the
//! shared infrastructure the wave must reach. Redacting the three bundles
//! with one map keeps that structure: the same edges and groups, with
//! pseudonymised names and addresses, and no real one left in the outputs.
//!
//! Each host is the debian12-systemd fixture root with the files of
//! fixtures/fleet-deps/<host>/ laid over it (hand-written, see
//! fixtures/README.md), probed with `lift-probe --root`, then given its
//! host name and interface address as the probe's facts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lift_bundle::{Fact, InterfaceAddr, Record, Writer};
use lift_tests::{copy_tree, decompressed, fixture, lift, probe, records, uname, Scratch};
use serde_json::Value;

/// (host, address): infra1 serves NFS and LDAP; web1 and app1 use them.
const HOSTS: [(&str, &str); 3] = [
    ("infra1", "10.20.0.10"),
    ("web1", "10.20.0.21"),
    ("app1", "10.20.0.22"),
];

/// Where each file of fixtures/fleet-deps/<host>/ goes.
fn dest(name: &str) -> &'static str {
    match name {
        "hostname" => "etc/hostname",
        "hosts" => "etc/hosts",
        "resolv.conf" => "etc/resolv.conf",
        "fstab" => "etc/fstab",
        "ldap.conf" => "etc/ldap/ldap.conf",
        other => panic!("fixtures/fleet-deps: no place for {other}"),
    }
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

/// One host's bundle: the base root with its files, probed, with its name
/// and address as facts (the probe's own facts describe this machine).
fn host_bundle(s: &Scratch, i: usize, out: &Path) {
    host_bundle_with(s, i, out, true)
}

/// As [`host_bundle`]; without `interfaces`, the bundle has no interface
/// facts at all (as a root tarball or an image has none): the host's
/// address is only what its own files declare.
fn host_bundle_with(s: &Scratch, i: usize, out: &Path, interfaces: bool) {
    host_bundle_edited(s, i, out, interfaces, |_| {})
}

/// As [`host_bundle_with`], with `edit` run on the root before the probe.
fn host_bundle_edited(s: &Scratch, i: usize, out: &Path, interfaces: bool, edit: impl Fn(&Path)) {
    let (host, address) = HOSTS[i];
    // Numbered, not named: the probe's header records its arguments, and a
    // bare host name in a path is kept by redaction (docs/redaction.md).
    let root = s.join(&format!("roots/{i}"));
    copy_tree(&fixture("debian12-systemd"), &root);
    let files = fixture("fleet-deps").join(host);
    for e in std::fs::read_dir(&files).unwrap() {
        let e = e.unwrap();
        let to = root.join(dest(&e.file_name().to_string_lossy()));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(e.path(), &to).unwrap();
    }
    std::fs::write(root.join("proc/sys/kernel/hostname"), format!("{host}\n")).unwrap();
    edit(&root);
    let raw = s.join(&format!("raw-{i}.lift"));
    probe(Some(&root), &raw, &["-q"]);
    let mut w = Writer::new(std::fs::File::create(out).unwrap(), 3).unwrap();
    for r in records(&raw) {
        match r {
            Record::Fact(Fact::Uname(_) | Fact::Interfaces(_)) => {}
            Record::Header(mut h) => {
                h.hostname = host.into();
                w.write(&Record::Header(h)).unwrap();
            }
            Record::Footer(_) => {
                w.write(&Record::Fact(uname(host, "6.1.0-18-amd64")))
                    .unwrap();
                if interfaces {
                    w.write(&Record::Fact(Fact::Interfaces(vec![
                        iface("lo", "127.0.0.1", 8),
                        iface("eth0", address, 24),
                    ])))
                    .unwrap();
                }
                w.write(&r).unwrap();
            }
            other => w.write(&other).unwrap(),
        }
    }
    w.finish().unwrap();
}

fn batch(input: &Path, out: &Path) {
    let o = lift(&[
        "batch",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--jobs",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The host name in a host id (`web1-1a2b3c4d`).
fn name(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(n, _)| n)
}

/// (from, to, port, via, kinds) of every edge, host ids read as names.
type EdgeRow = (String, String, u64, Vec<String>, Vec<String>);

fn edges(groups: &Value) -> Vec<EdgeRow> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    groups["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                name(e["from"].as_str().unwrap()).to_string(),
                name(e["to"].as_str().unwrap()).to_string(),
                e["port"].as_u64().unwrap(),
                strings(&e["via"]),
                strings(&e["kinds"]),
            )
        })
        .collect()
}

/// Groups of more than one host, as sorted host names.
fn multi_groups(groups: &Value) -> Vec<Vec<String>> {
    groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let mut names: Vec<String> = g
                .as_array()
                .unwrap()
                .iter()
                .map(|h| name(h.as_str().unwrap()).to_string())
                .collect();
            names.sort();
            names
        })
        .filter(|g| g.len() > 1)
        .collect()
}

/// (host, kind, target, port, matched host) of the rows that name a fleet
/// host or that `keep` selects.
type DepRow = (String, String, String, Option<u64>, Option<String>);

fn dependency_rows(dir: &Path) -> Vec<DepRow> {
    let mut rows: Vec<DepRow> = jsonl(&dir.join("dependencies.jsonl"))
        .iter()
        .map(|r| {
            assert_eq!(
                name(r["host_id"].as_str().unwrap()),
                r["hostname"].as_str().unwrap(),
                "{r}"
            );
            assert!(r["declared_in"].as_str().unwrap().contains(':'), "{r}");
            assert!(r["scope"].is_string(), "{r}");
            (
                r["hostname"].as_str().unwrap().to_string(),
                r["kind"].as_str().unwrap().to_string(),
                r["target"].as_str().unwrap().to_string(),
                r["port"].as_u64(),
                r["fleet_host_id"].as_str().map(|h| name(h).to_string()),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn build(s: &Scratch) -> PathBuf {
    let input = s.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (i, (host, _)) in HOSTS.iter().enumerate() {
        host_bundle(s, i, &input.join(format!("{host}.lift")));
    }
    input
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn sv(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Issue 24 item 4: web1 mounts NFS from 10.20.0.10; infra1's bundle has
/// no interface facts, but its /etc/hosts names 10.20.0.10 as itself. The
/// two are one move group by a declared edge (web1 stayed a group of one).
#[test]
fn a_server_known_by_its_own_hosts_line_joins_its_client() {
    let s = Scratch::new("fleet-deps-self");
    let input = s.join("in");
    std::fs::create_dir_all(&input).unwrap();
    host_bundle_with(&s, 0, &input.join("infra1.lift"), false);
    host_bundle_with(&s, 1, &input.join("web1.lift"), false);
    let out = s.join("out");
    batch(&input, &out);
    let groups = read_json(&out.join("groups.json"));
    assert_eq!(multi_groups(&groups), vec![sv(&["infra1", "web1"])]);
    assert_eq!(
        edges(&groups),
        vec![(
            "web1".into(),
            "infra1".into(),
            2049,
            sv(&["declared"]),
            sv(&["nfs"])
        )]
    );
    let rows = dependency_rows(&out);
    assert!(
        rows.contains(&(
            "web1".to_string(),
            "nfs".to_string(),
            "10.20.0.10".to_string(),
            Some(2049),
            Some("infra1".to_string()),
        )),
        "{rows:#?}"
    );
}

/// Issue 24 item 4, the network configuration: infra1's /etc/hosts no
/// longer names it, and the bundle has no interface facts; its address is
/// only in /etc/network/interfaces (fixtures/netconf/ifupdown/static, its
/// address made infra1's). web1 mounts NFS from that address: one group.
#[test]
fn a_server_known_by_its_network_configuration_joins_its_client() {
    let s = Scratch::new("fleet-deps-netconf");
    let input = s.join("in");
    std::fs::create_dir_all(&input).unwrap();
    host_bundle_edited(&s, 0, &input.join("infra1.lift"), false, |root| {
        let hosts = std::fs::read_to_string(root.join("etc/hosts")).unwrap();
        let hosts: String = hosts
            .lines()
            .filter(|l| !l.contains("infra1"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(root.join("etc/hosts"), hosts).unwrap();
        let conf =
            std::fs::read_to_string(fixture("netconf/ifupdown/static/etc/network/interfaces"))
                .unwrap();
        assert!(conf.contains("address 192.0.2.10"));
        std::fs::create_dir_all(root.join("etc/network")).unwrap();
        std::fs::write(
            root.join("etc/network/interfaces"),
            conf.replace("192.0.2.10", "10.20.0.10"),
        )
        .unwrap();
    });
    host_bundle_with(&s, 1, &input.join("web1.lift"), false);
    let out = s.join("out");
    batch(&input, &out);
    let groups = read_json(&out.join("groups.json"));
    assert_eq!(multi_groups(&groups), vec![sv(&["infra1", "web1"])]);
    assert_eq!(
        edges(&groups),
        vec![(
            "web1".into(),
            "infra1".into(),
            2049,
            sv(&["declared"]),
            sv(&["nfs"])
        )]
    );
}

#[test]
fn declared_dependencies_make_one_move_group() {
    let s = Scratch::new("fleet-deps");
    let input = build(&s);
    let out = s.join("out");
    batch(&input, &out);

    let groups = read_json(&out.join("groups.json"));
    assert_eq!(multi_groups(&groups), vec![sv(&["app1", "infra1", "web1"])]);
    let declared = sv(&["declared"]);
    assert_eq!(
        edges(&groups),
        vec![
            (
                "app1".into(),
                "infra1".into(),
                389,
                declared.clone(),
                sv(&["ldap"])
            ),
            (
                "web1".into(),
                "infra1".into(),
                2049,
                declared.clone(),
                sv(&["nfs"])
            ),
        ]
    );
    // No connection was captured: nothing observed, anywhere.
    assert!(!std::fs::read_to_string(out.join("groups.json"))
        .unwrap()
        .contains("observed"));
    assert!(jsonl(&out.join("connections.jsonl")).is_empty());
    // What the hosts declare outside the fleet: the resolver of each.
    let external = groups["external"].as_array().unwrap();
    for host in ["app1", "infra1", "web1"] {
        assert!(
            external
                .iter()
                .any(|x| name(x["host"].as_str().unwrap()) == host
                    && x["address"] == "10.20.0.53"
                    && x["port"] == 53
                    && x["via"] == serde_json::json!(["declared"])
                    && x["kinds"] == serde_json::json!(["dns"])),
            "{host}: {external:?}"
        );
    }

    let rows = dependency_rows(&out);
    let want_nfs = (
        "web1".to_string(),
        "nfs".to_string(),
        "10.20.0.10".to_string(),
        Some(2049),
        Some("infra1".to_string()),
    );
    let want_ldap = (
        "app1".to_string(),
        "ldap".to_string(),
        "infra1.corp.acme.com".to_string(),
        Some(389),
        Some("infra1".to_string()),
    );
    assert!(rows.contains(&want_nfs), "{rows:#?}");
    assert!(rows.contains(&want_ldap), "{rows:#?}");
    let matched: Vec<&DepRow> = rows
        .iter()
        .filter(|r| r.4.as_deref().is_some_and(|m| m != r.0))
        .collect();
    assert_eq!(matched, vec![&want_ldap, &want_nfs]);
    for r in &rows {
        assert!(["app1", "infra1", "web1"].contains(&r.0.as_str()), "{r:?}");
    }

    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(
        page.matches("data-via=\"declared\"").count(),
        2 + external.len()
    );
    assert!(page.contains("<span class=\"via-declared\">declared</span> (nfs)"));
    assert!(page.contains("<span class=\"via-declared\">declared</span> (ldap)"));

    wave_query(&out);
}

/// docs/fleet.md's query: the shared infrastructure each wave (move group)
/// must reach, run by DuckDB over the batch output.
fn wave_query(dir: &Path) {
    let doc = std::fs::read_to_string(lift_tests::workspace().join("docs/fleet.md")).unwrap();
    let marker = "-- shared infrastructure each wave must reach";
    let start = doc.find(marker).expect("the query in docs/fleet.md");
    let end = start + doc[start..].find("```").unwrap();
    let sql = doc[start..end].replace("DIR", &dir.to_string_lossy());
    let script = "import duckdb, json, sys\nrows = duckdb.sql(sys.argv[1]).fetchall()\nprint(json.dumps([[str(c) if c is not None else None for c in r] for r in rows]))";
    let Some(stdout) = lift_tests::duckdb_script(script, &[&sql]) else {
        return;
    };
    let rows: Vec<Vec<Option<String>>> = serde_json::from_slice(&stdout).unwrap();
    let rows: Vec<Vec<Option<&str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.as_deref()).collect())
        .collect();
    // wave, kind, target, port, hosts: the resolver and the Debian mirror
    // every host names; not the NFS or LDAP server, which is in the wave.
    assert_eq!(
        rows,
        vec![
            vec![
                Some("1"),
                Some("dns"),
                Some("10.20.0.53"),
                Some("53"),
                Some("3")
            ],
            vec![
                Some("1"),
                Some("repository"),
                Some("deb.debian.org"),
                Some("80"),
                Some("3")
            ],
        ]
    );
}

/// Every file under `dir`, for grepping.
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn redacted_bundles_keep_the_dependency_structure() {
    let s = Scratch::new("fleet-deps-redact");
    let input = build(&s);
    let plain = s.join("plain");
    batch(&input, &plain);

    // One map for the fleet. The dependents first: app1's ldap.conf names
    // infra1 by its full name before infra1's own bundle makes it a host.
    let redacted = s.join("redacted");
    std::fs::create_dir_all(&redacted).unwrap();
    let map = s.join("fleet.map.json");
    // Numbered, not named: the input paths are in fleet.csv.
    for (i, host) in ["app1", "web1", "infra1"].iter().enumerate() {
        lift_tests::redact_bundle(
            &input.join(format!("{host}.lift")),
            &redacted.join(format!("{i}.lift")),
            &map,
        );
    }
    let out = s.join("out");
    batch(&redacted, &out);

    let m = read_json(&map);
    let host = |n: &str| {
        m["hosts"][n]
            .as_str()
            .unwrap_or_else(|| panic!("{n} not in the map"))
            .to_string()
    };
    let addr = |a: &str| m["addresses"][a].as_str().unwrap().to_string();
    let domain = m["domains"]["corp.acme.com"].as_str().unwrap().to_string();
    let renamed: BTreeMap<String, String> = ["app1", "infra1", "web1"]
        .iter()
        .map(|h| (h.to_string(), host(h)))
        .collect();
    for (old, new) in &renamed {
        assert_ne!(old, new);
    }

    // The same groups and edges, with the hosts' new names.
    let before = read_json(&plain.join("groups.json"));
    let after = read_json(&out.join("groups.json"));
    let rename = |g: Vec<Vec<String>>| -> Vec<Vec<String>> {
        g.into_iter()
            .map(|g| {
                let mut g: Vec<String> = g.iter().map(|h| renamed[h].clone()).collect();
                g.sort();
                g
            })
            .collect()
    };
    assert_eq!(multi_groups(&after), rename(multi_groups(&before)));
    let mut want: Vec<EdgeRow> = edges(&before)
        .into_iter()
        .map(|(f, t, p, v, k)| (renamed[&f].clone(), renamed[&t].clone(), p, v, k))
        .collect();
    want.sort();
    assert_eq!(edges(&after), want);
    assert_eq!(want.len(), 2);

    // dependencies.jsonl: the same rows, targets pseudonymised alike.
    let rows = dependency_rows(&out);
    let nfs = (
        host("web1"),
        "nfs".to_string(),
        addr("10.20.0.10"),
        Some(2049),
        Some(host("infra1")),
    );
    let ldap = (
        host("app1"),
        "ldap".to_string(),
        format!("{}.{domain}", host("infra1")),
        Some(389),
        Some(host("infra1")),
    );
    assert!(rows.contains(&nfs), "{rows:#?}");
    assert!(rows.contains(&ldap), "{rows:#?}");
    assert_eq!(rows.len(), dependency_rows(&plain).len());

    // No real name or address is left in any output, nor in the redacted
    // bundles (ldap.conf's `BASE dc=corp,dc=acme,dc=com` included).
    let mut files = Vec::new();
    all_files(&out, &mut files);
    assert!(files.len() > 10);
    for i in 0..HOSTS.len() {
        files.push(redacted.join(format!("{i}.lift")));
    }
    for f in files {
        let bytes = if f.extension().is_some_and(|e| e == "lift") {
            decompressed(&f)
        } else {
            std::fs::read(&f).unwrap()
        };
        let body = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        for secret in ["10.20.0.", "infra1", "web1", "app1", "acme"] {
            assert!(!body.contains(secret), "{secret} in {}", f.display());
        }
    }
}
