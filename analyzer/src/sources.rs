//! The sources table: every fact the model uses, one row per source, shaped
//! like syft's catalogers. A row names the probe's spec id (the same ids as
//! `probe/src/specs.rs`), the paths or globs it reads, how they are read,
//! the parser that turns their bytes into a typed value, and the `Host`
//! field it feeds.
//!
//! The model reads only through this table (`model::Facts` takes a
//! `&Source`), so a reader can find any fact in all three places by its
//! spec id, and every read leaves a state (`SourceState`) that a rule can
//! quote when it cannot judge. `tests/tests/sources.rs` holds this table
//! against the probe's spec table.
//!
//! Paths are as on the host. `{}` is a placeholder the model fills (a pid,
//! an interface, a kernel release); `*`, `?` and `[...]` in the last
//! component are globs.

use serde::Serialize;

/// How a source's paths are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// A file's content.
    File,
    /// A directory's listing (children's names, kinds and link targets).
    Listing,
    /// Only whether the path exists, and what it links to.
    Presence,
    /// A system-call fact from the probe's named live collector.
    Fact(&'static str),
    /// Files that the probe's named live collector captures (per process,
    /// per kernel release).
    LiveFile(&'static str),
    /// A command's output as a sosreport keeps it (`sos_commands/...`): no
    /// probe spec collects it; the first path present wins.
    Command,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The row's name: stable, kebab-case.
    pub name: &'static str,
    /// The probe's spec id.
    pub spec: &'static str,
    pub paths: &'static [&'static str],
    pub how: How,
    /// The parser module (under `analyzer/src/parse/`), or what reads it.
    pub parser: &'static str,
    /// The `Host` field it feeds.
    pub feeds: &'static str,
}

impl Source {
    /// The first path with each `{}` replaced by the next argument.
    pub fn at(&self, args: &[&str]) -> String {
        fill(self.paths[0], args)
    }

    /// Every path with its placeholders filled.
    pub fn all_at(&self, args: &[&str]) -> Vec<String> {
        self.paths.iter().map(|p| fill(p, args)).collect()
    }

    /// The single path of a row without placeholders.
    pub fn path(&self) -> &'static str {
        self.paths[0]
    }
}

fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        out.push_str(args.next().copied().unwrap_or("{}"));
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

macro_rules! sources {
    ($($id:ident: $spec:literal, $how:expr, [$($path:literal),+ $(,)?], $parser:literal => $feeds:literal;)+) => {
        $(
            pub static $id: Source = Source {
                name: stringify!($id),
                spec: $spec,
                paths: &[$($path),+],
                how: $how,
                parser: $parser,
                feeds: $feeds,
            };
        )+
        /// Every row, in the order of the probe's specs.
        pub static SOURCES: &[&Source] = &[$(&$id),+];
    };
}

use How::*;

sources! {
    // os
    UNAME: "os", Fact("System"), ["uname(2)"], "lift_bundle::Uname" => "host.kernel, host.hostname";
    SYSCONF: "os", Fact("System"), ["sysconf(3)"], "lift_bundle::Sysconf" => "host.processes[].start_time";
    CLOCKS: "os", Fact("System"), ["clock_gettime(2)"], "lift_bundle::Clocks" => "host.processes[].start_time";
    OS_RELEASE: "os", File, ["/etc/os-release"], "os_release" => "host.os";
    USR_OS_RELEASE: "os", File, ["/usr/lib/os-release"], "os_release" => "host.os";
    LSB_RELEASE: "os", File, ["/etc/lsb-release"], "release_files" => "host.os";
    CENTOS_RELEASE: "os", File, ["/etc/centos-release"], "release_files" => "host.os";
    SYSTEM_RELEASE: "os", File, ["/etc/system-release"], "release_files" => "host.os";
    REDHAT_RELEASE: "os", File, ["/etc/redhat-release"], "release_files" => "host.os";
    SUSE_RELEASE: "os", File, ["/etc/SuSE-release"], "release_files" => "host.os";
    DEBIAN_VERSION: "os", File, ["/etc/debian_version"], "release_files" => "host.os";
    ISSUE: "os", File, ["/etc/issue"], "release_files" => "host.os";
    PROC_VERSION: "os", File, ["/proc/version"], "proc_version" => "host.kernel";
    KERNEL_OSRELEASE: "os", File, ["/proc/sys/kernel/osrelease"], "one line" => "host.kernel.release";
    KERNEL_VERSION: "os", File, ["/proc/sys/kernel/version"], "one line" => "host.kernel.version";
    KERNEL_HOSTNAME: "os", File, ["/proc/sys/kernel/hostname"], "one line" => "host.hostname";
    // hw
    CPUINFO: "hw", File, ["/proc/cpuinfo"], "cpuinfo" => "host.cpu";
    MEMINFO: "hw", File, ["/proc/meminfo"], "meminfo" => "host.memory";
    UPTIME: "hw", File, ["/proc/uptime"], "proc_misc" => "host.uptime_seconds";
    DMI: "hw", File, ["/sys/class/dmi/id/{}"], "one line" => "host.virtualization";
    HYPERVISOR_TYPE: "hw", File, ["/sys/hypervisor/type"], "one line" => "host.virtualization";
    XEN_GUEST_TYPE: "hw", File, ["/sys/hypervisor/guest_type"], "one line" => "host.virtualization";
    XEN_CAPABILITIES: "hw", File, ["/proc/xen/capabilities"], "one line" => "host.virtualization";
    FIRMWARE: "hw", Listing, ["/sys/firmware"], "listing" => "host.boot.firmware";
    EFI: "hw", Presence, ["/sys/firmware/efi"], "presence" => "host.boot.firmware";
    // storage
    MOUNTINFO: "storage", File, ["/proc/self/mountinfo"], "mountinfo" => "host.mounts";
    PROC_MOUNTS: "storage", File, ["/proc/mounts"], "mountinfo" => "host.mounts";
    STATVFS: "storage", Fact("Statvfs"), ["statvfs(3)"], "lift_bundle::Statvfs" => "host.mounts[].avail_bytes";
    FSTAB: "storage", File, ["/etc/fstab"], "fstab" => "host.fstab";
    AUTO_MASTER: "storage", File, ["/etc/auto.master"], "autofs" => "host.fstab.nfs";
    AUTOFS_MAP: "storage", File, ["/etc/auto.*"], "autofs" => "host.fstab.nfs";
    SYS_BLOCK: "storage", Listing, ["/sys/block"], "listing" => "host.multipath, host.storage";
    DM_NAME: "storage", File, ["/sys/block/{}/dm/name"], "one line" => "host.multipath";
    DM_SLAVES: "storage", Listing, ["/sys/block/{}/slaves"], "listing" => "host.multipath";
    PROC_STAT: "hw", File, ["/proc/stat"], "counters" => "host.utilization.since_boot";
    DISKSTATS: "hw", File, ["/proc/diskstats"], "counters" => "host.utilization.since_boot";
    VMSTAT: "hw", File, ["/proc/vmstat"], "counters" => "host.utilization.since_boot";
    PRESSURE: "hw", File, ["/proc/pressure/{}"], "counters" => "host.utilization.since_boot";
    NET_DEV: "net", File, ["/proc/net/dev"], "counters" => "host.utilization.since_boot";
    // sched
    CRONTAB: "sched", File, ["/etc/crontab"], "cron" => "host.jobs";
    CRON_D: "sched", File, ["/etc/cron.d/*"], "cron" => "host.jobs";
    CRON_SPOOL: "sched", File, ["/var/spool/cron/crontabs/*", "/var/spool/cron/*"], "cron" => "host.jobs";
    ANACRONTAB: "sched", File, ["/etc/anacrontab"], "cron" => "host.jobs";
    CRON_PERIODIC: "sched", Listing, ["/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly"], "listing" => "host.jobs";
    AT_QUEUE: "sched", Listing, ["/var/spool/cron/atjobs", "/var/spool/at"], "listing" => "host.jobs";
    // containers
    DOCKER_DAEMON_JSON: "containers", File, ["/etc/docker/daemon.json"], "containers" => "host.container_platform.docker_data_root";
    DOCKER_CONTAINERS: "containers", Listing, ["/var/lib/docker/containers"], "listing" => "host.containers";
    DOCKER_CONFIG: "containers", File, ["/var/lib/docker/containers/{}/config.v2.json"], "containers" => "host.containers";
    DOCKER_HOSTCONFIG: "containers", File, ["/var/lib/docker/containers/{}/hostconfig.json"], "containers" => "host.containers";
    CONTAINER_STORAGE: "containers", Listing, ["/var/lib/containers/storage"], "listing" => "host.containers";
    PODMAN_CONTAINERS: "containers", File, ["/var/lib/containers/storage/{}/containers.json"], "containers" => "host.containers";
    PODMAN_OCI_CONFIG: "containers", File, ["/var/lib/containers/storage/{}/{}/userdata/config.json"], "containers" => "host.containers";
    PODMAN_CONFIG: "containers", File, ["/etc/containers/containers.conf", "/etc/containers/storage.conf", "/etc/containers/registries.conf", "/etc/containers/policy.json"], "presence" => "host.container_platform.runtimes";
    CONTAINERD_CONFIG: "containers", File, ["/etc/containerd/config.toml"], "presence" => "host.container_platform.runtimes";
    CNI_CONFIG: "containers", File, ["/etc/cni/net.d/*"], "presence" => "host.container_platform.cni";
    KUBELET_CONFIG: "containers", File, ["/var/lib/kubelet/config.yaml"], "containers" => "host.container_platform.kubernetes";
    KUBE_MANIFESTS: "containers", File, ["/etc/kubernetes/manifests/*"], "containers" => "host.container_platform.kubernetes.static_pods";
    KUBE_DIR: "containers", Listing, ["/etc/kubernetes", "/etc/kubernetes/pki"], "listing" => "host.container_platform.kubernetes.key_files";
    // apps: server software and its data (issue 28)
    POSTGRESQL_CONF: "apps", File, ["/etc/postgresql/*/*/postgresql.conf", "/var/lib/pgsql/data/postgresql.conf", "/var/lib/pgsql/*/data/postgresql.conf"], "app_conf" => "host.applications";
    MY_CNF: "apps", File, ["/etc/my.cnf", "/etc/mysql/my.cnf"], "app_conf" => "host.applications";
    MY_CNF_INCLUDES: "apps", File, ["/etc/my.cnf.d/*", "/etc/mysql/*.cnf", "/etc/mysql/conf.d/*", "/etc/mysql/mariadb.conf.d/*", "/etc/mysql/mysql.conf.d/*"], "app_conf" => "host.applications";
    ORATAB: "apps", File, ["/etc/oratab", "/var/opt/oracle/oratab"], "app_conf" => "host.applications";
    MONGOD_CONF: "apps", File, ["/etc/mongod.conf", "/etc/mongodb.conf"], "app_conf" => "host.applications";
    REDIS_CONF: "apps", File, ["/etc/redis.conf", "/etc/redis/*.conf"], "app_conf" => "host.applications";
    ELASTICSEARCH_YML: "apps", File, ["/etc/elasticsearch/elasticsearch.yml"], "app_conf" => "host.applications";
    NGINX_CONF: "apps", File, ["/etc/nginx/nginx.conf"], "nginx_conf" => "host.applications[].virtual_hosts";
    NGINX_INCLUDES: "apps", File, ["/etc/nginx/conf.d/*", "/etc/nginx/sites-enabled/*", "/etc/nginx/snippets/*", "/etc/nginx/modules-enabled/*"], "nginx_conf" => "host.applications[].virtual_hosts";
    APACHE_CONF: "apps", File, ["/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf"], "apache_conf" => "host.applications[].virtual_hosts";
    APACHE_INCLUDES: "apps", File, ["/etc/apache2/ports.conf", "/etc/apache2/sites-enabled/*", "/etc/apache2/conf-enabled/*", "/etc/apache2/mods-enabled/*.conf", "/etc/httpd/conf.d/*.conf", "/etc/httpd/conf.modules.d/*.conf"], "apache_conf" => "host.applications[].virtual_hosts";
    TOMCAT_SERVER_XML: "apps", File, ["/etc/tomcat*/server.xml", "/opt/tomcat*/conf/server.xml", "/usr/share/tomcat*/conf/server.xml"], "server_xml" => "host.applications[].connectors";
    WILDFLY_XML: "apps", File, ["/opt/wildfly*/standalone/configuration/standalone.xml", "/opt/jboss*/standalone/configuration/standalone.xml"], "server_xml" => "host.applications[].connectors";
    PG_VERSION: "apps", LiveFile("Apps"), ["/{}/PG_VERSION"], "app_conf" => "host.applications[].version";
    JAVA_RELEASE: "apps", LiveFile("Apps"), ["/{}/release"], "app_conf" => "host.applications[].version";
    PROCESS_SERVER_XML: "apps", LiveFile("Apps"), ["/{}/conf/server.xml"], "server_xml" => "host.applications[].connectors";
    APP_CERTIFICATE: "apps", LiveFile("Apps"), ["/{}"], "x509" => "host.applications[].certificates";
    DATA_DIR_USAGE: "apps", Fact("Apps"), ["metadata-only walk of each data directory"], "lift_bundle::DirUsage" => "host.applications[].data_directories";
    // history
    SAR_TEXT: "history", File, ["/var/log/sa/sar[0-9][0-9]", "/var/log/sysstat/sar[0-9][0-9]"], "sar_text" => "host.utilization";
    SYSSTAT_HISTORY: "history", File, ["/var/log/sa/sa[0-9][0-9]", "/var/log/sysstat/sa[0-9][0-9]", "/var/log/sa/sa[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]", "/var/log/sysstat/sa[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"], "sysstat" => "host.utilization";
    PROC_PARTITIONS: "storage", File, ["/proc/partitions"], "block_tables" => "host.storage";
    PROC_SWAPS: "storage", File, ["/proc/swaps"], "block_tables" => "host.storage.swaps";
    MDSTAT: "storage", File, ["/proc/mdstat"], "block_tables" => "host.storage";
    CRYPTTAB: "storage", File, ["/etc/crypttab"], "block_tables" => "host.storage";
    LVM_BACKUP: "storage", File, ["/etc/lvm/backup/*"], "lvm_meta" => "host.storage.volume_groups";
    SYS_BLOCK_SIZE: "storage", File, ["/sys/block/{}/size"], "one line" => "host.storage";
    SYS_PART_START: "storage", File, ["/sys/block/{}/{}/start"], "one line" => "host.storage";
    SYS_DEVICE_VENDOR: "storage", File, ["/sys/block/{}/device/vendor"], "one line" => "host.storage";
    SYS_DEVICE_MODEL: "storage", File, ["/sys/block/{}/device/model"], "one line" => "host.storage";
    MULTIPATH_CONF: "storage", Presence, ["/etc/multipath.conf"], "presence" => "host.multipath";
    MULTIPATH_CONF_WWIDS: "storage", File, ["/etc/multipath.conf"], "deps::multipath" => "host.dependencies";
    MULTIPATH_BINDINGS: "storage", File, ["/etc/multipath/bindings"], "deps::multipath" => "host.dependencies";
    // boot
    EFI_BOOT_CURRENT: "boot", File, ["/sys/firmware/efi/efivars/BootCurrent-*"], "efivar" => "host.boot";
    EFI_BOOT_ENTRY: "boot", File, ["/sys/firmware/efi/efivars/Boot{}-*"], "efivar" => "host.boot";
    BOOT_SECTORS: "boot", Fact("BootSectors"), ["first sector of the boot disks"], "boot_sector" => "host.boot";
    PARTITION_SECTORS: "boot", Fact("BootSectors"), ["first sector of the partitions holding / and /boot"], "boot_sector" => "host.boot";
    ESP_EFI: "boot", Listing, ["/boot/efi/EFI"], "listing" => "host.boot";
    ESP_VENDOR: "boot", Listing, ["/boot/efi/EFI/*"], "listing" => "host.boot";
    ESP_GRUB_CFG: "boot", Presence, ["/boot/efi/EFI/*/grub.cfg"], "presence" => "host.boot";
    BOOT_DIR: "boot", Listing, ["/boot"], "listing" => "host.boot.kernels";
    MODULES_DIRS: "kernel", Listing, ["/lib/modules"], "listing" => "host.boot.kernels";
    GRUB2_CFG: "boot", Presence, ["/boot/grub2/grub.cfg"], "presence" => "host.boot";
    GRUB_CFG: "boot", Presence, ["/boot/grub/grub.cfg"], "presence" => "host.boot";
    GRUB_MENU_LST: "boot", Presence, ["/boot/grub/menu.lst"], "presence" => "host.boot";
    GRUB_CONF: "boot", Presence, ["/boot/grub/grub.conf"], "presence" => "host.boot";
    EXTLINUX_CONF: "boot", Presence, ["/boot/extlinux/extlinux.conf"], "presence" => "host.boot";
    SYSLINUX_CFG: "boot", Presence, ["/boot/syslinux/syslinux.cfg"], "presence" => "host.boot";
    LILO_CONF: "boot", Presence, ["/etc/lilo.conf"], "presence" => "host.boot";
    ZIPL_CONF: "boot", Presence, ["/etc/zipl.conf"], "presence" => "host.boot";
    SYSTEMD_BOOT_CONF: "boot", Presence, ["/boot/loader/loader.conf"], "presence" => "host.boot";
    // kernel
    CMDLINE: "kernel", File, ["/proc/cmdline"], "one line" => "host.kernel.cmdline";
    PROC_MODULES: "kernel", File, ["/proc/modules"], "first word per line" => "host.drivers.loaded";
    USR_SRC: "kernel", Listing, ["/usr/src"], "listing" => "host.kernel_sources";
    USR_SRC_KERNELS: "kernel", Listing, ["/usr/src/kernels"], "listing" => "host.kernel_sources";
    USR_SRC_TREE: "kernel", Listing, ["/usr/src/*", "/usr/src/kernels/*"], "listing" => "host.kernel_sources.trees[].complete";
    MODULES_BUILTIN: "kernel", LiveFile("KernelModules"), ["/lib/modules/{}/modules.builtin"], "module names" => "host.drivers.builtin";
    MODULES_DEP: "kernel", LiveFile("KernelModules"), ["/lib/modules/{}/modules.dep"], "module names" => "host.drivers.modules";
    // init.sysv
    INITTAB: "init.sysv", File, ["/etc/inittab"], "inittab" => "host.init, host.services";
    INIT_SCRIPTS: "init.sysv", Listing, ["/etc/init.d", "/etc/rc.d/init.d"], "listing" => "host.services";
    INIT_SCRIPT: "init.sysv", File, ["/etc/init.d/*", "/etc/rc.d/init.d/*"], "sysv::headers" => "host.services";
    RC_DIRS: "init.sysv", Listing, ["/etc/rc?.d", "/etc/rc.d/rc?.d"], "sysv::rc" => "host.services[].runlevels";
    OPENRC_RUNLEVELS: "init.sysv", Listing, ["/etc/runlevels", "/etc/runlevels/*"], "listing" => "host.services[].runlevel_names";
    // init.upstart
    UPSTART_JOBS: "init.upstart", File, ["/etc/init/*.conf"], "upstart" => "host.services";
    UPSTART_OVERRIDES: "init.upstart", File, ["/etc/init/{}.override"], "upstart" => "host.services";
    RC_SYSINIT: "init.upstart", File, ["/etc/init/rc-sysinit.conf"], "upstart::default_runlevel" => "host.init.default_runlevel";
    UPSTART_BRIDGE: "init.upstart", Presence, ["/etc/init/rc-sysinit.conf", "/etc/init/rc.conf"], "presence" => "host.init";
    // init.systemd
    SYSTEMD_ADMIN_DIRS: "init.systemd", Listing, ["/etc/systemd/system", "/run/systemd/system"], "listing" => "host.services";
    SYSTEMD_VENDOR_DIRS: "init.systemd", Listing, ["/lib/systemd/system", "/usr/lib/systemd/system"], "listing" => "host.services";
    UNIT_FILES: "init.systemd", File, ["/etc/systemd/system/*", "/run/systemd/system/*", "/lib/systemd/system/*", "/usr/lib/systemd/system/*"], "systemd_unit" => "host.services";
    // tools: /sbin/init is one of its names.
    SBIN_INIT: "tools", Presence, ["/sbin/init"], "link target" => "host.init";
    ELF_HEADS: "tools", File, ["/sbin/init", "/bin/sh", "/usr/lib/systemd/systemd", "/lib/systemd/systemd"], "elf_head" => "host.kernel.arch";
    PATH_DIRS: "tools", Listing, ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"], "listing" => "host.tools";
    // proc
    PROC: "proc", LiveFile("Processes"), ["/proc"], "listing" => "host.processes";
    PID_STAT: "proc", LiveFile("Processes"), ["/proc/{}/stat"], "proc_pid" => "host.processes";
    PID_STATUS: "proc", LiveFile("Processes"), ["/proc/{}/status"], "proc_pid" => "host.processes";
    PID_CMDLINE: "proc", LiveFile("Processes"), ["/proc/{}/cmdline"], "proc_pid" => "host.processes";
    PID_COMM: "proc", LiveFile("Processes"), ["/proc/{}/comm"], "one line" => "host.processes";
    PID_CGROUP: "proc", LiveFile("Processes"), ["/proc/{}/cgroup"], "proc_pid" => "host.processes";
    PID_EXE: "proc", LiveFile("Processes"), ["/proc/{}/exe"], "proc_pid" => "host.processes";
    PID_FDS: "proc", LiveFile("Processes"), ["/proc/{}/fd"], "socket links" => "host.processes";
    PID_FILES: "proc", File, ["/run/{}.pid", "/var/run/{}.pid"], "pidfile" => "host.services[].running";
    // net
    PROC_NET_TCP: "net", File, ["/proc/net/tcp"], "proc_net" => "host.listeners, host.connections";
    PROC_NET_TCP6: "net", File, ["/proc/net/tcp6"], "proc_net" => "host.listeners, host.connections";
    PROC_NET_UDP: "net", File, ["/proc/net/udp"], "proc_net" => "host.listeners";
    PROC_NET_UDP6: "net", File, ["/proc/net/udp6"], "proc_net" => "host.listeners";
    PROC_NET_RAW: "net", File, ["/proc/net/raw"], "proc_net" => "host.listeners";
    PROC_NET_RAW6: "net", File, ["/proc/net/raw6"], "proc_net" => "host.listeners";
    PROC_NET_UNIX: "net", File, ["/proc/net/unix"], "proc_net" => "host.listeners";
    IF_INET6: "net", File, ["/proc/net/if_inet6"], "if_inet6" => "host.interfaces[].addresses";
    IFADDRS: "net", Fact("Interfaces"), ["getifaddrs(3)"], "lift_bundle::Interface" => "host.interfaces[].addresses";
    SYS_CLASS_NET: "net", Listing, ["/sys/class/net"], "listing" => "host.links";
    NET_ATTR: "net", File, ["/sys/class/net/{}/{}"], "one line" => "host.links";
    NET_BONDING: "net", Listing, ["/sys/class/net/{}/bonding"], "listing" => "host.links";
    ETC_HOSTNAME: "net", File, ["/etc/hostname"], "one line" => "host.hostname";
    ETC_HOSTNAME_SUSE: "net", File, ["/etc/HOSTNAME"], "one line" => "host.hostname";
    IFUPDOWN: "net", File, ["/etc/network/interfaces", "/etc/network/interfaces.d/*"], "netconf::ifupdown" => "host.interfaces";
    IFCFG: "net", File, ["/etc/sysconfig/network-scripts/ifcfg-*", "/etc/sysconfig/network/ifcfg-*"], "netconf::ifcfg" => "host.interfaces";
    NETPLAN: "net", File, ["/etc/netplan/*.yaml"], "netconf::netplan" => "host.interfaces";
    NM_CONF: "net", File, ["/etc/NetworkManager/NetworkManager.conf", "/etc/NetworkManager/conf.d/*"], "cloned-mac-address lines" => "host.links.cloned_mac";
    NM_CONNECTIONS: "net", File, ["/etc/NetworkManager/system-connections/*"], "netconf::keyfile" => "host.interfaces, host.links.cloned_mac";
    NETWORKD: "net", File, ["/etc/systemd/network/*.network"], "netconf::networkd" => "host.interfaces";
    DHCP_LEASES: "net", File, ["/var/lib/dhcp/*.lease*", "/var/lib/dhclient/*.lease*", "/var/lib/NetworkManager/*.lease"], "netconf::dhclient" => "host.interfaces[].lease";
    IPTABLES_SAVED: "net", File, ["/etc/sysconfig/iptables", "/etc/iptables/rules.v4"], "egress" => "host.egress.firewall";
    NFTABLES_CONF: "net", File, ["/etc/nftables.conf", "/etc/sysconfig/nftables.conf"], "egress" => "host.egress.firewall";
    ENV_PROXY: "net", File, ["/etc/environment", "/etc/profile.d/*.sh"], "egress" => "host.egress.proxies";
    APT_PROXY: "net", File, ["/etc/apt/apt.conf", "/etc/apt/apt.conf.d/*"], "egress" => "host.egress.proxies";
    YUM_PROXY: "net", File, ["/etc/yum.conf", "/etc/dnf/dnf.conf"], "egress" => "host.egress.proxies";
    RESOLV_CONF: "net", File, ["/etc/resolv.conf"], "deps::resolver" => "host.dependencies";
    ETC_HOSTS: "net", File, ["/etc/hosts"], "deps::resolver" => "host.dependencies, host.files.hosts";
    PERSISTENT_NET_RULES: "net", Presence, ["/etc/udev/rules.d/70-persistent-net.rules"], "presence" => "host.links.persistent_names";
    // pkg
    DPKG_STATUS: "pkg", File, ["/var/lib/dpkg/status"], "dpkg_status" => "host.packages";
    DPKG_STATUS_D: "pkg", File, ["/var/lib/dpkg/status.d/*"], "dpkg_status" => "host.packages";
    DPKG_LISTS: "pkg", File, ["/var/lib/dpkg/info/*.list"], "dpkg_list" => "host.packages[].files";
    RPMDB_SQLITE: "pkg", File, ["/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite"], "rpmdb::sqlite" => "host.packages";
    RPMDB_SQLITE_WAL: "pkg", File, ["/usr/lib/sysimage/rpm/rpmdb.sqlite-wal", "/var/lib/rpm/rpmdb.sqlite-wal"], "rpmdb::sqlite" => "host.packages";
    RPMDB_NDB: "pkg", File, ["/usr/lib/sysimage/rpm/Packages.db", "/var/lib/rpm/Packages.db"], "rpmdb::ndb" => "host.packages";
    RPMDB_BDB: "pkg", File, ["/usr/lib/sysimage/rpm/Packages", "/var/lib/rpm/Packages"], "rpmdb::bdb" => "host.packages";
    APK_INSTALLED: "pkg", File, ["/lib/apk/db/installed"], "apk" => "host.packages";
    PACMAN_LOCAL: "pkg", File, ["/var/lib/pacman/local/*/desc"], "pacman" => "host.packages";
    // sosreport command output (sos 4 paths first, then sos 3's, after
    // insights-core's sos spec mapping)
    SOS_COMMANDS: "sos", Command, ["/sos_commands"], "listing" => "collection.sosreport";
    SOS_VERSION: "sos", Command, ["/version.txt", "/sos_reports/manifest.json"], "sos version" => "collection.sosreport.version";
    SOS_DPKG_L: "sos", Command, ["/sos_commands/dpkg/dpkg_-l", "/installed-debs"], "sos::dpkg_l" => "host.packages";
    SOS_RPM_QA: "sos", Command, ["/installed-rpms", "/sos_commands/rpm/package-data"], "sos::rpm_qa" => "host.packages";
    SOS_UNAME: "sos", Command, ["/sos_commands/kernel/uname_-a", "/uname"], "sos::uname" => "host.kernel";
    SOS_IP_ADDR: "sos", Command, ["/sos_commands/networking/ip_-o_addr", "/ip_addr", "/sos_commands/networking/ip_-d_address", "/sos_commands/networking/ip_address", "/sos_commands/networking/ip_addr"], "sos::ip_addr" => "host.interfaces[].addresses";
    SOS_DF: "sos", Command, ["/sos_commands/filesys/df_-al_-x_autofs", "/sos_commands/filesys/df_-al", "/df"], "sos::df" => "host.mounts[].avail_bytes";
    SOS_UNIT_FILES: "sos", Command, ["/sos_commands/systemd/systemctl_list-unit-files"], "sos::unit_files" => "host.services";
    SOS_CHKCONFIG: "sos", Command, ["/sos_commands/startup/chkconfig_--list", "/sos_commands/services/chkconfig_--list"], "sos::chkconfig" => "host.services";
    SOS_NETSTAT: "sos", Command, ["/sos_commands/networking/netstat_-W_-neopa", "/sos_commands/networking/netstat_-neopa", "/sos_commands/networking/netstat_-T_-neopa", "/netstat"], "sos::netstat" => "host.listeners, host.connections";
    SOS_SS: "sos", Command, ["/sos_commands/networking/ss_*"], "sos::ss" => "host.listeners, host.connections";
    SOS_LSBLK: "sos", Command, ["/sos_commands/block/lsblk", "/sos_commands/filesys/lsblk"], "sos::lsblk" => "host.multipath.maps";
    SOS_MOUNT: "sos", Command, ["/sos_commands/filesys/mount_-l", "/mount"], "sos::mount_l" => "host.mounts, host.boot.firmware";
    SOS_FIRMWARE_LS: "sos", Command, ["/sos_commands/boot/ls_-lanR_.sys.firmware"], "sos::firmware" => "host.boot.firmware";
    SOS_EFIBOOTMGR: "sos", Command, ["/sos_commands/boot/efibootmgr_-v", "/sos_commands/boot/efibootmgr"], "sos::firmware" => "host.boot.firmware";
    SOS_DMESG: "sos", Command, ["/sos_commands/kernel/dmesg"], "sos::firmware" => "host.boot.firmware";
    SOS_FREE: "sos", Command, ["/sos_commands/memory/free", "/free"], "sos::free" => "host.memory";
    SOS_SYS_BLOCK_LS: "sos", Command, ["/sos_commands/block/ls_-lanR_.sys.block"], "sos::firmware" => "host.virtualization.pv_guest";
    SOS_PS_AUX: "sos", Command, ["/sos_commands/process/ps_auxwww", "/sos_commands/process/ps_auxwwwm", "/sos_commands/process/ps_auxcww", "/ps"], "sos::ps" => "host.processes";
    SOS_APPARMOR_STATUS: "sos", Command, ["/sos_commands/apparmor/apparmor_status"], "security::apparmor_status" => "host.security.apparmor";
    SOS_PS_AXO: "sos", Command, ["/sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup"], "sos::ps" => "host.processes";
    // users
    SUDOERS: "users", File, ["/etc/sudoers", "/etc/sudoers.d/*"], "sudoers" => "host.sudo";
    ETC_PASSWD: "users", File, ["/etc/passwd"], "lines by name" => "host.files.passwd";
    ETC_GROUP: "users", File, ["/etc/group"], "lines by name" => "host.files.group";
    // security: SELinux, AppArmor, NFS exports
    SELINUX_CONFIG: "security", File, ["/etc/selinux/config"], "security::selinux_config" => "host.security.selinux";
    SELINUX_ENFORCE: "security", File, ["/sys/fs/selinux/enforce"], "security::enforce" => "host.security.selinux";
    AUTORELABEL: "security", Presence, ["/.autorelabel"], "presence" => "host.security.selinux";
    APPARMOR_ENABLED: "security", File, ["/sys/module/apparmor/parameters/enabled"], "line" => "host.security.apparmor";
    APPARMOR_PROFILES: "security", File, ["/sys/kernel/security/apparmor/profiles"], "security::apparmor_profiles" => "host.security.apparmor";
    APPARMOR_D: "security", Listing, ["/etc/apparmor.d"], "listing" => "host.security.apparmor";
    EXPORTS: "security", File, ["/etc/exports", "/etc/exports.d/*.exports"], "exports" => "host.security.exports, host.dependencies";
    // deps: what the host declares it needs from its network
    NTP_CONF: "deps", File, ["/etc/ntp.conf", "/etc/ntpsec/ntp.conf", "/etc/ntpsec/ntp.d/*"], "deps::ntp" => "host.dependencies";
    CHRONY_CONF: "deps", File, ["/etc/chrony.conf", "/etc/chrony/chrony.conf", "/etc/chrony/conf.d/*", "/etc/chrony/sources.d/*", "/etc/chrony.d/*"], "deps::ntp" => "host.dependencies";
    TIMESYNCD_CONF: "deps", File, ["/etc/systemd/timesyncd.conf", "/etc/systemd/timesyncd.conf.d/*"], "deps::ntp::timesyncd" => "host.dependencies";
    SSSD_CONF: "deps", File, ["/etc/sssd/sssd.conf", "/etc/sssd/conf.d/*"], "deps::sssd" => "host.dependencies";
    LDAP_CONF: "deps", File, ["/etc/ldap/ldap.conf", "/etc/openldap/ldap.conf", "/etc/ldap.conf", "/etc/nslcd.conf"], "deps::ldap" => "host.dependencies";
    KRB5_CONF: "deps", File, ["/etc/krb5.conf", "/etc/krb5.conf.d/*"], "deps::krb5" => "host.dependencies";
    SMB_CONF: "deps", File, ["/etc/samba/smb.conf"], "deps::samba" => "host.dependencies";
    RSYSLOG_CONF: "deps", File, ["/etc/rsyslog.conf", "/etc/rsyslog.d/*", "/etc/syslog.conf"], "deps::syslog::rsyslog" => "host.dependencies";
    SYSLOG_NG_CONF: "deps", File, ["/etc/syslog-ng/syslog-ng.conf", "/etc/syslog-ng/conf.d/*"], "deps::syslog::syslog_ng" => "host.dependencies";
    POSTFIX_MAIN_CF: "deps", File, ["/etc/postfix/main.cf"], "deps::mail::postfix" => "host.dependencies";
    SSMTP_CONF: "deps", File, ["/etc/ssmtp/ssmtp.conf"], "deps::mail::ssmtp" => "host.dependencies";
    MSMTPRC: "deps", File, ["/etc/msmtprc"], "deps::mail::msmtp" => "host.dependencies";
    MULTIPATH_WWIDS: "deps", File, ["/etc/multipath/wwids"], "deps::multipath" => "host.dependencies";
    ISCSI_NODES: "deps", Listing, ["/etc/iscsi/nodes", "/var/lib/iscsi/nodes"], "listing" => "host.dependencies";
    ISCSI_PORTALS: "deps", Listing, ["/etc/iscsi/nodes/{}", "/var/lib/iscsi/nodes/{}"], "deps::iscsi::portal" => "host.dependencies";
    ISCSI_RECORD: "deps", File, ["/etc/iscsi/nodes/{}/{}/default", "/var/lib/iscsi/nodes/{}/{}/default"], "deps::iscsi" => "host.dependencies";
    ISCSI_RECORD_FLAT: "deps", File, ["/etc/iscsi/nodes/{}/{}", "/var/lib/iscsi/nodes/{}/{}"], "deps::iscsi" => "host.dependencies";
    APT_SOURCES: "deps", File, ["/etc/apt/sources.list", "/etc/apt/sources.list.d/*"], "deps::repos::apt" => "host.dependencies";
    YUM_REPOS: "deps", File, ["/etc/yum.repos.d/*", "/etc/zypp/repos.d/*"], "deps::repos::ini" => "host.dependencies";
    ZABBIX_AGENT: "deps", File, ["/etc/zabbix/zabbix_agentd.conf", "/etc/zabbix/zabbix_agentd.d/*", "/etc/zabbix/zabbix_agent2.conf", "/etc/zabbix/zabbix_agent2.d/*", "/etc/zabbix_agentd.conf"], "deps::agents::zabbix" => "host.dependencies";
    NRPE_CFG: "deps", File, ["/etc/nagios/nrpe.cfg", "/etc/nagios/nrpe.d/*", "/etc/nrpe.d/*"], "deps::agents::nrpe" => "host.dependencies";
    BACULA_FD: "deps", File, ["/etc/bacula/bacula-fd.conf", "/etc/bareos/bareos-fd.conf", "/etc/bareos/bareos-fd.d/director/*"], "deps::agents::bacula_fd" => "host.dependencies";
    // etc: the tree of /etc with a SHA-256 of each file, and the machine's id
    MACHINE_ID: "etc", File, ["/etc/machine-id", "/var/lib/dbus/machine-id"], "sha256" => "host.files.machine_id";
    ETC_TREE: "etc", Listing, ["/etc"], "listing and sha256" => "lift diff (model::files::EtcTree)";
}

/// Every source of `host.dependencies`: when none could be read, the
/// host's dependencies are unknown.
pub static DEPENDENCY_SOURCES: &[&Source] = &[
    &RESOLV_CONF,
    &ETC_HOSTS,
    &FSTAB,
    &AUTO_MASTER,
    &ENV_PROXY,
    &APT_PROXY,
    &YUM_PROXY,
    &NTP_CONF,
    &CHRONY_CONF,
    &TIMESYNCD_CONF,
    &SSSD_CONF,
    &LDAP_CONF,
    &KRB5_CONF,
    &SMB_CONF,
    &RSYSLOG_CONF,
    &SYSLOG_NG_CONF,
    &POSTFIX_MAIN_CF,
    &SSMTP_CONF,
    &MSMTPRC,
    &ISCSI_NODES,
    &APT_SOURCES,
    &YUM_REPOS,
    &ZABBIX_AGENT,
    &NRPE_CFG,
    &BACULA_FD,
];

/// Every package database source: a host none of whose databases could be
/// read has no package inventory.
pub static PACKAGE_DATABASES: &[&Source] = &[
    &DPKG_STATUS,
    &DPKG_STATUS_D,
    &RPMDB_SQLITE,
    &RPMDB_NDB,
    &RPMDB_BDB,
    &APK_INSTALLED,
    &PACMAN_LOCAL,
];

/// Specs the model does not read: their facts kept for the raw bundle
/// (`lift bundle cat`), or for rules still to come. None today: `lift
/// diff` reads /etc's digests through `ETC_TREE`.
pub static RAW_ONLY_SPECS: &[(&str, &str)] = &[];

/// Link targets and prefixes the model recognises inside captured content
/// (not paths it reads).
pub mod marks {
    /// A unit linked here is masked.
    pub const MASK_TARGET: &str = "/dev/null";
    /// sysfs places virtual network devices under this directory.
    pub const VIRTUAL_NET: &[u8] = b"/virtual/";
    /// Processes in a user's session, not started by the init system.
    pub const USER_SLICE: &str = "/user.slice";
    /// The merged-/usr prefix: /bin/x is /usr/bin/x in package file lists.
    pub const USR: &str = "/usr";
    /// Where the container engines keep their per-container files: a
    /// mount from there is the engine's own (hostname, resolv.conf, shm).
    pub const CONTAINER_ENGINE_DIRS: &[&str] =
        &["/var/lib/containers/storage", "/run/containers/storage"];
    /// Docker's default data root, which daemon.json's `data-root` moves.
    pub const DOCKER_ROOT: &str = "/var/lib/docker";
    /// Server software's default data directories (the probe sizes those
    /// that exist): a walked directory under one belongs to that kind.
    pub const DATA_DIRS: &[(&str, &str)] = &[
        ("postgresql", "/var/lib/postgresql/"),
        ("postgresql", "/var/lib/pgsql/"),
        ("mysql", "/var/lib/mysql"),
        ("mongodb", "/var/lib/mongo"),
        ("redis", "/var/lib/redis"),
        ("elasticsearch", "/var/lib/elasticsearch"),
    ];
    /// A JVM's executable below its JAVA_HOME, and a JRE inside a JDK.
    pub const JAVA_BIN: &str = "/bin/java";
    pub const JRE: &str = "/jre";
    /// Apache's server roots, one per main file of `APACHE_CONF`: relative
    /// paths in its configuration are relative to these.
    pub const APACHE_ROOTS: &[&str] = &["/etc/apache2", "/etc/httpd"];
    /// Files under /etc that `lift diff` expects a cloud migration to
    /// rewrite: the clock's drift file on new hardware, the boot
    /// configuration (by prefix), network files beside the interface formats
    /// of the table, and the cloud agents' own directories (by prefix).
    pub const ADJTIME: &str = "/etc/adjtime";
    pub const BOOT_CONFIG: &[&str] = &["/etc/default/grub", "/etc/grub"];
    pub const NETWORK_FILE: &str = "/etc/sysconfig/network";
    pub const CLOUD_INIT_DIR: &str = "/etc/cloud/";
    pub const WAAGENT: &str = "/etc/waagent";
}

/// Where a source's read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Absent,
    NotCollected,
    Truncated,
    Unreadable,
    Broken,
    Present,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Absent => "absent",
            State::NotCollected => "not-collected",
            State::Truncated => "truncated",
            State::Unreadable => "unreadable",
            State::Broken => "broken",
            State::Present => "present",
        }
    }
}

/// A source that could not give its fact: the JSON contract's
/// `findings[].missing[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The path (or system call) that was looked for.
    pub source: String,
    pub spec: &'static str,
    pub state: State,
    pub detail: String,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.state {
            State::Absent => write!(f, "{} is absent", self.source)?,
            State::NotCollected => write!(f, "{} was not collected", self.source)?,
            State::Truncated => write!(f, "{} was cut short", self.source)?,
            State::Unreadable => write!(f, "{} could not be read", self.source)?,
            State::Broken => write!(f, "{} did not parse", self.source)?,
            State::Present => write!(f, "{} is present", self.source)?,
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// The files that name the distribution, for a check that needs it.
pub static OS_SOURCES: [&Source; 6] = [
    &OS_RELEASE,
    &USR_OS_RELEASE,
    &REDHAT_RELEASE,
    &SUSE_RELEASE,
    &DEBIAN_VERSION,
    &LSB_RELEASE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_paths_absolute() {
        let mut names: Vec<_> = SOURCES.iter().map(|s| s.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate source names");
        for s in SOURCES {
            for p in s.paths {
                assert!(
                    p.starts_with('/') || matches!(s.how, How::Fact(_)),
                    "{}: {p} is not absolute",
                    s.name
                );
            }
        }
    }

    #[test]
    fn placeholders_fill_in_order() {
        assert_eq!(
            NET_ATTR.at(&["eth0", "address"]),
            "/sys/class/net/eth0/address"
        );
        assert_eq!(
            PID_FILES.all_at(&["sshd"]),
            ["/run/sshd.pid", "/var/run/sshd.pid"]
        );
        assert_eq!(MEMINFO.path(), "/proc/meminfo");
    }
}
