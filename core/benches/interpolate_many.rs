//! Benchmark (issue 11 item 14): one value holding N `${X:-y}` expressions and no newline,
//! which took 79 s for N = 200,000 when each expression searched for its line's end. Prints
//! the time per size and fails if the cost per expression grows more than fivefold from
//! 20,000 to 200,000 expressions (linear would keep it flat).
//! Run: `cargo test --release -p stackplan-core --bench interpolate_many -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use stackplan_core::interpolate::interpolate;
use std::time::{Duration, Instant};

fn time(n: usize) -> Duration {
    let value = "${X:-y}".repeat(n);
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let out = interpolate(&value, &|_| None).unwrap();
        best = best.min(started.elapsed());
        assert_eq!(out.value.len(), n);
    }
    best
}

#[test]
fn many_expressions_in_one_value() {
    let mut per_expression = Vec::new();
    for n in [5_000, 10_000, 20_000, 40_000, 200_000] {
        let took = time(n);
        let ns = took.as_nanos() as f64 / n as f64;
        println!(
            "{n:>7} x ${{X:-y}}: {:>8.2} ms ({ns:.0} ns per expression)",
            took.as_secs_f64() * 1e3
        );
        per_expression.push((n, ns));
    }
    let at = |n: usize| {
        per_expression
            .iter()
            .find(|(m, _)| *m == n)
            .map(|(_, ns)| *ns)
            .unwrap()
    };
    assert!(
        at(200_000) < 5.0 * at(20_000).max(50.0),
        "{per_expression:?}"
    );
}
