//! Each kind's configuration, read through its sources rows: data
//! directories, listeners, virtual hosts, connectors and the certificates
//! they name. An application with several instances (PostgreSQL clusters,
//! Oracle SIDs) is split into one per instance.

use super::{Application, Certificate, DataDirectory};
use crate::model::facts::Facts;
use crate::model::Process;
use crate::parse::app_conf::{self, Settings};
use crate::parse::web_server::Site;
use crate::parse::{apache_conf, nginx_conf, server_xml, Parsed};
use crate::sources::{self as src, marks, Source};

/// Most files one kind's configuration reads (my.cnf's includes).
const MAX_FILES: usize = 64;

/// Every path a pattern names, a glob allowed in any component.
fn expand(f: &Facts, row: &'static Source, pattern: &str) -> Vec<String> {
    let mut paths = vec![String::new()];
    for comp in pattern.split('/').filter(|c| !c.is_empty()) {
        let wild = comp.contains(['*', '?', '[']);
        let mut next = Vec::new();
        for p in paths {
            if wild {
                next.extend(f.glob_at(row, &format!("{p}/{comp}")));
            } else {
                next.push(format!("{p}/{comp}"));
            }
        }
        paths = next;
        if paths.len() > 1000 {
            paths.truncate(1000);
        }
    }
    paths
}

/// The files of a row that hold content, with it.
fn files(f: &Facts, row: &'static Source) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for pattern in row.paths {
        for path in expand(f, row, pattern) {
            if let Some(b) = f.bytes_at(row, &path) {
                out.push((path, b.into_owned()));
            }
        }
    }
    out
}

fn data_dir(path: &str) -> DataDirectory {
    DataDirectory {
        path: path.to_string(),
        bytes: None,
        allocated_bytes: None,
        files: None,
        complete: false,
        bound: None,
    }
}

fn cert(path: &str, by: String) -> Certificate {
    Certificate {
        path: path.to_string(),
        named_by: by,
        state: "unread",
        detail: None,
        subject: None,
        sans: Vec::new(),
        not_after: None,
        days_left: None,
    }
}

fn add_dir(a: &mut Application, path: &str) {
    let path = path.trim_end_matches('/');
    if path.starts_with('/') && !a.data_directories.iter().any(|d| d.path == path) {
        a.data_directories.push(data_dir(path));
    }
}

/// A command line's value for a flag (`-D DIR`, `-DDIR`, `--datadir=DIR`).
fn arg<'a>(p: &'a Process, flag: &str) -> Option<&'a str> {
    let mut it = p.cmdline.iter().skip(1);
    while let Some(a) = it.next() {
        if a == flag {
            return it.next().map(String::as_str);
        }
        if let Some(v) = a.strip_prefix(flag) {
            return Some(v.strip_prefix('=').unwrap_or(v));
        }
    }
    None
}

pub fn read(f: &Facts, a: &mut Application, pids: &[&Process]) {
    match a.kind {
        "postgresql" => {
            for p in pids {
                if let Some(d) = arg(p, "-D") {
                    add_dir(a, d);
                }
            }
        }
        "mysql" | "mariadb" if !a.evidence.is_empty() => my_cnf(f, a, pids),
        "mongodb" => {
            for (path, bytes) in files(f, &src::MONGOD_CONF) {
                // Either form: neither reader's skipped lines say much.
                let mut s = app_conf::yaml(&bytes).map(|p| p.value).unwrap_or_default();
                s.list.extend(
                    app_conf::key_values(&bytes)
                        .map(|p| p.value)
                        .unwrap_or_default()
                        .list,
                );
                if let Some(d) = s.get("storage.dbPath").or(s.get("dbpath")) {
                    add_dir(a, d);
                }
                let port = s.get("net.port").or(s.get("port")).unwrap_or("27017");
                let bind = s
                    .get("net.bindIp")
                    .or(s.get("bind_ip"))
                    .unwrap_or("127.0.0.1");
                a.listeners.push(format!("{bind}:{port}"));
                a.config_files.push(path);
            }
        }
        "redis" => {
            for (path, bytes) in files(f, &src::REDIS_CONF) {
                let s = f
                    .parsed(&src::REDIS_CONF, &path, app_conf::key_values(&bytes))
                    .unwrap_or_default();
                if s.list.is_empty() {
                    continue;
                }
                if let Some(d) = s.get("dir") {
                    add_dir(a, d);
                }
                let port = s.get("port").unwrap_or("6379");
                for bind in s.get("bind").unwrap_or("*").split_whitespace() {
                    a.listeners
                        .push(format!("{}:{port}", bind.trim_start_matches('-')));
                }
                if let Some(c) = s.get("tls-cert-file") {
                    a.certificates
                        .push(cert(c, format!("{path}: tls-cert-file")));
                }
                a.config_files.push(path);
            }
        }
        "elasticsearch" => {
            for (path, bytes) in files(f, &src::ELASTICSEARCH_YML) {
                let s = f
                    .parsed(&src::ELASTICSEARCH_YML, &path, app_conf::yaml(&bytes))
                    .unwrap_or_default();
                if let Some(d) = s.get("path.data") {
                    add_dir(a, d);
                }
                let port = s.get("http.port").unwrap_or("9200");
                let host = s.get("network.host").unwrap_or("localhost");
                a.listeners.push(format!("{host}:{port}"));
                a.config_files.push(path);
            }
        }
        "nginx" => {
            for (path, bytes) in files(f, &src::NGINX_CONF) {
                let mut load = loader(f, &src::NGINX_INCLUDES);
                let site = nginx_conf::parse(&path, &bytes, &mut load);
                web(f, &src::NGINX_CONF, &path, a, site);
            }
        }
        "apache" => {
            for (main, root) in src::APACHE_CONF.paths.iter().zip(marks::APACHE_ROOTS) {
                let Some(bytes) = f.bytes_at(&src::APACHE_CONF, main) else {
                    continue;
                };
                let mut load = loader(f, &src::APACHE_INCLUDES);
                let site = apache_conf::parse(root, main, &bytes, &mut load);
                web(f, &src::APACHE_CONF, main, a, site);
            }
        }
        "tomcat" => {
            let mut found = files(f, &src::TOMCAT_SERVER_XML);
            let globbed = found.len();
            for p in pids {
                if let Some(base) = arg(p, "-Dcatalina.base") {
                    let path = src::PROCESS_SERVER_XML.at(&[base.trim_start_matches('/')]);
                    if !found.iter().any(|(x, _)| *x == path) {
                        if let Some(b) = f.bytes_at(&src::PROCESS_SERVER_XML, &path) {
                            found.push((path, b.into_owned()));
                        }
                    }
                }
            }
            for (i, (path, bytes)) in found.into_iter().enumerate() {
                let row = match i < globbed {
                    true => &src::TOMCAT_SERVER_XML,
                    false => &src::PROCESS_SERVER_XML,
                };
                let list = f.parsed(row, &path, server_xml::tomcat(&bytes));
                connectors(a, path, list.unwrap_or_default());
            }
        }
        "wildfly" => {
            for (path, bytes) in files(f, &src::WILDFLY_XML) {
                let list = f.parsed(&src::WILDFLY_XML, &path, server_xml::wildfly(&bytes));
                connectors(a, path, list.unwrap_or_default());
            }
        }
        _ => {}
    }
}

fn connectors(a: &mut Application, path: String, list: Vec<server_xml::Connector>) {
    for c in &list {
        let port = c.port.map_or("?".into(), |p| p.to_string());
        let proto = c.protocol.as_deref().unwrap_or_default();
        a.listeners.push(match &c.address {
            Some(addr) => format!("{addr}:{port} {proto}"),
            None => format!("{port} {proto}"),
        });
    }
    a.connectors.extend(list);
    a.config_files.push(path);
}

/// A web server's site, its problems noted against its main file (an
/// included file's name the file).
fn web(f: &Facts, row: &'static Source, path: &str, a: &mut Application, parsed: Parsed<Site>) {
    let Some(site) = f.parsed(row, path, parsed) else {
        return;
    };
    a.listeners.extend(site.listen);
    a.virtual_hosts.extend(site.hosts);
    a.config_files.extend(site.files);
}

/// An include's files through a row: the pattern's last component may be
/// a glob; each file's content recorded in the ledger.
fn loader<'f>(
    f: &'f Facts,
    row: &'static Source,
) -> impl FnMut(&str) -> Vec<(String, Vec<u8>)> + 'f {
    move |pattern: &str| {
        expand(f, row, pattern)
            .into_iter()
            .filter_map(|p| f.bytes_at(row, &p).map(|b| (p, b.into_owned())))
            .collect()
    }
}

/// my.cnf and what it includes: `datadir`, `port`, `bind-address` and
/// `ssl-cert` of the server's sections.
fn my_cnf(f: &Facts, a: &mut Application, pids: &[&Process]) {
    let mut queue: Vec<(String, Vec<u8>)> = files(f, &src::MY_CNF);
    let mut all = Settings::default();
    let mut read = 0;
    while let Some((path, bytes)) = queue.pop() {
        if read >= MAX_FILES || a.config_files.contains(&path) {
            continue;
        }
        read += 1;
        let s = f
            .parsed(&src::MY_CNF, &path, app_conf::my_cnf(&bytes))
            .unwrap_or_default();
        for inc in &s.includes {
            let pattern = if inc.ends_with(".cnf") {
                inc.clone()
            } else {
                format!("{}/*.cnf", inc.trim_end_matches('/'))
            };
            let mut found = loader(f, &src::MY_CNF_INCLUDES)(&pattern);
            found.reverse();
            queue.extend(found);
        }
        all.list.extend(s.list);
        a.config_files.push(path);
    }
    let server = |key: &str| {
        ["mysqld", "mariadb", "server", "mariadbd"]
            .iter()
            .find_map(|sec| all.get(&format!("{sec}.{key}")))
    };
    let from_process = pids.iter().find_map(|p| arg(p, "--datadir"));
    // The server's compiled-in default where nothing names another.
    let default = marks::DATA_DIRS
        .iter()
        .find(|(k, _)| *k == "mysql")
        .map(|(_, d)| *d);
    if let Some(d) = from_process.or(server("datadir")).or(default) {
        add_dir(a, d);
    }
    let port = server("port").unwrap_or("3306");
    let bind = server("bind_address").unwrap_or("*");
    a.listeners.push(format!("{bind}:{port}"));
    if let Some(c) = server("ssl_cert") {
        a.certificates.push(cert(c, "my.cnf: ssl-cert".into()));
    }
}

/// One application per instance: a PostgreSQL cluster's configuration
/// (Debian: /etc/postgresql/VERSION/NAME; Red Hat: in the data directory),
/// an Oracle SID.
pub fn split(f: &Facts, base: Application) -> Vec<Application> {
    match base.kind {
        "postgresql" => postgresql(f, base),
        "oracle" => oracle(f, base),
        _ => vec![base],
    }
}

fn oracle(f: &Facts, base: Application) -> Vec<Application> {
    let mut out = Vec::new();
    for (path, bytes) in files(f, &src::ORATAB) {
        for sid in f
            .parsed(&src::ORATAB, &path, app_conf::oratab(&bytes))
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.sid != "*")
        {
            let mut a = base.clone();
            a.instance = Some(sid.sid.clone());
            let start = if sid.autostart {
                "started at boot"
            } else {
                "not started at boot"
            };
            a.evidence
                .push(format!("{path}: {} in {} ({start})", sid.sid, sid.home));
            a.config_files = vec![path.clone()];
            out.push(a);
        }
    }
    if out.is_empty() {
        vec![base]
    } else {
        out
    }
}

fn postgresql(f: &Facts, base: Application) -> Vec<Application> {
    let mut out = Vec::new();
    for (path, bytes) in files(f, &src::POSTGRESQL_CONF) {
        let s = f
            .parsed(&src::POSTGRESQL_CONF, &path, app_conf::key_values(&bytes))
            .unwrap_or_default();
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut a = base.clone();
        a.data_directories.clear();
        // Debian: /etc/postgresql/15/main -> cluster 15/main.
        let parts: Vec<&str> = dir.split('/').collect();
        a.instance = match parts.as_slice() {
            [.., ver, name] if ver.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                Some(format!("{ver}/{name}"))
            }
            _ => None,
        };
        let data = s.get("data_directory").unwrap_or(dir).to_string();
        add_dir(&mut a, &data);
        if let Some(v) = f.line_at(
            &src::PG_VERSION,
            &src::PG_VERSION.at(&[data.trim_start_matches('/')]),
        ) {
            a.evidence.push(format!("{data}/PG_VERSION {v}"));
            // The cluster's major version's package (postgresql-15), not
            // the metapackage (postgresql 15+248).
            let named = format!("package postgresql-{v} ");
            let pkg = a
                .evidence
                .iter()
                .find_map(|e| e.strip_prefix(&named))
                .map(str::to_string);
            a.version = Some(pkg.unwrap_or(v));
        }
        let port = s.get("port").unwrap_or("5432");
        let addrs = s.get("listen_addresses").unwrap_or("localhost");
        for addr in addrs.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            a.listeners.push(format!("{addr}:{port}"));
        }
        if s.get("ssl").is_some_and(|v| v == "on" || v == "true") {
            let c = s.get("ssl_cert_file").unwrap_or("server.crt");
            let c = if c.starts_with('/') {
                c.to_string()
            } else {
                format!("{data}/{c}")
            };
            a.certificates
                .push(cert(&c, format!("{path}: ssl_cert_file")));
        }
        a.config_files.push(path);
        // A process's -D names the cluster it serves.
        out.push(a);
    }
    if out.is_empty() {
        return vec![base];
    }
    // The processes' data directories the configuration did not name.
    for d in base.data_directories {
        if !out
            .iter()
            .any(|a| a.data_directories.iter().any(|x| x.path == d.path))
        {
            out[0].data_directories.push(d);
        }
    }
    out
}

/// Each JVM a process runs, by its home's `release` file.
pub fn java(f: &Facts, processes: &[Process]) -> Vec<Application> {
    let mut out: Vec<Application> = Vec::new();
    for p in processes {
        let Some(exe) = p.exe.as_deref() else {
            continue;
        };
        let Some(home) = exe.strip_suffix(marks::JAVA_BIN) else {
            continue;
        };
        if let Some(a) = out.iter_mut().find(|a| a.instance.as_deref() == Some(home)) {
            a.evidence.push(format!("process {} java", p.pid));
            continue;
        }
        if out.len() >= 16 {
            break;
        }
        let mut a = Application {
            kind: "java",
            instance: Some(home.to_string()),
            evidence: vec![format!("process {} java", p.pid)],
            ..Application::default()
        };
        // A JRE inside a JDK (Java 8): the release file is the JDK's.
        let homes = [Some(home), home.strip_suffix(marks::JRE)];
        for h in homes.into_iter().flatten() {
            let path = src::JAVA_RELEASE.at(&[h.trim_start_matches('/')]);
            if let Some(b) = f.bytes_at(&src::JAVA_RELEASE, &path) {
                let s = f
                    .parsed(&src::JAVA_RELEASE, &path, app_conf::key_values(&b))
                    .unwrap_or_default();
                a.version = s.get("JAVA_VERSION").map(str::to_string);
                if let Some(i) = s.get("IMPLEMENTOR") {
                    a.evidence.push(format!("{path}: {i}"));
                }
                a.config_files.push(path);
                break;
            }
        }
        out.push(a);
    }
    out
}
