//! The command line. Hand-written, to keep the static binary small.

use std::path::PathBuf;

pub const USAGE: &str = "\
lift-probe: collect this server's facts into one bundle for `lift`.
It reads files and makes read-only system calls; it never runs a program
and never changes anything.

Usage: lift-probe [OPTIONS]

Options:
  -o, --output FILE     write the bundle to FILE (`-` for stdout);
                        default HOSTNAME-YYYYMMDDTHHMMSSZ.lift here
      --root DIR        scan DIR as if it were / (a mounted image, a chroot)
      --max-seconds N   wall-clock budget (default 120)
      --max-bytes N     total content budget in bytes (default 1 GiB)
      --level N         zstd level, 1-19 (default 9)
      --redact          replace host names, addresses, MACs and user names
                        (see docs/redaction.md); the mapping goes to a
                        private file, never into the bundle
      --redact-map FILE the mapping file: loaded if it exists, extended,
                        written back (default OUTPUT.map.json; required
                        with -o -); implies --redact
      --redact-keyword W  also replace W wherever it occurs (repeatable);
                        implies --redact
      --encrypt-to R    encrypt the bundle for the age X25519 recipient R
                        (age1…, from `lift keygen` or age-keygen;
                        repeatable: any one identity opens it); the default
                        name then ends .lift.age, and `lift --identity FILE`
                        or `age -d -i FILE` reads it
  -q, --quiet           no summary line on stderr
      --list-specs      print what the probe reads (the spec table) and exit
  -h, --help            this text
  -V, --version         the version

Exit status: 0 written; 1 collecting or writing failed; 2 a usage error
or a --root holding no root filesystem; 130 interrupted (incomplete).
";

#[derive(Debug, PartialEq)]
pub struct Args {
    pub output: Option<PathBuf>,
    pub root: PathBuf,
    pub max_seconds: u64,
    pub max_bytes: u64,
    pub level: i32,
    pub quiet: bool,
    pub redact: bool,
    pub redact_map: Option<PathBuf>,
    pub redact_keywords: Vec<String>,
    /// `--encrypt-to`: the bundle is an age file for these.
    pub encrypt_to: Vec<age::x25519::Recipient>,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Args),
    Help,
    ListSpecs,
    Version,
}

pub fn parse(argv: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Parsed, String> {
    let mut a = Args {
        output: None,
        root: PathBuf::from("/"),
        max_seconds: crate::specs::DEFAULT_MAX_SECONDS,
        max_bytes: crate::specs::DEFAULT_MAX_BYTES,
        level: lift_bundle::DEFAULT_LEVEL,
        quiet: false,
        redact: false,
        redact_map: None,
        redact_keywords: Vec::new(),
        encrypt_to: Vec::new(),
    };
    let mut it = argv.into_iter().skip(1);
    while let Some(arg) = it.next() {
        let arg = arg.to_string_lossy().into_owned();
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<std::ffi::OsString, String> {
            match &inline {
                Some(v) => Ok(v.into()),
                None => it.next().ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-o" | "--output" => a.output = Some(value(&flag)?.into()),
            "--root" => a.root = value(&flag)?.into(),
            "--max-seconds" => a.max_seconds = number(&flag, value(&flag)?)?,
            "--max-bytes" => a.max_bytes = number(&flag, value(&flag)?)?,
            "--level" => {
                let l = number(&flag, value(&flag)?)?;
                if !(1..=19).contains(&l) {
                    return Err("--level takes 1 to 19".into());
                }
                a.level = l as i32;
            }
            "-q" | "--quiet" => a.quiet = true,
            "--redact" => a.redact = true,
            "--redact-map" => {
                a.redact = true;
                a.redact_map = Some(value(&flag)?.into());
            }
            "--redact-keyword" => {
                a.redact = true;
                a.redact_keywords
                    .push(value(&flag)?.to_string_lossy().into_owned());
            }
            "--encrypt-to" => a
                .encrypt_to
                .push(crate::seal::recipient(&value(&flag)?.to_string_lossy())?),
            "-h" | "--help" => return Ok(Parsed::Help),
            "--list-specs" => return Ok(Parsed::ListSpecs),
            "-V" | "--version" => return Ok(Parsed::Version),
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if a.redact && a.redact_map.is_none() && a.output.as_deref() == Some(std::path::Path::new("-"))
    {
        return Err("--redact with -o - needs --redact-map FILE".into());
    }
    Ok(Parsed::Run(a))
}

fn number(flag: &str, v: std::ffi::OsString) -> Result<u64, String> {
    v.to_string_lossy()
        .parse()
        .map_err(|_| format!("{flag} takes a whole number, not {v:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Parsed, String> {
        parse(
            std::iter::once("lift-probe")
                .chain(args.iter().copied())
                .map(Into::into),
        )
    }

    #[test]
    fn flags() {
        let Parsed::Run(a) = p(&[
            "-o",
            "-",
            "--root=/mnt/img",
            "--max-seconds",
            "5",
            "--level",
            "3",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(a.output, Some("-".into()));
        assert_eq!(a.root, PathBuf::from("/mnt/img"));
        assert_eq!((a.max_seconds, a.level), (5, 3));
        assert_eq!(p(&["--help"]), Ok(Parsed::Help));
        assert!(p(&["--level", "30"]).unwrap_err().contains("1 to 19"));
        assert!(p(&["--bogus"]).unwrap_err().contains("unknown argument"));
        assert!(p(&["-o"]).unwrap_err().contains("needs a value"));
        assert!(p(&["-o", "-", "--redact"])
            .unwrap_err()
            .contains("--redact-map"));
        let Parsed::Run(a) = p(&["--redact-keyword", "acme", "--redact-keyword=x"]).unwrap() else {
            panic!()
        };
        assert!(a.redact && a.redact_keywords == ["acme", "x"]);
        let (k1, k2) = (
            age::x25519::Identity::generate().to_public(),
            age::x25519::Identity::generate().to_public(),
        );
        let Parsed::Run(a) = p(&[
            "--encrypt-to",
            &k1.to_string(),
            &format!("--encrypt-to={k2}"),
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(a.encrypt_to, [k1, k2]);
        assert!(p(&["--encrypt-to", "age1x"])
            .unwrap_err()
            .contains("not an age X25519 recipient"));
    }
}
