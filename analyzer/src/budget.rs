//! The memory and time `lift report`, `check` and `diff` may take: the
//! same budgets a `lift batch` worker has for one bundle (an address-space
//! limit and a wall clock), so that a small hostile input cannot take a
//! machine's memory or an afternoon. `main` applies them; its allocator
//! calls [`refused`] when an allocation is refused, for a message in place
//! of the runtime's abort.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The memory budget in MiB, for the message (0: none set).
static MEMORY_MIB: AtomicU64 = AtomicU64::new(0);

/// Limits this process's address space to `memory_mib` MiB and its run to
/// `seconds` of wall-clock time; past either it stops with a message
/// naming the flag that raises it, and exit status 2.
pub fn apply(seconds: u64, memory_mib: u64) {
    let bytes = memory_mib.saturating_mul(1 << 20);
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit with a valid struct; the limit is
    // only ever lowered.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_AS, &mut r) == 0 && bytes < r.rlim_cur {
            r.rlim_cur = bytes;
            if libc::setrlimit(libc::RLIMIT_AS, &r) == 0 {
                MEMORY_MIB.store(memory_mib, Ordering::Relaxed);
            }
        }
    }
    let _ = std::thread::Builder::new()
        .name("time budget".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(seconds));
            eprintln!(
                "lift: stopped after {seconds} s, the time budget (raise it with --max-seconds)"
            );
            std::process::exit(2);
        });
}

/// Called by the allocator when an allocation is refused: under a budget
/// set by [`apply`], says so and exits, without allocating; otherwise
/// returns, and the runtime reports it as always (a batch worker's parent
/// reads that message).
pub fn refused(size: usize) {
    let mib = MEMORY_MIB.load(Ordering::Relaxed);
    if mib == 0 {
        return;
    }
    let mut msg = [0u8; 200];
    let mut at = 0;
    let mut put = |s: &[u8]| {
        let n = s.len().min(msg.len() - at);
        msg[at..at + n].copy_from_slice(&s[..n]);
        at += n;
    };
    put(b"lift: out of memory allocating ");
    put(digits(size as u64, &mut [0; 20]));
    put(b" bytes, past the memory budget of ");
    put(digits(mib, &mut [0; 20]));
    put(b" MiB (raise it with --max-memory)\n");
    // SAFETY: write(2) and _exit(2) allocate nothing.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), at);
        libc::_exit(2)
    }
}

fn digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_without_allocating() {
        assert_eq!(super::digits(0, &mut [0; 20]), b"0");
        assert_eq!(super::digits(4096, &mut [0; 20]), b"4096");
        assert_eq!(
            super::digits(u64::MAX, &mut [0; 20]),
            b"18446744073709551615"
        );
    }
}
