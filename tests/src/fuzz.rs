//! The fuzz entry points: one function per target, each feeding arbitrary
//! bytes to one parser family and to the helpers that walk its result. The
//! cargo-fuzz targets in `fuzz/` call these under libFuzzer (nightly), and
//! `tests/fuzz_regressions.rs` replays every input the fuzzers found
//! (`fixtures/fuzz-regressions/<target>/`) through the same functions on
//! stable, so a fixed crash stays fixed in CI.
//!
//! An entry point returns nothing: the parsers' outcomes (Ok, Err, partial)
//! are all acceptable; only a panic, a hang or unbounded allocation is a bug.

use lift::parse::deps::{
    agents, iscsi, krb5, ldap, mail, multipath, ntp, repos, resolver, samba, sssd, syslog,
};
use lift::parse::netconf::{self, ifcfg, ifupdown, keyfile, netplan, networkd};
use lift::parse::rpmdb::{self, bdb, ndb};
use lift::parse::{
    apk, autofs, boot_sector, cpuinfo, dpkg_list, dpkg_status, efivar, fstab, grub, if_inet6,
    inittab, meminfo, mountinfo, os_release, pacman, pidfile, proc_misc, proc_net, proc_pid,
    proc_version, release_files, sudoers, sysstat as sa, systemd_unit, sysv, upstart,
};
use lift::parse::{openrc, sos};
use lift::snapshot::archive;
use lift::version as version_cmp;
use lift_bundle::{json, Limits, Reader, FORMAT_VERSION, MAGIC};

/// One fuzz target: a parser family fed arbitrary bytes.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression test and for `fuzz/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("bundle_reader", bundle_reader),
    ("json_form", json_form),
    ("mountinfo", mountinfo),
    ("rpm_header", rpm_header),
    ("rpm_bdb", rpm_bdb),
    ("rpm_ndb", rpm_ndb),
    ("dpkg_status", dpkg_status),
    ("sysstat", sysstat),
    ("other_packages", other_packages),
    ("version_cmp", version_cmp),
    ("systemd_unit", systemd_unit),
    ("upstart", upstart),
    ("sysv", sysv),
    ("ifcfg", ifcfg),
    ("ifupdown", ifupdown),
    ("netplan", netplan),
    ("nm_keyfile", nm_keyfile),
    ("networkd", networkd),
    ("sudoers", sudoers),
    ("proc_net", proc_net),
    ("proc_pid", proc_pid),
    ("proc_misc", proc_misc),
    ("boot_sector", boot_sector),
    ("efivar", efivar),
    ("os_release", os_release),
    ("grub", grub),
    ("fstab", fstab),
    ("sos_commands", sos_commands),
    ("tar_archive", tar_archive),
    ("dependencies", dependencies),
    ("scrubber", scrubber),
    ("applications", applications),
];

/// Server software's configuration and certificates (issue 28): nginx and
/// Apache through an include that returns the input again (its own
/// bounds must stop it), the settings formats, Tomcat's and WildFly's
/// tags, and X.509 as PEM or DER.
pub fn applications(data: &[u8]) {
    use lift::parse::{apache_conf, app_conf, nginx_conf, server_xml, x509};
    let mut again = |p: &str| vec![(p.to_string(), data.to_vec())];
    let _ = nginx_conf::parse("/etc/nginx/nginx.conf", data, &mut again);
    let _ = apache_conf::parse(
        "/etc/apache2",
        "/etc/apache2/apache2.conf",
        data,
        &mut again,
    );
    let _ = (
        app_conf::key_values(data),
        app_conf::my_cnf(data),
        app_conf::yaml(data),
    );
    let _ = app_conf::oratab(data);
    let _ = (server_xml::tomcat(data), server_xml::wildfly(data));
    let _ = x509::parse(data);
}

/// The probe's scrubber (`probe/src/scrub`), compiled here from its source:
/// the probe is a binary, with no library to link.
#[allow(dead_code)]
#[path = "../../probe/src/scrub/mod.rs"]
mod scrub;

/// The scrubber on any content at any path (the input's first line): it
/// must return, and keep every line end of a file (lines never merge or
/// split). A process's arguments are one text: an argument may hold a line
/// end, blanked with the rest of a secret.
pub fn scrubber(data: &[u8]) {
    let cut = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (path, content) = (&data[..cut], &data[(cut + 1).min(data.len())..]);
    let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
    let out = match scrub::scrub_found(path, path, content) {
        scrub::Outcome::Scrubbed(out, _) => out,
        scrub::Outcome::Clean | scrub::Outcome::Withheld(_) => return,
    };
    if !(path.starts_with(b"/proc/") && path.ends_with(b"/cmdline")) {
        assert_eq!(lines(&out), lines(content), "line ends changed");
    }
}

/// The input as a whole bundle, and again as the decompressed record stream
/// of one: mutated compressed bytes rarely survive zstd, so the second run
/// is what reaches the record decoder. Small limits, so that the fuzzer
/// reaches every limit check quickly and an input that slips past one shows
/// up as an out-of-memory.
pub fn bundle_reader(data: &[u8]) {
    read_bundle(data);
    let mut bundle = MAGIC.to_vec();
    bundle.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bundle.extend(zstd::encode_all(data, 1).expect("compress into memory"));
    read_bundle(&bundle);
}

fn read_bundle(bundle: &[u8]) {
    let limits = Limits {
        max_record_len: 1 << 20,
        max_decompressed: 8 << 20,
        max_entries: 1000,
        max_path_len: 4096,
        max_facts: 1000,
        max_notes: 1000,
        max_chunks: 1000,
        max_headers: 16,
        max_skipped: 1000,
    };
    if let Ok(reader) = Reader::new(bundle, limits) {
        for record in reader {
            if record.is_err() {
                break;
            }
        }
    }
}

/// The JSON form read whole and read as it streams in (a few bytes at a
/// time, under a cap just above its size) must agree: the same bundle, or
/// both refused; and one byte less of cap must refuse it.
pub fn json_form(data: &[u8]) {
    /// Hands out at most 7 bytes a read, so that the streaming parser
    /// meets every token cut across reads.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let whole = json::from_slice(data);
    let streamed = json::from_reader_capped(Trickle(data), data.len() as u64);
    match (&whole, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "from_slice and from_reader disagree"),
        (Err(_), Err(_)) => {}
        _ => panic!("from_slice: {whole:?}, from_reader: {streamed:?}"),
    }
    if whole.is_ok() && !data.is_empty() {
        let cut = json::from_reader_capped(Trickle(data), data.len() as u64 - 1);
        assert!(cut.is_err(), "a cap below the input's size let it through");
    }
}

/// A parser's value, or the empty one where it found the input broken.
fn value<T: Default>(parsed: lift::parse::Parsed<T>) -> T {
    parsed.map(|p| p.value).unwrap_or_default()
}

pub fn mountinfo(data: &[u8]) {
    for table in [
        value(mountinfo::parse_mountinfo(data)),
        value(mountinfo::parse_mounts(data)),
    ] {
        let visible = mountinfo::visible(&table);
        for mount in &table {
            let _ = (mount.read_only(), mount.noexec());
            let _ = mountinfo::mount_containing(&visible, &mount.mount_point);
        }
    }
}

pub fn rpm_header(data: &[u8]) {
    let _ = rpmdb::package_from_blob(data);
}

pub fn rpm_bdb(data: &[u8]) {
    let _ = bdb::parse(data);
}

pub fn rpm_ndb(data: &[u8]) {
    let _ = ndb::parse(data);
}

pub fn dpkg_status(data: &[u8]) {
    let _ = dpkg_status::parse(data);
    let _ = dpkg_status::parse_status_d(data);
}

/// sysstat's binary daily files: never a panic, and the intervals of
/// whatever was read computed without overflow.
pub fn sysstat(data: &[u8]) {
    if let Ok(p) = sa::parse(data) {
        let _ = p.value.intervals();
    }
}

/// The package formats without a target of their own: apk's installed
/// database, a pacman `desc` file, and a dpkg `.list` file.
pub fn other_packages(data: &[u8]) {
    let _ = apk::parse(data);
    let _ = pacman::parse(data);
    let _ = dpkg_list::parse(data);
}

/// The two version comparisons, on the input split at its first newline.
pub fn version_cmp(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = version_cmp::rpmvercmp(a, b);
    let _ = version_cmp::dpkg_version_cmp(a, b);
    let _ = version_cmp::DebianVersion::split(a);
}

pub fn systemd_unit(data: &[u8]) {
    let unit = value(systemd_unit::parse(data));
    let _ = unit.install();
    let _ = unit.words("Unit", "After");
    let _ = systemd_unit::apply_dropins(&unit, &[("a.conf", unit.clone())]);
    if let Some(name) = systemd_unit::UnitName::parse(&String::from_utf8_lossy(data)) {
        let _ = name.template();
    }
}

pub fn upstart(data: &[u8]) {
    let job = value(upstart::parse(data));
    let _ = upstart::apply_override(&job, &job);
    let _ = upstart::runlevels_of(&String::from_utf8_lossy(data));
}

/// Init script headers, inittab, and the runlevel and rc link names.
pub fn sysv(data: &[u8]) {
    let _ = sysv::parse(data);
    let _ = inittab::parse(data);
    let text = String::from_utf8_lossy(data);
    let _ = sysv::parse_runlevels(&text);
    let _ = sysv::parse_rc_link_name(&text);
    let _ = sysv::rc_dir_runlevel(&text);
}

pub fn ifcfg(data: &[u8]) {
    let _ = ifcfg::parse(data);
    let _ = netconf::netmask_prefix(&String::from_utf8_lossy(data));
}

/// Debian's /etc/network/interfaces, and dhclient's leases that go with it.
pub fn ifupdown(data: &[u8]) {
    let _ = ifupdown::parse(data);
    let _ = netconf::dhclient::parse(data);
}

pub fn netplan(data: &[u8]) {
    let _ = netplan::parse(data);
}

pub fn nm_keyfile(data: &[u8]) {
    let _ = keyfile::parse(data);
}

pub fn networkd(data: &[u8]) {
    let _ = networkd::parse(data);
}

pub fn sudoers(data: &[u8]) {
    let file = value(sudoers::parse(data));
    let _ = sudoers::full_rights(&[("/etc/sudoers".to_string(), file)], Some("host"));
}

pub fn proc_net(data: &[u8]) {
    use proc_net::InetProto::*;
    for proto in [Tcp, Tcp6, Udp, Udp6, Raw, Raw6] {
        for little_endian in [true, false] {
            for socket in value(proc_net::parse_inet(data, proto, little_endian)) {
                let _ = socket.is_listening();
            }
        }
    }
    for socket in value(proc_net::parse_unix(data)) {
        let _ = socket.is_abstract();
    }
}

pub fn proc_pid(data: &[u8]) {
    let _ = proc_pid::parse_stat(data);
    let _ = proc_pid::parse_status(data);
    let _ = proc_pid::parse_cmdline(data);
    let _ = proc_pid::systemd_unit(&value(proc_pid::parse_cgroup(data)));
    let _ = proc_pid::parse_exe_link(data);
}

/// The one-value /proc files and pid files.
pub fn proc_misc(data: &[u8]) {
    let _ = cpuinfo::parse(data);
    let _ = meminfo::parse(data).map(|m| m.value.available());
    let _ = proc_version::parse(data);
    let _ = proc_misc::parse_uptime(data);
    let _ = proc_misc::parse_loadavg(data);
    let _ = pidfile::parse(data);
    let _ = if_inet6::parse(data);
}

pub fn boot_sector(data: &[u8]) {
    let _ = boot_sector::parse(data);
}

pub fn efivar(data: &[u8]) {
    let _ = efivar::parse_boot_current(data);
    let _ = efivar::parse_load_option(data);
}

/// os-release and every older release file, each alone as the host's only
/// source, as `identify` sees them.
pub fn os_release(data: &[u8]) {
    let _ = os_release::parse(data);
    let _ = release_files::parse_issue(data);
    let d = Some(data);
    for sources in [
        release_files::ReleaseSources {
            etc_os_release: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            lsb_release: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            centos_release: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            system_release: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            redhat_release: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            suse_release: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            debian_version: d,
            ..Default::default()
        },
        release_files::ReleaseSources {
            issue: d,
            ..Default::default()
        },
    ] {
        let _ = release_files::identify(&sources);
    }
}

/// GRUB 2 and legacy configurations, and grubenv's saved entry applied to
/// the parsed entries.
pub fn grub(data: &[u8]) {
    let env = value(grub::parse_grubenv(data));
    let saved = env.get("saved_entry").map(String::as_str);
    for config in [grub::parse_grub2(data), grub::parse_legacy(data)]
        .into_iter()
        .flatten()
    {
        if let Some(entry) = config.default_entry(saved) {
            let _ = entry.root();
        }
    }
}

pub fn fstab(data: &[u8]) {
    for entry in value(fstab::parse(data)) {
        let _ = (entry.is_network(), entry.is_swap());
    }
    let _ = autofs::parse_master(data);
    let _ = autofs::parse_map(data);
}

/// Every sosreport command-output parser, and OpenRC's script reader.
pub fn sos_commands(data: &[u8]) {
    let _ = sos::dpkg_l::parse(data);
    let _ = sos::rpm_qa::parse(data);
    let _ = sos::uname::parse(data);
    let _ = sos::ip_addr::parse(data);
    let _ = sos::df::parse(data);
    let _ = sos::unit_files::parse(data);
    let _ = sos::chkconfig::parse(data);
    let _ = sos::ss::parse(data);
    let _ = sos::netstat::parse(data);
    let _ = sos::lsblk::parse(data);
    let _ = openrc::parse(data);
}

/// A tar archive as `lift report X.tar*` reads it, compressed or not, with
/// small limits.
pub fn tar_archive(data: &[u8]) {
    let limits = Limits {
        max_decompressed: 8 << 20,
        max_entries: 1000,
        max_path_len: 1024,
        ..Limits::default()
    };
    let compression = archive::Compression::sniff(data).unwrap_or(archive::Compression::None);
    let _ = archive::read(std::path::Path::new("fuzz"), compression, data, limits);
}

/// Structure-aware: the input decides a sequence of `Record`s (through
/// `arbitrary`), which the bundle `Writer` writes and the `Reader` must give
/// back equal; the JSON form must round-trip them too; and the analyzer's
/// snapshot and host model must take them without a panic. Only with the
/// `arbitrary` feature (cargo-fuzz target `records`).
#[cfg(feature = "arbitrary")]
pub fn records(data: &[u8]) {
    use arbitrary::{Arbitrary, Unstructured};
    use lift_bundle::{Record, Writer};

    let Ok(records) = Vec::<Record>::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut w = Writer::new(Vec::new(), 1).expect("a writer into memory");
    for r in &records {
        w.write(r).expect("a record the writer accepts");
    }
    let bundle = w.finish().expect("finish into memory");
    // The writer's limit is the record length; the reader's others are
    // for hostile input, which this is not, but for the count of headers
    // and footers (a bundle has one of each): past it, the reader and the
    // JSON form must refuse the sequence, naming the kind.
    let limits = Limits {
        max_entries: u64::MAX,
        max_path_len: usize::MAX,
        ..Limits::default()
    };
    let count = |header: bool| {
        records
            .iter()
            .filter(|r| match r {
                Record::Header(_) => header,
                Record::Footer(_) => !header,
                _ => false,
            })
            .count() as u64
    };
    if count(true) > limits.max_headers || count(false) > limits.max_headers {
        let refused = Reader::new(&bundle[..], limits)
            .ok()
            .and_then(|r| r.into_iter().find_map(Result::err))
            .or_else(|| Reader::new(&bundle[..], limits).err())
            .expect("too many headers or footers refused");
        assert!(
            matches!(
                refused.kind,
                lift_bundle::ReadErrorKind::TooManyRecords { .. }
            ),
            "{refused}"
        );
        let text = serde_json::to_vec(&json::JsonBundle::new(records)).expect("JSON form");
        assert!(json::from_slice(&text).is_err(), "the JSON form took them");
        return;
    }
    let back: Vec<Record> = Reader::new(&bundle[..], limits)
        .expect("the writer's header")
        .map(|r| r.expect("a record the writer wrote"))
        .collect();
    assert_eq!(back, records, "bundle round trip");

    let text = serde_json::to_vec(&json::JsonBundle::new(records.clone())).expect("JSON form");
    let again = json::from_slice(&text).expect("the JSON form read back");
    assert_eq!(again.records, records, "JSON form round trip");

    let snap = lift::snapshot::BundleSnapshot::from_records(
        std::path::Path::new("fuzz.lift"),
        "bundle",
        records,
        0,
    );
    let _ = lift::model::build(&snap);
}

/// The structure-aware target on stable: its seeds, any inputs kept under
/// `fixtures/fuzz-regressions/records/`, and a fixed pseudo-random sweep.
/// `cargo test -p lift-tests --features arbitrary --lib`.
#[cfg(all(test, feature = "arbitrary"))]
mod tests {
    #[test]
    fn records_round_trip() {
        let ws = crate::workspace();
        let mut inputs = Vec::new();
        for dir in ["fuzz/corpus/records", "fixtures/fuzz-regressions/records"] {
            if let Ok(entries) = std::fs::read_dir(ws.join(dir)) {
                for e in entries {
                    inputs.push(std::fs::read(e.unwrap().path()).unwrap());
                }
            }
        }
        assert!(!inputs.is_empty(), "no seeds in fuzz/corpus/records");
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for n in 0..500 {
            let bytes = (0..n * 3)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            inputs.push(bytes);
        }
        for input in &inputs {
            super::records(input);
        }
    }
}

/// Every parser of the configuration that names a host's dependencies
/// (`parse::deps`), each bounded to `MAX_PER_FILE` endpoints.
pub fn dependencies(data: &[u8]) {
    type Parser = fn(&[u8]) -> lift::parse::Parsed<lift::parse::deps::Found>;
    let parsers: &[Parser] = &[
        resolver::resolv_conf,
        ntp::parse,
        ntp::timesyncd,
        ldap::parse,
        sssd::parse,
        krb5::parse,
        samba::parse,
        syslog::rsyslog,
        syslog::syslog_ng,
        mail::postfix,
        mail::ssmtp,
        mail::msmtp,
        iscsi::parse,
        repos::apt,
        repos::ini,
        agents::zabbix,
        agents::nrpe,
        agents::bacula_fd,
        multipath::wwids,
        multipath::bindings,
        multipath::conf,
    ];
    for parse in parsers {
        if let Ok(found) = parse(data) {
            assert!(found.value.value.len() <= lift::parse::deps::MAX_PER_FILE);
        }
    }
    if let Ok(hosts) = resolver::hosts(data) {
        assert!(hosts.value.0.len() <= lift::parse::deps::MAX_PER_FILE);
    }
    let _ = iscsi::portal(&String::from_utf8_lossy(data));
}
