//! Scalar micro-formats of Compose files, parsed and printed exactly like Docker Compose
//! v2.26.1 does it.
//!
//! Each function mirrors one Go function that compose (through compose-go v2) calls, and the
//! doc comments name it. The oracle binary (`docker-compose` 2.26.1, built with Go 1.24)
//! was used to settle every ambiguity; it turned out to be linked against these library
//! versions (established empirically, from the error wording and edge-case behaviour):
//!
//! | format | Go function | version observed |
//! | --- | --- | --- |
//! | durations | `time.ParseDuration` / `time.Duration.String` | Go 1.24 |
//! | byte sizes | `github.com/docker/go-units.RAMInBytes` | **v0.4.0** (regex based, not v0.5.0) |
//! | ports | `github.com/docker/go-connections/nat.ParsePortSpec` | **v0.4.0** (capitalised errors, `net.SplitHostPort` on every IP) |
//! | volumes | `compose-go/v2/format.ParseVolume` + `transform.cleanTarget` | v2.0.x |
//! | command / entrypoint | `github.com/mattn/go-shellwords.Parse` | **v1.0.12** (no `\n`/`\t` escapes, a bare `)` opens `$(`) |
//! | extra_hosts | `compose-go/v2/types.NewHostsList` + `HostsList.cleanup` | v2.0.x |
//!
//! Everything here is pure and total: garbage input yields a [`UnitError`], never a panic.

mod bytesize;
mod duration;
mod hosts;
mod netip;
mod ports;
mod shellwords;
mod volume;

pub use bytesize::parse_byte_size;
pub use duration::{
    format_duration, go_time_quote, parse_compose_duration, parse_duration, parse_duration_ms,
};
pub use hosts::{format_extra_host, normalize_extra_host, parse_extra_host};
pub use netip::{go_parse_ip, go_split_host_port};
pub use ports::{PortConfig, parse_port_range, parse_port_short};
pub use shellwords::split_shell_words;
pub use volume::{
    VolumeBindOptions, VolumeKind, VolumeShort, VolumeVolumeOptions, go_path_clean,
    parse_volume_short,
};

use std::fmt;

/// Error from one of the micro-format parsers.
///
/// `message` is worded like the Go error compose prints for the same input (without
/// compose's `error decoding 'services[x].field': ` prefix, which depends on the caller's
/// context).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitError {
    /// The Go-style error text, e.g. `time: unknown unit " parsecs" in duration "10 parsecs"`.
    pub message: String,
}

impl UnitError {
    /// Builds an error from its message.
    pub fn new(message: impl Into<String>) -> Self {
        UnitError {
            message: message.into(),
        }
    }
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UnitError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Characters that matter to the parsers, plus a few multi-byte ones.
    const ALPHABET: &[char] = &[
        '0', '1', '5', '9', '.', '-', '+', ':', '/', '[', ']', '=', ',', ' ', '\t', '\n', '"',
        '\'', '`', '\\', '(', ')', '$', ';', '&', '|', '<', '>', '%', '~', 'a', 'b', 'e', 'f', 'h',
        'i', 'k', 'm', 'n', 'p', 's', 'u', 'z', 'C', 'K', 'Z', '\u{b5}', '\u{3bc}', '\u{e9}',
        '\u{fffd}', '\u{2160}',
    ];

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(any::<char>(), 0..24).prop_map(|v| v.into_iter().collect()),
            proptest::collection::vec(proptest::sample::select(ALPHABET), 0..24)
                .prop_map(|v| v.into_iter().collect()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn units_parsers_never_panic(s in any_text()) {
            let _ = parse_duration(&s);
            let _ = parse_byte_size(&s);
            let _ = parse_port_short(&s);
            let _ = parse_port_range(&s);
            let _ = parse_volume_short(&s);
            let _ = split_shell_words(&s);
            let _ = parse_extra_host(&s);
            let _ = go_parse_ip(&s);
            let _ = go_split_host_port(&s);
            let _ = go_path_clean(&s);
            let _ = go_time_quote(&s);
        }

        #[test]
        fn units_duration_round_trips(n in any::<i64>()) {
            prop_assert_eq!(parse_duration(&format_duration(n)), Ok(n));
        }

        #[test]
        fn units_path_clean_is_idempotent(s in any_text()) {
            let once = go_path_clean(&s);
            prop_assert_eq!(go_path_clean(&once), once.clone());
        }
    }

    #[test]
    fn error_display() {
        let e = UnitError::new("boom");
        assert_eq!(e.to_string(), "boom");
        assert_eq!(e.message, "boom");
    }
}
