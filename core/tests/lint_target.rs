//! Compose or Swarm (issue 11, items 7, 8, 11), through the API as every shell calls it:
//! plain Compose projects (`fixtures/lint/compose/*`, one folder each, found the way
//! `docker compose` finds its files) lint clean for Compose, with no error and no Swarm-only
//! finding; stacks are recognised by file name and by Swarm-only keys; a guessed Swarm target
//! reports rejections as warnings that say so; rules see interpolated values; a file that
//! does not load still gives a valid JSON/SARIF/GitHub report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use stackplan_core::api::{
    API_VERSION, ApiErrorKind, FileContent, LintFormat, LintRequest, LintResult, LintTarget,
    Operation, Output, ProjectInput, Request, TargetName, handle,
};
use stackplan_core::lint::{Applies, TargetBasis, find_rule};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lint/compose");

fn project(files: &[(String, String)], compose_files: &[&str]) -> ProjectInput {
    let mut project = ProjectInput {
        working_directory: Some("/project".into()),
        compose_files: compose_files.iter().map(|f| (*f).to_owned()).collect(),
        ..ProjectInput::default()
    };
    for (name, text) in files {
        project
            .files
            .insert(name.clone(), FileContent::Text(text.clone()));
    }
    project
}

fn lint_request(request: LintRequest) -> Result<LintResult, stackplan_core::api::ApiError> {
    let response = handle(Request {
        api_version: API_VERSION,
        operation: Operation::Lint(request),
    });
    match (response.result, response.error) {
        (Some(Output::Lint(result)), None) => Ok(*result),
        (_, Some(error)) => Err(error),
        other => panic!("unexpected response {other:?}"),
    }
}

fn lint(files: &[(&str, &str)], target: Option<LintTarget>) -> LintResult {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    // The first file is the one Compose file (`-f`); the others are read through it.
    let names = [files[0].0.as_str()];
    lint_request(LintRequest {
        project: project(&files, &names),
        target,
        ..LintRequest::default()
    })
    .unwrap_or_else(|e| panic!("lint failed: {e:?}"))
}

/// Every file of a fixture folder, by name relative to it.
fn fixture(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push((name, std::fs::read_to_string(&path).unwrap()));
    }
    files.sort();
    files
}

fn swarm_only(rule: &str) -> bool {
    find_rule(rule).is_some_and(|r| r.applies == Applies::Swarm)
}

#[test]
fn plain_compose_projects_lint_clean_for_compose() {
    let mut dirs: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 12, "a dozen projects: {dirs:?}");
    let mut swarm_findings_when_asked = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = fixture(dir);
        // Found as `docker compose` finds them: compose.yaml, docker-compose.yml, overrides.
        let result = lint_request(LintRequest {
            project: project(&files, &[]),
            ..LintRequest::default()
        })
        .unwrap_or_else(|e| panic!("{name} does not load: {e:?}"));
        let report = &result.report;
        let target = report.target.as_ref().expect("the report names its target");
        assert_eq!(target.name, TargetName::Compose, "{name}: {target:?}");
        assert_eq!(target.basis, TargetBasis::NoSwarmKeys, "{name}");
        assert!(target.guessed, "{name}");
        assert_eq!(result.target, LintTarget::Compose, "{name}");
        for d in &report.diagnostics {
            assert!(
                d.severity != stackplan_core::lint::Severity::Error,
                "{name}: error {d:#?}"
            );
            assert!(!swarm_only(&d.rule), "{name}: Swarm-only finding {d:#?}");
        }
        assert!(!result.failed, "{name}");
        // The same files for `docker stack deploy` do have Swarm findings (so the fixtures
        // are not vacuous: the old "any deploy key means Swarm" misfired on them).
        let asked = lint_request(LintRequest {
            project: project(&files, &[]),
            target: Some(LintTarget::Swarm),
            ..LintRequest::default()
        })
        .unwrap();
        let asked_target = asked.report.target.as_ref().unwrap();
        assert_eq!(asked_target.basis, TargetBasis::Asked);
        assert!(!asked_target.guessed);
        if asked.report.diagnostics.iter().any(|d| swarm_only(&d.rule)) {
            swarm_findings_when_asked += 1;
        }
    }
    assert_eq!(swarm_findings_when_asked, dirs.len());
}

#[test]
fn stacks_are_recognised_by_name_and_by_swarm_only_keys() {
    // The file name decides; `mem_limit` stays an error.
    let stack = "services:\n  api:\n    image: example/api:1.0\n    mem_limit: 512m\n";
    let r = lint(&[("docker-stack.yml", stack)], None);
    let target = r.report.target.as_ref().unwrap();
    assert_eq!(
        (target.name, target.basis, target.guessed),
        (TargetName::Swarm, TargetBasis::FileName, false)
    );
    assert!(target.reason.contains("docker-stack.yml"), "{target:?}");
    let sp201 = r
        .report
        .diagnostics
        .iter()
        .find(|d| d.rule == "SP201")
        .unwrap();
    assert_eq!(sp201.severity, stackplan_core::lint::Severity::Error);
    assert!(r.failed);

    // Each Swarm-only key decides, and the reason points at it.
    for (key, line) in [
        ("update_config: {parallelism: 1}", 5),
        ("rollback_config: {parallelism: 1}", 5),
        ("placement: {constraints: [node.role == worker]}", 5),
        ("mode: global", 5),
        ("endpoint_mode: dnsrr", 5),
    ] {
        let text =
            format!("services:\n  api:\n    image: example/api:1.0\n    deploy:\n      {key}\n");
        let r = lint(&[("compose.yml", &text)], None);
        let target = r.report.target.as_ref().unwrap();
        assert_eq!(target.name, TargetName::Swarm, "{key}");
        assert_eq!(target.basis, TargetBasis::SwarmKeys, "{key}");
        assert!(!target.guessed);
        assert_eq!(target.location.as_ref().unwrap().line, line, "{key}");
        assert!(target.reason.contains("compose.yml:5"), "{}", target.reason);
    }
    let overlay =
        "services:\n  api:\n    image: example/api:1.0\nnetworks:\n  back:\n    driver: overlay\n";
    let r = lint(&[("compose.yml", overlay)], None);
    assert_eq!(
        r.report.target.as_ref().unwrap().basis,
        TargetBasis::SwarmKeys
    );

    // `deploy.resources` and `deploy.replicas` alone are plain Compose.
    let plain = "services:\n  api:\n    image: example/api\n    deploy:\n      replicas: 2\n      resources: {limits: {memory: 64M}}\n";
    let r = lint(&[("compose.yml", plain)], None);
    assert_eq!(r.report.target.as_ref().unwrap().name, TargetName::Compose);
    assert!(r.report.diagnostics.is_empty(), "{:#?}", r.report);
}

#[test]
fn a_guessed_swarm_target_reports_rejections_as_warnings_that_say_so() {
    // Swarm-only keys, but `build` and `extends` are what a Compose project uses.
    let base = "services:\n  base:\n    image: example/base:1.0\n";
    let app = "services:\n  api:\n    extends: {file: base.yml, service: base}\n    build: .\n    image: example/api:1.0\n    mem_limit: 512m\n    deploy:\n      update_config: {parallelism: 1, failure_action: rollback}\n      rollback_config: {parallelism: 1}\n";
    let r = lint(&[("app.yml", app), ("base.yml", base)], None);
    let target = r.report.target.as_ref().unwrap();
    assert_eq!(
        (target.name, target.basis, target.guessed),
        (TargetName::Swarm, TargetBasis::MixedKeys, true)
    );
    assert!(
        target
            .reason
            .contains("services.api.deploy.update_config (app.yml:8)")
            && target.reason.contains("services.api.extends (app.yml:3)"),
        "{}",
        target.reason
    );
    let rejected: Vec<_> = r
        .report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "SP201")
        .collect();
    assert_eq!(rejected.len(), 2, "extends and mem_limit: {:#?}", r.report);
    for d in &rejected {
        assert_eq!(
            d.severity,
            stackplan_core::lint::Severity::Warning,
            "{d:#?}"
        );
        assert!(d.message.contains("only guessed"), "{}", d.message);
    }
    assert!(!r.failed);
    // Asked for Swarm, the same findings are errors.
    let r = lint(
        &[("app.yml", app), ("base.yml", base)],
        Some(LintTarget::Swarm),
    );
    assert!(
        r.report
            .diagnostics
            .iter()
            .filter(|d| d.rule == "SP201")
            .all(|d| d.severity == stackplan_core::lint::Severity::Error
                && !d.message.contains("guessed"))
    );
    assert!(r.failed);
    // And `.stackplan.toml` decides like `--target`.
    let mut files: Vec<(String, String)> = vec![
        ("app.yml".into(), app.into()),
        ("base.yml".into(), base.into()),
        (
            ".stackplan.toml".into(),
            "[lint]\ntarget = \"compose\"\n".into(),
        ),
    ];
    files.sort();
    let r = lint_request(LintRequest {
        project: project(&files, &["app.yml"]),
        discover_config: true,
        ..LintRequest::default()
    })
    .unwrap();
    let target = r.report.target.as_ref().unwrap();
    assert_eq!(
        (target.name, target.basis),
        (TargetName::Compose, TargetBasis::Asked)
    );
    assert!(
        target.reason.contains(".stackplan.toml"),
        "{}",
        target.reason
    );
}

#[test]
fn the_human_output_says_which_target_and_why() {
    let plain = "services:\n  web:\n    image: nginx:1.27\n";
    let r = lint_request(LintRequest {
        project: project(&[("compose.yml".into(), plain.into())], &["compose.yml"]),
        format: LintFormat::Human,
        ..LintRequest::default()
    })
    .unwrap();
    let text = r.output.unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("target: compose (`docker compose up`), guessed: no stack file name"),
        "{text}"
    );
}

/// Item 8: rules read interpolated values; the finding still points at the `${…}`.
#[test]
fn rules_see_interpolated_values() {
    let text = "services:\n  a:\n    image: example/a:1.0\n    restart: ${RESTART_POLICY}\n  b:\n    image: example/b:1.0\n    restart: ${NOPE:-always}\n  c:\n    image: example/c:1.0\n    restart: ${BAD}\n";
    let r = lint(
        &[
            ("docker-stack.yml", text),
            (".env", "RESTART_POLICY=unless-stopped\nBAD=sometimes\n"),
        ],
        None,
    );
    let sp202: Vec<_> = r
        .report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "SP202")
        .collect();
    assert_eq!(sp202.len(), 3, "{:#?}", r.report);
    let by_service = |s: &str| {
        sp202
            .iter()
            .find(|d| d.service.as_deref() == Some(s))
            .unwrap()
    };
    for service in ["a", "b"] {
        let d = by_service(service);
        assert!(
            d.message.contains("into a restart policy (condition: any)"),
            "{}",
            d.message
        );
        assert!(!d.message.contains("invalid value"), "{}", d.message);
    }
    assert!(
        by_service("a")
            .message
            .contains("`restart: unless-stopped`")
    );
    assert!(by_service("b").message.contains("`restart: always`"));
    assert!(by_service("c").message.contains("invalid value"));
    // Still at the `${…}` in the file: line 4, the value from column 14.
    let loc = by_service("a").location.as_ref().unwrap();
    assert_eq!((loc.file.as_str(), loc.line), ("docker-stack.yml", 4));
    assert_eq!(loc.end_column, 30, "the span ends with `}}`: {loc:?}");
}

fn schema(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_valid(schema: &Value, value: &Value) {
    let validator = jsonschema::validator_for(schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{value:#}");
}

/// Item 11: a file that does not load still gives a valid report in every machine format,
/// whose one finding is the load error at its place; the error is kept for the exit status.
#[test]
fn load_failures_give_a_valid_report_in_the_machine_formats() {
    let broken = "services:\n  web:\n    image: nginx:1.27\n    ports: 80\n";
    let files = vec![("compose.yml".to_owned(), broken.to_owned())];
    let diagnostics_schema = schema(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schemas/diagnostics.schema.json"
    ));
    let sarif_schema = schema(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lint/sarif-schema-2.1.0.json"
    ));
    let run = |format| {
        lint_request(LintRequest {
            project: project(&files, &["compose.yml"]),
            format,
            ..LintRequest::default()
        })
    };
    // Human (and no format): the error itself, as before.
    let error = run(LintFormat::Human).unwrap_err();
    assert_eq!(error.kind, ApiErrorKind::InvalidInput);
    let place = error.location.clone().expect("the error has a place");
    assert!(run(LintFormat::None).is_err());

    let json = run(LintFormat::Json).unwrap();
    assert!(json.failed);
    assert_eq!(json.load_error.as_ref(), Some(&error));
    let value: Value = serde_json::from_str(json.output.as_deref().unwrap()).unwrap();
    assert_valid(&diagnostics_schema, &value);
    let diagnostics = value["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["rule"], "SP099");
    assert_eq!(diagnostics[0]["severity"], "error");
    assert_eq!(diagnostics[0]["message"], error.message.as_str());
    assert_eq!(diagnostics[0]["location"]["file"], "compose.yml");
    assert_eq!(diagnostics[0]["location"]["line"], place.line);
    assert_eq!(diagnostics[0]["location"]["column"], place.column);
    assert_eq!(value["summary"]["errors"], 1);

    let sarif = run(LintFormat::Sarif).unwrap();
    let value: Value = serde_json::from_str(sarif.output.as_deref().unwrap()).unwrap();
    assert_valid(&sarif_schema, &value);
    let results = value["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "SP099");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], place.line);
    assert_eq!(region["startColumn"], place.column);
    assert_eq!(
        region["snippet"]["text"],
        broken.lines().nth(place.line as usize - 1).unwrap()
    );

    let github = run(LintFormat::Github).unwrap();
    let text = github.output.unwrap();
    assert!(
        text.starts_with(&format!(
            "::error file=compose.yml,line={},col={}",
            place.line, place.column
        )),
        "{text}"
    );

    // A missing file: no place, but the report names it.
    let missing = lint_request(LintRequest {
        project: project(&[], &["gone.yml"]),
        format: LintFormat::Json,
        ..LintRequest::default()
    })
    .unwrap();
    assert_eq!(missing.load_error.as_ref().unwrap().kind, ApiErrorKind::Io);
    let value: Value = serde_json::from_str(missing.output.as_deref().unwrap()).unwrap();
    assert_valid(&diagnostics_schema, &value);
    assert!(
        value["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("gone.yml"),
        "{value:#}"
    );
}
