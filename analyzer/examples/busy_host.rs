//! A busy server for the inventory benchmark (`bench/inventory.sh`).
//!
//! `busy_host generate PROCS SOCKETS OUT.json` writes the JSON form of a
//! bundle holding PROCS processes (each with comm, cmdline, status, stat,
//! cgroup, exe link and fd listing, spread over 50 systemd services) and
//! SOCKETS TCP sockets (a tenth listening, the rest established), each held
//! by one process. `busy_host build FILE [RUNS]` times `model::build` on it
//! and prints the median in milliseconds.

use std::process::ExitCode;
use std::time::Instant;

use lift_bundle::{
    Child, Clocks, Content, Entry, Fact, FileKind, Header, Record, Sysconf, Timestamp, Uname,
};

fn entry(path: String, kind: FileKind, link: Option<String>, content: Content) -> Record {
    Record::Entry(Entry {
        spec: "proc".into(),
        path: path.as_str().into(),
        kind,
        mode: if kind == FileKind::Dir { 0o555 } else { 0o444 },
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        link_target: link.map(|l| l.as_str().into()),
        content,
    })
}

fn file(path: String, text: String) -> Record {
    entry(
        path,
        FileKind::File,
        None,
        Content::Full(text.into_bytes().into()),
    )
}

fn generate(procs: u32, sockets: u32) -> Vec<Record> {
    let now = Timestamp {
        secs: 1_795_000_000,
        nanos: 0,
    };
    let mut records = vec![
        Record::Header(Header {
            probe_version: "bench".into(),
            format_version: lift_bundle::FORMAT_VERSION,
            started_at: now,
            root: "/".into(),
            args: Vec::new(),
            uid: 0,
            euid: 0,
            gid: 0,
            hostname: "busy".into(),
            boot_id: None,
        }),
        Record::Fact(Fact::Uname(Uname {
            sysname: "Linux".into(),
            nodename: "busy".into(),
            release: "6.1.0-18-amd64".into(),
            version: "#1 SMP".into(),
            machine: "x86_64".into(),
            domainname: "(none)".into(),
        })),
        Record::Fact(Fact::Sysconf(Sysconf {
            page_size: 4096,
            clock_ticks: 100,
            online_cpus: 8,
        })),
        Record::Fact(Fact::Clocks(Clocks {
            realtime: now,
            monotonic: Timestamp {
                secs: 86_400,
                nanos: 0,
            },
            boottime: Some(Timestamp {
                secs: 86_400,
                nanos: 0,
            }),
        })),
    ];
    // 50 services, enabled, whose cgroups the processes sit in.
    let units: Vec<String> = (0..50).map(|n| format!("app{n}.service")).collect();
    let listing = |names: &[String], kind: FileKind, link: &dyn Fn(&str) -> Option<String>| {
        Content::Children(
            names
                .iter()
                .map(|n| Child {
                    name: n.as_str().into(),
                    kind,
                    link_target: link(n).map(|l| l.as_str().into()),
                })
                .collect(),
        )
    };
    records.push(entry(
        "/usr/lib/systemd/system".into(),
        FileKind::Dir,
        None,
        listing(&units, FileKind::File, &|_| None),
    ));
    for (n, unit) in units.iter().enumerate() {
        records.push(file(
            format!("/usr/lib/systemd/system/{unit}"),
            format!("[Unit]\nDescription=App {n}\n[Service]\nExecStart=/usr/bin/worker-{n} --config /etc/app{n}.conf\n[Install]\nWantedBy=multi-user.target\n"),
        ));
    }
    let wants = "multi-user.target.wants".to_string();
    records.push(entry(
        "/etc/systemd/system".into(),
        FileKind::Dir,
        None,
        listing(std::slice::from_ref(&wants), FileKind::Dir, &|_| None),
    ));
    records.push(entry(
        format!("/etc/systemd/system/{wants}"),
        FileKind::Dir,
        None,
        listing(&units, FileKind::Symlink, &|n| {
            Some(format!("/usr/lib/systemd/system/{n}"))
        }),
    ));
    let pid_of = |i: u32| i + 100;
    let children = (0..procs)
        .map(|i| Child {
            name: pid_of(i).to_string().as_str().into(),
            kind: FileKind::Dir,
            link_target: None,
        })
        .collect();
    records.push(entry(
        "/proc".into(),
        FileKind::Dir,
        None,
        Content::Children(children),
    ));
    let mut tcp = String::from("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
    let mut held: Vec<Vec<u32>> = vec![Vec::new(); procs as usize];
    for s in 0..sockets {
        let inode = 100_000 + s;
        let (state, local_port, remote) = if s % 10 == 0 {
            ("0A", 1024 + s / 10, "00000000:0000".to_string())
        } else {
            (
                "01",
                1024 + (s / 10) * 10 % 5000,
                format!("0200000A:{:04X}", 30_000 + s % 30_000),
            )
        };
        tcp.push_str(&format!(
            "{s:4}: 0100000A:{local_port:04X} {remote} {state} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
        ));
        held[(s % procs) as usize].push(inode);
    }
    records.push(file("/proc/net/tcp".into(), tcp));
    for i in 0..procs {
        let pid = pid_of(i);
        let dir = format!("/proc/{pid}");
        let service = format!("app{}", i % 50);
        let comm = format!("worker-{}", i % 50);
        records.push(file(format!("{dir}/comm"), format!("{comm}\n")));
        records.push(file(
            format!("{dir}/cmdline"),
            format!("/usr/bin/{comm}\0--config\0/etc/{service}.conf\0"),
        ));
        records.push(file(
            format!("{dir}/status"),
            format!("Name:\t{comm}\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"),
        ));
        records.push(file(
            format!("{dir}/stat"),
            format!("{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 {} 10000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n", 1000 + i),
        ));
        records.push(file(
            format!("{dir}/cgroup"),
            format!("0::/system.slice/{service}.service\n"),
        ));
        records.push(entry(
            format!("{dir}/exe"),
            FileKind::Symlink,
            Some(format!("/usr/bin/{comm}")),
            Content::None,
        ));
        let fds = held[i as usize]
            .iter()
            .enumerate()
            .map(|(fd, inode)| Child {
                name: (fd + 3).to_string().as_str().into(),
                kind: FileKind::Symlink,
                link_target: Some(format!("socket:[{inode}]").as_str().into()),
            })
            .collect();
        records.push(entry(
            format!("{dir}/fd"),
            FileKind::Dir,
            None,
            Content::Children(fds),
        ));
    }
    records
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 5 => {
            let (Ok(procs), Ok(sockets)) = (args[2].parse(), args[3].parse()) else {
                eprintln!("PROCS and SOCKETS are numbers");
                return ExitCode::from(2);
            };
            let bundle = lift_bundle::json::JsonBundle::new(generate(procs, sockets));
            let out = std::fs::File::create(&args[4]).expect("create output");
            lift_bundle::json::to_writer(std::io::BufWriter::new(out), &bundle).expect("write");
            ExitCode::SUCCESS
        }
        Some("build") if args.len() >= 3 => {
            let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
            let snap = lift::snapshot::open(std::path::Path::new(&args[2])).expect("open");
            let mut times = Vec::new();
            let mut host = None;
            for _ in 0..runs {
                let start = Instant::now();
                host = Some(lift::model::build(snap.as_ref()));
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            let host = host.expect("at least one run");
            println!(
                "model::build median {:.1} ms over {runs} runs ({} processes, {} listeners, {} connections, {} services)",
                times[runs / 2],
                host.processes.map_or(0, |p| p.len()),
                host.listeners.map_or(0, |l| l.len()),
                host.connections.map_or(0, |c| c.len()),
                host.services.map_or(0, |s| s.len()),
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: busy_host generate PROCS SOCKETS OUT.json | busy_host build FILE [RUNS]"
            );
            ExitCode::from(2)
        }
    }
}
