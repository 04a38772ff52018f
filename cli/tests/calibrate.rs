//! `stackplan calibrate` without Docker (its analysis of saved observations, its refusals)
//! and `plan` reading timing profiles: `--timing FILE`, `.stackplan.toml` `[timing]`, flags
//! over both. The real-Swarm run of `calibrate` is `tests/calibrate_swarm.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::{Path, PathBuf};

mod common;
use common::Parts as _;

fn fidelity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fidelity")
}

/// The `[timing]` table of a profile, as text.
fn timing_table(text: &str) -> String {
    text.split("\n[timing]\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn saved_observations_give_the_committed_profile() {
    // docs/fidelity/timing-this-machine.toml was written by `calibrate` together with these
    // observations (--save-observations); analysing them again gives the same [timing].
    let dir = common::project("calibrate-replay", &[]);
    let observations = fidelity_dir().join("timing-this-machine.observations.json");
    let committed =
        std::fs::read_to_string(fidelity_dir().join("timing-this-machine.toml")).unwrap();
    let obs = observations.to_string_lossy();
    let (status, out, err) = common::run(
        &["calibrate", "--from-observations", &obs, "-o", "p.toml"],
        &dir,
        &[],
    )
    .parts();
    assert_eq!(status, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("start-concurrent"),
        "the summary names every latency: {err}"
    );
    let written = std::fs::read_to_string(dir.join("p.toml")).unwrap();
    assert_eq!(timing_table(&written), timing_table(&committed));
    // An existing file is not replaced without --force; nothing is measured first.
    let (status, _, err) = common::run(
        &["calibrate", "--from-observations", &obs, "-o", "p.toml"],
        &dir,
        &[],
    )
    .parts();
    assert_eq!(status, 2);
    assert!(
        err.contains("p.toml exists") && err.contains("--force"),
        "{err}"
    );
    std::fs::write(dir.join("p.toml"), "old").unwrap();
    let (status, _, err) = common::run(
        &[
            "calibrate",
            "--from-observations",
            &obs,
            "-o",
            "p.toml",
            "--force",
        ],
        &dir,
        &[],
    )
    .parts();
    assert_eq!(status, 0, "{err}");
    assert_ne!(std::fs::read_to_string(dir.join("p.toml")).unwrap(), "old");
    // Without --image there is nothing to measure with.
    let (status, _, err) = common::run(&["calibrate"], &dir, &[]).parts();
    assert_eq!(status, 2);
    assert!(err.contains("--image"), "{err}");
}

#[test]
fn observations_without_a_lone_start_are_refused() {
    let dir = common::project(
        "calibrate-empty",
        &[(
            "obs.json",
            r#"{"steps": [], "probes": [], "networked": true}"#,
        )],
    );
    let (status, out, err) =
        common::run(&["calibrate", "--from-observations", "obs.json"], &dir, &[]).parts();
    assert_eq!(status, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("no task started alone"), "{err}");
}

#[test]
fn plan_reads_timing_from_a_profile_and_from_stackplan_toml() {
    let base = "services:\n  api:\n    image: a:1\n    deploy: {replicas: 4, update_config: {parallelism: 2, order: start-first}}\n";
    let profile = "[calibration]\nnote = \"test\"\n[timing]\nstart-latency = \"3s\"\nstart-concurrent = \"500ms\"\n";
    let dir = common::project(
        "plan-timing-profile",
        &[
            ("base.yml", base),
            ("v2.yml", "services:\n  api:\n    image: a:2\n"),
            ("slow.toml", profile),
            (".git/HEAD", ""),
        ],
    );
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "-f",
            "base.yml",
            "-f",
            "v2.yml",
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
        json
    };
    let started = |json: &serde_json::Value, task: &str| {
        json["plan"]["services"][0]["simulations"][0]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == task)
            .and_then(|t| t["started_at_ms"].as_u64())
            .unwrap()
    };
    let default = plan(&[]);
    // Two at once: 1 s, and 250 ms later (start spacing).
    assert_eq!(
        (started(&default, "N1"), started(&default, "N2")),
        (1_000, 1_250)
    );
    let profiled = plan(&["--timing", "slow.toml"]);
    assert_eq!(
        (started(&profiled, "N1"), started(&profiled, "N2")),
        (3_500, 3_750)
    );
    // The profile is an input of the plan file.
    let inputs = profiled["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["role"] == "timing" && i["path"] == "slow.toml"),
        "{inputs:?}"
    );
    // A flag overrides the profile, field by field.
    let flagged = plan(&["--timing", "slow.toml", "--start-latency", "2s"]);
    assert_eq!(started(&flagged, "N1"), 2_500);
    // `.stackplan.toml` [timing] applies without a flag; the profile overrides it.
    std::fs::write(
        dir.join(".stackplan.toml"),
        "[lint]\ndisable = [\"SP101\"]\n[timing]\nstart-latency = \"5s\"\nstart-spacing = \"1s\"\n",
    )
    .unwrap();
    let configured = plan(&[]);
    assert_eq!(
        (started(&configured, "N1"), started(&configured, "N2")),
        (5_000, 6_000)
    );
    let both = plan(&["--timing", "slow.toml"]);
    assert_eq!((started(&both, "N1"), started(&both, "N2")), (3_500, 4_500));
    // A broken profile is an error that names it (exit 2, as for a broken .stackplan.toml
    // in lint).
    std::fs::write(dir.join("bad.toml"), "[timing]\nstart = \"1s\"\n").unwrap();
    let (status, _, err) = common::run(
        &["-f", "base.yml", "plan", "--timing", "bad.toml"],
        &dir,
        &[],
    )
    .parts();
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("bad.toml:2"), "{err}");
}
