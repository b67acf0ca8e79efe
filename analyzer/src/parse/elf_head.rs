//! The architecture an ELF executable was built for, from its first 20
//! bytes: `e_ident`'s class and data encoding, then `e_machine`.
//!
//! Sample: the head of Debian 12's `/usr/bin/dash` (amd64), and of the same
//! file in the i386 build (`fixtures/debian12-i386`):
//!
//! ```text
//! 7f45 4c46 0201 0100 0000 0000 0000 0000 0300 3e00   .ELF, 64-bit, LSB, ET_DYN, EM_X86_64
//! 7f45 4c46 0101 0100 0000 0000 0000 0000 0300 0300   .ELF, 32-bit, LSB, ET_DYN, EM_386
//! ```
//!
//! The names are uname's (`machine`), so an architecture from an ELF header
//! reads like one from the running kernel.

use super::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElfHead {
    /// ELFCLASS64.
    pub bits64: bool,
    /// ELFDATA2LSB.
    pub little_endian: bool,
    pub machine: u16,
}

impl ElfHead {
    /// uname's name for the architecture; None for a machine lift does not
    /// know.
    pub fn arch(&self) -> Option<&'static str> {
        Some(match (self.machine, self.bits64) {
            (62, true) => "x86_64",
            (3, false) => "i686",
            (183, true) => "aarch64",
            (40, false) => "armv7l",
            (243, true) => "riscv64",
            (243, false) => "riscv32",
            (21, true) if self.little_endian => "ppc64le",
            (21, true) => "ppc64",
            (20, false) => "ppc",
            (22, true) => "s390x",
            (22, false) => "s390",
            (8, true) => "mips64",
            (8, false) => "mips",
            (258, true) => "loongarch64",
            _ => return None,
        })
    }
}

pub fn parse(bytes: &[u8]) -> Parsed<ElfHead> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err(ParseError::at_offset(
            0,
            "not an ELF file (no \\x7fELF magic)",
        ));
    }
    let bits64 = match bytes.get(4) {
        Some(1) => false,
        Some(2) => true,
        Some(c) => return Err(ParseError::at_offset(4, format!("unknown ELF class {c}"))),
        None => return Err(ParseError::at_offset(4, "cut short before its class")),
    };
    let little_endian = match bytes.get(5) {
        Some(1) => true,
        Some(2) => false,
        Some(d) => {
            return Err(ParseError::at_offset(
                5,
                format!("unknown ELF data encoding {d}"),
            ))
        }
        None => return Err(ParseError::at_offset(5, "cut short before its encoding")),
    };
    let m = bytes
        .get(18..20)
        .ok_or_else(|| ParseError::at_offset(18, "cut short before e_machine"))?;
    let machine = match little_endian {
        true => u16::from_le_bytes([m[0], m[1]]),
        false => u16::from_be_bytes([m[0], m[1]]),
    };
    Ok(Partial::whole(ElfHead {
        bits64,
        little_endian,
        machine,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AMD64_DASH: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0";

    #[test]
    fn the_samples() {
        let h = parse(AMD64_DASH).map(|p| p.value).unwrap();
        assert_eq!(h.arch(), Some("x86_64"));
        let mut i386 = AMD64_DASH.to_vec();
        i386[4] = 1;
        i386[18] = 3;
        assert_eq!(parse(&i386).map(|p| p.value).unwrap().arch(), Some("i686"));
        // s390x is big-endian: e_machine 22 as 00 16.
        let s390x = b"\x7fELF\x02\x02\x01\0\0\0\0\0\0\0\0\0\0\x02\0\x16";
        assert_eq!(parse(s390x).map(|p| p.value).unwrap().arch(), Some("s390x"));
    }

    #[test]
    fn hostile_heads_are_errors() {
        assert!(parse(b"").map(|p| p.value).is_err());
        assert!(parse(b"#!/bin/sh\n").map(|p| p.value).is_err());
        assert_eq!(
            parse(&AMD64_DASH[..19])
                .map(|p| p.value)
                .unwrap_err()
                .offset,
            Some(18)
        );
        let mut bad = AMD64_DASH.to_vec();
        bad[4] = 9;
        assert!(parse(&bad)
            .map(|p| p.value)
            .unwrap_err()
            .message
            .contains("class 9"));
        let mut odd = AMD64_DASH.to_vec();
        odd[18] = 0xff;
        odd[19] = 0xff;
        assert_eq!(parse(&odd).map(|p| p.value).unwrap().arch(), None);
    }
}
