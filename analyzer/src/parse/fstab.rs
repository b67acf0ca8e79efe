//! `/etc/fstab` (fstab(5)).
//!
//! Sample (CentOS 6, as anaconda writes it, plus lines admins add):
//!
//! ```text
//! /dev/mapper/VolGroup-lv_root /                       ext4    defaults        1 1
//! UUID=6b8a2c1e-3f43-4d2e-9a8b-1c2d3e4f5a6b /boot                   ext4    defaults        1 2
//! /dev/mapper/VolGroup-lv_tmp /tmp                    ext4    nosuid,nodev,noexec 1 2
//! /tmp                    /var/tmp                none    bind
//! 10.0.0.5:/export/team   /mnt/team\040share      nfs     defaults,_netdev
//! ```
//!
//! Missing fields take mount(8)'s defaults: options `defaults`, dump and
//! pass 0. A line with fewer than three fields is reported and skipped.

use super::mountinfo::{decode_octal, split_options};
use super::{ParseError, Parsed, Partial};
use crate::vocab::fstab::{DeviceSpec, FstabEntry};

pub fn parse(bytes: &[u8]) -> Parsed<Vec<FstabEntry>> {
    let text = String::from_utf8_lossy(bytes);
    let mut value = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (device, mount_point, fs_type) = match fields[..] {
            [device, point, fs_type, ..] => (device, point, fs_type),
            _ => {
                errors.push(ParseError::at_line(index + 1, "fewer than three fields"));
                continue;
            }
        };
        let number = |at: usize| fields.get(at).map(|f| f.parse::<u32>());
        let (dump, pass) = match (number(4), number(5)) {
            (Some(Err(_)), _) | (_, Some(Err(_))) => {
                errors.push(ParseError::at_line(
                    index + 1,
                    "dump or pass is not a number",
                ));
                continue;
            }
            (dump, pass) => (
                dump.map_or(0, Result::unwrap_or_default),
                pass.map_or(0, Result::unwrap_or_default),
            ),
        };
        value.push(FstabEntry {
            line: index + 1,
            device: device_spec(&decode_octal(device)),
            mount_point: decode_octal(mount_point),
            fs_type: fs_type.to_owned(),
            options: split_options(fields.get(3).copied().unwrap_or("defaults")),
            dump,
            pass,
        });
    }
    Ok(Partial { value, errors })
}

fn device_spec(field: &str) -> DeviceSpec {
    let tagged = |tag: &str| {
        let value = field.strip_prefix(tag)?;
        Some(value.trim_matches('"').to_owned())
    };
    if let Some(v) = tagged("UUID=") {
        DeviceSpec::Uuid(v)
    } else if let Some(v) = tagged("LABEL=") {
        DeviceSpec::Label(v)
    } else if let Some(v) = tagged("PARTUUID=") {
        DeviceSpec::PartUuid(v)
    } else if let Some(v) = tagged("PARTLABEL=") {
        DeviceSpec::PartLabel(v)
    } else if field.starts_with("//") || (!field.starts_with('/') && field.contains(":/")) {
        DeviceSpec::Network(field.to_owned())
    } else if field.starts_with('/') {
        DeviceSpec::Path(field.to_owned())
    } else {
        DeviceSpec::Other(field.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::host_sample as fixture;

    #[test]
    fn centos6() {
        let parsed = parse(&fixture("centos6/etc/fstab")).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let entries = parsed.value;
        assert_eq!(entries.len(), 11);
        let boot = &entries[1];
        assert_eq!(
            boot.device,
            DeviceSpec::Uuid("6b8a2c1e-3f43-4d2e-9a8b-1c2d3e4f5a6b".into())
        );
        assert_eq!(
            (boot.mount_point.as_str(), boot.pass, boot.line),
            ("/boot", 2, 10)
        );
        let tmp = entries.iter().find(|e| e.mount_point == "/tmp").unwrap();
        assert!(tmp.options.contains_key("noexec"));
        assert!(entries.iter().filter(|e| e.is_swap()).count() == 1);

        let bind = entries
            .iter()
            .find(|e| e.mount_point == "/var/tmp")
            .unwrap();
        assert_eq!(bind.device, DeviceSpec::Path("/tmp".into()));
        assert!(bind.options.contains_key("bind"));
        assert_eq!((bind.dump, bind.pass), (0, 0));

        let nfs = entries.iter().find(|e| e.is_network()).unwrap();
        assert_eq!(nfs.mount_point, "/mnt/team share");
        assert_eq!(
            nfs.device,
            DeviceSpec::Network("10.0.0.5:/export/team".into())
        );
        assert!(nfs.options.contains_key("_netdev"));
        let label = entries.last().unwrap();
        assert_eq!(label.device, DeviceSpec::Label("archive".into()));
    }

    #[test]
    fn damaged_lines_are_reported() {
        let parsed =
            parse(b"/dev/sda1 /\n/dev/sdb1 /data xfs defaults x 0\n/dev/sdc1 /srv ext4\n").unwrap();
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].line, Some(1));
        let srv = &parsed.value[0];
        assert_eq!(srv.options, split_options("defaults"));
        assert_eq!(srv.device, DeviceSpec::Path("/dev/sdc1".into()));
    }
}
