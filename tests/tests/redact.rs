//! Redaction end to end: `lift-probe --redact` and `lift bundle redact`
//! keep every verdict, leave no original name or address in the bundle,
//! and map the same thing the same way everywhere and across bundles.

use std::path::Path;

use lift_bundle::{Fact, InterfaceAddr, NoteKind, Record};
use lift_tests::*;

const PROFILES: &[&str] = &["generic", "aws-mgn", "ec2", "openstack", "azure"];
const ROOTS: &[&str] = &[
    "centos6-sysv",
    "debian12-systemd",
    "debian12-sysv",
    "ubuntu1404-upstart",
];

/// Finding ids and severities, the verdict of every rule.
fn verdicts(bundle: &Path, profile: &str) -> Vec<(String, String)> {
    let r = report_json(bundle, profile);
    let mut v: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The whole tokens of a body: maximal runs of letters, digits and `._:-`,
/// lowercased, so a name or address is looked up, not scanned for (a scan
/// of this machine's bundle for every replaced name took three minutes).
struct Tokens(std::collections::HashSet<Vec<u8>>);

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._:-".contains(&b)
}

impl Tokens {
    fn of(body: &[u8]) -> Self {
        Tokens(
            body.split(|&b| !is_token_byte(b))
                .filter(|t| !t.is_empty())
                .map(|t| t.to_ascii_lowercase())
                .collect(),
        )
    }

    /// `needle` as a whole token: not inside a longer name, number or
    /// address. A needle with a byte that ends a token is looked for by
    /// scanning the body.
    fn has(&self, body: &[u8], needle: &[u8]) -> bool {
        if needle.iter().all(|&b| is_token_byte(b)) {
            return self.0.contains(&needle.to_ascii_lowercase());
        }
        let edge = |b: Option<&u8>| b.is_none_or(|&b| !is_token_byte(b));
        body.windows(needle.len()).enumerate().any(|(i, w)| {
            w.eq_ignore_ascii_case(needle)
                && edge(i.checked_sub(1).map(|j| &body[j]))
                && edge(body.get(i + needle.len()))
        })
    }
}

#[test]
fn a_token_is_found_whole_and_only_whole() {
    let body = b"host DB01.corp:22 10.0.0.1, 10.0.0.12 x-y_z";
    let t = Tokens::of(body);
    assert!(t.has(body, b"10.0.0.1"));
    assert!(t.has(body, b"db01.corp:22"));
    assert!(!t.has(body, b"db01"), "inside a longer name");
    assert!(!t.has(body, b"10.0.0.2"));
    assert!(t.has(body, b"x-y_z"));
    assert!(t.has(body, b"host db01.corp:22"), "a needle with a space");
}

fn map_keys(map: &serde_json::Value, field: &str) -> Vec<String> {
    map[field].as_object().unwrap().keys().cloned().collect()
}

fn header_hostname(bundle: &Path) -> String {
    records(bundle)
        .into_iter()
        .find_map(|r| match r {
            Record::Header(h) => Some(h.hostname),
            _ => None,
        })
        .unwrap()
}

/// Nothing the map replaced is left in the redacted stream, and the note
/// says the bundle was redacted.
fn assert_clean(original: &Path, redacted: &Path, map: &Path) {
    let map: serde_json::Value = serde_json::from_slice(&std::fs::read(map).unwrap()).unwrap();
    let body = decompressed(redacted);
    let host = header_hostname(original);
    let mut secrets = map_keys(&map, "addresses");
    secrets.extend(map_keys(&map, "users"));
    secrets.extend(map_keys(&map, "domains"));
    // A host called `vm` shares its name with /proc/sys/vm, which is kept
    // (docs/redaction.md); longer names must be gone.
    secrets.extend(map_keys(&map, "hosts").into_iter().filter(|h| h.len() >= 4));
    let first_label = host.split('.').next().unwrap().to_ascii_lowercase();
    assert!(
        map_keys(&map, "hosts").contains(&first_label) || host == "unknown",
        "{host}"
    );
    if host != "unknown" && host.len() >= 4 {
        secrets.push(host.clone());
    }
    let tokens = Tokens::of(&body);
    for s in &secrets {
        assert!(
            !tokens.has(&body, s.as_bytes()),
            "{s} left in {}",
            redacted.display()
        );
    }
    if host != "unknown" {
        assert_ne!(header_hostname(redacted), host);
    }
    let notes: Vec<_> = records(redacted)
        .into_iter()
        .filter_map(|r| match r {
            Record::Note(n) if n.kind == NoteKind::Redacted => Some(n.message),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        ["bundle redacted: hostnames, addresses, MACs, users"]
    );
}

#[test]
fn fixture_roots_keep_every_verdict() {
    let s = Scratch::new("redact-roots");
    for root in ROOTS {
        let plain = s.join(&format!("{root}.lift"));
        let probed = s.join(&format!("{root}-probe.lift"));
        let copied = s.join(&format!("{root}-copy.lift"));
        probe(Some(&fixture(root)), &plain, &["-q"]);
        probe(Some(&fixture(root)), &probed, &["-q", "--redact"]);
        redact_bundle(&plain, &copied, &s.join(&format!("{root}-copy.map")));
        for p in PROFILES {
            let want = verdicts(&plain, p);
            assert_eq!(verdicts(&probed, p), want, "{root} --redact, {p}");
            assert_eq!(verdicts(&copied, p), want, "{root} bundle redact, {p}");
        }
        let default_map = s.join(&format!("{root}-probe.lift.map.json"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&default_map)
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        assert_clean(&plain, &probed, &default_map);
        assert_clean(&plain, &copied, &s.join(&format!("{root}-copy.map")));
    }
}

#[test]
fn this_machine_keeps_every_verdict() {
    let s = Scratch::new("redact-live");
    let (plain, red, map) = (s.join("live.lift"), s.join("red.lift"), s.join("red.map"));
    probe(None, &plain, &["-q"]);
    redact_bundle(&plain, &red, &map);
    for p in PROFILES {
        assert_eq!(verdicts(&red, p), verdicts(&plain, p), "this machine, {p}");
    }
    assert_clean(&plain, &red, &map);
    // The live interface addresses and MACs are among what was replaced.
    for r in records(&plain) {
        if let Record::Fact(Fact::Interfaces(list)) = r {
            let body = decompressed(&red);
            let tokens = Tokens::of(&body);
            for a in list
                .iter()
                .filter(|a| !a.address.starts_with("127.") && a.address != "::1")
            {
                let mac_zero = a.address.chars().all(|c| c == '0' || c == ':');
                if !mac_zero && !a.address.is_empty() {
                    assert!(
                        !tokens.has(&body, a.address.as_bytes()),
                        "{} left",
                        a.address
                    );
                }
            }
        }
    }
    // The probe's own --redact on a live run.
    let probed = s.join("probed.lift");
    probe(
        None,
        &probed,
        &[
            "-q",
            "--redact",
            "--redact-map",
            s.join("probed.map").to_str().unwrap(),
        ],
    );
    assert_clean(&plain, &probed, &s.join("probed.map"));
}

fn write(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// A small root whose /etc/hosts, /proc/net/tcp and Interfaces fact name
/// the same address, as a JSON form turned into a bundle.
fn small_bundle(s: &Scratch, host: &str) -> std::path::PathBuf {
    let root = s.join(&format!("{host}-root"));
    write(&root, "etc/hostname", &format!("{host}.corp.example.net\n"));
    write(
        &root,
        "etc/resolv.conf",
        "search corp.example.net\nnameserver 10.20.30.2\n",
    );
    write(
        &root,
        "etc/hosts",
        "127.0.0.1 localhost\n10.20.30.40 db01.corp.example.net db01\n10.20.30.41 web02\n",
    );
    write(
        &root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
    );
    // 10.20.30.40:5432 (0x1538) listening, as the kernel prints it on x86.
    write(
        &root,
        "proc/net/tcp",
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 281E140A:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 1234 1\n",
    );
    let facts = vec![Fact::Interfaces(vec![
        InterfaceAddr {
            name: "eth0".into(),
            family: "inet".into(),
            address: "10.20.30.40".into(),
            prefix_len: Some(24),
            flags: 0,
        },
        InterfaceAddr {
            name: "eth0".into(),
            family: "packet".into(),
            address: "00:50:56:12:34:56".into(),
            prefix_len: None,
            flags: 0,
        },
    ])];
    let json = s.join(&format!("{host}.json"));
    probe_bundle(&root, facts, true, &json);
    let lift_file = s.join(&format!("{host}-in.lift"));
    let o = lift(&[
        "bundle",
        "from-json",
        json.to_str().unwrap(),
        "-o",
        lift_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    lift_file
}

fn file(bundle: &Path, path: &str) -> String {
    records(bundle)
        .into_iter()
        .find_map(|r| match r {
            Record::Entry(e) if e.path.as_slice() == path.as_bytes() => match e.content {
                lift_bundle::Content::Full(b) => Some(b.to_string_lossy()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| panic!("{path} not in {}", bundle.display()))
}

#[test]
fn one_address_one_replacement_across_files_facts_and_bundles() {
    let s = Scratch::new("redact-consistent");
    let map = s.join("fleet.map");
    let a = small_bundle(&s, "app01");
    let ra = s.join("app01.lift");
    redact_bundle(&a, &ra, &map);
    let hosts = file(&ra, "/etc/hosts");
    let lines: Vec<Vec<&str>> = hosts.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines[0], ["127.0.0.1", "localhost"]);
    let (db, web) = (lines[1][0], lines[2][0]);
    assert_ne!(db, "10.20.30.40");
    assert!(db.starts_with("10.") && web.starts_with("10."), "{hosts}");
    assert_eq!(
        db.rsplit_once('.').unwrap().0,
        web.rsplit_once('.').unwrap().0,
        "one /24"
    );
    assert!(
        !hosts.contains("db01") && !hosts.contains("example.net"),
        "{hosts}"
    );
    // The same address in /proc/net/tcp, as little-endian hex.
    let tcp = file(&ra, "/proc/net/tcp");
    let hex = tcp
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    let octets = u32::from_str_radix(&hex[..8], 16).unwrap().to_le_bytes();
    assert_eq!(std::net::Ipv4Addr::from(octets).to_string(), db);
    assert!(hex.ends_with(":1538"));
    // And in the Interfaces fact, the MAC keeping its vendor prefix.
    let facts: Vec<InterfaceAddr> = records(&ra)
        .into_iter()
        .filter_map(|r| match r {
            Record::Fact(Fact::Interfaces(l)) => Some(l),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(facts[0].address, db);
    assert!(facts[1].address.starts_with("00:50:56:") && facts[1].address != "00:50:56:12:34:56");
    assert!(file(&ra, "/etc/passwd").contains("user1:x:1000:1000::/home/user1:"));

    // A second host of the fleet, redacted with the same map: its view of
    // db01 matches the first's.
    let b = small_bundle(&s, "app02");
    let rb = s.join("app02.lift");
    redact_bundle(&b, &rb, &map);
    assert_eq!(file(&rb, "/etc/hosts"), hosts);
    assert_ne!(header_hostname(&rb), header_hostname(&ra));
    // The same bundle and the same map give the same bytes.
    let again = s.join("app01-again.lift");
    redact_bundle(&a, &again, &map);
    assert_eq!(decompressed(&again), decompressed(&ra));
}
