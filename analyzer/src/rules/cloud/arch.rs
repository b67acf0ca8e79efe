//! The host's architecture against what the cloud's virtual machines run:
//! a 32-bit host is a finding of its own, not only an unknown somewhere
//! else.
//!
//! - EC2 runs x86_64 and arm64 images. A 32-bit x86 (i386) image still
//!   registers, but runs only on previous-generation instance types (t2,
//!   m3, c3 and older list `i386` among their supported architectures;
//!   current ones do not). Graviton runs no 32-bit ARM kernel.
//! - Azure's Linux images and its supported distributions are x64 and
//!   Arm64; Hyper-V can start a 32-bit x86 guest as a generation 1 VM,
//!   outside that support. No 32-bit ARM VMs.
//! - OpenStack runs what its hypervisors run: a 32-bit x86 guest boots on
//!   x86_64 KVM; 32-bit ARM needs ARM compute nodes.

use crate::model::Host;
use crate::model::Isa;
use crate::profile::{Profile, Target};
use crate::rules::Identified;
use crate::rules::{Finding, Rule, Severity};
use crate::sources;

pub struct Architecture;

impl Rule for Architecture {
    fn check(&self, host: &Host) -> Finding {
        self.check_for(host, &Target::new(Profile::Ec2))
    }
    fn check_for(&self, host: &Host, target: &Target) -> Finding {
        let Some(arch) = host.kernel.arch.as_deref() else {
            return Finding::unknown(self.id(), host, &[&sources::UNAME, &sources::PROC_VERSION]);
        };
        let source = host
            .kernel
            .arch_source
            .clone()
            .unwrap_or_else(|| "uname".into());
        let isa = Isa::of(arch);
        let (severity, detail, fix) = match (target.profile, isa) {
            (_, Isa::X86_64 | Isa::Aarch64) => {
                (Severity::Pass, format!("a 64-bit {arch} host"), None)
            }
            (Profile::Ec2, Isa::X86_32) => (
                Severity::Warning,
                format!("a 32-bit {arch} host: EC2 runs i386 images only on previous-generation instance types (t2, m3, c3 and older); current ones are 64-bit only"),
                Some("Move the workload to a 64-bit build of its distribution, or plan for a previous-generation instance type"),
            ),
            (Profile::Azure, Isa::X86_32) => (
                Severity::Warning,
                format!("a 32-bit {arch} host: Azure supports x64 and Arm64 Linux; a 32-bit guest boots only as a generation 1 VM, outside Azure's support"),
                Some("Move the workload to a 64-bit build of its distribution first"),
            ),
            (Profile::Openstack, Isa::X86_32) => (
                Severity::Info,
                format!("a 32-bit {arch} host: it boots on the cloud's x86_64 KVM compute nodes as it is; the image needs hw_architecture=i686"),
                None,
            ),
            (Profile::Openstack, _) => (
                Severity::Warning,
                format!("a {arch} host: it needs compute nodes of its own architecture, which few OpenStack clouds offer"),
                Some("Ask the cloud's operators for compute nodes of this architecture, or move the workload to x86_64 or aarch64"),
            ),
            (_, _) => (
                Severity::Blocker,
                format!(
                    "a {arch} host: {} runs x86_64 and arm64 virtual machines only",
                    if target.profile == Profile::Azure { "Azure" } else { "EC2" }
                ),
                Some("Move the workload to an x86_64 or aarch64 build of its distribution first"),
            ),
        };
        let mut f = Finding::new(self.id(), severity, detail).evidence(source, arch.to_string());
        if let Some(fix) = fix {
            f = f.remediation(fix);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Isa;

    fn host(arch: &str) -> Host {
        let mut h = super::super::testing::host_of(&crate::testing::fixture("debian12-systemd"));
        h.kernel.arch = Some(arch.into());
        h
    }

    #[test]
    fn each_cloud_says_what_a_32_bit_host_means() {
        let sev = |arch: &str, p: Profile| {
            Architecture
                .check_for(&host(arch), &Target::new(p))
                .severity
        };
        assert_eq!(sev("x86_64", Profile::Ec2), Severity::Pass);
        assert_eq!(sev("aarch64", Profile::Azure), Severity::Pass);
        assert_eq!(sev("i686", Profile::Ec2), Severity::Warning);
        assert_eq!(sev("i686", Profile::Azure), Severity::Warning);
        assert_eq!(sev("i686", Profile::Openstack), Severity::Info);
        assert_eq!(sev("armv7l", Profile::Ec2), Severity::Blocker);
        assert_eq!(sev("armv7l", Profile::Azure), Severity::Blocker);
        assert_eq!(sev("armv7l", Profile::Openstack), Severity::Warning);
        assert_eq!(sev("s390x", Profile::Ec2), Severity::Blocker);
        assert!(Isa::of("x86").is_32bit() && Isa::of("armhf").is_32bit());
        assert!(!Isa::of("ppc64le").is_32bit());
    }
}
