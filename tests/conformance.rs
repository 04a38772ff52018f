//! The compose-config conformance corpus (`../shared/conformance/compose-config/`), our own
//! regression cases (`tests/regressions/compose-config/`, shrunk by compose-diff-fuzz from
//! mismatches it found; same layout, expected output printed by the oracle), and the
//! stack-300 benchmark input: `stackplan config --format json` must print what the oracle
//! (Docker Compose v2.26.1) printed, compared structurally, and plain `stackplan config` (YAML,
//! the default format) must print the oracle's `expected.yaml` byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use indexmap::IndexMap;
use stackplan_tests::{Case, run_cli, shared_dir, skip};

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
fn compose_config_corpus_yaml() {
    let Some(shared) = shared_dir() else {
        skip("compose-config conformance corpus (YAML)");
        return;
    };
    run_yaml_corpus(&shared.join("conformance/compose-config"), 134);
}

#[test]
fn regression_corpus_yaml() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions/compose-config");
    run_yaml_corpus(&corpus, 1);
}

/// Runs every ok case that has an `expected.yaml` like the oracle was run (`-p conformance
/// ARGS config CONFIG_ARGS`, no `--format`) and compares stdout byte for byte, with the case
/// folder written as `${PWD}`.
fn run_yaml_corpus(corpus: &std::path::Path, at_least: usize) {
    let mut dirs: Vec<_> = std::fs::read_dir(corpus)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.yaml").is_file() && p.join("case.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= at_least,
        "{} has {} cases with expected.yaml",
        corpus.display(),
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let case = Case::load(dir).expect("case.json");
        if let Err(why) = check_yaml(&case) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    eprintln!(
        "{}: YAML identical on {} of {} cases",
        corpus.display(),
        dirs.len() - failures.len(),
        dirs.len()
    );
    assert!(
        failures.is_empty(),
        "{} cases print different YAML:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn strings(case: &Case, key: &str) -> Vec<String> {
    case.spec[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn check_yaml(case: &Case) -> Result<(), String> {
    let mut args = vec!["-p".to_owned(), "conformance".to_owned()];
    args.extend(strings(case, "args"));
    args.push("config".to_owned());
    args.extend(strings(case, "config_args"));
    let mut env = IndexMap::new();
    env.insert("PATH".to_owned(), "/usr/bin:/bin".to_owned());
    if let Some(vars) = case.spec["env"].as_object() {
        for (k, v) in vars {
            env.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    }
    let run = run_cli(&args, &case.dir, env);
    if run.status != 0 {
        return Err(format!("exit {}: {}", run.status, run.stderr.trim()));
    }
    let actual = run
        .stdout
        .replace(case.dir.to_string_lossy().as_ref(), "${PWD}");
    let expected =
        std::fs::read_to_string(case.dir.join("expected.yaml")).map_err(|e| e.to_string())?;
    if actual == expected {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "first difference at line {}: expected {:?}, got {:?}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
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

/// Regression error cases marked `"check_message": true` must fail with the oracle's words:
/// its `expected-error.txt` (the case folder written `${PWD}/`, which stackplan prints as the
/// relative `-f` path) is contained in stackplan's message.
#[test]
fn regression_error_messages() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions/compose-config");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&corpus).expect("corpus folder") {
        let dir = entry.expect("entry").path();
        let Some(case) = Case::load(&dir) else {
            continue;
        };
        if case.spec["check_message"] != true {
            continue;
        }
        checked += 1;
        let expected =
            std::fs::read_to_string(dir.join("expected-error.txt")).expect("expected-error.txt");
        let expected = expected.trim().replace("${PWD}/", "");
        let mut args = vec!["-p".to_owned(), "conformance".to_owned()];
        args.extend(strings(&case, "args"));
        args.push("config".to_owned());
        let env = IndexMap::from([("PATH".to_owned(), "/usr/bin:/bin".to_owned())]);
        let run = run_cli(&args, &dir, env);
        if run.status == 0 || !run.stderr.contains(&expected) {
            failures.push(format!(
                "{}: expected {expected:?}, got exit {}: {}",
                case.name,
                run.status,
                run.stderr.trim()
            ));
        }
    }
    assert!(checked >= 18, "only {checked} cases check their message");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
