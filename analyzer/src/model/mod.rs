//! The Host: every fact the parsers give, merged into one typed value that
//! rules and reports read. `build` is the only entry point.

pub mod applications;
mod boot;
mod collection;
pub mod containers;
pub mod dependencies;
mod drivers;
pub mod egress;
pub mod facts;
pub mod files;
pub mod identity;
mod interfaces;
pub mod jobs;
mod kernel_src;
pub mod layout;
mod links;
mod multipath;
mod netfs;
mod owners;
mod packages;
mod platform;
pub mod processes;
pub mod security;
pub mod services;
pub mod since_boot;
pub mod sockets;
mod sos;
pub mod storage;
mod sudo;
mod system;
mod tools;
pub mod utilization;
mod virt;

pub use boot::{Boot, Firmware, Loader};
pub use collection::{Collection, InputKind, Unreadable};
pub use dependencies::Dependency;
pub use drivers::{DriverState, Drivers};
pub use facts::{Facts, Ledger, Problem, SourceRead};
pub use files::{EtcTree, FileState, Files, TextFile};
pub use interfaces::{ConfigKind, Interface};
pub use kernel_src::{KernelSources, SourceTree};
pub use links::{ClonedMac, Links, Nic};
pub use multipath::Multipath;
pub use netfs::{DeviceSpec, Fstab, FstabEntry, NetworkMount};
pub use packages::{Database, InstalledPackage, PackageManager, Packages};
pub use platform::{Isa, VirtKind, Virtualization};
pub use processes::Process;
pub use services::{InitInfo, Service};
pub use sockets::{Connection, Listener};
pub use sos::{CommandFact, SosReport};
pub use storage::{holding, MountPoint};
pub use sudo::SudoRights;
pub use system::{Cpu, Kernel, Memory, Os};
pub use tools::{Tool, Tools};

use serde::Serialize;

use crate::snapshot::{Root, Snapshot};

/// Field names and shapes follow DESIGN.md's JSON contract (`host`); fields
/// are only ever added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Host {
    pub hostname: Option<String>,
    pub os: Os,
    pub kernel: Kernel,
    pub cpu: Option<Cpu>,
    pub memory: Memory,
    pub uptime_seconds: Option<u64>,
    /// None when neither mountinfo nor /proc/mounts was captured.
    pub mounts: Option<Vec<MountPoint>>,
    pub boot: Boot,
    pub virtualization: Virtualization,
    /// Names in the PATH directories; None when none was listed.
    pub tools: Option<Tools>,
    /// Who sudo gives full rights, from /etc/sudoers and its includes.
    pub sudo: SudoRights,
    pub kernel_sources: KernelSources,
    pub links: Links,
    pub multipath: Multipath,
    /// Which init system runs the host, and how that was decided.
    pub init: InitInfo,
    /// Each field below is None when its facts were not collected (null in
    /// the JSON: unknown, not "none").
    pub services: Option<Vec<Service>>,
    pub listeners: Option<Vec<Listener>>,
    pub processes: Option<Vec<Process>>,
    pub connections: Option<Vec<Connection>>,
    /// Installed packages in database order; None when no database was found.
    pub packages: Option<Packages>,
    /// Addressing per interface; None when nothing about interfaces was
    /// collected.
    pub interfaces: Option<Vec<Interface>>,
    /// /etc/fstab and the NFS mounts of fstab and autofs.
    pub fstab: Fstab,
    /// The running kernel's drivers, built in or as modules.
    pub drivers: Drivers,
    /// The saved firewall's egress policy and the configured proxies.
    pub egress: egress::Egress,
    /// What the configuration says the host needs from its network.
    pub dependencies: Vec<Dependency>,
    /// What runs on a schedule: cron, anacron, run-parts, systemd timers,
    /// the at queue; None when no scheduling source was collected.
    pub jobs: Option<Vec<jobs::Job>>,
    /// SELinux, AppArmor and the NFS exports (issue 28 item 4).
    pub security: security::Security,
    /// Docker's and Podman's containers, tied to their processes; None when
    /// the input could not hold the engines' files.
    pub containers: Option<Vec<containers::Container>>,
    /// The engines configured, Docker's data root, a Kubernetes node.
    pub container_platform: Option<containers::ContainerPlatform>,
    /// Server software and its data: databases, web and application
    /// servers, JVMs; None when nothing shows any.
    pub applications: Option<Vec<applications::Application>>,
    /// Block devices as a tree, LVM volume groups and swaps; None when
    /// neither /sys/block nor /proc/partitions was captured.
    pub storage: Option<layout::StorageLayout>,
    /// How busy the host has been, from the history it keeps (sysstat);
    /// None when it keeps none.
    pub utilization: Option<utilization::Utilization>,
    /// The text files `lift diff` compares by line, and what tells the
    /// machine from others (machine-id, product UUID): not in the JSON.
    #[serde(skip)]
    pub files: Files,
    /// How the facts were collected (the report's `bundle` section).
    #[serde(skip)]
    pub collection: Collection,
    /// Sources that exist but could not be parsed.
    #[serde(skip)]
    pub problems: Vec<Problem>,
    /// Every source the model read, with its state (the report's `sources`).
    #[serde(skip)]
    pub sources: Ledger,
}

pub fn build(snap: &dyn Snapshot) -> Host {
    let f = Facts::new(Root::new(snap));
    let cpu = system::cpu(&f);
    let hostname = system::hostname(&f);
    let mut kernel = system::kernel(&f);
    let packages = packages::packages(&f);
    if kernel.arch.is_none() {
        if let Some((arch, source)) = system::userland_arch(&f, packages.as_ref()) {
            kernel.arch = Some(arch);
            kernel.arch_source = Some(source);
        }
    }
    let inventory = Inventory::build(&f, kernel.arch.as_deref(), packages.as_ref());
    let links = links::links(&f);
    let uptime_seconds = system::uptime_seconds(&f);
    let inventory_ps = inventory.ps_captures.clone();
    let mut host = Host {
        tools: tools::tools(&f),
        sudo: sudo::sudo(&f, hostname.as_deref()),
        kernel_sources: kernel_src::kernel_sources(&f),
        interfaces: interfaces::interfaces(&f, &links),
        fstab: netfs::fstab(&f),
        drivers: drivers::drivers(&f, kernel.release.as_deref()),
        egress: egress::egress(&f),
        links,
        multipath: multipath::multipath(&f),
        hostname,
        os: system::os(&f),
        kernel,
        memory: system::memory(&f),
        utilization: utilization::utilization(
            &f,
            uptime_seconds,
            snap.provenance().header.as_ref().map(|h| h.started_at.secs),
        ),
        uptime_seconds,
        mounts: storage::mounts(&f),
        boot: boot::boot(&f),
        virtualization: platform::virtualization(&f, cpu.as_ref().map(|c| c.hypervisor_flag)),
        packages,
        cpu,
        init: inventory.init,
        services: inventory.services,
        listeners: inventory.listeners,
        processes: inventory.processes,
        connections: inventory.connections,
        files: files::files(&f),
        collection: collection::collection(snap.provenance()),
        dependencies: Vec::new(),
        jobs: None,
        security: security::Security::default(),
        containers: None,
        container_platform: None,
        applications: None,
        storage: None,
        problems: Vec::new(),
        sources: Ledger::default(),
    };
    host.boot.kernels = boot::kernels(
        &f,
        host.packages.as_ref(),
        host.kernel.release.as_deref(),
        host.tools.as_ref(),
    );
    // A sosreport's command outputs fill what its files left empty.
    host.collection.sosreport = sos::fill(&f, &mut host);
    if let Some(sos) = host.collection.sosreport.as_mut() {
        sos.from_commands
            .extend(inventory_ps.iter().map(|p| CommandFact {
                fact: "processes",
                source: p.trim_start_matches('/').to_string(),
            }));
    }
    host.jobs = jobs::jobs(&f, host.services.as_deref());
    host.security = security::security(&f);
    (host.containers, host.container_platform) = containers::containers(
        &f,
        host.collection.sosreport.is_some(),
        host.processes.as_deref(),
        host.services.as_deref(),
        host.listeners.as_deref(),
    );
    host.applications = applications::applications(
        &f,
        &applications::Context {
            packages: host.packages.as_ref(),
            processes: host.processes.as_deref(),
            listeners: host.listeners.as_deref(),
            now: crate::lifecycle::report_time(),
        },
    );
    host.dependencies = dependencies::dependencies(&f, host.interfaces.as_deref());
    // After sos's command outputs, which may have filled the mounts.
    host.storage = layout::layout(&f, host.mounts.as_deref());
    let (problems, sources) = f.finish();
    Host {
        problems,
        sources,
        ..host
    }
}

/// Processes, sockets and services, built in that order: sockets need the
/// processes' fd links, services need both to say what runs.
struct Inventory {
    init: InitInfo,
    services: Option<Vec<Service>>,
    listeners: Option<Vec<Listener>>,
    processes: Option<Vec<Process>>,
    connections: Option<Vec<Connection>>,
    /// The sosreport's `ps` outputs the processes came from.
    ps_captures: Vec<String>,
}

impl Inventory {
    fn build(f: &Facts, arch: Option<&str>, packages: Option<&Packages>) -> Inventory {
        let mut processes = processes::processes(f);
        // A sosreport keeps its processes in `ps`'s output, not in /proc.
        let mut ps_captures = Vec::new();
        if let Some((ps, paths)) = sos::processes(f, processes.as_deref()) {
            processes = Some(ps);
            ps_captures = paths;
        }
        let (mut listeners, mut connections) = sockets::sockets(f, processes.as_deref(), arch);
        let (mut services, init) = services::services(f, processes.as_mut(), listeners.as_mut());
        if let Some(pkgs) = packages {
            let ps = processes.as_deref().unwrap_or_default();
            services::attach_packages(
                f,
                pkgs,
                services.as_deref_mut(),
                listeners.as_deref_mut(),
                ps,
            );
        }
        if let (Some(cs), Some(ps)) = (connections.as_mut(), processes.as_ref()) {
            let service_of: std::collections::HashMap<u32, &String> = ps
                .iter()
                .filter_map(|p| Some((p.pid, p.service.as_ref()?)))
                .collect();
            for c in cs.iter_mut() {
                c.service = c
                    .pid
                    .and_then(|p| service_of.get(&p))
                    .map(|s| s.to_string());
            }
        }
        Inventory {
            init,
            services,
            listeners,
            processes,
            connections,
            ps_captures,
        }
    }
}
