//! The fidelity runner: every runnable scenario of `swarm-rollout-semantics.md` §8 (and the
//! book's sequence) on the local single-node Swarm, repeated, recorded as raw JSON under
//! `docs/fidelity/runs/`, and `docs/fidelity.md` generated from those runs by comparing each
//! with `stackplan plan` on the same files. See `docs/fidelity.md` and `tests/swarm/README.md`.
//!
//! ```sh
//! cargo run -p stackplan-tests --bin fidelity -- run --runs 3 --lock /work/coord/timing.lock
//! cargo run -p stackplan-tests --bin fidelity -- report
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a broken invariant ends it

mod report;
mod run;
mod scenarios;

use std::path::{Path, PathBuf};

const USAGE: &str = "usage: fidelity run [--runs N] [--only KEY,KEY] [--lock FILE] [--out DIR]\n       \
                     fidelity report [--runs-dir DIR] [--out FILE] [--check]\n       \
                     fidelity list";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&run::Options {
            runs: value("--runs").and_then(|v| v.parse().ok()).unwrap_or(3),
            only: value("--only").map(|v| v.split(',').map(str::to_owned).collect()),
            lock: value("--lock")
                .or_else(|| std::env::var("STACKPLAN_TIMING_LOCK").ok())
                .map(PathBuf::from),
            out: value("--out").map_or_else(|| repo().join("docs/fidelity/runs"), PathBuf::from),
        }),
        Some("report") => report::report(&report::Options {
            runs_dir: value("--runs-dir")
                .map_or_else(|| repo().join("docs/fidelity/runs"), PathBuf::from),
            out: value("--out").map_or_else(|| repo().join("docs/fidelity.md"), PathBuf::from),
            check: args.iter().any(|a| a == "--check"),
        }),
        Some("list") => {
            for s in scenarios::SCENARIOS {
                println!("{:<5} {:<5} {:<45} {}", s.key, s.section, s.dir, s.title);
            }
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    if let Err(e) = result {
        eprintln!("fidelity: {e}");
        std::process::exit(1);
    }
}
