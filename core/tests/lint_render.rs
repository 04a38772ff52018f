//! The four output formats: human (exact text), JSON (validated against its published
//! schema), SARIF (validated against the SARIF 2.1.0 schema) and GitHub workflow commands
//! (escaping).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "lint_support.rs"]
mod support;

use serde_json::Value;
use stackplan_core::lint::render::{github, human, json, sarif};
use stackplan_core::lint::{Diagnostic, LintOptions, RULES, Severity};
use support::*;

const BASE: &str = "services:
  web:
    image: example/web:1.0
    ports:
      - target: 80
        published: 80
        mode: host
    deploy:
      mode: global
      resources:
        limits: {memory: 64M}
";
const UPDATE: &str = "services:
  web:
    deploy:
      update_config:
        order: start-first
        failure_action: pause
";

/// The two files, without the (correct) `update-without-healthcheck` finding.
fn sample() -> (stackplan_core::loader::Loaded, Vec<Diagnostic>) {
    let opts = LintOptions {
        disabled: vec!["update-without-healthcheck".into()],
        ..swarm()
    };
    lint_with(&[("compose.yml", BASE), ("update.yml", UPDATE)], &opts)
}

#[test]
fn lint_human_is_rustc_style() {
    let (l, d) = sample();
    let text = human::render(
        &d,
        &l.sources,
        human::HumanOptions {
            color: false,
            summary: true,
        },
    );
    let expected = "\
error[SP101]: `order: start-first` with host-mode port 80: on a global service the new task is pinned to the old task's node, so the new task stays Pending (`host-mode port already in use`) while the old one keeps the port, and the update hangs in `updating` forever
 --> update.yml:5:16
  |
5 |         order: start-first
  |                ^^^^^^^^^^^
 ::: compose.yml:7:15
  |
7 |         mode: host
  |               ---- port 80 is published in host mode here
  |
  = help: stop-first frees the port before the new task starts; a hung update recovers with `docker service update --update-order stop-first SERVICE`
  = fix: use `order: stop-first`

1 error, 0 warnings, 0 infos
";
    assert_eq!(text, expected, "\n{text}");
    let colored = human::render(
        &d,
        &l.sources,
        human::HumanOptions {
            color: true,
            summary: false,
        },
    );
    assert!(
        colored.contains("\x1b[1;31merror[SP101]\x1b[0m"),
        "{colored}"
    );
}

#[test]
fn lint_human_without_location() {
    let opts = LintOptions {
        disabled: vec!["no-such".into()],
        ..swarm()
    };
    let (l, d) = lint_with(&[("compose.yml", BASE)], &opts);
    let text = human::render(&d, &l.sources, human::HumanOptions::default());
    assert_eq!(
        text,
        "error[SP000]: unknown rule `no-such` in lint options\n  = help: `stackplan lint --list-rules` lists the rule ids and names\n\n"
    );
}

// ------------------------------------------------------------------ JSON Schema checking

/// Validates with the jsonschema crate (every keyword, formats and patterns included).
fn errors(schema: &Value, value: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("a valid schema");
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn assert_valid(schema: &Value, value: &Value) {
    let errors = errors(schema, value);
    assert!(errors.is_empty(), "{errors:#?}\n{value:#}");
}

fn assert_invalid(schema: &Value, value: &Value) {
    assert!(
        !errors(schema, value).is_empty(),
        "should be rejected: {value:#}"
    );
}

/// The published diagnostics schema (generated from `LintReport` and drift-tested by
/// `tests/schemas.rs`).
fn diagnostics_schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schemas/diagnostics.schema.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn sarif_schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/lint/sarif-schema-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

/// Diagnostics of every shape: with and without location, fix, related, service.
fn varied() -> (stackplan_core::loader::Loaded, Vec<Diagnostic>) {
    let prod = "version: \"3.7\"
services:
  web:
    deploy:
      rollback_config:
        monitor: 0s
";
    let opts = LintOptions {
        disabled: vec!["bogus".into()],
        ..swarm()
    };
    let (l, d) = lint_with(
        &[
            ("compose.yml", BASE),
            ("update.yml", UPDATE),
            ("prod.yml", prod),
        ],
        &opts,
    );
    assert!(d.iter().any(|d| d.origin.is_none()));
    assert!(d.iter().any(|d| !d.related.is_empty()));
    assert!(
        d.iter()
            .any(|d| d.fix.as_ref().is_some_and(|f| f.replacement.is_some()))
    );
    assert!(
        d.iter()
            .any(|d| d.fix.as_ref().is_some_and(|f| f.replacement.is_none()))
    );
    (l, d)
}

#[test]
fn lint_json_matches_its_schema() {
    let schema = diagnostics_schema();
    let (l, d) = varied();
    let text = json::render(&d, &l.sources);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&schema, &value);
    // The schema is not vacuous.
    let mut bad = value.clone();
    bad["diagnostics"][0]["severity"] = Value::String("fatal".into());
    assert_invalid(&schema, &bad);
    let mut bad = value.clone();
    bad["diagnostics"][0].as_object_mut().unwrap().remove("fix");
    assert_invalid(&schema, &bad);
    let mut bad = value.clone();
    bad["diagnostics"][0]["rule"] = Value::String("X1".into());
    assert_invalid(&schema, &bad);
    // Stable shape and content.
    let first = &value["diagnostics"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "rule", "name", "severity", "message", "service", "location", "help", "fix", "related"
        ]
    );
    for entry in value["diagnostics"].as_array().unwrap() {
        let rule = entry["rule"].as_str().unwrap();
        assert!(rule.len() == 5 && rule.starts_with("SP"), "{rule}");
    }
    // SP000 (options), SP101 (start-first), SP206 (3.7 in prod.yml, 3.13 elsewhere).
    assert_eq!(value["summary"]["errors"], Value::from(3));
    let monitor = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule"] == "SP108")
        .unwrap();
    assert_eq!(
        monitor["location"],
        serde_json::json!({"file": "prod.yml", "line": 6, "column": 18, "end_line": 6, "end_column": 19})
    );
    assert_eq!(monitor["fix"]["replacement"], "5s");
}

#[test]
fn lint_sarif_matches_the_sarif_2_1_0_schema() {
    let schema = sarif_schema();
    let (l, d) = varied();
    let value: Value = serde_json::from_str(&sarif::render(&d, &l.sources)).unwrap();
    assert_valid(&schema, &value);
    let mut bad = value.clone();
    bad["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    assert_invalid(&schema, &bad);

    let run = &value["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    assert!(rules.iter().all(|r| {
        r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why it matters")
    }));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), d.len());
    for (r, diag) in results.iter().zip(&d) {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert_eq!(r["ruleId"], diag.rule);
        let fp = r["partialFingerprints"]["stackplan/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 16);
    }
    let monitor = results.iter().find(|r| r["ruleId"] == "SP108").unwrap();
    let region = &monitor["locations"][0]["physicalLocation"]["region"];
    // SARIF's endColumn is exclusive.
    assert_eq!(
        (
            region["startLine"].clone(),
            region["startColumn"].clone(),
            region["endColumn"].clone()
        ),
        (Value::from(6), Value::from(18), Value::from(20))
    );
    assert_eq!(region["snippet"]["text"], "        monitor: 0s");
    assert_eq!(
        monitor["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "5s"
    );
    let warning = results.iter().find(|r| r["ruleId"] == "SP108").unwrap();
    assert_eq!(warning["level"], "warning");
    // Fingerprints survive moving the finding down a line.
    let moved = "version: \"3.7\"\n\nservices:\n  web:\n    deploy:\n      rollback_config:\n        monitor: 0s\n";
    let (l2, d2) = lint_with(
        &[
            ("compose.yml", BASE),
            ("update.yml", UPDATE),
            ("prod.yml", moved),
        ],
        &swarm(),
    );
    let v2: Value = serde_json::from_str(&sarif::render(&d2, &l2.sources)).unwrap();
    let fp = |v: &Value| {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "SP108")
            .unwrap()["partialFingerprints"]
            .clone()
    };
    assert_eq!(fp(&value), fp(&v2));
}

#[test]
fn lint_github_workflow_commands_are_escaped() {
    let (l, d) = sample();
    let text = github::render(&d, &l.sources);
    assert_eq!(
        text,
        "::error file=update.yml,line=5,col=16,endLine=5,endColumn=26,title=SP101 start-first-port-conflict::`order: start-first` with host-mode port 80: on a global service the new task is pinned to the old task's node, so the new task stays Pending (`host-mode port already in use`) while the old one keeps the port, and the update hangs in `updating` forever%0A%0Ahelp: stop-first frees the port before the new task starts; a hung update recovers with `docker service update --update-order stop-first SERVICE`%0Afix: use `order: stop-first`\n"
    );
    assert_eq!(github::escape_data("100%\r\ndone"), "100%25%0D%0Adone");
    assert_eq!(github::escape_property("a:b,c%"), "a%3Ab%2Cc%25");

    // A file name with `:` and `,`, and an info as `notice`.
    let health = "services:\n  web:\n    healthcheck:\n      test: [CMD, x]\n      interval: 2s\n      start_period: 5s\n";
    let (l, d) = lint_with(&[("compose.yml", BASE), ("a:b,c.yml", health)], &swarm());
    assert_eq!(ids(&d), vec!["SP117"]);
    let text = github::render(&d, &l.sources);
    assert!(text.lines().any(|l| l.starts_with("::notice file=a%3Ab%2Cc.yml,line=6,col=21,endLine=6,endColumn=22,title=SP117 start-period-without-start-interval::")), "{text}");
    assert!(
        text.lines().all(|l| l.starts_with("::")),
        "one command per line: {text}"
    );
    assert_eq!(d.iter().filter(|d| d.severity == Severity::Info).count(), 1);
}
