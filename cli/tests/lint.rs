//! `stackplan lint` and `stackplan explain` end to end: formats, exit codes, `--deny warnings`,
//! `.stackplan.toml`, GitHub Actions detection, and findings that point into override files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::{Path, PathBuf};

mod common;
use common::Parts as _;

fn run(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> (u8, String, String) {
    common::run(args, cwd, env).parts()
}

/// A scratch project that is its own repository root (config discovery stops at `.git`).
fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = common::project(&format!("lint-{name}"), files);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir
}

const BASE: &str = "services:\n  api:\n    image: api:1.2\n    deploy:\n      replicas: 4\n      resources: {limits: {memory: 64M}}\n";
const UPDATE: &str =
    "services:\n  api:\n    deploy:\n      update_config:\n        parallelism: 0\n";

#[test]
fn findings_point_into_the_override_file_that_set_them() {
    let dir = project("override", &[("base.yml", BASE), ("update.yml", UPDATE)]);
    let (status, out, err) = run(
        &[
            "-f",
            "base.yml",
            "-f",
            "update.yml",
            "lint",
            "--format",
            "json",
        ],
        &dir,
        &[],
    );
    assert_eq!(status, 1, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let all = json["diagnostics"].as_array().unwrap();
    let outage = all
        .iter()
        .find(|d| d["rule"] == "SP103")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(outage["severity"], "error");
    assert_eq!(outage["location"]["file"], "update.yml");
    assert_eq!(outage["location"]["line"], 5);
    assert_eq!(outage["location"]["column"], 22);
}

#[test]
fn warnings_pass_unless_denied_and_config_files_change_levels() {
    // `latest` is only a warning (SP302). The file name makes it a Swarm stack: `deploy`
    // alone does not (plain Compose uses `deploy.resources` and `deploy.replicas`).
    let dir = project(
        "deny",
        &[("stack.yml", &BASE.replace("api:1.2", "api:latest"))],
    );
    let (status, out, _) = run(&["-f", "stack.yml", "lint"], &dir, &[]);
    assert_eq!(status, 0, "{out}");
    let (status, out, _) = run(
        &["-f", "stack.yml", "lint", "--deny", "warnings"],
        &dir,
        &[],
    );
    assert_eq!(status, 1, "{out}");
    // Turn off what fires and the same run is clean.
    let fired: Vec<String> = {
        let (_, json, _) = run(&["-f", "stack.yml", "lint", "--format", "json"], &dir, &[]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!fired.is_empty());
    let severity: String = fired.iter().map(|r| format!("{r} = \"off\"\n")).collect();
    std::fs::write(
        dir.join(".stackplan.toml"),
        format!("[lint.severity]\n{severity}"),
    )
    .unwrap();
    let (status, out, err) = run(
        &["-f", "stack.yml", "lint", "--deny", "warnings"],
        &dir,
        &[],
    );
    assert_eq!(status, 0, "{out}{err}");
    // An unknown rule in the config file is an error that names the file.
    std::fs::write(
        dir.join(".stackplan.toml"),
        "[lint]\ndisable = [\"no-such-rule\"]\n",
    )
    .unwrap();
    let (status, out, _) = run(&["-f", "stack.yml", "lint"], &dir, &[]);
    assert_eq!(status, 1);
    assert!(
        out.contains("SP000") && out.contains(".stackplan.toml"),
        "{out}"
    );
    // A malformed config file is a usage error with its line.
    std::fs::write(dir.join(".stackplan.toml"), "[lint]\ntarget = \"mars\"\n").unwrap();
    let (status, _, err) = run(&["-f", "stack.yml", "lint"], &dir, &[]);
    assert_eq!(status, 2);
    assert!(err.contains("lint.target"), "{err}");
}

#[test]
fn inline_and_service_suppressions() {
    let suppressed = "services:\n  api:\n    image: api:1.2\n    x-stackplan: {ignore: [no-resource-limits]}\n    deploy:\n      replicas: 4\n      update_config:\n        # stackplan: ignore[SP103] the staging stack may go down\n        parallelism: 0\n";
    let dir = project("suppress", &[("c.yml", suppressed)]);
    let (_, out, _) = run(&["-f", "c.yml", "lint", "--format", "json"], &dir, &[]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"SP103"), "{rules:?}");
    assert!(!rules.contains(&"SP303"), "{rules:?}");
}

#[test]
fn github_format_is_chosen_in_actions_and_escapes() {
    let dir = project("github", &[("base.yml", BASE), ("update.yml", UPDATE)]);
    let (_, out, _) = run(
        &["-f", "base.yml", "-f", "update.yml", "lint"],
        &dir,
        &[("GITHUB_ACTIONS", "true")],
    );
    let line = out
        .lines()
        .find(|l| l.contains("SP103"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with("::error file=update.yml,line=5,col=22"),
        "{line}"
    );
    // Properties escape `,` and `:`; messages escape newlines.
    assert!(!line.contains('\n'));
}

#[test]
fn explain_and_list_rules_come_from_the_rule_docs() {
    let dir = project("explain", &[]);
    let (status, out, _) = run(&["explain", "SP105"], &dir, &[]);
    assert_eq!(status, 0);
    assert!(out.contains("failure-action-default-pause"), "{out}");
    let (_, by_name, _) = run(&["explain", "failure-action-default-pause"], &dir, &[]);
    assert_eq!(out, by_name);
    let (status, _, err) = run(&["explain", "SP999"], &dir, &[]);
    assert_eq!(status, 2, "{err}");
    let (status, list, _) = run(&["lint", "--list-rules"], &dir, &[]);
    assert_eq!(status, 0);
    assert_eq!(list.lines().count(), stackplan_core_rule_count());
}

fn stackplan_core_rule_count() -> usize {
    // Every rule is listed once.
    let dir = project("count", &[]);
    let (_, list, _) = run(&["lint", "--list-rules"], &dir, &[]);
    let ids: std::collections::BTreeSet<&str> = list
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert!(ids.len() >= 30, "{list}");
    ids.len()
}
