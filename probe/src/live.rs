//! Facts that no file holds: system calls made once, on a live run only
//! (scanning another root, they would describe this machine instead).

use std::ffi::CStr;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use lift_bundle::{
    BootSector, Bytes, Clocks, Fact, Identity, InterfaceAddr, NoteKind, Statvfs, Sysconf,
    Timestamp, Uname,
};

use crate::collect::Collector;
use crate::mounts::Mount;
use crate::specs::Take;

pub fn uname() -> Option<Uname> {
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname fills the struct it is given.
    if unsafe { libc::uname(&mut u) } != 0 {
        return None;
    }
    let s = |f: &[libc::c_char]| {
        // SAFETY: the kernel NUL-terminates each field.
        unsafe { CStr::from_ptr(f.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    Some(Uname {
        sysname: s(&u.sysname),
        nodename: s(&u.nodename),
        release: s(&u.release),
        version: s(&u.version),
        machine: s(&u.machine),
        domainname: s(&u.domainname),
    })
}

pub fn identity() -> Identity {
    // SAFETY: these calls only read the process's credentials.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    let mut groups = vec![0 as libc::gid_t; 256];
    // SAFETY: the buffer holds 256 entries, as the count says.
    let n = unsafe { libc::getgroups(groups.len() as i32, groups.as_mut_ptr()) };
    groups.truncate(n.max(0) as usize);
    Identity {
        uid,
        euid,
        gid,
        egid,
        groups,
    }
}

fn clock(id: libc::clockid_t) -> Option<Timestamp> {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: clock_gettime writes one timespec.
    if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
        return None;
    }
    Some(Timestamp {
        secs: ts.tv_sec as i64,
        nanos: ts.tv_nsec as u32,
    })
}

pub fn system<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    c.fact(Fact::Identity(identity()))?;
    if !c.root.is_live() {
        return Ok(());
    }
    if let Some(u) = uname() {
        c.fact(Fact::Uname(u))?;
    }
    // SAFETY: sysconf only reads configuration values.
    let (page, ticks, cpus) = unsafe {
        (
            libc::sysconf(libc::_SC_PAGESIZE),
            libc::sysconf(libc::_SC_CLK_TCK),
            libc::sysconf(libc::_SC_NPROCESSORS_ONLN),
        )
    };
    c.fact(Fact::Sysconf(Sysconf {
        page_size: page.max(0) as u64,
        clock_ticks: ticks.max(0) as u64,
        online_cpus: cpus.max(0) as u64,
    }))?;
    c.fact(Fact::Clocks(Clocks {
        realtime: clock(libc::CLOCK_REALTIME).unwrap_or_default(),
        monotonic: clock(libc::CLOCK_MONOTONIC).unwrap_or_default(),
        boottime: clock(libc::CLOCK_BOOTTIME),
    }))
}

/// statvfs of each local mount; network filesystems are never asked.
pub fn statvfs<W: Write>(c: &mut Collector<W>, mounts: &[Mount]) -> io::Result<()> {
    if !c.root.is_live() {
        return Ok(());
    }
    for m in mounts {
        if crate::fs::is_network_fs(&m.fs_type) || c.root.on_network_fs(&m.mount_point) {
            continue;
        }
        let Ok(path) = std::ffi::CString::new(m.mount_point.clone()) else {
            continue;
        };
        let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: path is NUL-terminated and s is a valid out-pointer.
        if unsafe { libc::statvfs(path.as_ptr(), &mut s) } != 0 {
            let e = io::Error::last_os_error();
            c.note(
                NoteKind::Unavailable,
                Some(&m.mount_point),
                format!("statvfs: {e}"),
            )?;
            continue;
        }
        let f = s.f_frsize as u64;
        c.fact(Fact::Statvfs(Statvfs {
            mount_point: m.mount_point.clone().into(),
            fs_type: m.fs_type.clone(),
            block_size: f,
            total_bytes: s.f_blocks as u64 * f,
            free_bytes: s.f_bfree as u64 * f,
            avail_bytes: s.f_bavail as u64 * f,
            total_inodes: s.f_files as u64,
            free_inodes: s.f_ffree as u64,
            avail_inodes: s.f_favail as u64,
            flags: s.f_flag as u64,
        }))?;
    }
    Ok(())
}

pub fn interfaces<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    if !c.root.is_live() {
        return Ok(());
    }
    let mut list = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs allocates a list we walk read-only and then free.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        let e = io::Error::last_os_error();
        return c.note(NoteKind::Unavailable, None, format!("getifaddrs: {e}"));
    }
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: cur is a node of the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string.
        let name = unsafe { CStr::from_ptr(ifa.ifa_name) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: the family field is valid for every sockaddr.
        let family = unsafe { (*ifa.ifa_addr).sa_family } as i32;
        let (family, address, prefix_len) = match family {
            libc::AF_INET => {
                // SAFETY: AF_INET addresses are sockaddr_in.
                let a = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
                let ip = std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
                let prefix = (!ifa.ifa_netmask.is_null()).then(|| {
                    // SAFETY: the netmask has the address's family.
                    let m = unsafe { &*(ifa.ifa_netmask as *const libc::sockaddr_in) };
                    u32::from_be(m.sin_addr.s_addr).count_ones() as u8
                });
                ("inet", ip.to_string(), prefix)
            }
            libc::AF_INET6 => {
                // SAFETY: AF_INET6 addresses are sockaddr_in6.
                let a = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
                let ip = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
                let prefix = (!ifa.ifa_netmask.is_null()).then(|| {
                    // SAFETY: as above.
                    let m = unsafe { &*(ifa.ifa_netmask as *const libc::sockaddr_in6) };
                    m.sin6_addr
                        .s6_addr
                        .iter()
                        .map(|b| b.count_ones())
                        .sum::<u32>() as u8
                });
                ("inet6", ip.to_string(), prefix)
            }
            libc::AF_PACKET => {
                // SAFETY: AF_PACKET addresses are sockaddr_ll.
                let a = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_ll) };
                let n = (a.sll_halen as usize).min(8);
                let mac: Vec<String> = a.sll_addr[..n].iter().map(|b| format!("{b:02x}")).collect();
                ("packet", mac.join(":"), None)
            }
            _ => continue,
        };
        list.push(InterfaceAddr {
            name,
            family: family.into(),
            address,
            prefix_len,
            flags: ifa.ifa_flags,
        });
    }
    // SAFETY: head came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    c.fact(Fact::Interfaces(list))
}

/// The whole disks under a block device: itself if it is a disk, its
/// parent if a partition, the disks under its slaves if device-mapper or md.
fn disks_under(sys_dev: &Path, depth: u32, out: &mut Vec<String>) {
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
            disks_under(&e.path(), depth - 1, out);
        }
        if any {
            return;
        }
    }
    let disk = if real.join("partition").exists() {
        real.parent().map(Path::to_path_buf)
    } else {
        Some(real)
    };
    if let Some(name) = disk
        .as_ref()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
    {
        if !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    }
}

/// The first 512 bytes of each disk that holds / or /boot, to tell which
/// boot loader (if any) is in its MBR.
pub fn boot_sectors<W: Write>(c: &mut Collector<W>, mounts: &[Mount]) -> io::Result<()> {
    if !c.root.is_live() {
        return Ok(());
    }
    let mut disks: Vec<(String, Vec<Bytes>)> = Vec::new();
    for target in [&b"/"[..], b"/boot"] {
        // The last mount on a point is the one in effect.
        let Some(m) = mounts.iter().rev().find(|m| m.mount_point == target) else {
            continue;
        };
        if m.major == 0 {
            continue; // not a block device (tmpfs, overlay, nfs)
        }
        let mut found = Vec::new();
        disks_under(
            Path::new(&format!("/sys/dev/block/{}:{}", m.major, m.minor)),
            4,
            &mut found,
        );
        for d in found {
            match disks.iter_mut().find(|(n, _)| *n == d) {
                Some((_, holds)) => holds.push(target.into()),
                None => disks.push((d, vec![target.into()])),
            }
        }
    }
    for (disk, holds) in disks {
        let dev = format!("/dev/{disk}");
        match read_sector(Path::new(&dev)) {
            Ok(sector) => c.fact(Fact::BootSector(BootSector {
                device: dev.as_str().into(),
                holds,
                sector: sector.into(),
            }))?,
            Err(e) => c.note(
                NoteKind::PermissionDenied,
                Some(dev.as_bytes()),
                format!("boot sector: {e}"),
            )?,
        }
    }
    Ok(())
}

/// The one device the probe opens: read-only, non-blocking, 512 bytes.
fn read_sector(dev: &Path) -> io::Result<Vec<u8>> {
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
    Ok(buf)
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
