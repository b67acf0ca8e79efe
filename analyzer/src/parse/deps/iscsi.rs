//! open-iscsi node records (iscsiadm(8) writes one per target portal:
//! `nodes/IQN/ADDRESS,PORT,TPGT/default`, or the older
//! `nodes/IQN/ADDRESS,PORT` file): the portal the host logs in to,
//! `node.conn[0].address` and `node.conn[0].port` (3260 by default).
//!
//! Sample (as `iscsiadm -m discovery -t st -p 10.1.5.20` records it):
//!
//! ```text
//! node.name = iqn.2004-04.com.qnap:ts-453:iscsi.lun1
//! node.startup = automatic
//! node.conn[0].address = 10.1.5.20
//! node.conn[0].port = 3260
//! ```

use super::{key_value, lines, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

pub fn parse(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut address: Option<(usize, String)> = None;
    let mut port = None;
    for (n, line) in lines(&text, &['#']) {
        match key_value(line) {
            Some(("node.conn[0].address", v)) => address = Some((n, v.to_string())),
            Some(("node.conn[0].port", v)) => port = v.parse().ok(),
            _ => {}
        }
    }
    if let Some((n, a)) = address {
        found.push(Declared::new(n, Kind::Iscsi, a, port.or(Some(3260))));
    }
    Ok(Partial::whole(found))
}

/// The portal in a node record's directory name: `ADDRESS,PORT[,TPGT]`.
pub fn portal(name: &str) -> Option<(String, Option<u16>)> {
    let mut parts = name.rsplitn(3, ',').collect::<Vec<_>>();
    parts.reverse();
    match parts[..] {
        [a, p, _] | [a, p] if !a.is_empty() => Some((a.to_string(), p.parse().ok())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_record() {
        // Hand-written as iscsiadm(8) records a discovered portal
        // (open-iscsi 2.1, fixtures/README.md).
        let f = parse(
            b"# BEGIN RECORD 2.1.8\nnode.name = iqn.2004-04.com.qnap:ts-453:iscsi.lun1\nnode.tpgt = 1\n\
              node.startup = automatic\nnode.session.auth.password = <redacted>\n\
              node.conn[0].address = 10.1.5.20\nnode.conn[0].port = 3260\n# END RECORD\n",
        ).unwrap().value;
        let d = &f.value[0];
        assert_eq!(
            (d.line, d.target.as_str(), d.port),
            (6, "10.1.5.20", Some(3260))
        );
        assert!(parse(b"node.name = x\n").unwrap().value.value.is_empty());
    }

    #[test]
    fn portal_names() {
        assert_eq!(
            portal("10.1.5.20,3260,1"),
            Some(("10.1.5.20".into(), Some(3260)))
        );
        assert_eq!(portal("fd00::5,3260"), Some(("fd00::5".into(), Some(3260))));
        assert_eq!(portal("default"), None);
    }
}
