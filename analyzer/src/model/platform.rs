//! What the host runs on: the hypervisor (the boot loader is boot.rs's).

use serde::Serialize;

use super::facts::Facts;
use crate::parse::virt;
use crate::sources as src;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Virtualization {
    /// kvm, xen-pv, xen-hvm, xen (PV or HVM not told), vmware, hyperv,
    /// ..., none, unknown.
    pub kind: String,
    pub evidence: Vec<String>,
    /// A Xen paravirtualized guest: true, false (ruled out), or null when
    /// the evidence cannot tell.
    pub pv_guest: Option<bool>,
}

pub fn virtualization(f: &Facts, hypervisor_flag: Option<bool>) -> Virtualization {
    let dmi = |n: &str| f.line_at(&src::DMI, &src::DMI.at(&[n]));
    let inputs = virt::VirtInputs {
        sys_vendor: dmi("sys_vendor"),
        product_name: dmi("product_name"),
        product_version: dmi("product_version"),
        bios_vendor: dmi("bios_vendor"),
        chassis_vendor: dmi("chassis_vendor"),
        hypervisor_type: f.line(&src::HYPERVISOR_TYPE),
        xen_guest_type: f.line(&src::XEN_GUEST_TYPE),
        // A guest's file is empty, and still says Xen.
        xen_capabilities: f
            .bytes(&src::XEN_CAPABILITIES)
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
        cpu_hypervisor_flag: hypervisor_flag,
    };
    let v = virt::detect(&inputs);
    let kind = serde_json::to_value(v.kind)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string));
    Virtualization {
        kind: kind.unwrap_or_else(|| "unknown".into()),
        evidence: v.evidence,
        pv_guest: v.pv_guest,
    }
}
