//! Go `time.ParseDuration` and `time.Duration.String`, as compose-go's `types.Duration` uses
//! them for `stop_grace_period`, healthcheck `interval`/`timeout`/`start_period`/
//! `start_interval`, deploy `update_config`/`rollback_config` `delay`/`monitor` and
//! `restart_policy` `delay`/`window`.

//!
//! This is the crate's one duration parser: Compose fields, `x-stackplan.timing`, the plan's
//! timing flags and scenario strings all go through [`parse_duration`], directly or through
//! [`parse_compose_duration`] (which adds str2duration's days and weeks) and
//! [`parse_duration_ms`] (whole milliseconds, for the simulator's clock).

use super::UnitError;

/// 2^63 as u64: Go's `1<<63`, the magnitude bound of a Duration.
const ONE_63: u64 = 1 << 63;

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000;
const MILLISECOND: u64 = 1_000_000;
const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// How Compose reads a duration field: Go's [`parse_duration`], and when that fails,
/// str2duration's days (`d`) and weeks (`w`) too (`1w2d3h`). Nanoseconds; the error is Go's.
pub fn parse_compose_duration(text: &str) -> Result<i64, String> {
    match parse_duration(text) {
        Ok(n) => Ok(n),
        Err(e) => {
            if (text.contains('d') || text.contains('w'))
                && let Some(n) = parse_days_weeks(text)
            {
                return Ok(n);
            }
            Err(e.message)
        }
    }
}

fn parse_days_weeks(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let factor: f64 = match unit {
            "w" => 7.0 * 86_400e9,
            "d" => 86_400e9,
            _ => {
                let part = format!("{number}{unit}");
                parse_duration(&part).ok()? as f64 / number.parse::<f64>().ok()?
            }
        };
        total = total.checked_add((number.parse::<f64>().ok()? * factor) as i64)?;
        rest = next;
    }
    Some(total)
}

/// A duration as the simulator takes it: [`parse_compose_duration`] in whole milliseconds
/// (rounded toward zero); a negative duration is an error.
pub fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let ns = parse_compose_duration(text)?;
    u64::try_from(ns / 1_000_000).map_err(|_| format!("negative duration {text:?}"))
}

/// Go's `time.ParseDuration` (Go 1.24), returning nanoseconds.
///
/// Grammar: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a lone `0` (optionally signed). Units are
/// `ns`, `us`, `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m`, `h`, case-sensitive (`1S` is an
/// unknown unit). There is no space skipping and no exponent (`1e3s` -> unknown unit "e").
///
/// Rules reproduced bit for bit:
/// * a "unit" is every byte up to the next digit or `.`, so `10 parsecs` reports the unit
///   `" parsecs"` and `1h-1m` reports the unit `"h-"`;
/// * a fraction is accumulated as an integer until it would overflow (further digits are
///   ignored) and scaled with float64 arithmetic, so `1.0000000001s` is exactly `1s` and
///   `0.1ns` is `0s`;
/// * overflow of a component, or of the total beyond 2^63, is `invalid duration`;
///   `-9223372036854775808ns` is allowed (it is `i64::MIN`);
/// * Go sums components in a uint64 and only checks `d > 1<<63`, so two components of
///   exactly 2^63 wrap to 0: `9223372036854775808ns9223372036854775808ns` parses as `0`
///   (verified against the oracle, which prints `0s`).
///
/// Errors (quoted with [`go_time_quote`]): `time: invalid duration "…"`,
/// `time: missing unit in duration "…"`, `time: unknown unit "…" in duration "…"`.
pub fn parse_duration(s: &str) -> Result<i64, UnitError> {
    let orig = s;
    let invalid = || UnitError::new(format!("time: invalid duration {}", go_time_quote(orig)));
    let mut b = s.as_bytes();
    let mut neg = false;
    if let Some(&c) = b.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        b = &b[1..];
    }
    if b == b"0" {
        return Ok(0);
    }
    if b.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while let Some(&first) = b.first() {
        // The next character must be [0-9.]
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let before = b.len();
        let (v0, rest) = leading_int(b).ok_or_else(invalid)?;
        let mut v = v0;
        b = rest;
        let pre = before != b.len();

        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if b.first() == Some(&b'.') {
            b = &b[1..];
            let before = b.len();
            let (ff, sc, rest) = leading_fraction(b);
            f = ff;
            scale = sc;
            b = rest;
            post = before != b.len();
        }
        if !pre && !post {
            return Err(invalid());
        }

        let i = b
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(b.len());
        if i == 0 {
            return Err(UnitError::new(format!(
                "time: missing unit in duration {}",
                go_time_quote(orig)
            )));
        }
        let (u, rest) = b.split_at(i);
        b = rest;
        let Some(unit) = unit_value(u) else {
            return Err(UnitError::new(format!(
                "time: unknown unit {} in duration {}",
                go_time_quote(&String::from_utf8_lossy(u)),
                go_time_quote(orig)
            )));
        };
        if v > ONE_63 / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            // Go: v += uint64(float64(f) * (float64(unit) / scale)); the product is < unit.
            v = v.wrapping_add((f as f64 * (unit as f64 / scale)) as u64);
            if v > ONE_63 {
                return Err(invalid());
            }
        }
        // Go adds in uint64 without an overflow check (only d > 1<<63 is tested), so the
        // sum may wrap; reproduce that.
        d = d.wrapping_add(v);
        if d > ONE_63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > i64::MAX as u64 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Unit table of `time.ParseDuration` (byte strings: the micro signs are UTF-8).
fn unit_value(u: &[u8]) -> Option<u64> {
    Some(match u {
        b"ns" => NANOSECOND,
        b"us" | [0xc2, 0xb5, b's'] | [0xce, 0xbc, b's'] => MICROSECOND, // µs (U+00B5), μs (U+03BC)
        b"ms" => MILLISECOND,
        b"s" => SECOND,
        b"m" => MINUTE,
        b"h" => HOUR,
        _ => return None,
    })
}

/// Go's `time.leadingInt`: consumes `[0-9]*`; `None` on overflow past 2^63.
fn leading_int(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if x > ONE_63 / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > ONE_63 {
            return None;
        }
        i += 1;
    }
    Some((x, b.get(i..).unwrap_or_default()))
}

/// Go's `time.leadingFraction`: consumes `[0-9]*`, silently dropping precision on overflow.
fn leading_fraction(b: &[u8]) -> (u64, f64, &[u8]) {
    let mut x: u64 = 0;
    let mut scale = 1.0f64;
    let mut overflow = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        i += 1;
        if overflow {
            continue;
        }
        if x > (ONE_63 - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > ONE_63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, b.get(i..).unwrap_or_default())
}

/// Go's `time.Duration.String()`: `1h0m0s`, `1m30s`, `1.5s`, `500ms`, `1µs` (U+00B5),
/// `999ns`, `0s`, `-1m30s`.
///
/// Durations of a second or more print `[h]…m…s` with up to nine fractional digits of the
/// seconds (trailing zeros dropped), always including the `m` once there is an hour;
/// shorter ones pick the largest of `ms`/`µs`/`ns` below them with a decimal fraction.
pub fn format_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    // Built back to front like Go does, then reversed.
    let mut rev: Vec<u8> = Vec::with_capacity(32);
    if u < SECOND {
        if u == 0 {
            return "0s".to_string();
        }
        rev.push(b's');
        let (prec, unit): (u32, &str) = if u < MICROSECOND {
            (0, "n")
        } else if u < MILLISECOND {
            (3, "\u{b5}")
        } else {
            (6, "m")
        };
        rev.extend(unit.bytes().rev());
        let v = fmt_frac(&mut rev, u, prec);
        fmt_int(&mut rev, v);
    } else {
        rev.push(b's');
        let mut v = fmt_frac(&mut rev, u, 9);
        fmt_int(&mut rev, v % 60);
        v /= 60;
        if v > 0 {
            rev.push(b'm');
            fmt_int(&mut rev, v % 60);
            v /= 60;
            if v > 0 {
                rev.push(b'h');
                fmt_int(&mut rev, v);
            }
        }
    }
    if neg {
        rev.push(b'-');
    }
    rev.reverse();
    String::from_utf8(rev).unwrap_or_default()
}

/// Go's `time.fmtFrac`, appending (reversed) the fraction of `v / 10^prec` without trailing
/// zeros (and without the point if the fraction is zero); returns `v / 10^prec`.
fn fmt_frac(rev: &mut Vec<u8>, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            rev.push(b'0' + digit);
        }
        v /= 10;
    }
    if print {
        rev.push(b'.');
    }
    v
}

/// Go's `time.fmtInt` (reversed decimal digits).
fn fmt_int(rev: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        rev.push(b'0');
        return;
    }
    while v > 0 {
        rev.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

/// Go's private `time.quote` used in duration error messages: wraps in `"`, backslash-escapes
/// `"` and `\`, and writes every byte of a non-ASCII or control (< 0x20) character as
/// `\xNN` (lower-case hex). DEL (0x7f) is printed raw.
pub fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> i64 {
        match parse_duration(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse_duration(s) {
            Ok(v) => panic!("{s} parsed as {v}"),
            Err(e) => e.message,
        }
    }

    fn norm(s: &str) -> String {
        format_duration(ok(s))
    }

    #[test]
    fn corpus_norm_durations() {
        // norm-durations: 90s, 1m30s, 1500ms, 1h, 500ms, 60s, 2m, 0s, 120s
        assert_eq!(norm("90s"), "1m30s");
        assert_eq!(norm("1m30s"), "1m30s");
        assert_eq!(norm("1500ms"), "1.5s");
        assert_eq!(norm("1h"), "1h0m0s");
        assert_eq!(norm("500ms"), "500ms");
        assert_eq!(norm("60s"), "1m0s");
        assert_eq!(norm("2m"), "2m0s");
        assert_eq!(norm("0s"), "0s");
        assert_eq!(norm("120s"), "2m0s");
        // hc-cmd, dep-*
        assert_eq!(norm("10s"), "10s");
        assert_eq!(norm("5s"), "5s");
        assert_eq!(norm("30s"), "30s");
        assert_eq!(norm("2s"), "2s");
    }

    #[test]
    fn corpus_bad_duration() {
        // hc-bad-duration / inv-bad-duration
        assert_eq!(
            err("10 parsecs"),
            r#"time: unknown unit " parsecs" in duration "10 parsecs""#
        );
    }

    #[test]
    fn values() {
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("-0"), 0);
        assert_eq!(ok("+0"), 0);
        assert_eq!(ok("1ns"), 1);
        assert_eq!(ok("1us"), 1_000);
        assert_eq!(ok("1\u{b5}s"), 1_000);
        assert_eq!(ok("1\u{3bc}s"), 1_000);
        assert_eq!(ok("1ms"), 1_000_000);
        assert_eq!(ok("1.5h"), 5_400_000_000_000);
        assert_eq!(ok("-1m30s"), -90_000_000_000);
        assert_eq!(ok("+5s"), 5_000_000_000);
        assert_eq!(ok(".5s"), 500_000_000);
        assert_eq!(ok("5.s"), 5_000_000_000);
        assert_eq!(ok("1h1m1.5s"), 3_661_500_000_000);
        assert_eq!(ok("1.0000000001s"), 1_000_000_000);
        assert_eq!(ok("0.1ns"), 0);
        assert_eq!(ok("1.9ns"), 1);
        assert_eq!(ok("0.000000001s"), 1);
        assert_eq!(ok("9223372036854775807ns"), i64::MAX);
        assert_eq!(ok("-9223372036854775808ns"), i64::MIN);
        assert_eq!(ok("2562047h47m16.854775807s"), i64::MAX);
        assert_eq!(ok("1.00000000000000000000000000000001h"), 3_600_000_000_000);
        assert_eq!(ok("0.9999999999999999999999h"), 3_600_000_000_000);
        // uint64 wrap-around reproduced (oracle prints "0s").
        assert_eq!(ok("9223372036854775808ns9223372036854775808ns"), 0);
    }

    #[test]
    fn oracle_normalisations() {
        assert_eq!(norm("1.5h"), "1h30m0s");
        assert_eq!(norm("1h0.5m"), "1h0m30s");
        assert_eq!(norm("1us"), "1\u{b5}s");
        assert_eq!(norm("999ns"), "999ns");
        assert_eq!(norm("1000000ns"), "1ms");
        assert_eq!(norm("-1.5\u{b5}s"), "-1.5\u{b5}s");
        assert_eq!(norm("-9223372036854775808ns"), "-2562047h47m16.854775808s");
        assert_eq!(norm("9223372036854775807ns"), "2562047h47m16.854775807s");
    }

    #[test]
    fn errors() {
        assert_eq!(err(""), r#"time: invalid duration """#);
        assert_eq!(err("-"), r#"time: invalid duration "-""#);
        assert_eq!(err("."), r#"time: invalid duration ".""#);
        assert_eq!(err(".s"), r#"time: invalid duration ".s""#);
        assert_eq!(err(" 1s"), r#"time: invalid duration " 1s""#);
        assert_eq!(err("1"), r#"time: missing unit in duration "1""#);
        assert_eq!(err("1S"), r#"time: unknown unit "S" in duration "1S""#);
        assert_eq!(err("100d"), r#"time: unknown unit "d" in duration "100d""#);
        assert_eq!(err("1e3s"), r#"time: unknown unit "e" in duration "1e3s""#);
        assert_eq!(
            err("1h-1m"),
            r#"time: unknown unit "h-" in duration "1h-1m""#
        );
        assert_eq!(
            err("9223372036854775808ns"),
            r#"time: invalid duration "9223372036854775808ns""#
        );
        assert_eq!(err("2562048h"), r#"time: invalid duration "2562048h""#);
        assert_eq!(
            err("18446744073709551616ns"),
            r#"time: invalid duration "18446744073709551616ns""#
        );
        assert_eq!(
            err("1\u{e9}"),
            r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#
        );
        assert_eq!(
            err("1\tx"),
            r#"time: unknown unit "\x09x" in duration "1\x09x""#
        );
        assert_eq!(err("\"1\\\"s\""), r#"time: invalid duration "\"1\\\"s\"""#);
    }

    #[test]
    fn format_values() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1), "1ns");
        assert_eq!(format_duration(1_500), "1.5\u{b5}s");
        assert_eq!(format_duration(1_000_001), "1.000001ms");
        assert_eq!(format_duration(1_000_000_001), "1.000000001s");
        assert_eq!(format_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(format_duration(-1), "-1ns");
        assert_eq!(format_duration(i64::MIN), "-2562047h47m16.854775808s");
        assert_eq!(format_duration(i64::MAX), "2562047h47m16.854775807s");
    }

    #[test]
    fn round_trip() {
        for v in [
            0i64,
            1,
            999,
            1_000,
            123_456_789,
            1_000_000_000,
            90_000_000_000,
            3_661_500_000_000,
            -42,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(ok(&format_duration(v)), v, "{v}");
        }
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "\u{b5}", "\u{3bc}s", "1\u{b5}", "1.", "..", "1..s", "-.", "+", "1h.", "\u{0}",
        ] {
            let _ = parse_duration(s);
        }
        assert!(parse_duration("1.").is_err());
        assert_eq!(ok("1.h"), 3_600_000_000_000);
    }
}
