//! One bundle, one process: `lift batch` runs each bundle in a worker (the
//! `lift` executable itself, with a hidden subcommand) under a wall-clock
//! and a memory budget, so that no bundle can take the batch down. A worker
//! that runs out of time is killed; one that runs out of memory fails its
//! allocation and dies; either way the bundle becomes one line of
//! errors.jsonl with the reason, and the batch goes on.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::HostSummary;

/// The hidden subcommand a worker runs.
pub const WORKER_COMMAND: &str = "__batch-worker";

/// How each bundle is isolated.
#[derive(Clone, Debug)]
pub struct Isolation {
    /// The `lift` executable to run as the worker.
    pub exe: PathBuf,
    /// Wall-clock seconds per bundle.
    pub max_seconds: u64,
    /// Address space per worker, in MiB.
    pub max_memory_mib: u64,
}

/// What a worker may print on stdout: a host summary is a few KB, a hostile
/// one with every connection listed a few MB.
const MAX_SUMMARY: u64 = 256 << 20;
/// The tail of a worker's stderr kept for the error message.
const MAX_STDERR: usize = 4096;

/// Runs bundle `index` in a worker; the arguments after the subcommand are
/// `worker_args` (input, target, parts directory).
pub fn run(iso: &Isolation, worker_args: &[&std::ffi::OsStr]) -> Result<HostSummary, String> {
    let mut cmd = Command::new(&iso.exe);
    cmd.arg(WORKER_COMMAND)
        .args(worker_args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let memory = iso.max_memory_mib.saturating_mul(1 << 20);
    let cpu = iso.max_seconds.saturating_add(1);
    // SAFETY: only async-signal-safe setrlimit calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            limit(libc::RLIMIT_AS, memory)?;
            // A backstop to the wall clock, and no core file from an abort.
            limit(libc::RLIMIT_CPU, cpu)?;
            limit(libc::RLIMIT_CORE, 0)
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start a worker ({}): {e}", iso.exe.display()))?;
    let out = drain(child.stdout.take().expect("piped"), MAX_SUMMARY);
    let err = drain(child.stderr.take().expect("piped"), 1 << 20);
    let waited = wait(&mut child, Duration::from_secs(iso.max_seconds));
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let said = last_line(&stderr);
    let status = match waited {
        Some(s) => s,
        None => {
            return Err(format!(
                "took longer than {} s (--max-seconds-per-bundle); stopped",
                iso.max_seconds
            ))
        }
    };
    if let Some(sig) = status.signal() {
        // Rust says so on stderr before it aborts on a failed allocation; a
        // panic aborts too (release builds), with its own message.
        let memory_hint = said.starts_with("memory allocation of");
        let why = match sig {
            libc::SIGXCPU => {
                format!("used more than {cpu} s of CPU (--max-seconds-per-bundle); stopped")
            }
            _ if memory_hint => format!(
                "ran out of its memory budget of {} MiB (--max-memory-per-bundle)",
                iso.max_memory_mib
            ),
            libc::SIGABRT => "the worker aborted".to_string(),
            _ => format!("the worker died (signal {sig})"),
        };
        return Err(if said.is_empty() {
            why
        } else {
            format!("{why}: {said}")
        });
    }
    if !status.success() {
        return Err(if said.is_empty() {
            format!("the worker failed ({status})")
        } else {
            said
        });
    }
    serde_json::from_slice(&stdout).map_err(|e| format!("the worker's summary is unreadable: {e}"))
}

fn limit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let r = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: setrlimit with a valid struct.
    if unsafe { libc::setrlimit(resource, &r) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Reads a pipe to its end on a thread, keeping at most `cap` bytes.
fn drain(mut r: impl Read + Send + 'static, cap: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut r).take(cap).read_to_end(&mut buf);
        // Keep reading (and dropping) so the worker never blocks on a full pipe.
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        buf
    })
}

/// Waits for the child until `limit`; past it, kills it and returns None.
fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Some(s),
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => {}
            Err(_) => {
                let _ = child.kill();
                return child.wait().ok();
            }
        }
        std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// What the worker said last on stderr (its allocation failure, if it had
/// one), without the `lift: ` prefix.
fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(&stderr[stderr.len().saturating_sub(MAX_STDERR)..]);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let line = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("memory allocation of"))
        .or(lines.last())
        .copied()
        .unwrap_or("");
    line.strip_prefix("lift: ")
        .unwrap_or(line)
        .trim()
        .to_string()
}

/// The worker's arguments for one bundle.
pub fn worker_args<'a>(
    index: &'a std::ffi::OsStr,
    input: &'a Path,
    parts: &'a Path,
    profile: &'a std::ffi::OsStr,
    firewall: bool,
) -> Vec<&'a std::ffi::OsStr> {
    let mut v = vec![
        std::ffi::OsStr::new("--index"),
        index,
        std::ffi::OsStr::new("--parts"),
        parts.as_os_str(),
        std::ffi::OsStr::new("--target"),
        profile,
    ];
    if firewall {
        v.push(std::ffi::OsStr::new("--firewall"));
    }
    v.push(std::ffi::OsStr::new("--"));
    v.push(input.as_os_str());
    v
}
