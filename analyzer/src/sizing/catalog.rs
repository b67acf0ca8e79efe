//! Instance catalogs: the rows a size is chosen from. EC2 and Azure ship in
//! the repository (`analyzer/catalogs/*.csv`, each with its source and
//! date); an OpenStack cloud's flavours, or any list of the user's, come
//! from `--catalog FILE`.
//!
//! The format is CSV with a header: `name`, `vcpus` and `memory_gib` are
//! required, `arch` (`x86_64`, `aarch64`; empty for any) and `family` are
//! read when present, other columns are kept as they are. Lines starting
//! with `#` are comments.
//!
//! ```text
//! name,vcpus,memory_gib,arch
//! m1.large,4,8,x86_64
//! ```

use serde::Serialize;

/// One instance type or flavour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub name: String,
    pub vcpus: u32,
    pub memory_mib: u64,
    /// The architecture it runs, where the catalog says.
    pub arch: Option<String>,
    pub family: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// What the rows are: "ec2 (shipped, 2026-12-07)", or the file's path.
    pub name: String,
    pub rows: Vec<Row>,
}

/// A catalog line lift refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: line {line}: {message}")]
pub struct CatalogError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Most rows a catalog file may have, and its largest size.
const MAX_ROWS: usize = 100_000;
pub const MAX_BYTES: u64 = 16 << 20;

const EC2: &str = include_str!("../../catalogs/ec2.csv");
const AZURE: &str = include_str!("../../catalogs/azure.csv");
/// When the shipped catalogs were transcribed (their files say from where).
pub const SHIPPED_ON: &str = "2026-12-07";

impl Catalog {
    /// Parses a catalog's text; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Catalog, CatalogError> {
        let err = |line: usize, message: String| CatalogError {
            path: path.to_string(),
            line,
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        let (header_line, header) = lines
            .next()
            .ok_or_else(|| err(1, "no header line".into()))?;
        let columns: Vec<String> = header
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let find = |name: &str| columns.iter().position(|c| c == name);
        let (Some(name_at), Some(vcpus_at), Some(memory_at)) =
            (find("name"), find("vcpus"), find("memory_gib"))
        else {
            return Err(err(
                header_line,
                format!("the header must name name, vcpus and memory_gib: {header}"),
            ));
        };
        let (arch_at, family_at) = (find("arch"), find("family"));
        let mut rows = Vec::new();
        for (line, text) in lines {
            if rows.len() >= MAX_ROWS {
                return Err(err(line, format!("more than {MAX_ROWS} rows")));
            }
            let cells: Vec<&str> = text.split(',').map(str::trim).collect();
            let cell = |at: usize| cells.get(at).copied().unwrap_or("");
            let name = cell(name_at);
            if name.is_empty() {
                return Err(err(line, "no name".into()));
            }
            let vcpus: u32 = cell(vcpus_at)
                .parse()
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| {
                    err(
                        line,
                        format!("vcpus is not a whole number above 0: {:?}", cell(vcpus_at)),
                    )
                })?;
            let memory_gib: f64 = cell(memory_at)
                .parse()
                .ok()
                .filter(|m: &f64| m.is_finite() && *m > 0.0 && *m < 1e9)
                .ok_or_else(|| {
                    err(
                        line,
                        format!("memory_gib is not a number above 0: {:?}", cell(memory_at)),
                    )
                })?;
            let opt =
                |at: Option<usize>| at.map(cell).filter(|s| !s.is_empty()).map(str::to_string);
            let memory_mib = (memory_gib * 1024.0).round() as u64;
            rows.push(Row {
                name: name.to_string(),
                vcpus,
                memory_mib,
                arch: opt(arch_at),
                family: opt(family_at),
            });
        }
        if rows.is_empty() {
            return Err(err(header_line, "no rows".into()));
        }
        Ok(Catalog {
            name: path.to_string(),
            rows,
        })
    }

    /// The catalog shipped for a cloud (`ec2`, `azure`).
    pub fn shipped(cloud: &str) -> Option<Catalog> {
        let text = match cloud {
            "ec2" => EC2,
            "azure" => AZURE,
            _ => return None,
        };
        let mut c = Catalog::parse(cloud, text).expect("the shipped catalogs parse");
        c.name = format!("{cloud} (shipped with lift, {SHIPPED_ON})");
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogs_parse() {
        let ec2 = Catalog::shipped("ec2").unwrap();
        let m7i = ec2.rows.iter().find(|r| r.name == "m7i.xlarge").unwrap();
        assert_eq!(
            (m7i.vcpus, m7i.memory_mib, m7i.arch.as_deref()),
            (4, 16 * 1024, Some("x86_64"))
        );
        let azure = Catalog::shipped("azure").unwrap();
        assert!(azure
            .rows
            .iter()
            .any(|r| r.name == "Standard_E96s_v5" && r.memory_mib == 672 * 1024));
        assert!(Catalog::shipped("openstack").is_none());
    }

    #[test]
    fn a_bad_row_is_refused_with_its_line() {
        let e = Catalog::parse(
            "flavors.csv",
            "name,vcpus,memory_gib\nm1.small,1,2\n# note\nm1.big,four,8\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (4, "flavors.csv"));
        assert!(e.to_string().contains("vcpus"), "{e}");
        let e = Catalog::parse("f.csv", "flavor,cpu,ram\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = Catalog::parse("f.csv", "name,vcpus,memory_gib\nx,1,NaN\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn extra_columns_and_any_order() {
        let c = Catalog::parse("f.csv", "memory_gib,price,name,vcpus\n8,0.1,m1.large,4\n").unwrap();
        assert_eq!(c.rows[0].name, "m1.large");
        assert_eq!(c.rows[0].arch, None);
    }
}
