//! `extra_hosts` entries: compose-go `types.NewHostsList` / `HostsList.cleanup` /
//! `HostsList.MarshalJSON`.

use super::UnitError;

/// One list entry of `extra_hosts` (`host=ip`, `host:ip`, `host:::1`, `host=[::1]`) ->
/// `(host, ip)`, as compose-go `NewHostsList` + `cleanup` read it.
///
/// Rules (verified on the oracle):
/// * the entry is cut at the first `=`; only if there is none, at the first `:`. So
///   `h6:::1` is `("h6", "::1")`, `a:b:1.2.3.4` is `("a", "b:1.2.3.4")` (accepted!), and
///   `h:1.2.3.4=5` is host `h:1.2.3.4`, which is then rejected;
/// * no separator: `invalid additional host, missing IP: <entry>`;
/// * empty host, or host containing `:` or `=`: `bad host name '<host>'`;
/// * an IP wrapped in brackets with something inside (`[::1]`, more than 2 bytes) is
///   unwrapped; `[]`, `[x` are kept as is; an empty IP is allowed (`h=` and `h:` give
///   `h=`);
/// * nothing is trimmed or validated further (`h = 1.2.3.4` stays `("h ", " 1.2.3.4")`).
///
/// compose renders the result as `host=ip` ([`format_extra_host`]), all entries sorted as
/// strings, duplicates of a host kept.
pub fn parse_extra_host(s: &str) -> Result<(String, String), UnitError> {
    let (host, ip) = s
        .split_once('=')
        .or_else(|| s.split_once(':'))
        .ok_or_else(|| UnitError::new(format!("invalid additional host, missing IP: {s}")))?;
    normalize_extra_host(host, ip)
}

/// compose-go `HostsList.cleanup` for one `(host, ip)` pair: used directly for the mapping
/// form of `extra_hosts` (`{host: ip}`, where a null IP is `""`). Rejects an empty host or one
/// containing `:`/`=` (`bad host name '<host>'`) and unwraps a bracketed IP.
pub fn normalize_extra_host(host: &str, ip: &str) -> Result<(String, String), UnitError> {
    if host.is_empty() || host.contains([':', '=']) {
        return Err(UnitError::new(format!("bad host name '{host}'")));
    }
    let ip = if ip.len() > 2 && ip.starts_with('[') && ip.ends_with(']') {
        ip.get(1..ip.len() - 1).unwrap_or(ip)
    } else {
        ip
    };
    Ok((host.to_string(), ip.to_string()))
}

/// compose-go `HostsList.AsList("=")` element: `host=ip` (the `=` form is what
/// `config` prints, so IPv6 addresses read as `h=::1`).
pub fn format_extra_host(host: &str, ip: &str) -> String {
    format!("{host}={ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        match parse_extra_host(s) {
            Ok((h, ip)) => format_extra_host(&h, &ip),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse_extra_host(s) {
            Ok(v) => panic!("{s}: {v:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn corpus_seq_extra_hosts_list() {
        assert_eq!(ok("db:10.0.0.1"), "db=10.0.0.1");
        assert_eq!(ok("cache:10.0.0.2"), "cache=10.0.0.2");
        assert_eq!(ok("db:10.0.0.9"), "db=10.0.0.9");
        assert_eq!(ok("api=10.0.0.3"), "api=10.0.0.3");
        assert_eq!(
            parse_extra_host("db:10.0.0.1"),
            Ok(("db".to_string(), "10.0.0.1".to_string()))
        );
    }

    #[test]
    fn oracle_cases() {
        assert_eq!(ok("h6:::1"), "h6=::1");
        assert_eq!(ok("hb=[::2]"), "hb=::2");
        assert_eq!(ok("x=1.2.3.4"), "x=1.2.3.4");
        assert_eq!(ok("a:b:1.2.3.4"), "a=b:1.2.3.4");
        assert_eq!(ok("h="), "h=");
        assert_eq!(ok("h:"), "h=");
        assert_eq!(ok("h=[::1]"), "h=::1");
        assert_eq!(ok("h=[]"), "h=[]");
        assert_eq!(ok("h=[x"), "h=[x");
        assert_eq!(ok("h = 1.2.3.4"), "h = 1.2.3.4");
        assert_eq!(err("=1.2.3.4"), "bad host name ''");
        assert_eq!(err(":1.2.3.4"), "bad host name ''");
        assert_eq!(err("noip"), "invalid additional host, missing IP: noip");
        assert_eq!(err(""), "invalid additional host, missing IP: ");
        assert_eq!(err("h:1.2.3.4=5"), "bad host name 'h:1.2.3.4'");
    }

    #[test]
    fn mapping_form() {
        assert_eq!(
            normalize_extra_host("h", "[::1]"),
            Ok(("h".to_string(), "::1".to_string()))
        );
        assert_eq!(
            normalize_extra_host("h", ""),
            Ok(("h".to_string(), String::new()))
        );
        assert!(normalize_extra_host("a:b", "1.2.3.4").is_err());
        assert!(normalize_extra_host("", "1.2.3.4").is_err());
        assert_eq!(
            normalize_extra_host("h", "[\u{e9}]"),
            Ok(("h".to_string(), "\u{e9}".to_string()))
        );
    }
}
