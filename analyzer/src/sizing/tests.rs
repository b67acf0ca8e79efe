use super::*;
use crate::model::utilization::{Recorded, Summary, Utilization, Window};
use crate::snapshot::DirSnapshot;

/// A real root's host (fixtures/debian12-systemd), with its size set.
fn host(vcpus: usize, memory_gib: u64, arch: &str) -> Host {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/debian12-systemd");
    let mut host = crate::model::build(&DirSnapshot::new(std::path::Path::new(dir)));
    host.cpu = Some(crate::model::Cpu {
        model: None,
        vendor: None,
        logical_cpus: vcpus,
        sockets: None,
        cores: None,
        hypervisor_flag: false,
    });
    host.memory.total_bytes = Some(memory_gib << 30);
    host.kernel.arch = Some(arch.into());
    host
}

fn history(cpu_p95: f64, memory_p95: f64) -> Utilization {
    let s = |p95: f64| {
        Some(Summary {
            mean: p95 / 2.0,
            p95: Some(p95),
            peak: Some(p95 * 1.5),
        })
    };
    Utilization {
        source: "sysstat 12.6.1".into(),
        window: Window {
            from: None,
            to: None,
            days: 30.0,
            samples: 4320,
        },
        cpu_busy_percent: s(cpu_p95),
        cpu_iowait_percent: s(1.0),
        memory_used_percent: s(memory_p95),
        load_1: None,
        files: Vec::new(),
        daily: Vec::new(),
        since_boot: None,
        recorded: None,
    }
}

#[test]
fn as_is_is_the_smallest_row_that_holds_the_host() {
    let h = host(2, 4, "x86_64");
    let s = size(&h, Profile::Ec2, &Choice::default()).unwrap();
    let as_is = s.as_is.unwrap();
    // c7i.large and t3.medium both hold 2 vCPUs and 4 GiB: the catalog's order decides.
    assert_eq!(
        (as_is.name.as_str(), as_is.vcpus, as_is.memory_gib),
        ("c7i.large", 2, 4.0)
    );
    assert!(s.right_sized.is_none());
    assert!(
        s.unknown[0].contains("how busy the host is"),
        "{:?}",
        s.unknown
    );
}

#[test]
fn right_sized_from_the_p95_with_headroom() {
    let mut h = host(8, 32, "x86_64");
    h.utilization = Some(history(10.0, 40.0));
    let s = size(&h, Profile::AwsMgn, &Choice::default()).unwrap();
    assert_eq!(s.as_is.unwrap().name, "m7i.2xlarge");
    let r = s.right_sized.unwrap();
    // 8 x 10% x 1.3 = 1.04 -> 2 vCPUs; 32 GiB x 40% x 1.3 = 16.64 GiB.
    assert_eq!((r.needs_vcpus, r.needs_memory_gib), (2, 16.64));
    assert_eq!(r.name, "r7i.xlarge");
    assert!(
        r.why.contains("p95 over sysstat 12.6.1, 30 days"),
        "{}",
        r.why
    );
    let more = Choice {
        headroom_percent: 0,
        ..Choice::default()
    };
    let r = size(&h, Profile::AwsMgn, &more)
        .unwrap()
        .right_sized
        .unwrap();
    assert_eq!((r.needs_vcpus, r.name.as_str()), (1, "r7i.large"));
}

/// A host busy at its p95 past what the headroom leaves is not given more
/// vCPUs than it has, and the why says it was capped.
#[test]
fn a_cpu_bound_host_keeps_its_vcpus_and_is_told_so() {
    let mut h = host(2, 8, "x86_64");
    h.utilization = Some(history(100.0, 10.0));
    let r = size(&h, Profile::AwsMgn, &Choice::default())
        .unwrap()
        .right_sized
        .unwrap();
    assert_eq!(r.needs_vcpus, 2);
    assert!(
        r.why.contains("2.6 vCPUs, capped at the host's 2"),
        "{}",
        r.why
    );
    h.utilization = Some(history(50.0, 10.0));
    let r = size(&h, Profile::AwsMgn, &Choice::default())
        .unwrap()
        .right_sized
        .unwrap();
    assert!(!r.why.contains("capped"), "{}", r.why);
}

/// A disk image read with --root has no /proc: the newest sa file's CPU
/// count, memory and machine size the host, and the why says so.
#[test]
fn a_host_without_proc_is_sized_from_its_history() {
    let mut h = host(8, 32, "x86_64");
    h.cpu = None;
    h.memory.total_bytes = None;
    h.kernel.arch = None;
    let mut u = history(10.0, 40.0);
    u.recorded = Some(Recorded {
        file: "/var/log/sa/sa07".into(),
        cpus: Some(8),
        memory_bytes: Some(32 << 30),
        machine: Some("x86_64".into()),
    });
    h.utilization = Some(u.clone());
    let s = size(&h, Profile::AwsMgn, &Choice::default()).unwrap();
    assert_eq!((s.vcpus, s.memory_gib), (Some(8), Some(32.0)));
    assert_eq!(s.arch.as_deref(), Some("x86_64"));
    let as_is = s.as_is.unwrap();
    assert_eq!(as_is.name, "m7i.2xlarge");
    assert!(
        as_is.why.contains("as /var/log/sa/sa07 recorded it"),
        "{}",
        as_is.why
    );
    assert_eq!(s.right_sized.unwrap().name, "r7i.xlarge");
    // The host's own /proc wins over the file.
    let mut h = host(2, 4, "x86_64");
    h.utilization = Some(u);
    let s = size(&h, Profile::AwsMgn, &Choice::default()).unwrap();
    assert_eq!(s.vcpus, Some(2));
    assert!(!s.as_is.unwrap().why.contains("recorded"));
}

#[test]
fn arm_hosts_get_arm_rows_and_azure_its_own() {
    let h = host(4, 16, "aarch64");
    assert_eq!(
        size(&h, Profile::Ec2, &Choice::default())
            .unwrap()
            .as_is
            .unwrap()
            .name,
        "m7g.xlarge"
    );
    let h = host(4, 16, "x86_64");
    assert_eq!(
        size(&h, Profile::Azure, &Choice::default())
            .unwrap()
            .as_is
            .unwrap()
            .name,
        "Standard_D4s_v5"
    );
}

#[test]
fn openstack_needs_the_users_flavours() {
    let h = host(4, 8, "x86_64");
    assert!(size(&h, Profile::Openstack, &Choice::default()).is_none());
    assert!(size(&h, Profile::Generic, &Choice::default()).is_none());
    let flavours = Catalog::parse(
        "flavors.csv",
        "name,vcpus,memory_gib\nm1.medium,2,4\nm1.large,4,8\nm1.xlarge,8,16\n",
    )
    .unwrap();
    let flavours: &'static Catalog = Box::leak(Box::new(flavours));
    let choice = Choice {
        catalog: Some(flavours),
        ..Choice::default()
    };
    let s = size(&h, Profile::Openstack, &choice).unwrap();
    assert_eq!(
        (s.catalog.as_str(), s.as_is.unwrap().name.as_str()),
        ("flavors.csv", "m1.large")
    );
    // --catalog replaces the shipped list for the clouds too.
    assert_eq!(
        size(&h, Profile::Ec2, &choice).unwrap().as_is.unwrap().name,
        "m1.large"
    );
    let h = host(64, 512, "x86_64");
    let s = size(&h, Profile::Openstack, &choice).unwrap();
    assert!(
        s.as_is.is_none() && s.unknown[0].contains("no row"),
        "{:?}",
        s.unknown
    );
}
