//! Formats the report layer's types (a host's `report::Report`,
//! `report::diff`, the fleet's `report::fleet::Index`) as Markdown, HTML or
//! JSON, through embedded minijinja templates: one environment, one
//! escaping setup for every page. Every string from a bundle is hostile:
//! HTML templates auto-escape, and Markdown templates use an auto-escape
//! formatter that backslash-escapes Markdown syntax.

pub(crate) mod escape;

use std::sync::Arc;

use crate::report::diff::DiffReport;
use crate::report::fleet::{Index, Lazy};
use crate::report::Report;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{AutoEscape, Environment, Value};

pub use escape::markdown_escape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
}

/// Filesystems with no disk behind them: the mounts tables fold them into
/// one line (a systemd host has a dozen cgroup and pseudo mounts at 0 B).
const PSEUDO_FS: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "securityfs",
    "pstore",
    "efivarfs",
    "bpf",
    "debugfs",
    "tracefs",
    "configfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "binfmt_misc",
    "autofs",
    "selinuxfs",
    "usbfs",
    "rpc_pipefs",
    "nsfs",
    "ramfs",
];

/// A mount with no disk behind it: a pseudo filesystem, or anything
/// mounted on /proc or /sys (the tmpfs that holds cgroup v1's hierarchies
/// at /sys/fs/cgroup is a tmpfs only by type).
fn pseudo_mount(m: Value) -> bool {
    let field = |k: &str| {
        m.get_attr(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let (fs, at) = (field("fs_type"), field("mount_point"));
    PSEUDO_FS.contains(&fs.as_str())
        || ["/proc", "/sys"]
            .iter()
            .any(|p| at == *p || at.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// The templates, parsed once per process (a batch worker renders
/// hundreds of reports).
fn environment() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(templates)
}

fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            AutoEscape::Html
        } else if name.ends_with(".md.j2") {
            AutoEscape::Custom("markdown")
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(escape::format);
    env.add_filter("bytes", human_bytes);
    env.add_filter("code", escape::code_span);
    env.add_filter("code_cell", escape::code_cell);
    env.add_filter("html", escape::html_in_markdown);
    env.add_filter("duration", human_duration);
    env.add_filter("breakable", escape::breakable);
    env.add_filter("sentence", sentence);
    env.add_test("pseudo_mount", pseudo_mount);
    env.add_template("report.md.j2", include_str!("../../templates/report.md.j2"))
        .expect("valid template");
    env.add_template(
        "report.html.j2",
        include_str!("../../templates/report.html.j2"),
    )
    .expect("valid template");
    env.add_template(
        "provision.md.j2",
        include_str!("../../templates/provision.md.j2"),
    )
    .expect("valid template");
    env.add_template(
        "provision.html.j2",
        include_str!("../../templates/provision.html.j2"),
    )
    .expect("valid template");
    env.add_template(
        "security.md.j2",
        include_str!("../../templates/security.md.j2"),
    )
    .expect("valid template");
    env.add_template(
        "security.html.j2",
        include_str!("../../templates/security.html.j2"),
    )
    .expect("valid template");
    env.add_template(
        "containers.md.j2",
        include_str!("../../templates/containers.md.j2"),
    )
    .expect("valid template");
    env.add_template(
        "containers.html.j2",
        include_str!("../../templates/containers.html.j2"),
    )
    .expect("valid template");
    env.add_template(
        "applications.md.j2",
        include_str!("../../templates/applications.md.j2"),
    )
    .expect("valid template");
    env.add_template(
        "applications.html.j2",
        include_str!("../../templates/applications.html.j2"),
    )
    .expect("valid template");
    env.add_template("diff.md.j2", include_str!("../../templates/diff.md.j2"))
        .expect("valid template");
    env.add_template("diff.html.j2", include_str!("../../templates/diff.html.j2"))
        .expect("valid template");
    env.add_template(
        "fleet.html.j2",
        include_str!("../../templates/fleet.html.j2"),
    )
    .expect("valid template");
    env
}

/// Pretty JSON, a line end after it, safe to print on a terminal.
fn json<T: serde::Serialize>(value: &T) -> Result<String, minijinja::Error> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
    })?;
    s.push('\n');
    Ok(escape::json_terminal_safe(s))
}

/// A `lift diff` report in the given format.
pub fn render_diff(report: &DiffReport, format: Format) -> Result<String, minijinja::Error> {
    let name = match format {
        Format::Json => return json(report),
        Format::Markdown => "diff.md.j2",
        Format::Html => "diff.html.j2",
    };
    environment().get_template(name)?.render(report.page())
}

/// The fleet's index.html, written to `w` as it is rendered: the host rows
/// and the external dependencies are walked one at a time (from disk, in a
/// batch), never held whole.
pub fn fleet_index(page: Index, w: impl std::io::Write) -> Result<(), minijinja::Error> {
    let counts = &page.counts;
    let ctx = minijinja::context! {
        lift_version => env!("CARGO_PKG_VERSION"),
        target => page.profile.name(),
        outcome => Value::from_serialize(page.outcome),
        charts => Value::from_serialize(&counts.charts),
        top_findings => Value::from_serialize(&counts.top_findings),
        top_findings_all => counts.top_findings_all,
        finding_list => script_json(&counts.finding_list),
        states => Value::from_serialize(&counts.states),
        provision => Value::from_serialize(&counts.provision),
        standalone => page.standalone,
        groups => Value::from_serialize(page.groups),
        edges => Value::from_serialize(page.edges),
        failures => Value::from_serialize(page.failures),
        shared_machine_ids => Value::from_serialize(page.shared),
        renamed => Value::from_serialize(page.renamed),
        hosts => lazy(page.hosts, |row| Value::from(script_json(&row))),
        external => lazy(page.external, Value::from_serialize),
    };
    environment()
        .get_template("fleet.html.j2")?
        .render_captured_to(ctx, w)?;
    Ok(())
}

/// `v` as JSON that is safe inside a `<script>` element: `<`, `>` and `&`
/// as `\u` escapes, so that no string from a bundle can close the element.
pub fn script_json<T: serde::Serialize>(v: &T) -> String {
    let json = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A [`Lazy`] list as the template walks it: each item made into a value
/// as the loop reaches it.
fn lazy<T: 'static>(list: Lazy<T>, value: fn(T) -> Value) -> Value {
    struct Walk<T> {
        list: Lazy<T>,
        value: fn(T) -> Value,
    }
    impl<T> std::fmt::Debug for Walk<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "<{} items>", self.list.len)
        }
    }
    impl<T: 'static> Object for Walk<T> {
        fn repr(self: &Arc<Self>) -> ObjectRepr {
            ObjectRepr::Iterable
        }
        fn enumerate(self: &Arc<Self>) -> Enumerator {
            let value = self.value;
            Enumerator::Iter(Box::new((self.list.items)().map(value)))
        }
        fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
            Some(self.list.len)
        }
    }
    Value::from_object(Walk { list, value })
}

/// What a report page holds besides the to-do list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Only the verdict and the findings (`--findings-only`).
    pub findings_only: bool,
    /// The table of every package (`--packages`; HTML folds it away, a
    /// Markdown page for a ticket leaves it out unless asked).
    pub all_packages: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            findings_only: false,
            all_packages: true,
        }
    }
}

pub fn render(report: &Report, format: Format) -> Result<String, minijinja::Error> {
    render_with(report, format, Layout::default())
}

pub fn render_with(
    report: &Report,
    format: Format,
    layout: Layout,
) -> Result<String, minijinja::Error> {
    let name = match format {
        Format::Json => return json(report),
        Format::Markdown => "report.md.j2",
        Format::Html => "report.html.j2",
    };
    let ctx = minijinja::context! {
        findings_only => layout.findings_only,
        all_packages => layout.all_packages,
        ..Value::from_serialize(report)
    };
    let mut page = environment().get_template(name)?.render(ctx)?;
    Ok(match format {
        Format::Html => escape::keep_words_in_cells(&page),
        _ => {
            // A page printed on a terminal ends its last line.
            if !page.ends_with('\n') {
                page.push('\n');
            }
            page
        }
    })
}

/// A host's HTML report as `lift batch` writes it under hosts/: with a link
/// back to the fleet's index (the template's `in_fleet`, absent in
/// `lift report`).
pub fn render_in_fleet(report: &Report) -> Result<String, minijinja::Error> {
    let page = environment()
        .get_template("report.html.j2")?
        .render(minijinja::context! {
            in_fleet => true,
            ..Value::from_serialize(report)
        })?;
    Ok(escape::keep_words_in_cells(&page))
}

/// The first letter upper case and the rest as written (minijinja's
/// `capitalize` lowers the rest: "a Python script" became "A python
/// script", "USER ALL=(ALL) ALL" would become "User all=(all) all").
fn sentence(s: String) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => s,
    }
}

fn human_bytes(v: Value) -> String {
    let Some(n) = v
        .as_i64()
        .map(|n| n as f64)
        .or_else(|| f64::try_from(v.clone()).ok())
    else {
        return "?".into();
    };
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut x = n;
    let mut i = 0;
    while x >= 1024.0 && i < UNITS.len() - 1 {
        x /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[i])
    }
}

fn human_duration(v: Value) -> String {
    let Some(s) = v.as_i64() else {
        return "?".into();
    };
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine's /sys/fs/cgroup is a tmpfs: it folds with the cgroup
    /// mounts below it; /dev/shm, a tmpfs with RAM behind it, and /sysroot
    /// stay rows.
    #[test]
    fn mounts_on_proc_and_sys_fold_whatever_their_type() {
        let m = |fs: &str, at: &str| {
            pseudo_mount(Value::from_serialize(serde_json::json!({
                "fs_type": fs, "mount_point": at
            })))
        };
        assert!(m("tmpfs", "/sys/fs/cgroup"));
        assert!(m("cgroup2", "/sys/fs/cgroup/unified"));
        assert!(m("proc", "/proc"));
        assert!(m("binfmt_misc", "/proc/sys/fs/binfmt_misc"));
        assert!(!m("tmpfs", "/dev/shm"));
        assert!(!m("xfs", "/sysroot"));
        assert!(!m("ext4", "/"));
    }

    #[test]
    fn sentence_keeps_the_rest_as_written() {
        assert_eq!(
            sentence("the installer is a Python script".into()),
            "The installer is a Python script"
        );
        assert_eq!(sentence(String::new()), "");
    }
}
