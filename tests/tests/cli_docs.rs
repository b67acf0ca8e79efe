//! `lift completions SHELL` and `lift man`: bash completes every subcommand
//! that `lift --help` lists, and the manual pages are roff that groff
//! renders without a warning, naming every subcommand.

use std::process::{Command, Output};

use lift_tests::*;

/// The subcommands `lift ARGS --help` lists under "Commands:".
fn subcommands(args: &[&str]) -> Vec<String> {
    let o = lift(&[args, &["--help"]].concat());
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn stdout(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("UTF-8")
}

/// What bash offers after `lift WORDS... <TAB>`, from the script as a
/// shell would load it.
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let line = ["lift"].iter().chain(words).copied().collect::<Vec<_>>();
    let program = format!(
        "{script}\nCOMP_WORDS=({} '')\nCOMP_CWORD={}\n_lift lift '' {}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        line.join(" "),
        line.len(),
        line.last().unwrap(),
    );
    let o = run(Command::new("bash").args(["--norc", "-c", &program]));
    stdout(o).lines().map(str::to_owned).collect()
}

#[test]
fn bash_completes_every_subcommand() {
    if !require(on_path("bash"), "needs bash") {
        return;
    }
    let script = stdout(lift(&["completions", "bash"]));
    for words in [&[][..], &["bundle"][..]] {
        let listed = subcommands(words);
        assert!(listed.len() > 5, "lift {words:?} --help: {listed:?}");
        let offered = bash_completes(&script, words);
        for name in &listed {
            assert!(
                offered.contains(name),
                "lift {words:?} <TAB> does not offer {name}: {offered:?}"
            );
        }
    }
}

#[test]
fn zsh_and_fish_completions_name_every_subcommand() {
    let listed = subcommands(&[]);
    for shell in ["zsh", "fish"] {
        let script = stdout(lift(&["completions", shell]));
        for name in &listed {
            assert!(
                script.contains(&format!("\"{name}\"")) || script.contains(&format!("'{name}")),
                "{shell} completion lacks {name}"
            );
        }
    }
    let o = lift(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(64),
        "an unknown shell is a usage error"
    );
}

/// `groff -man` renders a page without a warning (`-ww` turns them all on);
/// returns the text, plain (`-P-cbou`: no bold or underline).
fn render(page: &[u8]) -> String {
    let mut child = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .env("LC_ALL", "C.UTF-8")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("groff");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), page).unwrap();
    let o = child.wait_with_output().unwrap();
    let warnings = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && warnings.is_empty(),
        "groff: {warnings}"
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn man_page_is_roff_naming_every_subcommand() {
    if !require(on_path("groff"), "needs groff (groff-base)") {
        return;
    }
    let page = lift(&["man"]);
    assert!(page.status.success());
    assert!(page.stdout.starts_with(b".ie"), "not roff");
    assert!(contains(&page.stdout, b"\n.TH lift 1"), "no .TH title");
    let text = render(&page.stdout);
    for name in subcommands(&[]).iter().filter(|n| *n != "help") {
        // groff may hyphenate with U+2010; the page names lift-NAME(1).
        let name = format!("lift-{name}(1)");
        assert!(
            text.replace('\u{2010}', "-").contains(&name),
            "the page does not name {name}"
        );
    }
}

#[test]
fn man_dir_has_a_page_for_every_subcommand() {
    if !require(on_path("groff"), "needs groff (groff-base)") {
        return;
    }
    let s = Scratch::new("man");
    let o = lift(&["man", "--dir", s.0.to_str().unwrap()]);
    assert!(o.status.success());
    let mut expected: Vec<String> = vec!["lift.1".into()];
    for sub in subcommands(&[]).iter().filter(|n| *n != "help") {
        expected.push(format!("lift-{sub}.1"));
    }
    for sub in subcommands(&["bundle"]).iter().filter(|n| *n != "help") {
        expected.push(format!("lift-bundle-{sub}.1"));
    }
    let mut written: Vec<String> = std::fs::read_dir(&s.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    expected.sort();
    assert_eq!(written, expected);
    for page in &written {
        let text = render(&std::fs::read(s.join(page)).unwrap());
        assert!(text.contains("SYNOPSIS"), "{page} has no synopsis");
    }
}
