//! The compose-config conformance corpus (`../shared/conformance/compose-config/`), our own
//! regression cases (`tests/regressions/compose-config/`, shrunk by compose-diff-fuzz from
//! mismatches it found; same layout, expected output printed by the oracle), and the
//! stack-300 benchmark input: `stackplan config --format json` must print what the oracle
//! (Docker Compose v2.26.1) printed, compared structurally.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use stackplan_tests::{Case, shared_dir, skip};

/// Cases we knowingly do not match yet, with the reason (also listed in the README).
const KNOWN_FAILURES: &[(&str, &str)] = &[(
    "fuzz-6521",
    "a type error in one file (`limits.memory: 2097152`, an integer) that a later file's \
     `!override` removes: the oracle validates the merged model after every file and rejects it; \
     stackplan checks keys, names and unique lists after every file but types only once, on the \
     final model",
)];

#[test]
fn compose_config_corpus() {
    let Some(shared) = shared_dir() else {
        skip("compose-config conformance corpus");
        return;
    };
    run_corpus(&shared.join("conformance/compose-config"), 169);
}

#[test]
fn regression_corpus() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions/compose-config");
    run_corpus(&corpus, 30);
}

fn run_corpus(corpus: &std::path::Path, at_least: usize) {
    let mut dirs: Vec<_> = std::fs::read_dir(corpus)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= at_least,
        "{} has {} cases",
        corpus.display(),
        dirs.len()
    );
    let mut failures = Vec::new();
    let mut unexpectedly_passing = Vec::new();
    let mut passed = 0;
    for dir in &dirs {
        let case = Case::load(dir).expect("case.json");
        let known = KNOWN_FAILURES.iter().any(|(name, _)| *name == case.name);
        match case.check() {
            Ok(()) => {
                passed += 1;
                if known {
                    unexpectedly_passing.push(case.name.clone());
                }
            }
            Err(why) if !known => failures.push(format!("{}: {why}", case.name)),
            Err(_) => {}
        }
    }
    let known_here = dirs
        .iter()
        .filter(|d| {
            KNOWN_FAILURES
                .iter()
                .any(|(name, _)| d.file_name().is_some_and(|f| f == *name))
        })
        .count();
    eprintln!(
        "{}: {passed} of {} cases pass ({known_here} known failures)",
        corpus.display(),
        dirs.len(),
    );
    assert!(
        failures.is_empty(),
        "{} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        unexpectedly_passing.is_empty(),
        "these cases pass now; remove them from KNOWN_FAILURES: {unexpectedly_passing:?}"
    );
}

#[test]
fn stack_300_matches_the_oracle() {
    let Some(shared) = shared_dir() else {
        skip("stack-300 benchmark input");
        return;
    };
    let case = Case::load(&shared.join("bench/stack-300")).expect("stack-300 case.json");
    if let Err(why) = case.check() {
        panic!("stack-300: {why}");
    }
}
