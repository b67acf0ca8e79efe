//! Manual pages: clap_mangen's sections, then EXAMPLES and EXIT STATUS for
//! lift(1) and every subcommand's page (one table, keyed by page name).

use std::io::Write;
use std::path::Path;

use clap::Command;
use clap_mangen::Man;

/// Exit status, as every page and `lift --help` state it.
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success; for lift check, ready or conditionally ready."),
    ("1", "lift check: not ready (with --fail-on warning, also conditionally ready)."),
    ("2", "An input that cannot be read or is not a bundle, its JSON form, a root filesystem or a sosreport; an output that cannot be written."),
    ("3", "lift check: unknown (a check the verdict needs could not judge)."),
    ("64", "A usage error: an unknown option or value, a missing argument, --format and the -o suffix naming different formats."),
];

/// Examples per page (`lift`, `lift-report`, `lift-bundle-ls`, ...).
fn examples(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "lift" => &[
            (
                "sudo ./lift-probe -o /tmp/web01.lift",
                "On the host: collect the facts into a bundle.",
            ),
            (
                "lift report /tmp/web01.lift --target aws-mgn -o web01.html",
                "The readiness report for AWS MGN, as HTML.",
            ),
            (
                "lift check /tmp/web01.lift --target aws-mgn",
                "The verdict, its blockers and deciding unknowns; the exit status says it.",
            ),
            (
                "lift batch bundles/ -o fleet/ --target ec2",
                "Reports for a fleet, with an overview in fleet/index.html.",
            ),
        ],
        "lift-report" => &[
            (
                "lift report web01.lift",
                "An inventory of the host (no verdict: name a --target for one).",
            ),
            (
                "lift report web01.lift --target aws-mgn -o web01.html",
                "Readiness for AWS MGN, as HTML (the format from the suffix).",
            ),
            (
                "lift report /mnt/image --target ec2 --format json",
                "A mounted image's root, as JSON on standard output.",
            ),
            (
                "lift report sosreport-web01.tar.xz --target azure -o web01.md",
                "A sosreport as it comes.",
            ),
        ],
        "lift-check" => &[
            (
                "lift check web01.lift --target aws-mgn",
                "Prints the verdict, then one line per blocker and deciding unknown (for a conditionally-ready verdict, per warning).",
            ),
            (
                "lift check web01.lift --target aws-mgn --fail-on warning || echo not yet",
                "Fails on warnings too.",
            ),
        ],
        "lift-batch" => &[
            (
                "lift batch bundles/ -o fleet/ --target aws-mgn",
                "Every bundle under bundles/; open fleet/index.html.",
            ),
            (
                "lift batch a.lift b.lift -o fleet/ --jobs 2",
                "Two bundles, two at a time.",
            ),
            (
                "lift batch bundles/ -o fleet/ --identity ~/.lift/analyst.key",
                "Bundles encrypted for you (*.lift.age) among them.",
            ),
        ],
        "lift-diff" => &[(
            "lift diff before.lift after.lift --target ec2 -o diff.html",
            "What the migration changed, expected for EC2 or not.",
        )],
        "lift-bundle" => &[
            (
                "lift bundle ls web01.lift | less",
                "Every entry of a bundle.",
            ),
            (
                "lift bundle verify *.lift",
                "Read every record of each bundle; exit 2 if one is damaged.",
            ),
        ],
        "lift-bundle-ls" => &[(
            "lift bundle ls web01.lift",
            "Kind, mode, size, what was captured, path.",
        )],
        "lift-bundle-cat" => &[(
            "lift bundle cat web01.lift /etc/fstab",
            "One captured file.",
        )],
        "lift-bundle-verify" => &[(
            "lift bundle verify web01.lift db01.lift",
            "Exit 2 if any is damaged.",
        )],
        "lift-bundle-unpack" => &[(
            "lift bundle unpack web01.lift /tmp/web01",
            "The captured tree under /tmp/web01.",
        )],
        "lift-bundle-to-json" => &[(
            "lift bundle to-json web01.lift -o web01.json",
            "The JSON form.",
        )],
        "lift-bundle-from-json" => &[(
            "lift bundle from-json web01.json -o web01.lift",
            "Back to a bundle.",
        )],
        "lift-bundle-redact" => &[(
            "lift bundle redact web01.lift -o web01-redacted.lift --keyword acme",
            "A copy to share; the mapping stays in web01-redacted.lift.map.json.",
        )],
        "lift-keygen" => &[
            (
                "lift keygen -o ~/.lift/analyst.key",
                "A new identity; give the recipient it prints to lift-probe --encrypt-to.",
            ),
            (
                "lift report web01.lift.age --identity ~/.lift/analyst.key",
                "Read a bundle encrypted for it (or set LIFT_IDENTITY).",
            ),
        ],
        "lift-completions" => &[
            (
                "lift completions bash > /etc/bash_completion.d/lift",
                "Bash completion, installed system-wide.",
            ),
            ("lift completions zsh > ~/.zfunc/_lift", "Zsh completion."),
        ],
        "lift-man" => &[
            ("lift man | man -l -", "Read lift(1)."),
            (
                "lift man --dir /usr/local/share/man/man1",
                "Install every page.",
            ),
        ],
        _ => &[],
    }
}

/// One page: clap_mangen's sections, then EXAMPLES, EXIT STATUS, VERSION.
pub fn render(cmd: &Command, w: &mut dyn Write) -> std::io::Result<()> {
    let page = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string();
    let man = Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    let mut roff = String::new();
    let ex = examples(&page);
    if !ex.is_empty() {
        roff.push_str(".SH EXAMPLES\n");
        for (command, what) in ex {
            roff.push_str(&format!(".TP\n.B {}\n{}\n", escape(command), escape(what)));
        }
    }
    roff.push_str(".SH \"EXIT STATUS\"\n");
    for (code, what) in EXIT_STATUS {
        roff.push_str(&format!(".TP\n.B {code}\n{}\n", escape(what)));
    }
    w.write_all(roff.as_bytes())?;
    if cmd.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

/// Roff text: a backslash doubled, a leading dot or quote kept from being
/// read as a request, '-' as a plain hyphen-minus (a command to copy).
fn escape(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// lift(1) and a page per visible subcommand under DIR.
pub fn write_pages(cmd: Command, dir: &Path) -> std::io::Result<()> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    fn each(cmd: &Command, dir: &Path) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            each(sub, dir)?;
        }
        let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
        let mut page = Vec::new();
        render(cmd, &mut page)?;
        crate::output::write(&dir.join(format!("{name}.1")), &page)
    }
    each(&cmd, dir)
}

/// lift(1) alone.
pub fn page(cmd: Command) -> std::io::Result<Vec<u8>> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    render(&cmd, &mut out)?;
    Ok(out)
}
