//! What the probe collects: one table of specs, each with a stable id that
//! the analyzer's binding table and the bundle's footer use.
//!
//! Paths are as seen from the scanned root. A `*`, `?` or `[...]` matches
//! within one path component. Nothing here is ever executed.

/// How the content of the files an item names is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// The content, up to the spec's per-file cap.
    Content,
    /// The first this many bytes (init scripts' headers).
    Head(u64),
    /// Metadata and a SHA-256 of the content, never the content.
    Digest,
    /// Metadata only.
    Meta,
}

#[derive(Clone, Copy, Debug)]
pub enum Item {
    /// Files (or globs), taken as `Take` says.
    Files(&'static [&'static str], Take),
    /// Directories (or globs) listed: children's names, kinds and link
    /// targets, in one record per directory.
    Listing(&'static [&'static str]),
    /// Directories walked to `depth`, every directory listed and every file
    /// taken as `Take` says; symlinks are recorded, never followed.
    Tree(&'static [&'static str], u32, Take),
    /// A history kept in daily files (or globs): newest first by
    /// modification time, whole files while the byte budget lasts and none
    /// older than `days` before the newest; the rest by metadata only.
    Newest(&'static [&'static str], u64, u64),
    /// A system-call fact or a collector that needs more than paths.
    Live(Live),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    /// uname, sysconf, identity, clocks.
    System,
    /// statvfs of every local mount.
    Statvfs,
    /// getifaddrs.
    Interfaces,
    /// The first sector of the disks that hold / and /boot.
    BootSectors,
    /// /lib/modules/RELEASE/{modules.builtin,modules.dep} for the running
    /// kernel (or, scanning a root without one, each installed kernel).
    KernelModules,
    /// For each /proc/PID: comm, cmdline (redacted), status, stat, cgroup,
    /// the exe link, socket fd links, and the ELF summary of the exe.
    Processes,
    /// Presence, never content, of each user's ~/.ssh/authorized_keys.
    AuthorizedKeys,
    /// What the applications' configurations and processes name (issue
    /// 28): the certificates they serve (public ones only), the `release`
    /// file of each JVM a process runs, Tomcat's and WildFly's
    /// configuration under the base a process names, and each data
    /// directory's size by a metadata-only walk (`apps.rs`).
    Apps,
}

pub struct Spec {
    pub id: &'static str,
    pub items: &'static [Item],
    /// Largest content taken from one file.
    pub file_cap: u64,
    /// Most entries this spec may record.
    pub max_entries: u64,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
/// sysstat's files of a month: 31 days of `sadc -S DISK` every ten
/// minutes on a small server are about 20 MiB, and they compress tenfold.
pub const HISTORY_BUDGET: u64 = 32 * MIB;

use Item::*;
use Take::*;

pub const SPECS: &[Spec] = &[
    Spec {
        id: "os",
        items: &[
            Live(Live::System),
            Files(
                &[
                    "/etc/os-release",
                    "/usr/lib/os-release",
                    "/etc/issue",
                    "/etc/*-release",
                    "/etc/system-release-cpe",
                    "/etc/debian_version",
                    "/etc/lsb-release",
                    "/proc/version",
                    "/proc/sys/kernel/osrelease",
                    "/proc/sys/kernel/ostype",
                    "/proc/sys/kernel/version",
                    "/proc/sys/kernel/hostname",
                    "/proc/sys/kernel/domainname",
                    "/proc/sys/kernel/random/boot_id",
                ],
                Content,
            ),
        ],
        file_cap: 64 * KIB,
        max_entries: 1000,
    },
    Spec {
        id: "hw",
        items: &[
            Files(
                &[
                    "/proc/cpuinfo",
                    "/proc/meminfo",
                    "/proc/uptime",
                    "/proc/loadavg",
                    // Counters since boot, for average use (issue 27).
                    "/proc/stat",
                    "/proc/diskstats",
                    "/proc/vmstat",
                    "/proc/pressure/cpu",
                    "/proc/pressure/io",
                    "/proc/pressure/memory",
                    // Never serials or UUIDs: only what names the platform.
                    "/sys/class/dmi/id/sys_vendor",
                    "/sys/class/dmi/id/product_name",
                    "/sys/class/dmi/id/product_version",
                    "/sys/class/dmi/id/bios_vendor",
                    "/sys/class/dmi/id/bios_version",
                    "/sys/class/dmi/id/chassis_vendor",
                    "/sys/class/dmi/id/chassis_type",
                    "/sys/hypervisor/type",
                    "/sys/hypervisor/guest_type",
                    "/sys/hypervisor/version/*",
                    "/sys/hypervisor/properties/features",
                    "/proc/xen/capabilities",
                ],
                Content,
            ),
            Listing(&["/sys/firmware", "/sys/firmware/efi"]),
        ],
        file_cap: 4 * MIB,
        max_entries: 1000,
    },
    Spec {
        id: "storage",
        items: &[
            Files(
                &[
                    "/proc/self/mountinfo",
                    "/proc/mounts",
                    "/etc/fstab",
                    "/etc/crypttab",
                    "/proc/partitions",
                    "/proc/mdstat",
                    "/proc/swaps",
                    "/sys/block/*/size",
                    "/sys/block/*/removable",
                    "/sys/block/*/ro",
                    "/sys/block/*/queue/rotational",
                    // The storage layout (issue 27): partitions' start and
                    // size, sector size, and what the disk is.
                    "/sys/block/*/*/start",
                    "/sys/block/*/*/size",
                    "/sys/block/*/queue/logical_block_size",
                    "/sys/block/*/device/vendor",
                    "/sys/block/*/device/model",
                    "/sys/block/*/dm/name",
                    "/sys/block/*/slaves/*",
                    "/etc/multipath.conf",
                    "/etc/multipath/bindings",
                    "/etc/lvm/backup/*",
                    "/etc/mdadm.conf",
                    "/etc/mdadm/mdadm.conf",
                    "/etc/auto.master",
                    "/etc/auto.*",
                ],
                Content,
            ),
            Live(Live::Statvfs),
        ],
        file_cap: 4 * MIB,
        max_entries: 5000,
    },
    Spec {
        id: "boot",
        items: &[
            Listing(&[
                "/boot",
                "/boot/grub",
                "/boot/grub2",
                "/boot/efi/EFI",
                "/boot/efi/EFI/*",
                "/boot/loader/entries",
            ]),
            Files(
                &[
                    "/boot/grub/grub.cfg",
                    "/boot/grub/menu.lst",
                    "/boot/grub/grub.conf",
                    "/boot/grub2/grub.cfg",
                    "/boot/grub2/grubenv",
                    "/etc/default/grub",
                    "/boot/efi/EFI/*/grub.cfg",
                    "/boot/loader/loader.conf",
                    "/boot/loader/entries/*",
                    "/boot/extlinux/extlinux.conf",
                    "/boot/syslinux/syslinux.cfg",
                    "/etc/lilo.conf",
                    "/etc/zipl.conf",
                    "/sys/firmware/efi/efivars/BootCurrent-*",
                    "/sys/firmware/efi/efivars/BootOrder-*",
                    "/sys/firmware/efi/efivars/Boot0*",
                ],
                Content,
            ),
            Live(Live::BootSectors),
        ],
        file_cap: 4 * MIB,
        max_entries: 2000,
    },
    Spec {
        id: "kernel",
        items: &[
            Files(
                &["/proc/cmdline", "/proc/modules", "/proc/sys/kernel/tainted"],
                Content,
            ),
            Listing(&[
                "/usr/src",
                "/usr/src/kernels",
                // Each tree's top level: a Makefile and include/ make it
                // real headers, not a leftover directory.
                "/usr/src/*",
                "/usr/src/kernels/*",
                "/lib/modules",
                "/lib/modules/*",
            ]),
            Live(Live::KernelModules),
        ],
        file_cap: 8 * MIB,
        max_entries: 2000,
    },
    Spec {
        id: "init.sysv",
        items: &[
            Files(&["/etc/inittab", "/etc/sysconfig/init"], Content),
            Listing(&["/etc/rc?.d", "/etc/rc.d", "/etc/rc.d/rc?.d"]),
            // OpenRC: each runlevel's links to /etc/init.d scripts.
            Listing(&["/etc/runlevels", "/etc/runlevels/*"]),
            Files(
                &[
                    "/etc/init.d/*",
                    "/etc/rc.d/init.d/*",
                    "/etc/rc.local",
                    "/etc/rc.d/rc.local",
                ],
                Head(8 * KIB),
            ),
        ],
        file_cap: 8 * KIB,
        max_entries: 5000,
    },
    Spec {
        id: "init.upstart",
        items: &[Files(
            &["/etc/init/*.conf", "/etc/init/*.override"],
            Content,
        )],
        file_cap: 256 * KIB,
        max_entries: 2000,
    },
    Spec {
        id: "init.systemd",
        items: &[
            Files(
                &[
                    "/etc/systemd/system/default.target",
                    "/etc/systemd/system.conf",
                ],
                Content,
            ),
            Tree(
                &[
                    "/etc/systemd/system",
                    "/run/systemd/system",
                    "/lib/systemd/system",
                    "/usr/lib/systemd/system",
                ],
                3,
                Content,
            ),
        ],
        file_cap: 256 * KIB,
        max_entries: 20_000,
    },
    Spec {
        id: "proc",
        items: &[
            Live(Live::Processes),
            // Pid files tie a daemon to its init script; a pid is a line.
            Files(
                &[
                    "/run/*.pid",
                    "/run/*/*.pid",
                    "/var/run/*.pid",
                    "/var/run/*/*.pid",
                ],
                Head(64),
            ),
        ],
        file_cap: 64 * KIB,
        max_entries: 400_000,
    },
    Spec {
        id: "net",
        items: &[
            Files(
                &[
                    "/proc/net/tcp",
                    "/proc/net/tcp6",
                    "/proc/net/udp",
                    "/proc/net/udp6",
                    "/proc/net/raw",
                    "/proc/net/raw6",
                    "/proc/net/unix",
                    "/proc/net/dev",
                    "/proc/net/route",
                    "/proc/net/if_inet6",
                    "/proc/net/bonding/*",
                    "/sys/class/net/*/address",
                    "/sys/class/net/*/addr_assign_type",
                    "/sys/class/net/*/type",
                    "/sys/class/net/*/operstate",
                    "/sys/class/net/*/mtu",
                    "/sys/class/net/*/master",
                    "/sys/class/net/*/device/driver",
                    "/sys/class/net/*/bonding/*",
                    "/etc/hosts",
                    "/etc/hostname",
                    "/etc/HOSTNAME",
                    "/etc/mailname",
                    "/etc/resolv.conf",
                    "/etc/nsswitch.conf",
                    "/etc/network/interfaces",
                    "/etc/network/interfaces.d/*",
                    "/etc/sysconfig/network",
                    "/etc/sysconfig/network-scripts/ifcfg-*",
                    "/etc/sysconfig/network-scripts/route-*",
                    "/etc/sysconfig/network/ifcfg-*",
                    "/etc/sysconfig/network/config",
                    "/etc/sysconfig/network/routes",
                    "/etc/netplan/*",
                    "/etc/NetworkManager/NetworkManager.conf",
                    "/etc/NetworkManager/conf.d/*",
                    "/etc/NetworkManager/system-connections/*",
                    "/etc/systemd/network/*",
                    "/etc/dhcp/*",
                    "/etc/dhclient*.conf",
                    "/var/lib/dhclient/*",
                    "/var/lib/dhcp/*",
                    "/var/lib/NetworkManager/*.lease",
                    "/etc/udev/rules.d/70-persistent-net.rules",
                    "/etc/sysconfig/iptables",
                    "/etc/sysconfig/ip6tables",
                    "/etc/iptables/*",
                    // Egress and proxies (mgn.network); secret values in
                    // them are scrubbed.
                    "/etc/nftables.conf",
                    "/etc/sysconfig/nftables.conf",
                    "/etc/environment",
                    "/etc/profile.d/*.sh",
                    "/etc/apt/apt.conf",
                    "/etc/apt/apt.conf.d/*",
                    "/etc/yum.conf",
                    "/etc/dnf/dnf.conf",
                    "/etc/adjtime",
                    "/etc/cloud/cloud.cfg",
                    "/etc/wpa_supplicant/*.conf",
                ],
                Content,
            ),
            Listing(&["/sys/class/net"]),
            Live(Live::Interfaces),
        ],
        file_cap: 16 * MIB,
        max_entries: 5000,
    },
    Spec {
        id: "pkg",
        items: &[Files(
            &[
                "/var/lib/dpkg/status",
                "/var/lib/dpkg/status.d/*",
                "/var/lib/dpkg/info/*.list",
                "/var/lib/rpm/Packages",
                "/var/lib/rpm/rpmdb.sqlite",
                "/var/lib/rpm/rpmdb.sqlite-wal",
                "/var/lib/rpm/Packages.db",
                "/usr/lib/sysimage/rpm/Packages",
                "/usr/lib/sysimage/rpm/rpmdb.sqlite",
                "/usr/lib/sysimage/rpm/rpmdb.sqlite-wal",
                "/usr/lib/sysimage/rpm/Packages.db",
                "/lib/apk/db/installed",
                "/var/lib/pacman/local/*/desc",
            ],
            Content,
        )],
        // rpm databases can be large: their own cap.
        file_cap: 512 * MIB,
        max_entries: 50_000,
    },
    Spec {
        id: "tools",
        items: &[
            Listing(&[
                "/bin",
                "/sbin",
                "/usr/bin",
                "/usr/sbin",
                "/usr/local/bin",
                "/usr/local/sbin",
            ]),
            // The ELF header of init and the shell: the architecture of a
            // root without uname. Symlinks are recorded, not followed, so
            // the usual targets are named too.
            Files(
                &[
                    "/sbin/init",
                    "/bin/sh",
                    "/usr/lib/systemd/systemd",
                    "/lib/systemd/systemd",
                    "/bin/dash",
                    "/usr/bin/dash",
                    "/bin/bash",
                    "/usr/bin/bash",
                    "/bin/busybox",
                ],
                Head(64),
            ),
        ],
        file_cap: 64,
        max_entries: 100,
    },
    Spec {
        id: "users",
        items: &[
            Files(
                &[
                    "/etc/passwd",
                    "/etc/group",
                    "/etc/login.defs",
                    "/etc/sudoers",
                    "/etc/sudoers.d/*",
                    "/etc/ssh/sshd_config",
                    "/etc/ssh/sshd_config.d/*",
                ],
                Content,
            ),
            Live(Live::AuthorizedKeys),
        ],
        file_cap: 4 * MIB,
        max_entries: 20_000,
    },
    // Security frameworks and shares (issue 28 item 4): SELinux's mode and
    // policy as configured and as running, AppArmor's loaded profiles
    // (securityfs: root only; a normal user's run records it unreadable)
    // and the profiles on disk by name, a pending relabel, and what this
    // host exports over NFS.
    Spec {
        id: "security",
        items: &[
            Files(
                &[
                    "/etc/selinux/config",
                    "/sys/fs/selinux/enforce",
                    "/.autorelabel",
                    "/sys/module/apparmor/parameters/enabled",
                    "/sys/kernel/security/apparmor/profiles",
                    "/etc/exports",
                    "/etc/exports.d/*",
                ],
                Content,
            ),
            Listing(&["/etc/apparmor.d"]),
        ],
        file_cap: MIB,
        max_entries: 2000,
    },
    Spec {
        id: "sched",
        items: &[
            Files(
                &[
                    "/etc/crontab",
                    "/etc/cron.d/*",
                    "/etc/anacrontab",
                    "/etc/cron.allow",
                    "/etc/cron.deny",
                ],
                Content,
            ),
            Listing(&[
                "/etc/cron.hourly",
                "/etc/cron.daily",
                "/etc/cron.weekly",
                "/etc/cron.monthly",
                // The at queue by name only: each job file carries its
                // user's whole environment (scrub: never captured).
                "/var/spool/at",
            ]),
            Tree(&["/var/spool/cron"], 3, Content),
        ],
        file_cap: MIB,
        max_entries: 20_000,
    },
    // What the host declares it needs from its network (issue 16):
    // time, identity, log and mail relays, iSCSI nodes, package
    // repositories, monitoring and backup agents. Resolvers, hosts pins,
    // proxies and network mounts come from `net` and `storage`. Secret
    // values in these files are scrubbed (family `Services`).
    Spec {
        id: "deps",
        items: &[
            Files(
                &[
                    "/etc/ntp.conf",
                    "/etc/ntpsec/ntp.conf",
                    "/etc/ntpsec/ntp.d/*",
                    "/etc/chrony.conf",
                    "/etc/chrony/chrony.conf",
                    "/etc/chrony/conf.d/*",
                    "/etc/chrony/sources.d/*",
                    "/etc/chrony.d/*",
                    "/etc/systemd/timesyncd.conf",
                    "/etc/systemd/timesyncd.conf.d/*",
                    "/etc/sssd/sssd.conf",
                    "/etc/sssd/conf.d/*",
                    "/etc/nslcd.conf",
                    "/etc/ldap.conf",
                    "/etc/ldap/ldap.conf",
                    "/etc/openldap/ldap.conf",
                    "/etc/krb5.conf",
                    "/etc/krb5.conf.d/*",
                    "/etc/samba/smb.conf",
                    "/etc/rsyslog.conf",
                    "/etc/rsyslog.d/*",
                    "/etc/syslog.conf",
                    "/etc/syslog-ng/syslog-ng.conf",
                    "/etc/syslog-ng/conf.d/*",
                    "/etc/postfix/main.cf",
                    "/etc/ssmtp/ssmtp.conf",
                    "/etc/msmtprc",
                    "/etc/multipath/wwids",
                    "/etc/apt/sources.list",
                    "/etc/apt/sources.list.d/*",
                    "/etc/yum.repos.d/*",
                    "/etc/zypp/repos.d/*",
                    "/etc/zabbix/zabbix_agentd.conf",
                    "/etc/zabbix/zabbix_agentd.d/*",
                    "/etc/zabbix/zabbix_agent2.conf",
                    "/etc/zabbix/zabbix_agent2.d/*",
                    "/etc/zabbix_agentd.conf",
                    "/etc/nagios/nrpe.cfg",
                    "/etc/nagios/nrpe.d/*",
                    "/etc/nrpe.d/*",
                    "/etc/bacula/bacula-fd.conf",
                    "/etc/bareos/bareos-fd.conf",
                    "/etc/bareos/bareos-fd.d/director/*",
                ],
                Content,
            ),
            // open-iscsi's node records: nodes/IQN/PORTAL/default, or
            // nodes/IQN/PORTAL as a file in the older layout.
            Tree(&["/etc/iscsi/nodes", "/var/lib/iscsi/nodes"], 3, Content),
        ],
        file_cap: MIB,
        max_entries: 5000,
    },
    // Containers (issue 28): Docker's and Podman's own files for each
    // container, containerd, CNI and a Kubernetes node's configuration.
    // Captured, never parsed here: the analyzer reads the JSON. Every
    // captured text is scrubbed, so a container's `Env` loses its secret
    // values like any other file; kubeconfigs (/etc/kubernetes/*.conf hold
    // client keys) and the kubelet's pki are presence records only (scrub:
    // never captured). Docker's files are read under its default data root
    // /var/lib/docker; the analyzer says where daemon.json moves it.
    Spec {
        id: "containers",
        items: &[
            Files(
                &[
                    "/etc/docker/daemon.json",
                    "/etc/containerd/config.toml",
                    "/etc/cni/net.d/*",
                    "/etc/containers/containers.conf",
                    "/etc/containers/storage.conf",
                    "/etc/containers/registries.conf",
                    "/etc/containers/policy.json",
                    "/etc/containers/networks/*",
                    "/etc/containers/systemd/*",
                    "/var/lib/docker/containers/*/config.v2.json",
                    "/var/lib/docker/containers/*/hostconfig.json",
                    "/var/lib/containers/storage/*-containers/containers.json",
                    "/var/lib/containers/storage/*-containers/*/userdata/config.json",
                    "/var/lib/kubelet/config.yaml",
                    "/var/lib/kubelet/kubeadm-flags.env",
                    "/etc/kubernetes/manifests/*",
                ],
                Content,
            ),
            Listing(&[
                "/var/lib/docker/containers",
                "/var/lib/containers/storage",
                "/var/lib/containers/storage/*-containers",
                "/etc/kubernetes",
                "/etc/kubernetes/pki",
                "/etc/kubernetes/manifests",
                "/var/lib/kubelet",
                "/var/lib/kubelet/pki",
            ]),
        ],
        // Docker's config.v2.json of a container is a few KiB; Podman's
        // containers.json holds every container on one line (about 600
        // bytes each): 8 MiB is some 13,000 containers. A larger file is
        // cut, and the analyzer says so.
        file_cap: 8 * MIB,
        max_entries: 20_000,
    },
    // Server software and its data (issue 28): the configuration of
    // databases, web and application servers at their packages' places
    // (secret values scrubbed: `requirepass`, `password=`, connector and
    // datasource passwords), then what they name (`Live::Apps`).
    Spec {
        id: "apps",
        items: &[
            Files(APP_CONFIGS, Content),
            // The directories whose names the globs above match outside
            // /etc (which the etc spec lists): the analyzer expands the
            // same globs over the bundle.
            Listing(&[
                "/opt",
                "/usr/share",
                "/var/lib/pgsql",
                "/var/lib/postgresql",
            ]),
            Live(Live::Apps),
        ],
        file_cap: MIB,
        max_entries: 5000,
    },
    // Last, so that it skips every file another spec already took whole.
    // How busy the host has been: sysstat's daily binary files (issue 27),
    // a month at most, within a budget of their own. They hold counters,
    // device and interface names and the hostname; nothing secret.
    Spec {
        id: "history",
        items: &[Newest(
            &[
                "/var/log/sa/sa[0-9][0-9]",
                "/var/log/sysstat/sa[0-9][0-9]",
                "/var/log/sa/sa[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]",
                "/var/log/sysstat/sa[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]",
                // sa2's daily `sar -A` reports: the history of hosts whose
                // binary files lift cannot read (CentOS 6).
                "/var/log/sa/sar[0-9][0-9]",
                "/var/log/sysstat/sar[0-9][0-9]",
            ],
            HISTORY_BUDGET,
            31,
        )],
        file_cap: HISTORY_BUDGET,
        max_entries: 200,
    },
    Spec {
        id: "etc",
        // D-Bus's copy of the machine-id, where /etc has none (CentOS 6):
        // a digest, like /etc's, to tell machines apart.
        items: &[
            Tree(&["/etc"], 16, Digest),
            Files(&["/var/lib/dbus/machine-id"], Digest),
        ],
        file_cap: 64 * MIB,
        max_entries: 50_000,
    },
];

/// The applications' configuration at their packages' places. `apps.rs`
/// reads these again for the paths they name (certificates, data
/// directories), so a path is followed only when one of these names it.
pub const APP_CONFIGS: &[&str] = &[
    // PostgreSQL: Debian's per-cluster configuration, Red Hat's in the
    // data directory; PG_VERSION says the cluster's major version.
    "/etc/postgresql/*/*/postgresql.conf",
    "/etc/postgresql/*/*/conf.d/*.conf",
    "/etc/postgresql/*/*/start.conf",
    "/var/lib/pgsql/data/postgresql.conf",
    "/var/lib/pgsql/data/PG_VERSION",
    "/var/lib/pgsql/*/data/postgresql.conf",
    "/var/lib/pgsql/*/data/PG_VERSION",
    "/var/lib/postgresql/*/main/PG_VERSION",
    // MySQL and MariaDB: my.cnf and the directories it includes.
    "/etc/my.cnf",
    "/etc/my.cnf.d/*",
    "/etc/mysql/my.cnf",
    "/etc/mysql/*.cnf",
    "/etc/mysql/conf.d/*",
    "/etc/mysql/mariadb.conf.d/*",
    "/etc/mysql/mysql.conf.d/*",
    // Oracle Database: its homes and SIDs.
    "/etc/oratab",
    "/var/opt/oracle/oratab",
    "/etc/mongod.conf",
    "/etc/mongodb.conf",
    "/etc/redis.conf",
    "/etc/redis/*.conf",
    "/etc/elasticsearch/elasticsearch.yml",
    "/etc/elasticsearch/jvm.options",
    // nginx and Apache httpd, with the directories their packages include.
    "/etc/nginx/nginx.conf",
    "/etc/nginx/conf.d/*",
    "/etc/nginx/sites-enabled/*",
    "/etc/nginx/snippets/*",
    "/etc/nginx/modules-enabled/*",
    "/etc/apache2/apache2.conf",
    "/etc/apache2/ports.conf",
    "/etc/apache2/sites-enabled/*",
    "/etc/apache2/conf-enabled/*",
    "/etc/apache2/mods-enabled/*.conf",
    "/etc/httpd/conf/httpd.conf",
    "/etc/httpd/conf.d/*.conf",
    "/etc/httpd/conf.modules.d/*.conf",
    // Tomcat (Debian's /etc/tomcatN, Red Hat's /etc/tomcat) and
    // JBoss/WildFly where their packages and installers put them; a
    // process's catalina.base or jboss.home.dir is followed by `apps.rs`.
    "/etc/tomcat*/server.xml",
    "/opt/tomcat*/conf/server.xml",
    "/usr/share/tomcat*/conf/server.xml",
    "/opt/wildfly*/standalone/configuration/standalone.xml",
    "/opt/jboss*/standalone/configuration/standalone.xml",
    "/etc/wildfly/wildfly.conf",
];

/// Entries a single directory listing keeps.
pub const MAX_CHILDREN: usize = 20_000;
/// Files larger than this are streamed in `Chunk` records (smaller ones are
/// read whole, for the scrub table to see).
pub const CHUNK: u64 = 16 * MIB;
/// Binary package databases (rpm's) are streamed in `Chunk` records past
/// this size (after a first pass for private key blocks), so the probe
/// never holds a large one whole; other files only past `CHUNK`.
pub const STREAM_ABOVE: u64 = 2 * MIB;
/// The most content one `Chunk` record holds: streaming a large file keeps
/// only this much of it in memory (16 MiB pieces once took the probe's peak
/// RSS past 40 MB).
pub const PIECE: u64 = MIB;
/// Default total content budget.
pub const DEFAULT_MAX_BYTES: u64 = 1024 * MIB;
/// Default wall-clock budget.
pub const DEFAULT_MAX_SECONDS: u64 = 120;

/// The table as text, one line per path pattern: spec id, item kind, how
/// content is taken, pattern; then, as comments, the scrub table. What
/// `--list-specs` prints for reviewers.
pub fn table() -> String {
    let mut out = String::from(
        "# spec\titem\ttake\tpath (never followed out of the root; see SECURITY.md)\n",
    );
    for spec in SPECS {
        for item in spec.items {
            let (kind, take, paths): (&str, String, &[&str]) = match item {
                Files(p, t) => ("files", format!("{t:?}"), p),
                Listing(p) => ("listing", "Meta".into(), p),
                Tree(p, depth, t) => ("tree", format!("{t:?}, depth {depth}"), p),
                Newest(p, budget, days) => (
                    "newest",
                    format!("Content, {} MiB, {days} days", budget / MIB),
                    p,
                ),
                Live(l) => {
                    out.push_str(&format!("{}\tlive\t-\t{l:?}\n", spec.id));
                    continue;
                }
            };
            for p in paths {
                out.push_str(&format!("{}\t{kind}\t{take}\t{p}\n", spec.id));
            }
        }
    }
    out.push_str(&crate::scrub::table());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_match_the_design() {
        let ids: Vec<_> = SPECS.iter().map(|s| s.id).collect();
        let design = [
            "os",
            "hw",
            "storage",
            "boot",
            "kernel",
            "init.sysv",
            "init.upstart",
            "init.systemd",
            "proc",
            "net",
            "pkg",
            "tools",
            "users",
            "security",
            "sched",
            "deps",
            "containers",
            "apps",
            "history",
            "etc",
        ];
        assert_eq!(ids, design);
    }

    #[test]
    fn every_path_is_absolute_and_never_a_secret() {
        for spec in SPECS {
            for item in spec.items {
                let paths: &[&str] = match item {
                    Files(p, _) | Listing(p) | Tree(p, _, _) | Newest(p, _, _) => p,
                    Live(_) => &[],
                };
                for p in paths {
                    assert!(p.starts_with('/'), "{p}");
                    assert!(
                        !crate::scrub::never_capture(p.as_bytes()),
                        "{} names a secret: {p}",
                        spec.id
                    );
                    // /proc/PID/environ and /proc/PID/mem, never /etc/environment.
                    assert!(!p.ends_with("/environ") && !p.ends_with("/mem"), "{p}");
                }
            }
        }
    }
}
