//! `/proc/cpuinfo`, whose layout differs per architecture.
//!
//! Sample (x86_64, one block per logical CPU, blank line between blocks;
//! the kernel separates keys from colons with tabs):
//!
//! ```text
//! processor    : 0
//! vendor_id    : GenuineIntel
//! model name    : Intel(R) Xeon(R) Processor
//! physical id    : 0
//! cpu cores    : 2
//! flags        : fpu vme de pse tsc msr pae mce cx8 apic sep ... hypervisor ...
//! ```
//!
//! arm64 has `processor`, `Features` and `CPU implementer`/`CPU part` but no
//! model name; s390x has one header with `vendor_id`, `# processors` and a
//! `processor N: version = ...` line per CPU.

use super::{ParseError, Parsed, Partial};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CpuInfo {
    pub logical_cpus: usize,
    /// `GenuineIntel`, `AuthenticAMD`, `IBM/S390`, or the arm64 implementer's name.
    pub vendor: Option<String>,
    /// `model name` on x86; the core name on arm64; the machine type on s390x.
    pub model_name: Option<String>,
    /// x86 `flags`, arm64 `Features`, s390x `features` of the first CPU.
    pub flags: Vec<String>,
    /// The CPU says it runs under a hypervisor (x86 CPUID bit, `hypervisor` flag).
    pub hypervisor_flag: bool,
    /// Distinct `physical id`s (x86 only).
    pub sockets: Option<usize>,
    /// Sum of `cpu cores` over the sockets (x86 only).
    pub cores: Option<usize>,
}

pub fn parse(bytes: &[u8]) -> Parsed<CpuInfo> {
    let text = String::from_utf8_lossy(bytes);
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    let mut logical_cpus = 0usize;
    let mut s390_processors = None;
    let mut cores_per_socket: BTreeMap<&str, usize> = BTreeMap::new();
    let mut socket = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "processor" if value.parse::<u64>().is_ok() => logical_cpus += 1,
            "# processors" => s390_processors = value.parse::<usize>().ok(),
            "physical id" => socket = Some(value),
            "cpu cores" => {
                if let (Some(id), Ok(cores)) = (socket, value.parse()) {
                    cores_per_socket.insert(id, cores);
                }
            }
            _ => {}
        }
        first.entry(key).or_insert(value);
    }
    let logical_cpus = s390_processors.unwrap_or(logical_cpus);
    if logical_cpus == 0 {
        return Err(ParseError::new("no processor entries"));
    }
    let flags: Vec<String> = ["flags", "Features", "features"]
        .iter()
        .find_map(|key| first.get(key))
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let owned = |key: &str| {
        first
            .get(key)
            .filter(|v| !v.is_empty())
            .map(|v| (*v).to_owned())
    };
    let (vendor, model_name) = match first.get("CPU implementer") {
        Some(implementer) => arm_names(implementer, first.get("CPU part").copied()),
        None => (
            owned("vendor_id"),
            owned("model name").or_else(|| s390_machine(&first)),
        ),
    };
    Ok(Partial::whole(CpuInfo {
        logical_cpus,
        vendor,
        model_name,
        hypervisor_flag: flags.iter().any(|f| f == "hypervisor"),
        flags,
        sockets: (!cores_per_socket.is_empty()).then_some(cores_per_socket.len()),
        cores: (!cores_per_socket.is_empty()).then(|| cores_per_socket.values().sum()),
    }))
}

/// arm64 reports numeric implementer and part codes (the MIDR fields);
/// these are the ones servers and cloud instances use.
fn arm_names(implementer: &str, part: Option<&str>) -> (Option<String>, Option<String>) {
    let vendor = match implementer {
        "0x41" => "ARM",
        "0x42" => "Broadcom",
        "0x43" => "Cavium",
        "0x48" => "HiSilicon",
        "0x4e" => "NVIDIA",
        "0x50" => "Applied Micro",
        "0x51" => "Qualcomm",
        "0x61" => "Apple",
        "0xc0" => "Ampere",
        other => other,
    };
    let model = match (implementer, part) {
        ("0x41", Some("0xd03")) => Some("Cortex-A53"),
        ("0x41", Some("0xd08")) => Some("Cortex-A72"),
        ("0x41", Some("0xd0c")) => Some("Neoverse-N1"),
        ("0x41", Some("0xd40")) => Some("Neoverse-V1"),
        ("0x41", Some("0xd49")) => Some("Neoverse-N2"),
        ("0x41", Some("0xd4f")) => Some("Neoverse-V2"),
        _ => None,
    };
    (Some(vendor.to_owned()), model.map(str::to_owned))
}

/// s390x: `processor 0: version = FF,  identification = 0133E8,  machine = 2964`.
fn s390_machine(first: &BTreeMap<&str, &str>) -> Option<String> {
    let line = first.get("processor 0")?;
    let machine = line
        .split(',')
        .find_map(|part| part.trim().strip_prefix("machine = "))?;
    Some(format!("IBM {}", machine.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn this_machine_x86() {
        let cpu = parse(&fixture("debian12-this-machine/proc/cpuinfo"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(cpu.logical_cpus, 2);
        assert_eq!(cpu.vendor.as_deref(), Some("GenuineIntel"));
        assert_eq!(
            cpu.model_name.as_deref(),
            Some("Intel(R) Xeon(R) Processor")
        );
        assert!(cpu.hypervisor_flag);
        assert!(cpu.flags.iter().any(|f| f == "lm"));
        assert_eq!((cpu.sockets, cpu.cores), (Some(1), Some(2)));
    }

    #[test]
    fn arm64_graviton2() {
        let cpu = parse(&fixture("arm64-graviton2/proc/cpuinfo"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(cpu.logical_cpus, 2);
        assert_eq!(cpu.vendor.as_deref(), Some("ARM"));
        assert_eq!(cpu.model_name.as_deref(), Some("Neoverse-N1"));
        assert!(cpu.flags.iter().any(|f| f == "asimd"));
        assert!(!cpu.hypervisor_flag);
        assert_eq!(cpu.sockets, None);
    }

    #[test]
    fn s390x() {
        let cpu = parse(&fixture("s390x-z13/proc/cpuinfo"))
            .map(|p| p.value)
            .unwrap();
        assert_eq!(cpu.logical_cpus, 2);
        assert_eq!(cpu.vendor.as_deref(), Some("IBM/S390"));
        assert_eq!(cpu.model_name.as_deref(), Some("IBM 2964"));
        assert!(cpu.flags.iter().any(|f| f == "zarch"));
    }

    #[test]
    fn empty_is_an_error() {
        assert!(parse(b"").map(|p| p.value).is_err());
        assert!(parse(b"garbage\n\xff\xfe: x\n").map(|p| p.value).is_err());
    }
}
