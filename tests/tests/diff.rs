//! `lift diff` end to end (issue 24 items 5 and 6).

use std::path::{Path, PathBuf};
use std::process::Command;

use lift_tests::{copy_tree, fixture, lift, probe, Scratch};
use serde_json::Value;

/// Every fixture root (a directory under fixtures/, or one level below,
/// holding etc/, usr/ or var/).
fn roots() -> Vec<PathBuf> {
    let is_root = |p: &Path| ["etc", "usr", "var"].iter().any(|d| p.join(d).is_dir());
    let mut out = Vec::new();
    for e in std::fs::read_dir(fixture("")).unwrap() {
        let p = e.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        if is_root(&p) {
            out.push(p);
            continue;
        }
        for e in std::fs::read_dir(&p).unwrap() {
            let q = e.unwrap().path();
            if q.is_dir() && is_root(&q) {
                out.push(q);
            }
        }
    }
    out.sort();
    out
}

fn diff_json(a: &Path, b: &Path) -> Value {
    let o = lift(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        o.status.success(),
        "lift diff {} {}: {}",
        a.display(),
        b.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Issue 24 item 5: debian12-systemd against its own bundle gave 8
/// "unexpected" changes (an empty file recorded as 0 bytes on one side and
/// by the hash of no bytes on the other; a service with no live state on
/// one side). Each root against its probe bundle, its tarball and itself:
/// no change, either way round.
#[test]
fn every_root_against_itself_has_no_changes() {
    let s = Scratch::new("diff-self");
    let roots = roots();
    assert!(roots.len() >= 20, "{roots:?}");
    let mut wrong = Vec::new();
    let mut lives = 0;
    for (i, root) in roots.iter().enumerate() {
        let bundle = s.join(&format!("{i}.lift"));
        probe(Some(root), &bundle, &["-q"]);
        let tarball = s.join(&format!("{i}.tar.gz"));
        let o = Command::new("tar")
            .arg("-czf")
            .arg(&tarball)
            .arg("-C")
            .arg(root)
            .arg(".")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // A sosreport's command outputs are not files of its host: the
        // probe (which reads a root's files) does not take them, so a
        // sosreport tree is compared with its tarball and itself only.
        let sosreport = root.join("sos_commands").is_dir();
        let pairs = [
            (root.as_path(), bundle.as_path()),
            (bundle.as_path(), root.as_path()),
            (root.as_path(), tarball.as_path()),
            (root.as_path(), root.as_path()),
        ];
        // A root with live state (/proc: processes, sockets, mounts)
        // against itself as an image, without /proc, /sys and /run: what
        // one side has no live state for is no change.
        let image = s.join(&format!("{i}-image"));
        let live = root.join("proc").is_dir() && !sosreport;
        if live {
            copy_tree(root, &image);
            for d in ["proc", "sys", "run"] {
                let _ = std::fs::remove_dir_all(image.join(d));
            }
            lives += 1;
        }
        let images = [
            (root.as_path(), image.as_path()),
            (image.as_path(), root.as_path()),
        ];
        let pairs = pairs
            .into_iter()
            .skip(if sosreport { 2 } else { 0 })
            .chain(images.into_iter().filter(|_| live));
        for (a, b) in pairs {
            let j = diff_json(a, b);
            let changes = j["changes"].as_array().unwrap();
            if !changes.is_empty() {
                wrong.push(format!(
                    "{} vs {}: {}",
                    a.display(),
                    b.display(),
                    serde_json::to_string(&changes[..changes.len().min(4)]).unwrap()
                ));
            }
            // Not comparable is never a change, and says why.
            for n in j["not_comparable"].as_array().unwrap() {
                assert!(!n["why"].as_str().unwrap().is_empty(), "{n}");
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(lives >= 5, "{lives} roots with live state");
}

/// Issue 24 item 6: two different real hosts (Debian 12 with systemd, and
/// with SysV init). The page opens with the identity warning, then the
/// system (the init system change among it), then the summary whose counts
/// are the JSON's, then one collapsed section per category, each reason
/// said once.
#[test]
fn two_hosts_lead_with_identity_system_and_summary() {
    let s = Scratch::new("diff-two");
    let (a, b) = (s.join("a.lift"), s.join("b.lift"));
    probe(Some(&fixture("debian12-systemd")), &a, &["-q"]);
    probe(Some(&fixture("debian12-sysv")), &b, &["-q"]);
    let j = diff_json(&a, &b);
    assert_eq!(j["identity"]["verdict"], "different machines");
    assert_eq!(j["identity"]["differs"][0], "hostname");
    let changes = j["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["category"] == "os"
            && c["key"] == "init system"
            && c["before"] == "systemd"
            && c["after"] == "sysv"),
        "no init system row"
    );
    let html_path = s.join("d.html");
    let o = lift(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        html_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&html_path).unwrap();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("id=\"identity-warning\"") < at("id=\"system\""));
    assert!(at("id=\"system\"") < at("id=\"summary\""));
    assert!(at("id=\"summary\"") < at("<details"));
    assert!(html.contains("<tr class=\"changed\" data-what=\"Init system\"><th>Init system</th><td>systemd</td><td>sysv</td></tr>"));
    // The summary's counts are the JSON's, per category.
    let mut want: std::collections::BTreeMap<String, (usize, usize, usize)> = Default::default();
    for c in changes {
        let e = want
            .entry(c["category"].as_str().unwrap().to_string())
            .or_default();
        if c["expected"].as_bool().unwrap() {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    for n in j["not_comparable"].as_array().unwrap() {
        want.entry(n["category"].as_str().unwrap().to_string())
            .or_default()
            .2 += 1;
    }
    let summary = &html[at("id=\"summary\"")..];
    let summary = &summary[..summary.find("</table>").unwrap()];
    let mut got = std::collections::BTreeMap::new();
    for row in summary.split("<tr data-category=\"").skip(1) {
        let name = &row[..row.find('"').unwrap()];
        let nums: Vec<usize> = row
            .split("<td class=\"num")
            .skip(1)
            .map(|c| {
                let c = &c[c.find('>').unwrap() + 1..];
                c[..c.find('<').unwrap()].parse().unwrap()
            })
            .collect();
        got.insert(name.to_string(), (nums[0], nums[1], nums[2]));
    }
    assert_eq!(got, want);
    // The generic profile's reason, once per category that has unexpected
    // rows, not once per row.
    let reason = "the generic profile expects no change";
    let with_unexpected = want.values().filter(|v| v.0 > 0).count();
    assert!(
        changes.len() > 2 * with_unexpected,
        "too few changes to prove anything"
    );
    assert_eq!(html.matches(reason).count(), with_unexpected);
}

/// Issue 24 item 5: what one side could not see is "not comparable", with
/// why, in a collapsed section of its own, never "unexpected". The probe
/// scrubs the secrets of apps/debian12-servers' configuration (redis,
/// mysql, TLS keys' passphrases), so its bundle holds other bytes than
/// the root for those files, of the same size.
#[test]
fn scrubbed_files_are_not_comparable_in_their_own_section() {
    let s = Scratch::new("diff-unseen");
    let root = fixture("apps/debian12-servers");
    let bundle = s.join("servers.lift");
    probe(Some(&root), &bundle, &["-q"]);
    let j = diff_json(&root, &bundle);
    assert_eq!(j["changes"], serde_json::json!([]));
    let unseen = j["not_comparable"].as_array().unwrap();
    assert!(unseen.len() >= 2, "{unseen:?}");
    assert!(unseen
        .iter()
        .any(|n| n["key"] == "/etc/redis/redis.conf"
            && n["why"].as_str().unwrap().contains("scrubbed")));
    let render = |name: &str| {
        let out = s.join(name);
        let o = lift(&[
            "diff",
            root.to_str().unwrap(),
            bundle.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let html = render("d.html");
    let at = html
        .find("<details class=\"not-comparable\"")
        .expect("no section of its own");
    let section = &html[at..];
    let section = section[..section.find("</details>").unwrap()]
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'");
    // Closed (no `open`), inside its category's section, every file in it
    // with its why, and no "unexpected" anywhere in it.
    assert!(!section[..section.find('>').unwrap()].contains(" open"));
    assert!(html[..at].contains("<details id=\"cat-"));
    assert_eq!(section.matches("<tr><td>").count(), unseen.len());
    for n in unseen {
        assert!(section.contains(n["key"].as_str().unwrap()), "{n}");
    }
    let scrubbed = unseen
        .iter()
        .filter(|n| {
            n["why"]
                .as_str()
                .unwrap()
                .ends_with("secrets were scrubbed")
        })
        .count();
    assert_eq!(section.matches("secrets were scrubbed").count(), scrubbed);
    assert!(!section.contains("unexpected"), "{section}");
    let md = render("d.md");
    let heading = format!("### etc: {} not comparable", unseen.len());
    let at = md
        .find(&heading)
        .unwrap_or_else(|| panic!("{heading}\n{md}"));
    assert!(md[..at].contains("\n## etc\n"));
    assert!(!md[at..].contains("unexpected"), "{md}");
    assert!(md.contains("**0 unexpected**"));
}

/// Issue 24 item 6 in Markdown: the same order as the HTML (identity
/// warning, system, summary, then one heading per category), and each
/// category's reason said once.
#[test]
fn two_hosts_in_markdown_lead_with_identity_system_and_summary() {
    let s = Scratch::new("diff-two-md");
    let (a, b) = (fixture("debian12-systemd"), fixture("centos6-sysv"));
    let j = diff_json(&a, &b);
    let out = s.join("d.md");
    let o = lift(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out).unwrap();
    let at = |needle: &str| {
        md.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{md}"))
    };
    assert!(at("These are two different machines") < at("\n## System\n"));
    assert!(at("\n## System\n") < at("\n## Summary\n"));
    assert!(md.contains("| **Init system** (changed) | systemd | upstart |"));
    let changes = j["changes"].as_array().unwrap();
    let mut categories: Vec<&str> = changes
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    categories.sort();
    categories.dedup();
    let summary = at("\n## Summary\n");
    for c in &categories {
        let heading = format!("\n## {c}\n");
        assert!(at(&heading) > summary, "{c} before the summary");
        assert_eq!(md.matches(&heading).count(), 1, "{c}");
        let n = changes.iter().filter(|x| x["category"] == *c).count();
        let row = format!("\n| {c} | {n} | 0 | 0 |");
        assert!(md.contains(&row), "summary row {row}");
    }
    let reason = "the generic profile expects no change";
    assert_eq!(md.matches(reason).count(), categories.len());
    assert!(changes.len() > 10 * categories.len() / 2);
    // Markdown rows: one per change, not a 170-character reason on each.
    assert!(md.len() < 200 * changes.len() + 4000, "{} bytes", md.len());
}

/// Issue 24 item 6: the boot's firmware is live state (/sys/firmware). A
/// tree without /sys is no change (`every_root_against_itself_has_no_changes`
/// diffs mgn/ready-debian12 against itself as an image); the same loader
/// booted by UEFI instead of BIOS is one, in the system table and the os
/// category.
#[test]
fn bios_to_uefi_is_a_boot_change() {
    let s = Scratch::new("diff-uefi");
    let uefi = s.join("uefi");
    copy_tree(&fixture("mgn/ready-debian12"), &uefi);
    std::fs::create_dir_all(uefi.join("sys/firmware/efi/efivars")).unwrap();
    let j = diff_json(&fixture("mgn/ready-debian12"), &uefi);
    let changes = j["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["key"], "boot loader");
    assert_eq!(changes[0]["before"], "grub2 (bios)");
    assert_eq!(changes[0]["after"], "grub2 (uefi)");
    let row = j["system"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["what"] == "Boot loader")
        .unwrap();
    assert_eq!(row["changed"], true);
}
