//! X.509 certificates as a configuration names them (PEM or DER): the
//! subject, the subject alternative names and the end of validity. A
//! minimal DER reader of the few fields a migration needs, bounded by the
//! input's own lengths; no crate (x509-parser would add nom, asn1-rs,
//! der-parser, oid-registry and time to the analyzer's build for four
//! fields).
//!
//! ```text
//! -----BEGIN CERTIFICATE-----
//! MIIDJTCCAg2gAwIBAgIU...   (openssl req -x509 ... -subj /CN=shop.example.com)
//! -----END CERTIFICATE-----
//! ```

use serde::Serialize;

use super::{ParseError, Parsed, Partial};

/// Most certificates read from one file (a chain: the first is the leaf).
pub const MAX_CERTS: usize = 16;
/// Most names kept from one certificate's SAN extension.
const MAX_NAMES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// The subject as `CN=..., O=...` (common name, organisation, unit, country).
    pub subject: String,
    /// DNS names and IP addresses (`IP:10.0.0.5`) of subjectAltName.
    pub sans: Vec<String>,
    /// End of validity, UTC, RFC 3339.
    pub not_after: String,
    /// The same, in seconds since the Unix epoch.
    pub not_after_unix: i64,
}

/// Every certificate of a PEM file (its CERTIFICATE blocks, in order) or
/// the one of a DER file.
pub fn parse(bytes: &[u8]) -> Parsed<Vec<Certificate>> {
    if bytes.first() == Some(&0x30) {
        return Ok(Partial::whole(vec![der(bytes)?]));
    }
    let text = super::text(bytes);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body = &after[label_end + 5..];
        let Some(end) = body.find("-----END ") else {
            return Err(ParseError::new(format!(
                "PEM block {label} has no END line"
            )));
        };
        if label.ends_with("CERTIFICATE") {
            if out.len() >= MAX_CERTS {
                break;
            }
            let der_bytes = base64(&body[..end])
                .ok_or_else(|| ParseError::new(format!("PEM block {label}: not base64")))?;
            out.push(der(&der_bytes)?);
        }
        rest = &body[end + 9..];
    }
    if out.is_empty() {
        return Err(ParseError::new(
            "neither a DER certificate nor a PEM file holding a CERTIFICATE block",
        ));
    }
    Ok(Partial::whole(out))
}

fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// One TLV: its tag, its content, and what follows it.
fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), ParseError> {
    let bad = |what: &str| ParseError::new(format!("DER: {what}"));
    let (&tag, rest) = b.split_first().ok_or_else(|| bad("ends early"))?;
    let (&len0, rest) = rest.split_first().ok_or_else(|| bad("ends early"))?;
    let (len, rest) = match len0 {
        0..=0x7f => (len0 as usize, rest),
        0x81..=0x84 => {
            let n = (len0 & 0x7f) as usize;
            if rest.len() < n {
                return Err(bad("length ends early"));
            }
            let len = rest[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
            (len, &rest[n..])
        }
        _ => return Err(bad("unsupported length form")),
    };
    if rest.len() < len {
        return Err(bad("a field runs past the end"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(b: &'a [u8], tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), ParseError> {
    let (t, content, rest) = tlv(b)?;
    if t != tag {
        return Err(ParseError::new(format!(
            "DER: {what}: tag 0x{t:02x}, expected 0x{tag:02x}"
        )));
    }
    Ok((content, rest))
}

fn der(b: &[u8]) -> Result<Certificate, ParseError> {
    let (cert, _) = expect(b, 0x30, "certificate")?;
    let (tbs, _) = expect(cert, 0x30, "tbsCertificate")?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    rest = expect(rest, 0x02, "serial number")?.1;
    rest = expect(rest, 0x30, "signature algorithm")?.1;
    rest = expect(rest, 0x30, "issuer")?.1;
    let (validity, after) = expect(rest, 0x30, "validity")?;
    let (_, _, after_before) = tlv(validity)?;
    let (tag, not_after, _) = tlv(after_before)?;
    let (not_after, not_after_unix) = time(tag, not_after)?;
    let (subject, mut rest) = expect(after, 0x30, "subject")?;
    let subject = name(subject)?;
    rest = expect(rest, 0x30, "subject public key info")?.1;
    let mut sans = Vec::new();
    while !rest.is_empty() {
        let (tag, content, next) = tlv(rest)?;
        if tag == 0xa3 {
            sans = alt_names(content)?;
        }
        rest = next;
    }
    Ok(Certificate {
        subject,
        sans,
        not_after,
        not_after_unix,
    })
}

const ATTRS: &[(&[u8], &str)] = &[
    (&[0x55, 0x04, 0x03], "CN"),
    (&[0x55, 0x04, 0x0b], "OU"),
    (&[0x55, 0x04, 0x0a], "O"),
    (&[0x55, 0x04, 0x06], "C"),
];

fn name(mut b: &[u8]) -> Result<String, ParseError> {
    let mut parts: Vec<(usize, String)> = Vec::new();
    while !b.is_empty() {
        let (set, next) = expect(b, 0x31, "name component")?;
        let (atv, _) = expect(set, 0x30, "attribute")?;
        let (oid, value) = expect(atv, 0x06, "attribute type")?;
        let (_, value, _) = tlv(value)?;
        if let Some(i) = ATTRS.iter().position(|(o, _)| *o == oid) {
            let v: String = String::from_utf8_lossy(value).chars().take(256).collect();
            parts.push((i, format!("{}={v}", ATTRS[i].1)));
        }
        b = next;
    }
    parts.sort_by_key(|(i, _)| *i);
    Ok(parts
        .into_iter()
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(", "))
}

const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];

fn alt_names(b: &[u8]) -> Result<Vec<String>, ParseError> {
    let (mut exts, _) = expect(b, 0x30, "extensions")?;
    while !exts.is_empty() {
        let (ext, next) = expect(exts, 0x30, "extension")?;
        exts = next;
        let (oid, mut rest) = expect(ext, 0x06, "extension id")?;
        if oid != SAN_OID {
            continue;
        }
        if rest.first() == Some(&0x01) {
            rest = tlv(rest)?.2;
        }
        let (value, _) = expect(rest, 0x04, "extension value")?;
        let (mut names, _) = expect(value, 0x30, "subjectAltName")?;
        let mut out = Vec::new();
        while !names.is_empty() && out.len() < MAX_NAMES {
            let (tag, v, next) = tlv(names)?;
            names = next;
            match (tag, v.len()) {
                (0x82, _) => out.push(String::from_utf8_lossy(v).chars().take(256).collect()),
                (0x87, 4) => out.push(format!("IP:{}.{}.{}.{}", v[0], v[1], v[2], v[3])),
                (0x87, 16) => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(v);
                    out.push(format!("IP:{}", std::net::Ipv6Addr::from(a)));
                }
                _ => {}
            }
        }
        return Ok(out);
    }
    Ok(Vec::new())
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, v: &[u8]) -> Result<(String, i64), ParseError> {
    let s = std::str::from_utf8(v).map_err(|_| ParseError::new("DER: time is not text"))?;
    let digits = |r: std::ops::Range<usize>| -> Result<i64, ParseError> {
        s.get(r)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| ParseError::new(format!("DER: time {s:?}")))
    };
    let (year, at) = match tag {
        0x17 => {
            let y = digits(0..2)?;
            (if y >= 50 { 1900 + y } else { 2000 + y }, 2)
        }
        0x18 => (digits(0..4)?, 4),
        _ => return Err(ParseError::new(format!("DER: time tag 0x{tag:02x}"))),
    };
    let (mo, d) = (digits(at..at + 2)?, digits(at + 2..at + 4)?);
    let (h, mi, sec) = (
        digits(at + 4..at + 6)?,
        digits(at + 6..at + 8)?,
        digits(at + 8..at + 10)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(ParseError::new(format!("DER: time {s:?}")));
    }
    let days = days_from_civil(year, mo, d);
    Ok((
        format!("{year:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z"),
        days * 86_400 + h * 3600 + mi * 60 + sec,
    ))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256
    /// -nodes -days 3650 -subj /CN=shop.example.com/O=Shop -addext
    /// subjectAltName=DNS:shop.example.com,IP:10.0.0.5` (OpenSSL 3.0.19, 2026-12-07).
    const PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBzDCCAXKgAwIBAgIUBuvtXS0EDg7+Bjt4TNFmnzwNlnIwCgYIKoZIzj0EAwIw
KjEZMBcGA1UEAwwQc2hvcC5leGFtcGxlLmNvbTENMAsGA1UECgwEU2hvcDAeFw0y
NjEyMDcwNTI1NTdaFw0zNjEyMDQwNTI1NTdaMCoxGTAXBgNVBAMMEHNob3AuZXhh
bXBsZS5jb20xDTALBgNVBAoMBFNob3AwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAQpgSxbDiNk/YeZzDFjnKthExKyIx1WtGNFbWQX8p3Wz3oyg8ZMlTLDetZasWl1
hSLKX2gOEKsujN3uJkas1+6go3YwdDAdBgNVHQ4EFgQUI3ok2A/oAPU2be3Vbyxa
xjGJe2QwHwYDVR0jBBgwFoAUI3ok2A/oAPU2be3VbyxaxjGJe2QwDwYDVR0TAQH/
BAUwAwEB/zAhBgNVHREEGjAYghBzaG9wLmV4YW1wbGUuY29thwQKAAAFMAoGCCqG
SM49BAMCA0gAMEUCIFycFPpdHI/G/Rtc2Vv4wL7OFgApspH3sFijnIAr/uaOAiEA
03di55iQvEEph97O0oubTiMV5p4iTdeyLrSB/7J9lRg=
-----END CERTIFICATE-----
";

    #[test]
    fn reads_subject_sans_and_expiry() {
        let certs = parse(PEM.as_bytes()).map(|p| p.value).unwrap();
        assert_eq!(certs.len(), 1);
        let c = &certs[0];
        assert_eq!(c.subject, "CN=shop.example.com, O=Shop");
        assert_eq!(c.sans, ["shop.example.com", "IP:10.0.0.5"]);
        assert_eq!(c.not_after, "2036-12-04T05:25:57Z");
        assert_eq!(c.not_after_unix, 2_111_981_157);
    }

    #[test]
    fn refuses_what_is_not_a_certificate() {
        for bad in [
            &b"hello"[..],
            b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n",
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30],
            &[0x30, 0x03, 0x02, 0x01, 0x00],
            &[0x30],
        ] {
            assert!(parse(bad).map(|p| p.value).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_truncated_certificate_is_an_error_at_every_cut() {
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64(&body).unwrap();
        for cut in 0..der.len() {
            assert!(parse(&der[..cut]).map(|p| p.value).is_err(), "cut at {cut}");
        }
        assert!(parse(&der).map(|p| p.value).is_ok());
    }
}
