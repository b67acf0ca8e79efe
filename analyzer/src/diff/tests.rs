//! Before/after pairs built from the debian12-systemd root: the after side
//! is a copy with what the migration to a cloud does, plus unexpected
//! changes mixed in. Bundles (not directories) so that live addresses can
//! be given as the probe's getifaddrs fact.

use lift_bundle::{Fact, InterfaceAddr};

use super::*;
use crate::profile::{Profile, Target};
use crate::testing::{bundle, bundle_edited, copy_tree, fixture, TempRoot};

const NFS: &str = "nfs1.example.lan:/export/data /data nfs4 defaults,_netdev 0 0\n";
const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
fn addrs(ip: &str) -> Fact {
    Fact::Interfaces(vec![InterfaceAddr {
        name: "eth0".into(),
        family: "inet".into(),
        address: ip.into(),
        prefix_len: Some(24),
        flags: 0,
    }])
}

/// debian12-systemd with an NFS line, adjtime, ssh disabled, port 22 open.
fn before() -> TempRoot {
    let r = TempRoot::new();
    copy_tree(&fixture("debian12-systemd"), r.path());
    let fstab = std::fs::read_to_string(r.path().join("etc/fstab")).unwrap();
    r.write("etc/fstab", format!("{fstab}{NFS}").as_bytes());
    r.write("etc/adjtime", b"0.0 0 0.0\n0\nUTC\n");
    r.write("etc/hosts", b"127.0.0.1 localhost\n10.0.0.5 deb12-web\n");
    // ssh disabled: its wants link and its sshd alias gone.
    for link in ["multi-user.target.wants/ssh.service", "sshd.service"] {
        std::fs::remove_file(r.path().join("etc/systemd/system").join(link)).unwrap();
    }
    r.write("proc/net/tcp", format!("{TCP}   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000 1 0 100 0 0 10 0\n   1: 00000000:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 100 0 0 10 0\n").as_bytes());
    r
}

/// What an ec2 migration does to `before`, and the unexpected extras.
fn after(b: &TempRoot) -> TempRoot {
    let r = TempRoot::new();
    copy_tree(b.path(), r.path());
    let p = r.path();
    // Expected: NFS dropped, adjtime rewritten, ssh enabled, new DHCP address.
    let fstab = std::fs::read_to_string(p.join("etc/fstab")).unwrap();
    r.write("etc/fstab", fstab.replace(NFS, "").as_bytes());
    r.write(
        "etc/adjtime",
        b"0.000000 1700000000 0.000000\n1700000000\nUTC\n",
    );
    for link in ["multi-user.target.wants/ssh.service", "sshd.service"] {
        r.symlink(
            &format!("etc/systemd/system/{link}"),
            "/lib/systemd/system/ssh.service",
        );
    }
    r.write("etc/hosts", b"127.0.0.1 localhost\n172.31.5.9 deb12-web\n");
    // Unexpected: cron no longer starts, port 3306 gone, bash downgraded,
    // a user added, the cgroup2 mount lost.
    std::fs::remove_file(p.join("etc/systemd/system/multi-user.target.wants/cron.service"))
        .unwrap();
    r.write("proc/net/tcp", format!("{TCP}   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000 1 0 100 0 0 10 0\n").as_bytes());
    let status = std::fs::read_to_string(p.join("var/lib/dpkg/status")).unwrap();
    r.write(
        "var/lib/dpkg/status",
        status
            .replacen("Version: 5.2.15-2+b13", "Version: 5.2.15-2", 1)
            .as_bytes(),
    );
    let passwd = std::fs::read_to_string(p.join("etc/passwd")).unwrap();
    r.write(
        "etc/passwd",
        format!("{passwd}intruder:x:0:0::/root:/bin/bash\n").as_bytes(),
    );
    let mi = std::fs::read_to_string(p.join("proc/self/mountinfo")).unwrap();
    r.write(
        "proc/self/mountinfo",
        mi.lines()
            .filter(|l| !l.contains("/sys/fs/cgroup/unified"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    r
}

fn find<'c>(changes: &'c [Change], category: &str, key: &str) -> &'c Change {
    changes
        .iter()
        .find(|c| c.category == category && c.key == key)
        .unwrap_or_else(|| panic!("no {category} {key} in {changes:#?}"))
}

#[test]
fn ec2_migration_is_classified() {
    let b = before();
    let a = after(&b);
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let dst = bundle(a.path(), vec![addrs("172.31.5.9")], true);
    let changes = diff(&src, &dst, &Target::new(Profile::Ec2));
    for (category, key, expected) in [
        ("fstab", "/data", true),
        ("etc", "/etc/adjtime", true),
        ("services", "ssh", true),
        ("etc", "/etc/systemd/system/sshd.service", true),
        (
            "etc",
            "/etc/systemd/system/multi-user.target.wants/cron.service",
            false,
        ),
        ("interfaces", "eth0 addresses", true),
        ("hosts", "10.0.0.5 deb12-web", true),
        ("services", "cron", false),
        ("listeners", "tcp/3306", false),
        ("packages downgraded", "bash.amd64", false),
        ("users", "intruder", false),
        ("mounts", "/sys/fs/cgroup/unified", false),
    ] {
        let c = find(&changes, category, key);
        assert_eq!(c.expected, expected, "{c:?}");
        // Every change says why: what the profile does, or what it does not.
        assert!(c.reason.is_some(), "{c:?}");
    }
    assert_eq!(
        find(&changes, "interfaces", "eth0 addresses")
            .reason
            .as_deref(),
        Some("DHCP address changed")
    );
    let nfs = find(&changes, "fstab", "/data");
    assert_eq!(
        nfs.before.as_deref(),
        Some("nfs1.example.lan:/export/data nfs4 _netdev,defaults")
    );
    assert_eq!(nfs.after, None);
    assert!(nfs.reason.as_deref().unwrap().contains("NFS"));
    assert!(find(&changes, "users", "intruder")
        .reason
        .as_deref()
        .unwrap()
        .contains("adds no users"));
    // Unexpected first.
    let first_expected = changes.iter().position(|c| c.expected).unwrap();
    assert!(changes[first_expected..].iter().all(|c| c.expected));
    assert!(first_expected >= 5);
}

/// The same edits are all unexpected when no cloud profile explains them.
#[test]
fn generic_profile_expects_nothing() {
    let b = before();
    let a = after(&b);
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let dst = bundle(a.path(), vec![addrs("172.31.5.9")], true);
    let changes = diff(&src, &dst, &Target::new(Profile::Generic));
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| !c.expected), "{changes:#?}");
    assert!(changes.iter().all(|c| c
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("generic profile expects no change"))));
}

#[test]
fn identical_inputs_report_nothing() {
    let b = before();
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let dst = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    assert_eq!(diff(&src, &dst, &Target::new(Profile::Ec2)), Vec::new());
    let c6 = crate::snapshot::DirSnapshot::new(&fixture("centos6-sysv"));
    assert_eq!(diff(&c6, &c6, &Target::new(Profile::Azure)), Vec::new());
}

/// The JSON contract's shape, and Markdown that leads with the unexpected.
#[test]
fn renders_json_and_markdown() {
    let b = before();
    let a = after(&b);
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let dst = bundle(a.path(), vec![addrs("172.31.5.9")], true);
    let report = crate::report::diff::DiffReport {
        source: "src.lift".into(),
        migrated: "dst|x.lift".into(),
        profile: "ec2",
        identity: None,
        system: Vec::new(),
        changes: diff(&src, &dst, &Target::new(Profile::Ec2)),
        not_comparable: Vec::new(),
    };
    let json: serde_json::Value = serde_json::from_str(
        &crate::render::render_diff(&report, crate::render::Format::Json).unwrap(),
    )
    .unwrap();
    let c = &json["changes"][0];
    for field in ["category", "key", "before", "after", "expected", "reason"] {
        assert!(c.get(field).is_some(), "{field} missing: {c}");
    }
    assert_eq!(json["profile"], "ec2");
    let md = crate::render::render_diff(&report, crate::render::Format::Markdown).unwrap();
    // The summary before the categories, each category a heading.
    assert!(md.find("## Summary").unwrap() < md.find("## interfaces").unwrap());
    assert!(md.contains("| interfaces | "), "{md}");
    assert!(
        md.contains("dst\\|x.lift"),
        "a pipe from the input is escaped"
    );
    assert!(md.contains("DHCP address changed"));
}

/// fstab by line: a changed root source is unexpected and says why; on a
/// DHCP host, network configuration files and /etc/hosts may differ.
#[test]
fn fstab_lines_and_dhcp_network_files() {
    let b = before();
    let old_root = "UUID=1111aaaa-old-root / ext4 errors=remount-ro 0 1\n";
    let fstab = std::fs::read_to_string(b.path().join("etc/fstab")).unwrap();
    b.write("etc/fstab", format!("{old_root}{fstab}").as_bytes());
    let a = after(&b);
    let fstab = std::fs::read_to_string(a.path().join("etc/fstab")).unwrap();
    a.write(
        "etc/fstab",
        fstab
            .replace(
                old_root,
                "UUID=0000aaaa-new-root / ext4 errors=remount-ro 0 1\n",
            )
            .as_bytes(),
    );
    a.write("etc/resolv.conf", b"nameserver 172.31.0.2\n");
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let dst = bundle(a.path(), vec![addrs("172.31.5.9")], true);
    let changes = diff(&src, &dst, &Target::new(Profile::Ec2));
    let root = find(&changes, "fstab", "/");
    assert!(!root.expected);
    assert_eq!(
        root.before.as_deref(),
        Some("UUID=1111aaaa-old-root ext4 errors=remount-ro")
    );
    assert_eq!(
        root.after.as_deref(),
        Some("UUID=0000aaaa-new-root ext4 errors=remount-ro")
    );
    assert!(root.reason.as_deref().unwrap().contains("root"), "{root:?}");
    let resolv = find(&changes, "etc", "/etc/resolv.conf");
    assert!(resolv.expected, "{resolv:?}");
    assert!(
        resolv.reason.as_deref().unwrap().contains("eth0 uses DHCP"),
        "{resolv:?}"
    );
}

/// Debian 12's own control data (`apt-cache show`) for cloud-init and two
/// of its dependencies, as dpkg records them once installed.
const CLOUD_INIT: &str = "
Package: cloud-init
Status: install ok installed
Version: 22.4.2-1+deb12u4
Architecture: all
Depends: eject, fdisk | util-linux (<< 2.29.2-3~), gdisk, isc-dhcp-client, locales, lsb-base, lsb-release, procps, python3-configobj, python3-jinja2, python3-jsonpatch, python3-jsonschema, python3-netifaces, python3-oauthlib, python3-requests, python3-serial, python3-yaml, python3:any
Description: initialization and customization tool for cloud instances

Package: python3-jinja2
Status: install ok installed
Version: 3.1.2-1+deb12u3
Architecture: all
Depends: python3-markupsafe (>= 2.0), python3:any
Description: small but fast and easy to use stand-alone template engine

Package: python3-markupsafe
Status: install ok installed
Version: 2.1.2-1+b1
Architecture: amd64
Depends: python3 (<< 3.12), python3 (>= 3.11~), python3:any, libc6 (>= 2.14)
Description: HTML/XHTML/XML string library

Package: nmap
Status: install ok installed
Version: 7.93+dfsg1-1
Architecture: amd64
Depends: libc6 (>= 2.34)
Description: The Network Mapper
";

/// The dependencies an injected package brings are expected and name it;
/// a package nothing injected needs is not.
#[test]
fn dependencies_of_an_injected_package() {
    let b = before();
    let a = TempRoot::new();
    copy_tree(b.path(), a.path());
    let status = std::fs::read_to_string(a.path().join("var/lib/dpkg/status")).unwrap();
    a.write(
        "var/lib/dpkg/status",
        format!("{status}{CLOUD_INIT}").as_bytes(),
    );
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let dst = bundle(a.path(), vec![addrs("10.0.0.5")], true);
    let changes = diff(&src, &dst, &Target::new(Profile::Openstack));
    let reason = |key: &str| find(&changes, "packages", key).reason.clone().unwrap();
    assert!(find(&changes, "packages", "cloud-init.all").expected);
    for dep in ["python3-jinja2.all", "python3-markupsafe.amd64"] {
        let c = find(&changes, "packages", dep);
        assert!(c.expected, "{c:?}");
        assert!(reason(dep).contains("a dependency of cloud-init"), "{c:?}");
    }
    let nmap = find(&changes, "packages", "nmap.amd64");
    assert!(!nmap.expected, "{nmap:?}");
    assert!(reason("nmap.amd64").contains("openstack migration installs only"));
}

/// Issue 22 item 1: a side that could not see /etc/passwd (missing from
/// the bundle, or unreadable) makes users "not comparable", never every
/// user "removed"; /etc/group likewise.
#[test]
fn an_unseen_passwd_removes_no_user() {
    use lift_bundle::{Content, Record};
    let b = before();
    let a = after(&b);
    let src = bundle(b.path(), vec![addrs("10.0.0.5")], true);
    let target = Target::new(Profile::Ec2);
    // Neither recorded nor named in /etc's listing.
    let missing = |records: &mut Vec<Record>| {
        records.retain(|r| {
            !matches!(r, Record::Entry(e) if e.path.0 == b"/etc/passwd" || e.path.0 == b"/etc/group")
        });
        for r in records.iter_mut() {
            if let Record::Entry(e) = r {
                if let (b"/etc", Content::Children(kids)) = (e.path.0.as_slice(), &mut e.content) {
                    kids.retain(|k| k.name.0 != b"passwd" && k.name.0 != b"group");
                }
            }
        }
    };
    let unreadable = |records: &mut Vec<Record>| {
        for r in records.iter_mut() {
            if let Record::Entry(e) = r {
                if e.path.0 == b"/etc/passwd" || e.path.0 == b"/etc/group" {
                    e.content = Content::Error {
                        errno: 13,
                        message: "Permission denied".into(),
                    };
                }
            }
        }
    };
    let sides = [
        ("missing", bundle_edited(a.path(), vec![], true, missing)),
        (
            "unreadable",
            bundle_edited(a.path(), vec![], true, unreadable),
        ),
    ];
    for (how, dst) in sides {
        let (ha, hb) = (model::build(&src), model::build(&dst));
        for (before, after) in [(&src, &dst), (&dst, &src)] {
            let (x, y) = if std::ptr::eq(before, &src) {
                (&ha, &hb)
            } else {
                (&hb, &ha)
            };
            let (changes, unseen) = compare(before, after, x, y, &target);
            let users: Vec<_> = changes
                .iter()
                .filter(|c| matches!(c.category, "users" | "groups"))
                .collect();
            assert!(users.is_empty(), "{how}: {users:#?}");
            for category in ["users", "groups"] {
                let n = unseen
                    .iter()
                    .find(|n| n.category == category)
                    .unwrap_or_else(|| panic!("{how}: no {category} in {unseen:#?}"));
                assert!(
                    n.why.contains("after: ") || n.why.contains("before: "),
                    "{how}: {n:?}"
                );
            }
        }
        // The other files still compare.
        let changes = diff(&src, &dst, &target);
        assert!(changes.iter().any(|c| c.category == "hosts"), "{how}");
    }
}
