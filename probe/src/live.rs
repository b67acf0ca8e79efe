//! Facts that no file holds: system calls made once, on a live run only
//! (scanning another root, they would describe this machine instead).

use std::ffi::{CStr, CString, OsStr};
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use lift_bundle::{
    BootSector, Bytes, Clocks, Fact, Identity, InterfaceAddr, NoteKind, Statvfs, Sysconf,
    Timestamp, Uname,
};

use nix::time::{clock_gettime, ClockId};
use nix::unistd::{self, Gid, SysconfVar};

use crate::collect::Collector;
use crate::mounts::Mount;
use crate::specs::Take;

pub fn uname() -> Option<Uname> {
    let u = nix::sys::utsname::uname().ok()?;
    let s = |f: &OsStr| f.to_string_lossy().into_owned();
    Some(Uname {
        sysname: s(u.sysname()),
        nodename: s(u.nodename()),
        release: s(u.release()),
        version: s(u.version()),
        machine: s(u.machine()),
        domainname: s(u.domainname()),
    })
}

pub fn identity() -> Identity {
    let groups = unistd::getgroups().unwrap_or_default();
    Identity {
        uid: unistd::getuid().as_raw(),
        euid: unistd::geteuid().as_raw(),
        gid: unistd::getgid().as_raw(),
        egid: unistd::getegid().as_raw(),
        groups: groups.into_iter().map(Gid::as_raw).collect(),
    }
}

fn clock(id: ClockId) -> Option<Timestamp> {
    let ts = clock_gettime(id).ok()?;
    Some(Timestamp {
        secs: ts.tv_sec() as i64,
        nanos: ts.tv_nsec() as u32,
    })
}

/// A sysconf value, 0 where the system has none.
fn sysconf(var: SysconfVar) -> u64 {
    unistd::sysconf(var).ok().flatten().unwrap_or(0).max(0) as u64
}

pub fn system<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    c.fact(Fact::Identity(identity()))?;
    if !c.root.is_live() {
        return Ok(());
    }
    if let Some(u) = uname() {
        c.fact(Fact::Uname(u))?;
    }
    c.fact(Fact::Sysconf(Sysconf {
        page_size: sysconf(SysconfVar::PAGE_SIZE),
        clock_ticks: sysconf(SysconfVar::CLK_TCK),
        online_cpus: sysconf(SysconfVar::_NPROCESSORS_ONLN),
    }))?;
    c.fact(Fact::Clocks(Clocks {
        realtime: clock(ClockId::CLOCK_REALTIME).unwrap_or_default(),
        monotonic: clock(ClockId::CLOCK_MONOTONIC).unwrap_or_default(),
        boottime: clock(ClockId::CLOCK_BOOTTIME),
    }))
}

/// statvfs of each local mount; network filesystems are never asked.
/// Over `--root DIR` the live host's mounts are not the image's: DIR's own
/// filesystem stands for the image's `/`, and each mount under DIR
/// (DIR/tmp, DIR/boot) for the image's mount there (the header's root says
/// whose they are).
pub fn statvfs<W: Write>(c: &mut Collector<W>, mounts: &[Mount]) -> io::Result<()> {
    let live = c.root.is_live();
    let dir = c.root.dir().as_os_str().as_bytes().to_vec();
    if !live {
        stat_one(c, b"/", &dir, "")?;
    }
    for m in mounts {
        let logical = match m.mount_point.strip_prefix(dir.as_slice()) {
            _ if live => &m.mount_point[..],
            Some(under) if under.starts_with(b"/") => under,
            _ => continue,
        };
        if crate::fs::is_network_fs(&m.fs_type) || c.root.on_network_fs(logical) {
            continue;
        }
        stat_one(c, logical, &m.mount_point, &m.fs_type)?;
    }
    Ok(())
}

/// One statvfs fact for `logical`, taken of `real`; a failure is a note.
fn stat_one<W: Write>(
    c: &mut Collector<W>,
    logical: &[u8],
    real: &[u8],
    fs_type: &str,
) -> io::Result<()> {
    let Ok(path) = CString::new(real) else {
        return Ok(());
    };
    let s = match statvfs_of(&path) {
        Ok(s) => s,
        Err(e) => {
            return c.note(
                NoteKind::Unavailable,
                Some(logical),
                format!("statvfs: {e}"),
            );
        }
    };
    let f = s.f_frsize as u64;
    c.fact(Fact::Statvfs(Statvfs {
        mount_point: logical.to_vec().into(),
        fs_type: fs_type.to_string(),
        block_size: f,
        total_bytes: s.f_blocks as u64 * f,
        free_bytes: s.f_bfree as u64 * f,
        avail_bytes: s.f_bavail as u64 * f,
        total_inodes: s.f_files as u64,
        free_inodes: s.f_ffree as u64,
        avail_inodes: s.f_favail as u64,
        flags: s.f_flag as u64,
    }))
}

/// statvfs(3) called directly: nix's wrapper keeps only the flag bits it
/// names, which on musl drops ST_RELATIME and the kernel's ST_VALID.
fn statvfs_of(path: &CStr) -> io::Result<libc::statvfs> {
    let mut s = MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: path is NUL-terminated and s has room for one statvfs.
    if unsafe { libc::statvfs(path.as_ptr(), s.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so it filled s.
    Ok(unsafe { s.assume_init() })
}

pub fn interfaces<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    if !c.root.is_live() {
        return Ok(());
    }
    let all = match nix::ifaddrs::getifaddrs() {
        Ok(all) => all,
        Err(e) => {
            let e = io::Error::from(e);
            return c.note(NoteKind::Unavailable, None, format!("getifaddrs: {e}"));
        }
    };
    let list = all.filter_map(interface_addr).collect();
    c.fact(Fact::Interfaces(list))
}

/// One address of an interface; None for families other than IPv4, IPv6
/// and the link layer.
fn interface_addr(ifa: nix::ifaddrs::InterfaceAddress) -> Option<InterfaceAddr> {
    let addr = ifa.address?;
    let mask = ifa.netmask.as_ref();
    let (family, address, prefix_len) = if let Some(a) = addr.as_sockaddr_in() {
        let prefix = mask
            .and_then(|m| m.as_sockaddr_in())
            .map(|m| m.ip().to_bits().count_ones() as u8);
        ("inet", a.ip().to_string(), prefix)
    } else if let Some(a) = addr.as_sockaddr_in6() {
        let prefix = mask
            .and_then(|m| m.as_sockaddr_in6())
            .map(|m| m.ip().to_bits().count_ones() as u8);
        ("inet6", a.ip().to_string(), prefix)
    } else if let Some(a) = addr.as_link_addr() {
        let ll: &libc::sockaddr_ll = a.as_ref();
        let n = (ll.sll_halen as usize).min(ll.sll_addr.len());
        let mac: Vec<String> = ll.sll_addr[..n]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ("packet", mac.join(":"), None)
    } else {
        return None;
    };
    Some(InterfaceAddr {
        name: ifa.interface_name,
        family: family.into(),
        address,
        prefix_len,
        flags: ifa.flags.bits() as u32,
    })
}

/// The whole disks and the partitions under a block device: a disk is
/// itself; a partition is itself and its parent disk; device-mapper and md
/// devices are what their slaves are.
fn devices_under(sys_dev: &Path, depth: u32, disks: &mut Vec<String>, parts: &mut Vec<String>) {
    if depth == 0 {
        return;
    }
    let Ok(real) = std::fs::canonicalize(sys_dev) else {
        return;
    };
    let slaves = real.join("slaves");
    if let Ok(rd) = std::fs::read_dir(&slaves) {
        let mut any = false;
        for e in rd.flatten() {
            any = true;
            devices_under(&e.path(), depth - 1, disks, parts);
        }
        if any {
            return;
        }
    }
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_string);
    let add = |list: &mut Vec<String>, n: Option<String>| {
        if let Some(n) = n {
            if !list.contains(&n) {
                list.push(n);
            }
        }
    };
    if real.join("partition").exists() {
        add(parts, name(&real));
        add(disks, real.parent().and_then(name));
    } else {
        add(disks, name(&real));
    }
}

/// The first 512 bytes of each disk that holds / or /boot, to tell which
/// boot loader (if any) is in its MBR, and of each partition that holds
/// them: behind a chain-loading MBR the loader is in the partition's boot
/// record.
pub fn boot_sectors<W: Write>(c: &mut Collector<W>, mounts: &[Mount]) -> io::Result<()> {
    if !c.root.is_live() {
        return Ok(());
    }
    type Holds = Vec<(String, Vec<Bytes>)>;
    let mut disks: Holds = Vec::new();
    let mut parts: Holds = Vec::new();
    let hold = |list: &mut Holds, dev: String, target: &[u8]| match list
        .iter_mut()
        .find(|(n, _)| *n == dev)
    {
        Some((_, holds)) => holds.push(target.into()),
        None => list.push((dev, vec![target.into()])),
    };
    for target in [&b"/"[..], b"/boot"] {
        // The last mount on a point is the one in effect.
        let Some(m) = mounts.iter().rev().find(|m| m.mount_point == target) else {
            continue;
        };
        if m.major == 0 {
            continue; // not a block device (tmpfs, overlay, nfs)
        }
        let (mut found_disks, mut found_parts) = (Vec::new(), Vec::new());
        devices_under(
            Path::new(&format!("/sys/dev/block/{}:{}", m.major, m.minor)),
            4,
            &mut found_disks,
            &mut found_parts,
        );
        for d in found_disks {
            hold(&mut disks, d, target);
        }
        for p in found_parts {
            hold(&mut parts, p, target);
        }
    }
    let sectors = disks
        .into_iter()
        .map(|d| (false, d))
        .chain(parts.into_iter().map(|p| (true, p)));
    for (partition, (name, holds)) in sectors {
        let dev = format!("/dev/{name}");
        match read_sector(Path::new(&dev), !partition) {
            Ok(sector) => {
                let b = BootSector {
                    device: dev.as_str().into(),
                    holds,
                    sector: sector.into(),
                };
                c.fact(if partition {
                    Fact::PartitionSector(b)
                } else {
                    Fact::BootSector(b)
                })?
            }
            Err(e) => c.note(
                NoteKind::PermissionDenied,
                Some(dev.as_bytes()),
                format!("boot sector: {e}"),
            )?,
        }
    }
    Ok(())
}

/// The most a GPT's header and entries are read to: 256 entries of 256
/// bytes behind a 4096-byte LBA 0 and LBA 1.
const GPT_MOST: usize = 2 * 4096 + 256 * 256;

/// The one device the probe opens: read-only, non-blocking, 512 bytes; of a
/// disk whose MBR protects a GPT, also the GPT's header and partition
/// entries (types and extents, for the storage layout), for either logical
/// sector size.
fn read_sector(dev: &Path, disk: bool) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    if !std::fs::symlink_metadata(dev)?
        .file_type()
        .is_block_device()
    {
        return Err(io::Error::other("not a block device"));
    }
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(dev)?;
    let mut buf = vec![0u8; 512];
    f.read_exact(&mut buf)?;
    // A partition entry of type 0xEE (offset 446 + 16n + 4): a GPT disk.
    let protective = (0..4).any(|n| buf[446 + 16 * n + 4] == 0xee) && buf[510..] == [0x55, 0xaa];
    if disk && protective {
        gpt_tables(&mut f, &mut buf)?;
    }
    Ok(buf)
}

/// Extends `buf` (LBA 0's first 512 bytes) with the GPT header at LBA 1 and
/// its entries: the header's place tells the logical sector size (byte 512
/// on a 512-byte-sector disk, byte 4096 on a 4Kn one), and its fields where
/// the entries are. Nothing is read past the header's first usable LBA, so
/// no byte of a partition; without a header, only LBA 1 of a 512-byte disk
/// stays (the analyzer says no header was there).
fn gpt_tables(f: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<()> {
    for sector in [512usize, 4096] {
        fill(f, buf, 2 * sector)?;
        let Some(h) = buf
            .get(sector..2 * sector)
            .filter(|h| h.starts_with(b"EFI PART"))
        else {
            continue;
        };
        let u64_at = |o: usize| u64::from_le_bytes(h[o..o + 8].try_into().unwrap_or([0; 8]));
        let u32_at =
            |o: usize| u64::from(u32::from_le_bytes(h[o..o + 4].try_into().unwrap_or([0; 4])));
        let (first_usable, entries_lba) = (u64_at(40), u64_at(72));
        let entries = entries_lba
            .saturating_mul(sector as u64)
            .saturating_add(u32_at(80).saturating_mul(u32_at(84)));
        let end = entries
            .min(first_usable.saturating_mul(sector as u64))
            .min(GPT_MOST as u64) as usize;
        fill(f, buf, end)?;
        buf.truncate(end.max(2 * sector));
        return Ok(());
    }
    buf.truncate(1024.min(buf.len()));
    Ok(())
}

/// Reads on until `buf` holds `len` bytes or the device ends.
fn fill(f: &mut impl Read, buf: &mut Vec<u8>, len: usize) -> io::Result<()> {
    let mut got = buf.len();
    if got >= len {
        return Ok(());
    }
    buf.resize(len, 0);
    while got < len {
        match f.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    buf.truncate(got);
    Ok(())
}

/// modules.builtin and modules.dep of the running kernel; scanning a root,
/// of the kernel its /proc names, else of each installed one (at most 4).
pub fn kernel_modules<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    let mut releases = Vec::new();
    if c.root.is_live() {
        releases.extend(uname().map(|u| u.release));
    } else if let Ok(mut f) = c.root.open_regular(b"/proc/sys/kernel/osrelease") {
        let mut s = String::new();
        if f.read_to_string(&mut s).is_ok() && !s.trim().is_empty() {
            releases.push(s.trim().to_string());
        }
    }
    if releases.is_empty() {
        if let Ok((names, _)) = c.root.read_dir(b"/lib/modules", 64) {
            releases.extend(
                names
                    .into_iter()
                    .rev()
                    .take(4)
                    .map(|(n, _)| String::from_utf8_lossy(&n).into_owned()),
            );
        }
    }
    for r in releases {
        if r.contains('/') || r.starts_with('.') {
            continue;
        }
        for f in ["modules.builtin", "modules.dep", "modules.order"] {
            c.capture(format!("/lib/modules/{r}/{f}").as_bytes(), Take::Content)?;
        }
        c.list(format!("/lib/modules/{r}").as_bytes())?;
        c.list(format!("/usr/src/kernels/{r}").as_bytes())?;
        c.list(format!("/usr/src/linux-headers-{r}").as_bytes())?;
    }
    Ok(())
}

/// Presence (metadata only) of each user's authorized_keys files.
pub fn authorized_keys<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    let mut passwd = Vec::new();
    if let Ok(f) = c.root.open_regular(b"/etc/passwd") {
        let _ = f.take(8 << 20).read_to_end(&mut passwd);
    }
    let mut homes: Vec<&[u8]> = passwd
        .split(|&b| b == b'\n')
        .filter_map(|l| l.split(|&b| b == b':').nth(5))
        .filter(|h| {
            h.starts_with(b"/")
                && h.len() > 1
                && !h.starts_with(b"/nonexistent")
                && !h.starts_with(b"/proc")
        })
        .collect();
    homes.sort();
    homes.dedup();
    for home in homes.into_iter().take(10_000) {
        for f in [&b"/.ssh/authorized_keys"[..], b"/.ssh/authorized_keys2"] {
            let p = [home, f].concat();
            if !std::path::Path::new(std::ffi::OsStr::from_bytes(&p)).is_absolute() {
                continue;
            }
            c.capture(&p, Take::Meta)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{devices_under, gpt_tables, read_sector};

    /// A GPT disk's header and entries are read, an MBR disk's first
    /// sector only, through a real block device: a loop device over a disk
    /// image (sgdisk's, sfdisk's, and fdisk's on 4096-byte sectors: the
    /// loop device has the image's sector size, fixtures/boot-sectors).
    #[test]
    fn reads_a_gpt_disks_header_and_entries() {
        // SAFETY: geteuid only reads the process's credentials.
        let root = unsafe { libc::geteuid() } == 0;
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        if !root {
            assert!(
                !ci,
                "cannot run under CI=true: needs root for a loop device"
            );
            eprintln!("skipped: needs root for a loop device");
            return;
        }
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/boot-sectors/");
        for (name, sector, want) in [
            ("gpt-sgdisk-1.0.9-first34.bin", "512", 34 * 512),
            ("mbr-sfdisk-2.38-first512.bin", "512", 512),
            ("gpt-fdisk-2.38.1-4k-first6.bin", "4096", 6 * 4096),
        ] {
            let mut image = std::fs::read(format!("{fixtures}{name}")).unwrap();
            image.resize(1 << 20, 0);
            let path =
                std::env::temp_dir().join(format!("lift-probe-{}-{name}.img", std::process::id()));
            std::fs::write(&path, &image).unwrap();
            let out = std::process::Command::new("losetup")
                .args(["-f", "--show", "--sector-size", sector])
                .arg(&path)
                .output();
            let dev = match out {
                Ok(o) if o.status.success() => {
                    String::from_utf8_lossy(&o.stdout).trim().to_string()
                }
                other => {
                    assert!(!ci, "cannot run under CI=true: losetup failed: {other:?}");
                    eprintln!("skipped: losetup failed");
                    return;
                }
            };
            let read = read_sector(std::path::Path::new(&dev), true);
            let _ = std::process::Command::new("losetup")
                .arg("-d")
                .arg(&dev)
                .status();
            let _ = std::fs::remove_file(&path);
            let read = read.unwrap();
            assert_eq!(read.len(), want, "{name}");
            assert_eq!(read[..], image[..want], "{name}");
        }
    }

    /// The header's place tells the sector size, and nothing past its first
    /// usable LBA is read: a partition's first bytes (here 0xAA, where a
    /// LUKS header's key slots could be) never join the bundle.
    #[test]
    fn gpt_tables_stop_before_the_first_partition() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/boot-sectors/");
        for (name, want) in [
            ("gpt-sgdisk-1.0.9-first34.bin", 34 * 512),
            ("gpt-fdisk-2.38.1-4k-first6.bin", 6 * 4096),
        ] {
            let mut image = std::fs::read(format!("{fixtures}{name}")).unwrap();
            assert_eq!(image.len(), want, "{name}");
            image.resize(want + 65536, 0xaa);
            let mut device = std::io::Cursor::new(&image[512..]);
            let mut buf = image[..512].to_vec();
            gpt_tables(&mut device, &mut buf).unwrap();
            assert_eq!(buf, image[..want], "{name}");
        }
        // A protective MBR with no header at either place: LBA 1 only.
        let mbr = std::fs::read(format!("{fixtures}gpt-protective-mbr.bin")).unwrap();
        let mut image = mbr[..512].to_vec();
        image.resize(65536, 0xaa);
        let mut buf = image[..512].to_vec();
        gpt_tables(&mut std::io::Cursor::new(&image[512..]), &mut buf).unwrap();
        assert_eq!(buf.len(), 1024);
        // A hostile header cannot make it read more than GPT_MOST.
        let mut image = std::fs::read(format!("{fixtures}gpt-sgdisk-1.0.9-first34.bin")).unwrap();
        image[512 + 40..512 + 48].copy_from_slice(&u64::MAX.to_le_bytes());
        image[512 + 80..512 + 84].copy_from_slice(&u32::MAX.to_le_bytes());
        image.resize(1 << 20, 0);
        let mut buf = image[..512].to_vec();
        gpt_tables(&mut std::io::Cursor::new(&image[512..]), &mut buf).unwrap();
        assert_eq!(buf.len(), super::GPT_MOST);
    }
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    /// A sysfs laid out as the kernel does: /sys/dev/block/M:m links into
    /// /sys/devices/.../block/<disk>/<partition>; a partition has a
    /// `partition` file; dm and md devices list their members in `slaves/`.
    fn sysfs() -> PathBuf {
        let d = std::env::temp_dir().join(format!("lift-probe-sysfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let block = d.join("devices/pci0000:00/block");
        for p in [
            "sda/sda1",
            "sda/sda2",
            "nvme0n1/nvme0n1p3",
            "dm-0/slaves",
            "md0/slaves",
        ] {
            std::fs::create_dir_all(block.join(p)).unwrap();
        }
        for p in ["sda/sda1", "sda/sda2", "nvme0n1/nvme0n1p3"] {
            std::fs::write(block.join(p).join("partition"), "1\n").unwrap();
        }
        symlink(block.join("sda/sda2"), block.join("dm-0/slaves/sda2")).unwrap();
        symlink(
            block.join("nvme0n1/nvme0n1p3"),
            block.join("md0/slaves/nvme0n1p3"),
        )
        .unwrap();
        symlink(block.join("sda/sda1"), block.join("md0/slaves/sda1")).unwrap();
        std::fs::create_dir_all(d.join("dev/block")).unwrap();
        for (n, t) in [
            ("8:0", "sda"),
            ("8:1", "sda/sda1"),
            ("253:0", "dm-0"),
            ("9:0", "md0"),
        ] {
            symlink(block.join(t), d.join("dev/block").join(n)).unwrap();
        }
        d
    }

    fn under(sys: &std::path::Path, dev: &str) -> (Vec<String>, Vec<String>) {
        let (mut disks, mut parts) = (Vec::new(), Vec::new());
        devices_under(&sys.join("dev/block").join(dev), 4, &mut disks, &mut parts);
        (disks, parts)
    }

    #[test]
    fn partitions_and_their_disks_through_dm_and_md() {
        let sys = sysfs();
        assert_eq!(under(&sys, "8:0"), (vec!["sda".into()], vec![]));
        assert_eq!(
            under(&sys, "8:1"),
            (vec!["sda".into()], vec!["sda1".into()])
        );
        // LVM on sda2: the partition behind the logical volume.
        assert_eq!(
            under(&sys, "253:0"),
            (vec!["sda".into()], vec!["sda2".into()])
        );
        // RAID 1 across two disks: both partitions, both disks.
        let (mut disks, mut parts) = under(&sys, "9:0");
        disks.sort();
        parts.sort();
        assert_eq!(disks, ["nvme0n1", "sda"]);
        assert_eq!(parts, ["nvme0n1p3", "sda1"]);
        std::fs::remove_dir_all(sys).unwrap();
    }
}
