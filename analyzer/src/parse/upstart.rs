//! Upstart jobs: `/etc/init/*.conf` and their `.override` files.
//!
//! A job is a list of stanzas, one per line, except that `start on` and
//! `stop on` expressions run on while a parenthesis is open or a line ends
//! with a backslash, and `script` … `end script` blocks hold shell text.
//!
//! Sample (Ubuntu 14.04 `/etc/init/tty1.conf`):
//!
//! ```text
//! start on stopped rc RUNLEVEL=[2345] and (
//!             not-container or
//!             container CONTAINER=lxc or
//!             container CONTAINER=lxc-libvirt)
//!
//! stop on runlevel [!2345]
//!
//! respawn
//! exec /sbin/getty -8 38400 tty1
//! ```

use serde::Serialize;

use super::sysv::Runlevel;
use super::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpstartJob {
    pub description: Option<String>,
    pub author: Option<String>,
    /// The event expression, on one line with whitespace collapsed.
    pub start_on: Option<String>,
    pub stop_on: Option<String>,
    /// `task`: runs to completion; otherwise a service that stays running.
    pub task: bool,
    pub respawn: bool,
    /// `manual`: `start on` is ignored, so the job only starts by hand.
    pub manual: bool,
    pub expect: Option<String>,
    pub instance: Option<String>,
    pub main: Option<JobProcess>,
    pub pre_start: Option<JobProcess>,
    pub post_start: Option<JobProcess>,
    pub pre_stop: Option<JobProcess>,
    pub post_stop: Option<JobProcess>,
    pub emits: Vec<String>,
    pub env: Vec<String>,
}

/// What a job (or one of its pre-/post- steps) runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "text")]
pub enum JobProcess {
    Exec(String),
    Script(String),
}

impl JobProcess {
    /// The program a job runs: the first word of `exec`, or of the `exec`
    /// line of its script, without its directory.
    pub fn program(&self) -> Option<String> {
        let command = match self {
            JobProcess::Exec(c) => c.as_str(),
            JobProcess::Script(body) => body
                .lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix("exec "))?,
        };
        let word = command.split_whitespace().next()?;
        Some(word.rsplit('/').next().unwrap_or(word).to_string())
    }
}

/// Parses a job or override file. Damage (an unclosed script block or
/// parenthesis, as in a cut-off capture) is reported; the rest is kept.
pub fn parse(bytes: &[u8]) -> Parsed<UpstartJob> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.lines().enumerate();
    let mut job = UpstartJob::default();
    let mut errors = Vec::new();

    while let Some((index, raw)) = lines.next() {
        let line = strip_comment(raw).trim();
        let Some((stanza, rest)) = split_word(line) else {
            continue;
        };
        // `exec …` and `script` run the job; `pre-start exec …` and the like
        // run one of its steps.
        let (step, action) = match stanza {
            "pre-start" | "post-start" | "pre-stop" | "post-stop" => match split_word(rest) {
                Some(action) => (Some(stanza), action),
                None => continue,
            },
            _ => (None, (stanza, rest)),
        };
        let process = match action {
            ("exec", command) => Some(JobProcess::Exec(command.to_string())),
            ("script", _) => {
                let mut body = String::new();
                let mut closed = false;
                for (_, line) in lines.by_ref() {
                    if strip_comment(line).split_whitespace().eq(["end", "script"]) {
                        closed = true;
                        break;
                    }
                    body.push_str(line);
                    body.push('\n');
                }
                if !closed {
                    errors.push(ParseError::at_line(index + 1, "script block never ends"));
                }
                Some(JobProcess::Script(body))
            }
            _ => None,
        };
        if let Some(process) = process {
            let slot = match step {
                Some("pre-start") => &mut job.pre_start,
                Some("post-start") => &mut job.post_start,
                Some("pre-stop") => &mut job.pre_stop,
                Some("post-stop") => &mut job.post_stop,
                _ => &mut job.main,
            };
            *slot = Some(process);
            continue;
        }
        match (stanza, split_word(rest)) {
            ("start" | "stop", Some(("on", first))) => {
                let (expression, complete) = event_expression(first, &mut lines);
                if !complete {
                    errors.push(ParseError::at_line(
                        index + 1,
                        format!("{stanza} on: unclosed parenthesis"),
                    ));
                }
                if stanza == "start" {
                    job.start_on = Some(expression);
                } else {
                    job.stop_on = Some(expression);
                }
            }
            ("description", _) => job.description = Some(unquote(rest)),
            ("author", _) => job.author = Some(unquote(rest)),
            ("task", _) => job.task = true,
            ("respawn", _) => job.respawn = true,
            ("manual", _) => job.manual = true,
            ("expect", _) => job.expect = Some(rest.to_string()),
            ("instance", _) => job.instance = Some(rest.to_string()),
            ("emits", _) => job
                .emits
                .extend(rest.split_whitespace().map(str::to_string)),
            ("env", _) => job.env.push(rest.to_string()),
            _ => {}
        }
    }
    Ok(Partial { value: job, errors })
}

/// The job as Upstart runs it with an `.override` file: every stanza the
/// override sets replaces the job's, lists are extended.
pub fn apply_override(job: &UpstartJob, over: &UpstartJob) -> UpstartJob {
    let pick = |o: &Option<String>, j: &Option<String>| o.clone().or_else(|| j.clone());
    let pick_process =
        |o: &Option<JobProcess>, j: &Option<JobProcess>| o.clone().or_else(|| j.clone());
    UpstartJob {
        description: pick(&over.description, &job.description),
        author: pick(&over.author, &job.author),
        start_on: pick(&over.start_on, &job.start_on),
        stop_on: pick(&over.stop_on, &job.stop_on),
        task: job.task || over.task,
        respawn: job.respawn || over.respawn,
        manual: job.manual || over.manual,
        expect: pick(&over.expect, &job.expect),
        instance: pick(&over.instance, &job.instance),
        main: pick_process(&over.main, &job.main),
        pre_start: pick_process(&over.pre_start, &job.pre_start),
        post_start: pick_process(&over.post_start, &job.post_start),
        pre_stop: pick_process(&over.pre_stop, &job.pre_stop),
        post_stop: pick_process(&over.post_stop, &job.post_stop),
        emits: job.emits.iter().chain(&over.emits).cloned().collect(),
        env: job.env.iter().chain(&over.env).cloned().collect(),
    }
}

/// The runlevels a `start on` (or `stop on`) expression names through
/// `runlevel [2345]`, `runlevel [!2345]` or `RUNLEVEL=[2345]` terms (the union
/// when there are several); a bare `runlevel` means every runlevel. `None`
/// when the expression names no runlevel, e.g. `filesystem`: such jobs start
/// on events, not on entering a runlevel.
pub fn runlevels_of(expression: &str) -> Option<Vec<Runlevel>> {
    let spaced = expression.replace(['(', ')'], " ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut found: Option<Vec<Runlevel>> = None;
    for (i, token) in tokens.iter().enumerate() {
        let pattern = if *token == "runlevel" {
            match tokens.get(i + 1) {
                Some(next) if !matches!(*next, "and" | "or") => *next,
                _ => "*",
            }
        } else if let Some(pattern) = token.strip_prefix("RUNLEVEL=") {
            pattern
        } else {
            continue;
        };
        let levels = found.get_or_insert_with(Vec::new);
        levels.extend(
            Runlevel::ALL
                .into_iter()
                .filter(|level| glob_matches(pattern, level.as_char())),
        );
    }
    if let Some(levels) = found.as_mut() {
        levels.sort();
        levels.dedup();
    }
    found
}

/// Whether a one-character value matches an fnmatch pattern of the forms
/// Upstart jobs use: `*`, `2`, `[2345]`, `[!2345]`, `[2-5]`.
fn glob_matches(pattern: &str, value: char) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some(class) = pattern.strip_prefix('[').and_then(|p| p.strip_suffix(']')) else {
        return pattern.len() == 1 && pattern.starts_with(value);
    };
    let (negated, class) = match class.strip_prefix(['!', '^']) {
        Some(rest) => (true, rest),
        None => (false, class),
    };
    let chars: Vec<char> = class.chars().collect();
    let mut matched = false;
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            matched |= (chars[i]..=chars[i + 2]).contains(&value);
            i += 3;
        } else {
            matched |= chars[i] == value;
            i += 1;
        }
    }
    matched != negated
}

/// Reads an event expression that starts with `first` and continues on the
/// following lines while a parenthesis is open or the line ends with `\`.
/// Returns the expression on one line, and false when input ran out first.
fn event_expression<'a>(
    first: &str,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> (String, bool) {
    let mut expression = String::new();
    let mut depth: i64 = 0;
    let mut current = first.to_string();
    loop {
        let (piece, continued) = match current.trim_end().strip_suffix('\\') {
            Some(piece) => (piece.to_string(), true),
            None => (current.clone(), false),
        };
        depth += piece.matches('(').count() as i64 - piece.matches(')').count() as i64;
        expression.push(' ');
        expression.push_str(&piece);
        if depth <= 0 && !continued {
            break;
        }
        match lines.next() {
            Some((_, next)) => current = strip_comment(next).to_string(),
            None => return (normalize(&expression), false),
        }
    }
    (normalize(&expression), true)
}

/// Collapses whitespace, and the space just inside parentheses.
fn normalize(expression: &str) -> String {
    expression
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// Drops a `#` comment. Upstart stanzas do not quote `#` in practice except
/// in descriptions, so a `#` inside double quotes is kept.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

fn split_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if text.is_empty() {
        return None;
    }
    Some(match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (text, ""),
    })
}

fn unquote(text: &str) -> String {
    let text = text.trim();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .to_string()
}

/// The default runlevel Upstart's rc-sysinit job sets when /etc/inittab has
/// none: its `env DEFAULT_RUNLEVEL=N` line (Ubuntu ships 2). A value that
/// is no runlevel is skipped, by line.
pub fn default_runlevel(bytes: &[u8]) -> Parsed<Option<Runlevel>> {
    let mut errors = Vec::new();
    let found = String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            let v = l.trim().strip_prefix("env DEFAULT_RUNLEVEL=")?;
            let v = v.trim().trim_matches('"');
            let mut chars = v.chars();
            let level = match (chars.next(), chars.next()) {
                (Some(c), None) => Runlevel::from_char(c),
                _ => None,
            };
            if level.is_none() && !v.is_empty() {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("not a runlevel: {}", super::shown(v)),
                ));
            }
            level
        });
    Ok(Partial::new(found, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str) -> Partial<UpstartJob> {
        let path = format!(
            "{}/../fixtures/ubuntu1404-upstart/etc/init/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        parse(&std::fs::read(path).unwrap()).unwrap()
    }

    fn levels(text: &str) -> Vec<Runlevel> {
        text.chars()
            .map(|c| Runlevel::from_char(c).unwrap())
            .collect()
    }

    #[test]
    fn ubuntu1404_ssh() {
        let parsed = job("ssh.conf");
        assert!(parsed.errors.is_empty());
        let ssh = parsed.value;
        assert_eq!(ssh.description.as_deref(), Some("OpenSSH server"));
        assert_eq!(ssh.start_on.as_deref(), Some("runlevel [2345]"));
        assert_eq!(ssh.stop_on.as_deref(), Some("runlevel [!2345]"));
        assert!(ssh.respawn && !ssh.task && !ssh.manual);
        assert_eq!(ssh.expect.as_deref(), Some("stop"));
        assert_eq!(ssh.env, vec!["SSH_SIGSTOP=1"]);
        assert_eq!(ssh.main, Some(JobProcess::Exec("/usr/sbin/sshd -D".into())));
        let Some(JobProcess::Script(pre)) = ssh.pre_start else {
            panic!("no pre-start script")
        };
        assert!(pre.contains("mkdir -p -m0755 /var/run/sshd"));
        assert_eq!(
            runlevels_of(ssh.start_on.as_deref().unwrap()),
            Some(levels("2345"))
        );
        assert_eq!(
            runlevels_of(ssh.stop_on.as_deref().unwrap()),
            Some(levels("016S"))
        );
    }

    #[test]
    fn ubuntu1404_tty1_start_on_spans_lines() {
        let tty1 = job("tty1.conf").value;
        assert_eq!(
            tty1.start_on.as_deref(),
            Some(
                "stopped rc RUNLEVEL=[2345] and (not-container or container CONTAINER=lxc \
                 or container CONTAINER=lxc-libvirt)"
            )
        );
        assert_eq!(tty1.stop_on.as_deref(), Some("runlevel [!2345]"));
        assert_eq!(
            tty1.main,
            Some(JobProcess::Exec("/sbin/getty -8 38400 tty1".into()))
        );
        assert_eq!(
            runlevels_of(tty1.start_on.as_deref().unwrap()),
            Some(levels("2345"))
        );
    }

    #[test]
    fn ubuntu1404_rc_sysinit_is_an_event_task() {
        let parsed = job("rc-sysinit.conf");
        assert!(parsed.errors.is_empty());
        let rc = parsed.value;
        assert!(rc.task);
        assert_eq!(
            rc.start_on.as_deref(),
            Some("(filesystem and static-network-up) or failsafe-boot")
        );
        assert_eq!(runlevels_of(rc.start_on.as_deref().unwrap()), None);
        // A bare `runlevel` matches any runlevel.
        assert_eq!(
            runlevels_of(rc.stop_on.as_deref().unwrap()),
            Some(Runlevel::ALL.to_vec())
        );
        assert_eq!(rc.emits, vec!["runlevel"]);
        assert_eq!(
            rc.env,
            vec![
                "DEFAULT_RUNLEVEL=2",
                "RUNLEVEL=",
                "PREVLEVEL=",
                "INIT_VERBOSE"
            ]
        );
        let Some(JobProcess::Script(body)) = rc.main else {
            panic!("no script")
        };
        assert!(body.contains("telinit \"${DEFAULT_RUNLEVEL}\""));
        assert_eq!(
            rc.author.as_deref(),
            Some("Scott James Remnant <scott@netsplit.com>")
        );
    }

    /// The program each of Ubuntu 14.04's jobs runs (moved here from the
    /// model: it reads the job's text).
    #[test]
    fn ubuntu1404_programs() {
        let program = |name| job(name).value.main.as_ref().and_then(JobProcess::program);
        assert_eq!(program("ssh.conf").as_deref(), Some("sshd"));
        assert_eq!(program("tty1.conf").as_deref(), Some("getty"));
        assert_eq!(program("cron.conf").as_deref(), Some("cron"));
        let script =
            JobProcess::Script("  test -x /x || exit 0\n  exec /usr/bin/foo --bar\n".into());
        assert_eq!(script.program().as_deref(), Some("foo"));
        assert_eq!(JobProcess::Script("echo hi\n".into()).program(), None);
    }

    #[test]
    fn ubuntu1404_cron_override_makes_it_manual() {
        let cron = job("cron.conf").value;
        assert!(!cron.manual);
        assert_eq!(cron.expect.as_deref(), Some("fork"));
        let over = job("cron.override").value;
        let effective = apply_override(&cron, &over);
        assert!(effective.manual);
        assert_eq!(effective.start_on, cron.start_on);
        assert_eq!(effective.main, Some(JobProcess::Exec("cron".into())));
    }

    #[test]
    fn runlevel_patterns() {
        assert_eq!(runlevels_of("runlevel [2-5]"), Some(levels("2345")));
        assert_eq!(runlevels_of("runlevel 3"), Some(levels("3")));
        assert_eq!(runlevels_of("runlevel [!016]"), Some(levels("2345S")));
        assert_eq!(
            runlevels_of("runlevel [23] or runlevel [5]"),
            Some(levels("235"))
        );
        assert_eq!(
            runlevels_of("local-filesystems and net-device-up IFACE!=lo"),
            None
        );
    }

    #[test]
    fn damage_is_reported() {
        let parsed = parse(b"start on (a and\nb\nscript\n  echo cut off").unwrap();
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            parsed.value.start_on.as_deref(),
            Some("(a and b script echo cut off")
        );
        let parsed = parse(b"description \"x\"\nscript\n  echo cut off").unwrap();
        assert_eq!(parsed.errors[0].line, Some(2));
        assert_eq!(
            parsed.value.main,
            Some(JobProcess::Script("  echo cut off\n".into()))
        );
        for input in [
            &b"start on"[..],
            b"start",
            b"pre-start",
            b"start on \\",
            b"\xff\xfe(",
            b"runlevel [",
        ] {
            let _ = parse(input).unwrap();
        }
        assert_eq!(runlevels_of("runlevel ["), Some(vec![]));
    }

    #[test]
    fn default_runlevel_from_rc_sysinit() {
        let job = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/ubuntu1404-upstart/etc/init/rc-sysinit.conf"
        ))
        .unwrap();
        assert_eq!(
            default_runlevel(&job).unwrap().and_then(|r| r.number()),
            Some(2)
        );
        assert_eq!(
            default_runlevel(b"env DEFAULT_RUNLEVEL=\n").unwrap().value,
            None
        );
        let bad = default_runlevel(b"# x\nenv DEFAULT_RUNLEVEL=twelve\n").unwrap();
        assert_eq!((bad.value, bad.errors[0].line), (None, Some(2)));
    }
}
