//! The published JSON Schemas in `schemas/` are generated from our types (schemars) and must
//! not drift: this test regenerates them and compares. Run with `STACKPLAN_UPDATE_SCHEMAS=1`
//! to rewrite them after an intended change. It also validates real output against them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::{Path, PathBuf};

fn schema_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(name)
}

/// Compares a generated schema with the checked-in file (or writes it when asked to).
fn check(name: &str, generated: &serde_json::Value) {
    let text = serde_json::to_string_pretty(generated).unwrap() + "\n";
    let path = schema_path(name);
    if std::env::var_os("STACKPLAN_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with STACKPLAN_UPDATE_SCHEMAS=1",
            path.display()
        )
    });
    assert!(
        on_disk == text,
        "{} drifted from the types: run `STACKPLAN_UPDATE_SCHEMAS=1 cargo test -p stackplan-tests --test schemas` and commit it",
        path.display()
    );
}

#[test]
fn plan_schema_is_current_and_describes_real_plans() {
    let schema =
        serde_json::to_value(schemars::schema_for!(stackplan_core::plan::PlanFile)).unwrap();
    check("plan.schema.json", &schema);

    // A real plan of the example stack, with every scenario kind, validates.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quotes");
    let mut args: Vec<String> = Vec::new();
    for f in [
        "compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
    ] {
        args.extend(["-f".into(), f.into()]);
    }
    args.extend([
        "-f".into(),
        "release-3-bad.yml".into(),
        "plan".into(),
        "--format".into(),
        "json".into(),
    ]);
    for f in ["compose.yml", "prod.yml", "release-2.yml"] {
        args.extend(["--from-file".into(), f.into()]);
    }
    for s in [
        "healthy",
        "unhealthy",
        "crash-after=8s:1",
        "unhealthy-after=20s",
        "unschedulable",
        "healthy,exit0-on-sigterm",
    ] {
        args.extend(["--scenario".into(), s.into()]);
    }
    let run = stackplan_tests::run_cli(&args, &dir, indexmap::IndexMap::new());
    assert_eq!(run.status, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "plan output does not match its schema:\n{}",
        errors.join("\n")
    );
    // And the schema is not vacuous: a plan with a wrong type fails.
    let mut broken = plan.clone();
    broken["plan"]["changes"] = serde_json::json!("yes");
    assert!(!validator.is_valid(&broken));
}
