//! Short port syntax: compose-go `types.ParsePortConfig`, which calls docker/go-connections
//! `nat.ParsePortSpecs` (v0.4.0 as linked into compose 2.26.1).

use super::UnitError;
use super::netip::{go_parse_ip, go_split_host_port};

/// One published port in compose's long syntax (`ServicePortConfig`), as produced from a
/// short-syntax string.
#[derive(Debug, Clone, PartialEq)]
pub struct PortConfig {
    /// `host_ip`; `None` when the spec has no IP (or an empty one, `[]:80:80`). Kept as
    /// written (brackets removed), not canonicalised: `::ffff:1.2.3.4` stays so.
    pub host_ip: Option<String>,
    /// Container port (`target`), 0–65535. Note that `"0"` parses here but compose's
    /// validation later rejects it ("is missing a target port").
    pub target: u32,
    /// `published` (a string in compose's model): a single port (`"8080"`, leading zeros
    /// dropped), a host range when a single container port is mapped from a range
    /// (`"8000-8002"`), or `None` when no host port was given (`"80"`, `":80"`, `"::80"`).
    pub published: Option<String>,
    /// `tcp`, `udp` or `sctp`, lower-cased (`80/UDP` -> `udp`).
    pub protocol: String,
    /// Always `"ingress"` for the short syntax.
    pub mode: String,
}

/// compose-go `types.ParsePortConfig(value)`: the short port syntax
/// `[[ip:]host_port:]container_port[/proto]`, ranges expanded to one entry per container
/// port.
///
/// Rules (go-connections v0.4.0 `ParsePortSpec` + compose-go), all verified on the oracle:
/// * the spec is split on **every** `:`; the last part is the container port, the one before
///   it the host port, and everything before that (re-joined with `:`) the IP. So an
///   unbracketed IPv6 address always fails (`::1:80:80` ->
///   `Invalid ip address ::1: address ::1:: too many colons in address`); use `[::1]:80:80`.
/// * the IP goes through `net.SplitHostPort(ip + ":")` (strips `[...]`) and must then be a
///   valid Go IP (`1.2.3.04`, `localhost`, zones are rejected); `[]` means no IP.
/// * `container/proto`: only the first two `/`-separated parts count (`80/tcp/x` is
///   `80/tcp`), an empty proto is `tcp` (`80/`), proto is matched case-insensitively against
///   `tcp`/`udp`/`sctp` (error keeps the original spelling: `Invalid proto: xyz`).
/// * a port or range is `N` or `N-M` with `N`, `M` plain decimal `0..=65535` (leading zeros
///   ok, no sign, no spaces) and `M >= N`; only the first two `-`-separated parts are read
///   (`80-81-99` is `80-81`).
/// * host and container ranges must have the same length, except that a single container
///   port may be mapped from a host range, which is kept as the `published` string
///   (`8000-8002:80` -> one entry, published `"8000-8002"`).
/// * **ordering**: compose-go collects the entries in a map keyed by `"<port>/<proto>"` and
///   emits them sorted by that *string*, so `99-101` yields targets 100, 101, 99.
///
/// Error texts are go-connections v0.4.0's: `Invalid containerPort: abc`,
/// `Invalid hostPort: 65536`, `No port specified: /tcp<empty>`, `Invalid proto: xyz`,
/// `Invalid ranges specified for container and host Ports: 80-82 and 8000-8001`,
/// `Invalid ip address: 256.1.1.1`.
pub fn parse_port_short(s: &str) -> Result<Vec<PortConfig>, UnitError> {
    let (raw_ip, host_port, container) = split_parts(s);
    let (proto, container_port) = split_proto_port(container);

    let (ip, _) = go_split_host_port(&format!("{raw_ip}:"))
        .map_err(|e| UnitError::new(format!("Invalid ip address {raw_ip}: {}", e.message)))?;
    if !ip.is_empty() && !go_parse_ip(&ip) {
        return Err(UnitError::new(format!("Invalid ip address: {ip}")));
    }
    if container_port.is_empty() {
        return Err(UnitError::new(format!("No port specified: {s}<empty>")));
    }
    let (start, end) = parse_port_range(container_port)
        .map_err(|_| UnitError::new(format!("Invalid containerPort: {container_port}")))?;
    let (mut host_start, mut host_end) = (0u32, 0u32);
    if !host_port.is_empty() {
        (host_start, host_end) = parse_port_range(host_port)
            .map_err(|_| UnitError::new(format!("Invalid hostPort: {host_port}")))?;
    }
    if !host_port.is_empty() && end - start != host_end - host_start && end != start {
        return Err(UnitError::new(format!(
            "Invalid ranges specified for container and host Ports: {container_port} and {host_port}"
        )));
    }
    let proto_lower = proto.to_lowercase();
    if !matches!(proto_lower.as_str(), "tcp" | "udp" | "sctp") {
        return Err(UnitError::new(format!("Invalid proto: {proto}")));
    }

    let host_ip = if ip.is_empty() { None } else { Some(ip) };
    let mut entries: Vec<(String, PortConfig)> = Vec::new();
    for i in 0..=(end - start) {
        let target = start + i;
        let published = if host_port.is_empty() {
            None
        } else if start == end && host_start != host_end {
            Some(format!("{host_start}-{host_end}"))
        } else {
            Some((host_start + i).to_string())
        };
        entries.push((
            format!("{target}/{proto_lower}"),
            PortConfig {
                host_ip: host_ip.clone(),
                target,
                published,
                protocol: proto_lower.clone(),
                mode: "ingress".to_string(),
            },
        ));
    }
    // compose-go sorts the map keys ("<port>/<proto>") as strings.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries.into_iter().map(|(_, p)| p).collect())
}

/// go-connections `nat.ParsePortRange`: `N` or `N-M` (only the first two `-`-separated
/// parts are read), each a `strconv.ParseUint(_, 10, 16)`, with `M >= N`.
pub fn parse_port_range(s: &str) -> Result<(u32, u32), UnitError> {
    if s.is_empty() {
        return Err(UnitError::new("Empty string specified for ports."));
    }
    if !s.contains('-') {
        let p = parse_u16(s)?;
        return Ok((p, p));
    }
    let mut parts = s.split('-');
    let start = parse_u16(parts.next().unwrap_or_default())?;
    let end = parse_u16(parts.next().unwrap_or_default())?;
    if end < start {
        return Err(UnitError::new(format!(
            "Invalid range specified for the Port: {s}"
        )));
    }
    Ok((start, end))
}

/// `strconv.ParseUint(s, 10, 16)`: non-empty ASCII decimal digits, value <= 65535.
fn parse_u16(s: &str) -> Result<u32, UnitError> {
    let syntax = || {
        UnitError::new(format!(
            "strconv.ParseUint: parsing \"{s}\": invalid syntax"
        ))
    };
    if s.is_empty() {
        return Err(syntax());
    }
    let mut v: u32 = 0;
    let mut overflow = false;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            return Err(syntax());
        }
        if !overflow {
            v = v * 10 + u32::from(c - b'0');
            if v > 0xffff {
                overflow = true;
            }
        }
    }
    if overflow {
        return Err(UnitError::new(format!(
            "strconv.ParseUint: parsing \"{s}\": value out of range"
        )));
    }
    Ok(v)
}

/// go-connections `splitParts`: (ip, host port, container port) from the `:`-split spec.
fn split_parts(s: &str) -> (String, &str, &str) {
    let parts: Vec<&str> = s.split(':').collect();
    let n = parts.len();
    let last = parts.last().copied().unwrap_or_default();
    match n {
        0 | 1 => (String::new(), "", last),
        2 => (String::new(), parts[0], last),
        3 => (parts[0].to_string(), parts[1], last),
        _ => (
            parts.get(..n - 2).unwrap_or_default().join(":"),
            parts.get(n - 2).copied().unwrap_or_default(),
            last,
        ),
    }
}

/// go-connections `nat.SplitProtoPort`: (proto, port).
fn split_proto_port(raw: &str) -> (&str, &str) {
    let mut parts = raw.split('/');
    let first = parts.next().unwrap_or_default();
    if raw.is_empty() || first.is_empty() {
        return ("", "");
    }
    match parts.next() {
        None => ("tcp", raw),
        Some("") => ("tcp", first),
        Some(proto) => (proto, first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(host_ip: Option<&str>, target: u32, published: Option<&str>, proto: &str) -> PortConfig {
        PortConfig {
            host_ip: host_ip.map(str::to_string),
            target,
            published: published.map(str::to_string),
            protocol: proto.to_string(),
            mode: "ingress".to_string(),
        }
    }

    fn ok(s: &str) -> Vec<PortConfig> {
        match parse_port_short(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse_port_short(s) {
            Ok(v) => panic!("{s} parsed as {v:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn corpus_simple() {
        // seq-ports-*, tag-override-ports
        assert_eq!(ok("8080:80"), vec![p(None, 80, Some("8080"), "tcp")]);
        assert_eq!(ok("9000:9000"), vec![p(None, 9000, Some("9000"), "tcp")]);
        assert_eq!(ok("9090:80"), vec![p(None, 80, Some("9090"), "tcp")]);
    }

    #[test]
    fn corpus_big_compose_go_style_full() {
        assert_eq!(ok("3000"), vec![p(None, 3000, None, "tcp")]);
        assert_eq!(
            ok("3001-3005"),
            (3001..=3005)
                .map(|t| p(None, t, None, "tcp"))
                .collect::<Vec<_>>()
        );
        assert_eq!(ok("8000:8000"), vec![p(None, 8000, Some("8000"), "tcp")]);
        assert_eq!(
            ok("9090-9091:8080-8081"),
            vec![
                p(None, 8080, Some("9090"), "tcp"),
                p(None, 8081, Some("9091"), "tcp")
            ]
        );
        assert_eq!(ok("49100:22"), vec![p(None, 22, Some("49100"), "tcp")]);
        assert_eq!(
            ok("127.0.0.1:8001:8001"),
            vec![p(Some("127.0.0.1"), 8001, Some("8001"), "tcp")]
        );
        let r = ok("127.0.0.1:5000-5010:5000-5010");
        assert_eq!(r.len(), 11);
        for (i, e) in r.iter().enumerate() {
            let port = 5000 + i as u32;
            assert_eq!(
                *e,
                p(Some("127.0.0.1"), port, Some(&port.to_string()), "tcp")
            );
        }
    }

    #[test]
    fn oracle_edge_cases() {
        assert_eq!(
            ok("99-101"),
            vec![
                p(None, 100, None, "tcp"),
                p(None, 101, None, "tcp"),
                p(None, 99, None, "tcp")
            ]
        );
        assert_eq!(
            ok("8000-8002:80"),
            vec![p(None, 80, Some("8000-8002"), "tcp")]
        );
        assert_eq!(ok("8000-8000:80"), vec![p(None, 80, Some("8000"), "tcp")]);
        assert_eq!(
            ok("[::1]:80:80"),
            vec![p(Some("::1"), 80, Some("80"), "tcp")]
        );
        assert_eq!(ok("[::1]::80"), vec![p(Some("::1"), 80, None, "tcp")]);
        assert_eq!(
            ok("127.0.0.1::80/UDP"),
            vec![p(Some("127.0.0.1"), 80, None, "udp")]
        );
        assert_eq!(
            ok("80-81-99:80-81-7"),
            vec![
                p(None, 80, Some("80"), "tcp"),
                p(None, 81, Some("81"), "tcp")
            ]
        );
        assert_eq!(ok("0080:080"), vec![p(None, 80, Some("80"), "tcp")]);
        assert_eq!(ok("80/"), vec![p(None, 80, None, "tcp")]);
        assert_eq!(ok("80/tcp/x"), vec![p(None, 80, None, "tcp")]);
        assert_eq!(ok(":80"), vec![p(None, 80, None, "tcp")]);
        assert_eq!(ok("53/sctp"), vec![p(None, 53, None, "sctp")]);
        assert_eq!(ok("0"), vec![p(None, 0, None, "tcp")]);
        assert_eq!(
            ok("[1.2.3.4]:80:80"),
            vec![p(Some("1.2.3.4"), 80, Some("80"), "tcp")]
        );
        assert_eq!(
            ok("[::ffff:1.2.3.4]:80:80"),
            vec![p(Some("::ffff:1.2.3.4"), 80, Some("80"), "tcp")]
        );
        assert_eq!(ok("[]:1:1"), vec![p(None, 1, Some("1"), "tcp")]);
        assert_eq!(
            ok("[0001::]:1:1"),
            vec![p(Some("0001::"), 1, Some("1"), "tcp")]
        );
        assert_eq!(ok("0-65535").len(), 65536);
    }

    #[test]
    fn oracle_errors() {
        assert_eq!(
            err("::1:80:80"),
            "Invalid ip address ::1: address ::1:: too many colons in address"
        );
        assert_eq!(
            err("fe80::1%eth0:80:80"),
            "Invalid ip address fe80::1%eth0: address fe80::1%eth0:: too many colons in address"
        );
        assert_eq!(
            err("a:b:c:80:80"),
            "Invalid ip address a:b:c: address a:b:c:: too many colons in address"
        );
        assert_eq!(
            err("[::1:80:80"),
            "Invalid ip address [::1: address [::1:: missing ']' in address"
        );
        assert_eq!(
            err("x]:80:80"),
            "Invalid ip address x]: address x]:: unexpected ']' in address"
        );
        assert_eq!(
            err("[::1]x:80:80"),
            "Invalid ip address [::1]x: address [::1]x:: missing port in address"
        );
        assert_eq!(err("1.2.3.04:80:80"), "Invalid ip address: 1.2.3.04");
        assert_eq!(
            err("[fe80::1%eth0]:80:80"),
            "Invalid ip address: fe80::1%eth0"
        );
        assert_eq!(err("[1::2::3]:80:80"), "Invalid ip address: 1::2::3");
        assert_eq!(err("localhost:1:1"), "Invalid ip address: localhost");
        assert_eq!(err("abc"), "Invalid containerPort: abc");
        assert_eq!(err("80/xyz"), "Invalid proto: xyz");
        assert_eq!(err("65536:80"), "Invalid hostPort: 65536");
        assert_eq!(
            err("8000-8001:80-82"),
            "Invalid ranges specified for container and host Ports: 80-82 and 8000-8001"
        );
        assert_eq!(
            err("8000:80-81"),
            "Invalid ranges specified for container and host Ports: 80-81 and 8000"
        );
        assert_eq!(err("/tcp"), "No port specified: /tcp<empty>");
        assert_eq!(err(""), "No port specified: <empty>");
        assert_eq!(err("80:"), "No port specified: 80:<empty>");
        assert_eq!(err("-80"), "Invalid containerPort: -80");
        assert_eq!(err("80-"), "Invalid containerPort: 80-");
        assert_eq!(err("+80"), "Invalid containerPort: +80");
        assert_eq!(err("5-3"), "Invalid containerPort: 5-3");
        assert_eq!(err(" 80"), "Invalid containerPort:  80");
        assert_eq!(
            err("99999999999999999999999"),
            "Invalid containerPort: 99999999999999999999999"
        );
    }

    #[test]
    fn port_range() {
        assert_eq!(parse_port_range("80"), Ok((80, 80)));
        assert_eq!(parse_port_range("80-90"), Ok((80, 90)));
        assert_eq!(parse_port_range("0-65535"), Ok((0, 65535)));
        assert!(parse_port_range("65536").is_err());
        assert!(parse_port_range("90-80").is_err());
        assert!(parse_port_range("").is_err());
        assert!(parse_port_range("-").is_err());
    }
}
