//! lift-probe: one static binary that reads a server's raw facts into one
//! compressed bundle. It never executes another program and never changes
//! anything; it writes only its output file.
//!
//! Read `specs.rs` (what is collected), `collect.rs` (how: budgets, never
//! following links, scrubbing) and `fs.rs` (safe access to the root).
//!
//! System calls go through `nix`; `unsafe` is left only where nix has no
//! wrapper (or one that drops data), and each use says why it is sound.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod apps;
mod args;
mod collect;
mod du;
mod elf;
mod fs;
mod live;
mod mounts;
mod procs;
mod scrub;
mod seal;
mod signals;
mod specs;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lift_bundle::redact::{Mapping, Redactor, LEARN_PATHS};
use lift_bundle::{Footer, Header, Record, Timestamp, Writer, FORMAT_VERSION};

use crate::collect::Collector;
use crate::specs::{Live, SPECS};

fn main() {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parsed = args::parse(argv.clone()).and_then(|p| match p {
        args::Parsed::Run(a) => check_paths(&a).map(|()| args::Parsed::Run(a)),
        other => Ok(other),
    });
    let args = match parsed {
        Ok(args::Parsed::Run(a)) => a,
        Ok(args::Parsed::Help) => {
            print!("{}", args::USAGE);
            return;
        }
        Ok(args::Parsed::ListSpecs) => {
            print!("{}", specs::table());
            return;
        }
        Ok(args::Parsed::Version) => {
            println!("lift-probe {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        Err(e) => {
            eprintln!("lift-probe: {e}");
            std::process::exit(2);
        }
    };
    if !args.encrypt_to.is_empty() {
        if let Err(e) = seal::check_randomness() {
            eprintln!("lift-probe: {e}");
            std::process::exit(1);
        }
    }
    if let Err(e) = run(&args, &argv) {
        eprintln!("lift-probe: {e}");
        std::process::exit(1);
    }
}

/// `--root DIR` must be a directory holding a root filesystem: a file, or
/// a directory with no etc/, usr/, bin/ or var/, would give a bundle of nothing
/// but absences. `-o` must not be a directory: the probe would collect
/// everything and then fail to write, naming no path.
#[cold]
fn check_paths(a: &args::Args) -> Result<(), String> {
    if let Some(o) = a.output.as_deref().filter(|o| o.is_dir()) {
        return Err(format!(
            "-o {}: is a directory; name the bundle's file (or - for standard output)",
            o.display()
        ));
    }
    let root = a.root.as_path();
    match ["etc", "usr", "bin", "var"]
        .iter()
        .any(|d| root.join(d).is_dir())
    {
        true => Ok(()),
        false => Err(format!(
            "--root {}: not a directory holding a root filesystem (etc/, usr/, bin/ or var/)",
            root.display()
        )),
    }
}

/// Be a quiet guest on a production server: lowest CPU priority and the
/// lowest best-effort I/O priority.
fn lower_priority() {
    // nix wraps neither call. Failure is harmless: the probe then runs at
    // the priority it was started with.
    // SAFETY: setpriority takes plain integers and changes only this process.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    const IOPRIO_CLASS_BE: libc::c_long = 2;
    // SAFETY: ioprio_set takes three integers, passes no pointer, and changes
    // only this process's I/O priority.
    unsafe {
        libc::syscall(
            libc::SYS_ioprio_set,
            IOPRIO_WHO_PROCESS,
            0 as libc::c_long,
            (IOPRIO_CLASS_BE << 13) | 7,
        )
    };
}

/// The trimmed first 4 KiB of a small regular file in the root, read the
/// probe's safe way (no FIFO can block it, no symlink can lead out).
fn read_small(root: &fs::Root, logical: &str) -> Option<String> {
    let s = String::from_utf8(read_head(root, logical, 4096)?).ok()?;
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn read_head(root: &fs::Root, logical: &str, limit: u64) -> Option<Vec<u8>> {
    let (canon, _) = root.resolve(logical.as_bytes()).ok()?;
    let mut b = Vec::new();
    root.open_regular(&canon)
        .ok()?
        .take(limit)
        .read_to_end(&mut b)
        .ok()?;
    Some(b)
}

/// The redactor for `--redact`, shown the files that define names before
/// any record passes, so that the first mention is replaced too.
fn redactor(a: &args::Args, root: &fs::Root, host: &str, map: Mapping) -> Redactor {
    let mut r = Redactor::new(map);
    for k in &a.redact_keywords {
        r.add_keyword(k);
    }
    r.learn_name(host);
    if let Some(u) = root.is_live().then(live::uname).flatten() {
        r.learn_name(&u.nodename);
        r.learn_domain(&u.domainname);
    }
    for p in LEARN_PATHS {
        if let Some(b) = read_head(root, p, 16 << 20) {
            r.learn(p.as_bytes(), &b);
        }
    }
    r
}

/// The scanned system's host name: the kernel's on a live run, the root's
/// own files otherwise.
fn hostname(root: &fs::Root) -> String {
    if root.is_live() {
        if let Some(u) = live::uname() {
            return u.nodename;
        }
    }
    [
        "/proc/sys/kernel/hostname",
        "/etc/hostname",
        "/etc/HOSTNAME",
    ]
    .iter()
    .find_map(|p| read_small(root, p))
    .unwrap_or_else(|| "unknown".into())
}

/// A name safe in a file name: the host name's letters, digits, `.`, `-`, `_`.
fn file_stem(host: &str) -> String {
    let s: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("host{s}")
    } else {
        s
    }
}

enum Output {
    /// Standard output, or a device or FIFO written in place.
    Stdout,
    /// Written to `partial`, renamed to `path` once complete, so that a
    /// half-written file never carries the final name.
    File { path: PathBuf, partial: PathBuf },
}

fn run(a: &args::Args, argv: &[std::ffi::OsString]) -> io::Result<()> {
    let started = Instant::now();
    let started_at = Timestamp::now();
    lower_priority();
    signals::install();
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    // A little past the budget, so that the collector stops by itself first.
    signals::watchdog(
        started + Duration::from_secs(a.max_seconds) + Duration::from_millis(500),
        &DONE,
    );
    let root_dir = std::fs::canonicalize(&a.root)
        .map_err(|e| io::Error::new(e.kind(), format!("--root {}: {e}", a.root.display())))?;
    let live_mounts = std::fs::read("/proc/self/mountinfo")
        .map(|b| mounts::parse_mountinfo(&b))
        .unwrap_or_default();
    let root = fs::Root::new(root_dir.clone(), mounts::avoid_list(&live_mounts));
    let host = hostname(&root);
    // The map of an earlier run is reused: the named one, or the one
    // beside a named output.
    let map_source = a.redact_map.clone().or_else(|| {
        a.output
            .as_ref()
            .filter(|o| o.as_os_str() != "-")
            .map(|o| map_beside(o))
    });
    let mut redactor = match (a.redact, &map_source) {
        (false, _) => None,
        (true, Some(m)) => Some(redactor(a, &root, &host, Mapping::load_or_new(m)?)),
        (true, None) => Some(redactor(a, &root, &host, Mapping::new())),
    };
    let shown_host = match &mut redactor {
        Some(r) => r.text(&host),
        None => host.clone(),
    };
    let (output, sink): (Output, Box<dyn Write>) = match a.output.as_deref() {
        Some(p) if p == Path::new("-") => (Output::Stdout, Box::new(io::stdout().lock())),
        // A device or FIFO (`-o /dev/null`) is written in place: renaming a
        // file over it would replace the device node.
        Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
            (
                Output::Stdout,
                Box::new(io::BufWriter::with_capacity(256 << 10, file)),
            )
        }
        other => {
            let path = other.map(Path::to_path_buf).unwrap_or_else(|| {
                let suffix = match a.encrypt_to.is_empty() {
                    true => "lift",
                    false => "lift.age",
                };
                PathBuf::from(format!(
                    "{}-{}.{suffix}",
                    file_stem(&shown_host),
                    started_at.compact()
                ))
            });
            let mut partial = path.clone().into_os_string();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode_0600()
                .open(&partial)
                .map_err(|e| {
                    // The path the user gave, once; the .partial beside it
                    // only when it is what stands in the way.
                    let why = match e.kind() {
                        io::ErrorKind::AlreadyExists => format!(
                            "{} is left from an earlier run: remove it",
                            partial.display()
                        ),
                        _ => e.to_string(),
                    };
                    io::Error::new(e.kind(), format!("-o {}: {why}", path.display()))
                })?;
            (
                Output::File { path, partial },
                Box::new(io::BufWriter::with_capacity(256 << 10, file)),
            )
        }
    };
    let result = seal::Sink::new(sink, &a.encrypt_to).and_then(|sink| {
        collect(
            a,
            argv,
            &root,
            &host,
            started_at,
            started,
            &live_mounts,
            sink,
            redactor,
        )
    });
    let (totals_line, sink, redactor) = match result {
        Ok(r) => r,
        Err(e) => {
            if let Output::File { partial, .. } = &output {
                let _ = std::fs::remove_file(partial);
            }
            return Err(io::Error::new(e.kind(), format!("writing the bundle: {e}")));
        }
    };
    DONE.store(true, std::sync::atomic::Ordering::SeqCst);
    drop(sink);
    if let Some(r) = redactor {
        let map = match (&map_source, &output) {
            (Some(m), _) => m.clone(),
            (None, Output::File { path, .. }) => map_beside(path),
            (None, Output::Stdout) => unreachable!("args refuse --redact with -o - and no map"),
        };
        r.mapping().save(&map)?;
        if !a.quiet {
            // The map names what redaction hid; it stays with the sender,
            // who cannot read the bundle it was made for once encrypted.
            let plain = match a.encrypt_to.is_empty() {
                true => "",
                false => "; it is not encrypted: never send it with the bundle",
            };
            eprintln!(
                "lift-probe: redaction map (keep it private{plain}): {}",
                map.display()
            );
        }
    }
    let shown = match &output {
        Output::Stdout => "stdout".to_string(),
        Output::File { path, partial } => {
            std::fs::rename(partial, path)?;
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            format!("{} ({})", path.display(), human(size))
        }
    };
    if signals::interrupted() {
        eprintln!("lift-probe: interrupted: wrote an incomplete bundle to {shown}: {totals_line}");
        std::process::exit(130);
    }
    let shown = match a.encrypt_to.len() {
        0 => shown,
        1 => format!("{shown}, encrypted for 1 recipient"),
        n => format!("{shown}, encrypted for {n} recipients"),
    };
    if !a.quiet {
        eprintln!("lift-probe: wrote {shown}: {totals_line}");
    }
    Ok(())
}

/// `OUTPUT.map.json`.
fn map_beside(output: &Path) -> PathBuf {
    let mut m = output.as_os_str().to_owned();
    m.push(".map.json");
    PathBuf::from(m)
}

trait Mode0600 {
    fn mode_0600(&mut self) -> &mut Self;
}

impl Mode0600 for std::fs::OpenOptions {
    fn mode_0600(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
}

#[allow(clippy::too_many_arguments)]
fn collect(
    a: &args::Args,
    argv: &[std::ffi::OsString],
    root: &fs::Root,
    host: &str,
    started_at: Timestamp,
    started: Instant,
    live_mounts: &[mounts::Mount],
    sink: seal::Sink,
    redactor: Option<Redactor>,
) -> io::Result<(String, Box<dyn Write>, Option<Redactor>)> {
    use std::os::unix::ffi::OsStrExt;
    let writer = Writer::new(sink, a.level)?;
    let deadline = started + Duration::from_secs(a.max_seconds);
    let mut c = Collector::new(root, writer, deadline, a.max_bytes);
    c.redactor = redactor;
    let identity = live::identity();
    c.emit(&Record::Header(Header {
        probe_version: env!("CARGO_PKG_VERSION").into(),
        format_version: FORMAT_VERSION,
        started_at,
        root: root.dir().as_os_str().as_bytes().into(),
        args: argv.iter().map(|s| s.as_bytes().into()).collect(),
        uid: identity.uid,
        euid: identity.euid,
        gid: identity.gid,
        hostname: host.into(),
        boot_id: if root.is_live() {
            read_small(root, "/proc/sys/kernel/random/boot_id")
        } else {
            None
        },
    }))?;
    let mut live = |c: &mut Collector<seal::Sink>, which: Live| match which {
        Live::System => live::system(c),
        Live::Statvfs => live::statvfs(c, live_mounts),
        Live::Interfaces => live::interfaces(c),
        Live::BootSectors => live::boot_sectors(c, live_mounts),
        Live::KernelModules => live::kernel_modules(c),
        Live::Processes => procs::collect(c),
        Live::AuthorizedKeys => live::authorized_keys(c),
        Live::Apps => apps::collect(c),
    };
    for spec in SPECS {
        c.run(spec, &mut live)?;
    }
    if let Some(note) = c.redactor.as_ref().map(Redactor::note) {
        c.emit(&Record::Note(note))?;
    }
    let timed_out = c.statuses.iter().filter(|s| s.timed_out).count();
    let denied = c.denied;
    let mut totals = c.totals.clone();
    totals.elapsed_ms = c.elapsed_ms();
    totals.records += 1;
    let footer = Footer {
        finished_at: Timestamp::now(),
        specs: std::mem::take(&mut c.statuses),
        totals: totals.clone(),
        scrubbed: std::mem::take(&mut c.scrubbed),
        interrupted: signals::interrupted(),
    };
    c.emit(&Record::Footer(footer))?;
    let redactor = c.redactor.take();
    let mut sink = c.finish()?.finish()?;
    sink.flush()?;
    let mut line = format!(
        "{} entries, {} of content, {:.2} s",
        totals.entries,
        human(totals.content_bytes),
        started.elapsed().as_secs_f64()
    );
    if denied > 0 {
        line.push_str(&format!(
            "; {denied} permission denied (run as root for a full picture)"
        ));
    }
    if timed_out > 0 {
        line.push_str(&format!("; {timed_out} specs ran out of time"));
    }
    Ok((line, sink, redactor))
}

fn human(n: u64) -> String {
    match n {
        n if n >= 10 << 20 => format!("{} MiB", n >> 20),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}
