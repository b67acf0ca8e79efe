//! Stopping cleanly. SIGINT and SIGTERM ask the probe to stop: it finishes
//! the record at hand, writes a footer marked interrupted and exits, so the
//! bundle reads as incomplete rather than damaged. A watchdog thread enforces
//! the wall-clock budget even on a read that blocks (a hung FUSE or network
//! filesystem): past the deadline it signals the collecting thread, whose
//! blocked system call then fails with EINTR instead of waiting forever.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static STOP: AtomicBool = AtomicBool::new(false);
static OVERTIME: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

extern "C" fn on_alarm(_: libc::c_int) {
    OVERTIME.store(true, Ordering::SeqCst);
}

fn handle(sig: libc::c_int, f: extern "C" fn(libc::c_int)) {
    // SAFETY: the handlers only store to atomics (async-signal-safe), and
    // SA_RESTART is deliberately off so that blocked calls return EINTR.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = f as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = 0;
        libc::sigaction(sig, &sa, std::ptr::null_mut());
    }
}

pub fn install() {
    handle(libc::SIGINT, on_stop);
    handle(libc::SIGTERM, on_stop);
    handle(libc::SIGALRM, on_alarm);
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
    // SAFETY: pthread_self has no preconditions. Kept as an integer: musl's
    // pthread_t is a pointer, which cannot cross threads as it is.
    let target = unsafe { libc::pthread_self() } as usize;
    std::thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now < deadline {
                std::thread::sleep((deadline - now).min(std::time::Duration::from_millis(200)));
                continue;
            }
            OVERTIME.store(true, Ordering::SeqCst);
            // SAFETY: the collecting thread lives until `done` is set.
            unsafe { libc::pthread_kill(target as libc::pthread_t, libc::SIGALRM) };
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::FromRawFd;

    /// A read that would block forever (a pipe nobody writes to stands in
    /// for a hung FUSE or NFS server) ends soon after the deadline.
    #[test]
    fn the_watchdog_ends_a_blocked_read() {
        install();
        let mut fds = [0; 2];
        // SAFETY: pipe fills two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors are new and owned here.
        let (mut rd, _wr) = unsafe {
            (
                std::fs::File::from_raw_fd(fds[0]),
                std::fs::File::from_raw_fd(fds[1]),
            )
        };
        static DONE: AtomicBool = AtomicBool::new(false);
        let t = Instant::now();
        watchdog(t + std::time::Duration::from_millis(300), &DONE);
        let err = crate::fs::read_up_to(&mut rd, 10).unwrap_err();
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
