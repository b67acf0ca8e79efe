//! Virtualization, combined from nine inputs: DMI, /sys/hypervisor,
//! /proc/xen and the CPU's `hypervisor` flag (each read through its row by
//! `platform.rs`; a combiner, not a parser, so it lives in the model).
//!
//! Samples (one value per file, newline-terminated):
//!
//! ```text
//! /sys/class/dmi/id/sys_vendor     QEMU            (KVM)
//! /sys/class/dmi/id/product_name   VMware Virtual Platform
//! /sys/class/dmi/id/sys_vendor     Amazon EC2      (Nitro)
//! /sys/hypervisor/type             xen             (with no /sys/class/dmi: a PV guest)
//! /proc/xen/capabilities           control_d       (dom0)
//! ```
//!
//! A Xen PV guest boots without firmware, so it has no DMI tables at all;
//! HVM guests get an emulated BIOS that fills them. "Not virtual" is only
//! claimed on positive evidence: DMI present, naming no hypervisor, and a
//! CPU without the hypervisor flag.

use super::platform::Virtualization;
use crate::sources as src;

/// The raw facts; each `None` when the file is absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VirtInputs {
    pub sys_vendor: Option<String>,
    pub product_name: Option<String>,
    pub product_version: Option<String>,
    pub bios_vendor: Option<String>,
    pub chassis_vendor: Option<String>,
    /// `/sys/hypervisor/type`.
    pub hypervisor_type: Option<String>,
    /// `/sys/hypervisor/guest_type` (PV, HVM, PVH; Linux 4.15 and later).
    pub xen_guest_type: Option<String>,
    /// `/proc/xen/capabilities`.
    pub xen_capabilities: Option<String>,
    /// cpuinfo's `hypervisor` flag; `None` when cpuinfo is absent.
    pub cpu_hypervisor_flag: Option<bool>,
}

/// What the host runs on; in the JSON (`host.virtualization.kind`) by
/// [`VirtKind::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtKind {
    Kvm,
    Qemu,
    XenPv,
    XenHvm,
    XenPvh,
    XenDom0,
    /// A Xen guest whose evidence does not tell PV from HVM.
    Xen,
    Vmware,
    Hyperv,
    Virtualbox,
    /// EC2 on the Nitro hypervisor (EC2 on Xen reports Xen).
    AmazonEc2,
    Google,
    Openstack,
    Bochs,
    Parallels,
    OtherVm,
    /// Physical hardware, on positive evidence (`none`).
    Physical,
    Unknown,
}

impl VirtKind {
    /// The name the JSON contract and the fleet's tables use.
    pub fn name(self) -> &'static str {
        match self {
            VirtKind::Kvm => "kvm",
            VirtKind::Qemu => "qemu",
            VirtKind::XenPv => "xen-pv",
            VirtKind::XenHvm => "xen-hvm",
            VirtKind::XenPvh => "xen-pvh",
            VirtKind::XenDom0 => "xen-dom0",
            VirtKind::Xen => "xen",
            VirtKind::Vmware => "vmware",
            VirtKind::Hyperv => "hyperv",
            VirtKind::Virtualbox => "virtualbox",
            VirtKind::AmazonEc2 => "amazon-ec2",
            VirtKind::Google => "google",
            VirtKind::Openstack => "openstack",
            VirtKind::Bochs => "bochs",
            VirtKind::Parallels => "parallels",
            VirtKind::OtherVm => "other-vm",
            VirtKind::Physical => "none",
            VirtKind::Unknown => "unknown",
        }
    }
}

impl serde::Serialize for VirtKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// DMI strings that name a hypervisor (Hyper-V by its product name, since
/// Microsoft also makes hardware), checked against sys_vendor,
/// product_name, bios_vendor and chassis_vendor, first match wins.
const DMI_VENDORS: &[(&str, VirtKind)] = &[
    ("amazon ec2", VirtKind::AmazonEc2),
    ("google compute engine", VirtKind::Google),
    ("openstack", VirtKind::Openstack),
    ("vmware", VirtKind::Vmware),
    ("virtual machine", VirtKind::Hyperv),
    ("innotek", VirtKind::Virtualbox),
    ("virtualbox", VirtKind::Virtualbox),
    ("parallels", VirtKind::Parallels),
    ("xen", VirtKind::XenHvm),
    ("kvm", VirtKind::Kvm),
    ("qemu", VirtKind::Qemu),
    ("bochs", VirtKind::Bochs),
];

pub fn detect(inputs: &VirtInputs) -> Virtualization {
    let dmi = [
        ("sys_vendor", clean(&inputs.sys_vendor)),
        ("product_name", clean(&inputs.product_name)),
        ("bios_vendor", clean(&inputs.bios_vendor)),
        ("chassis_vendor", clean(&inputs.chassis_vendor)),
        ("product_version", clean(&inputs.product_version)),
    ];
    let has_dmi = dmi.iter().any(|(_, v)| v.is_some());
    let found = |kind, evidence: Vec<String>, pv_guest| Virtualization {
        kind,
        evidence,
        pv_guest,
    };
    let caps = clean(&inputs.xen_capabilities);

    if let Some(caps) = caps.filter(|c| c.contains("control_d")) {
        return found(
            VirtKind::XenDom0,
            vec![format!(
                "{} = {caps} (the control domain: it runs the hardware, it is no guest)",
                src::XEN_CAPABILITIES.path()
            )],
            Some(false),
        );
    }
    if clean(&inputs.hypervisor_type) == Some("xen") {
        let mut evidence = vec![format!("{} = xen", src::HYPERVISOR_TYPE.path())];
        let (kind, pv) = match clean(&inputs.xen_guest_type) {
            Some(guest) => {
                evidence.push(format!("{} = {guest}", src::XEN_GUEST_TYPE.path()));
                match guest {
                    "PV" => (VirtKind::XenPv, true),
                    "PVH" => (VirtKind::XenPvh, false),
                    _ => (VirtKind::XenHvm, false),
                }
            }
            None if !has_dmi => {
                evidence.push(format!(
                    "{} absent (no firmware: paravirtualized)",
                    dmi_dir()
                ));
                (VirtKind::XenPv, true)
            }
            None => {
                evidence.push(format!("{} present (booted by firmware: HVM)", dmi_dir()));
                (VirtKind::XenHvm, false)
            }
        };
        return found(kind, evidence, Some(pv));
    }

    let matched = dmi.iter().take(4).find_map(|&(file, value)| {
        let value = value?;
        let lower = value.to_lowercase();
        DMI_VENDORS
            .iter()
            .find(|(name, _)| lower.contains(name))
            .map(|&(_, kind)| (kind, format!("{} = {value}", src::DMI.at(&[file]))))
    });
    let flag = inputs.cpu_hypervisor_flag;
    let flag_evidence = |set: bool| {
        let state = if set { "set" } else { "not set" };
        format!("{} flag hypervisor {state}", src::CPUINFO.path())
    };
    // Xen without /sys/hypervisor/type (xenfs or sysfs not mounted, a
    // kernel without CONFIG_XEN_SYS_HYPERVISOR, a directory tree): Xen, but
    // whether it is paravirtualized is not shown.
    let xen_dmi = matches!(matched, Some((VirtKind::XenHvm, _)));
    if xen_dmi || inputs.xen_capabilities.is_some() {
        let mut evidence = Vec::new();
        if let Some((_, dmi)) = &matched {
            evidence.push(dmi.clone());
        }
        if inputs.xen_capabilities.is_some() {
            evidence.push(format!(
                "{} = {}",
                src::XEN_CAPABILITIES.path(),
                caps.unwrap_or("(empty: a guest)")
            ));
        }
        if let Some(set) = flag {
            evidence.push(flag_evidence(set));
        }
        evidence.push(format!(
            "no {} or guest_type: Xen, but not whether PV or HVM",
            src::HYPERVISOR_TYPE.path()
        ));
        return found(VirtKind::Xen, evidence, None);
    }
    match (matched, flag) {
        // QEMU's DMI is the same with and without KVM; the CPUID hypervisor
        // bit that KVM sets tells them apart.
        (Some((VirtKind::Qemu, dmi)), Some(true)) => {
            found(VirtKind::Kvm, vec![dmi, flag_evidence(true)], Some(false))
        }
        // DMI tables come from firmware, which a PV guest does not have.
        (Some((kind, dmi)), _) => found(kind, vec![dmi], Some(false)),
        (None, Some(true)) if has_dmi => found(
            VirtKind::OtherVm,
            vec![
                flag_evidence(true),
                format!(
                    "{} present (booted by firmware: not paravirtualized)",
                    dmi_dir()
                ),
            ],
            Some(false),
        ),
        (None, Some(true)) => found(
            VirtKind::OtherVm,
            vec![
                flag_evidence(true),
                format!(
                    "no DMI tables and no {}: a Xen PV guest would look the same",
                    src::HYPERVISOR_TYPE.path()
                ),
            ],
            None,
        ),
        (None, Some(false)) if has_dmi => {
            let vendor = dmi[0].1.map_or(String::new(), |v| format!(" = {v}"));
            found(
                VirtKind::Physical,
                vec![
                    format!("{}{vendor}", src::DMI.at(&["sys_vendor"])),
                    flag_evidence(false),
                ],
                Some(false),
            )
        }
        _ => found(VirtKind::Unknown, Vec::new(), None),
    }
}

/// The directory of the DMI files.
fn dmi_dir() -> &'static str {
    let p = src::DMI.path();
    p.rsplit_once('/').map_or(p, |(d, _)| d)
}

/// The file's value without its newline; `None` when absent or blank.
fn clean(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(case: &str, path: &str) -> Option<String> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/host-samples/");
        std::fs::read_to_string(format!("{root}{case}/{path}")).ok()
    }

    fn inputs(case: &str, cpu_hypervisor_flag: Option<bool>) -> VirtInputs {
        let dmi = |file: &str| read(case, &format!("sys/class/dmi/id/{file}"));
        VirtInputs {
            sys_vendor: dmi("sys_vendor"),
            product_name: dmi("product_name"),
            product_version: dmi("product_version"),
            bios_vendor: dmi("bios_vendor"),
            chassis_vendor: dmi("chassis_vendor"),
            hypervisor_type: read(case, "sys/hypervisor/type"),
            xen_guest_type: read(case, "sys/hypervisor/guest_type"),
            xen_capabilities: read(case, "proc/xen/capabilities"),
            cpu_hypervisor_flag,
        }
    }

    #[test]
    fn ec2_xen_pv_has_no_dmi() {
        let v = detect(&inputs("ec2-xen-pv", Some(true)));
        assert_eq!(v.kind, VirtKind::XenPv);
        assert_eq!(v.evidence[0], "/sys/hypervisor/type = xen");
    }

    #[test]
    fn platforms_from_dmi() {
        let cases = [
            ("kvm-qemu", Some(true), VirtKind::Kvm),
            ("kvm-qemu", Some(false), VirtKind::Qemu),
            ("vmware", Some(true), VirtKind::Vmware),
            ("ec2-nitro", Some(true), VirtKind::AmazonEc2),
            ("ec2-xen-hvm", Some(true), VirtKind::XenHvm),
            ("dell-physical", Some(false), VirtKind::Physical),
            ("dell-physical", None, VirtKind::Unknown),
            ("dell-physical", Some(true), VirtKind::OtherVm),
        ];
        for (case, flag, kind) in cases {
            assert_eq!(detect(&inputs(case, flag)).kind, kind, "{case} {flag:?}");
        }
        let vmware = detect(&inputs("vmware", None));
        assert_eq!(
            vmware.evidence,
            vec!["/sys/class/dmi/id/sys_vendor = VMware, Inc."]
        );
    }

    #[test]
    fn this_machine_is_a_vm_without_dmi() {
        let cpuinfo = read("debian12-this-machine", "proc/cpuinfo").unwrap();
        let flag = crate::parse::cpuinfo::parse(cpuinfo.as_bytes())
            .unwrap()
            .hypervisor_flag;
        let v = detect(&inputs("debian12-this-machine", Some(flag)));
        assert_eq!(v.kind, VirtKind::OtherVm);
        assert_eq!(detect(&VirtInputs::default()).kind, VirtKind::Unknown);
    }

    #[test]
    fn xen_guest_type_and_dom0() {
        let mut pvh = inputs("ec2-xen-hvm", Some(true));
        pvh.xen_guest_type = Some("PVH\n".into());
        assert_eq!(detect(&pvh).kind, VirtKind::XenPvh);
        let mut dom0 = inputs("dell-physical", Some(true));
        dom0.hypervisor_type = Some("xen\n".into());
        dom0.xen_capabilities = Some("control_d\n".into());
        assert_eq!(detect(&dom0).kind, VirtKind::XenDom0);
        let json = serde_json::to_string(&VirtKind::Physical).unwrap();
        assert_eq!(json, "\"none\"");
        assert_eq!(
            serde_json::to_string(&VirtKind::XenPv).unwrap(),
            "\"xen-pv\""
        );
    }

    /// The names are those serde's kebab-case gave the parser's enum (the
    /// JSON contract), `none` for physical hardware.
    #[test]
    fn names_are_the_former_kebab_case() {
        use VirtKind::*;
        for k in [
            Kvm, Qemu, XenPv, XenHvm, XenPvh, XenDom0, Xen, Vmware, Hyperv, Virtualbox, AmazonEc2,
            Google, Openstack, Bochs, Parallels, OtherVm, Physical, Unknown,
        ] {
            let mut kebab = String::new();
            for (i, c) in format!("{k:?}").chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    kebab.push('-');
                }
                kebab.push(c.to_ascii_lowercase());
            }
            let want = if k == Physical { "none".into() } else { kebab };
            assert_eq!(k.name(), want);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{want}\""));
        }
    }
}
