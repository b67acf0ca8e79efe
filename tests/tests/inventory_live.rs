//! This machine, with the probe run as root: listeners equal `ss -H -ltnup`
//! (address, port, pids and programs), listening unix sockets equal the
//! LISTEN lines of `ss -H -lxp`, and processes equal `ps -e`; its dpkg
//! database equals `dpkg-query -W`. A test whose tools (or root) are missing
//! skips, saying why, or fails under `CI=true` (`lift_tests::require`).

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::process::Command;

use lift::model::{self, Host};
use lift::parse::dpkg_status;
use lift::snapshot::BundleSnapshot;
use lift_tests::{is_root, on_path, require};

/// (proto family, address, port or unix path, owners as "pid/program").
type Row = (String, String, String, BTreeSet<String>);

/// Root, and the tools the bundle is compared with.
fn can_run() -> bool {
    require(is_root(), "needs root")
        && require(on_path("ss"), "needs ss (iproute2)")
        && require(on_path("ps"), "needs ps (procps)")
}

/// lift-probe beside this test's binary (target/debug/deps/..), built on
/// demand: a binary of another package has no CARGO_BIN_EXE_ variable.
fn probe() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("lift-probe");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "-p", "lift-probe"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "cargo build -p lift-probe failed");
    }
    path
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pids(ps: &str) -> BTreeSet<u32> {
    ps.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

fn probed_host(dir: &std::path::Path) -> Host {
    let out = dir.join("this.lift");
    let status = Command::new(probe()).arg("-o").arg(&out).status().unwrap();
    assert!(status.success());
    model::build(&BundleSnapshot::open(&out).unwrap())
}

/// `users:(("sshd",pid=812,fd=3),("sshd",pid=900,fd=3))` → pid/program.
fn owners(users: &str) -> BTreeSet<String> {
    users
        .split("((")
        .nth(1)
        .unwrap_or_default()
        .split("),(")
        .filter_map(|u| {
            let program = u.split('"').nth(1)?;
            let pid = u.split("pid=").nth(1)?.split(',').next()?;
            Some(format!("{pid}/{program}"))
        })
        .collect()
}

/// `*`, `[::]` and `::` all mean the IPv6 wildcard; `%eth0` is the bound
/// interface, which /proc/net does not show.
fn address(a: &str) -> String {
    let a = a.trim_start_matches('[').trim_end_matches(']');
    let a = a.split('%').next().unwrap_or(a);
    match a {
        "*" => "::".into(),
        _ => a.to_string(),
    }
}

fn ss_inet() -> BTreeSet<Row> {
    run("ss", &["-H", "-ltnup"])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (addr, port) = f.get(4)?.rsplit_once(':')?;
            let users = f.iter().find(|x| x.starts_with("users:")).copied();
            Some((
                f[0].to_string(),
                address(addr),
                port.to_string(),
                owners(users.unwrap_or("")),
            ))
        })
        .collect()
}

/// `u_str LISTEN 0 4096 /run/a b.sock 1234 * 0 users:((...))`: the path may
/// hold spaces, so it is what lies between the queues and the inode.
fn ss_unix() -> BTreeSet<Row> {
    run("ss", &["-H", "-lxp"])
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("LISTEN"))
        .filter_map(|l| {
            let (head, users) = match l.find(" users:") {
                Some(i) => (&l[..i], &l[i..]),
                None => (l, ""),
            };
            let f: Vec<&str> = head.split_whitespace().collect();
            let n = f.len();
            let path = f.get(4..n.checked_sub(3)?)?.join(" ");
            Some(("u_str".into(), String::new(), path, owners(users.trim())))
        })
        .collect()
}

fn lift_rows(host: &Host, unix: bool) -> BTreeSet<Row> {
    host.listeners
        .as_ref()
        .expect("listeners")
        .iter()
        .filter(|l| (l.proto == "unix") == unix && !l.proto.starts_with("raw"))
        .map(|l| {
            let family = if l.proto.starts_with("tcp") {
                "tcp"
            } else {
                "udp"
            };
            let owners = l
                .owners
                .iter()
                .map(|o| format!("{}/{}", o.pid, o.program))
                .collect();
            match unix {
                true => (
                    "u_str".into(),
                    String::new(),
                    l.path.clone().unwrap_or("*".into()),
                    owners,
                ),
                false => (
                    family.into(),
                    l.address.clone().unwrap_or_default(),
                    l.port.unwrap_or_default().to_string(),
                    owners,
                ),
            }
        })
        .collect()
}

#[test]
fn listeners_and_processes_equal_ss_and_ps() {
    if !can_run() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("lift-inv-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Sockets this test holds, so that at least one of each has an owner;
    // the unix path has a space, as real ones sometimes do.
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let unix = UnixListener::bind(dir.join("lift live.sock")).unwrap();
    let before = pids(&run("ps", &["-e", "-o", "pid="]));
    let host = probed_host(&dir);
    let after = pids(&run("ps", &["-e", "-o", "pid="]));
    let (ss_tcp, ss_x) = (ss_inet(), ss_unix());
    drop((tcp, unix));
    std::fs::remove_dir_all(&dir).ok();

    assert_eq!(lift_rows(&host, false), ss_tcp);
    assert_eq!(lift_rows(&host, true), ss_x);
    let mine = format!("{}/", std::process::id());
    assert!(ss_tcp
        .iter()
        .any(|r| r.3.iter().any(|o| o.starts_with(&mine))));

    // Processes that lived through both ps runs are all in the bundle; any
    // other pid in it (the probe itself, a short-lived child) is gone now.
    let bundle: BTreeSet<u32> = host
        .processes
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.pid)
        .collect();
    let missing: Vec<_> = before
        .intersection(&after)
        .filter(|p| !bundle.contains(p))
        .collect();
    assert!(
        missing.is_empty(),
        "in ps before and after, not in the bundle: {missing:?}"
    );
    for pid in bundle.difference(&before.union(&after).copied().collect()) {
        let mut comm = String::new();
        let alive = std::fs::File::open(format!("/proc/{pid}/comm"))
            .map(|mut f| f.read_to_string(&mut comm))
            .is_ok();
        assert!(
            !alive,
            "pid {pid} ({comm}) is in the bundle, alive, yet in neither ps run"
        );
    }
}

/// This machine's dpkg database parses whole and equals `dpkg-query -W`.
#[test]
fn dpkg_status_equals_dpkg_query() {
    if !require(on_path("dpkg-query"), "needs dpkg-query (a Debian machine)") {
        return;
    }
    let bytes = std::fs::read("/var/lib/dpkg/status")
        .expect("dpkg-query exists but /var/lib/dpkg/status does not");
    let parsed = dpkg_status::parse(&bytes).expect("dpkg's status parses");
    assert_eq!(parsed.errors, []);
    // dpkg-query -W lists every package that has a version, sorted by name.
    let mut ours: Vec<String> = parsed
        .value
        .iter()
        .filter(|p| !p.version.is_empty())
        .map(|p| {
            format!(
                "{} {} {}",
                p.name,
                p.version,
                p.arch.as_deref().unwrap_or("")
            )
        })
        .collect();
    ours.sort();
    let mut theirs: Vec<String> = run(
        "dpkg-query",
        &["-W", "-f", "${Package} ${Version} ${Architecture}\\n"],
    )
    .lines()
    .map(str::to_owned)
    .collect();
    theirs.sort();
    assert!(!theirs.is_empty());
    assert_eq!(ours, theirs);
}
