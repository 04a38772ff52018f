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

/// Lints a stack with errors, warnings and infos in two files.
fn lint_output(format: &str) -> serde_json::Value {
    let dir =
        std::env::temp_dir().join(format!("stackplan-schemas-{}-{format}", std::process::id()));
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(
        dir.join("compose.yml"),
        "services:\n  api:\n    image: api:latest\n    restart: always\n    healthcheck:\n      test: [CMD, /app, -check]\n      interval: 2s\n      timeout: 3s\n      start_period: 5s\n    deploy:\n      replicas: 3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("prod.yml"),
        "services:\n  api:\n    deploy:\n      update_config: {parallelism: 0, monitor: 0s, max_failure_ratio: 2}\n",
    )
    .unwrap();
    let args: Vec<String> = [
        "-f",
        "compose.yml",
        "-f",
        "prod.yml",
        "lint",
        "--format",
        format,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let run = stackplan_tests::run_cli(&args, &dir, indexmap::IndexMap::new());
    assert_eq!(run.status, 1, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn diagnostics_schema_is_current_and_describes_real_output() {
    // The serialize contract: what `lint --format json` writes (every field present, `null`
    // when unknown), not what a reader may leave out.
    let schema = serde_json::to_value(
        schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<stackplan_core::lint::render::json::LintReport>(),
    )
    .unwrap();
    check("diagnostics.schema.json", &schema);
    let report = lint_output("json");
    assert!(
        !report["diagnostics"].as_array().unwrap().is_empty(),
        "the example stack should give findings"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut broken = report.clone();
    broken["diagnostics"][0]["severity"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/lint/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let sarif = lint_output("sarif");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["partialFingerprints"].is_object()));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().all(|r| r["help"]["text"].is_string()));
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("catastrophe");
    assert!(!validator.is_valid(&broken));
}

/// Every YAML document of a case's input files, as JSON (the way a schema-aware editor sees it).
fn documents_of(case_dir: &Path) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut stack = vec![case_dir.join("files")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.to_string_lossy().into_owned();
            if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(text) = stackplan_core::yaml::decode(&bytes, 0) else {
                continue;
            };
            let Ok(docs) =
                stackplan_core::yaml::parse(&text, 0, &stackplan_core::yaml::Limits::default())
            else {
                continue;
            };
            for doc in docs {
                let value = stackplan_core::render::to_json_value(
                    &doc,
                    &stackplan_core::render::RenderOptions::default(),
                );
                out.push((name.clone(), value));
            }
        }
    }
    out
}

/// Cases the oracle rejects because a single file breaks the schema.
const SCHEMA_ERRORS: &[&str] = &[
    "inv-unknown-service-key",
    "inv-unknown-top-level-key",
    "int-service-name-var",
    "inv-deploy-memory-int",
    "inv-services-list",
    "enc-top-level-list",
];

#[test]
fn compose_schema_is_current_and_agrees_with_the_loader_on_the_corpus() {
    let schema = stackplan_core::loader::model_schema::compose_file_schema();
    check("compose.schema.json", &schema);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut corpora =
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions/compose-config")];
    // Our own regression cases are always here; the public corpus only beside ../shared. The
    // floor below is for the cases present, so a user's clone (no ../shared) still checks ours.
    let mut floor = 40;
    match stackplan_tests::shared_dir() {
        Some(shared) => {
            corpora.push(shared.join("conformance/compose-config"));
            floor = 100;
        }
        None => stackplan_tests::skip("compose schema against the conformance corpus"),
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for corpus in corpora {
        for entry in std::fs::read_dir(&corpus).unwrap().flatten() {
            let Some(case) = stackplan_tests::Case::load(&entry.path()) else {
                continue;
            };
            let ok = case.spec["expect"] == "ok";
            let docs = documents_of(&case.dir);
            let invalid: Vec<String> = docs
                .iter()
                .filter_map(|(file, doc)| {
                    validator
                        .iter_errors(doc)
                        .next()
                        .map(|e| format!("{file}: {e} at {}", e.instance_path()))
                })
                .collect();
            checked += docs.len();
            if ok && !invalid.is_empty() {
                problems.push(format!(
                    "{} (the oracle and stackplan accept it): {}",
                    case.name,
                    invalid.join("; ")
                ));
            }
            if SCHEMA_ERRORS.contains(&case.name.as_str()) && invalid.is_empty() {
                problems.push(format!("{}: a schema error the schema accepts", case.name));
            }
        }
    }
    assert!(
        checked > floor,
        "only {checked} documents checked (expected more than {floor})"
    );
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The quotes example's files, as an API file map (name → text).
fn quotes_files() -> serde_json::Map<String, serde_json::Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quotes");
    let mut files = serde_json::Map::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yml") {
            files.insert(name, std::fs::read_to_string(entry.path()).unwrap().into());
        }
    }
    files.insert(".env".into(), "TAG=3\n".into());
    // A stack with errors, warnings and infos in two files (as `lint_output` lints).
    files.insert(
        "lint-a.yml".into(),
        "services:\n  api:\n    image: api:latest\n    restart: always\n    healthcheck:\n      test: [CMD, /app, -check]\n      interval: 2s\n      timeout: 3s\n      start_period: 5s\n    deploy:\n      replicas: 3\n".into(),
    );
    files.insert(
        "lint-b.yml".into(),
        "services:\n  api:\n    deploy:\n      update_config: {parallelism: 0, monitor: 0s, max_failure_ratio: 2}\n".into(),
    );
    files.insert(
        ".stackplan.toml".into(),
        "[lint.severity]\nno-resource-limits = \"off\"\n".into(),
    );
    files
}

/// One request of every operation (and of every error kind), answered by the core.
fn real_traffic() -> Vec<(serde_json::Value, serde_json::Value)> {
    let files = quotes_files();
    let project = |compose: &[&str]| {
        serde_json::json!({
            "files": files, "working_directory": "/work/quotes",
            "compose_files": compose, "environment": {"HOME": "/root"}
        })
    };
    let desired = [
        "compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
        "release-3-bad.yml",
    ];
    let requests = [
        serde_json::json!({"api_version": 1, "op": "version"}),
        serde_json::json!({"api_version": 1, "op": "rules"}),
        serde_json::json!({"api_version": 1, "op": "explain", "rule": "SP105"}),
        serde_json::json!({"api_version": 1, "op": "config", "project": project(&desired)}),
        serde_json::json!({"api_version": 1, "op": "config", "project": project(&desired),
            "output": "json", "services": ["quotes-api"]}),
        serde_json::json!({"api_version": 1, "op": "lint", "project": project(&["lint-a.yml", "lint-b.yml"]),
            "format": "sarif", "discover_config": true, "engine_version": 27}),
        serde_json::json!({"api_version": 1, "op": "lint", "project": project(&["compose.yml"]),
            "target": "compose", "severity": {"SP301": "error"}}),
        serde_json::json!({"api_version": 1, "op": "plan", "project": project(&desired),
            "from_files": ["compose.yml", "prod.yml", "release-2.yml"],
            "scenarios": ["healthy", "unhealthy", "crash-after=8s:1", "unschedulable"],
            "timing": {"start_latency": "2s"}, "engine_version": "27.0", "format": "markdown"}),
        serde_json::json!({"api_version": 1, "op": "plan", "project": project(&["compose.yml"])}),
        serde_json::json!({"api_version": 1, "op": "engine-spec", "project": project(&desired),
            "stack": "quotes", "engine_version": "20.10"}),
        // Failures of every kind.
        serde_json::json!({"api_version": 1, "op": "config", "project": project(&["nope.yml"])}),
        serde_json::json!({"api_version": 1, "op": "config", "project": {
            "files": {"c.yml": "services:\n  a:\n    image: x\n    ports: [\"1:2:3:4\"]\n"},
            "compose_files": ["c.yml"]}}),
        serde_json::json!({"api_version": 1, "op": "plan", "scenarios": ["bogus"]}),
        serde_json::json!({"api_version": 2, "op": "version"}),
        serde_json::json!({"api_version": 1, "op": "explain", "rule": "SP999"}),
    ];
    requests
        .into_iter()
        .map(|request| {
            let bytes = stackplan_core::api::handle_json(request.to_string().as_bytes());
            (request, serde_json::from_slice(&bytes).unwrap())
        })
        .collect()
}

fn errors_of(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn api_schemas_are_current_and_describe_real_traffic() {
    use stackplan_core::api::{Request, Response};
    let request_schema = serde_json::to_value(schemars::schema_for!(Request)).unwrap();
    let response_schema = serde_json::to_value(schemars::schema_for!(Response)).unwrap();
    check("api-request.schema.json", &request_schema);
    check("api-response.schema.json", &response_schema);
    let requests = jsonschema::validator_for(&request_schema).unwrap();
    let responses = jsonschema::validator_for(&response_schema).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for (request, response) in real_traffic() {
        let op = request["op"].as_str().unwrap_or_default();
        if request["api_version"] == 1 && request.get("scenarios").is_none() {
            let e = errors_of(&requests, &request);
            assert!(e.is_empty(), "{op} request: {}", e.join("\n"));
        }
        let e = errors_of(&responses, &response);
        assert!(e.is_empty(), "{op} response: {}", e.join("\n"));
        if response["ok"] == true {
            kinds.insert(op.to_owned());
        } else {
            kinds.insert(format!(
                "error:{}",
                response["error"]["kind"].as_str().unwrap()
            ));
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "config",
            "engine-spec",
            "error:invalid-input",
            "error:invalid-request",
            "error:io",
            "error:unsupported-version",
            "explain",
            "lint",
            "plan",
            "rules",
            "version"
        ]
    );
    // Not vacuous: a response with a wrong type fails.
    assert!(!responses.is_valid(&serde_json::json!({"api_version": 1, "op": "x", "ok": "yes"})));
    assert!(
        !requests.is_valid(&serde_json::json!({"api_version": 1, "op": "lint", "format": "pdf"}))
    );
}

/// Every response type, read back from the JSON of a real response, serializes to the same
/// JSON, and is the type its `op` says.
#[test]
fn every_response_round_trips_through_json() {
    use stackplan_core::api::{Output, Response};
    for (request, json) in real_traffic() {
        let op = request["op"].as_str().unwrap_or_default();
        let typed: Response = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("{op} response does not read back: {e}\n{json}"));
        assert_eq!(serde_json::to_value(&typed).unwrap(), json, "{op}");
        if let Some(result) = &typed.result {
            let kind = match result {
                Output::Plan(_) => "plan",
                Output::Lint(_) => "lint",
                Output::Config(_) => "config",
                Output::Explain(_) => "explain",
                Output::Rules(_) => "rules",
                Output::Version(_) => "version",
                Output::EngineSpec(_) => "engine-spec",
            };
            assert_eq!(kind, op, "an {op} result read back as {kind}");
        }
    }
}

/// The typed lint report is exactly what `lint --format json` prints.
#[test]
fn the_api_lint_report_is_the_json_format() {
    let (_, response) = real_traffic()
        .into_iter()
        .find(|(r, _)| r["op"] == "lint" && r["format"] == "sarif")
        .unwrap();
    let request = serde_json::json!({"api_version": 1, "op": "lint", "format": "json",
        "project": {"files": quotes_files(), "working_directory": "/work/quotes",
        "compose_files": ["lint-a.yml", "lint-b.yml"], "environment": {"HOME": "/root"}},
        "discover_config": true, "engine_version": 27});
    let json: serde_json::Value = serde_json::from_slice(&stackplan_core::api::handle_json(
        request.to_string().as_bytes(),
    ))
    .unwrap();
    let printed: serde_json::Value =
        serde_json::from_str(json["result"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(json["result"]["report"], printed);
    assert_eq!(response["result"]["report"], printed);
    assert!(!printed["diagnostics"].as_array().unwrap().is_empty());
}
