//! `github.com/docker/go-units.RAMInBytes` (v0.4.0), as compose-go's `types.UnitBytes` uses
//! it for string values of `mem_limit`, `mem_reservation`, `memswap_limit`,
//! `mem_swappiness`, `shm_size` (service and build), `deploy.resources.*.memory`, tmpfs
//! `size` and blkio `rate`.

use super::UnitError;

/// docker/go-units `RAMInBytes` as linked into compose 2.26.1 (go-units **v0.4.0**).
///
/// The oracle accepts exactly the strings matching the v0.4.0 regular expression
/// `^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$` (ASCII digits only): so `1.5g`, `10 MB`,
/// `1 kib`, `1KiB`, `1i`, `1ib`, `10 ` (trailing space), `00012k` are valid, while `-1`,
/// `+5m`, `1e3`, `0x1p4`, `inf`, `1_000`, `10  MB`, `1kbb`, ` 10` are `invalid size: '…'`
/// (the v0.5.0 rewrite, which would accept `1e3` and report `invalid suffix`, is *not* what
/// compose 2.26.1 runs). Multipliers are binary (`k` = 1024 … `p` = 1024^5) whatever the
/// `i`/`b` spelling.
///
/// The number is parsed as a float64 (so `1.5g` = 1610612736 and `1.9` = 1, truncated);
/// a number with several dots (`1.2.3`) passes the regex but fails
/// `strconv.ParseFloat: parsing "1.2.3": invalid syntax`, and a decimal too large for a
/// float64 fails with `… value out of range`.
///
/// The final `int64(size)` conversion follows Go on amd64 (the oracle's platform): values
/// at or beyond 2^63 become `i64::MIN` (`-9223372036854775808`), e.g. `8192p` or `9000p`.
///
/// Note: compose only calls this for YAML *strings*; a YAML integer (`mem_limit: 1048576`,
/// `memswap_limit: -1`) is taken as is by the caller without parsing.
pub fn parse_byte_size(s: &str) -> Result<i64, UnitError> {
    let b = s.as_bytes();
    let invalid = || UnitError::new(format!("invalid size: '{s}'"));
    // (\d+(\.\d+)*)
    let mut i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if i == 0 {
        return Err(invalid());
    }
    while b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        i += b
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    let num = s.get(..i).unwrap_or_default();
    let mut j = i;
    // " ?"
    if b.get(j) == Some(&b' ') {
        j += 1;
    }
    // ([kKmMgGtTpP])?
    let mut shift = 0u32;
    if let Some(&c) = b.get(j) {
        let sh = match c.to_ascii_lowercase() {
            b'k' => 10,
            b'm' => 20,
            b'g' => 30,
            b't' => 40,
            b'p' => 50,
            _ => 0,
        };
        if sh != 0 {
            shift = sh;
            j += 1;
        }
    }
    // [iI]?[bB]?$
    if matches!(b.get(j), Some(b'i' | b'I')) {
        j += 1;
    }
    if matches!(b.get(j), Some(b'b' | b'B')) {
        j += 1;
    }
    if j != b.len() {
        return Err(invalid());
    }

    let size: f64 = match num.parse::<f64>() {
        Ok(v) if v.is_finite() => v,
        Ok(_) => {
            return Err(UnitError::new(format!(
                "strconv.ParseFloat: parsing \"{num}\": value out of range"
            )));
        }
        Err(_) => {
            return Err(UnitError::new(format!(
                "strconv.ParseFloat: parsing \"{num}\": invalid syntax"
            )));
        }
    };
    let size = size * (1u64 << shift) as f64;
    Ok(go_amd64_f64_to_i64(size))
}

/// Go's `int64(f)` on amd64 (CVTTSD2SQ): truncation, with NaN and out-of-range values
/// becoming the "integer indefinite" `i64::MIN`.
fn go_amd64_f64_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; i64::MIN (-2^63) itself converts fine.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-TWO_63..TWO_63).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> i64 {
        match parse_byte_size(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse_byte_size(s) {
            Ok(v) => panic!("{s} parsed as {v}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn corpus_values() {
        // norm-memory-units
        assert_eq!(ok("1g"), 1_073_741_824);
        assert_eq!(ok("512m"), 536_870_912);
        assert_eq!(ok("2G"), 2_147_483_648);
        assert_eq!(ok("64M"), 67_108_864);
        assert_eq!(ok("75M"), 78_643_200);
        assert_eq!(ok("1024k"), 1_048_576);
        // norm-memory-plain-int (string "2b")
        assert_eq!(ok("2b"), 2);
        // dep-resources-full
        assert_eq!(ok("50M"), 52_428_800);
        assert_eq!(ok("20M"), 20_971_520);
        // seq-volumes-from-and-blkio
        assert_eq!(ok("12mb"), 12_582_912);
    }

    #[test]
    fn oracle_values() {
        assert_eq!(ok("1048576"), 1_048_576);
        assert_eq!(ok("1.5g"), 1_610_612_736);
        assert_eq!(ok("10 MB"), 10_485_760);
        assert_eq!(ok("10 "), 10);
        assert_eq!(ok("1kib"), 1024);
        assert_eq!(ok("1KiB"), 1024);
        assert_eq!(ok("1 kib"), 1024);
        assert_eq!(ok("1b"), 1);
        assert_eq!(ok("1i"), 1);
        assert_eq!(ok("1ib"), 1);
        assert_eq!(ok("1.5"), 1);
        assert_eq!(ok("1.9"), 1);
        assert_eq!(ok("0.5k"), 512);
        assert_eq!(ok("00012k"), 12_288);
        assert_eq!(ok("1t"), 1_099_511_627_776);
        assert_eq!(ok("1p"), 1_125_899_906_842_624);
        assert_eq!(ok("8191.99p"), 9_223_360_777_855_707_136);
        assert_eq!(ok("8192p"), i64::MIN);
        assert_eq!(ok("9000p"), i64::MIN);
        assert_eq!(ok("0"), 0);
    }

    #[test]
    fn oracle_errors() {
        for s in [
            "1e3", "1e19", "9e18k", "0x1p4", "10  MB", "1kbb", "1kibs", "-1", "-0", "+5m", "1bb",
            "abc", "1x", ".", "1e400", "1_000", "inf", "1ik", "1\n", "\u{663}", "", " 10", "5.",
            ".5", "1k ",
        ] {
            assert_eq!(err(s), format!("invalid size: '{s}'"), "{s:?}");
        }
        assert_eq!(
            err("1.2.3"),
            r#"strconv.ParseFloat: parsing "1.2.3": invalid syntax"#
        );
        let huge = format!("1{}", "0".repeat(400));
        assert_eq!(
            err(&huge),
            format!("strconv.ParseFloat: parsing \"{huge}\": value out of range")
        );
    }

    #[test]
    fn amd64_conversion() {
        assert_eq!(go_amd64_f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(go_amd64_f64_to_i64(f64::INFINITY), i64::MIN);
        assert_eq!(go_amd64_f64_to_i64(1.9), 1);
        assert_eq!(go_amd64_f64_to_i64(-9_223_372_036_854_775_808.0), i64::MIN);
    }
}
