use crate::snapshot::DirSnapshot;
use crate::testing::fixture;

/// The captures of a real Debian 12 sosreport, read as a root.
#[test]
fn debian12_captures_fill_the_host() {
    let snap = DirSnapshot::new(&fixture("sos-samples/debian12-sos4.0"));
    let host = crate::model::build(&snap);
    let sos = host.collection.sosreport.as_ref().expect("a sosreport");
    assert_eq!(sos.version.as_deref(), Some("4.0"));
    let facts: Vec<(&str, &str)> = sos
        .from_commands
        .iter()
        .map(|c| (c.fact, c.source.as_str()))
        .collect();
    assert_eq!(
        facts,
        [
            ("packages", "sos_commands/dpkg/dpkg_-l"),
            ("kernel.arch", "sos_commands/kernel/uname_-a"),
            ("kernel.release", "sos_commands/kernel/uname_-a"),
            ("kernel.version", "sos_commands/kernel/uname_-a"),
            ("hostname", "sos_commands/kernel/uname_-a"),
            ("interfaces.addresses", "sos_commands/networking/ip_-o_addr"),
            (
                "services.state",
                "sos_commands/systemd/systemctl_list-unit-files"
            ),
            ("listeners", "sos_commands/networking/netstat_-W_-neopa"),
            ("connections", "sos_commands/networking/netstat_-W_-neopa"),
        ]
    );
    let pkgs = host.packages.as_ref().unwrap();
    assert_eq!(pkgs.list.len(), 741);
    assert_eq!(pkgs.databases[0].path, "sos_commands/dpkg/dpkg_-l");
    assert_eq!(host.kernel.arch.as_deref(), Some("x86_64"));
    let eth0 = host
        .interfaces
        .as_ref()
        .unwrap()
        .iter()
        .find(|i| i.name == "eth0")
        .unwrap();
    assert_eq!(eth0.addresses[0], "192.0.2.2/24");
    let masked: Vec<&str> = host
        .services
        .iter()
        .flatten()
        .filter(|s| s.state == crate::model::services::EnableState::Masked)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(masked.len(), 6, "{masked:?}");
    assert!(host.problems.is_empty(), "{:?}", host.problems);
}

/// A tree without `sos_commands/` is no sosreport: nothing is filled.
#[test]
fn other_roots_are_left_alone() {
    let snap = DirSnapshot::new(&fixture("debian12-systemd"));
    let host = crate::model::build(&snap);
    assert!(host.collection.sosreport.is_none());
}

/// sos 3's layout, assembled in the test from insights-core's RHEL captures
/// at the paths sos 3 wrote them (no version.txt: version unknown).
#[test]
fn rhel_captures_at_sos3_paths() {
    let root = crate::testing::TempRoot::new();
    let sample =
        |name: &str| std::fs::read(fixture("sos-samples/insights-core").join(name)).unwrap();
    for (path, name) in [
        ("installed-rpms", "installed-rpms.RPM_MANIFEST"),
        (
            "sos_commands/startup/chkconfig_--list",
            "chkconfig_--list.RHEL_73_SERVICES",
        ),
        (
            "sos_commands/kernel/uname_-a",
            "uname_-a.UNAME_FOREMAN_DEBUG",
        ),
        (
            "sos_commands/networking/ip_address",
            "ip_address.IP_ADDR_TEST",
        ),
        (
            "sos_commands/networking/netstat_-neopa",
            "netstat_-neopa.NETSTAT",
        ),
        ("sos_commands/filesys/lsblk", "lsblk.LSBLK_DATA2"),
    ] {
        root.write(path, &sample(name));
    }
    let snap = DirSnapshot::new(root.path());
    let host = crate::model::build(&snap);
    let sos = host.collection.sosreport.as_ref().expect("a sosreport");
    assert_eq!(sos.version, None);
    let facts: Vec<&str> = sos.from_commands.iter().map(|c| c.fact).collect();
    assert_eq!(
        facts,
        [
            "packages",
            "kernel.arch",
            "kernel.release",
            "kernel.version",
            "hostname",
            "interfaces.addresses",
            "services",
            "listeners",
            "connections",
            "multipath.maps"
        ]
    );
    // insights-core's LSBLK_DATA2 holds three multipath maps.
    let maps = &host.multipath.maps;
    assert_eq!(maps.len(), 3, "{maps:?}");
    assert!(maps[0].starts_with("mpatha"), "{maps:?}");
    assert!(maps.iter().all(|m| m.contains("lsblk")), "{maps:?}");
    let pkgs = host.packages.as_ref().unwrap();
    assert_eq!(pkgs.list.len(), 15);
    assert_eq!(pkgs.databases[0].path, "installed-rpms");
    assert_eq!(
        host.kernel.release.as_deref(),
        Some("2.6.32-279.el6.x86_64")
    );
    let network = host
        .services
        .iter()
        .flatten()
        .find(|s| s.name == "network")
        .unwrap();
    assert_eq!(network.runlevels, [2, 3, 4, 5]);
    assert_eq!(network.enabled, Some(true));
    // xinetd's services are listed too, off as chkconfig says.
    let chargen = host
        .services
        .iter()
        .flatten()
        .find(|s| s.name == "chargen-dgram")
        .expect("an xinetd service");
    assert_eq!(chargen.enabled, Some(false));
    assert!(chargen.runlevels.is_empty());
    let listeners = host.listeners.as_ref().unwrap();
    assert!(listeners
        .iter()
        .any(|l| l.port == Some(5672) && l.program.as_deref() == Some("qpidd")));
    let bond = host
        .interfaces
        .as_ref()
        .unwrap()
        .iter()
        .find(|i| i.name == "bond1.57")
        .unwrap();
    assert_eq!(bond.addresses[0], "10.192.4.171/27");
}

/// hotsos's Vault node: its sosreport keeps netstat's output and no
/// /proc/net/tcp; the established connections come from netstat, with
/// their programs, and the report groups them by peer.
#[test]
fn connections_from_a_real_netstat() {
    let r = crate::testing::TempRoot::with(&[("version.txt", "sosreport: 4.2\n")]);
    r.write(
        "sos_commands/networking/netstat_-W_-neopa",
        &std::fs::read(fixture("sos-samples/hotsos/netstat_-W_-neopa.vault")).unwrap(),
    );
    let host = crate::model::build(&DirSnapshot::new(r.path()));
    let conns = host.connections.as_ref().expect("connections from netstat");
    assert_eq!(conns.len(), 20);
    let to_controller = conns
        .iter()
        .filter(|c| c.remote_address == "10.0.0.217" && c.remote_port == 17070)
        .count();
    assert!(to_controller >= 4, "{conns:?}");
    assert!(conns.iter().all(|c| c.proto.starts_with("tcp")));
    let sos = host.collection.sosreport.as_ref().unwrap();
    assert!(sos
        .from_commands
        .iter()
        .any(|c| c.fact == "connections" && c.source.ends_with("netstat_-W_-neopa")));
    let groups = crate::model::sockets::summarize(conns, host.listeners.as_deref().unwrap());
    assert!(groups
        .iter()
        .any(|g| g.direction == "out" && g.endpoint == "10.0.0.217:17070"));
}

/// hotsos's Kubernetes node booted by BIOS with an ESP mounted: without
/// sos's listing of /sys/firmware, efibootmgr's "EFI variables are not
/// supported" decides, not the `[UEFI]` label on the ESP's mount line.
#[test]
fn a_bios_sosreport_with_an_esp() {
    let root = fixture("sos-hotsos-kubernetes");
    let host = crate::model::build(&DirSnapshot::new(&root));
    assert_eq!(host.boot.firmware.name(), "bios");
    let dir = crate::testing::TempRoot::new();
    for p in [
        "version.txt",
        "sos_commands/boot/efibootmgr_-v",
        "sos_commands/filesys/mount_-l",
        "sos_commands/kernel/dmesg",
    ] {
        dir.write(p, &std::fs::read(root.join(p)).unwrap());
    }
    let host = crate::model::build(&DirSnapshot::new(dir.path()));
    assert_eq!(host.boot.firmware.name(), "bios");
    assert!(
        host.boot
            .evidence
            .iter()
            .any(|e| e.contains("EFI variables are not supported")),
        "{:?}",
        host.boot.evidence
    );
}
