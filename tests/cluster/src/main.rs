//! `stackplan-cluster`: brings up a multi-node Swarm for manual use, prints each node's
//! `DOCKER_HOST`, and tears everything down on Ctrl-C (SIGINT), SIGTERM or SIGHUP.
//!
//! ```text
//! cargo run -p stackplan-cluster -- [--managers N] [--workers M] [--no-probe]
//! ```

use stackplan_cluster::{Cluster, Spec};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut spec = Spec::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut count = |flag: &str| -> Option<usize> {
            let v = args.next().and_then(|v| v.parse().ok());
            if v.is_none() {
                eprintln!("stackplan-cluster: {flag} needs a number");
            }
            v
        };
        match arg.as_str() {
            "--managers" => match count("--managers") {
                Some(n) => spec.managers = n,
                None => return ExitCode::from(2),
            },
            "--workers" => match count("--workers") {
                Some(n) => spec.workers = n,
                None => return ExitCode::from(2),
            },
            "--no-probe" => spec.probe_image = false,
            "-h" | "--help" => {
                println!(
                    "usage: stackplan-cluster [--managers N] [--workers M] [--no-probe]\n\
                     Brings up N managers + M workers (default 3 + 2), each its own dockerd in its \
                     own network namespace, prints their DOCKER_HOST, and tears everything down \
                     on Ctrl-C. See tests/cluster/README.md."
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("stackplan-cluster: unknown argument {other} (try --help)");
                return ExitCode::from(2);
            }
        }
    }
    eprintln!(
        "stackplan-cluster: bringing up {} managers + {} workers…",
        spec.managers, spec.workers
    );
    let cluster = match Cluster::up(&spec) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("stackplan-cluster: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (name, secs) in &cluster.timings.0 {
        eprintln!("  {name}: {secs:.1} s");
    }
    if let Some(image) = &cluster.probe_image {
        eprintln!(
            "probe image on every node: {} ({image}); deploy with --resolve-image never",
            stackplan_cluster::PROBE_TAG
        );
    }
    for i in 0..cluster.len() {
        println!(
            "{}\t{}\texport DOCKER_HOST={}",
            cluster.hostname(i),
            cluster.addr(i),
            cluster.docker_host(i)
        );
    }
    eprintln!("Ctrl-C tears the cluster down.");
    // The signal thread tears down and exits; until then this thread has nothing to do.
    loop {
        std::thread::park();
    }
}
