//! SysV init: the headers of an init script (`headers`: LSB
//! `### BEGIN INIT INFO` block and Red Hat `# chkconfig:` lines), and the rc
//! links (`rc`: `S55sshd` names and the runlevel matrix that
//! `chkconfig --list` prints). `Runlevel`, shared by both and by the inittab
//! and Upstart parsers, lives here.

use serde::{Serialize, Serializer};

mod headers;
mod rc;

pub use headers::{parse, ChkconfigHeader, InitScriptHeaders, LsbHeader};
pub use rc::{
    parse_rc_link_name, rc_dir_runlevel, RcAction, RcLink, RunlevelMatrix, ServiceRunlevels,
};

/// A SysV runlevel: `0`–`6` or `S`, the boot/single-user level of Debian's
/// `/etc/rcS.d`. Serialized as a one-character string. (sysvinit tolerates
/// 7–9 in inittab, but no distribution uses them and rc has no directories
/// for them, so they are treated as errors.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Runlevel(char);

impl Runlevel {
    /// The columns of `chkconfig --list`, plus `S`.
    pub const ALL: [Runlevel; 8] = [
        Runlevel('0'),
        Runlevel('1'),
        Runlevel('2'),
        Runlevel('3'),
        Runlevel('4'),
        Runlevel('5'),
        Runlevel('6'),
        Runlevel('S'),
    ];

    pub fn from_char(c: char) -> Option<Runlevel> {
        match c {
            '0'..='6' => Some(Runlevel(c)),
            'S' | 's' => Some(Runlevel('S')),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        self.0
    }

    /// The numeric level, `None` for `S`.
    pub fn number(self) -> Option<u8> {
        self.0.to_digit(10).map(|d| d as u8)
    }
}

impl Serialize for Runlevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.0)
    }
}

/// Parses a runlevel list such as `2 3 4 5`, `2345` or `S`. Tokens that are
/// not runlevels are returned separately so the caller can report them.
pub fn parse_runlevels(text: &str) -> (Vec<Runlevel>, Vec<String>) {
    let mut levels = Vec::new();
    let mut bad = Vec::new();
    for token in text.split_whitespace() {
        // CentOS ships `Default-Start:  2345` (cronie), so a token of several
        // runlevel characters is read as several runlevels.
        match token
            .chars()
            .map(Runlevel::from_char)
            .collect::<Option<Vec<_>>>()
        {
            Some(found) => levels.extend(found),
            None => bad.push(token.to_string()),
        }
    }
    levels.sort();
    levels.dedup();
    (levels, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runlevel_lists() {
        let (levels, bad) = parse_runlevels("2 3 4 5");
        assert_eq!(
            levels.iter().map(|l| l.as_char()).collect::<String>(),
            "2345"
        );
        assert!(bad.is_empty());
        let (levels, bad) = parse_runlevels("2345 S 90");
        assert_eq!(
            levels.iter().map(|l| l.as_char()).collect::<String>(),
            "2345S"
        );
        assert_eq!(bad, vec!["90"]);
        assert_eq!(Runlevel::from_char('s').map(Runlevel::number), Some(None));
        assert_eq!(Runlevel::from_char('3').and_then(Runlevel::number), Some(3));
        assert_eq!(Runlevel::from_char('7'), None);
        assert_eq!(serde_json::to_string(&Runlevel::ALL[7]).unwrap(), "\"S\"");
    }
}
