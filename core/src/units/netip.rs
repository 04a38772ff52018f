//! The two pieces of Go's `net` package that `nat.ParsePortSpec` relies on:
//! `net.ParseIP` (validity only) and `net.SplitHostPort`.

use super::UnitError;

/// Go's `net.ParseIP(s) != nil` (Go 1.24, which delegates to `netip.ParseAddr` and rejects
/// zones).
///
/// * IPv4: exactly four dot-separated decimal fields 0–255, no empty field, **no leading
///   zero** (`1.2.3.04` is rejected since Go 1.17), no other character.
/// * IPv6: up to eight hex groups of 1–4 digits (leading zeros allowed, `0001::` ok,
///   `00000::` not), at most one `::` which must stand for at least one group
///   (`1:2:3:4:5:6:7::` ok, `1:2:3:4:5:6:7:8::` not), optionally ending in an embedded
///   IPv4 in place of the last two groups (`::ffff:1.2.3.4`, `1:2:3:4:5:6:1.2.3.4`).
/// * anything with a `%` zone (`fe80::1%eth0`) or no `.`/`:` at all (`localhost`) is
///   rejected. Brackets are not part of the syntax.
pub fn go_parse_ip(s: &str) -> bool {
    let b = s.as_bytes();
    if b.contains(&b'%') {
        // Either parsed with a zone (then rejected by net.ParseIP) or an error.
        return false;
    }
    match b.iter().find(|&&c| c == b'.' || c == b':') {
        Some(b'.') => parse_ipv4_fields(b).is_some(),
        Some(_) => parse_ipv6(b),
        None => false,
    }
}

/// Go's `netip.parseIPv4Fields` over the whole slice.
fn parse_ipv4_fields(s: &[u8]) -> Option<[u8; 4]> {
    let mut fields = [0u8; 4];
    let mut val: u32 = 0;
    let mut pos = 0usize;
    let mut dig_len = 0usize;
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return None; // leading zero
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return None;
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s.get(i - 1) == Some(&b'.') {
                return None;
            }
            if pos == 3 {
                return None; // too long
            }
            *fields.get_mut(pos)? = val as u8;
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            return None;
        }
    }
    if pos < 3 {
        return None;
    }
    fields[3] = val as u8;
    Some(fields)
}

/// Go's `netip.parseIPv6` (zone already excluded by the caller), validity only.
fn parse_ipv6(input: &[u8]) -> bool {
    let mut s = input;
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return true;
        }
    }
    let mut i = 0usize; // bytes of the 16-byte address filled
    while i < 16 {
        let mut off = 0usize;
        let mut acc: u32 = 0;
        while let Some(&c) = s.get(off) {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => break,
            };
            acc = (acc << 4) + u32::from(d);
            if off > 3 || acc > 0xffff {
                return false;
            }
            off += 1;
        }
        if off == 0 {
            return false;
        }
        if s.get(off) == Some(&b'.') {
            // Trailing embedded IPv4.
            if ellipsis.is_none() && i != 12 {
                return false;
            }
            if i + 4 > 16 {
                return false;
            }
            if parse_ipv4_fields(s).is_none() {
                return false;
            }
            s = &[];
            i += 4;
            break;
        }
        i += 2;
        s = s.get(off..).unwrap_or_default();
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return false;
        }
        s = &s[1..];
        if s.first() == Some(&b':') {
            if ellipsis.is_some() {
                return false; // multiple ::
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return false; // trailing garbage
    }
    if i < 16 {
        ellipsis.is_some()
    } else {
        // "::" must expand to at least one group of zeros.
        ellipsis.is_none()
    }
}

/// Go's `net.SplitHostPort`: splits `host:port`, `[host]:port` (the brackets are removed);
/// errors are worded like Go's `*net.AddrError`: `address <s>: <reason>` with reasons
/// `missing port in address`, `too many colons in address`, `missing ']' in address`,
/// `unexpected '[' in address`, `unexpected ']' in address`.
pub fn go_split_host_port(hostport: &str) -> Result<(String, String), UnitError> {
    let err = |why: &str| UnitError::new(format!("address {hostport}: {why}"));
    let b = hostport.as_bytes();
    let Some(i) = b.iter().rposition(|&c| c == b':') else {
        return Err(err("missing port in address"));
    };
    let (host, j, k);
    if b.first() == Some(&b'[') {
        let Some(end) = b.iter().position(|&c| c == b']') else {
            return Err(err("missing ']' in address"));
        };
        if end + 1 == b.len() {
            return Err(err("missing port in address"));
        } else if end + 1 != i {
            if b.get(end + 1) == Some(&b':') {
                return Err(err("too many colons in address"));
            }
            return Err(err("missing port in address"));
        }
        host = hostport.get(1..end).unwrap_or_default();
        j = 1;
        k = end + 1;
    } else {
        host = hostport.get(..i).unwrap_or_default();
        if host.contains(':') {
            return Err(err("too many colons in address"));
        }
        j = 0;
        k = 0;
    }
    if b.get(j..).unwrap_or_default().contains(&b'[') {
        return Err(err("unexpected '[' in address"));
    }
    if b.get(k..).unwrap_or_default().contains(&b']') {
        return Err(err("unexpected ']' in address"));
    }
    let port = hostport.get(i + 1..).unwrap_or_default();
    Ok((host.to_string(), port.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4() {
        for s in ["127.0.0.1", "0.0.0.0", "255.255.255.255", "1.2.3.4"] {
            assert!(go_parse_ip(s), "{s}");
        }
        for s in [
            "1.2.3.04",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            ".1.2.3",
            "1.2.3.",
            "1..2.3",
            "1.2.3.4 ",
            "a.b.c.d",
            "",
            "localhost",
            "1.2.3.4%x",
        ] {
            assert!(!go_parse_ip(s), "{s}");
        }
    }

    #[test]
    fn ipv6() {
        for s in [
            "::",
            "::1",
            "fe80::1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "::1.2.3.4",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "0001::",
            "ABCD::ef",
        ] {
            assert!(go_parse_ip(s), "{s}");
        }
        for s in [
            "1::2::3",
            "12345::",
            "00000::",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "0:0:0:0:0:0:0:0:0",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5:6:7",
            ":1",
            "1:",
            ":::",
            "fe80::1%eth0",
            "fe80::1%",
            "::1.2.3.04",
            "1.2.3.4::",
            "g::",
            "::1 ",
        ] {
            assert!(!go_parse_ip(s), "{s}");
        }
    }

    #[test]
    fn split_host_port() {
        let ok = |s: &str| match go_split_host_port(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        };
        let err = |s: &str| match go_split_host_port(s) {
            Ok(v) => panic!("{s}: {v:?}"),
            Err(e) => e.message,
        };
        assert_eq!(ok(":"), (String::new(), String::new()));
        assert_eq!(ok("1.2.3.4:"), ("1.2.3.4".to_string(), String::new()));
        assert_eq!(ok("[::1]:"), ("::1".to_string(), String::new()));
        assert_eq!(ok("[]:"), (String::new(), String::new()));
        assert_eq!(ok("h:80"), ("h".to_string(), "80".to_string()));
        assert_eq!(err("::1:"), "address ::1:: too many colons in address");
        assert_eq!(err("[::1:"), "address [::1:: missing ']' in address");
        assert_eq!(err("x]:"), "address x]:: unexpected ']' in address");
        assert_eq!(err("x[:"), "address x[:: unexpected '[' in address");
        assert_eq!(err("[::1]x:"), "address [::1]x:: missing port in address");
        assert_eq!(err("[[::1]]:"), "address [[::1]]:: missing port in address");
        assert_eq!(err("[::1]"), "address [::1]: missing port in address");
        assert_eq!(err("[a]:b:"), "address [a]:b:: too many colons in address");
        assert_eq!(err("[a[]:"), "address [a[]:: unexpected '[' in address");
        assert_eq!(err("nocolon"), "address nocolon: missing port in address");
    }
}
