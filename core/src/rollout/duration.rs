//! Scenario durations (`crash-after=1m30s`): the crate's one Go duration parser
//! ([`crate::units::parse_duration`]), non-negative, in whole milliseconds (sub-millisecond
//! remainders round down: the simulator's clock ticks in milliseconds).

/// Parses a non-negative Go duration and returns it in whole milliseconds.
pub(super) fn parse_go_duration_ms(text: &str) -> Result<u64, String> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if unsigned.starts_with('-') {
        return Err(format!("negative duration {text:?} is not allowed"));
    }
    // Go's wording without its `time: ` prefix: `unknown unit "x" in duration "1x"`.
    let ns = crate::units::parse_duration(text).map_err(|e| {
        e.message
            .strip_prefix("time: ")
            .unwrap_or(&e.message)
            .to_owned()
    })?;
    u64::try_from(ns / 1_000_000).map_err(|_| format!("invalid duration {text:?}"))
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
