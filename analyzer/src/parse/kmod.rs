//! The kernel's module lists: `modules.builtin` and `modules.dep` under
//! `/lib/modules/RELEASE/` (depmod's output), and `/proc/modules` (what is
//! loaded). Names are given with `-` as `_`, as the kernel reports them.
//!
//! Samples (modules.builtin, modules.dep, /proc/modules):
//!
//! ```text
//! kernel/drivers/block/virtio_blk.ko
//! kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz: kernel/net/core/page_pool.ko.xz
//! ena 163840 0 - Live 0xffffffffc0a5e000
//! ```

use super::{shown, ParseError, Parsed, Partial};

/// `kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz` -> `ena`.
fn module_name(path: &str) -> Option<String> {
    let base = path.rsplit('/').next()?;
    let stem = base.split(".ko").next().filter(|_| base.contains(".ko"))?;
    Some(stem.replace('-', "_"))
}

/// Each non-empty line's module, by `name`; a line it cannot read is
/// skipped, by line.
fn lines(bytes: &[u8], name: impl Fn(&str) -> Option<String>, what: &str) -> Parsed<Vec<String>> {
    let mut errors = Vec::new();
    let mut value = Vec::new();
    for (i, line) in super::text(bytes).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match name(line) {
            Some(n) => value.push(n),
            None => errors.push(ParseError::at_line(
                i + 1,
                format!("not {what}: {}", shown(line)),
            )),
        }
    }
    Ok(Partial::new(value, errors))
}

/// modules.builtin: one module path a line.
pub fn builtin(bytes: &[u8]) -> Parsed<Vec<String>> {
    lines(bytes, |l| module_name(l.trim()), "a module path")
}

/// modules.dep: `module: dependencies` a line; the module before the colon.
pub fn dep(bytes: &[u8]) -> Parsed<Vec<String>> {
    lines(
        bytes,
        |l| module_name(l.split_once(':')?.0),
        "a module path and a colon",
    )
}

/// /proc/modules: `name size refcount deps state address` a line; the name.
pub fn loaded(bytes: &[u8]) -> Parsed<Vec<String>> {
    lines(
        bytes,
        |l| {
            let mut w = l.split_whitespace();
            let name = w.next()?;
            w.next()?.parse::<u64>().ok()?;
            Some(name.to_string())
        },
        "a module's name and size",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module doc's samples, as depmod and the kernel write them.
    #[test]
    fn samples() {
        let b = builtin(b"kernel/drivers/block/virtio_blk.ko\nkernel/drivers/hv/hv-vmbus.ko.zst\n")
            .unwrap();
        assert_eq!(
            (b.value.as_slice(), b.errors.len()),
            (&["virtio_blk".to_string(), "hv_vmbus".into()][..], 0)
        );
        let d = dep(b"kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz: kernel/net/core/page_pool.ko.xz\nkernel/x/y.ko:\n").unwrap();
        assert_eq!(d.value, ["ena", "y"]);
        let l = loaded(
            b"ena 163840 0 - Live 0xffffffffc0a5e000\nnvme 57344 2 - Live 0x0000000000000000\n",
        )
        .unwrap();
        assert_eq!(
            (l.value.as_slice(), l.errors.len()),
            (&["ena".to_string(), "nvme".into()][..], 0)
        );
    }

    #[test]
    fn damaged_lines_are_skipped_by_line() {
        assert_eq!(builtin(b"modules.order\n").unwrap().errors[0].line, Some(1));
        assert_eq!(
            dep(b"a.ko: b.ko\nno colon here.ko\n").unwrap().errors[0].line,
            Some(2)
        );
        assert_eq!(loaded(b"ena\n").unwrap().errors[0].line, Some(1));
    }
}
