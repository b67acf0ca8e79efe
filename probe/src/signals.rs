//! Stopping cleanly. SIGINT and SIGTERM ask the probe to stop: it finishes
//! the record at hand, writes a footer marked interrupted and exits, so the
//! bundle reads as incomplete rather than damaged. A watchdog thread enforces
//! the wall-clock budget even on a read that blocks (a hung FUSE or network
//! filesystem): past the deadline it signals the collecting thread, whose
//! blocked system call then fails with EINTR instead of waiting forever.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use nix::sys::pthread::{pthread_kill, pthread_self, Pthread};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

static STOP: AtomicBool = AtomicBool::new(false);
static OVERTIME: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

extern "C" fn on_alarm(_: libc::c_int) {
    OVERTIME.store(true, Ordering::SeqCst);
}

fn handle(sig: Signal, f: extern "C" fn(libc::c_int)) {
    // SA_RESTART is deliberately off, so that blocked calls return EINTR.
    let action = SigAction::new(SigHandler::Handler(f), SaFlags::empty(), SigSet::empty());
    // SAFETY: the handlers only store to atomics, which is async-signal-safe.
    let _ = unsafe { sigaction(sig, &action) };
}

pub fn install() {
    handle(Signal::SIGINT, on_stop);
    handle(Signal::SIGTERM, on_stop);
    handle(Signal::SIGALRM, on_alarm);
}

/// A signal asked the probe to stop.
pub fn interrupted() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Stop now: interrupted, or past the deadline.
pub fn stop_requested() -> bool {
    interrupted() || OVERTIME.load(Ordering::SeqCst)
}

/// Signals the calling thread with SIGALRM every 200 ms once `deadline`
/// has passed, until `done` is set.
pub fn watchdog(deadline: Instant, done: &'static AtomicBool) {
    // Kept as an integer: musl's pthread_t is a pointer, which cannot cross
    // threads as it is.
    let target = pthread_self() as usize;
    std::thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now < deadline {
                std::thread::sleep((deadline - now).min(std::time::Duration::from_millis(200)));
                continue;
            }
            OVERTIME.store(true, Ordering::SeqCst);
            // The collecting thread lives until `done` is set, so `target`
            // still names it.
            let _ = pthread_kill(target as Pthread, Signal::SIGALRM);
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Read;

    /// A read that would block forever (a pipe nobody writes to stands in
    /// for a hung FUSE or NFS server) ends soon after the deadline.
    #[test]
    fn the_watchdog_ends_a_blocked_read() {
        install();
        let (rd, _wr) = nix::unistd::pipe().unwrap();
        let mut rd = File::from(rd);
        static DONE: AtomicBool = AtomicBool::new(false);
        let t = Instant::now();
        watchdog(t + std::time::Duration::from_millis(300), &DONE);
        let err = crate::fs::read_up_to(&mut rd, 10, 0).unwrap_err();
        DONE.store(true, Ordering::SeqCst);
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            t.elapsed()
        );
        let _ = rd.read(&mut []);
        OVERTIME.store(false, Ordering::SeqCst);
    }
}
