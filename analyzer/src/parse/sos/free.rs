//! `free` (sos: `sos_commands/memory/free`, the top `free` link): memory in
//! KiB. procps-ng 3.3.10 and later print an `available` column (the
//! kernel's MemAvailable); older ones `buffers` and `cached`, from which
//! available is free + buffers + cached, as on kernels before 3.14.
//!
//! ```text
//!               total        used        free      shared  buff/cache   available
//! Mem:       16393164     7474740      185156       44924     8733268     8638440
//! Swap:       4194300       67584     4126716
//! ```

use crate::parse::{ParseError, Parsed, Partial};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Free {
    pub total_bytes: u64,
    pub available_bytes: u64,
    /// True when `available` was printed; false when it is free+buffers+cached.
    pub from_available_column: bool,
    pub swap_total_bytes: Option<u64>,
}

/// `free`'s table; broken without its header and `Mem:` row.
pub fn parse(bytes: &[u8]) -> Parsed<Free> {
    read(bytes)
        .map(Partial::whole)
        .ok_or_else(|| ParseError::new("not free's output (no header and Mem: row)"))
}

fn read(bytes: &[u8]) -> Option<Free> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    let row = |prefix: &str| -> Option<Vec<u64>> {
        let line = text.lines().find(|l| l.starts_with(prefix))?;
        line.split_whitespace()
            .skip(1)
            .map(|v| v.parse().ok())
            .collect()
    };
    let mem = row("Mem:")?;
    let col = |name: &str| Some(mem[header.iter().position(|h| *h == name)?]);
    let kib = 1024;
    let (available, from_column) = match col("available") {
        Some(a) => (a, true),
        None => (col("free")? + col("buffers")? + col("cached")?, false),
    };
    Some(Free {
        total_bytes: col("total")? * kib,
        available_bytes: available * kib,
        from_available_column: from_column,
        swap_total_bytes: row("Swap:")
            .and_then(|s| s.first().copied())
            .map(|s| s * kib),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hotsos's OpenStack compute node (procps-ng 3.3.16).
    #[test]
    fn with_available() {
        let b = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/sos-hotsos-openstack/sos_commands/memory/free"
        ))
        .unwrap();
        let f = parse(&b).unwrap().value;
        assert_eq!(f.total_bytes, 16393164 * 1024);
        assert_eq!(f.available_bytes, 8638440 * 1024);
        assert!(f.from_available_column);
        assert_eq!(f.swap_total_bytes, Some(4194300 * 1024));
    }

    /// procps 3.2.8 (RHEL 6) as its free prints (written after that version's
    /// output format): no available column.
    #[test]
    fn without_available() {
        let b = b"             total       used       free     shared    buffers     cached\nMem:       1922488    1780440     142048          0     150744    1297644\n-/+ buffers/cache:     332052    1590436\nSwap:      4128764          0    4128764\n";
        let f = parse(b).unwrap().value;
        assert_eq!(f.available_bytes, (142048 + 150744 + 1297644) * 1024);
        assert!(!f.from_available_column);
        assert!(parse(b"nonsense\n").is_err());
    }
}
