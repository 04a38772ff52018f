//! A deliberately minimal Go `time.ParseDuration` for scenario strings (`crash-after=1m30s`).
//!
//! Kept private to the rollout module: the crate's full Compose duration parser lives
//! elsewhere. This one accepts what Go accepts for non-negative values (`"0"`, `"8s"`,
//! `"1m30s"`, `"500ms"`, `"1.5h"`, `"300us"`, `"10ns"`) and returns whole milliseconds,
//! rounding sub-millisecond remainders down (the simulator's clock ticks in milliseconds).

/// Nanoseconds per unit, as in Go's `unitMap` (`time/format.go`).
const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses a non-negative Go duration and returns it in whole milliseconds.
pub(super) fn parse_go_duration_ms(text: &str) -> Result<u64, String> {
    let invalid = || format!("invalid duration {text:?}");
    let rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err(format!("negative duration {text:?} is not allowed"));
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total_ns: u128 = 0;
    let mut chars = rest.char_indices().peekable();
    while chars.peek().is_some() {
        // Number: digits, optionally '.' and more digits; at least one digit overall.
        let mut whole: u128 = 0;
        let mut fraction_ns_numerator: u128 = 0;
        let mut fraction_scale: u128 = 1;
        let mut saw_digit = false;
        while let Some(&(_, c)) = chars.peek() {
            let Some(d) = c.to_digit(10) else { break };
            whole = whole
                .checked_mul(10)
                .and_then(|w| w.checked_add(u128::from(d)))
                .ok_or_else(invalid)?;
            saw_digit = true;
            chars.next();
        }
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            while let Some(&(_, c)) = chars.peek() {
                let Some(d) = c.to_digit(10) else { break };
                // Digits beyond nanosecond precision cannot change the result in ms.
                if fraction_scale < 1_000_000_000_000_000_000 {
                    fraction_ns_numerator = fraction_ns_numerator * 10 + u128::from(d);
                    fraction_scale *= 10;
                }
                saw_digit = true;
                chars.next();
            }
        }
        if !saw_digit {
            return Err(invalid());
        }
        // Unit: everything up to the next digit or '.'.
        let unit_start = chars.peek().map_or(rest.len(), |&(i, _)| i);
        while let Some(&(_, c)) = chars.peek() {
            if c.is_ascii_digit() || c == '.' {
                break;
            }
            chars.next();
        }
        let unit_end = chars.peek().map_or(rest.len(), |&(i, _)| i);
        let unit = &rest[unit_start..unit_end];
        let per_unit = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, ns)| *ns)
            .ok_or_else(|| {
                if unit.is_empty() {
                    format!("missing unit in duration {text:?}")
                } else {
                    format!("unknown unit {unit:?} in duration {text:?}")
                }
            })?;
        let part = whole
            .checked_mul(per_unit)
            .and_then(|w| w.checked_add(fraction_ns_numerator * per_unit / fraction_scale))
            .ok_or_else(invalid)?;
        total_ns = total_ns.checked_add(part).ok_or_else(invalid)?;
    }
    // Go rejects durations above ~292 years (int64 ns); so do we.
    if total_ns > i64::MAX as u128 {
        return Err(invalid());
    }
    u64::try_from(total_ns / 1_000_000).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::parse_go_duration_ms;

    #[test]
    fn accepts_go_syntax() {
        assert_eq!(parse_go_duration_ms("8s"), Ok(8_000));
        assert_eq!(parse_go_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_go_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_go_duration_ms("1.5s"), Ok(1_500));
        assert_eq!(parse_go_duration_ms("2h"), Ok(7_200_000));
        assert_eq!(parse_go_duration_ms("0"), Ok(0));
        assert_eq!(parse_go_duration_ms("+10s"), Ok(10_000));
        assert_eq!(parse_go_duration_ms("1500us"), Ok(1));
        assert_eq!(parse_go_duration_ms("2µs"), Ok(0));
        assert_eq!(parse_go_duration_ms(".5s"), Ok(500));
        assert_eq!(parse_go_duration_ms("1h1m1s1ms"), Ok(3_661_001));
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "8",
            "s",
            "1x",
            "-1s",
            ".s",
            "1.2.3s",
            "99999999999999999999h",
        ] {
            assert!(
                parse_go_duration_ms(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
