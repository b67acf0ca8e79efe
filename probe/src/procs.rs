//! The proc spec: for each process, the files that say what it is, the
//! sockets it holds, and the ELF summary of its executable.

use std::collections::HashMap;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;

use lift_bundle::{Bytes, Child, Content, ElfSummary, Fact, FileKind};

use crate::collect::Collector;
use crate::elf;
use crate::fs::child;
use crate::specs::{Take, MAX_CHILDREN};

const FILES: &[&[u8]] = &[b"comm", b"cmdline", b"status", b"stat", b"cgroup"];

pub fn collect<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    let Some(proc_dir) = c.list(b"/proc")? else {
        return Ok(());
    };
    let Ok((names, _)) = c.root.read_dir(&proc_dir, 1_000_000) else {
        return Ok(());
    };
    let mut pids: Vec<u32> = names
        .iter()
        .filter_map(|(n, _)| std::str::from_utf8(n).ok()?.parse().ok())
        .collect();
    pids.sort_unstable();
    // Executables seen, by (device, inode) on a live run or path in a root.
    let mut elves: HashMap<(u64, u64, Vec<u8>), ElfSummary> = HashMap::new();
    // The head of each executable is read into this one buffer.
    let mut head = Vec::new();
    for pid in pids {
        if !c.may_continue() {
            break;
        }
        let dir = format!("/proc/{pid}").into_bytes();
        for f in FILES {
            c.capture(&child(&dir, f), Take::Content)?;
        }
        let exe = child(&dir, b"exe");
        c.capture(&exe, Take::Meta)?;
        sockets(c, &dir)?;
        summarize_exe(c, pid, &exe, &mut elves, &mut head);
    }
    let mut elves: Vec<ElfSummary> = elves.into_values().collect();
    elves.sort_by(|a, b| a.pids.cmp(&b.pids));
    for e in elves {
        c.fact(Fact::Elf(e))?;
    }
    Ok(())
}

/// The fd directory as one listing that keeps only socket links
/// (`socket:[INODE]`), which tie sockets in /proc/net to processes.
fn sockets<W: Write>(c: &mut Collector<W>, dir: &[u8]) -> io::Result<()> {
    let fd_dir = child(dir, b"fd");
    let meta = match c.root.lstat(&fd_dir) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    let content = match c.root.read_dir(&fd_dir, MAX_CHILDREN) {
        Ok((names, _)) => Content::Children(
            names
                .into_iter()
                .filter_map(|(name, _)| {
                    let target = c.root.read_link(&child(&fd_dir, &name)).ok()?;
                    target.starts_with(b"socket:").then(|| Child {
                        name: name.into(),
                        kind: FileKind::Symlink,
                        link_target: Some(target.into()),
                    })
                })
                .collect(),
        ),
        Err(e) => {
            if e.raw_os_error() == Some(libc::EACCES) {
                c.denied += 1;
            }
            Content::Error {
                errno: e.raw_os_error().unwrap_or(0),
                message: e.to_string(),
            }
        }
    };
    c.push_entry(lift_bundle::Entry {
        spec: "proc".into(),
        path: fd_dir.into(),
        kind: FileKind::Dir,
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        size: 0,
        mtime: meta.mtime(),
        link_target: None,
        content,
    })
}

/// Live, /proc/PID/exe opens the running executable even when it was
/// deleted or replaced (the one link the probe follows). In a root, the
/// link's target is resolved inside the root.
fn summarize_exe<W: Write>(
    c: &mut Collector<W>,
    pid: u32,
    exe: &[u8],
    elves: &mut HashMap<(u64, u64, Vec<u8>), ElfSummary>,
    head: &mut Vec<u8>,
) {
    let Ok(target) = c.root.read_link(exe) else {
        return;
    }; // kernel thread, or gone
    let file = if c.root.is_live() {
        std::fs::File::open(c.root.real(exe))
    } else {
        let clean = target.strip_suffix(b" (deleted)").unwrap_or(&target);
        match c.root.resolve(clean) {
            Ok((canon, _)) => c.root.open_regular(&canon),
            Err(_) => return,
        }
    };
    let Ok(mut file) = file else { return };
    let Ok(meta) = file.metadata() else { return };
    if !meta.is_file() {
        return;
    }
    let key = if c.root.is_live() {
        (meta.dev(), meta.ino(), Vec::new())
    } else {
        (0, 0, target.clone())
    };
    if let Some(s) = elves.get_mut(&key) {
        s.pids.push(pid);
        return;
    }
    head.clear();
    head.reserve(meta.len().min(elf::HEAD) as usize);
    let summary = elf::summarize(&mut file, Bytes::from(target), vec![pid], head);
    elves.insert(key, summary);
}
