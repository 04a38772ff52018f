//! The exit statuses, one meaning each (the README's table lists them per command).
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success (lint: no finding at the failing level) |
//! | 1 | the input is not acceptable: invalid files, a failing lint finding, a service that does not exist |
//! | 2 | usage error (unknown flag, bad value) or I/O error (a file cannot be read or written) |
//! | 141 | stdout was closed early (`stackplan config \| head -1`): quiet, as a Unix tool killed by SIGPIPE |
//!
//! `plan --detailed-exitcode` (like `terraform plan -detailed-exitcode`): 0 no change, 1 any
//! error (usage included), 2 changes; 141 stays 141.

/// Success.
pub const OK: u8 = 0;
/// The files are invalid, a lint finding fails the run, a named service does not exist.
pub const INVALID: u8 = 1;
/// Usage or I/O error.
pub const USAGE_OR_IO: u8 = 2;
/// stdout was closed before everything was written (128 + SIGPIPE, what a shell reports for
/// a tool killed by SIGPIPE; Rust ignores the signal, so the run ends itself, quietly).
pub const BROKEN_PIPE: u8 = 141;
/// `plan --detailed-exitcode`: the deploy changes something.
pub const CHANGES: u8 = 2;

/// Whether the argument vector asks for `--detailed-exitcode` (looked at before parsing, so
/// that even a usage error follows that convention).
pub fn detailed_requested(argv: &[String]) -> bool {
    argv.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--detailed-exitcode")
}

/// A status in the `--detailed-exitcode` convention: every error becomes 1.
pub fn detailed_error(status: u8) -> u8 {
    match status {
        OK | BROKEN_PIPE => status,
        _ => INVALID,
    }
}
