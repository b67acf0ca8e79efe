//! The small configuration formats of server software, as settings (key,
//! value, line): PostgreSQL's `postgresql.conf`, MySQL's and MariaDB's
//! `my.cnf` (sections and `!includedir`), `redis.conf`, YAML as MongoDB and
//! Elasticsearch write it (nested keys joined by dots, scalars only),
//! Oracle's `/etc/oratab` and a JDK's `release` file. Values the probe
//! scrubbed read `<redacted>`; nothing here needs a secret.
//!
//! ```text
//! data_directory = '/var/lib/postgresql/15/main'   # postgresql.conf
//! [mysqld]
//! datadir = /var/lib/mysql                         # my.cnf
//! !includedir /etc/mysql/conf.d/
//! ORCL:/u01/app/oracle/product/19.0.0/dbhome_1:Y   # oratab
//! JAVA_VERSION="17.0.9"                            # release
//! ```

use serde::Serialize;

use super::{ParseError, Parsed, Partial};

/// Most settings kept from one file.
const MAX_SETTINGS: usize = 20_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// (key, value, 1-based line); a key of a section is `section.key`.
    pub list: Vec<(String, String, usize)>,
    /// my.cnf's `!include FILE` and `!includedir DIR`, in order.
    pub includes: Vec<String>,
}

impl Settings {
    /// The last value of a key (case-insensitive): later lines win, as in
    /// every one of these formats.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.list
            .iter()
            .rev()
            .find(|(k, _, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v, _)| v.as_str())
    }

    fn push(&mut self, key: &str, value: &str, line: usize) {
        if self.list.len() < MAX_SETTINGS {
            self.list.push((key.to_string(), value.to_string(), line));
        }
    }
}

fn strip_quotes(v: &str) -> &str {
    let v = v.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = v.strip_prefix(q) {
            return inner.split(q).next().unwrap_or(inner);
        }
    }
    v
}

/// A value up to an unquoted `#` comment.
fn value(v: &str) -> &str {
    let v = v.trim();
    if v.starts_with('\'') || v.starts_with('"') {
        return strip_quotes(v);
    }
    v.split('#').next().unwrap_or(v).trim()
}

/// `key = value` or `key value` per line (postgresql.conf, redis.conf,
/// a JDK's release); `#` comments. Any line is a key and its value: never
/// partial or broken.
pub fn key_values(bytes: &[u8]) -> Parsed<Settings> {
    let mut s = Settings::default();
    for (i, line) in super::text(bytes).lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let end = line
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(line.len());
        let (key, rest) = line.split_at(end);
        let rest = rest.trim_start();
        let rest = rest.strip_prefix('=').unwrap_or(rest);
        s.push(key, value(rest), i + 1);
    }
    super::whole(s)
}

/// my.cnf: `[section]`, `key = value` (or a bare `key`), `;` and `#`
/// comments, `!include` and `!includedir`. A `[section` left open is
/// skipped, by line (mysqld refuses the file).
pub fn my_cnf(bytes: &[u8]) -> Parsed<Settings> {
    let mut s = Settings::default();
    let mut errors = Vec::new();
    let mut section = String::new();
    for (i, line) in super::text(bytes).lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line
            .strip_prefix("!includedir")
            .or_else(|| line.strip_prefix("!include"))
        {
            s.includes.push(rest.trim().to_string());
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        if line.starts_with('[') {
            errors.push(ParseError::at_line(
                i + 1,
                format!("a section left open: {}", super::shown(line)),
            ));
            continue;
        }
        let (key, v) = line.split_once('=').unwrap_or((line, ""));
        // `-` and `_` are one in option names.
        let key = key.trim().replace('-', "_");
        s.push(&format!("{section}.{key}"), value(v), i + 1);
    }
    Ok(Partial::new(s, errors))
}

/// YAML as mongod.conf and elasticsearch.yml hold it: nested mappings by
/// indentation, `a.b: v` flat keys, scalars only (lists and flow
/// collections keep their first line as written). A line that is neither
/// a mapping entry nor a list item is skipped, by line.
pub fn yaml(bytes: &[u8]) -> Parsed<Settings> {
    let mut s = Settings::default();
    let mut errors = Vec::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    for (i, line) in super::text(bytes).lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('-') || t == "---" {
            continue;
        }
        let Some((key, v)) = t.split_once(':') else {
            errors.push(ParseError::at_line(
                i + 1,
                format!("not key: value: {}", super::shown(t)),
            ));
            continue;
        };
        while path.last().is_some_and(|(d, _)| *d >= indent) {
            path.pop();
        }
        let key = strip_quotes(key);
        let full: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).chain([key]).collect();
        let v = value(v);
        if v.is_empty() {
            path.push((indent, key.to_string()));
        } else {
            s.push(&full.join("."), v, i + 1);
        }
    }
    Ok(Partial::new(s, errors))
}

/// One line of /etc/oratab: `SID:ORACLE_HOME:Y|N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OracleSid {
    pub sid: String,
    pub home: String,
    /// dbstart starts it at boot (`Y`).
    pub autostart: bool,
}

/// /etc/oratab's instances, at most 1000; a line without `SID:HOME` is
/// skipped, by line.
pub fn oratab(bytes: &[u8]) -> Parsed<Vec<OracleSid>> {
    let mut errors = Vec::new();
    let value = super::text(bytes)
        .lines()
        .enumerate()
        .map(|(i, l)| (i, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|(i, l)| {
            let mut f = l.split(':');
            let (Some(sid), Some(home)) = (f.next(), f.next()) else {
                errors.push(ParseError::at_line(
                    i + 1,
                    format!("not SID:HOME: {}", super::shown(l)),
                ));
                return None;
            };
            let flag = f.next().unwrap_or("N").trim();
            Some(OracleSid {
                sid: sid.trim().to_string(),
                home: home.trim().to_string(),
                autostart: flag.eq_ignore_ascii_case("Y"),
            })
        })
        .take(1000)
        .collect();
    Ok(Partial::new(value, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_conf_as_pg_createcluster_writes_it() {
        let s = key_values(
            b"data_directory = '/var/lib/postgresql/15/main'\t\t# use data in another directory\n\
              port = 5432\t\t\t\t# (change requires restart)\n#ssl = off\nssl = on\nlisten_addresses='*'\n",
        ).unwrap();
        assert_eq!(s.get("data_directory"), Some("/var/lib/postgresql/15/main"));
        assert_eq!(s.get("port"), Some("5432"));
        assert_eq!(s.get("ssl"), Some("on"));
        assert_eq!(s.get("listen_addresses"), Some("*"));
    }

    #[test]
    fn my_cnf_sections_and_includes() {
        let s = my_cnf(
            b"[mysqld]\nuser                    = mysql\ndatadir                 = /var/lib/mysql\nbind-address            = 127.0.0.1\nskip-name-resolve\n[client]\npassword = <redacted>\n!includedir /etc/mysql/mariadb.conf.d/\n",
        ).unwrap();
        assert_eq!(s.get("mysqld.datadir"), Some("/var/lib/mysql"));
        assert_eq!(s.get("mysqld.bind_address"), Some("127.0.0.1"));
        assert_eq!(s.includes, ["/etc/mysql/mariadb.conf.d/"]);
    }

    #[test]
    fn yaml_nested_and_flat() {
        let s = yaml(b"storage:\n  dbPath: /var/lib/mongodb\n#  engine:\nnet:\n  port: 27017\n  bindIp: 127.0.0.1\npath.data: /var/lib/elasticsearch\n").unwrap();
        assert_eq!(s.get("storage.dbPath"), Some("/var/lib/mongodb"));
        assert_eq!(s.get("net.port"), Some("27017"));
        assert_eq!(s.get("path.data"), Some("/var/lib/elasticsearch"));
    }

    #[test]
    fn oratab_lines() {
        let o = oratab(b"# comment\n*:/u01/app/oracle/product/19.0.0/dbhome_1:N\nORCL:/u01/app/oracle/product/19.0.0/dbhome_1:Y\n").unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(o[1].sid, "ORCL");
        assert!(o[1].autostart);
    }
}
