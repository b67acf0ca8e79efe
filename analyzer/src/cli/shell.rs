//! Shell completion scripts. clap_complete writes hidden subcommands and
//! options into them (`__batch-worker`, `--in-process`); the script is made
//! from a copy of the command line without them.

use clap::Command;

/// A name for the copy: clap takes `&'static str` (without its `string`
/// feature); the script is printed once and the process ends.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// `cmd` without its hidden subcommands and arguments, recursively.
pub fn visible(cmd: &Command) -> Command {
    let mut c = Command::new(leak(cmd.get_name()))
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        );
    if let Some(about) = cmd.get_about() {
        c = c.about(about.clone());
    }
    if let Some(v) = cmd.get_version() {
        c = c.version(leak(v));
    }
    c
}

/// The completion script for `shell`, whole (written at once, so a closed
/// pipe is an error to report, not a panic).
pub fn completions(shell: clap_complete::Shell, cmd: &Command, bin: &str) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut visible(cmd), bin, &mut out);
    out
}
