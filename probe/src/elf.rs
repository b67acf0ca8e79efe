//! The ELF summary of an executable: class, machine, interpreter, needed
//! libraries and build id, from its first bytes only.

use goblin::container::{Container, Ctx};
use goblin::elf::dynamic::Dynamic;
use goblin::elf::program_header::{ProgramHeader, PT_INTERP};
use goblin::elf::Elf;
use goblin::strtab::Strtab;
use lift_bundle::{Bytes, ElfSummary};
use std::io::Read;

/// Headers, program headers, the dynamic section and its string table sit
/// at the start of every executable we have seen; reading only this much
/// keeps the probe's memory small whatever the binary's size.
pub const HEAD: u64 = 2 << 20;

const NT_GNU_BUILD_ID: u32 = 3;

/// `buf` holds the head read; the caller keeps it from one executable to the
/// next (a fresh 2 MiB buffer for each one cost a map, 512 page faults and
/// an unmap).
pub fn summarize(
    file: &mut impl Read,
    path: Bytes,
    pids: Vec<u32>,
    buf: &mut Vec<u8>,
) -> ElfSummary {
    buf.clear();
    let mut summary = ElfSummary {
        pids,
        path,
        class: 0,
        machine: 0,
        interpreter: None,
        needed: Vec::new(),
        build_id: None,
        error: None,
    };
    if let Err(e) = file.take(HEAD).read_to_end(buf) {
        summary.error = Some(e.to_string());
        return summary;
    }
    if let Err(e) = parse(buf, &mut summary) {
        summary.error = Some(e.to_string());
    }
    summary
}

fn parse(buf: &[u8], s: &mut ElfSummary) -> goblin::error::Result<()> {
    let header = Elf::parse_header(buf)?;
    s.class = header.e_ident[goblin::elf::header::EI_CLASS];
    s.machine = header.e_machine;
    let container = if header.container()? == Container::Big {
        Container::Big
    } else {
        Container::Little
    };
    let ctx = Ctx::new(container, header.endianness()?);
    let phdrs = ProgramHeader::parse(buf, header.e_phoff as usize, header.e_phnum as usize, ctx)?;
    for ph in &phdrs {
        if ph.p_type == PT_INTERP && ph.p_filesz > 1 {
            let start = ph.p_offset as usize;
            let end = start.saturating_add(ph.p_filesz as usize - 1);
            if let Some(b) = buf.get(start..end) {
                s.interpreter = Some(String::from_utf8_lossy(b).into_owned());
            }
        }
    }
    if let Some(dynamic) = Dynamic::parse(buf, &phdrs, ctx)? {
        let strtab = Strtab::parse(buf, dynamic.info.strtab, dynamic.info.strsz, 0)?;
        s.needed = dynamic
            .get_libraries(&strtab)
            .into_iter()
            .map(str::to_owned)
            .collect();
    }
    let mut elf = Elf::lazy_parse(header)?;
    elf.program_headers = phdrs;
    if let Some(notes) = elf.iter_note_headers(buf) {
        for note in notes.flatten() {
            if note.n_type == NT_GNU_BUILD_ID && note.name == "GNU" {
                s.build_id = Some(note.desc.to_vec().into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A system executable, not this test binary: a debug build with the
    /// age crate puts its dynamic section past `HEAD` (at 4 MiB), which no
    /// shipped executable we have seen does.
    #[test]
    fn summarizes_a_system_executable() {
        let exe = ["/usr/bin/env", "/bin/env"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("env(1)");
        let mut f = std::fs::File::open(exe).unwrap();
        let s = summarize(&mut f, "x".into(), vec![1], &mut Vec::new());
        assert_eq!(s.error, None);
        assert_eq!(s.class, 2, "64-bit");
        assert_eq!(s.machine, goblin::elf::header::EM_X86_64);
        // Debian's coreutils: a dynamic glibc executable.
        assert!(
            s.interpreter.as_deref().unwrap_or("").contains("ld-linux"),
            "{s:?}"
        );
        assert!(s.needed.iter().any(|l| l.starts_with("libc.so")), "{s:?}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\x7fELF",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0\xff\xff\xff\xff",
        ] {
            let s = summarize(&mut &bytes[..], "x".into(), vec![], &mut Vec::new());
            assert!(s.error.is_some());
        }
    }
}
