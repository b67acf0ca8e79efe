//! `--target aws-mgn` end to end: `lift check` exit codes on ready,
//! conditionally ready, not-ready, unknown and unreadable inputs, and the
//! reports for a hostile bundle in Markdown and in a real browser.

use std::path::Path;

use lift_tests::{
    boot_sector, browser, copy_tree, fixture, lift, partition_sector, probe_bundle, statvfs, uname,
    Scratch,
};

const GIB: u64 = 1 << 30;
const RELEASE: &str = "6.1.0-18-amd64";

/// fixtures/mgn/ready-debian12 through the probe, with a GRUB 2 boot
/// sector and room on /.
fn ready_bundle(s: &Scratch, root: &Path, name: &str) -> String {
    let out = s.join(name);
    probe_bundle(
        root,
        vec![
            uname("mgn-ready", RELEASE),
            statvfs("/", 8 * GIB),
            boot_sector("/dev/vda", "grub2-boot.img"),
        ],
        true,
        &out,
    );
    out.to_string_lossy().into_owned()
}

fn check(args: &[&str]) -> (i32, String) {
    let o = lift(&[&["check"], args].concat());
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn check_exit_codes() {
    let s = Scratch::new("check");
    let ready = ready_bundle(&s, &fixture("mgn/ready-debian12"), "ready.json");
    assert_eq!(
        check(&[&ready, "--target", "aws-mgn"]),
        (0, format!("{ready}: ready for aws-mgn\n"))
    );
    assert_eq!(
        check(&[&ready, "--target", "aws-mgn", "--fail-on", "warning"]).0,
        0
    );

    // The same host with NetworkManager randomizing MACs: a warning only.
    let copy = s.join("nm-random");
    copy_tree(&fixture("mgn/ready-debian12"), &copy);
    std::fs::create_dir_all(copy.join("etc/NetworkManager/conf.d")).unwrap();
    std::fs::write(
        copy.join("etc/NetworkManager/conf.d/30-mac-randomization.conf"),
        "[connection-mac-randomization]\nethernet.cloned-mac-address=random\n",
    )
    .unwrap();
    let warned = ready_bundle(&s, &copy, "warned.json");
    let (code, out) = check(&[&warned, "--target", "aws-mgn"]);
    assert_eq!(
        (
            code,
            out.lines()
                .next()
                .unwrap_or("")
                .ends_with("conditionally-ready for aws-mgn")
        ),
        (0, true),
        "{out}"
    );
    assert_eq!(
        check(&[&warned, "--target", "aws-mgn", "--fail-on", "warning"]).0,
        1
    );

    // CentOS 6 with /tmp noexec and no kernel headers: not ready.
    let c6 = fixture("centos6-sysv");
    let (code, out) = check(&[c6.to_str().unwrap(), "--target", "aws-mgn"]);
    assert_eq!(
        (
            code,
            out.lines()
                .next()
                .unwrap_or("")
                .ends_with("not-ready for aws-mgn")
        ),
        (1, true),
        "{out}"
    );

    // A directory tree has no statvfs: free space is unknown, nothing blocks.
    let tree = fixture("mgn/ready-debian12");
    let (code, out) = check(&[tree.to_str().unwrap(), "--target", "aws-mgn"]);
    assert_eq!(
        (
            code,
            out.lines()
                .next()
                .unwrap_or("")
                .ends_with("unknown for aws-mgn")
        ),
        (3, true),
        "{out}"
    );

    // Unreadable input: not a bundle, and absent.
    let junk = s.join("junk.lift");
    std::fs::write(&junk, b"LIFTBNDL\x01\x00\x00\x00not zstd").unwrap();
    assert_eq!(check(&[junk.to_str().unwrap(), "--target", "aws-mgn"]).0, 2);
    assert_eq!(
        check(&["/nonexistent/host.lift", "--target", "aws-mgn"]).0,
        2
    );
}

const HOSTILE_HOST: &str = "<script>alert(1)</script>|`tick`*star*";
const HOSTILE_USER: &str = "<img/src=x/onerror=alert(2)>|`u`*x*";

/// A host whose name and a sudoers user carry HTML and Markdown syntax,
/// not ready (the CentOS 6 tree), as a bundle.
fn hostile_bundle(s: &Scratch) -> String {
    let root = s.join("hostile-root");
    copy_tree(&fixture("centos6-sysv"), &root);
    std::fs::write(
        root.join("etc/sudoers"),
        format!("root ALL=(ALL) ALL\n{HOSTILE_USER} ALL=(ALL) ALL\n"),
    )
    .unwrap();
    let out = s.join("hostile.json");
    probe_bundle(
        &root,
        vec![uname(HOSTILE_HOST, "2.6.32-754.35.1.el6.x86_64")],
        false,
        &out,
    );
    out.to_string_lossy().into_owned()
}

#[test]
fn markdown_shows_hostile_names_as_text() {
    let s = Scratch::new("md");
    let b = hostile_bundle(&s);
    let o = lift(&["report", &b, "--target", "aws-mgn", "--format", "md"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = String::from_utf8(o.stdout).unwrap();
    // Every Markdown-active character is backslash-escaped, so `<` is text
    // (CommonMark renders `\<` as `<`, never as a tag; `>` then opens
    // nothing).
    assert_eq!(
        md.lines().next(),
        Some("# \\<script>alert(1)\\</script>\\|\\`tick\\`\\*star\\*: not-ready for aws-mgn")
    );
    assert!(
        md.contains("sudo gives full rights to \\<img/src=x/onerror=alert(2)>\\|\\`u\\`\\*x\\*")
    );
    for tag in ["<script", "<img", "</script"] {
        for (i, _) in md.match_indices(tag) {
            assert_eq!(&md[i - 1..i], "\\", "unescaped {tag} at byte {i}");
        }
    }
    assert!(!md.contains("|`"), "unescaped pipe or backtick");
}

#[test]
fn html_report_in_a_real_browser() {
    let s = Scratch::new("html");
    let b = hostile_bundle(&s);
    let html = s.join("hostile.html");
    let o = lift(&[
        "report",
        &b,
        "--target",
        "aws-mgn",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!page.contains("<script>") && !page.contains("<img"));
    // Order: verdict, blockers, then passed (collapsed), then the inventory.
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("class=\"verdict not-ready\"") < at("sev blocker"));
    assert!(at("sev blocker") < at("<summary>Passed"));
    assert!(at("<summary>Passed") < at("<h2>Host</h2>"));

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mgn-report.png");
    let o = browser(
        &html,
        &[
            "--screenshot=".to_string() + shot.to_str().unwrap(),
            "--window-size=1200,2000".into(),
        ]
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
        &s.join("profile1"),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console errors: {console:?}");
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot at {}",
        shot.display()
    );
    eprintln!("screenshot: {}", shot.display());

    let o = browser(&html, &["--dump-dom"], &s.join("profile2"));
    let dom = String::from_utf8_lossy(&o.stdout);
    // The browser parsed the names as text: escaped again in the DOM dump,
    // with no element made from them.
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;|`tick`*star*"),
        "{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(
        dom.contains("&lt;img/src=x/onerror=alert(2)&gt;|`u`*x*"),
        "sudoers user not shown as text"
    );
    assert!(!dom.contains("<img"));
}

/// Exit codes follow the verdicts of issue 12: an empty (GPT protective)
/// MBR in front of GRUB's configuration is still ready; a headers
/// directory with neither Makefile nor include/ is not; a 32-bit root is
/// not.
#[test]
fn corrected_verdicts_exit_codes() {
    let s = Scratch::new("verdicts");
    let root = fixture("mgn/ready-debian12");
    let gpt = s.join("gpt.json");
    probe_bundle(
        &root,
        vec![
            uname("mgn-ready", RELEASE),
            statvfs("/", 8 * GIB),
            boot_sector("/dev/vda", "gpt-protective-mbr.bin"),
        ],
        true,
        &gpt,
    );
    let gpt = gpt.to_string_lossy().into_owned();
    assert_eq!(
        check(&[&gpt, "--target", "aws-mgn"]),
        (0, format!("{gpt}: ready for aws-mgn\n"))
    );

    // EXTLINUX in the partition behind SYSLINUX's chain-loading MBR, on a
    // root that also keeps GRUB's files: the evidence disagrees, unknown
    // (exit 3), not a blocker. Without GRUB's files it is EXTLINUX: a
    // blocker.
    let extlinux_facts = || {
        vec![
            uname("mgn-ready", RELEASE),
            statvfs("/", 8 * GIB),
            boot_sector("/dev/sda", "syslinux-mbr.bin"),
            partition_sector("/dev/sda1", "extlinux-6.04-ext4-vbr.bin"),
        ]
    };
    let both = s.join("both.json");
    probe_bundle(&root, extlinux_facts(), true, &both);
    let both = both.to_string_lossy().into_owned();
    let (code, out) = check(&[&both, "--target", "aws-mgn"]);
    assert_eq!(
        (code, out.lines().next()),
        (3, Some(format!("{both}: unknown for aws-mgn").as_str()))
    );
    // The unknown that decides it follows, one line.
    assert!(out.contains("\n  unknown  mgn.bootloader: "), "{out}");
    let only = s.join("extlinux-only");
    copy_tree(&root, &only);
    std::fs::remove_dir_all(only.join("boot/grub")).unwrap();
    std::fs::create_dir_all(only.join("boot/extlinux")).unwrap();
    std::fs::write(only.join("boot/extlinux/extlinux.conf"), "DEFAULT linux\n").unwrap();
    let ext = s.join("extlinux.json");
    probe_bundle(&only, extlinux_facts(), true, &ext);
    let ext = ext.to_string_lossy().into_owned();
    let (code, out) = check(&[&ext, "--target", "aws-mgn"]);
    assert_eq!(
        (
            code,
            out.lines()
                .next()
                .unwrap_or("")
                .ends_with("not-ready for aws-mgn")
        ),
        (1, true),
        "{out}"
    );
    let report = lift(&["report", &ext, "--target", "aws-mgn", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(v["host"]["boot"]["loader"], "extlinux");
    assert_eq!(v["host"]["boot"]["decided_by"], "partition-boot-record");

    let copy = s.join("leftover");
    copy_tree(&root, &copy);
    let tree = copy.join(format!("usr/src/linux-headers-{RELEASE}"));
    std::fs::remove_dir_all(&tree).unwrap();
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join(".cache.mk"), b"").unwrap();
    let leftover = ready_bundle(&s, &copy, "leftover.json");
    let (code, out) = check(&[&leftover, "--target", "aws-mgn"]);
    assert_eq!(
        (
            code,
            out.lines()
                .next()
                .unwrap_or("")
                .ends_with("not-ready for aws-mgn")
        ),
        (1, true),
        "{out}"
    );

    let i386 = fixture("debian12-i386");
    let (code, out) = check(&[i386.to_str().unwrap(), "--target", "aws-mgn"]);
    assert_eq!(
        (
            code,
            out.lines()
                .next()
                .unwrap_or("")
                .ends_with("not-ready for aws-mgn")
        ),
        (1, true),
        "{out}"
    );
}
