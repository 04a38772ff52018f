//! Whole-request tests of the API: the plan file's fingerprint covers every byte read.

use super::*;

/// A project that reads a file through every path the loader has: `-f` (two files),
/// `.env`, `env_file:`, `extends` and `include`, plus a from-file set.
fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "compose.yml",
            "include:\n  - inc/compose.yml\nservices:\n  web:\n    extends: {file: base.yml, service: base}\n    image: nginx:${TAG}\n    env_file: web.env\n",
        ),
        (
            "prod.yml",
            "services:\n  web:\n    deploy:\n      replicas: 2\n",
        ),
        (
            "base.yml",
            "services:\n  base:\n    environment:\n      A: \"1\"\n",
        ),
        ("web.env", "B=2\n"),
        ("inc/compose.yml", "services:\n  cache:\n    image: redis\n"),
        (".env", "TAG=1.27\n"),
        ("old.yml", "services:\n  web:\n    image: nginx:1.26\n"),
        ("unused.yml", "services: {}\n"),
    ]
}

fn plan_request(files: &[(&str, String)]) -> Request {
    let mut project = ProjectInput {
        compose_files: vec!["compose.yml".into(), "prod.yml".into()],
        working_directory: Some("/p".into()),
        ..ProjectInput::default()
    };
    for (name, text) in files {
        project
            .files
            .insert((*name).to_owned(), FileContent::Text(text.clone()));
    }
    Request {
        api_version: API_VERSION,
        operation: Operation::Plan(PlanRequest {
            project,
            from_files: vec!["old.yml".into()],
            ..PlanRequest::default()
        }),
    }
}

fn plan_file(files: &[(&str, String)]) -> crate::plan::PlanFile {
    match handle(plan_request(files)) {
        Response {
            result: Some(Output::Plan(result)),
            ..
        } => result.plan_file,
        other => panic!("no plan: {other:?}"),
    }
}

#[test]
fn the_plan_file_hashes_every_file_read_and_nothing_else() {
    let base: Vec<(&str, String)> = files()
        .into_iter()
        .map(|(n, t)| (n, t.to_owned()))
        .collect();
    let planned = plan_file(&base);
    let mut desired: Vec<&str> = planned
        .inputs
        .iter()
        .filter(|i| i.role == "desired")
        .map(|i| i.path.as_str())
        .collect();
    desired.sort_unstable();
    assert_eq!(
        desired,
        [
            ".env",
            "base.yml",
            "compose.yml",
            "inc/compose.yml",
            "prod.yml",
            "web.env"
        ]
    );
    let current: Vec<&str> = planned
        .inputs
        .iter()
        .filter(|i| i.role == "current")
        .map(|i| i.path.as_str())
        .collect();
    assert_eq!(current, [".env", "old.yml"]);
    assert_eq!(planned.core_sha256, crate::plan::file::core_fingerprint());

    // Any change to any byte of any file that was read changes the fingerprint: flip each
    // byte of each file in turn (the plan may then fail to load, which refuses the plan just
    // as well; when it loads, the moved input is named).
    let mut checked = std::collections::BTreeSet::new();
    for (index, (name, text)) in base.iter().enumerate() {
        if *name == "unused.yml" {
            continue;
        }
        for position in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            bytes[position] = if bytes[position] == b'x' { b'y' } else { b'x' };
            let Ok(changed_text) = String::from_utf8(bytes) else {
                continue;
            };
            let mut changed = base.clone();
            changed[index].1 = changed_text;
            let response = handle(plan_request(&changed));
            let Some(Output::Plan(result)) = response.result else {
                continue;
            };
            checked.insert(*name);
            let moved = crate::plan::file::verify(&planned, &|path| {
                changed
                    .iter()
                    .find(|(n, _)| *n == path)
                    .map(|(_, t)| t.as_bytes().to_vec())
            });
            assert!(
                moved.changed.iter().any(|c| c.path == *name),
                "{name} byte {position}: not detected"
            );
            assert_ne!(
                result.plan_file.inputs, planned.inputs,
                "{name} byte {position}: same fingerprint"
            );
        }
    }
    // Not vacuous: for every file read, some flips still load (values, names), so the
    // check above ran for each of them.
    assert_eq!(checked.len(), base.len() - 1, "{checked:?}");
    // A file that was not read is not an input: changing it moves nothing.
    let mut changed = base.clone();
    changed[7].1 = "services: {x: {image: y}}\n".into();
    assert_eq!(plan_file(&changed).inputs, planned.inputs);
}

#[test]
fn a_changed_tag_in_dotenv_is_a_changed_input() {
    let base: Vec<(&str, String)> = files()
        .into_iter()
        .map(|(n, t)| (n, t.to_owned()))
        .collect();
    let planned = plan_file(&base);
    let mut changed = base.clone();
    changed[5].1 = "TAG=1.28\n".into();
    let moved = crate::plan::file::verify(&planned, &|path| {
        changed
            .iter()
            .find(|(n, _)| *n == path)
            .map(|(_, t)| t.as_bytes().to_vec())
    });
    let paths: Vec<&str> = moved.changed.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, [".env", ".env"], "read by both file sets: {moved:?}");
    assert!(!moved.core_changed);
}

#[test]
fn load_warnings_carry_their_stable_code_through_the_json_api() {
    let request = serde_json::json!({
        "api_version": 1, "op": "config",
        "project": {"working_directory": "/p", "files": {
            "compose.yml": "version: \"3.8\"\nservices:\n  web:\n    image: nginx:${TAG}\n",
        }},
    });
    let response: serde_json::Value =
        serde_json::from_slice(&handle_json(request.to_string().as_bytes())).unwrap();
    assert_eq!(response["ok"], true, "{response}");
    let warnings = response["result"]["warnings"].as_array().unwrap();
    let codes: Vec<&str> = warnings
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["variable-not-set", "obsolete-version"],
        "{response}"
    );
    assert_eq!(
        warnings[0]["message"],
        "The \"TAG\" variable is not set. Defaulting to a blank string."
    );
    // The `version` warning points at the value it is about.
    assert_eq!(warnings[1]["location"]["line"], 1, "{response}");
    // Every code serializes as `as_str` says, and docs/api.md lists each one.
    let docs = include_str!("../../../docs/api.md");
    for code in crate::loader::WarningCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        let row = format!("| `{}` |", code.as_str());
        assert!(docs.contains(&row), "docs/api.md does not list {row}");
    }
}
