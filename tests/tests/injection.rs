//! Injection through bundle strings (issue 14, C): a hostname that is a
//! spreadsheet formula, a unit name that is HTML inside a Markdown report's
//! raw `<summary>`, file names that are terminal escape sequences.

use std::path::{Path, PathBuf};
use std::process::Command;

use lift_tests::*;

fn write(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn tree_with_hostname(s: &Scratch, name: &str, hostname: &str) -> PathBuf {
    let root = s.join(name);
    write(&root, "etc/hostname", &format!("{hostname}\n"));
    write(&root, "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    root
}

/// C1: fleet.csv cells that start with `=`, `+`, `-` or `@` were live
/// formulas. Read back as a spreadsheet would (Python's csv module), no
/// cell starts with a formula character.
#[test]
fn fleet_csv_holds_no_live_formula() {
    let s = Scratch::new("csv-injection");
    let hostile = [
        "=HYPERLINK(\"http://evil.example/\",\"click\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    std::fs::create_dir(s.join("in")).unwrap();
    for (i, h) in hostile.iter().enumerate() {
        let root = tree_with_hostname(&s, &format!("root{i}"), h);
        probe(Some(&root), &s.join(&format!("in/h{i}.lift")), &["-q"]);
    }
    let out = s.join("out");
    let o = lift(&[
        "batch",
        s.join("in").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let script = r#"
import csv, sys, json
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(json.dumps(rows))
"#;
    let o = run(Command::new("python3")
        .args(["-c", script])
        .arg(out.join("fleet.csv")));
    assert!(
        o.status.success(),
        "python3: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows: Vec<Vec<String>> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.len(), 1 + hostile.len(), "{rows:?}");
    let hostname = rows[0].iter().position(|c| c == "hostname").unwrap();
    let mut names: Vec<&str> = rows[1..].iter().map(|r| r[hostname].as_str()).collect();
    names.sort();
    let mut want: Vec<String> = hostile.iter().map(|h| format!("'{h}")).collect();
    want.sort();
    assert_eq!(names, want, "the value is kept, behind a quote");
    for row in &rows[1..] {
        for cell in row {
            assert!(
                !cell
                    .trim_start()
                    .starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula in fleet.csv: {cell:?}"
            );
        }
    }
}

/// C2: the default target's name sat inside a raw `<details><summary>`
/// block, where Markdown escaping does not apply. Rendered by pulldown-cmark
/// (raw HTML passed through, as a Markdown viewer before its sanitizer),
/// the report holds no tag from the bundle.
#[test]
fn markdown_report_injects_no_html() {
    let s = Scratch::new("md-injection");
    let root = tree_with_hostname(&s, "root", "web<img src=x onerror=alert(0)>");
    let evil = "x<img src=x onerror=alert(1)>.target";
    write(
        &root,
        &format!("lib/systemd/system/{evil}"),
        "[Unit]\nWants=ssh.service\n",
    );
    write(
        &root,
        "lib/systemd/system/ssh.service",
        "[Service]\nExecStart=/usr/sbin/sshd -D\n",
    );
    write(&root, "sbin/init", "");
    std::fs::create_dir_all(root.join("etc/systemd/system")).unwrap();
    std::os::unix::fs::symlink(
        format!("/lib/systemd/system/{evil}"),
        root.join("etc/systemd/system/default.target"),
    )
    .unwrap();
    let bundle = s.join("evil.lift");
    probe(Some(&root), &bundle, &["-q"]);
    for input in [root.as_path(), bundle.as_path()] {
        let o = lift(&["report", input.to_str().unwrap(), "--format", "md"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let md = String::from_utf8(o.stdout).unwrap();
        assert!(
            md.contains("<details><summary>Dependencies of "),
            "the tree is shown:\n{md}"
        );
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&md));
        assert!(!html.contains("<img"), "an injected tag:\n{html}");
        assert!(
            html.contains("x&lt;img src=x onerror=alert(1)&gt;.target"),
            "the name is shown as text:\n{html}"
        );
    }
}

/// C3: `lift bundle ls` printed ESC/OSC sequences from file names and link
/// targets as they were; nothing from a bundle reaches the terminal raw.
#[test]
fn terminal_output_escapes_control_characters() {
    let s = Scratch::new("tty-injection");
    let root = tree_with_hostname(&s, "root", "web\x1b]0;owned\x07\u{9b}31m\u{202e}");
    let osc = "evil\x1b]0;owned\x07\r\u{9b}2J\u{202e}";
    write(&root, &format!("etc/cron.d/{osc}"), "* * * * * root true\n");
    std::os::unix::fs::symlink(format!("/x\x1b[2J{osc}"), root.join("etc/evil-link")).unwrap();
    let bundle = s.join("b.lift");
    probe(Some(&root), &bundle, &["-q"]);
    // The same bundle in JSON form, with an unreadable file whose error
    // message is an escape sequence.
    let o = lift(&["bundle", "to-json", bundle.to_str().unwrap()]);
    assert!(o.status.success());
    let mut j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for r in j["records"].as_array_mut().unwrap() {
        if let Some(e) = r.get_mut("Entry") {
            if e["path"] == "L2V0Yy9ob3N0bmFtZQ==" {
                e["content"] = serde_json::json!({"Error": {"errno": 13, "message": osc}});
            }
        }
    }
    let json = s.join("b.lift.json");
    std::fs::write(&json, serde_json::to_vec(&j).unwrap()).unwrap();
    let (b, js) = (bundle.to_str().unwrap(), json.to_str().unwrap());
    for args in [
        vec!["bundle", "ls", b],
        vec!["bundle", "ls", js],
        vec!["bundle", "cat", js, "/etc/hostname"],
        vec!["bundle", "cat", b, &format!("/etc/cron.d/{osc}/x")],
        vec!["bundle", "verify", b],
        vec!["bundle", "to-json", b],
        vec!["report", b, "--format", "md"],
        vec!["report", b, "--format", "html"],
        vec!["report", b, "--format", "json"],
        vec!["diff", b, js, "--format", "json"],
    ] {
        let o = lift(&args);
        for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            let raw: Vec<char> = text
                .chars()
                .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}')
                .collect();
            assert!(raw.is_empty(), "{args:?} {stream}: raw {raw:?} in {text:?}");
        }
    }
    let ls = String::from_utf8(lift(&["bundle", "ls", b]).stdout).unwrap();
    assert!(
        ls.contains("evil\\x1b]0;owned\\x07\\x0d\\x9b2J\\u{202e}"),
        "{ls}"
    );
    let cat = lift(&["bundle", "cat", js, "/etc/hostname"]);
    assert!(String::from_utf8_lossy(&cat.stderr).contains("could not read it: evil\\x1b]0;owned"));
}

/// C4: `web/01` and `web_01` were one host id, and one report was hidden as
/// "superseded". Hosts are one real hostname and machine-id; ids are the
/// name and a short hash.
#[test]
fn host_ids_are_unique_and_dedupe_on_hostname_and_machine_id() {
    use lift_tests::hostile::{file, header, write};
    let s = Scratch::new("host-ids");
    let input = s.join("in");
    std::fs::create_dir(&input).unwrap();
    let bundle = |file_name: &str, hostname: &str, machine: &str, secs: i64| {
        let mut h = header(hostname);
        if let lift_bundle::Record::Header(h) = &mut h {
            h.started_at.secs = secs;
        }
        let mut records = vec![h, file("/etc/hostname", format!("{hostname}\n").as_bytes())];
        if !machine.is_empty() {
            records.push(file("/etc/machine-id", format!("{machine}\n").as_bytes()));
        }
        write(&input.join(file_name), records);
    };
    bundle("a.lift", "web/01", "", 1);
    bundle("b.lift", "web_01", "", 1);
    // Two machines named db (cloned names, new machine-ids)...
    bundle("c.lift", "db", "0123456789abcdef0123456789abcdef", 1);
    bundle("d.lift", "db", "fedcba9876543210fedcba9876543210", 1);
    // ... and the first of them probed again later: one host, two bundles.
    bundle("e.lift", "db", "0123456789abcdef0123456789abcdef", 2);
    let out = s.join("out");
    let o = lift(&[
        "batch",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("5 bundles, 4 hosts, 0 unreadable, 1 superseded"),
        "{said}"
    );
    let mut reports: Vec<String> = std::fs::read_dir(out.join("hosts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    reports.sort();
    assert_eq!(reports.len(), 4, "{reports:?}");
    for r in &reports {
        let (name, hash) = r.trim_end_matches(".json").rsplit_once('-').unwrap();
        assert!(name == "web_01" || name == "db", "{r}");
        assert!(
            hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{r}"
        );
    }
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    let db_rows: Vec<&str> = csv.lines().filter(|l| l.starts_with("db-")).collect();
    assert_eq!(db_rows.len(), 2, "{csv}");
    // The bundle and other_bundles columns, by name (more columns follow).
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert!(
        db_rows.iter().any(|l| {
            let f: Vec<&str> = l.split(',').collect();
            f[at("bundle")].ends_with("e.lift") && f[at("other_bundles")].ends_with("c.lift")
        }),
        "the later bundle is kept, the earlier listed beside it: {csv}"
    );
}
