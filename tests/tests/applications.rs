//! Applications and their data (issue 28 item 3): Debian 12's own
//! configuration of postgresql, mariadb-server, nginx, apache2, tomcat10
//! and redis-server (fixtures/apps/debian12-servers), certificates made
//! here with openssl, through the probe: versions, data directories sized
//! by the metadata-only walk, virtual hosts, connectors, certificates;
//! planted passwords and private keys never in the bundle; a certificate
//! that is neither PEM nor DER and a data directory past the walk's bound
//! each stated, never a panic or a hang.

use std::path::Path;
use std::process::Command;

use lift_tests::{contains, copy_tree, decompressed, fixture, on_path, probe, require, Scratch};
use serde_json::Value;

/// The planted secrets of the fixture (fixtures/README.md).
const PLANTED: &[&str] = &[
    "PlantedMariaSecret1",
    "PlantedTomcatSecret3",
    "PlantedRedisSecret4",
];

/// `openssl req -x509` for `cn`, valid `days`, with these SANs; the key
/// goes to `key` (or is appended to the certificate when `key` is None).
fn certificate(cert: &Path, key: Option<&Path>, cn: &str, days: u32, sans: &str, der: bool) {
    let tmp_key = cert.with_extension("tmpkey");
    let mut cmd = Command::new("openssl");
    cmd.args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(key.unwrap_or(&tmp_key))
        .arg("-out")
        .arg(cert)
        .args(["-days", &days.to_string(), "-subj", &format!("/CN={cn}")]);
    if !sans.is_empty() {
        cmd.args(["-addext", &format!("subjectAltName={sans}")]);
    }
    if der {
        cmd.args(["-outform", "DER"]);
    }
    let o = cmd.output().expect("openssl");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if key.is_none() {
        let mut pem = std::fs::read(cert).unwrap();
        pem.extend(std::fs::read(&tmp_key).unwrap());
        std::fs::write(cert, pem).unwrap();
    }
    let _ = std::fs::remove_file(&tmp_key);
}

/// The fixture with its certificates made and a static address.
fn servers(dir: &Scratch) -> std::path::PathBuf {
    let root = dir.join("root");
    copy_tree(&fixture("apps/debian12-servers"), &root);
    let (certs, private) = (root.join("etc/ssl/certs"), root.join("etc/ssl/private"));
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::create_dir_all(&private).unwrap();
    certificate(
        &certs.join("shop.example.com.pem"),
        Some(&private.join("shop.example.com.key")),
        "shop.example.com",
        10,
        "DNS:shop.example.com,DNS:www.shop.example.com,IP:10.0.0.5",
        false,
    );
    // ssl-cert's snakeoil, as DER (a .pem name does not make it PEM).
    certificate(
        &certs.join("ssl-cert-snakeoil.pem"),
        Some(&private.join("ssl-cert-snakeoil.key")),
        "debian",
        400,
        "",
        true,
    );
    std::fs::create_dir_all(root.join("etc/network")).unwrap();
    std::fs::write(
        root.join("etc/network/interfaces"),
        "auto eth0\niface eth0 inet static\n\taddress 10.0.0.5/24\n\tgateway 10.0.0.1\n",
    )
    .unwrap();
    root
}

fn app<'a>(r: &'a Value, kind: &str) -> &'a Value {
    r["host"]["applications"]
        .as_array()
        .expect("host.applications")
        .iter()
        .find(|a| a["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}", r["host"]["applications"]))
}

fn finding<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// The JSON report made today: openssl dates the test's certificates from
/// the clock, so their days left are counted from it too (other tests pin
/// the report's date, `SOURCE_DATE_EPOCH`, to `lift_tests::REPORT_DATE`).
fn report_json(input: &std::path::Path, target: &str) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let o = lift_tests::run(
        Command::new(lift_tests::bin("lift"))
            .env("SOURCE_DATE_EPOCH", now.to_string())
            .arg("report")
            .arg(input)
            .args(["--format", "json", "--target", target]),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("report JSON")
}

#[test]
fn debian_servers_through_the_probe() {
    if !require(on_path("openssl"), "openssl makes the test's certificates") {
        return;
    }
    let dir = Scratch::new("apps");
    let root = servers(&dir);
    let bundle = dir.join("apps.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    for s in PLANTED {
        assert!(!contains(&raw, s.as_bytes()), "{s} reached the bundle");
    }
    let key = std::fs::read_to_string(root.join("etc/ssl/private/shop.example.com.key")).unwrap();
    let key_line = key.lines().nth(1).unwrap();
    assert!(
        !contains(&raw, key_line.as_bytes()),
        "a private key reached the bundle"
    );

    let r = report_json(&bundle, "ec2");
    let pg = app(&r, "postgresql");
    assert_eq!(pg["instance"], "15/main");
    assert_eq!(pg["version"], "15.20-0+deb12u1");
    let data = &pg["data_directories"][0];
    assert_eq!(data["path"], "/var/lib/postgresql/15/main");
    // PG_VERSION (3 bytes) and two 8 KiB relation files.
    assert_eq!(
        (data["bytes"].as_u64(), data["files"].as_u64()),
        (Some(16387), Some(3))
    );
    assert_eq!(data["complete"], true);
    assert_eq!(pg["listeners"][0], "localhost:5432");
    let snakeoil = &pg["certificates"][0];
    assert_eq!(snakeoil["subject"], "CN=debian");
    assert!((398..=400).contains(&snakeoil["days_left"].as_i64().unwrap()));

    let maria = app(&r, "mariadb");
    assert_eq!(maria["data_directories"][0]["path"], "/var/lib/mysql");
    assert_eq!(maria["listeners"][0], "127.0.0.1:3306");
    assert!(maria["config_files"]
        .as_array()
        .unwrap()
        .contains(&Value::from("/etc/mysql/mariadb.conf.d/50-server.cnf")));

    let nginx = app(&r, "nginx");
    let hosts = nginx["virtual_hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[1]["names"][0], "shop.example.com");
    assert_eq!(hosts[1]["listen"][0], "8443 ssl");
    assert_eq!(hosts[1]["document_root"], "/srv/shop/public");
    let shop = &nginx["certificates"][0];
    assert_eq!(shop["subject"], "CN=shop.example.com");
    assert!(shop["sans"]
        .as_array()
        .unwrap()
        .contains(&Value::from("IP:10.0.0.5")));
    assert!(
        (9..=10).contains(&shop["days_left"].as_i64().unwrap()),
        "{shop}"
    );
    // The snippet reached through `include snippets/shop-*.conf`.
    assert!(nginx["config_files"]
        .as_array()
        .unwrap()
        .contains(&Value::from("/etc/nginx/snippets/shop-static.conf")));

    let apache = app(&r, "apache");
    let ssl = apache["virtual_hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["listen"][0] == "*:443")
        .unwrap();
    assert_eq!(ssl["certificate"], "/etc/ssl/certs/ssl-cert-snakeoil.pem");

    let tomcat = app(&r, "tomcat");
    let ports: Vec<(u64, bool)> = tomcat["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["port"].as_u64().unwrap(), c["tls"].as_bool().unwrap()))
        .collect();
    assert_eq!(ports, [(8080, false), (8443, true)]);
    assert_eq!(
        app(&r, "redis")["data_directories"][0]["path"],
        "/var/lib/redis"
    );

    assert_eq!(finding(&r, "gen.certificate-expiry")["severity"], "warning");
    let ip = finding(&r, "cloud.certificate-names-ip");
    assert_eq!(ip["severity"], "warning", "{ip}");
    assert!(ip["detail"].as_str().unwrap().contains("10.0.0.5"));
    // Not in the generic profile: the address changes only on a move.
    let generic = report_json(&bundle, "generic");
    assert!(generic["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] != "cloud.certificate-names-ip"));

    // Every JSONL export row of the host's applications.
    let out = dir.join("fleet");
    let o = lift_tests::lift(&[
        "batch",
        bundle.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = std::fs::read_to_string(out.join("applications.jsonl")).unwrap();
    assert_eq!(
        rows.lines().count(),
        r["host"]["applications"].as_array().unwrap().len()
    );
    assert!(rows.contains("\"kind\":\"postgresql\""));
}

/// A PEM file holding the certificate and its private key is withheld
/// whole by the probe: the report says so, and no byte of the key leaves.
#[test]
fn a_pem_with_its_private_key_is_withheld() {
    if !require(on_path("openssl"), "openssl makes the test's certificates") {
        return;
    }
    let dir = Scratch::new("apps-key");
    let root = servers(&dir);
    let cert = root.join("etc/ssl/certs/shop.example.com.pem");
    certificate(
        &cert,
        None,
        "shop.example.com",
        90,
        "DNS:shop.example.com",
        false,
    );
    let pem = std::fs::read_to_string(&cert).unwrap();
    let key_line = pem
        .lines()
        .skip_while(|l| !l.contains("PRIVATE KEY"))
        .nth(1)
        .unwrap()
        .to_string();
    let bundle = dir.join("key.lift");
    probe(Some(&root), &bundle, &["-q"]);
    assert!(!contains(&decompressed(&bundle), key_line.as_bytes()));
    let r = report_json(&bundle, "generic");
    let c = &app(&r, "nginx")["certificates"][0];
    assert_eq!(c["state"], "withheld", "{c}");
    assert!(c["subject"].is_null());
}

/// Files named as certificates that are not: binary junk is kept by
/// metadata with a note, text that is no PEM is read and said broken.
#[test]
fn a_certificate_that_is_neither_pem_nor_der() {
    let dir = Scratch::new("apps-junk");
    let root = dir.join("root");
    copy_tree(&fixture("apps/debian12-servers"), &root);
    let certs = root.join("etc/ssl/certs");
    std::fs::create_dir_all(&certs).unwrap();
    // A DER private key's shape (PKCS#8: SEQUENCE, INTEGER 0): never taken.
    let mut junk = vec![0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00];
    junk.extend((0..2000u32).map(|i| (i * 7919 % 251) as u8));
    std::fs::write(certs.join("shop.example.com.pem"), &junk).unwrap();
    std::fs::write(
        certs.join("ssl-cert-snakeoil.pem"),
        "this is not a certificate\n",
    )
    .unwrap();
    let bundle = dir.join("junk.lift");
    probe(Some(&root), &bundle, &["-q"]);
    assert!(
        !contains(&decompressed(&bundle), &junk[7..64]),
        "binary junk was captured"
    );
    let r = report_json(&bundle, "generic");
    let shop = &app(&r, "nginx")["certificates"][0];
    assert_eq!(shop["state"], "unread", "{shop}");
    let snakeoil = &app(&r, "postgresql")["certificates"][0];
    assert_eq!(snakeoil["state"], "broken");
    assert!(snakeoil["detail"]
        .as_str()
        .unwrap()
        .contains("neither a DER certificate nor a PEM"));
    assert_eq!(finding(&r, "gen.certificate-expiry")["severity"], "info");
}

/// A data directory past the walk's bound (200,000 entries): the sizes are
/// of the part walked, and the report says where it stopped.
#[test]
fn a_data_directory_past_the_bound_is_cut_and_said() {
    let dir = Scratch::new("apps-many");
    let root = dir.join("root");
    copy_tree(&fixture("apps/debian12-servers"), &root);
    let base = root.join("var/lib/postgresql/15/main/base");
    for d in 0..201 {
        let sub = base.join(format!("{}", 16384 + d));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..1000 {
            std::fs::File::create(sub.join(format!("{f}"))).unwrap();
        }
    }
    let bundle = dir.join("many.lift");
    let started = std::time::Instant::now();
    probe(Some(&root), &bundle, &["-q"]);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    let r = report_json(&bundle, "generic");
    let data = &app(&r, "postgresql")["data_directories"][0];
    assert_eq!(data["complete"], false, "{data}");
    let bound = data["bound"].as_str().unwrap();
    assert!(
        bound.contains("200000 entries") || bound.starts_with("stopped after"),
        "{bound}"
    );
    // The directory tree itself (no probe): nothing walked, and said so.
    let tree = report_json(&fixture("apps/debian12-servers"), "generic");
    let d = &app(&tree, "postgresql")["data_directories"][0];
    assert!(d["bytes"].is_null());
    assert!(d["bound"].as_str().unwrap().starts_with("not walked"));
}

/// Oracle's oratab, MongoDB, Elasticsearch, WildFly run by a JVM whose
/// `release` is Debian's openjdk-17 (fixtures/apps/java-oracle-mongo):
/// the same from the tree and through the probe, the JVM's release found
/// through /proc/PID/exe, planted passwords never in the bundle.
#[test]
fn oracle_mongodb_elasticsearch_wildfly_and_the_jvm() {
    let root = fixture("apps/java-oracle-mongo");
    let dir = Scratch::new("apps-java");
    let bundle = dir.join("java.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    for s in ["PlantedElasticSecret5", "PlantedJbossSecret6"] {
        assert!(!contains(&raw, s.as_bytes()), "{s} reached the bundle");
    }
    let r = report_json(&bundle, "generic");
    let apps = r["host"]["applications"].as_array().unwrap();
    let sids: Vec<&str> = apps
        .iter()
        .filter(|a| a["kind"] == "oracle")
        .map(|a| a["instance"].as_str().unwrap())
        .collect();
    assert_eq!(sids, ["ORCL", "TEST"]);
    let mongo = app(&r, "mongodb");
    assert_eq!(mongo["listeners"][0], "127.0.0.1:27017");
    assert_eq!(mongo["data_directories"][0]["path"], "/var/lib/mongodb");
    assert_eq!(mongo["data_directories"][0]["files"], 2);
    let es = app(&r, "elasticsearch");
    assert_eq!(es["listeners"][0], "10.0.0.7:9200");
    assert_eq!(es["data_directories"][0]["bytes"], 2000);
    let wildfly = app(&r, "wildfly");
    assert_eq!(wildfly["evidence"][0], "process 4242 java");
    let ports: Vec<u64> = wildfly["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, [8080, 8443]);
    let java = app(&r, "java");
    assert_eq!(java["instance"], "/usr/lib/jvm/java-17-openjdk-amd64");
    assert_eq!(java["version"], "17.0.21.1");

    let tree = report_json(&root, "generic");
    for kind in ["oracle", "mongodb", "elasticsearch", "wildfly", "java"] {
        let strip = |a: &Value| {
            let mut a = a.clone();
            a["data_directories"] = Value::Null;
            a
        };
        assert_eq!(strip(app(&tree, kind)), strip(app(&r, kind)), "{kind}");
    }
}
