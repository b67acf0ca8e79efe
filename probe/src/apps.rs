//! The apps spec's live part (issue 28): what the applications'
//! configurations and processes name, which no fixed path can say.
//!
//! Where the paths come from, and nowhere else:
//! - the configuration files of [`APP_CONFIGS`] (and PostgreSQL's systemd
//!   units, for `PGDATA`), read again by a small extractor that knows a
//!   few keys: the certificates (`ssl_certificate`, `SSLCertificateFile`,
//!   `ssl_cert_file`, `ssl-cert`, `tls-cert-file`, `certificateFile`) and
//!   data directories (`data_directory`, `datadir`, `dbPath`, `dir`,
//!   `path.data`, `PGDATA`) they name;
//! - the command lines of running processes: postgres `-D`, mysqld and
//!   mariadbd `--datadir`, mongod `--dbpath`, a JVM's `-Dcatalina.base`
//!   and `-Djboss.home.dir`, and the JVM itself (`/proc/PID/exe`, whose
//!   JAVA_HOME holds the `release` file);
//! - the packages' default data directories, where they exist.
//!
//! What it does with them: a certificate is captured only when it is text
//! (PEM: the scrubber withholds a file holding a private key block whole)
//! or starts as a DER certificate does; anything else is recorded by
//! metadata with a note. Never a key directive's file. A data directory is
//! sized by [`du::walk`] and its `PG_VERSION` taken. Nothing is parsed
//! beyond that: X.509 is the analyzer's.

use std::io::{self, Write};

use lift_bundle::{Fact, NoteKind};

use crate::collect::Collector;
use crate::du;
use crate::fs::{self as rootfs, child};
use crate::specs::{Take, APP_CONFIGS};

/// Most configuration files read for paths, and most bytes of each.
const MAX_CONFIGS: usize = 500;
const CONFIG_CAP: u64 = 1 << 20;
/// Most processes whose command line is read.
const MAX_PROCESSES: usize = 20_000;
/// Most certificates, data directories and JVMs visited.
const MAX_CERTS: usize = 64;
const MAX_DATA_DIRS: usize = 16;
const MAX_JVMS: usize = 16;

/// PostgreSQL's units, read for `Environment=PGDATA=` (the init.systemd
/// spec captures them).
const PG_UNITS: &[&str] = &[
    "/usr/lib/systemd/system/postgresql*.service",
    "/lib/systemd/system/postgresql*.service",
    "/etc/systemd/system/postgresql*.service.d/*.conf",
];

/// The packages' default data directories.
const DEFAULT_DATA: &[&str] = &[
    "/var/lib/postgresql/*/main",
    "/var/lib/pgsql/data",
    "/var/lib/pgsql/*/data",
    "/var/lib/mysql",
    "/var/lib/mongodb",
    "/var/lib/mongo",
    "/var/lib/redis",
    "/var/lib/elasticsearch",
];

/// Keys whose value is a certificate file. Keys naming a private key
/// (`ssl_certificate_key`, `SSLCertificateKeyFile`, `certificateKeyFile`)
/// are never here.
const CERT_KEYS: &[&str] = &[
    "ssl_certificate",
    "ssl_trusted_certificate",
    "ssl_client_certificate",
    "sslcertificatefile",
    "sslcertificatechainfile",
    "sslcacertificatefile",
    "ssl_cert_file",
    "ssl_ca_file",
    "ssl-cert",
    "ssl_cert",
    "ssl-ca",
    "tls-cert-file",
    "tls-ca-cert-file",
];

/// Keys whose value is a data directory.
const DATA_KEYS: &[&str] = &["data_directory", "datadir", "dbpath", "path.data", "pgdata"];

/// XML attributes (Tomcat's server.xml) whose value is a certificate.
const CERT_ATTRS: &[&str] = &["certificateFile=\"", "certificateChainFile=\""];

#[derive(Default)]
struct Wanted {
    certs: Vec<Vec<u8>>,
    data: Vec<Vec<u8>>,
    /// Files a process names: a base's server.xml, a JVM's release.
    files: Vec<Vec<u8>>,
}

fn push(list: &mut Vec<Vec<u8>>, path: Vec<u8>) {
    // Absolute, no variables, no parent hops: a value a configuration
    // computes is not a path the probe guesses at.
    let ok = path.starts_with(b"/")
        && !path.contains(&b'$')
        && !path.windows(2).any(|w| w == b"..")
        && path.len() < 4096;
    if ok && !list.contains(&path) {
        list.push(path);
    }
}

pub fn collect<W: Write>(c: &mut Collector<W>) -> io::Result<()> {
    let mut w = Wanted::default();
    let mut read = 0usize;
    for pattern in APP_CONFIGS.iter().chain(PG_UNITS) {
        for path in c.expand(pattern.as_bytes())? {
            if read >= MAX_CONFIGS || !c.may_continue() {
                break;
            }
            if let Some(text) = read_file(c, &path, CONFIG_CAP) {
                read += 1;
                extract(&path, &text, &mut w);
                // A site enabled by a link (`sites-enabled/x` ->
                // `../sites-available/x`): the file it names too.
                if let Some(canon) = follow(c.root, &path).filter(|p| *p != path) {
                    c.capture(&canon, Take::Content)?;
                }
            }
        }
    }
    processes(c, &mut w)?;
    for pattern in DEFAULT_DATA {
        for path in c.expand(pattern.as_bytes())? {
            push(&mut w.data, path);
        }
    }
    for path in w.files.clone() {
        c.capture(&path, Take::Content)?;
    }
    for path in w.certs.clone().into_iter().take(MAX_CERTS) {
        certificate(c, &path)?;
    }
    if w.certs.len() > MAX_CERTS {
        let msg = format!(
            "{} certificates named; the first {MAX_CERTS} read",
            w.certs.len()
        );
        c.note(NoteKind::OverBudget, None, msg)?;
    }
    let mut walked: Vec<Vec<u8>> = Vec::new();
    for path in w.data.clone() {
        if walked.len() >= MAX_DATA_DIRS || !c.may_continue() {
            break;
        }
        c.capture(&child(&path, b"PG_VERSION"), Take::Content)?;
        let Some(canon) = follow(c.root, &path) else {
            // A data directory on a network filesystem (or behind one) is
            // said, never walked: a stale mount would hang the walk.
            if matches!(c.root.resolve(&path), Err(rootfs::Error::NetworkFs)) {
                c.fact(Fact::DirUsage(du::not_walked(
                    &path,
                    "on a network filesystem: not walked",
                )))?;
            }
            continue;
        };
        if walked.contains(&canon) {
            continue;
        }
        walked.push(canon.clone());
        let deadline = c.deadline();
        let usage = du::walk(
            c.root,
            &path,
            &canon,
            deadline,
            &crate::signals::stop_requested,
        );
        c.fact(Fact::DirUsage(usage))?;
    }
    Ok(())
}

/// A path resolved inside the root, its last component followed too (a
/// data directory or a site's configuration is often a link).
fn follow(root: &rootfs::Root, path: &[u8]) -> Option<Vec<u8>> {
    let mut at = path.to_vec();
    for _ in 0..8 {
        let (canon, _) = root.resolve(&at).ok()?;
        let meta = root.lstat(&canon).ok()?;
        if !meta.file_type().is_symlink() {
            return Some(canon);
        }
        let target = root.read_link(&canon).ok()?;
        at = if target.starts_with(b"/") {
            target
        } else {
            let cut = canon.iter().rposition(|&b| b == b'/').unwrap_or(0);
            [&canon[..=cut], &target[..]].concat()
        };
    }
    None
}

/// A regular file's first `cap` bytes, for the extractor only (never
/// written to the bundle).
fn read_file<W: Write>(c: &Collector<W>, path: &[u8], cap: u64) -> Option<Vec<u8>> {
    if crate::scrub::never_capture(path) {
        return None;
    }
    let canon = follow(c.root, path)?;
    // Only a regular file is opened (never a FIFO or a device).
    if !c.root.lstat(&canon).ok()?.is_file() {
        return None;
    }
    let mut f = c.root.open_regular(&canon).ok()?;
    let size = f.metadata().ok()?.len();
    rootfs::read_capped(&mut f, cap, size).ok().map(|(b, _)| b)
}

/// The directory `path` sits in, and the server root a relative value in
/// it is relative to (nginx: its prefix; Apache: ServerRoot).
fn base_of(path: &[u8]) -> Option<&'static [u8]> {
    for (prefix, base) in [
        (&b"/etc/nginx/"[..], &b"/etc/nginx"[..]),
        (b"/etc/apache2/", b"/etc/apache2"),
        (b"/etc/httpd/", b"/etc/httpd"),
    ] {
        if path.starts_with(prefix) {
            return Some(base);
        }
    }
    None
}

/// The paths one configuration file names under the keys above.
fn extract(path: &[u8], text: &[u8], w: &mut Wanted) {
    let base = base_of(path);
    for line in text.split(|&b| b == b'\n').take(100_000) {
        let line = line.trim_ascii();
        if line.starts_with(b"#") || line.starts_with(b";") {
            continue;
        }
        for attr in CERT_ATTRS {
            if let Some(i) = find(line, attr.as_bytes()) {
                let rest = &line[i + attr.len()..];
                let end = rest.iter().position(|&b| b == b'"').unwrap_or(rest.len());
                push(&mut w.certs, rest[..end].to_vec());
            }
        }
        // systemd's `Environment=PGDATA=/var/lib/pgsql/data`.
        let line = line.strip_prefix(b"Environment=").unwrap_or(line);
        let end = line
            .iter()
            .position(|&b| b == b' ' || b == b'\t' || b == b':' || b == b'=')
            .unwrap_or(line.len());
        let key = String::from_utf8_lossy(&line[..end]).to_ascii_lowercase();
        let value = value_of(&line[end..]);
        if value.is_empty() {
            continue;
        }
        let absolute = match (value.starts_with(b"/"), base) {
            (true, _) => value.to_vec(),
            (false, Some(b)) => [b, b"/", value].concat(),
            (false, None) => continue,
        };
        if CERT_KEYS.contains(&key.as_str()) {
            push(&mut w.certs, absolute);
        } else if DATA_KEYS.contains(&key.as_str())
            || (key == "dir" && find(path, b"redis").is_some())
        {
            push(&mut w.data, absolute);
        }
    }
}

/// A value after its key: separators, quotes and nginx's `;` stripped.
fn value_of(rest: &[u8]) -> &[u8] {
    let v = rest.trim_ascii();
    let v = v.strip_prefix(b"=").or(v.strip_prefix(b":")).unwrap_or(v);
    let v = v.trim_ascii();
    let v = v.strip_suffix(b";").unwrap_or(v).trim_ascii();
    let v = v
        .strip_prefix(b"'")
        .and_then(|v| v.split(|&b| b == b'\'').next())
        .or_else(|| {
            v.strip_prefix(b"\"")
                .and_then(|v| v.split(|&b| b == b'"').next())
        })
        .unwrap_or(v);
    // An unquoted value ends at a space or a comment.
    v.split(|&b| b == b' ' || b == b'\t' || b == b'#')
        .next()
        .unwrap_or(v)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Data directories and bases from the processes' command lines, and the
/// `release` file of each JVM a process runs.
fn processes<W: Write>(c: &mut Collector<W>, w: &mut Wanted) -> io::Result<()> {
    let Ok((names, _)) = c.root.read_dir(b"/proc", 1_000_000) else {
        return Ok(());
    };
    let mut jvms: Vec<Vec<u8>> = Vec::new();
    for (name, _) in names.into_iter().take(MAX_PROCESSES) {
        if !name.iter().all(u8::is_ascii_digit) || !c.may_continue() {
            continue;
        }
        let dir = child(b"/proc", &name);
        // Only the processes the proc spec recorded: one started since is
        // not in the bundle, and its files are not read for it.
        let cmdline = child(&dir, b"cmdline");
        if !c.recorded(&cmdline) {
            continue;
        }
        let Some(cmdline) = read_file(c, &cmdline, 64 << 10) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .collect();
        from_args(&args, w);
        if let Ok(exe) = c.root.read_link(&child(&dir, b"exe")) {
            let exe = exe.strip_suffix(b" (deleted)").unwrap_or(&exe).to_vec();
            if exe.ends_with(b"/bin/java") && jvms.len() < MAX_JVMS {
                let home = &exe[..exe.len() - b"/bin/java".len()];
                push(&mut jvms, home.to_vec());
                // A JRE inside a JDK (Java 8): the JDK's release is beside it.
                if let Some(jdk) = home.strip_suffix(b"/jre") {
                    push(&mut jvms, jdk.to_vec());
                }
            }
        }
    }
    for home in jvms {
        push(&mut w.files, child(&home, b"release"));
    }
    Ok(())
}

/// What one command line names.
fn from_args(args: &[&[u8]], w: &mut Wanted) {
    let Some(prog) = args.first() else { return };
    let prog = prog.rsplit(|&b| b == b'/').next().unwrap_or(prog);
    let mut it = args.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        let value = |flag: &[u8]| -> Option<Vec<u8>> {
            a.strip_prefix(flag)
                .map(|v| v.strip_prefix(b"=").unwrap_or(v).to_vec())
        };
        if prog.starts_with(b"postgres") || prog.starts_with(b"postmaster") {
            if *a == b"-D" {
                if let Some(v) = it.peek() {
                    push(&mut w.data, v.to_vec());
                }
            } else if let Some(v) = value(b"-D") {
                push(&mut w.data, v);
            }
        } else if prog.starts_with(b"mysqld") || prog.starts_with(b"mariadbd") {
            if let Some(v) = value(b"--datadir") {
                push(&mut w.data, v);
            }
        } else if prog == b"mongod" {
            if *a == b"--dbpath" {
                if let Some(v) = it.peek() {
                    push(&mut w.data, v.to_vec());
                }
            } else if let Some(v) = value(b"--dbpath=") {
                push(&mut w.data, v);
            }
        } else if prog == b"java" {
            if let Some(v) = value(b"-Dcatalina.base") {
                push(&mut w.files, [v, b"/conf/server.xml".to_vec()].concat());
            } else if let Some(v) = value(b"-Djboss.home.dir") {
                push(
                    &mut w.files,
                    [v, b"/standalone/configuration/standalone.xml".to_vec()].concat(),
                );
            }
        }
    }
}

/// A certificate file: content when it is text (a PEM file holding a
/// private key is withheld whole by the scrubber) or starts as a DER
/// certificate does; otherwise metadata and a note.
fn certificate<W: Write>(c: &mut Collector<W>, path: &[u8]) -> io::Result<()> {
    let Some(head) = read_file(c, path, 16) else {
        // Absent or unreadable: capture records which.
        return c.capture(path, Take::Meta);
    };
    let text = head.first() != Some(&0x30)
        && head
            .iter()
            .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if text || der_certificate(&head) {
        return c.capture(path, Take::Content);
    }
    c.capture(path, Take::Meta)?;
    c.note(
        NoteKind::Other,
        Some(path),
        "named as a certificate, but neither PEM text nor a DER certificate: metadata only".into(),
    )
}

/// Whether bytes start as a DER X.509 certificate does: a SEQUENCE
/// holding a SEQUENCE (the TBSCertificate) that opens with the explicit
/// version `[0]` or the serial INTEGER. A DER private key (PKCS#1 or #8:
/// an INTEGER first; encrypted PKCS#8: an OID first) never does.
pub fn der_certificate(head: &[u8]) -> bool {
    fn skip_len(b: &[u8], i: usize) -> Option<usize> {
        let l = *b.get(i)?;
        match l {
            0..=0x7f => Some(i + 1),
            0x81..=0x84 => Some(i + 1 + (l & 0x7f) as usize),
            _ => None,
        }
    }
    let Some(i) = (head.first() == Some(&0x30))
        .then(|| skip_len(head, 1))
        .flatten()
    else {
        return false;
    };
    if head.get(i) != Some(&0x30) {
        return false;
    }
    let Some(j) = skip_len(head, i + 1) else {
        return false;
    };
    matches!(head.get(j), Some(0xa0) | Some(0x02))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_certificates_and_data_directories() {
        let mut w = Wanted::default();
        extract(
            b"/etc/nginx/sites-enabled/default",
            b"  ssl_certificate /etc/ssl/certs/site.pem;\n  ssl_certificate_key /etc/ssl/private/site.key;\n\
              # ssl_certificate /old.pem;\n ssl_trusted_certificate chain.pem;\n",
            &mut w,
        );
        extract(
            b"/etc/postgresql/15/main/postgresql.conf",
            b"data_directory = '/var/lib/postgresql/15/main'\t\t# use data in another directory\n\
              ssl_cert_file = '/etc/ssl/certs/ssl-cert-snakeoil.pem'\t\t# (change requires restart)\n\
              ssl_key_file = '/etc/ssl/private/ssl-cert-snakeoil.key'\n",
            &mut w,
        );
        extract(
            b"/etc/mysql/mariadb.conf.d/50-server.cnf",
            b"datadir                 = /srv/mysql\n#ssl-cert = /etc/mysql/server-cert.pem\n",
            &mut w,
        );
        extract(b"/etc/redis/redis.conf", b"dir /var/lib/redis\n", &mut w);
        extract(
            b"/usr/lib/systemd/system/postgresql.service",
            b"Environment=PGDATA=/var/lib/pgsql/data\n",
            &mut w,
        );
        extract(
            b"/etc/tomcat10/server.xml",
            b"<Certificate certificateFile=\"/etc/tomcat10/tls/cert.pem\" certificateKeyFile=\"/k.pem\"/>\n\
              <Certificate certificateFile=\"${catalina.base}/conf/localhost-rsa-cert.pem\"/>\n",
            &mut w,
        );
        let s = |l: &[Vec<u8>]| {
            l.iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            s(&w.certs),
            [
                "/etc/ssl/certs/site.pem",
                "/etc/nginx/chain.pem",
                "/etc/ssl/certs/ssl-cert-snakeoil.pem",
                "/etc/tomcat10/tls/cert.pem"
            ]
        );
        assert_eq!(
            s(&w.data),
            [
                "/var/lib/postgresql/15/main",
                "/srv/mysql",
                "/var/lib/redis",
                "/var/lib/pgsql/data"
            ]
        );
    }

    #[test]
    fn command_lines_name_data_directories_and_bases() {
        let mut w = Wanted::default();
        from_args(
            &[
                b"/usr/lib/postgresql/15/bin/postgres",
                b"-D",
                b"/var/lib/postgresql/15/main",
                b"-c",
                b"config_file=/etc/postgresql/15/main/postgresql.conf",
            ],
            &mut w,
        );
        from_args(&[b"/usr/sbin/mariadbd", b"--datadir=/data/db"], &mut w);
        from_args(
            &[
                b"/usr/bin/java",
                b"-Dcatalina.base=/var/lib/tomcat10",
                b"org.apache.catalina.startup.Bootstrap",
            ],
            &mut w,
        );
        assert_eq!(
            w.data,
            [
                b"/var/lib/postgresql/15/main".to_vec(),
                b"/data/db".to_vec()
            ]
        );
        assert_eq!(w.files, [b"/var/lib/tomcat10/conf/server.xml".to_vec()]);
    }

    #[test]
    fn der_certificates_are_told_from_der_keys() {
        // openssl x509 -outform DER: 30 82 03 0d 30 82 01 f5 a0 03 02 01 02
        assert!(der_certificate(&[
            0x30, 0x82, 3, 0x0d, 0x30, 0x82, 1, 0xf5, 0xa0, 3, 2, 1, 2
        ]));
        // openssl pkey -outform DER (PKCS#8): 30 82 04 be 02 01 00 30 0d
        assert!(!der_certificate(&[
            0x30, 0x82, 4, 0xbe, 2, 1, 0, 0x30, 0x0d
        ]));
        // PKCS#1 RSA key: 30 82 04 a4 02 01 00
        assert!(!der_certificate(&[0x30, 0x82, 4, 0xa4, 2, 1, 0]));
        // Encrypted PKCS#8: 30 82 05 0c 30 4e 06 09
        assert!(!der_certificate(&[0x30, 0x82, 5, 0x0c, 0x30, 0x4e, 6, 9]));
        assert!(!der_certificate(b"garbage"));
    }
}
