//! Benchmark: lint 10,000 services (about three findings each, in one file) and render the
//! findings in every format, load excluded. Each renderer should cost about as much as the
//! JSON one: none may rescan the file per diagnostic (issue 11, item 14).
//! Run: `cargo bench -p stackplan-core --bench lint_render` (`-- N` for another size).

use stackplan_core::lint::render::{github, human, json, sarif};
use stackplan_core::lint::{LintOptions, Target, lint};
use stackplan_core::loader::{LoadOptions, load};
use stackplan_core::source::MemoryFiles;
use std::time::{Duration, Instant};

fn stack(services: usize) -> String {
    let mut text = String::from("services:\n");
    for i in 0..services {
        text.push_str(&format!(
            "  svc{i}:\n    image: example/app\n    restart: always\n    deploy:\n      replicas: 2\n      update_config:\n        parallelism: 0\n        monitor: 0s\n"
        ));
    }
    text
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn main() {
    let services: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let text = stack(services);
    let files = MemoryFiles::new().with("/bench/docker-stack.yml", text.as_str());
    let mut opts = LoadOptions::new(
        vec!["/bench/docker-stack.yml".into()],
        "/bench".into(),
        "bench".into(),
    );
    opts.display_names = vec!["docker-stack.yml".into()];
    let loaded = match load(&opts, &files) {
        Ok(loaded) => loaded,
        Err(failure) => panic!("the bench stack does not load: {}", failure.error),
    };
    let lint_opts = LintOptions {
        target: Some(Target::Swarm),
        ..LintOptions::default()
    };
    let runs = 5;
    let (lint_time, diagnostics) = time(runs, || lint(&loaded, &lint_opts));
    println!(
        "lint_render: {services} services, {} bytes, {} findings (median of {runs})",
        text.len(),
        diagnostics.len()
    );
    println!("  lint           {:>10.1?}", lint_time);
    let sources = &loaded.sources;
    type Render<'r> = Box<dyn Fn() -> String + 'r>;
    let report: [(&str, Render<'_>); 4] = [
        ("json", Box::new(|| json::render(&diagnostics, sources))),
        (
            "human",
            Box::new(|| human::render(&diagnostics, sources, human::HumanOptions::default())),
        ),
        ("sarif", Box::new(|| sarif::render(&diagnostics, sources))),
        ("github", Box::new(|| github::render(&diagnostics, sources))),
    ];
    for (name, render) in &report {
        let (t, out) = time(runs, render);
        println!("  render {name:<7} {:>10.1?}  ({} bytes)", t, out.len());
    }
}
