//! Parity: every API request answered by the native core, by the wasm-bindgen module (Node,
//! `--target nodejs`) and by the plugin-ABI module (Node, instantiated with an empty import
//! object) must get byte-identical responses. Needs `scripts/build-wasm` and `node`; skips
//! loudly without them, fails instead when `STACKPLAN_REQUIRE_WASM` is set (CI).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[path = "wasm_support/mod.rs"]
mod wasm_support;

use serde_json::{Map, Value, json};
use stackplan_core::api::handle_json;
use stackplan_core::api::project::FileContent;
use std::path::Path;
use std::process::Command;
use wasm_support::{built, skip_or_fail, which, workspace_root};

const REQUIRE: &str = "STACKPLAN_REQUIRE_WASM";

/// A named request, as the bytes a front end would send.
struct Probe {
    name: String,
    request: Vec<u8>,
}

fn probe(name: impl Into<String>, request: impl Into<Vec<u8>>) -> Probe {
    Probe {
        name: name.into(),
        request: request.into(),
    }
}

/// Requests about the envelope itself: every operation, and the malformed ones.
fn envelope_probes() -> Vec<Probe> {
    vec![
        probe("version", br#"{"api_version":1,"op":"version"}"#.to_vec()),
        probe(
            "version, other key order",
            br#"{"op":"version","api_version":1}"#.to_vec(),
        ),
        probe(
            "unsupported version",
            br#"{"api_version":2,"op":"version"}"#.to_vec(),
        ),
        probe("unknown op", br#"{"api_version":1,"op":"nope"}"#.to_vec()),
        probe("empty", Vec::new()),
        probe("truncated JSON", b"{".to_vec()),
        probe("array", b"[]".to_vec()),
        probe("invalid UTF-8", b"\xff\xfe".to_vec()),
        probe("NUL bytes", b"\0\0\0".to_vec()),
        probe(
            "deep nesting",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        ),
        probe(
            "non-ASCII op",
            json!({"api_version": 1, "op": "vérsion ✓"}).to_string(),
        ),
    ]
}

fn frame(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap().to_le_bytes());
    out.extend_from_slice(bytes);
}

fn unframe(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    while bytes.len() >= 4 {
        let len = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
        frames.push(bytes[4..4 + len].to_vec());
        bytes = &bytes[4 + len..];
    }
    frames
}

/// Every file under `dir`, by path relative to it, as the API's `files` map.
fn files_of(dir: &Path) -> Map<String, Value> {
    fn walk(root: &Path, dir: &Path, out: &mut Map<String, Value>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let content = FileContent::from_bytes(&std::fs::read(&path).unwrap());
                out.insert(name, serde_json::to_value(content).unwrap());
            }
        }
    }
    let mut out = Map::new();
    walk(dir, dir, &mut out);
    out
}

/// A conformance case's `args` (the global Compose options) as the API's `project`.
fn project_of_case(dir: &Path, spec: &Value) -> Value {
    let strings = |key: &str| -> Vec<String> {
        spec[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut project = json!({
        "files": files_of(dir),
        "working_directory": "/case",
        "environment": spec["env"].as_object().cloned().unwrap_or_default(),
        "project_name": "conformance",
        "compose_files": [],
        "profiles": [],
        "env_files": [],
    });
    let args = strings("args");
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (key, repeatable) = match arg.as_str() {
            "-f" | "--file" => ("compose_files", true),
            "--profile" => ("profiles", true),
            "--env-file" => ("env_files", true),
            "-p" | "--project-name" => ("project_name", false),
            "--project-directory" => ("project_directory", false),
            _ => continue,
        };
        let Some(value) = args.next() else { break };
        match (&mut project[key], repeatable) {
            (Value::Array(list), true) => list.push(json!(value)),
            (slot, _) => *slot = json!(value),
        }
    }
    project
}

/// `config` (JSON, YAML with origins, and the case's own flags), `lint` and `plan` (from
/// nothing, the default scenarios) of every case folder under `corpus`.
fn corpus_probes(label: &str, corpus: &Path) -> Vec<Probe> {
    let mut cases: Vec<_> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    let mut probes = Vec::new();
    for dir in cases {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
        let name = format!("{label}/{}", dir.file_name().unwrap().to_string_lossy());
        let project = project_of_case(&dir, &spec);
        let flags: Vec<String> = spec["config_args"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let flag = |f: &str| flags.iter().any(|x| x == f);
        let requests = [
            (
                "config json",
                json!({"api_version": 1, "op": "config", "project": project,
                "output": "json", "no_interpolate": flag("--no-interpolate"),
                "no_normalize": flag("--no-normalize"),
                "no_path_resolution": flag("--no-path-resolution")}),
            ),
            (
                "config yaml+origins",
                json!({"api_version": 1, "op": "config",
                "project": project, "origins": true}),
            ),
            (
                "lint",
                json!({"api_version": 1, "op": "lint", "project": project,
                "format": "json"}),
            ),
            (
                "plan",
                json!({"api_version": 1, "op": "plan", "project": project}),
            ),
        ];
        for (what, request) in requests {
            probes.push(probe(format!("{name}: {what}"), request.to_string()));
        }
    }
    probes
}

/// Every scenario kind on every transition we have: the quotes releases and the real-Swarm
/// test stacks (the §8 scenarios of swarm-rollout-semantics.md), rendered in every format.
fn scenario_probes() -> Vec<Probe> {
    let scenarios = [
        "healthy",
        "unhealthy",
        "unhealthy-after=10s",
        "crash-after=8s",
        "crash-after=3s:137",
        "unschedulable",
        "healthy,exit0-on-sigterm",
        "unhealthy,ignore-sigterm",
    ];
    let root = workspace_root();
    let quotes_base = [
        "compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
    ];
    let with = |release: &str| {
        let mut files: Vec<String> = quotes_base.iter().map(|s| s.to_string()).collect();
        files.push(release.to_owned());
        files
    };
    let mut transitions = vec![
        (
            "quotes 1 -> 2",
            root.join("examples/quotes"),
            with("release-1.yml"),
            with("release-2.yml"),
        ),
        (
            "quotes 2 -> 3-bad",
            root.join("examples/quotes"),
            with("release-2.yml"),
            with("release-3-bad.yml"),
        ),
        (
            "quotes nothing -> 1",
            root.join("examples/quotes"),
            vec![],
            with("release-1.yml"),
        ),
    ];
    let swarm = root.join("tests/swarm/compose");
    let mut stacks: Vec<_> = std::fs::read_dir(&swarm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("v2.yml").is_file())
        .collect();
    stacks.sort();
    for dir in stacks {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let v = |n: &str| vec!["compose.yml".to_owned(), format!("{n}.yml")];
        transitions.push((
            Box::leak(format!("swarm {name} v1 -> v2").into_boxed_str()),
            dir,
            v("v1"),
            v("v2"),
        ));
    }
    let mut probes = Vec::new();
    for (name, dir, from, to) in transitions {
        // The real-Swarm stacks take their image from the harness.
        let project = json!({"files": files_of(&dir), "compose_files": to,
            "working_directory": "/stack",
            "environment": {"STACKPLAN_E2E_IMAGE": "stackplan-e2e:test"}});
        for format in ["none", "human", "json", "markdown", "svg"] {
            let request = json!({"api_version": 1, "op": "plan", "project": project,
                "from_files": from, "scenarios": scenarios, "format": format});
            probes.push(probe(format!("{name}: plan {format}"), request.to_string()));
        }
        for (nodes, engine) in [(3, "25.0"), (1, "28.1")] {
            let request = json!({"api_version": 1, "op": "plan", "project": project,
                "from_files": from, "nodes": nodes, "engine_version": engine,
                "timing": {"start_latency": "2s", "probe_duration": "50ms"}});
            probes.push(probe(
                format!("{name}: plan {nodes} nodes, engine {engine}"),
                request.to_string(),
            ));
        }
    }
    probes
}

/// The lint fixtures in every output format, and every rule's documentation.
fn lint_probes() -> Vec<Probe> {
    let root = workspace_root();
    let mut probes = Vec::new();
    for (name, dir) in [
        ("lint fixture", root.join("core/tests/fixtures/lint/stack")),
        ("quotes", root.join("examples/quotes")),
    ] {
        let files = files_of(&dir);
        let compose_files: Vec<&String> = files.keys().filter(|k| k.ends_with(".yml")).collect();
        let project = json!({"files": files, "compose_files": compose_files,
            "working_directory": "/stack"});
        for format in ["none", "human", "json", "sarif", "github"] {
            for target in ["swarm", "compose"] {
                let request = json!({"api_version": 1, "op": "lint", "project": project,
                    "format": format, "target": target, "nodes": 3});
                probes.push(probe(
                    format!("{name}: lint {format} {target}"),
                    request.to_string(),
                ));
            }
        }
    }
    let rules: Value =
        serde_json::from_slice(&handle_json(br#"{"api_version":1,"op":"rules"}"#)).unwrap();
    probes.push(probe(
        "rules",
        br#"{"api_version":1,"op":"rules"}"#.to_vec(),
    ));
    for rule in rules["result"]["rules"].as_array().into_iter().flatten() {
        for key in ["id", "name"] {
            let request = json!({"api_version": 1, "op": "explain", "rule": rule[key]});
            probes.push(probe(format!("explain {}", rule[key]), request.to_string()));
        }
    }
    probes.push(probe(
        "explain unknown",
        json!({"api_version": 1, "op": "explain", "rule": "nope"}).to_string(),
    ));
    probes
}

fn all_probes() -> Vec<Probe> {
    let mut probes = envelope_probes();
    probes.extend(scenario_probes());
    probes.extend(lint_probes());
    probes.extend(corpus_probes(
        "regressions",
        &workspace_root().join("tests/regressions/compose-config"),
    ));
    match stackplan_tests::shared_dir() {
        Some(shared) => probes.extend(corpus_probes(
            "conformance",
            &shared.join("conformance/compose-config"),
        )),
        None => stackplan_tests::skip("wasm parity over the public conformance corpus"),
    }
    probes
}

#[test]
fn native_bindgen_and_plugin_answer_byte_for_byte_alike() {
    let built = match built() {
        Ok(built) => built,
        Err(why) => return skip_or_fail("wasm parity", &why, REQUIRE),
    };
    if which("node").is_none() {
        return skip_or_fail("wasm parity", "node is not on PATH", REQUIRE);
    }
    let probes = all_probes();
    let scratch = std::env::temp_dir().join(format!("stackplan-parity-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let (requests_path, out_path) = (scratch.join("requests.bin"), scratch.join("out.bin"));
    let mut requests = Vec::new();
    for p in &probes {
        frame(&mut requests, &p.request);
    }
    std::fs::write(&requests_path, requests).unwrap();

    let run = Command::new("node")
        .arg(workspace_root().join("wasm/parity.mjs"))
        .args([&built.node_pkg_js, &built.plugin, &requests_path, &out_path])
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "node parity.mjs failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let frames = unframe(&std::fs::read(&out_path).unwrap());
    std::fs::remove_dir_all(&scratch).ok();
    assert_eq!(
        frames.len(),
        2 * probes.len() + 1,
        "one frame pair per request + report"
    );

    let mut mismatches = Vec::new();
    for (p, answers) in probes.iter().zip(frames.chunks(2)) {
        let native = handle_json(&p.request);
        for (face, answer) in [("wasm-bindgen", &answers[0]), ("plugin ABI", &answers[1])] {
            if *answer != native {
                mismatches.push(format!(
                    "{}: {face} differs\n  native: {}\n  wasm:   {}",
                    p.name,
                    String::from_utf8_lossy(&native),
                    String::from_utf8_lossy(answer)
                ));
            }
        }
    }
    // What was compared, so a run whose requests all fail early cannot pass unnoticed.
    let mut answered: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for p in &probes {
        let response: Value = serde_json::from_slice(&handle_json(&p.request)).unwrap();
        let op = response["op"].as_str().unwrap_or("(none)").to_owned();
        let entry = answered.entry(op).or_default();
        if response["ok"] == true {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    eprintln!(
        "wasm parity: {} requests x 2 faces compared with the native core; per op (ok, error): {answered:?}",
        probes.len()
    );
    for op in ["config", "lint", "plan", "explain", "rules", "version"] {
        assert!(
            answered.get(op).is_some_and(|(ok, _)| *ok > 0),
            "no successful {op} request among the probes: {answered:?}"
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} responses differ (stale build? run scripts/build-wasm):\n{}",
        mismatches.len(),
        2 * probes.len(),
        mismatches.join("\n")
    );

    // The plugin module's own report, measured under Node.
    let report: Value = serde_json::from_slice(frames.last().unwrap()).unwrap();
    assert_eq!(
        report["imports"],
        json!([]),
        "the plugin module has no imports"
    );
    let mut exports: Vec<&str> = report["exports"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|e| e.starts_with("function:") || e.starts_with("memory:"))
        .collect();
    exports.sort_unstable();
    assert_eq!(
        exports,
        [
            "function:stackplan_abi_version",
            "function:stackplan_alloc",
            "function:stackplan_call",
            "function:stackplan_dealloc",
            "memory:memory"
        ]
    );
    assert_eq!(report["abi_version"], 1);
    assert_ne!(report["alloc_zero"], 0, "an empty buffer is not a failure");
    assert_eq!(report["alloc_negative"], 0);
    assert_eq!(
        report["alloc_two_huge_buffers_one_failed"], true,
        "allocation failure returns 0, not a trap"
    );
    assert_eq!(
        report["memory_grew_over_2000_calls"], false,
        "buffers are freed"
    );
    assert_eq!(
        report["empty_call_response"].as_str().unwrap().as_bytes(),
        handle_json(b""),
        "a null/empty request is answered, not trapped"
    );
    assert_eq!(
        report["bindgen_api_version"],
        stackplan_core::api::API_VERSION
    );
    assert_eq!(
        report["bindgen_string_face"].as_str().unwrap().as_bytes(),
        handle_json(br#"{"api_version":1,"op":"version"}"#)
    );
}
