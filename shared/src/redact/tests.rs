use super::*;
use crate::{Entry, FileKind, Header, InterfaceAddr, Timestamp};

fn redactor() -> Redactor {
    let mut r = Redactor::new(Mapping::with_key(*b"fixed test key!!"));
    r.learn(b"/etc/hostname", b"web01.corp.acme.com\n");
    r.learn(
        b"/etc/resolv.conf",
        b"search corp.acme.com\nnameserver 10.0.0.2\n",
    );
    r.learn(
        b"/etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\nsshd:x:74:74::/var/empty/sshd:/sbin/nologin\nalice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash\n",
    );
    r
}

fn file(path: &str, content: &str) -> Record {
    Record::Entry(Entry {
        spec: "net".into(),
        path: path.into(),
        kind: FileKind::File,
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: content.len() as u64,
        mtime: 0,
        link_target: None,
        content: Content::Full(content.into()),
    })
}

fn content(r: Record) -> (String, String) {
    match r {
        Record::Entry(e) => match e.content {
            Content::Full(b) => (e.path.to_string_lossy(), b.to_string_lossy()),
            c => panic!("{c:?}"),
        },
        r => panic!("{r:?}"),
    }
}

#[test]
fn names_and_addresses_in_text() {
    let mut r = redactor();
    let hosts =
        "127.0.0.1 localhost\n10.1.2.3 web01.corp.acme.com web01\n10.1.2.4 db.corp.acme.com\n";
    let (_, out) = content(r.record(file("/etc/hosts", hosts)));
    for gone in ["web01", "acme", "10.1.2.3", "10.1.2.4"] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
    assert!(out.starts_with("127.0.0.1 localhost\n"), "{out}");
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines[1][1], "host1.domain1.example");
    assert_eq!(lines[1][2], "host1");
    assert_eq!(lines[2][1], "name1.domain1.example");
    // One /24 stays one /24.
    assert_eq!(
        lines[1][0].rsplit_once('.').unwrap().0,
        lines[2][0].rsplit_once('.').unwrap().0
    );
}

#[test]
fn users_are_mapped_and_system_accounts_kept() {
    let mut r = redactor();
    let passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash\n";
    let (_, out) = content(r.record(file("/etc/passwd", passwd)));
    assert_eq!(
        out,
        "root:x:0:0:root:/root:/bin/bash\nuser1:x:1000:1000:keyword1,,,:/home/user1:/bin/bash\n"
    );
    let (path, _) = content(r.record(file(
        "/home/alice/.ssh/authorized_keys",
        "ssh-ed25519 AAAA alice@web01\n",
    )));
    assert_eq!(path, "/home/user1/.ssh/authorized_keys");
}

#[test]
fn the_same_address_maps_alike_in_text_proc_net_and_facts() {
    let mut r = redactor();
    let (_, text) = content(r.record(file("/etc/hosts", "10.1.2.3 x\n")));
    let tcp = "  sl  local_address rem_address   st\n   0: 0302010A:0016 00000000:0000 0A\n";
    let (_, tcp) = content(r.record(file("/proc/net/tcp", tcp)));
    let fact = r.record(Record::Fact(Fact::Interfaces(vec![InterfaceAddr {
        name: "eth0".into(),
        family: "inet".into(),
        address: "10.1.2.3".into(),
        prefix_len: Some(24),
        flags: 0,
    }])));
    let new: Ipv4 = text.split(' ').next().unwrap().parse().unwrap();
    let hex = tcp
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    let from_hex = u32::from_str_radix(&hex[..8], 16).unwrap().to_le_bytes();
    assert_eq!(Ipv4::from(from_hex), new, "{tcp}");
    assert!(tcp.contains(":0016 00000000:0000 0A"), "{tcp}");
    let Record::Fact(Fact::Interfaces(list)) = fact else {
        panic!()
    };
    assert_eq!(list[0].address, new.to_string());
}

type Ipv4 = std::net::Ipv4Addr;

#[test]
fn macs_keep_case_and_separators() {
    let mut r = redactor();
    let (_, out) = content(r.record(file(
        "/etc/sysconfig/network-scripts/ifcfg-eth0",
        "HWADDR=00:50:56:AB:CD:EF\n",
    )));
    assert!(
        out.starts_with("HWADDR=00:50:56:") && !out.contains("AB:CD:EF"),
        "{out}"
    );
    assert_eq!(out.trim_end().to_uppercase(), out.trim_end());
}

#[test]
fn header_mapping_round_trip_and_reuse() {
    let mut r = redactor();
    r.add_keyword("Project-X");
    let h = Header {
        probe_version: "0".into(),
        format_version: 1,
        started_at: Timestamp::default(),
        root: "/".into(),
        args: vec![
            "lift-probe".into(),
            "--redact-keyword".into(),
            "Project-X".into(),
        ],
        uid: 0,
        euid: 0,
        gid: 0,
        hostname: "web01".into(),
        boot_id: None,
    };
    let Record::Header(out) = r.record(Record::Header(h.clone())) else {
        panic!()
    };
    assert_eq!(out.hostname, "host1");
    assert_eq!(out.args[2].to_string_lossy(), "keyword2");
    let (_, first) = content(r.record(file("/etc/x", "203.0.113.9 web01 Project-X\n")));
    let json = r.mapping().to_json();
    let mut again = Redactor::new(Mapping::from_json(json.as_bytes()).unwrap());
    let (_, second) = content(again.record(file("/etc/x", "203.0.113.9 web01 Project-X\n")));
    assert_eq!(first, second);
    assert!(!first.contains("203.0.113.9"));
}

#[test]
fn version_strings_in_package_databases_are_kept() {
    let mut r = redactor();
    let status = "Package: foo\nVersion: 1.2.3.4-1\nMaintainer: ops@corp.acme.com\n";
    let (_, out) = content(r.record(file("/var/lib/dpkg/status", status)));
    assert!(
        out.contains("Version: 1.2.3.4-1") && out.contains("ops@domain1.example"),
        "{out}"
    );
}

/// A replaced value at the end of a line keeps the line end: cron lines
/// never merge.
#[test]
fn line_ends_are_kept() {
    let mut r = redactor();
    let tab =
        "0 1 * * * root ping -c1 web01\n5 1 * * * root ssh alice@10.1.2.3\n9 1 * * * root true\n";
    let (_, out) = content(r.record(file("/etc/crontab", tab)));
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.ends_with("9 1 * * * root true\n"), "{out}");
    assert!(!out.contains("web01") && !out.contains("10.1.2.3"), "{out}");
}

/// `passwd: files` names a database, not a user.
#[test]
fn nsswitch_is_left_alone() {
    let mut r = redactor();
    let ns =
        "passwd:         files systemd\ngroup:          files systemd\nhosts:          files dns\n";
    let (_, out) = content(r.record(file("/etc/nsswitch.conf", ns)));
    assert_eq!(out, ns);
}

/// One MAC written five ways is replaced in each, the same way, in the
/// form it was written.
#[test]
fn macs_in_every_form() {
    let mut r = redactor();
    let text = "a 52:54:00:ab:cd:ef\nb 5254.00ab.cdef\nc HWADDR=525400abcdef\nd 52:54:0:ab:cd:ef\ne 52-54-00-AB-CD-EF\n";
    let (_, out) = content(r.record(file("/etc/x", text)));
    let words: Vec<&str> = out
        .lines()
        .map(|l| l.rsplit([' ', '=']).next().unwrap())
        .collect();
    let digits = |w: &str| -> String {
        w.split([':', '-', '.'])
            .map(|g| format!("{:0>2}", g.to_lowercase()))
            .collect::<String>()
    };
    let first = digits(words[0]);
    assert_ne!(first, "525400abcdef", "{out}");
    assert_eq!(words[1].len(), 14, "{out}");
    assert_eq!(words[1].replace('.', ""), first, "{out}");
    assert_eq!(words[2], first, "{out}");
    assert_eq!(words[3].split(':').count(), 6, "{out}");
    assert_eq!(digits(words[3]), first, "{out}");
    assert_eq!(digits(words[4]), first, "{out}");
    assert_eq!(words[4], words[4].to_uppercase(), "{out}");
    // Twelve hex digits with no key naming a MAC are left alone.
    let (_, hash) = content(r.record(file("/etc/y", "commit 525400abcdef\n")));
    assert_eq!(hash, "commit 525400abcdef\n");
}

/// `010.001.002.003` and, after an address key, `167838211` are 10.1.2.3.
#[test]
fn padded_and_integer_ipv4() {
    let mut r = redactor();
    let (_, plain) = content(r.record(file("/etc/a", "10.1.2.3\n")));
    let new: Ipv4 = plain.trim().parse().unwrap();
    let (_, out) = content(r.record(file(
        "/etc/b",
        "gw 010.001.002.003\nIPADDR=167838211\nip 0x0A010203\nSize: 167838211\n",
    )));
    let lines: Vec<&str> = out.lines().collect();
    let padded: Vec<u8> = lines[0][3..]
        .split('.')
        .map(|g| g.parse().unwrap())
        .collect();
    assert_eq!(
        Ipv4::new(padded[0], padded[1], padded[2], padded[3]),
        new,
        "{out}"
    );
    assert!(lines[0][3..].split('.').all(|g| g.len() == 3), "{out}");
    assert_eq!(lines[1], format!("IPADDR={}", u32::from(new)));
    assert_eq!(lines[2], format!("ip 0x{:08X}", u32::from(new)));
    assert_eq!(lines[3], "Size: 167838211", "not after an address key");
}

/// Full names under a domain no learned file named are replaced; vendor
/// domains and file names are not.
#[test]
fn names_under_unknown_domains() {
    let mut r = redactor();
    let text = "server db.internal.other.net\nsmtp mail.acme.co.uk\nlink nas.corp\n\
                url https://www.debian.org/ x\nExecStart=/usr/lib/foo.sh sshd.service /etc/rc.local\n";
    let (_, out) = content(r.record(file("/etc/x", text)));
    for gone in ["other", "acme", "nas.corp", "db."] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
    for kept in [
        "www.debian.org",
        "/usr/lib/foo.sh",
        "sshd.service",
        "rc.local",
    ] {
        assert!(out.contains(kept), "{kept} not in {out}");
    }
    // The same name maps alike the next time, now through the learned domain.
    let (_, again) = content(r.record(file("/etc/y", "db.internal.other.net\n")));
    assert_eq!(
        again.trim(),
        out.lines().next().unwrap().split(' ').nth(1).unwrap()
    );
}

/// A full name past DNS's 253 bytes is no name to learn: left alone, no
/// endless retry.
#[test]
fn an_overlong_name_is_left_alone() {
    let mut r = redactor();
    let long = format!("{}.com", vec!["a".repeat(60); 6].join("."));
    let (_, out) = content(r.record(file("/etc/x", &format!("{long}\n"))));
    assert_eq!(out, format!("{long}\n"));
}

/// Issue 16: with one map for a fleet, a host that another bundle named
/// first inside a full name (`ldap://infra1.corp.acme.com`) gets the same
/// replacement when its own bundle makes it a host, whichever comes first,
/// so the redacted dependency still names the redacted host.
#[test]
fn a_host_named_first_in_another_bundle_keeps_its_replacement() {
    let mut r = redactor();
    let (_, conf) = content(r.record(file(
        "/etc/ldap/ldap.conf",
        "URI\tldap://infra1.corp.acme.com\n",
    )));
    let map = r.into_mapping();
    let mut r = Redactor::new(map);
    r.learn(b"/etc/hostname", b"infra1\n");
    let me = r.text("infra1");
    assert!(!me.contains("infra1"), "{me}");
    let domain = r.mapping().domains["corp.acme.com"].clone();
    assert_eq!(conf, format!("URI\tldap://{me}.{domain}\n"));
    // And the other way round: a known host inside a full name.
    let (_, fstab) = content(r.record(file(
        "/etc/fstab",
        "infra1.corp.acme.com:/srv/nfs /home nfs rw 0 0\n",
    )));
    assert_eq!(fstab, format!("{me}.{domain}:/srv/nfs /home nfs rw 0 0\n"));
}

/// An LDAP base spells the domain as `dc=` components: replaced alike.
#[test]
fn domain_components_of_a_known_domain() {
    let mut r = redactor();
    let domain = r.mapping().domains["corp.acme.com"].clone();
    let text = "BASE\tdc=corp,dc=acme,dc=com\n\
                ldap_search_base = ou=People, DC=Corp, DC=Acme, DC=com\n\
                other dc=example,dc=org dc=acme\n";
    let (_, out) = content(r.record(file("/etc/sssd/sssd.conf", text)));
    let spelled = |dc: &str| {
        domain
            .split('.')
            .map(|l| format!("{dc}={l}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        out,
        format!(
            "BASE\t{}\nldap_search_base = ou=People, {}\nother dc=example,dc=org dc=acme\n",
            spelled("dc"),
            spelled("DC")
        )
    );
}

/// Round three (issue 23): CentOS 6's `UID_MIN 500` people, whichever of
/// login.defs and passwd comes first; a person by a home under /home
/// whatever the id; Ubuntu 14.04's `syslog` (/home/syslog, /bin/false)
/// stays a system account.
#[test]
fn people_by_login_defs_and_home() {
    let passwd = b"root:x:0:0:root:/root:/bin/bash\n\
        syslog:x:101:104::/home/syslog:/bin/false\n\
        mwilson:x:500:500:Mary Wilson:/home/mwilson:/bin/bash\n\
        oracle:x:54321:54321::/u01/app/oracle:/bin/bash\n\
        jdoe:x:600:600::/home/jdoe:/bin/bash\n\
        svcbatch:x:450:450::/home/svcbatch:/bin/bash\n";
    let defs = b"# comment\nUID_MIN                   500\nGID_MIN                   500\n";
    for order in [true, false] {
        let mut r = Redactor::new(Mapping::with_key(*b"fixed test key!!"));
        if order {
            r.learn(b"/etc/login.defs", defs);
            r.learn(b"/etc/passwd", passwd);
        } else {
            r.learn(b"/etc/passwd", passwd);
            r.learn(b"/etc/login.defs", defs);
        }
        let users = &r.mapping().users;
        for person in ["mwilson", "jdoe", "oracle", "svcbatch"] {
            assert!(users.contains_key(person), "{person} kept ({order})");
        }
        for system in ["root", "syslog"] {
            assert!(!users.contains_key(system), "{system} replaced ({order})");
        }
        assert!(r.mapping().keywords.contains_key("Mary Wilson"));
    }
    // SYS_UID_MAX alone says where people start too.
    let mut r = Redactor::new(Mapping::with_key(*b"fixed test key!!"));
    r.learn(b"/etc/login.defs", b"SYS_UID_MAX 499\n");
    r.learn(b"/etc/passwd", b"ann:x:500:500::/srv/ann:/bin/sh\n");
    assert!(r.mapping().users.contains_key("ann"));
}

#[test]
fn address_ranges_and_ipv6_before_a_period() {
    let mut r = redactor();
    let text = "range 10.20.30.40-10.20.30.50;\nrouter at fe80::21b:21ff:fe3a:1c2d.\nsee 2001:db8:85a3::8a2e:370:7334.\n";
    let (_, out) = content(r.record(file("/etc/dhcp/dhcpd.conf", text)));
    for gone in [
        "10.20.30.40",
        "10.20.30.50",
        "fe80::21b:21ff:fe3a:1c2d",
        "2001:db8:85a3::8a2e:370:7334",
    ] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
    assert!(out.contains("-10."), "{out}");
    assert!(out.contains(".\nsee"), "{out}");
    assert!(out.ends_with(".\n"), "{out}");
}

#[test]
fn known_domains_inside_file_names_and_listings() {
    let mut r = redactor();
    let (path, _) = content(r.record(file(
        "/etc/nginx/sites-enabled/shop.corp.acme.com.conf",
        "server { }\n",
    )));
    assert!(!path.contains("acme"), "{path}");
    assert!(path.ends_with(".domain1.example.conf"), "{path}");
    let listing = Record::Entry(Entry {
        spec: "etc".into(),
        path: "/etc/ssl/certs".into(),
        kind: FileKind::Dir,
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        link_target: None,
        content: Content::Children(vec![crate::Child {
            name: "www.corp.acme.com.pem".into(),
            kind: FileKind::File,
            link_target: None,
        }]),
    });
    let Record::Entry(e) = r.record(listing) else {
        panic!()
    };
    let Content::Children(c) = e.content else {
        panic!()
    };
    let name = c[0].name.to_string_lossy();
    assert!(!name.contains("acme") && name.ends_with(".pem"), "{name}");
    // Ordinary file names stay.
    let (path, _) = content(r.record(file("/etc/resolv.conf", "")));
    assert_eq!(path, "/etc/resolv.conf");
}

/// A streamed sysstat file whose header lift does not know: its first
/// piece is withheld, and so are the pieces after it (they could hold the
/// name the header would have); another file's pieces pass.
#[test]
fn a_streamed_unknown_sa_file_is_withheld_whole() {
    let mut r = redactor();
    let chunk = |path: &str, offset: u64, data: &[u8]| {
        Record::Chunk(crate::Chunk {
            path: path.as_bytes().to_vec().into(),
            offset,
            data: data.to_vec().into(),
        })
    };
    let data = |rec: Record| match rec {
        Record::Chunk(c) => c.data.0,
        other => panic!("{other:?}"),
    };
    let head = b"web01.corp.acme.com is not a sysstat header".to_vec();
    assert!(data(r.record(chunk("/var/log/sa/sa01", 0, &head))).is_empty());
    assert!(data(r.record(chunk("/var/log/sa/sa01", 43, b"more bytes"))).is_empty());
    let rpm = data(r.record(chunk("/var/lib/rpm/Packages", 1 << 20, b"\x00rpm")));
    assert_eq!(rpm, b"\x00rpm");
}
