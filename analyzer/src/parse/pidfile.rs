//! Pid files (`/run/sshd.pid`, `/var/run/crond.pid`): the pid of a daemon,
//! which ties a running process to the service that wrote the file.
//!
//! Only the first line counts: some daemons write more after it (haproxy
//! writes one pid per line, and the first is the master), and many
//! scripts leave surrounding whitespace. Sample: `1234\n`.

use super::{ParseError, Parsed};

/// The pid in a pid file.
pub fn parse(bytes: &[u8]) -> Parsed<u32> {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let text = String::from_utf8_lossy(first);
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(0) => Err(ParseError::at_line(1, "pid 0 is not a process")),
        Ok(pid) => super::whole(pid),
        Err(_) if text.is_empty() => Err(ParseError::at_line(1, "empty pid file")),
        Err(_) => Err(ParseError::at_line(
            1,
            format!("not a pid: {}", super::shown(text)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_as_daemons_write_them() {
        // start-stop-daemon --make-pidfile and most daemons write "%d\n".
        assert_eq!(parse(b"1234\n").map(|p| p.value), Ok(1234));
        assert_eq!(parse(b"  42 \r\n").map(|p| p.value), Ok(42));
        assert_eq!(parse(b"801\n802\n803\n").map(|p| p.value), Ok(801));
        assert_eq!(parse(b"77").map(|p| p.value), Ok(77));
    }

    #[test]
    fn rejects_what_is_not_a_pid() {
        assert_eq!(
            parse(b"").map(|p| p.value).unwrap_err().message,
            "empty pid file"
        );
        assert_eq!(
            parse(b"\n1234\n").map(|p| p.value).unwrap_err().message,
            "empty pid file"
        );
        assert!(parse(b"0\n").map(|p| p.value).is_err());
        assert!(parse(b"-5\n").map(|p| p.value).is_err());
        assert!(parse(b"99999999999\n").map(|p| p.value).is_err());
        assert!(parse(b"12ab\n").map(|p| p.value).is_err());
        assert!(parse(b"\xff\xfe").map(|p| p.value).is_err());
    }
}
