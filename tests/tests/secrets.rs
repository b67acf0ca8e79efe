//! Secrets never leave the host: one secret of each kind the scrub table
//! (probe/src/scrub) names is planted in a copy of a real root, the probe
//! runs over it, and the whole decompressed bundle is grepped for each.

use lift_bundle::{Content, Record};
use lift_tests::{contains, copy_tree, decompressed, fixture, probe, records, Scratch};

/// (path under the root, content): every planted value starts with PLANT.
const PLANTED: &[(&str, &str)] = &[
    (
        "etc/environment",
        "PATH=\"/usr/local/bin:/usr/bin:/bin\"\nDB_PASSWORD=PLANTENVDBPW\n\
         https_proxy=\"http://proxyuser:PLANTENVPROXYPW@proxy.example.lan:3128/\"\n",
    ),
    (
        "etc/profile.d/app.sh",
        "export APP_API_TOKEN=PLANTPROFILETOKEN\nexport http_proxy=http://u:PLANTPROFILEPROXY@proxy:3128\n",
    ),
    (
        "etc/yum.conf",
        "[main]\ngpgcheck=1\nproxy=http://proxy.example.lan:3128\nproxy_username=yum\nproxy_password=PLANTYUMPROXYPW\n",
    ),
    (
        "etc/apt/apt.conf.d/95proxy",
        "Acquire::http::Proxy \"http://apt:PLANTAPTPROXYPW@proxy.example.lan:3128/\";\n",
    ),
    (
        "etc/NetworkManager/system-connections/wg0.nmconnection",
        "[connection]\nid=wg0\ntype=wireguard\n\n[wireguard]\nprivate-key=PLANTNMWGPRIV=\n\n\
         [wireguard-peer.cHViPQ==]\npreshared-key=PLANTNMWGPSK=\nallowed-ips=0.0.0.0/0;\n",
    ),
    (
        "etc/NetworkManager/system-connections/corp.nmconnection",
        "[connection]\nid=corp\ntype=vpn\n\n[vpn]\ncert-pass-flags=0\n\
         service-type=org.freedesktop.NetworkManager.openvpn\n\n[vpn-secrets]\n\
         cert-pass=PLANTNMCERTPASS\n",
    ),
    (
        "etc/NetworkManager/system-connections/home.nmconnection",
        "[wifi-security]\nkey-mgmt=wpa-psk\npsk=PLANTNMPSK\n",
    ),
    (
        "etc/netplan/60-wg.yaml",
        "network:\n  tunnels:\n    wg0:\n      mode: wireguard\n      key: PLANTNETPLANKEY\n\
         \x20     peers:\n        - keys:\n            public: cHViPQ==\n\
         \x20           shared: PLANTNETPLANSHARED\n",
    ),
    (
        "etc/network/interfaces.d/wlan0",
        "iface wlan0 inet dhcp\n    wpa-ssid home\n    wpa-psk PLANTWPAPSK\n\
         \x20   wpa-password PLANTWPAPASSWORD\n",
    ),
    (
        "etc/systemd/network/wg0.netdev",
        "[NetDev]\nName=wg0\nKind=wireguard\n[WireGuard]\nPrivateKey=PLANTNETDEVPRIV\n\
         [WireGuardPeer]\nPresharedKey=PLANTNETDEVPSK\n",
    ),
    (
        "etc/dhcp/dhclient.conf",
        "key ddns {\n  algorithm hmac-md5;\n  secret \"PLANTDHCLIENT\";\n};\n",
    ),
    (
        "etc/sysconfig/network/ifcfg-wlan0",
        "BOOTPROTO='dhcp'\nWIRELESS_AUTH_MODE='sharedkey'\nWIRELESS_KEY_0='PLANTSUSEKEY'\n",
    ),
    (
        "etc/wpa_supplicant/putty.conf",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 1\n\
         AAAAC3Nz\nPrivate-Lines: 1\nPLANTPUTTYPRIVATE\nPrivate-MAC: 7c1b\n",
    ),
    (
        "etc/systemd/system/backup.service.d/key.conf",
        "# [Service]\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nPLANTPGPPRIVATE\n\
         -----END PGP PRIVATE KEY BLOCK-----\n",
    ),
    (
        "etc/fstab",
        "UUID=0a1b / ext4 errors=remount-ro 0 1\n\
         //nas/share /mnt/share cifs username=bob,password=PLANTFSTABPW,uid=1000 0 0\n\
         //nas/b /mnt/b cifs user=ann%PLANTFSTABPCT,credentials=/root/PLANTCREDPATH 0 0\n",
    ),
    (
        "etc/auto.smb",
        "share -fstype=cifs,username=bob,pass=PLANTAUTOFSPW ://nas/share\n",
    ),
    (
        "etc/systemd/system/app.service",
        "[Unit]\nDescription=App\n[Service]\nEnvironment=\"DB_PASSWORD=PLANTUNITENVPW\" \"LANG=C\"\n\
         Environment=API_TOKEN=PLANTUNITTOKEN\n\
         ExecStart=/usr/bin/app --password=PLANTEXECSTART --port 80\n",
    ),
    (
        "etc/systemd/system/app.service.d/override.conf",
        "[Service]\nEnvironment=APP_SECRET_KEY=PLANTDROPINKEY\n\
         ExecStartPre=/usr/bin/mysql -uroot -pPLANTEXECMYSQL -e 'select 1'\n",
    ),
    (
        "etc/init.d/app",
        "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: app\n### END INIT INFO\n\
         export PGPASSWORD=PLANTINITPG\nsshpass -p PLANTSSHPASS ssh backup@nas true\n",
    ),
    (
        "etc/rc.local",
        "#!/bin/sh\ncurl -u admin:PLANTCURLPW https://nas/ping\n\
         AWS_SECRET_ACCESS_KEY=PLANTAWSSECRET aws s3 ls\nexit 0\n",
    ),
    (
        "etc/cron.d/backup",
        "0 1 * * * root MYSQL_PWD=PLANTCRONMYSQLPWD mysqldump --all-databases\n\
         5 1 * * * root /usr/local/bin/sync --password PLANTCRONENDOFLINE\n\
         9 1 * * * root true\n",
    ),
    (
        "var/spool/cron/crontabs/root",
        "0 2 * * * mysqldump -uroot -pPLANTSPOOLMYSQL db > /b.sql\n",
    ),
    (
        "etc/init/app.conf",
        "description \"app\"\nexec /usr/bin/app --token=PLANTUPSTARTTOKEN\n",
    ),
    (
        "boot/grub/grub.cfg",
        "set superusers=\"root\"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.PLANTGRUBHASH\n\
         menuentry 'Debian' { linux /vmlinuz root=/dev/sda1 }\n",
    ),
    (
        "etc/cloud/cloud.cfg",
        "users:\n  - name: ops\n    lock_passwd: false\n    hashed_passwd: PLANTCLOUDHASH\n\
         chpasswd:\n  list: |\n    root:PLANTCHPASSWDROOT\n    ops:PLANTCHPASSWDOPS\n\
         \x20 expire: False\n",
    ),
    (
        "etc/NetworkManager/system-connections/admin.ppk",
        "PuTTY-User-Key-File-2: ssh-rsa\nPrivate-Lines: 1\nPLANTPPKFILE\n",
    ),
    // The configuration the deps spec takes for the servers it names.
    (
        "etc/sssd/sssd.conf",
        "[domain/corp]\nid_provider = ldap\nldap_uri = ldap://10.1.2.3\n\
         ldap_default_bind_dn = cn=sssd,dc=corp\nldap_default_authtok_type = password\n\
         ldap_default_authtok = PLANTSSSDAUTHTOK\n",
    ),
    (
        "etc/nslcd.conf",
        "uid nslcd\ngid nslcd\nuri ldap://10.1.2.3/\nbinddn cn=nslcd,dc=corp\nbindpw PLANTNSLCDBINDPW\n",
    ),
    (
        "etc/ldap.conf",
        "host 10.1.2.3\nbase dc=corp\nrootbinddn cn=admin,dc=corp\nbindpw PLANTPAMLDAPBINDPW\n",
    ),
    (
        "etc/samba/smb.conf",
        "[global]\n   workgroup = CORP\n   passwd program = /usr/bin/passwd %u\n\
         \x20  ldap admin password = PLANTSMBPASSWORD\n",
    ),
    (
        "etc/ssmtp/ssmtp.conf",
        "root=postmaster\nmailhub=smtp.corp.lan:587\nAuthUser=relay\nAuthPass=PLANTSSMTPAUTHPASS\n",
    ),
    (
        "etc/msmtprc",
        "account default\nhost smtp.corp.lan\nauth on\nuser relay\npassword PLANTMSMTPPASSWORD\n",
    ),
    (
        "etc/iscsi/nodes/iqn.2004-04.com.qnap:ts-453:lun1/10.1.5.20,3260,1/default",
        "node.name = iqn.2004-04.com.qnap:ts-453:lun1\nnode.session.auth.authmethod = CHAP\n\
         node.session.auth.username = office\nnode.session.auth.password = PLANTCHAPPASSWORD\n\
         node.session.auth.password_in = PLANTCHAPPASSWORDIN\nnode.conn[0].address = 10.1.5.20\n",
    ),
    (
        "etc/bacula/bacula-fd.conf",
        "Director {\n  Name = backup-dir\n  Password = \"PLANTBACULAPASSWORD\"\n}\n",
    ),
    (
        "etc/zabbix/zabbix_agentd.conf",
        "Server=10.1.0.40\nTLSPSKFile=/etc/zabbix/agent.psk\nTLSPSKValue=PLANTZABBIXPSK\n",
    ),
    (
        "etc/apt/sources.list.d/corp.list",
        "deb https://apt:PLANTAPTREPOURLPW@apt.corp.lan/debian bookworm main\n",
    ),
    (
        "etc/yum.repos.d/corp.repo",
        "[corp]\nbaseurl=https://yum:PLANTYUMREPOURLPW@repo.corp.lan/el8/\nusername=yum\npassword=PLANTYUMREPOPW\n",
    ),
];

/// Credentials beside that configuration, never read at all (not even for
/// a digest), so they appear in no footer either.
const NEVER_READ: &[(&str, &str)] = &[
    (
        "etc/postfix/sasl_passwd",
        "[smtp.corp.lan]:587 relay:PLANTSASLPASSWD\n",
    ),
    ("etc/krb5.keytab", "PLANTKEYTAB\n"),
    ("etc/samba/smbpasswd", "office:1000:PLANTSMBPASSWDHASH:\n"),
    (
        "etc/apt/auth.conf.d/corp.conf",
        "machine apt.corp.lan login apt password PLANTAPTAUTHCONF\n",
    ),
    ("etc/ldap.secret", "PLANTLDAPSECRET\n"),
];

/// Every planted value, from its `PLANT` to the next byte that ends it.
fn planted_values() -> Vec<String> {
    let mut out = Vec::new();
    for (_, content) in PLANTED.iter().chain(NEVER_READ) {
        for (i, _) in content.match_indices("PLANT") {
            let v: String = content[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            out.push(v);
        }
    }
    out
}

#[test]
fn no_planted_secret_reaches_the_bundle() {
    let s = Scratch::new("planted-secrets");
    let root = s.join("root");
    copy_tree(&fixture("debian12-systemd"), &root);
    for (path, content) in PLANTED.iter().chain(NEVER_READ) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    let bundle = s.join("planted.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    let values = planted_values();
    assert_eq!(values.len(), 60, "{values:?}");
    let leaked: Vec<&String> = values
        .iter()
        .filter(|v| contains(&raw, v.as_bytes()))
        .collect();
    assert!(leaked.is_empty(), "leaked into the bundle: {leaked:?}");

    let recs = records(&bundle);
    let Some(Record::Footer(footer)) = recs.last() else {
        panic!("no footer")
    };
    let scrubbed: Vec<(String, String)> = footer
        .scrubbed
        .iter()
        .map(|r| (r.path.to_string_lossy(), r.what.clone()))
        .collect();
    // Each planted file is in the footer, with the rule that scrubbed it.
    for (path, _) in PLANTED {
        let abs = format!("/{path}");
        assert!(
            scrubbed.iter().any(|(p, _)| *p == abs),
            "{abs} not in the footer: {scrubbed:?}"
        );
    }
    assert!(scrubbed.contains(&(
        "/etc/systemd/network/wg0.netdev".into(),
        "network-secret-key".into()
    )));

    // The lines around each value are kept: the keys and the line ends.
    let content = |path: &str| -> String {
        recs.iter()
            .find_map(|r| match r {
                Record::Entry(e) if e.path.to_string_lossy() == path => match &e.content {
                    Content::Full(b) | Content::Truncated { head: b, .. } => {
                        Some(b.to_string_lossy())
                    }
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_else(|| panic!("{path} not captured"))
    };
    assert!(content("/etc/systemd/network/wg0.netdev").contains("\nPrivateKey=<redacted>\n"));
    assert_eq!(
        content("/etc/cron.d/backup").lines().count(),
        3,
        "cron lines merged"
    );
    assert!(content("/etc/fstab").contains("username=bob,password=<redacted>,uid=1000 0 0\n"));
    // Scrubbing shortens files on purpose: no "changed size" note for them.
    for r in &recs {
        if let Record::Note(n) = r {
            assert!(!n.message.starts_with("changed size while read"), "{n:?}");
        }
    }
}

/// Files past the 16 MiB piece size: a file the scrub table reads by lines
/// is cut at a line end and scrubbed, never streamed unscrubbed; any other
/// large file is streamed only after a first pass found no private key
/// block in it, and withheld whole when one is there, even with its
/// markers megabytes apart and "-----BEGIN" across a piece boundary.
#[test]
fn large_files_are_scrubbed_or_withheld() {
    const MIB: usize = 1 << 20;
    let s = Scratch::new("large-secrets");
    let root = s.join("root");
    copy_tree(&fixture("debian12-systemd"), &root);
    // /etc/fstab of 17 MiB: a cifs password on the first line and another
    // past 16 MiB.
    let mut fstab =
        b"//filer/share /mnt/share cifs username=bob,password=PLANTBIGFSTAB1 0 0\n".to_vec();
    let filler = b"# a comment line to make the file large, as a generated fstab might be\n";
    while fstab.len() < 17 * MIB {
        fstab.extend_from_slice(filler);
    }
    fstab.extend_from_slice(b"//filer/other /mnt/other cifs password=PLANTBIGFSTAB2 0 0\n");
    std::fs::write(root.join("etc/fstab"), &fstab).unwrap();
    // An rpm database of 20 MiB with a private key block inside; its
    // "-----BEGIN" straddles the 1 MiB boundary of the probe's first pass.
    let rpm = root.join("var/lib/rpm");
    std::fs::create_dir_all(&rpm).unwrap();
    let mut db = vec![0u8; 20 * MIB];
    let at = MIB - 5;
    db[at..at + 10].copy_from_slice(b"-----BEGIN");
    let tail = b" RSA PRIVATE KEY-----\nPLANTBIGRPMKEY\n";
    db[18 * MIB..18 * MIB + tail.len()].copy_from_slice(tail);
    std::fs::write(rpm.join("Packages"), &db).unwrap();
    // A large file without a key still streams.
    let sysimage = root.join("usr/lib/sysimage/rpm");
    std::fs::create_dir_all(&sysimage).unwrap();
    std::fs::write(sysimage.join("Packages"), vec![7u8; 18 * MIB]).unwrap();

    let bundle = s.join("large.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    for v in ["PLANTBIGFSTAB1", "PLANTBIGFSTAB2", "PLANTBIGRPMKEY"] {
        assert!(!contains(&raw, v.as_bytes()), "{v} leaked into the bundle");
    }
    let recs = records(&bundle);
    let entry = |path: &str| {
        recs.iter()
            .find_map(|r| match r {
                Record::Entry(e) if e.path.to_string_lossy() == path => Some(e.content.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{path} not recorded"))
    };
    match entry("/etc/fstab") {
        Content::Truncated { head, size } => {
            assert_eq!(size, fstab.len() as u64);
            assert!(head.0.len() <= 16 * MIB);
            assert!(head.0.ends_with(b"\n"), "cut inside a line");
            assert!(head.to_string_lossy().starts_with(
                "//filer/share /mnt/share cifs username=bob,password=<redacted> 0 0\n"
            ));
        }
        other => panic!("/etc/fstab: {other:?}"),
    }
    assert!(matches!(
        entry("/var/lib/rpm/Packages"),
        Content::Skipped(lift_bundle::SkipReason::Secret)
    ));
    assert!(matches!(
        entry("/usr/lib/sysimage/rpm/Packages"),
        Content::Chunked { size } if size == 18 * MIB as u64
    ));
    let Some(Record::Footer(footer)) = recs.last() else {
        panic!("no footer")
    };
    assert!(footer
        .scrubbed
        .iter()
        .any(|r| r.path.to_string_lossy() == "/var/lib/rpm/Packages"
            && r.what == "pem-private-key: content withheld"));
}

/// The other direction: scrubbing must not blind the analyzer. Each root
/// is read twice, directly (no scrubbing) and through the probe's bundle
/// (scrubbed), and the facts derived from configuration must agree:
/// dependencies (servers, ports, targets), listeners, services and their
/// commands, mounts, network interfaces, egress.
#[test]
fn scrubbing_keeps_the_analyzers_facts() {
    use lift::profile::{Profile, Target};
    use lift::report::Report;
    use lift::snapshot::{BundleSnapshot, DirSnapshot};
    let scratch = Scratch::new("secrets-facts");
    let mut compared = 0;
    for case in [
        "deps-office",
        "debian12-systemd",
        "centos6-sysv",
        "ubuntu1404-upstart",
        "debian12-sysv",
        "alpine-openrc",
        "netconf/ifcfg/static",
        "egress/proxy",
    ] {
        let root = fixture(case);
        let bundle = scratch.join(&format!("{}.lift.json", case.replace('/', "-")));
        lift_tests::probe_bundle(&root, Vec::new(), true, &bundle);
        let direct = Report::build(&DirSnapshot::new(&root), &Target::new(Profile::Generic));
        let probed = BundleSnapshot::open_json(&bundle).unwrap();
        let probed = Report::build(&probed, &Target::new(Profile::Generic));
        // The evidence quotes the line, which holds `<redacted>` where a
        // secret was: what is derived from it must agree.
        let (d, p) = (
            without_evidence(serde_json::to_value(&direct).unwrap()),
            without_evidence(serde_json::to_value(&probed).unwrap()),
        );
        for key in [
            "dependencies",
            "listeners",
            "services",
            "fstab",
            "interfaces",
            "egress",
            "init",
            "boot",
        ] {
            assert!(
                agrees(&d["host"][key], &p["host"][key]),
                "{case}: host.{key} differs once scrubbed:\n{}\n{}",
                d["host"][key],
                p["host"][key]
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 64);
}

/// Equal, but for values the probe blanked (`credentials=<redacted>`: a
/// value, never a fact derived from it).
fn agrees(direct: &serde_json::Value, probed: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (direct, probed) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| agrees(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| agrees(v, w))
        }
        (Value::String(a), Value::String(b)) => a == b || b == "<redacted>",
        (a, b) => a == b,
    }
}

fn without_evidence(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k != "evidence")
                .map(|(k, v)| (k, without_evidence(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_evidence).collect()),
        v => v,
    }
}

/// One row of fixtures/secrets-corpus/corpus.tsv.
struct Syntax {
    id: String,
    plant: String,
    chars: String,
    line: String,
}

fn corpus() -> Vec<Syntax> {
    let text = std::fs::read_to_string(fixture("secrets-corpus/corpus.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            Syntax {
                id: f[0].into(),
                plant: f[1].into(),
                chars: f[2].into(),
                line: f[4]
                    .replace("\\t", "\t")
                    .replace("\\n", "\n")
                    .replace("\\0", "\0"),
            }
        })
        .collect()
}

/// Seven values for a syntax, from its character class: distinct,
/// starting with a letter, 14 characters.
fn corpus_values(n: usize, chars: &str) -> Vec<String> {
    let mut pool: Vec<u8> = (b'a'..=b'z')
        .chain(b'A'..=b'Z')
        .chain(b'0'..=b'9')
        .collect();
    if chars.contains('p') || chars.contains('q') {
        pool.extend(b"!^*_.-+");
    }
    if chars.contains('q') {
        pool.extend(b" #@%&()");
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (n as u64).wrapping_mul(0x1000_0001);
    let mut next = |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    (0..7)
        .map(|k| {
            let mut v = format!("Zq{n:02}{}", (b'a' + k as u8) as char);
            while v.len() < 14 {
                v.push(pool[next(pool.len())] as char);
            }
            v
        })
        .collect()
}

/// The corpus (fixtures/secrets-corpus): every syntax planted seven times
/// in a copy of a real root, where the probe captures text; the probe
/// runs; no value is in the decompressed bundle, and every file planted
/// was captured (so the test cannot pass by the probe not reading it).
#[test]
fn the_secrets_corpus_never_reaches_the_bundle() {
    let s = Scratch::new("secrets-corpus");
    let root = s.join("root");
    copy_tree(&fixture("debian12-systemd"), &root);
    let syntaxes = corpus();
    let mut values = Vec::new();
    let mut planted = std::collections::BTreeSet::new();
    let mut pid = 40_000;
    for (n, syntax) in syntaxes.iter().enumerate() {
        for v in corpus_values(n, &syntax.chars) {
            let line = syntax.line.replace("{S}", &v);
            let path = if syntax.plant.contains("{pid}") {
                pid += 1;
                syntax.plant.replace("{pid}", &pid.to_string())
            } else {
                syntax.plant.clone()
            };
            let p = root.join(&path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            if path.ends_with("/cmdline") && path != "proc/cmdline" {
                std::fs::write(&p, format!("{line}\0")).unwrap();
            } else {
                let mut text = std::fs::read_to_string(&p).unwrap_or_default();
                if !planted.contains(&path) {
                    text.clear();
                }
                text.push_str(&line);
                text.push('\n');
                std::fs::write(&p, text).unwrap();
            }
            planted.insert(path);
            values.push((syntax.id.clone(), v));
        }
    }
    assert!(syntaxes.len() >= 40, "{} syntaxes", syntaxes.len());
    assert!(values.len() >= 300, "{} values", values.len());

    let bundle = s.join("corpus.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    let leaked: Vec<&(String, String)> = values
        .iter()
        .filter(|(_, v)| contains(&raw, v.as_bytes()))
        .collect();
    assert!(
        leaked.is_empty(),
        "{} of {} corpus values reached the bundle: {leaked:?}",
        leaked.len(),
        values.len()
    );
    let captured: std::collections::BTreeSet<String> = records(&bundle)
        .iter()
        .filter_map(|r| match r {
            Record::Entry(e) if matches!(e.content, Content::Full(_)) => {
                Some(e.path.to_string_lossy().trim_start_matches('/').to_string())
            }
            _ => None,
        })
        .collect();
    let missed: Vec<&String> = planted.iter().filter(|p| !captured.contains(*p)).collect();
    assert!(missed.is_empty(), "planted but not captured: {missed:?}");
    // Each value was blanked in place (not lost some other way): the
    // footer counts at least one redaction a value in the planted files.
    let recs = records(&bundle);
    let Some(Record::Footer(footer)) = recs.last() else {
        panic!("no footer")
    };
    let blanked: u32 = footer
        .scrubbed
        .iter()
        .filter(|r| planted.contains(r.path.to_string_lossy().trim_start_matches('/')))
        .map(|r| r.count)
        .sum();
    assert!(
        blanked as usize >= values.len(),
        "{blanked} redactions for {} values",
        values.len()
    );
}

/// Secret-only files (issue 23, item 2) are a presence record: no content,
/// no SHA-256 (a guessable secret could be confirmed offline) and no size.
#[test]
fn secret_only_files_are_a_presence_record() {
    use sha2::{Digest, Sha256};
    const FILES: &[(&str, &str)] = &[
        (
            "etc/ppp/chap-secrets",
            "# client\tserver\tsecret\nbob\t*\tPLANTCHAP\t*\n",
        ),
        ("etc/ipsec.secrets", ": PSK \"PLANTIPSEC\"\n"),
        ("etc/rsyncd.secrets", "backup:PLANTRSYNC\n"),
        ("etc/passwd-s3fs", "AKIAEXAMPLE:PLANTS3FS\n"),
        ("etc/credstore/db.password", "PLANTCREDSTORE"),
        (
            "etc/davfs2/secrets",
            "https://dav.example.com/ bob PLANTDAVFS\n",
        ),
        ("etc/exim4/passwd.client", "*.example.com:bob:PLANTEXIM\n"),
        ("etc/nginx/.htpasswd", "bob:$apr1$PLANTHTPASSWD\n"),
    ];
    let s = Scratch::new("secret-only");
    let root = s.join("root");
    copy_tree(&fixture("debian12-systemd"), &root);
    for (path, content) in FILES {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    let bundle = s.join("secret-only.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let raw = decompressed(&bundle);
    let recs = records(&bundle);
    for (path, content) in FILES {
        let abs = format!("/{path}");
        let entry = recs
            .iter()
            .find_map(|r| match r {
                Record::Entry(e) if e.path.to_string_lossy() == abs => Some(e),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{abs}: no presence record"));
        assert!(
            matches!(
                entry.content,
                Content::Skipped(lift_bundle::SkipReason::Secret)
            ),
            "{abs}: {:?}",
            entry.content
        );
        assert_eq!(entry.size, 0, "{abs}: its size is recorded");
        let digest = Sha256::digest(content.as_bytes());
        assert!(
            !contains(&raw, &digest),
            "{abs}: its SHA-256 is in the bundle"
        );
        let plant = content.find("PLANT").unwrap();
        let value: String = content[plant..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!contains(&raw, value.as_bytes()), "{abs}: {value} leaked");
    }
}
