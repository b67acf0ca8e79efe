//! Multipath WWIDs: a SAN LUN that the target will not see. From
//! `/etc/multipath/wwids` (`/WWID/` per line), `/etc/multipath/bindings`
//! (`ALIAS WWID`) and multipath.conf(5) `wwid` lines outside the
//! `blacklist` and `blacklist_exceptions` sections.
//!
//! Sample (/etc/multipath/wwids, as multipathd writes it):
//!
//! ```text
//! # Valid WWIDs:
//! /3600508b4000156d700012000000b0000/
//! ```

use super::{lines, Declared, Found, Kind};
use crate::parse::{Parsed, Partial};

fn wwid(s: &str) -> Option<&str> {
    let s = s.trim_matches(|c| c == '/' || c == '"');
    (s.len() >= 8
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(s)
}

pub fn wwids(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#']) {
        if let Some(w) = wwid(line) {
            found.push(Declared::new(n, Kind::San, w, None));
        }
    }
    Ok(Partial::whole(found))
}

pub fn bindings(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    for (n, line) in lines(&text, &['#']) {
        if let Some(w) = line.split_whitespace().nth(1).and_then(wwid) {
            found.push(Declared::new(n, Kind::San, w, None));
        }
    }
    Ok(Partial::whole(found))
}

pub fn conf(bytes: &[u8]) -> Parsed<Found> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Found::default();
    let mut depth = 0usize;
    let mut blacklist = false;
    for (n, line) in lines(&text, &['#']) {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if depth == 0 && line.contains('{') {
            blacklist = first.starts_with("blacklist");
        }
        if first == "wwid" && !blacklist {
            if let Some(w) = words.next().and_then(wwid) {
                found.push(Declared::new(n, Kind::San, w, None));
            }
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
    }
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        let w = wwids(b"# Multipath wwids, Version : 1.0\n/3600508b4000156d700012000000b0000/\n")
            .unwrap()
            .value;
        assert_eq!(w.value[0].target, "3600508b4000156d700012000000b0000");
        assert_eq!(w.value[0].line, 2);
        let b = bindings(b"# Format:\nmpatha 3600508b4000156d700012000000b0000\n")
            .unwrap()
            .value;
        assert_eq!(b.value[0].target, "3600508b4000156d700012000000b0000");
        let c = conf(
            b"blacklist {\n    wwid 26353900f02796769\n}\nmultipaths {\n    multipath {\n        wwid 3600508b4000156d700012000000b0000\n        alias yellow\n    }\n}\n",
        ).unwrap().value;
        let got: Vec<_> = c
            .value
            .iter()
            .map(|d| (d.line, d.target.as_str()))
            .collect();
        assert_eq!(got, [(6, "3600508b4000156d700012000000b0000")]);
    }
}
