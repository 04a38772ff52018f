//! Helpers for the workspace tests: finding `../shared`, running the CLI in-process like the
//! oracle was run, and comparing JSON structurally.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

pub mod docker;

use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The shared folder (conformance corpus, benchmark inputs), or `None` when this clone has
/// none beside it (a user's clone). `STACKPLAN_SHARED` overrides the location.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("STACKPLAN_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// Prints a skip message that cannot be missed in CI logs; fails instead when the caller
/// requires the input (CI sets `STACKPLAN_REQUIRE_SHARED=1`).
pub fn skip(what: &str) {
    if std::env::var_os("STACKPLAN_REQUIRE_SHARED").is_some() {
        panic!("{what} is required (STACKPLAN_REQUIRE_SHARED is set) but ../shared is missing");
    }
    eprintln!("\n==========\nSKIPPED: {what}: ../shared is not beside this clone\n==========\n");
}

pub mod probe;

pub use stackplan::Captured as Run;

/// Runs `stackplan ARGS` in `cwd` with exactly `env` as its environment.
pub fn run_cli(args: &[String], cwd: &Path, env: IndexMap<String, String>) -> Run {
    let mut argv = vec!["stackplan".to_owned()];
    argv.extend(args.iter().cloned());
    stackplan::run_captured(argv, env, &cwd.to_string_lossy())
}

/// Structural JSON equality as the corpus README defines it: object key order is irrelevant,
/// numbers compare by value, everything else (types, array order, nulls) matters. Returns the
/// path of the first difference.
pub fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    None => return Some(format!("{path}/{k}: missing (expected {v})")),
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &format!("{path}/{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map(|k| format!("{path}/{k}: unexpected (got {})", b[k]))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!(
                    "{path}: {} items expected, got {}: {actual}",
                    a.len(),
                    b.len()
                ));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}/{i}")))
        }
        (Value::Number(a), Value::Number(b)) => {
            (a.as_f64() != b.as_f64()).then(|| format!("{path}: expected {a}, got {b}"))
        }
        _ => (expected != actual).then(|| format!("{path}: expected {expected}, got {actual}")),
    }
}

/// One conformance case.
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub spec: Value,
}

impl Case {
    pub fn load(dir: &Path) -> Option<Case> {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).ok()?).ok()?;
        Some(Case {
            name: dir.file_name()?.to_string_lossy().into_owned(),
            dir: dir.to_path_buf(),
            spec,
        })
    }

    fn strings(&self, key: &str) -> Vec<String> {
        self.spec[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs the case as the oracle was run; `Err` describes a mismatch.
    pub fn check(&self) -> Result<(), String> {
        let mut args = vec!["-p".to_owned(), "conformance".to_owned()];
        args.extend(self.strings("args"));
        args.extend([
            "config".to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ]);
        args.extend(self.strings("config_args"));
        let mut env = IndexMap::new();
        env.insert("PATH".to_owned(), "/usr/bin:/bin".to_owned());
        if let Some(vars) = self.spec["env"].as_object() {
            for (k, v) in vars {
                env.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
            }
        }
        let run = run_cli(&args, &self.dir, env);
        let expect_ok = self.spec["expect"] == "ok";
        if !expect_ok {
            return match run.status {
                0 => Err(format!("expected an error, got success:\n{}", run.stdout)),
                _ if !run.stdout.is_empty() => Err("error exit but output on stdout".into()),
                _ => Ok(()),
            };
        }
        if run.status != 0 {
            return Err(format!("exit {}: {}", run.status, run.stderr.trim()));
        }
        let dir = self.dir.to_string_lossy();
        let actual_text = run.stdout.replace(dir.as_ref(), "${PWD}");
        let actual: Value =
            serde_json::from_str(&actual_text).map_err(|e| format!("invalid JSON: {e}"))?;
        let expected_text =
            std::fs::read_to_string(self.dir.join("expected.json")).map_err(|e| e.to_string())?;
        let expected: Value = serde_json::from_str(&expected_text).map_err(|e| e.to_string())?;
        match first_difference(&expected, &actual, "") {
            Some(diff) => Err(diff),
            None => Ok(()),
        }
    }
}
