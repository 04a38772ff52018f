//! The string micro-parsers: interpolation, `.env`, durations, sizes, ports, volumes, words.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stackplan_core::{dotenv, interpolate, units};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let lookup = |k: &str| (k == "A").then(|| "a".to_owned());
    let _ = interpolate::interpolate(s, &lookup);
    let _ = dotenv::parse(s, &lookup);
    let _ = units::parse_duration(s);
    let _ = units::parse_byte_size(s);
    let _ = units::parse_port_short(s);
    let _ = units::parse_volume_short(s);
    let _ = units::split_shell_words(s);
    let _ = units::parse_extra_host(s);
});
