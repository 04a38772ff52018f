//! `stackplan-host`: see the library crate.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(stackplan_host::cli::run(std::env::args().collect()))
}
