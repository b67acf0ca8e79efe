//! The per-host report as a to-do list: Markdown fit for a ticket (no
//! stray backslash or entity once rendered, right plurals, unpadded code
//! spans), fixes first, an inventory without --target, pseudo mounts
//! folded.

use std::process::Command;

use pulldown_cmark::{Event, Options, Parser};

use lift_tests::*;

fn report(root: &str, args: &[&str]) -> String {
    let f = fixture(root);
    let o = lift(&[&["report", f.to_str().unwrap()], args].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Pasted into a ticket the Markdown showed `\~`, `\_`, `-\>` and
/// `&amp;&amp;`: rendered by pulldown-cmark, no text or code holds a
/// backslash or an entity.
#[test]
fn rendered_markdown_holds_no_stray_backslash_or_entity() {
    for root in ["centos6-sysv", "alpine-openrc", "debian12-systemd"] {
        let md = report(root, &["--target", "aws-mgn"]);
        let mut texts = 0;
        for ev in Parser::new_ext(&md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            let t = match ev {
                Event::Text(t) | Event::Code(t) => t,
                _ => continue,
            };
            texts += 1;
            // A backslash in the host's own text (inittab's `\"`) is
            // content; one before Markdown punctuation is an escape that
            // was not needed or not undone.
            for p in ['_', '~', '>', '#', '&', '*', '[', ']', '<', '|', '`', '-'] {
                assert!(
                    !t.contains(&format!("\\{p}")),
                    "{root}: stray \\{p} in {t:?}"
                );
            }
            for e in ["&amp;", "&lt;", "&gt;", "&quot;", "&#"] {
                assert!(!t.contains(e), "{root}: entity {e} in {t:?}");
            }
        }
        assert!(texts > 50, "{root}: {texts} texts");
        assert!(
            !md.contains("` ") || !md.contains("(` "),
            "{root}: padded code span"
        );
        for wrong in ["1 blockers", "1 warnings"] {
            assert!(!md.contains(wrong), "{root}: {wrong}");
        }
    }
}

/// "Why not ready" first: fixes (one command each, for the host's own
/// package manager) before decisions and deciding unknowns, then the other
/// unknowns marked as not deciding; Alpine gets apk, not "(rpm) or (deb)".
#[test]
fn fixes_come_first_with_the_hosts_own_package_manager() {
    let md = report("alpine-openrc", &["--target", "aws-mgn"]);
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("no {s:?} in\n{md}"));
    assert!(at("## Fix on the host") < at("## Unknowns that decide the verdict"));
    assert!(at("## Unknowns that decide the verdict") < at("## Other unknowns"));
    assert!(at("## Other unknowns") < at("## Passed and informational"));
    assert!(md.contains("sudo apk add python3"), "{md}");
    // A directory input was told "sudo ./lift-probe" as if a probe had run.
    assert!(!md.contains("To resolve: sudo ./lift-probe"), "{md}");
    assert!(md.contains("To resolve: this input is a directory"), "{md}");
    assert!(!md.contains("(rpm) or"), "{md}");
    // Every command stands alone in its code block: no prose inside it.
    let mut lines = md.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "```sh" {
            let cmd = lines.next().unwrap().trim();
            assert!(cmd.starts_with("sudo "), "{cmd}");
            assert!(!cmd.contains(" (and "), "{cmd}");
            assert_eq!(lines.next().unwrap().trim(), "```");
        }
    }
    // The 32-bit host's "move to 64-bit" is a decision, not a fix.
    let i386 = report("debian12-i386", &["--target", "aws-mgn"]);
    let decide = i386.find("## Decide or re-platform").expect(&i386);
    let os = i386.find("(`mgn.os-supported`)").unwrap();
    assert!(os > decide, "{i386}");
    assert!(i386
        .find("## Fix on the host")
        .is_none_or(|f| f < decide || os < f));
}

/// `lift report vm.lift` said "ready for generic" for a host not ready
/// for aws-mgn: without --target the page is an inventory.
#[test]
fn without_a_target_the_report_is_an_inventory() {
    let md = report("centos6-sysv", &[]);
    assert!(
        md.starts_with("\n# c6-app01.example.lan: inventory")
            || md.starts_with("# c6-app01.example.lan: inventory"),
        "{}",
        &md[..200]
    );
    assert!(!md.contains("ready for"), "{md}");
    assert!(md.contains("--target aws-mgn"));
    for t in ["generic", "aws-mgn", "ec2", "openstack", "azure"] {
        assert!(md.contains(&format!("`{t}`")), "{t}");
    }
    let html = report("centos6-sysv", &["--format", "html"]);
    assert!(
        !html.contains("class=\"verdict"),
        "a verdict banner in the inventory"
    );
    assert!(html.contains("Inventory: no readiness verdict"));
    let with = report("centos6-sysv", &["--target", "generic", "--format", "html"]);
    assert!(with.contains("class=\"verdict"));
}

/// 13 cgroup and pseudo mounts at 0 B cluttered the storage table: they
/// fold into one line; HTML cells no longer break inside words.
#[test]
fn pseudo_mounts_fold_and_cells_do_not_break_words() {
    let md = report("centos6-sysv", &["--target", "aws-mgn"]);
    assert!(!md.contains("| /proc |"), "{md}");
    assert!(md.contains("7 pseudo and cgroup filesystems"), "{md}");
    let html = report("centos6-sysv", &["--target", "aws-mgn", "--format", "html"]);
    assert!(
        !html.contains("overflow-wrap: anywhere; }\nth"),
        "cells break anywhere"
    );
    let td = html.lines().find(|l| l.starts_with("th, td {")).unwrap();
    assert!(td.contains("overflow-wrap: normal"), "{td}");
    // A browser breaks after a hyphen ("multi-" / "user.target",
    // "systemd-network-" / "generator"): every hyphenated word in a cell
    // sits in a nowrap span, in every table of the page.
    assert!(
        html.contains(".nw { white-space: nowrap; }")
            || html.contains(", .nw { white-space: nowrap; }")
    );
    for root in ["debian12-systemd", "centos6-sysv"] {
        let html = report(root, &["--target", "aws-mgn", "--format", "html"]);
        assert!(html.contains("<span class=\"nw\">"), "{root}");
        let mut cells = 0;
        for cell in html.split("<td").skip(1).chain(html.split("<th").skip(1)) {
            let cell = &cell[..cell.find("</t").unwrap_or(cell.len())];
            let cell = &cell[cell.find('>').map_or(0, |i| i + 1)..];
            // What the spans keep whole, then the markup, go.
            let mut text = String::new();
            let mut rest = cell;
            while let Some(i) = rest.find("<span class=\"nw\">") {
                text.push_str(&rest[..i]);
                text.push(' ');
                let after = &rest[i..];
                rest = &after[after.find("</span>").unwrap() + 7..];
            }
            text.push_str(rest);
            let mut plain = String::new();
            let mut in_tag = false;
            for c in text.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        plain.push(' ');
                    }
                    c if !in_tag => plain.push(c),
                    _ => {}
                }
            }
            let plain = plain.replace("&#x2f;", "/");
            for word in plain.split(|c: char| c.is_whitespace() || c == '/' || c == ',') {
                assert!(
                    !word.contains('-') || word.chars().count() < 2,
                    "{root}: {word:?} can break at its hyphen in {cell:?}"
                );
            }
            cells += 1;
        }
        assert!(cells > 100, "{root}: {cells} cells");
    }
    let systemd = report(
        "debian12-systemd",
        &["--target", "aws-mgn", "--format", "html"],
    );
    assert!(
        systemd.contains("<span class=\"nw\">multi-user.target</span>"),
        "multi-user.target can break"
    );
}

/// On a bundle made with `--root DIR` free space was always unknown: the
/// probe takes the statvfs of DIR's own filesystem, and the report judges
/// it and says the figure is the image's.
#[test]
fn a_root_bundle_judges_free_space_from_the_image_filesystem() {
    let s = Scratch::new("todo-root");
    let out = s.join("alpine.lift");
    let root = fixture("alpine-openrc");
    let o = probe(Some(&root), &out, &["-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = report_json(&out, "aws-mgn");
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "mgn.root-free-space")
        .unwrap();
    assert_ne!(f["severity"], "unknown", "{f}");
    let detail = f["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!(
            "the image's filesystem, measured by statvfs at --root {}",
            root.canonicalize().unwrap().display()
        )),
        "{detail}"
    );
    // The figure is the fixture directory's filesystem's, as df sees it.
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    let c = std::ffi::CString::new(root.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path and room for one statvfs.
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) }, 0);
    // SAFETY: statvfs returned 0.
    let st = unsafe { st.assume_init() };
    let avail = st.f_bavail * st.f_frsize;
    let mounts = json["host"]["mounts"].as_array().unwrap();
    let slash = mounts.iter().find(|m| m["mount_point"] == "/").unwrap();
    let seen = slash["avail_bytes"].as_u64().unwrap();
    assert!(seen.abs_diff(avail) < 256 << 20, "{seen} vs {avail}");
    assert!(
        slash["image_statvfs"]
            .as_str()
            .unwrap()
            .ends_with("alpine-openrc"),
        "{slash}"
    );
    let md =
        String::from_utf8(lift(&["report", out.to_str().unwrap(), "--target", "aws-mgn"]).stdout)
            .unwrap();
    assert!(md.contains("the image's filesystem"), "{md}");
}

/// DIR/tmp mounted on its own is measured as the image's /tmp.
#[test]
fn a_root_bundle_measures_a_separate_tmp_mount() {
    if !require(is_root() && on_path("mount"), "needs root to mount a tmpfs") {
        return;
    }
    let s = Scratch::new("todo-root-tmp");
    let root = s.join("img");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    let tmp = root.join("tmp");
    let m = run(Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&tmp));
    if !require(
        m.status.success(),
        "mount -t tmpfs failed (no CAP_SYS_ADMIN)",
    ) {
        return;
    }
    let out = s.join("img.lift");
    let o = probe(Some(&root), &out, &["-q"]);
    let _ = run(Command::new("umount").arg(&tmp));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = report_json(&out, "aws-mgn");
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "mgn.tmp-free-space")
        .unwrap();
    assert_eq!(f["severity"], "blocker", "{f}");
    let detail = f["detail"].as_str().unwrap();
    assert!(detail.starts_with("64 MiB available on /tmp"), "{detail}");
    assert!(
        detail.contains("(tmpfs)") && detail.contains("the image's filesystem"),
        "{detail}"
    );
}

/// A 763-package table filled a ticket: Markdown leaves the list out
/// unless `--packages`; `--findings-only` keeps the verdict and the to-do
/// list alone.
#[test]
fn packages_behind_a_flag_and_findings_only() {
    let md = report("debian12-systemd", &["--target", "aws-mgn"]);
    assert!(
        !md.contains("| Name | Version | Arch | Manager |"),
        "the package table"
    );
    assert!(md.contains("packages are left out here: `lift report INPUT --packages` lists them"));
    let all = report("debian12-systemd", &["--target", "aws-mgn", "--packages"]);
    let json = report_json(&fixture("debian12-systemd"), "aws-mgn");
    let n = json["host"]["packages"].as_array().unwrap().len();
    let rows = all
        .lines()
        .skip_while(|l| !l.starts_with("| Name | Version | Arch | Manager |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .count();
    assert_eq!(rows, n);
    let short = report(
        "debian12-systemd",
        &["--target", "aws-mgn", "--findings-only"],
    );
    assert!(short.contains("## Fix on the host"), "{short}");
    for gone in ["## Host", "## Mounts", "## Packages", "## Inventory"] {
        assert!(!short.contains(gone), "{gone} in --findings-only");
    }
    let html = report(
        "debian12-systemd",
        &["--target", "aws-mgn", "--format", "html", "--findings-only"],
    );
    assert!(html.contains("Why not ready") && !html.contains("<h2>Mounts</h2>"));
}

/// Read as a newcomer would: each item of the to-do list says whether it
/// blocks (HTML showed it, Markdown did not), the words beside a command
/// keep their case ("a python script"), the page ends its last line, and
/// a directory read as it is was said to be "collected by lift-probe ?".
#[test]
fn to_do_items_say_their_severity_and_a_directory_no_probe() {
    let md = report("alpine-openrc", &["--target", "aws-mgn"]);
    assert!(
        md.contains("- blocker: **Python interpreter** (`mgn.python`)"),
        "{md}"
    );
    assert!(md.contains("- warning: **Build tools"), "{md}");
    assert!(md.contains("- unknown: **Package databases**"), "{md}");
    assert!(md.contains("The installer is a Python script."), "{md}");
    assert!(md.ends_with("</sub>\n"), "{:?}", &md[md.len() - 40..]);
    // A sentence after a full stop starts with a capital.
    assert!(
        md.contains("headroom. Not sized: the host's CPU count or memory is not known"),
        "{md}"
    );
    assert!(!md.contains("lift-probe ?"), "{md}");
    assert!(md.contains("| Collected | no lift-probe ran: read as it is (directory) |"));
    let html = report(
        "alpine-openrc",
        &["--target", "aws-mgn", "--format", "html"],
    );
    assert!(!html.contains("lift-probe ?"));
    // The sudo rule is one command with the words beside it, not prose
    // and a shell comment in one line.
    let c6 = report("centos6-sysv", &["--target", "aws-mgn"]);
    assert!(
        c6.contains("  sudo visudo -f /etc/sudoers.d/mgn-install\n"),
        "{c6}"
    );
    assert!(c6.contains("Add the line USER ALL=(ALL) ALL in it"), "{c6}");
    assert!(!c6.contains("# add:"), "{c6}");
}

/// The heading over the to-do list said "Why not ready" over a
/// conditionally-ready host: it follows the verdict.
#[test]
fn the_to_do_heading_follows_the_verdict() {
    let conditional = report(
        "sos-hotsos-openstack",
        &["--target", "generic", "--format", "html"],
    );
    assert!(
        conditional.contains("verdict conditionally-ready"),
        "the verdict moved"
    );
    assert!(conditional.contains("<h2>Before the move</h2>"));
    assert!(!conditional.contains("Why not ready"));
    let unknown = report("centos6-sysv", &["--target", "generic", "--format", "html"]);
    assert!(unknown.contains("<h2>Why the verdict is unknown</h2>"));
    let not_ready = report("centos6-sysv", &["--target", "aws-mgn", "--format", "html"]);
    assert!(not_ready.contains("<h2>Why not ready</h2>"));
}
