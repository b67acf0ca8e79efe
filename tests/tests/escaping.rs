//! Every string from a bundle is hostile: a host, a service and a package
//! whose names carry HTML and Markdown syntax stay plain text in reports.

use std::process::Command;

use lift_tests::*;

const HOST: &str = "web<script>alert(1)</script>|*`x`";
const SERVICE: &str = "evil|svc*`<b>`";
const PACKAGE: &str = "pkg<img src=x onerror=alert(2)>|*";
/// A search domain: shown in the "Depends on" section.
const DOMAIN: &str = "corp<script>alert(3)</script>|*`lan`";

fn hostile_tree(s: &Scratch) -> std::path::PathBuf {
    let root = s.join("root");
    let w = |rel: &str, body: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    w("etc/hostname", &format!("{HOST}\n"));
    w(
        "etc/os-release",
        "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian <i>12</i>\"\n",
    );
    w("sbin/init", "");
    w(
        "etc/resolv.conf",
        &format!("search {DOMAIN}\nnameserver 10.1.0.2\n"),
    );
    // A SysV service, enabled in runlevel 2, with the hostile name.
    w(&format!("etc/init.d/{SERVICE}"), "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: evil\n# Default-Start: 2 3 4 5\n### END INIT INFO\n");
    std::fs::create_dir_all(root.join("etc/rc2.d")).unwrap();
    std::os::unix::fs::symlink(
        format!("../init.d/{SERVICE}"),
        root.join(format!("etc/rc2.d/S01{SERVICE}")),
    )
    .unwrap();
    w(
        "var/lib/dpkg/status",
        &format!("Package: {PACKAGE}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n"),
    );
    root
}

fn report(input: &std::path::Path, format: &str) -> String {
    let o = run(Command::new(bin("lift"))
        .arg("report")
        .arg(input)
        .args(["--format", format])
        // Markdown lists every package only when asked.
        .args(if format == "md" {
            &["--packages"][..]
        } else {
            &[]
        }));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn hostile_names_are_text_in_html_and_markdown() {
    let s = Scratch::new("escaping");
    let root = hostile_tree(&s);
    // Through a bundle too, as the analyst receives it.
    let bundle = s.join("hostile.lift");
    probe(Some(&root), &bundle, &["-q"]);
    for input in [root.as_path(), bundle.as_path()] {
        let json: serde_json::Value = serde_json::from_str(&report(input, "json")).unwrap();
        assert_eq!(
            json["host"]["hostname"], HOST,
            "the model keeps the name as it is"
        );
        let services = json["host"]["services"].as_array().expect("services");
        assert!(
            services.iter().any(|v| v["name"] == SERVICE),
            "{services:?}"
        );
        assert!(json["host"]["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == PACKAGE));
        let deps = json["host"]["dependencies"]
            .as_array()
            .expect("dependencies");
        assert!(deps.iter().any(|d| d["target"] == DOMAIN), "{deps:?}");

        let html = report(input, "html");
        assert!(!html.contains("<script"), "raw <script> in the HTML report");
        assert!(!html.contains("<img"), "raw <img> in the HTML report");
        assert!(!html.contains("<i>12"), "raw <i> in the HTML report");
        assert!(
            html.contains("web&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "hostname not escaped as text"
        );
        assert!(
            html.contains("evil|svc*`&lt;b&gt;`"),
            "service name not shown as text"
        );
        assert!(
            html.contains("pkg&lt;img src=x onerror=alert(2)&gt;|*"),
            "package name not shown as text"
        );
        assert!(
            html.contains("corp&lt;script&gt;alert(3)&lt;&#x2f;script&gt;|*`lan`"),
            "search domain not shown as text"
        );

        let md = report(input, "md");
        assert!(
            md.contains(r"web\<script>alert(1)\</script>\|\*\`x\`"),
            "hostname in Markdown"
        );
        assert!(
            md.contains(r"evil\|svc\*\`\<b>\`"),
            "service name in Markdown"
        );
        assert!(
            md.contains(r"pkg\<img src=x onerror=alert(2)>\|\*"),
            "package name in Markdown"
        );
        assert!(
            md.contains(r"corp\<script>alert(3)\</script>\|\*\`lan\`"),
            "search domain in Markdown"
        );
        // No table row gains a column from a `|` in a name.
        for line in md.lines().filter(|l| l.contains("svc")) {
            let unescaped = line
                .match_indices('|')
                .filter(|(i, _)| !line[..*i].ends_with('\\'))
                .count();
            let header = md
                .lines()
                .find(|l| l.starts_with("| Name") || l.starts_with("| Service"))
                .map(|h| h.matches('|').count());
            if let Some(cols) = header {
                assert!(unescaped <= cols, "{line}");
            }
        }
    }
}
