//! Bundles in worker processes: `lift batch` runs each bundle in a worker
//! (the `lift` executable itself, with a hidden subcommand) under a
//! wall-clock and a memory budget, so that no bundle can take the batch
//! down. A worker that runs out of time is killed; one that runs out of
//! memory fails its allocation and dies; either way the bundle becomes one
//! line of errors.jsonl with the reason, and the batch goes on.
//!
//! A worker serves many bundles, one at a time ([`Workers`]): starting a
//! process per bundle cost more than reading a small bundle. A worker that
//! dies or is killed is replaced for the next bundle, and each is replaced
//! after [`BUNDLES_PER_WORKER`] bundles all the same.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::HostSummary;

/// Why a bundle's worker gave no summary: one line of errors.jsonl.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("cannot start a worker ({}): {error}", exe.display())]
    Start { exe: PathBuf, error: std::io::Error },
    #[error("took longer than {seconds} s (--max-seconds-per-bundle); stopped")]
    Timeout { seconds: u64 },
    #[error("the worker's summary is too long")]
    TooLong,
    #[error("the worker's summary is unreadable: {0}")]
    Unreadable(serde_json::Error),
    #[error("the worker was lost: {0}")]
    Lost(std::io::Error),
    /// The worker stopped answering: why, from its exit status and the
    /// last line of its stderr (see `why_failed`).
    #[error("{0}")]
    Died(String),
    /// The worker read the bundle and answered why it gave no report.
    #[error("{0}")]
    Answered(String),
}

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

/// Why a worker that exited with `status` failed; `said` is the last line
/// of its stderr.
fn why_failed(iso: &Isolation, status: std::process::ExitStatus, said: &str) -> String {
    let cpu = iso.max_seconds.saturating_add(1);
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
        return if said.is_empty() {
            why
        } else {
            format!("{why}: {said}")
        };
    }
    if said.is_empty() {
        format!("the worker failed ({status})")
    } else {
        said.to_string()
    }
}

/// glibc's malloc tunables for a worker: each thread's cache of freed
/// small blocks holds up to 65,535 a size (7 by default). A worker builds
/// and drops a bundle's model, report and pages, millions of small blocks;
/// past 7 a size each free went to malloc's bins and was merged and split
/// again: malloc was a sixth of a batch's samples (`_int_malloc`,
/// `_int_free`, `malloc_consolidate`, `unlink_chunk`). With it a batch's
/// user CPU fell 10% (bench/results/fleet-2026-12-08-settle.md); a worker's peak RSS
/// grows by what it caches, bounded by what one bundle freed. The user's
/// own tunables follow, so theirs win; glibc before 2.30 (at most 127)
/// ignores it, as do other C libraries.
fn worker_tunables(own: Option<std::ffi::OsString>) -> std::ffi::OsString {
    let mut t = std::ffi::OsString::from("glibc.malloc.tcache_count=65535");
    if let Some(own) = own.filter(|v| !v.is_empty()) {
        t.push(":");
        t.push(own);
    }
    t
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

/// How many bundles one worker process reads before it is replaced.
pub const BUNDLES_PER_WORKER: usize = 256;

/// What a serving worker answers for one bundle: one line of JSON.
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Answer {
    #[serde(rename = "ok")]
    Ok(Box<HostSummary>),
    #[serde(rename = "err")]
    Err(String),
}

/// One serving worker: `lift __batch-worker --serve`, fed `INDEX\0PATH\0`
/// on stdin, answering one [`Answer`] line per bundle on stdout.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Result<Vec<u8>, WorkerError>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Ends when the worker's stderr closes, that is when it exits.
    stderr_thread: std::thread::JoinHandle<()>,
    served: usize,
}

/// The serving workers of one batch, reused across bundles.
pub struct Workers {
    iso: Isolation,
    args: Vec<std::ffi::OsString>,
    idle: Mutex<Vec<Worker>>,
}

impl Workers {
    /// `args`: the worker's arguments after `--serve` (parts directory,
    /// target, firewall).
    pub fn new(iso: Isolation, args: Vec<std::ffi::OsString>) -> Workers {
        Workers {
            iso,
            args,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn spawn(&self) -> Result<Worker, WorkerError> {
        let mut cmd = Command::new(&self.iso.exe);
        cmd.arg(WORKER_COMMAND)
            .arg("--serve")
            .arg("--max-seconds")
            .arg(self.iso.max_seconds.to_string())
            .args(&self.args)
            .env_remove("RUST_BACKTRACE")
            .env(
                "GLIBC_TUNABLES",
                worker_tunables(std::env::var_os("GLIBC_TUNABLES")),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let memory = self.iso.max_memory_mib.saturating_mul(1 << 20);
        let cpu = self.iso.max_seconds.saturating_add(1);
        // SAFETY: only async-signal-safe setrlimit calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                limit(libc::RLIMIT_AS, memory)?;
                // The worker moves its soft CPU limit on before each bundle
                // (see `cpu_budget`); the hard limit stays as it was.
                soft_limit(libc::RLIMIT_CPU, cpu)?;
                limit(libc::RLIMIT_CORE, 0)
            });
        }
        let mut child = cmd.spawn().map_err(|error| WorkerError::Start {
            exe: self.iso.exe.clone(),
            error,
        })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match (&mut r).take(MAX_SUMMARY).read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) if line.last() == Some(&b'\n') => {}
                    Ok(_) => {
                        let _ = tx.send(Err(WorkerError::TooLong));
                        let _ = std::io::copy(&mut r, &mut std::io::sink());
                        return;
                    }
                }
                if tx.send(Ok(line)).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let tail = Arc::clone(&stderr);
        let mut err = child.stderr.take().expect("piped");
        let stderr_thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    return;
                }
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                t.extend_from_slice(&buf[..n]);
                let cut = t.len().saturating_sub(MAX_STDERR);
                t.drain(..cut);
            }
        });
        Ok(Worker {
            child,
            stdin,
            lines,
            stderr,
            stderr_thread,
            served: 0,
        })
    }

    /// Bundle `index` (`input`) in a worker, under the budgets.
    pub fn run(&self, index: usize, input: &Path) -> Result<HostSummary, WorkerError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut w = match idle {
            Some(w) => w,
            None => self.spawn()?,
        };
        let mut request = format!("{index}\0").into_bytes();
        request.extend_from_slice(input.as_os_str().as_bytes());
        request.push(0);
        let sent = w.stdin.write_all(&request).and_then(|_| w.stdin.flush());
        let limit = Duration::from_secs(self.iso.max_seconds);
        let got = match sent {
            Ok(()) => w.lines.recv_timeout(limit),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        let line = match got {
            Ok(Ok(line)) => line,
            Ok(Err(why)) => {
                let _ = w.child.kill();
                let _ = w.child.wait();
                return Err(why);
            }
            Err(RecvTimeoutError::Timeout) => {
                let _ = w.child.kill();
                let _ = w.child.wait();
                return Err(WorkerError::Timeout {
                    seconds: self.iso.max_seconds,
                });
            }
            Err(RecvTimeoutError::Disconnected) => return Err(self.died(w)),
        };
        w.served += 1;
        if w.served < BUNDLES_PER_WORKER {
            self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(w);
        } else {
            retire(w);
        }
        match serde_json::from_slice(&line) {
            Ok(Answer::Ok(summary)) => Ok(*summary),
            Ok(Answer::Err(why)) => Err(WorkerError::Answered(why)),
            Err(e) => Err(WorkerError::Unreadable(e)),
        }
    }

    /// Why a worker stopped answering, from its exit status and what it
    /// said last on stderr.
    fn died(&self, w: Worker) -> WorkerError {
        let mut w = w;
        let status = w.child.wait();
        let _ = w.stderr_thread.join();
        let said = last_line(&w.stderr.lock().unwrap_or_else(|e| e.into_inner()));
        let status = match status {
            Ok(s) => s,
            Err(e) => return WorkerError::Lost(e),
        };
        WorkerError::Died(why_failed(&self.iso, status, &said))
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for w in self
            .idle
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            retire(w);
        }
    }
}

/// Closing its stdin ends a serving worker.
fn retire(w: Worker) {
    let Worker {
        mut child, stdin, ..
    } = w;
    drop(stdin);
    let _ = child.wait();
}

fn soft_limit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit with a valid struct.
    unsafe {
        if libc::getrlimit(resource, &mut r) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        r.rlim_cur = value.min(r.rlim_max);
        if libc::setrlimit(resource, &r) == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

/// In a serving worker, before each bundle: the CPU limit moves to what the
/// process has used so far plus one bundle's budget.
pub fn cpu_budget(seconds: u64) -> std::io::Result<()> {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage with a valid struct.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let used = (u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1).max(0) as u64;
    soft_limit(
        libc::RLIMIT_CPU,
        used.saturating_add(seconds).saturating_add(1),
    )
}

/// Reads one `INDEX\0PATH\0` request; None at the end of the input.
pub fn read_request(r: &mut impl BufRead) -> std::io::Result<Option<(usize, PathBuf)>> {
    let mut index = Vec::new();
    if r.read_until(0, &mut index)? == 0 {
        return Ok(None);
    }
    let mut path = Vec::new();
    r.read_until(0, &mut path)?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad worker request");
    if index.pop() != Some(0) || path.pop() != Some(0) {
        return Err(bad());
    }
    let index = std::str::from_utf8(&index)
        .ok()
        .and_then(|i| i.parse().ok())
        .ok_or_else(bad)?;
    Ok(Some((
        index,
        PathBuf::from(std::ffi::OsStr::from_bytes(&path)),
    )))
}

#[cfg(test)]
mod tests {
    use super::worker_tunables;
    use std::ffi::OsString;

    /// The worker's cache size, then the user's own tunables (glibc keeps
    /// the last value of a name, so a user's own `tcache_count` wins).
    #[test]
    fn the_users_tunables_come_last() {
        let ours = "glibc.malloc.tcache_count=65535";
        assert_eq!(worker_tunables(None), OsString::from(ours));
        assert_eq!(worker_tunables(Some(OsString::new())), OsString::from(ours));
        assert_eq!(
            worker_tunables(Some(
                "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0".into()
            )),
            OsString::from(format!(
                "{ours}:glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0"
            ))
        );
    }
}
