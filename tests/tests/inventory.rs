//! The inventory (issue 3): the services tables of real fixture roots.
//! (This machine against ss and ps: `inventory_live.rs`.)

use std::path::Path;

use lift::model::{self, Host};
use lift::snapshot::DirSnapshot;

fn fixture(case: &str) -> Host {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(case);
    model::build(&DirSnapshot::new(&dir))
}

/// One line per service: name, init, kind, state, runlevels (S for rcS),
/// targets, unit file.
fn table(host: &Host) -> Vec<String> {
    host.services
        .as_ref()
        .expect("services")
        .iter()
        .map(|s| {
            let mut levels: String = s.runlevels.iter().map(|l| l.to_string()).collect();
            if s.at_boot {
                levels.push('S');
            }
            format!(
                "{} {:?} {:?} {:?} [{levels}] [{}] {}",
                s.name,
                s.init,
                s.kind,
                s.state,
                s.targets.join(","),
                s.unit_file.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn assert_table(host: &Host, expected: &str) {
    let want: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(table(host), want);
}

#[test]
fn debian12_systemd_services() {
    let h = fixture("debian12-systemd");
    assert_eq!(h.init.system, Some(model::services::InitSystem::Systemd));
    assert_eq!(
        h.init.decided_by,
        "/sbin/init is a link to /usr/lib/systemd/systemd"
    );
    // /usr/lib/systemd/system/default.target -> graphical.target, as shipped.
    assert_eq!(h.init.default_target.as_deref(), Some("graphical.target"));
    // Every SysV script has a native unit (hwclock.sh is masked by
    // hwclock.service), so none is listed on its own; static units are
    // listed only when running, and nothing runs in a directory tree.
    assert_table(
        &h,
        "
        apt-daily-upgrade.timer Systemd Timer Enabled [] [timers.target] /lib/systemd/system/apt-daily-upgrade.timer
        apt-daily.timer Systemd Timer Enabled [] [timers.target] /lib/systemd/system/apt-daily.timer
        console-getty Systemd Service Disabled [] [] /lib/systemd/system/console-getty.service
        cron Systemd Service Enabled [] [multi-user.target] /lib/systemd/system/cron.service
        cryptdisks Systemd Service Masked [] [] /lib/systemd/system/cryptdisks.service
        cryptdisks-early Systemd Service Masked [] [] /lib/systemd/system/cryptdisks-early.service
        debug-shell Systemd Service Disabled [] [] /lib/systemd/system/debug-shell.service
        dpkg-db-backup.timer Systemd Timer Enabled [] [timers.target] /lib/systemd/system/dpkg-db-backup.timer
        e2scrub_all.timer Systemd Timer Enabled [] [timers.target] /lib/systemd/system/e2scrub_all.timer
        e2scrub_reap Systemd Service Enabled [] [multi-user.target] /lib/systemd/system/e2scrub_reap.service
        fstrim.timer Systemd Timer Enabled [] [timers.target] /lib/systemd/system/fstrim.timer
        getty@tty1 Systemd Service Enabled [] [getty.target] /lib/systemd/system/getty@.service
        hwclock Systemd Service Masked [] [] /lib/systemd/system/hwclock.service
        ifupdown-wait-online Systemd Service Disabled [] [] /lib/systemd/system/ifupdown-wait-online.service
        networking Systemd Service Enabled [] [multi-user.target,network-online.target] /lib/systemd/system/networking.service
        rc Systemd Service Masked [] [] /lib/systemd/system/rc.service
        rcS Systemd Service Masked [] [] /lib/systemd/system/rcS.service
        rsyslog Systemd Service Enabled [] [multi-user.target] /lib/systemd/system/rsyslog.service
        ssh Systemd Service Enabled [] [multi-user.target] /lib/systemd/system/ssh.service
        ssh.socket Systemd Socket Disabled [] [] /lib/systemd/system/ssh.socket
        systemd-boot-check-no-failures Systemd Service Disabled [] [] /lib/systemd/system/systemd-boot-check-no-failures.service
        systemd-network-generator Systemd Service Disabled [] [] /lib/systemd/system/systemd-network-generator.service
        systemd-networkd Systemd Service Disabled [] [] /lib/systemd/system/systemd-networkd.service
        systemd-networkd-wait-online Systemd Service Disabled [] [] /lib/systemd/system/systemd-networkd-wait-online.service
        systemd-networkd.socket Systemd Socket Disabled [] [] /lib/systemd/system/systemd-networkd.socket
        systemd-pstore Systemd Service Enabled [] [sysinit.target] /lib/systemd/system/systemd-pstore.service
        systemd-sysext Systemd Service Disabled [] [] /lib/systemd/system/systemd-sysext.service
        systemd-time-wait-sync Systemd Service Disabled [] [] /lib/systemd/system/systemd-time-wait-sync.service
        x11-common Systemd Service Masked [] [] /lib/systemd/system/x11-common.service
        ",
    );
    let services = h.services.as_ref().unwrap();
    let ssh = services.iter().find(|s| s.name == "ssh").unwrap();
    // /etc/systemd/system/sshd.service -> /lib/systemd/system/ssh.service.
    assert_eq!(ssh.aliases, ["sshd.service"]);
    assert_eq!(ssh.running, None);
    assert_eq!(ssh.running_evidence, "processes were not collected");
    assert_eq!(
        (ssh.package.as_deref(), ssh.package_version.as_deref()),
        (Some("openssh-server"), Some("1:9.2p1-2+deb12u10"))
    );
    // The tree starts graphical -> multi-user -> basic, targets expanded.
    let tree: Vec<(usize, &str)> = h
        .init
        .default_target_tree
        .iter()
        .map(|d| (d.depth, d.unit.as_str()))
        .collect();
    assert_eq!(tree[0], (0, "graphical.target"));
    assert!(tree.contains(&(1, "multi-user.target")));
    assert!(tree.contains(&(2, "ssh.service")));
    assert!(tree.contains(&(3, "getty@tty1.service")));
    assert!(h.processes.is_none() && h.listeners.is_none() && h.connections.is_none());
}

#[test]
fn debian12_sysv_services() {
    let h = fixture("debian12-sysv");
    assert_eq!(h.init.system, Some(model::services::InitSystem::Sysv));
    assert_eq!(h.init.default_runlevel, Some(2));
    // halt and reboot have only K links (insserv's K06halt in rc0.d): off.
    assert_table(
        &h,
        "
        bootlogs Sysv Service Enabled [12345] [] /etc/init.d/bootlogs
        bootmisc.sh Sysv Service Enabled [S] [] /etc/init.d/bootmisc.sh
        brightness Sysv Service Enabled [S] [] /etc/init.d/brightness
        checkfs.sh Sysv Service Enabled [S] [] /etc/init.d/checkfs.sh
        checkroot-bootclean.sh Sysv Service Enabled [S] [] /etc/init.d/checkroot-bootclean.sh
        checkroot.sh Sysv Service Enabled [S] [] /etc/init.d/checkroot.sh
        cron Sysv Service Enabled [2345] [] /etc/init.d/cron
        halt Sysv Service Disabled [] [] /etc/init.d/halt
        hostname.sh Sysv Service Enabled [S] [] /etc/init.d/hostname.sh
        hwclock.sh Sysv Service Enabled [S] [] /etc/init.d/hwclock.sh
        killprocs Sysv Service Disabled [1] [] /etc/init.d/killprocs
        mount-configfs Sysv Service Enabled [S] [] /etc/init.d/mount-configfs
        mountall-bootclean.sh Sysv Service Enabled [S] [] /etc/init.d/mountall-bootclean.sh
        mountall.sh Sysv Service Enabled [S] [] /etc/init.d/mountall.sh
        mountdevsubfs.sh Sysv Service Enabled [S] [] /etc/init.d/mountdevsubfs.sh
        mountkernfs.sh Sysv Service Enabled [S] [] /etc/init.d/mountkernfs.sh
        mountnfs-bootclean.sh Sysv Service Enabled [S] [] /etc/init.d/mountnfs-bootclean.sh
        mountnfs.sh Sysv Service Enabled [S] [] /etc/init.d/mountnfs.sh
        networking Sysv Service Enabled [S] [] /etc/init.d/networking
        procps Sysv Service Enabled [S] [] /etc/init.d/procps
        rc.local Sysv Service Enabled [2345] [] /etc/init.d/rc.local
        reboot Sysv Service Disabled [] [] /etc/init.d/reboot
        rmnologin Sysv Service Enabled [2345] [] /etc/init.d/rmnologin
        sendsigs Sysv Service Disabled [] [] /etc/init.d/sendsigs
        single Sysv Service Disabled [1] [] /etc/init.d/single
        ssh Sysv Service Enabled [2345] [] /etc/init.d/ssh
        umountfs Sysv Service Disabled [] [] /etc/init.d/umountfs
        umountnfs.sh Sysv Service Disabled [] [] /etc/init.d/umountnfs.sh
        umountroot Sysv Service Disabled [] [] /etc/init.d/umountroot
        urandom Sysv Service Enabled [S] [] /etc/init.d/urandom
        ",
    );
}

#[test]
fn centos6_services() {
    let h = fixture("centos6-sysv");
    // Upstart is PID 1 on CentOS 6 and runs the SysV scripts through rc.conf.
    assert_eq!(h.init.system, Some(model::services::InitSystem::Upstart));
    assert_eq!(h.init.default_runlevel, Some(3));
    // crond is off in runlevel 4 only; tty.conf (no `start on`, started by
    // start-ttys) is static and not listed; rc.local is no init.d script.
    assert_table(
        &h,
        "
        control-alt-delete Upstart Service Enabled [] [] /etc/init/control-alt-delete.conf
        crond Sysv Service Enabled [235] [] /etc/init.d/crond
        iptables Sysv Service Enabled [2345] [] /etc/init.d/iptables
        network Sysv Service Enabled [2345] [] /etc/init.d/network
        postfix Sysv Service Enabled [2345] [] /etc/init.d/postfix
        rc Upstart Task Enabled [0123456] [] /etc/init/rc.conf
        rcS Upstart Task Enabled [] [] /etc/init/rcS.conf
        rsyslog Sysv Service Enabled [2345] [] /etc/init.d/rsyslog
        sshd Sysv Service Enabled [2345] [] /etc/init.d/sshd
        start-ttys Upstart Task Enabled [2345] [] /etc/init/start-ttys.conf
        ",
    );
}

#[test]
fn ubuntu1404_services() {
    let h = fixture("ubuntu1404-upstart");
    assert_eq!(h.init.system, Some(model::services::InitSystem::Upstart));
    // cron.override says `manual`; /etc/init.d/cron is the upstart-job shim,
    // so cron is listed once, as the Upstart job.
    assert_table(
        &h,
        "
        cron Upstart Service Manual [2345] [] /etc/init/cron.conf
        rc Upstart Task Enabled [0123456] [] /etc/init/rc.conf
        rc-sysinit Upstart Task Enabled [] [] /etc/init/rc-sysinit.conf
        ssh Upstart Service Enabled [2345] [] /etc/init/ssh.conf
        tty1 Upstart Service Enabled [2345] [] /etc/init/tty1.conf
        ",
    );
    let cron = h
        .services
        .as_ref()
        .unwrap()
        .iter()
        .find(|s| s.name == "cron")
        .unwrap();
    assert_eq!(cron.enabled, Some(false));
    assert_eq!(cron.start_on.as_deref(), Some("runlevel [2345]"));
}
