//! The `lift` command line. Libraries return typed errors; only this file
//! turns them into messages and exit codes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::builder::PossibleValuesParser;
use clap::{Args, CommandFactory, Parser, Subcommand};

use lift::cli::bundle;
use lift::cli::terminal::escape;
use lift::profile::{Profile, Target};
use lift::render::{self, Format};
use lift::report::Report;
use lift::rules::Readiness;

/// Exit status of a command line lift cannot run as written (an unknown
/// option or value, --format and -o disagreeing): sysexits' EX_USAGE, apart
/// from the verdicts (0, 1, 3) and an unreadable input (2).
const EXIT_USAGE: u8 = 64;

const EXIT_STATUS: &str = "Exit status: 0 success (lift check: ready or conditionally ready); 1 not ready (lift check); 3 unknown (lift check); 2 an input or output that cannot be read, written or is not a root filesystem, bundle or sosreport; 64 a usage error (unknown option or value, --format and -o disagreeing).";

#[derive(Parser)]
#[command(
    name = "lift",
    version,
    about = "Readiness, diff and fleet reports from lift-probe bundles",
    after_help = EXIT_STATUS
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// An age identity file that opens bundles encrypted for you (lift
    /// keygen or age-keygen makes one; repeatable; default: the files in
    /// LIFT_IDENTITY, separated by `:`). Read only for an encrypted input.
    #[arg(long, global = true, value_name = "FILE")]
    identity: Vec<PathBuf>,
}

/// What sizing chooses from (`report` and `check`).
#[derive(Args)]
struct SizingArgs {
    /// Instance types or flavours to size from, as CSV (name, vcpus,
    /// memory_gib; arch and family when present): replaces the shipped EC2
    /// or Azure list, and is the only one OpenStack has.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Percent added to the measured use before a right size is chosen.
    #[arg(long, value_name = "PERCENT", default_value_t = 30)]
    headroom: u32,
}

impl SizingArgs {
    /// The target a report is judged for: the profile `--target` names,
    /// the firewall kept or not, and what sizing chooses from.
    fn target(&self, name: Option<&str>, firewall: &FirewallArg) -> Result<Target> {
        Ok(Target {
            sizing: self.choice()?,
            ..firewall.target(profile(name)?)
        })
    }

    /// The choice, the catalog read once for the process.
    fn choice(&self) -> Result<lift::sizing::Choice> {
        let catalog = match &self.catalog {
            None => None,
            Some(path) => {
                let text = read_capped(path, lift::sizing::catalog::MAX_BYTES)?;
                let c = lift::sizing::Catalog::parse(&path.display().to_string(), &text)?;
                Some(&*Box::leak(Box::new(c)))
            }
        };
        if self.headroom > 1000 {
            bail!(
                "--headroom takes a percentage from 0 to 1000, not {}",
                self.headroom
            );
        }
        Ok(lift::sizing::Choice {
            catalog,
            headroom_percent: self.headroom,
        })
    }
}

/// `--target PROFILE`. Each command says what it judges and which
/// profile it takes without one (`mut_arg` on the command).
#[derive(Args)]
struct ProfileArg {
    /// The profile: generic, aws-mgn, ec2, openstack or azure.
    #[arg(long = "target", value_name = "PROFILE", value_parser = profiles())]
    profile: Option<String>,
}

/// A command's own words for a shared argument (in place: the completion
/// scripts list arguments in their order).
fn reword(id: &'static str, help: &'static str) -> impl FnMut(clap::Arg) -> clap::Arg {
    move |a| if a.get_id() == id { a.help(help) } else { a }
}

/// `--target` is generic when not given (`batch`, `diff`).
fn generic_by_default(a: clap::Arg) -> clap::Arg {
    if a.get_id() == "profile" {
        a.default_value("generic")
    } else {
        a
    }
}

/// `--firewall`.
#[derive(Args)]
struct FirewallArg {
    /// The migration keeps a firewall: iptables and ip6tables stay enabled.
    #[arg(long)]
    firewall: bool,
}

impl FirewallArg {
    /// The target: `profile`, with or without the firewall kept.
    fn target(&self, profile: Profile) -> Target {
        Target {
            firewall: self.firewall,
            ..Target::new(profile)
        }
    }
}

/// What a report judges and where it goes (`report`, `diff`): `--target`,
/// `--format`, `-o`, `--firewall`, in that order.
#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    profile: ProfileArg,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    firewall: FirewallArg,
}

/// `--format` and `-o`: where a report goes and in which format.
#[derive(Args)]
struct OutputArgs {
    /// md, html or json (default: from the -o extension, else md; given
    /// with -o, the two must agree).
    #[arg(long, value_parser = FORMATS)]
    format: Option<String>,
    /// Write the report to FILE (whole, or not at all) instead of
    /// standard output; its suffix (.md, .html, .json) sets the format.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl OutputArgs {
    fn format(&self) -> Result<Format> {
        format_for(self.format.as_deref(), self.output.as_deref())
    }

    fn emit(&self, body: &[u8]) -> Result<()> {
        emit(self.output.as_deref(), body)
    }
}

/// A small text file, refused past `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut text = String::new();
    file.take(cap + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("{}: not UTF-8 text", path.display()))?;
    if text.len() as u64 > cap {
        bail!("{}: larger than {cap} bytes", path.display());
    }
    Ok(text)
}

/// The memory and time one report may take: a batch worker's budgets
/// for one bundle (`lift::budget`).
#[derive(clap::Args, Clone, Copy)]
struct Budget {
    /// Wall-clock budget in seconds; past it the command stops (exit 2).
    #[arg(long, default_value_t = 120)]
    max_seconds: u64,
    /// Memory (address space) budget in MiB; past it the command stops
    /// (exit 2).
    #[arg(long, default_value_t = 4096)]
    max_memory: u64,
}

/// The system allocator, with a message in place of the runtime's abort
/// when the memory budget refuses an allocation.
struct Budgeted;

// SAFETY: every call is passed to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for Budgeted {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = std::alloc::System.alloc(layout);
        if p.is_null() {
            lift::budget::refused(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = std::alloc::System.alloc_zeroed(layout);
        if p.is_null() {
            lift::budget::refused(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        let p = std::alloc::System.realloc(ptr, layout, new);
        if p.is_null() {
            lift::budget::refused(new);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        std::alloc::System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Budgeted = Budgeted;

#[derive(Subcommand)]
enum Command {
    /// Write a readiness report for one bundle, JSON form, directory tree or
    /// tar archive (a sosreport as it comes, a root tarball; .tar, .tar.gz,
    /// .tar.xz, .tar.bz2).
    #[command(mut_args(reword(
        "profile",
        "The profile to judge readiness for: generic, aws-mgn, ec2, openstack or azure. \
         Without it the report is an inventory, with no verdict"
    )))]
    Report {
        /// A lift-probe bundle (.lift, .lift.age), its JSON form, a root
        /// filesystem's directory or tar archive, or a sosreport.
        input: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
        /// Only the verdict and the findings: no host, mounts, services or
        /// packages.
        #[arg(long)]
        findings_only: bool,
        /// List every package in a Markdown report too (HTML folds the
        /// list away; JSON always carries it).
        #[arg(long)]
        packages: bool,
        #[command(flatten)]
        sizing: SizingArgs,
        #[command(flatten)]
        budget: Budget,
    },
    /// Exit 0 when ready (or conditionally ready), 1 when not ready, 3 when
    /// unknown, 2 when the input cannot be read, 64 on a usage error; prints
    /// the verdict and one line per blocker and deciding unknown (for a
    /// conditionally-ready verdict, per warning).
    #[command(mut_args(reword(
        "profile",
        "The profile: generic, aws-mgn, ec2, openstack or azure (default: generic, the checks \
         every target shares)"
    )))]
    Check {
        /// A lift-probe bundle, its JSON form, a root filesystem's directory
        /// or tar archive, or a sosreport.
        input: PathBuf,
        #[command(flatten)]
        profile: ProfileArg,
        /// blocker (default) or warning: what makes the check fail.
        #[arg(long, default_value = "blocker", value_parser = ["blocker", "warning"])]
        fail_on: String,
        #[command(flatten)]
        firewall: FirewallArg,
        #[command(flatten)]
        sizing: SizingArgs,
        #[command(flatten)]
        budget: Budget,
    },
    /// Reports for many bundles at once, with a fleet overview, exports and
    /// a dependency map, in DIR (see docs/fleet.md).
    #[command(mut_args(generic_by_default))]
    Batch {
        /// Bundles, JSON forms, archives (sosreports, root tarballs), or directories searched for all of these.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The directory to write the fleet's reports into (made if absent).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        #[command(flatten)]
        profile: ProfileArg,
        /// Bundles read at once (default: one per core); memory grows with it.
        #[arg(long)]
        jobs: Option<usize>,
        #[command(flatten)]
        firewall: FirewallArg,
        /// Wall-clock budget per bundle; a bundle past it goes to errors.jsonl.
        #[arg(long, default_value_t = 120)]
        max_seconds_per_bundle: u64,
        /// Memory (address space) budget per bundle, in MiB.
        #[arg(long, default_value_t = 4096)]
        max_memory_per_bundle: u64,
        /// Read every bundle in this process, without budgets (to measure
        /// what isolation costs; never for bundles from elsewhere).
        #[arg(long, hide = true)]
        in_process: bool,
        /// The exports to write, comma-separated: parquet (DIR/parquet/),
        /// jsonl (DIR/*.jsonl), csv (DIR/fleet.csv).
        #[arg(long, value_name = "LIST", default_value = "parquet,jsonl,csv")]
        exports: String,
        /// Analyse every bundle again: what earlier runs kept in DIR/.kept/
        /// is removed, not used.
        #[arg(long)]
        fresh: bool,
        /// A directory one level down in a directory input that holds a
        /// root filesystem or an extracted sosreport is an input itself.
        #[arg(long)]
        dirs: bool,
        #[command(flatten)]
        sizing: SizingArgs,
    },
    /// One bundle of a batch, in its own process (run by `lift batch`).
    #[command(name = "__batch-worker", hide = true)]
    BatchWorker {
        /// Serve bundles read from stdin (`INDEX\0PATH\0`), one answer line each.
        #[arg(long)]
        serve: bool,
        /// CPU seconds per bundle (the wall clock is the batch's to keep).
        #[arg(long)]
        max_seconds: u64,
        #[arg(long)]
        parts: PathBuf,
        #[arg(long)]
        target: String,
        #[command(flatten)]
        firewall: FirewallArg,
        #[command(flatten)]
        sizing: SizingArgs,
    },
    /// Compare a source with its migrated target (or before with after):
    /// every difference, expected for the profile or unexpected.
    #[command(
        mut_args(generic_by_default),
        mut_args(reword(
            "profile",
            "The migration's profile: generic (nothing expected), ec2, openstack or azure"
        )),
        mut_args(reword("format", "md, html or json (default: from the -o extension, else md)")),
        mut_args(reword(
            "output",
            "Write the report to FILE instead of standard output; its suffix (.md, .html, .json) \
             sets the format"
        ))
    )]
    Diff {
        /// The source server (before).
        source: PathBuf,
        /// The migrated server (after).
        #[arg(value_name = "TARGET")]
        migrated: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        budget: Budget,
    },
    /// Inspect and convert bundles.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Make an age identity for receiving encrypted bundles: write it to
    /// FILE (mode 0600, never over an existing file) and print its
    /// recipient, the age1... that lift-probe --encrypt-to takes. Without -o
    /// the identity goes to stdout and the recipient to stderr, as
    /// age-keygen does.
    Keygen {
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or
    /// powershell.
    Completions { shell: clap_complete::Shell },
    /// Print the lift(1) manual page (roff), or write it and one page per
    /// subcommand (lift-report.1, ...) into DIR.
    Man {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// List every entry: kind and mode, size, what was captured, path.
    Ls { bundle: PathBuf },
    /// Print one captured file (symlinks inside the bundle are followed).
    Cat { bundle: PathBuf, path: String },
    /// Read every record; exit 2 if the bundle is damaged.
    Verify {
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
    },
    /// Write the captured tree under DIR.
    Unpack { bundle: PathBuf, dir: PathBuf },
    /// Print the JSON form (byte strings as base64).
    ToJson {
        bundle: PathBuf,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Turn a JSON form back into a bundle.
    FromJson {
        json: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a copy with host names, addresses, MACs, users and keywords
    /// replaced; the mapping goes to a private file (docs/redaction.md).
    Redact {
        bundle: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        /// The map file: loaded if it exists, extended, written back
        /// (default OUTPUT.map.json). Reuse one across a fleet.
        #[arg(long)]
        map: Option<PathBuf>,
        /// A word to replace wherever it occurs (repeatable).
        #[arg(long = "keyword")]
        keywords: Vec<String>,
        /// Encrypt the copy for this age recipient (age1...; repeatable).
        /// Without it the copy is plain, even of an encrypted bundle.
        #[arg(long = "encrypt-to", value_name = "RECIPIENT", value_parser = recipient)]
        encrypt_to: Vec<age::x25519::Recipient>,
    },
}

/// The report formats, as --format takes them.
const FORMATS: [&str; 5] = ["md", "markdown", "html", "htm", "json"];

/// --target's values (completed by the shell scripts, checked by clap).
fn profiles() -> PossibleValuesParser {
    PossibleValuesParser::new(Profile::ALL.iter().map(|p| p.name()))
}

/// An `age1…` recipient, for clap (a bad one is a usage error).
fn recipient(text: &str) -> Result<age::x25519::Recipient, lift::encryption::RecipientError> {
    lift::encryption::recipient(text)
}

/// A command line lift cannot run as written: exit 64.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

/// The profile `--target` names; generic without one.
fn profile(name: Option<&str>) -> Result<Profile> {
    let Some(name) = name else {
        return Ok(Profile::Generic);
    };
    match Profile::parse(name) {
        Some(p) => Ok(p),
        None => {
            let names: Vec<_> = Profile::ALL.iter().map(|p| p.name()).collect();
            bail!(
                "unknown profile {name:?} for --target; one of: {}",
                names.join(", ")
            )
        }
    }
}

fn format_named(name: &str) -> Option<Format> {
    match name {
        "md" | "markdown" => Some(Format::Markdown),
        "html" | "htm" => Some(Format::Html),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// The format from --format, else from -o's suffix, else Markdown. When
/// both are given and the suffix names another format, lift refuses
/// rather than write JSON into `y.html`.
fn format_for(format: Option<&str>, output: Option<&Path>) -> Result<Format> {
    let suffix = output
        .and_then(|o| o.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let by_suffix = suffix.as_deref().and_then(format_named);
    match format {
        Some(f) => {
            let Some(asked) = format_named(f) else {
                return Err(Usage(format!("unknown format {f:?}; one of: md, html, json")).into());
            };
            match (by_suffix, output) {
                (Some(s), Some(o)) if s != asked => Err(Usage(format!(
                    "--format {f} but {} names another format by its suffix: give one of them, or make them agree",
                    o.display()
                ))
                .into()),
                _ => Ok(asked),
            }
        }
        None => {
            if let (None, Some(s), Some(o)) = (by_suffix, &suffix, output) {
                // y.txt: lift says which wins rather than guess in silence.
                eprintln!(
                    "lift: {}: .{s} names no format (.md, .html, .json): writing Markdown; --format chooses another",
                    o.display()
                );
            }
            Ok(by_suffix.unwrap_or(Format::Markdown))
        }
    }
}

/// Writes to FILE (whole, or not at all; a device or FIFO in place) or to
/// stdout.
fn emit(output: Option<&Path>, body: &[u8]) -> Result<()> {
    match output {
        Some(p) => lift::output::write(p, body)?,
        None => io::stdout().lock().write_all(body)?,
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Diff {
            source,
            migrated,
            report:
                ReportArgs {
                    profile: name,
                    out,
                    firewall,
                },
            budget: _,
        } => {
            let target = firewall.target(profile(name.profile.as_deref())?);
            let format = out.format()?;
            let (a, b) = (
                lift::cli::input::open_root(&source)?,
                lift::cli::input::open_root(&migrated)?,
            );
            let report = lift::report::diff::DiffReport::new(
                source.display().to_string(),
                migrated.display().to_string(),
                a.as_ref(),
                b.as_ref(),
                &target,
            );
            out.emit(render::render_diff(&report, format)?.as_bytes())?;
        }
        Command::Report {
            input,
            report:
                ReportArgs {
                    profile: name,
                    out,
                    firewall,
                },
            findings_only,
            packages,
            sizing,
            budget: _,
        } => {
            let target = sizing.target(name.profile.as_deref(), &firewall)?;
            let format = out.format()?;
            let snap = lift::cli::input::open_root(&input)?;
            let mut report = Report::build(snap.as_ref(), &target);
            report.inventory = name.profile.is_none();
            let layout = render::Layout {
                findings_only,
                all_packages: packages || format != Format::Markdown,
            };
            let text = render::render_with(&report, format, layout)?;
            out.emit(text.as_bytes())?;
            // The process ends next: freeing the snapshot and the report
            // (most of the run's allocations) one by one cost 7 M instructions
            // of a live bundle's 203 M. The kernel takes it all at exit.
            std::mem::forget((snap, report, text));
        }
        Command::Check {
            input,
            profile: name,
            fail_on,
            firewall,
            sizing,
            budget: _,
        } => {
            let target = sizing.target(name.profile.as_deref(), &firewall)?;
            let snap = match lift::cli::input::open_root(&input) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("lift: {}", escape(&e.to_string()));
                    return Ok(ExitCode::from(2));
                }
            };
            let report = Report::build(snap.as_ref(), &target);
            if name.profile.is_none() {
                // "ready for generic" is not "ready to migrate".
                eprintln!(
                    "lift: no --target: judged for generic, the checks every target shares; --target aws-mgn, ec2, openstack or azure judges a migration"
                );
            }
            let strict = fail_on == "warning";
            let readiness = report.readiness;
            // A reader that stops early (`lift check X | head -1`) keeps
            // the verdict's exit status.
            let mut out = io::stdout().lock();
            for line in lift::report::check_lines(&input.display().to_string(), &report).lines() {
                match writeln!(out, "{}", escape(line)) {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                    r => r?,
                }
            }
            return Ok(ExitCode::from(match readiness {
                Readiness::Ready => 0,
                Readiness::ConditionallyReady if strict => 1,
                Readiness::ConditionallyReady => 0,
                Readiness::NotReady => 1,
                Readiness::Unknown => 3,
            }));
        }
        Command::Batch {
            inputs,
            output,
            profile: name,
            jobs,
            firewall,
            max_seconds_per_bundle,
            max_memory_per_bundle,
            in_process,
            exports,
            fresh,
            dirs,
            sizing,
        } => {
            let exports = match lift::fleet::Exports::parse(&exports) {
                Ok(e) => e,
                Err(why) => {
                    eprintln!("lift: {why}");
                    return Ok(ExitCode::from(EXIT_USAGE));
                }
            };
            pass_identities_to_workers()?;
            let outcome = lift::fleet::run(&lift::fleet::Options {
                exports,
                fresh,
                dirs,
                sizing: sizing.choice()?,
                catalog_path: sizing.catalog.clone(),
                inputs,
                out: output.clone(),
                profile: profile(name.profile.as_deref())?,
                firewall: firewall.firewall,
                jobs,
                isolation: (!in_process).then_some(lift::fleet::isolate::Isolation {
                    exe: std::env::current_exe()?,
                    max_seconds: max_seconds_per_bundle.max(1),
                    max_memory_mib: max_memory_per_bundle.max(64),
                }),
            })?;
            let n = lift::rules::count;
            for note in &outcome.notes {
                eprintln!("lift: {}", escape(note));
            }
            eprintln!(
                "lift: {}, {}, {} unreadable, {} superseded, {} ({} analysed, {} kept from earlier runs, {} other entries skipped); see {}",
                n(outcome.bundles, "bundle", "bundles"),
                n(outcome.hosts, "host", "hosts"),
                outcome.failed,
                outcome.superseded,
                n(outcome.groups, "move group", "move groups"),
                outcome.bundles - outcome.kept,
                outcome.kept,
                outcome.skipped,
                output.join("index.html").display()
            );
        }
        Command::BatchWorker {
            serve,
            max_seconds,
            parts,
            target,
            firewall,
            sizing,
        } => {
            let target = sizing.target(Some(&target), &firewall)?;
            if !serve {
                bail!("the batch worker only serves (--serve)");
            }
            lift::memory::keep_freed_memory();
            let mut input = io::stdin().lock();
            let mut out = io::stdout().lock();
            while let Some((index, path)) = lift::fleet::isolate::read_request(&mut input)? {
                lift::fleet::isolate::cpu_budget(max_seconds)?;
                let answer = match lift::fleet::one(index, &path, &target, &parts) {
                    Ok(summary) => lift::fleet::isolate::Answer::Ok(Box::new(summary)),
                    Err(e) => lift::fleet::isolate::Answer::Err(
                        escape(&format!("{:#}", anyhow::Error::from(e))).into_owned(),
                    ),
                };
                serde_json::to_writer(&mut out, &answer)?;
                out.write_all(b"\n")?;
                out.flush()?;
            }
        }
        Command::Bundle { command } => return bundle_command(command),
        Command::Keygen { output: Some(path) } => {
            let public = lift::encryption::identities::keygen(&path)?;
            writeln!(io::stdout(), "{public}")?;
            eprintln!(
                "lift: wrote the identity to {} (keep it private); give the recipient above to lift-probe --encrypt-to",
                path.display()
            );
        }
        Command::Keygen { output: None } => {
            let (text, public) =
                lift::encryption::identities::generate(&lift_bundle::Timestamp::now().rfc3339());
            let text = zeroize::Zeroizing::new(text);
            io::stdout().lock().write_all(text.as_bytes())?;
            eprintln!("Public key: {public}");
        }
        Command::Completions { shell } => {
            let script = lift::cli::shell::completions(shell, &Cli::command(), "lift");
            io::stdout().lock().write_all(&script)?;
        }
        Command::Man { dir: Some(dir) } => {
            // Each error names the page's path.
            lift::cli::man::write_pages(Cli::command(), &dir)?;
        }
        Command::Man { dir: None } => {
            io::stdout()
                .lock()
                .write_all(&lift::cli::man::page(Cli::command())?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bundle_command(command: BundleCommand) -> Result<ExitCode> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match command {
        BundleCommand::Ls { bundle: b } => bundle::ls(&b, &mut out)?,
        BundleCommand::Cat { bundle: b, path } => bundle::cat(&b, &path, &mut out)?,
        BundleCommand::Verify { bundles } => {
            let mut ok = true;
            for b in &bundles {
                ok &= bundle::verify(b, &mut out)?;
            }
            out.flush()?;
            return Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            });
        }
        BundleCommand::Unpack { bundle: b, dir } => {
            let done = bundle::unpack(&b, &dir)?;
            eprintln!(
                "lift: wrote {} files and links under {}",
                done.written,
                dir.display()
            );
            if done.relinked > 0 {
                eprintln!(
                    "lift: {} symlinks pointed outside the tree (absolute, or climbing out of \
                     its root): written relative to {}, as they resolve inside it",
                    done.relinked,
                    dir.display()
                );
            }
        }
        BundleCommand::ToJson { bundle: b, output } => match output {
            Some(p) => {
                let mut buf = Vec::new();
                bundle::to_json(&b, &mut buf)?;
                emit(Some(&p), &buf)?;
            }
            None => bundle::to_json(&b, &mut out)?,
        },
        BundleCommand::FromJson { json, output } => bundle::from_json(&json, &output)?,
        BundleCommand::Redact {
            bundle: b,
            output,
            map,
            keywords,
            encrypt_to,
        } => {
            let writes_in_place = std::fs::metadata(&output).is_ok_and(|m| !m.is_file());
            let map = match map {
                Some(m) => m,
                // `/dev/null.map.json` would land beside the device.
                None if writes_in_place => bail!(
                    "{} is not a regular file: name the map file with --map",
                    output.display()
                ),
                None => {
                    let mut m = output.clone().into_os_string();
                    m.push(".map.json");
                    m.into()
                }
            };
            let done = lift::cli::redact::redact(&b, &output, &map, &keywords, &encrypt_to)?;
            let copy = match (encrypt_to.len(), done.input_encrypted) {
                (0, true) => " (not encrypted: add --encrypt-to RECIPIENT to encrypt it)",
                (0, false) => "",
                _ => " (encrypted)",
            };
            let how = match done.map_encrypted {
                true => " (encrypted to your identity: it names what the encrypted bundle hid)",
                false => "",
            };
            eprintln!(
                "lift: wrote {}{copy}; the mapping is in {}{how}",
                output.display(),
                map.display()
            );
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `lift batch --identity FILE`: each worker process reads the identity
/// files from `LIFT_IDENTITY`, which it inherits. Set here, before the
/// batch starts any thread or process.
fn pass_identities_to_workers() -> Result<()> {
    let files = lift::encryption::identities::files();
    if files.is_empty() {
        return Ok(());
    }
    let absolute: Vec<PathBuf> = files
        .iter()
        .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()))
        .collect();
    let joined = std::env::join_paths(&absolute).map_err(|_| {
        Usage(
            "an --identity path holding `:` cannot be passed to the batch's workers: rename it"
                .into(),
        )
    })?;
    std::env::set_var(lift::encryption::identities::ENV, joined);
    Ok(())
}

/// The error and its causes, each said once: an error whose text already
/// ends with its cause's (`PATH: File exists (os error 17)` over `File
/// exists (os error 17)`) does not repeat it.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) || out.contains(&format!("{text}: ")) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    lift::encryption::identities::use_files(std::mem::take(&mut cli.identity));
    if let Command::Report { budget, .. }
    | Command::Check { budget, .. }
    | Command::Diff { budget, .. } = &cli.command
    {
        // malloc's tunables first: they are set before any thread starts,
        // and the time budget is a thread.
        lift::memory::keep_freed_memory();
        lift::memory::heap_in_huge_pages();
        lift::budget::apply(budget.max_seconds.max(1), budget.max_memory.max(64));
    }
    if let Command::Batch { .. } = &cli.command {
        lift::memory::large_blocks_mapped();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`lift ... | head`) is not an error worth a
            // message, whichever typed error carries it.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Messages quote bundle content (names, parse errors): escaped.
            eprintln!("lift: {}", escape(&message(&e)));
            if e.downcast_ref::<Usage>().is_some() {
                return ExitCode::from(EXIT_USAGE);
            }
            ExitCode::from(2)
        }
    }
}
