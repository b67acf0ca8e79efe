//! `host.applications`: the server software a migration plan names (issue
//! 28 item 3): "PostgreSQL 15, data in /var/lib/postgresql/15/main, 84 GB;
//! nginx with 3 virtual hosts and a certificate that expires in 11 days".
//!
//! Each kind is fingerprinted from what the input holds: its packages,
//! its configuration (`configs.rs`), its processes and the sockets they
//! listen on. Data directories carry the probe's metadata-only walk
//! (`Fact::DirUsage`); certificates its configuration names are read as
//! X.509 (`parse::x509`).

mod configs;

use serde::Serialize;

use super::facts::Facts;
use super::{Listener, Packages, Process};
use crate::parse::x509;
use crate::sources::{self as src, marks};
pub use crate::vocab::applications::Connector;
pub use crate::vocab::applications::VirtualHost;
use lift_bundle::Fact;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Application {
    /// postgresql, mysql, mariadb, oracle, mongodb, redis, elasticsearch,
    /// nginx, apache, tomcat, wildfly, java.
    pub kind: &'static str,
    /// A cluster (`15/main`), an Oracle SID, a JVM's home; None for the
    /// one instance of a kind.
    pub instance: Option<String>,
    pub version: Option<String>,
    /// What showed it: `package postgresql-15 15.20-0+deb12u1`, a
    /// configuration file, `process 812 postgres`, `PG_VERSION`.
    pub evidence: Vec<String>,
    pub config_files: Vec<String>,
    pub data_directories: Vec<DataDirectory>,
    /// Where it listens: the configured ports (`5432`, `127.0.0.1:6379`,
    /// `443 ssl`) and the live sockets its processes hold (`tcp 0.0.0.0:5432`).
    pub listeners: Vec<String>,
    pub virtual_hosts: Vec<VirtualHost>,
    pub connectors: Vec<Connector>,
    pub certificates: Vec<Certificate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataDirectory {
    pub path: String,
    /// Sum of the files' sizes; None when the probe did not walk it (a
    /// directory tree, an older bundle).
    pub bytes: Option<u64>,
    pub allocated_bytes: Option<u64>,
    pub files: Option<u64>,
    /// The walk saw all of it.
    pub complete: bool,
    /// Why not: the bound that cut the walk, or why it was not walked.
    pub bound: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    pub path: String,
    /// What names it: a virtual host, a configuration key.
    pub named_by: String,
    /// `read`, or why not: `withheld` (the file holds a private key: the
    /// probe never takes it), `absent`, `broken` (not PEM or DER).
    pub state: &'static str,
    pub detail: Option<String>,
    pub subject: Option<String>,
    pub sans: Vec<String>,
    pub not_after: Option<String>,
    /// Whole days from the report to notAfter (negative: expired).
    pub days_left: Option<i64>,
}

/// Most applications kept for one host.
pub const MAX_APPLICATIONS: usize = 200;

/// Each kind's packages, process names and default port.
struct Kind {
    kind: &'static str,
    packages: &'static [&'static str],
    /// Package names starting so (`postgresql-15`).
    package_prefixes: &'static [&'static str],
    /// comm of its processes; a JVM's kind is told by its main class.
    comms: &'static [&'static str],
    main_class: Option<&'static str>,
}

const KINDS: &[Kind] = &[
    Kind {
        kind: "postgresql",
        packages: &["postgresql-server", "postgresql"],
        package_prefixes: &["postgresql-1", "postgresql-9", "postgresql1"],
        comms: &["postgres", "postmaster"],
        main_class: None,
    },
    Kind {
        kind: "mariadb",
        packages: &["mariadb-server", "MariaDB-server"],
        package_prefixes: &["mariadb-server-1"],
        comms: &["mariadbd"],
        main_class: None,
    },
    Kind {
        kind: "mysql",
        packages: &[
            "mysql-server",
            "mysql-community-server",
            "percona-server-server",
        ],
        package_prefixes: &["mysql-server-"],
        comms: &["mysqld"],
        main_class: None,
    },
    Kind {
        kind: "oracle",
        packages: &[],
        package_prefixes: &[],
        comms: &[],
        main_class: None,
    },
    Kind {
        kind: "mongodb",
        packages: &["mongodb-org-server", "mongodb-server", "mongodb"],
        package_prefixes: &[],
        comms: &["mongod"],
        main_class: None,
    },
    Kind {
        kind: "redis",
        packages: &["redis-server", "redis"],
        package_prefixes: &[],
        comms: &["redis-server"],
        main_class: None,
    },
    Kind {
        kind: "elasticsearch",
        packages: &["elasticsearch"],
        package_prefixes: &[],
        comms: &[],
        main_class: Some("org.elasticsearch.bootstrap.Elasticsearch"),
    },
    Kind {
        kind: "nginx",
        packages: &[
            "nginx",
            "nginx-core",
            "nginx-full",
            "nginx-light",
            "nginx-extras",
            "nginx-common",
        ],
        package_prefixes: &[],
        comms: &["nginx"],
        main_class: None,
    },
    Kind {
        kind: "apache",
        packages: &["apache2", "httpd"],
        package_prefixes: &[],
        comms: &["apache2", "httpd"],
        main_class: None,
    },
    Kind {
        kind: "tomcat",
        packages: &["tomcat", "tomcat7", "tomcat8", "tomcat9", "tomcat10"],
        package_prefixes: &[],
        comms: &[],
        main_class: Some("org.apache.catalina.startup.Bootstrap"),
    },
    Kind {
        kind: "wildfly",
        packages: &["wildfly", "jboss-eap"],
        package_prefixes: &[],
        comms: &[],
        main_class: Some("jboss-modules.jar"),
    },
];

/// What the model knows of the rest of the host.
pub struct Context<'a> {
    pub packages: Option<&'a Packages>,
    pub processes: Option<&'a [Process]>,
    pub listeners: Option<&'a [Listener]>,
    /// The report's time, seconds since the epoch: days left are counted from it.
    pub now: i64,
}

/// None when no package, process or configuration shows server software
/// and the probe walked no data directory; else every application found.
pub fn applications(f: &Facts, cx: &Context) -> Option<Vec<Application>> {
    let mut apps: Vec<Application> = Vec::new();
    for k in KINDS {
        let mut app = Application {
            kind: k.kind,
            ..Application::default()
        };
        if let Some(pkgs) = cx.packages {
            for p in pkgs.list.iter().filter(|p| p.is_installed()) {
                let named = k.packages.contains(&p.name.as_str())
                    || k.package_prefixes.iter().any(|pre| p.name.starts_with(pre));
                if named {
                    app.evidence
                        .push(format!("package {} {}", p.name, p.version));
                    app.version.get_or_insert_with(|| p.version.clone());
                }
            }
        }
        let pids = processes(cx, k);
        for p in &pids {
            app.evidence.push(format!(
                "process {} {}",
                p.pid,
                p.comm.as_deref().unwrap_or("?")
            ));
        }
        for l in cx.listeners.unwrap_or_default() {
            if l.pid.is_some_and(|pid| pids.iter().any(|p| p.pid == pid)) {
                app.listeners.push(format!(
                    "{} {}:{}",
                    l.proto,
                    l.address.as_deref().unwrap_or("*"),
                    l.port.map(|p| p.to_string()).unwrap_or_default()
                ));
            }
        }
        configs::read(f, &mut app, &pids);
        if app.evidence.is_empty() {
            if let Some(first) = app.config_files.first() {
                app.evidence.push(format!("configuration {first}"));
            }
        }
        apps.extend(configs::split(f, app));
    }
    apps.extend(configs::java(f, cx.processes.unwrap_or_default()));
    apps.retain(|a| !a.evidence.is_empty() || !a.config_files.is_empty());
    sized(f, &mut apps);
    for a in &mut apps {
        certificates(f, a, cx.now);
        a.listeners.dedup();
    }
    let walked = f.facts().any(|x| matches!(x, Fact::DirUsage(_)));
    if apps.len() > MAX_APPLICATIONS {
        f.problem(
            "host.applications",
            format!(
                "{} applications; the first {MAX_APPLICATIONS} are listed",
                apps.len()
            ),
        );
        apps.truncate(MAX_APPLICATIONS);
    }
    (walked || !apps.is_empty()).then_some(apps)
}

fn processes<'a>(cx: &Context<'a>, k: &Kind) -> Vec<&'a Process> {
    cx.processes
        .unwrap_or_default()
        .iter()
        .filter(|p| {
            let comm = p.comm.as_deref().unwrap_or_default();
            k.comms.contains(&comm)
                || k.main_class
                    .is_some_and(|c| comm == "java" && p.cmdline.iter().any(|a| a.contains(c)))
                || (k.kind == "oracle" && comm.starts_with("ora_pmon_"))
        })
        // A pre-forked server's workers are one server: its parent is named.
        .filter(|p| {
            !cx.processes
                .unwrap_or_default()
                .iter()
                .any(|q| Some(q.pid) == p.ppid && q.comm == p.comm)
        })
        .take(16)
        .collect()
}

/// Attaches each probe walk to the application whose data directory it is.
fn sized(f: &Facts, apps: &mut [Application]) {
    let walks: Vec<&lift_bundle::DirUsage> = f
        .facts()
        .filter_map(|x| match x {
            Fact::DirUsage(d) => Some(d),
            _ => None,
        })
        .collect();
    if !walks.is_empty() {
        f.all_facts(&src::DATA_DIR_USAGE, |x| match x {
            Fact::DirUsage(d) => Some(d),
            _ => None,
        });
    }
    for w in walks {
        let path = String::from_utf8_lossy(&w.path.0).into_owned();
        let dir = DataDirectory {
            path: path.clone(),
            bytes: Some(w.bytes),
            allocated_bytes: Some(w.allocated_bytes),
            files: Some(w.files),
            complete: w.cut.is_none(),
            bound: w.cut.clone(),
        };
        if let Some(d) = apps
            .iter_mut()
            .flat_map(|a| a.data_directories.iter_mut())
            .find(|d| d.path.trim_end_matches('/') == path.trim_end_matches('/'))
        {
            *d = dir;
            continue;
        }
        let kind = marks::DATA_DIRS
            .iter()
            .find(|(_, prefix)| path.starts_with(prefix))
            .map(|(k, _)| *k);
        let owner = apps
            .iter_mut()
            .find(|a| Some(a.kind) == kind || (kind == Some("mysql") && a.kind == "mariadb"));
        if let Some(a) = owner {
            a.data_directories.push(dir);
        }
    }
    for d in apps.iter_mut().flat_map(|a| a.data_directories.iter_mut()) {
        if d.bytes.is_none() && d.bound.is_none() {
            d.bound = Some("not walked: the input holds no walk of it".into());
        }
    }
}

/// Reads each certificate an application's configuration names.
fn certificates(f: &Facts, a: &mut Application, now: i64) {
    let mut named: Vec<(String, String)> = Vec::new();
    for h in &a.virtual_hosts {
        if let Some(c) = &h.certificate {
            let who = h
                .names
                .first()
                .cloned()
                .unwrap_or_else(|| h.declared_in.clone());
            named.push((c.clone(), format!("virtual host {who}")));
        }
    }
    for c in &a.connectors {
        if let Some(cert) = &c.certificate {
            let port = c.port.map(|p| p.to_string()).unwrap_or_default();
            named.push((cert.clone(), format!("connector {port}")));
        }
    }
    named.extend(
        std::mem::take(&mut a.certificates)
            .into_iter()
            .map(|c| (c.path, c.named_by)),
    );
    let mut seen = Vec::new();
    for (path, by) in named {
        if seen.contains(&path) || !path.starts_with('/') || seen.len() >= 64 {
            continue;
        }
        seen.push(path.clone());
        let mut cert = Certificate {
            path: path.clone(),
            named_by: by,
            state: "read",
            detail: None,
            subject: None,
            sans: Vec::new(),
            not_after: None,
            days_left: None,
        };
        match f.bytes_at(&src::APP_CERTIFICATE, &path) {
            Some(bytes) => match x509::parse(&bytes) {
                Ok(crate::parse::Partial { value: list, .. }) => {
                    let leaf = &list[0];
                    cert.subject = Some(leaf.subject.clone());
                    cert.sans = leaf.sans.clone();
                    cert.not_after = Some(leaf.not_after.clone());
                    cert.days_left = Some((leaf.not_after_unix - now).div_euclid(86_400));
                }
                Err(e) => {
                    f.broken(&src::APP_CERTIFICATE, &path, &e);
                    cert.state = "broken";
                    cert.detail = Some(e.to_string());
                }
            },
            None => {
                let why = f.why_missing(&path);
                cert.state = if why.contains("never-captured") || why.contains("withheld") {
                    "withheld"
                } else if why.contains("absent") {
                    "absent"
                } else {
                    "unread"
                };
                cert.detail = Some(why);
            }
        }
        a.certificates.push(cert);
    }
}
