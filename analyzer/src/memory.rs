//! How `lift` asks glibc's malloc for memory, measured per command
//! (bench/results/analyzer-perf-2026-11-29b.md, fleet-2026-11-29b.md).
//!
//! By default malloc gives each allocation over 128 KiB a mapping of its
//! own, unmapped when freed, and gives the heap's free top back to the
//! kernel past 128 KiB. A report's large temporaries (record bodies, file
//! lists, the JSON text) then fault fresh, zeroed pages in again and again:
//! about 4,000 page faults a live bundle, a third of a report's CPU, and in
//! a batch worker every bundle paid them anew.
//!
//! The calls are for the start of `main`, before any thread runs; on other
//! C libraries they do nothing.

/// Freed memory stays with the process for reuse: blocks up to 32 MiB
/// (the largest threshold glibc accepts on 64-bit) come from the heap, and
/// the heap is trimmed only past 256 MiB. A process's peak is what it was;
/// a batch worker's budget (`RLIMIT_AS`) holds as before.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets malloc's tunables; it takes no pointers,
    // and runs before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// For `lift batch`'s own process: allocations over 128 KiB always get a
/// mapping of their own, given back when freed. glibc's default raises
/// that threshold to the size of each large block freed, so a batch's
/// per-host lists, freed before the Parquet phase (larger the more hosts),
/// moved the JSON reader's multi-MB buffers onto the heap, where they
/// stayed: the peak RSS grew with the fleet (VmHWM at 10,000 small bundles
/// 30.7 and 32.4 MB, 29.0 and 29.1 with the threshold fixed; at 1,000 28.7
/// and 29.4 against 26.9 and 26.8). The workers' page faults hardly move
/// (10,354 and 13,713 over 1,000 bundles): their large buffers are kept
/// from bundle to bundle.
pub fn large_blocks_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: as above.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// For one report (or check, or diff): the heap is grown once by 32 MiB
/// and marked for transparent huge pages (`MADV_HUGEPAGE`, which Debian's
/// default `madvise` mode honours). A report touches some 14 MB of fresh
/// memory (the bundle's contents alone are 8 MB), one 4 KiB page fault
/// each; in 2 MiB pages, 250 to 700 faults instead of 3,560. Not for
/// `lift batch`: its workers reuse their heap from bundle to bundle.
pub fn heap_in_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: as above.
        unsafe {
            libc::mallopt(libc::M_TOP_PAD, 32 << 20);
        }
        // Grows the heap by the pad now (freed, it stays: trim threshold).
        drop(std::hint::black_box(Vec::<u8>::with_capacity(1 << 20)));
        let Some((start, end)) = heap_range() else {
            return;
        };
        // SAFETY: the range is this process's own heap mapping, as the
        // kernel lists it; MADV_HUGEPAGE is advice on how to back its pages
        // and changes neither the mapping nor its contents. A failure is
        // ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

/// Where `/proc/self/maps` says the heap (`[heap]`) lies.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap_range() -> Option<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let line = maps.lines().find(|l| l.ends_with("[heap]"))?;
    let (start, end) = line.split_whitespace().next()?.split_once('-')?;
    Some((
        usize::from_str_radix(start, 16).ok()?,
        usize::from_str_radix(end, 16).ok()?,
    ))
    .filter(|(s, e)| s < e)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    #[test]
    fn the_heap_is_found() {
        drop(std::hint::black_box(vec![1u8; 1000]));
        let (start, end) = super::heap_range().expect("a [heap] line in /proc/self/maps");
        assert!(end - start >= 4096);
    }
}
