//! `stackplan plan` end to end on the example stack (examples/quotes): release 2 → the broken
//! release 3, and the outputs CI uses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;

mod common;
use common::Parts as _;

fn run(args: &[&str]) -> (u8, String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quotes");
    common::run(args, &dir, &[]).parts()
}

const PROD: [&str; 10] = [
    "-f",
    "compose.yml",
    "-f",
    "prod.yml",
    "-f",
    "prod-healthcheck.yml",
    "-f",
    "prod-update-config.yml",
    "-f",
    "prod-rollback-config.yml",
];

fn args<'a>(release: &'a str, from: Option<&'a str>, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a: Vec<&str> = PROD.to_vec();
    a.extend(["-f", release, "plan"]);
    if let Some(from) = from {
        for f in [
            "compose.yml",
            "prod.yml",
            "prod-healthcheck.yml",
            "prod-update-config.yml",
            "prod-rollback-config.yml",
            from,
        ] {
            a.extend(["--from-file", f]);
        }
    }
    a.extend_from_slice(extra);
    a
}

#[test]
fn broken_release_is_detected_and_rolled_back() {
    let (status, out, err) = run(&args(
        "release-3-bad.yml",
        Some("release-2.yml"),
        &["--format", "json"],
    ));
    assert_eq!(status, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let services = json["plan"]["services"].as_array().unwrap();
    let api = services.iter().find(|s| s["name"] == "quotes-api").unwrap();
    assert_eq!(api["action"], "rolling-update");
    assert!(
        api["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == "image" && c["kind"] == "~")
    );
    let sims = api["simulations"].as_array().unwrap();
    assert_eq!(sims.len(), 2, "healthy and unhealthy by default");
    let unhealthy = sims.iter().find(|s| s["scenario"] == "unhealthy").unwrap();
    assert_eq!(unhealthy["outcome"], "rolled_back");
    let states: Vec<&str> = unhealthy["status_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["updating", "rollback_started", "rollback_completed"]
    );
    let healthy = sims.iter().find(|s| s["scenario"] == "healthy").unwrap();
    assert_eq!(healthy["outcome"], "completed");
    // start-first keeps every replica serving.
    assert_eq!(healthy["min_healthy"], 4);
    // The web service did not change.
    let web = services.iter().find(|s| s["name"] == "quotes-web").unwrap();
    assert_eq!(web["action"], "unchanged");
    // The effective spec says where each setting came from.
    let fields = api["effective"]["fields"].as_array().unwrap();
    let order = fields
        .iter()
        .find(|f| f["field"] == "update_config.order")
        .unwrap();
    assert_eq!(order["value"], "start-first");
    assert_eq!(order["source"]["location"], "prod-update-config.yml:9");
    let delay = fields
        .iter()
        .find(|f| f["field"] == "rollback_config.delay")
        .unwrap();
    assert_eq!(delay["source"]["kind"], "default");
    // Inputs are fingerprinted.
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 12);
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().unwrap().len() == 64)
    );
}

#[test]
fn detailed_exitcode_tells_changes_apart() {
    let (changed, _, _) = run(&args(
        "release-3-bad.yml",
        Some("release-2.yml"),
        &["--detailed-exitcode"],
    ));
    assert_eq!(changed, 2);
    let (same, out, _) = run(&args(
        "release-2.yml",
        Some("release-2.yml"),
        &["--detailed-exitcode"],
    ));
    assert_eq!(same, 0, "{out}");
    assert!(out.contains("unchanged"));
}

#[test]
fn human_and_markdown_outputs() {
    let (status, human, _) = run(&args(
        "release-3-bad.yml",
        Some("release-2.yml"),
        &["--scenario", "unhealthy"],
    ));
    assert_eq!(status, 0);
    assert!(human.contains("quotes-api  rolling update"), "{human}");
    assert!(
        human.contains(
            "rollback_started   update rolled back due to failure or early termination of task"
        ),
        "{human}"
    );
    assert!(
        human.contains(
            "~ image: stackplan-example/quotes-api:2.0 => stackplan-example/quotes-api:3.0-broken"
        ),
        "{human}"
    );
    let (_, md, _) = run(&args(
        "release-3-bad.yml",
        Some("release-2.yml"),
        &["--format", "markdown"],
    ));
    assert!(md.starts_with("### stackplan: rollout plan"), "{md}");
    assert!(
        md.contains("| quotes-api | rolling update | unhealthy: ROLLED BACK; healthy: completed |"),
        "{md}"
    );
    assert!(md.contains("<details>"));
}

#[test]
fn bad_scenarios_are_usage_errors() {
    let (status, _, err) = run(&args("release-2.yml", None, &["--scenario", "sideways"]));
    assert_eq!(status, 2);
    assert!(err.contains("--scenario sideways"), "{err}");
}

#[test]
fn first_deploy_creates_services() {
    let (status, out, _) = run(&args("release-1.yml", None, &["--format", "json"]));
    assert_eq!(status, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for service in json["plan"]["services"].as_array().unwrap() {
        assert_eq!(service["action"], "create");
        assert!(service["simulations"].as_array().unwrap().is_empty());
    }
}

#[test]
fn timing_comes_from_flags_and_x_stackplan() {
    let dir = std::env::temp_dir().join(format!("stackplan-timing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = "services:\n  api:\n    image: a:1\n    deploy: {replicas: 2, update_config: {parallelism: 1, failure_action: rollback}}\n";
    let slow = "services:\n  api:\n    image: a:2\n    x-stackplan: {timing: {start: 10s}}\n";
    std::fs::write(dir.join("base.yml"), base).unwrap();
    std::fs::write(dir.join("v2.yml"), "services:\n  api:\n    image: a:2\n").unwrap();
    std::fs::write(dir.join("v2-slow.yml"), slow).unwrap();
    let finished = |extra: &[&str], release: &str| {
        let mut args = vec![
            "-f",
            "base.yml",
            "-f",
            release,
            "plan",
            "--from-file",
            "base.yml",
            "--scenario",
            "healthy",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let (status, stdout, stderr) = common::run(&args, &dir, &[]).parts();
        assert_eq!(status, 0, "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        json["plan"]["services"][0]["simulations"][0]["finished_at_ms"]
            .as_u64()
            .unwrap()
    };
    let default = finished(&[], "v2.yml");
    let slower_by_flag = finished(&["--start-latency", "10s"], "v2.yml");
    let slower_by_extension = finished(&[], "v2-slow.yml");
    assert!(slower_by_flag > default, "{slower_by_flag} <= {default}");
    // `x-stackplan: {timing: {start: 10s}}` on the service means the same as the flag.
    assert_eq!(slower_by_extension, slower_by_flag);
}

/// Issue 12 item 3: `.env` and `env_file:` files are inputs of the plan file, so a changed
/// `TAG` in `.env` is a changed fingerprint, and the core's hash is not just its version.
#[test]
fn the_plan_file_fingerprints_env_files_too() {
    let dir = common::project(
        "plan-env-inputs",
        &[
            (
                "compose.yml",
                "services:\n  web:\n    image: nginx:${TAG}\n    env_file: web.env\n",
            ),
            (".env", "TAG=1.27\n"),
            ("web.env", "A=1\n"),
        ],
    );
    let plan = |dir: &Path| {
        let run = common::run(&["plan", "--format", "json"], dir, &[]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        json
    };
    let before = plan(&dir);
    let names: Vec<&str> = before["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(names, [".env", "compose.yml", "web.env"]);
    // What the fingerprint used to be: the hash of the version string alone.
    let version_only = stackplan_core::plan::file::sha256_hex(
        concat!("stackplan-core ", env!("CARGO_PKG_VERSION")).as_bytes(),
    );
    assert_ne!(before["core_sha256"], version_only.as_str());
    assert_eq!(before["core_build_id"].as_str().unwrap().len(), 64);
    std::fs::write(dir.join(".env"), "TAG=1.28\n").unwrap();
    let after = plan(&dir);
    assert_ne!(before["inputs"][0]["sha256"], after["inputs"][0]["sha256"]);
    assert_eq!(before["inputs"][1], after["inputs"][1]);
}

/// `plan -o plan.json` writes the plan file the README promises (JSON with the inputs'
/// hashes), not the terminal text under a `.json` name; `.md` and `.svg` likewise. An
/// explicit `--format` wins.
#[test]
fn the_output_file_s_extension_chooses_the_format() {
    let dir = common::project(
        "plan-output-extension",
        &[("compose.yml", "services:\n  web:\n    image: nginx:1.27\n")],
    );
    let written = |file: &str, extra: &[&str]| {
        let mut a = vec!["plan", "-o", file];
        a.extend_from_slice(extra);
        let run = common::run(&a, &dir, &[]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert_eq!(run.stdout, "");
        std::fs::read_to_string(dir.join(file)).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&written("plan.json", &[])).unwrap();
    assert_eq!(json["inputs"][0]["path"], "compose.yml");
    assert!(json["plan"]["changes"].as_bool().unwrap());
    assert!(written("plan.md", &[]).starts_with("### stackplan: rollout plan"));
    assert!(written("plan.SVG", &[]).starts_with("<svg"));
    assert!(written("plan.txt", &[]).starts_with("SERVICE"));
    assert!(written("other.json", &["--format", "human"]).starts_with("SERVICE"));
}
