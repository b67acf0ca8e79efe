//! Issue 24 item 2: host identity in `lift batch` never merges two
//! machines. Real fixture roots that share every default (no /etc/hostname,
//! no or an empty /etc/machine-id, as container images ship them), their
//! tarballs, clones of one image, a renamed host and a host collected
//! twice: each machine is one host, and only a newer bundle of the same
//! machine supersedes another.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lift_tests::{copy_tree, fixture, lift, probe, Scratch};

/// A root copied from a fixture, then changed: host name, machine-id, and
/// one Ethernet card (as sysfs shows a virtio NIC) with its burnt-in MAC.
fn root(
    s: &Scratch,
    name: &str,
    from: &str,
    hostname: Option<&str>,
    machine_id: Option<&str>,
    mac: Option<&str>,
) -> std::path::PathBuf {
    let r = s.join(&format!("roots/{name}"));
    copy_tree(&fixture(from), &r);
    std::fs::create_dir_all(r.join("etc")).unwrap();
    if let Some(h) = hostname {
        std::fs::write(r.join("etc/hostname"), format!("{h}\n")).unwrap();
        let kernel = r.join("proc/sys/kernel/hostname");
        if kernel.exists() {
            std::fs::write(kernel, format!("{h}\n")).unwrap();
        }
    }
    if let Some(m) = machine_id {
        std::fs::write(r.join("etc/machine-id"), m).unwrap();
    }
    if let Some(mac) = mac {
        let dev = r.join("sys/devices/pci0000:00/0000:00:03.0/virtio0/net/eth0");
        std::fs::create_dir_all(&dev).unwrap();
        std::fs::write(dev.join("address"), format!("{mac}\n")).unwrap();
        std::fs::write(dev.join("addr_assign_type"), "0\n").unwrap();
        std::fs::write(dev.join("type"), "1\n").unwrap();
        std::fs::create_dir_all(r.join("sys/class/net")).unwrap();
        std::os::unix::fs::symlink(
            "../../devices/pci0000:00/0000:00:03.0/virtio0/net/eth0",
            r.join("sys/class/net/eth0"),
        )
        .unwrap();
    }
    r
}

fn tarball(root: &Path, out: &Path) {
    let o = Command::new("tar")
        .arg("-czf")
        .arg(out)
        .arg("-C")
        .arg(root)
        .arg(".")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// fleet.csv as (hostname, input file, older input files).
fn hosts(csv: &str) -> Vec<(String, String, String)> {
    let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (h, i, o) = (col("hostname"), col("bundle"), col("other_bundles"));
    let file = |p: &str| {
        p.split(';')
            .filter(|x| !x.is_empty())
            .map(|x| x.rsplit('/').next().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut v: Vec<_> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[h].to_string(), file(f[i]), file(f[o]))
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

#[test]
fn distinct_machines_stay_distinct() {
    let s = Scratch::new("fleet-identity");
    let inputs = s.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    let bundle = |root: &Path, name: &str| {
        probe(Some(root), &inputs.join(name), &["-q"]);
    };
    // Four distributions with neither a host name nor a machine-id: the
    // probe says "unknown" for each.
    for f in [
        "alpine-openrc",
        "centos6-sysv",
        "ubuntu1404-upstart",
        "debian12-dpkg",
    ] {
        bundle(&fixture(f), &format!("{f}.lift"));
    }
    // Two of them again as root tarballs: debian12-dpkg's keeps nothing of
    // its machine, so it is a host of its own, named by its file.
    tarball(&fixture("centos6-sysv"), &inputs.join("centos6.tar.gz"));
    tarball(&fixture("debian12-dpkg"), &inputs.join("dpkg.tar.gz"));
    // Container-like roots: an empty machine-id, a default host name.
    let c1 = root(&s, "c1", "debian12-dpkg", Some("localhost"), Some(""), None);
    let c2 = root(&s, "c2", "alpine-openrc", None, Some(""), None);
    bundle(&c1, "container-debian.lift");
    bundle(&c2, "container-alpine.lift");
    // One image cloned twice without a new machine-id (debian12-systemd
    // keeps one): other names, other MACs. Then web-a renamed.
    let a = root(
        &s,
        "a",
        "debian12-systemd",
        Some("web-a"),
        None,
        Some("52:54:00:12:34:01"),
    );
    let b = root(
        &s,
        "b",
        "debian12-systemd",
        Some("web-b"),
        None,
        Some("52:54:00:12:34:02"),
    );
    bundle(&a, "web-a.lift");
    bundle(&b, "web-b.lift");
    let a2 = root(
        &s,
        "a2",
        "debian12-systemd",
        Some("web-a2"),
        None,
        Some("52:54:00:12:34:01"),
    );
    bundle(&a2, "web-a2.lift");
    // A host collected twice.
    bundle(&fixture("debian12-i386"), "i386-1.lift");
    bundle(&fixture("debian12-i386"), "i386-2.lift");

    let out = s.join("out");
    let o = lift(&[
        "batch",
        inputs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    let got = hosts(&csv);
    let want: Vec<(&str, &str, &str)> = vec![
        ("alpine-openrc", "alpine-openrc.lift", ""),
        // CentOS 6 names itself in /etc/sysconfig/network: its tarball
        // (no collection date) is the older bundle of the same host.
        (
            "c6-app01.example.lan",
            "centos6-sysv.lift",
            "centos6.tar.gz",
        ),
        ("container-alpine", "container-alpine.lift", ""),
        ("container-debian", "container-debian.lift", ""),
        ("debian12-dpkg", "debian12-dpkg.lift", ""),
        ("dpkg", "dpkg.tar.gz", ""),
        ("deb12-i386", "i386-2.lift", "i386-1.lift"),
        ("ubuntu1404-upstart", "ubuntu1404-upstart.lift", ""),
        ("web-a2", "web-a2.lift", "web-a.lift"),
        ("web-b", "web-b.lift", ""),
    ];
    let mut want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    want.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(got, want, "{csv}");

    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("data-count=\"13\" id=\"n-bundles\""),
        "bundles"
    );
    assert!(page.contains("data-count=\"10\" id=\"n-hosts\""), "hosts");
    assert!(page.contains("data-count=\"3\" id=\"n-superseded\""));
    // Each superseded bundle says what matched; the rename is said.
    let start = page.find("id=\"host-data\">").unwrap() + "id=\"host-data\">".len();
    let rows: serde_json::Value =
        serde_json::from_str(&page[start..start + page[start..].find("</script>").unwrap()])
            .unwrap();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["hostname"] == name)
            .unwrap_or_else(|| panic!("{name} not in the table"))
            .clone()
    };
    let i386 = row("deb12-i386");
    assert!(i386["older"][0][0]
        .as_str()
        .unwrap()
        .ends_with("i386-1.lift"));
    assert_eq!(i386["older"][0][2], "machine-id, hostname");
    let a2 = row("web-a2");
    assert_eq!(a2["older"][0][2], "machine-id, MACs");
    assert_eq!(a2["renamed_from"], serde_json::json!(["web-a"]));
    let id = a2["id"].as_str().unwrap();
    assert!(
        page.contains(&format!("data-host=\"{id}\" data-was=\"web-a\"")),
        "the rename is not said above the table"
    );
    // The clones: two hosts, and one warning naming both.
    let ids: BTreeMap<String, String> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_string(), f[0].to_string())
        })
        .collect();
    let warn = &page[page
        .find("id=\"shared-machine-ids\"")
        .expect("clone warning")..];
    let warn = &warn[..warn.find("</div>").unwrap()];
    assert!(
        warn.contains(&format!(
            "data-hosts=\"{} {}\"",
            ids["web-a2"], ids["web-b"]
        )) || warn.contains(&format!(
            "data-hosts=\"{} {}\"",
            ids["web-b"], ids["web-a2"]
        )),
        "{warn}"
    );
    assert_eq!(warn.matches("<li ").count(), 1, "{warn}");
}
