//! Benchmark: the full plan of `../shared/bench/stack-300` (v1 → v2, two scenarios for each of
//! the 300 services), load excluded. Budget (brief §5): under 50 ms.
//! Run: `cargo bench -p stackplan-core --bench plan_stack300`.

use stackplan_core::loader::{LoadOptions, load};
use stackplan_core::plan::{PlanOptions, plan};
use stackplan_core::source::FileSource;
use std::time::Instant;

struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| e.to_string())
    }
    fn is_file(&self, path: &str) -> bool {
        std::path::Path::new(path).is_file()
    }
}

fn main() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/stack-300/files");
    let Ok(dir) = dir.canonicalize() else {
        eprintln!("SKIPPED: ../shared/bench/stack-300 is not beside this clone");
        return;
    };
    let base = [
        "docker-compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
    ];
    let files = |extra: Option<&str>| -> Vec<String> {
        base.iter()
            .copied()
            .chain(extra)
            .map(|f| dir.join(f).to_string_lossy().into_owned())
            .collect()
    };
    let working_dir = dir.to_string_lossy().into_owned();
    let load_set = |names: Vec<String>| {
        let opts = LoadOptions::new(names, working_dir.clone(), "bench".into());
        match load(&opts, &Disk) {
            Ok(loaded) => loaded,
            Err(failure) => panic!("stack-300 does not load: {}", failure.error),
        }
    };
    let current = load_set(files(None));
    let desired = load_set(files(Some("v2.yml")));
    let opts = PlanOptions::default();
    let mut times = Vec::new();
    let mut simulations = 0;
    for _ in 0..15 {
        let start = Instant::now();
        let result = plan(Some(&current), &desired, &opts);
        times.push(start.elapsed());
        simulations = result.services.iter().map(|s| s.simulations.len()).sum();
    }
    times.sort();
    println!(
        "plan of stack-300 ({simulations} simulations): median {:.2} ms, min {:.2} ms (budget 50 ms)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}
