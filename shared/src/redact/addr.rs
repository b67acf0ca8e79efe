//! Keyed, prefix-preserving maps for IPv4, IPv6 and MAC addresses.
//!
//! Each bit that may change is flipped or not by a keyed hash of the bits
//! before it (the Crypto-PAn construction), so two addresses that share an
//! n-bit prefix still share one afterwards and the map is a bijection. The
//! bits that say what kind of address it is (the 10/8 of a private address,
//! the locally administered bit of a MAC) are never touched.

use std::net::{Ipv4Addr, Ipv6Addr};

/// SipHash-2-4: written out here so that a map file written by one build
/// gives the same answers in every later one (std's hasher makes no such
/// promise).
fn siphash(key: &[u8; 16], data: &[u8]) -> u64 {
    let k0 = u64::from_le_bytes(key[..8].try_into().unwrap());
    let k1 = u64::from_le_bytes(key[8..].try_into().unwrap());
    let mut v = [
        k0 ^ 0x736f6d6570736575,
        k1 ^ 0x646f72616e646f6d,
        k0 ^ 0x6c7967656e657261,
        k1 ^ 0x7465646279746573,
    ];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    let compress = |m: u64, v: &mut [u64; 4]| {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
    };
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        compress(u64::from_le_bytes(c.try_into().unwrap()), &mut v);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    last[7] = data.len() as u8;
    compress(u64::from_le_bytes(last), &mut v);
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// Flips the bits of `x` (`width` bits wide, most significant first) that
/// `mask` selects, each by a hash of the original bits before it. `domain`
/// separates IPv4, IPv6 and MAC uses of the one key.
fn permute(key: &[u8; 16], domain: u8, x: u128, width: u32, mask: u128) -> u128 {
    let mut out = x;
    for i in 0..width {
        let bit = 1u128 << (width - 1 - i);
        if mask & bit == 0 {
            continue;
        }
        let prefix = if i == 0 { 0 } else { x >> (width - i) };
        let mut buf = [0u8; 18];
        buf[0] = domain;
        buf[1] = i as u8;
        buf[2..].copy_from_slice(&prefix.to_le_bytes());
        if siphash(key, &buf) & 1 == 1 {
            out ^= bit;
        }
    }
    out
}

/// Bits `from..to` (counted from the most significant) of a `width`-bit value.
fn bits(width: u32, from: u32, to: u32) -> u128 {
    let ones = |n: u32| {
        if n >= 128 {
            u128::MAX
        } else {
            (1u128 << n) - 1
        }
    };
    ones(width - from) & !ones(width - to)
}

/// Addresses that name a well-known service, not this host: the cloud
/// metadata, time and DNS endpoints.
const WELL_KNOWN_V4: &[[u8; 4]] = &[
    [169, 254, 169, 254],
    [169, 254, 169, 253],
    [169, 254, 169, 123],
    [169, 254, 170, 2],
];

/// How many leading bits say what class a v4 address is in; `None` for
/// addresses kept as they are (this-network, loopback, multicast and above).
fn v4_class(a: Ipv4Addr) -> Option<u32> {
    let o = a.octets();
    match o {
        [0 | 127, ..] => None,
        [224..=255, ..] => None,
        _ if WELL_KNOWN_V4.contains(&o) => None,
        [10, ..] => Some(8),
        [172, 16..=31, ..] => Some(12),
        [192, 168, ..] | [169, 254, ..] => Some(16),
        [100, 64..=127, ..] => Some(10),
        [198, 18..=19, ..] => Some(15),
        _ => Some(0),
    }
}

pub fn map_v4(key: &[u8; 16], a: Ipv4Addr) -> Ipv4Addr {
    let Some(keep) = v4_class(a) else { return a };
    let x = u32::from(a) as u128;
    let mut y = permute(key, 4, x, 32, bits(32, keep, 24));
    // A public address must not land in a special range: walk the cycle
    // of the permutation until it leaves them (it does, since x is public).
    while keep == 0 && v4_class(Ipv4Addr::from(y as u32)) != Some(0) {
        y = permute(key, 4, y, 32, bits(32, 0, 24));
    }
    // The last octet keeps .0 and .255 (network and broadcast of a /24)
    // and never becomes one of them.
    let low = x & 0xff;
    if low != 0 && low != 255 {
        let mut l = permute(key, 5, x, 32, 0xff) & 0xff;
        while l == 0 || l == 255 {
            l = permute(key, 5, (x & !0xff) | l, 32, 0xff) & 0xff;
        }
        y = (y & !0xff) | l;
    }
    Ipv4Addr::from(y as u32)
}

pub fn map_v6(key: &[u8; 16], a: Ipv6Addr) -> Ipv6Addr {
    if let Some(v4) = a.to_ipv4_mapped() {
        return map_v4(key, v4).to_ipv6_mapped();
    }
    let s = a.segments();
    let keep = match s[0] {
        0xfe80..=0xfebf => 64,
        0xfc00..=0xfdff => 7,
        0x2000..=0x3fff => 3,
        _ => return a,
    };
    let x = u128::from(a);
    let net = permute(key, 6, x, 128, bits(128, keep, 64)) & bits(128, 0, 64);
    let b = a.octets();
    // An EUI-64 interface id is the MAC: map it as the MAC is mapped, so
    // the two stay consistent.
    let iid = if b[11] == 0xff && b[12] == 0xfe {
        let mac = map_mac(key, [b[8] ^ 2, b[9], b[10], b[13], b[14], b[15]]);
        u64::from_be_bytes([
            mac[0] ^ 2,
            mac[1],
            mac[2],
            0xff,
            0xfe,
            mac[3],
            mac[4],
            mac[5],
        ]) as u128
    } else {
        permute(key, 6, x, 128, bits(128, 64, 128)) & bits(128, 64, 128)
    };
    Ipv6Addr::from(net | iid)
}

/// MACs: broadcast, zero and multicast ones are kept. A universally
/// administered MAC keeps its vendor prefix (it says which hypervisor, not
/// which host); a locally administered one keeps only its two flag bits.
pub fn map_mac(key: &[u8; 16], m: [u8; 6]) -> [u8; 6] {
    if m == [0; 6] || m[0] & 1 == 1 {
        return m;
    }
    let mut x = [0u8; 16];
    x[10..].copy_from_slice(&m);
    let x = u128::from_be_bytes(x);
    let mask = if m[0] & 2 == 0 {
        bits(48, 24, 48)
    } else {
        bits(48, 0, 48) & !(0x03u128 << 40)
    };
    let y = permute(key, 48, x, 48, mask).to_be_bytes();
    y[10..].try_into().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: [u8; 16] = *b"0123456789abcdef";

    fn v4(s: &str) -> Ipv4Addr {
        map_v4(&K, s.parse().unwrap())
    }

    #[test]
    fn siphash_reference_vector() {
        // The SipHash-2-4 paper's test vector: key 00..0f, message 00..0e.
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let msg: Vec<u8> = (0..15).collect();
        assert_eq!(siphash(&key, &msg), 0xa129ca6149be45e5);
    }

    #[test]
    fn v4_classes_and_subnets() {
        for (a, b) in [("10.1.2.3", "10.1.2.77"), ("192.168.5.10", "192.168.5.200")] {
            let (x, y) = (v4(a).octets(), v4(b).octets());
            assert_eq!(x[..3], y[..3], "{a} {b} left their /24");
            assert_ne!(v4(a).to_string(), a);
        }
        assert!(v4("10.9.8.7").octets()[0] == 10);
        assert!(v4("172.20.1.1").is_private() && v4("192.168.1.1").is_private());
        assert_eq!(v4("169.254.3.4").octets()[..2], [169, 254]);
        for kept in [
            "127.0.0.1",
            "0.0.0.0",
            "169.254.169.254",
            "224.0.0.251",
            "255.255.255.255",
        ] {
            assert_eq!(v4(kept).to_string(), kept);
        }
        assert_eq!(v4("10.4.5.0").octets()[3], 0);
        assert_eq!(v4("10.4.5.255").octets()[3], 255);
        for i in 0..2000u32 {
            let a = Ipv4Addr::from(0x0800_0000 + i * 7919 * 13);
            if v4_class(a) == Some(0) {
                let m = map_v4(&K, a);
                assert_eq!(v4_class(m), Some(0), "{a} -> {m}");
                assert!(!matches!(m.octets()[3], 0 | 255) || matches!(a.octets()[3], 0 | 255));
            }
        }
    }

    #[test]
    fn v4_is_one_to_one_within_a_subnet() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..=255u8 {
            assert!(seen.insert(map_v4(&K, Ipv4Addr::new(10, 0, 0, i))));
        }
    }

    #[test]
    fn v6_classes_and_eui64() {
        let m = |s: &str| map_v6(&K, s.parse().unwrap());
        assert_eq!(m("::1"), "::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(m("ff02::1"), "ff02::1".parse::<Ipv6Addr>().unwrap());
        let ll = m("fe80::5054:ff:fe12:3456");
        assert_eq!(ll.segments()[..4], [0xfe80, 0, 0, 0]);
        let mac = map_mac(&K, [0x52, 0x54, 0, 0x12, 0x34, 0x56]);
        let o = ll.octets();
        assert_eq!([o[8] ^ 2, o[9], o[10], o[13], o[14], o[15]], mac);
        let (a, b) = (m("fd00::2"), m("fd00::3"));
        assert_eq!(a.segments()[..4], b.segments()[..4]);
        assert_eq!(a.segments()[0] & 0xfe00, 0xfc00);
        assert_eq!(m("2001:db8::1").segments()[0] & 0xe000, 0x2000);
        assert_eq!(
            m("::ffff:10.1.2.3").to_ipv4_mapped().unwrap().octets()[0],
            10
        );
    }

    #[test]
    fn mac_flags_and_vendor() {
        // VMware's prefix, universally administered.
        let m = map_mac(&K, [0x00, 0x50, 0x56, 0x12, 0x34, 0x56]);
        assert_eq!(m[..3], [0x00, 0x50, 0x56]);
        assert_ne!(m[3..], [0x12, 0x34, 0x56]);
        let l = map_mac(&K, [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]);
        assert_eq!(l[0] & 3, 2);
        assert_ne!(l, [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]);
        assert_eq!(map_mac(&K, [0xff; 6]), [0xff; 6]);
        assert_eq!(
            map_mac(&K, [0x01, 0, 0x5e, 1, 2, 3]),
            [0x01, 0, 0x5e, 1, 2, 3]
        );
    }
}
