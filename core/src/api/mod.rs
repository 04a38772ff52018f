//! The one door into the core: a versioned request → response API over JSON.
//!
//! Every front end (the CLI, the browser module, the host's plugin) sends the same
//! [`Request`] and gets the same [`Response`] back, so they cannot disagree. The CLI maps its
//! argv to a request and renders the response; option resolution, loading, linting, planning,
//! the plan file and the renderers all run here. See `docs/api.md`.
//!
//! Invariants: [`handle_json`] never panics and never fails to answer; every failure is a
//! [`Response`] whose `error` says what went wrong and, when known, where. Every request and
//! response type deserializes from what it serializes to.
//!
//! Envelope (fixed for `api_version` 1):
//! - request:  `{"api_version": 1, "op": "<operation>", ...the operation's fields}`
//! - response: `{"api_version": 1, "op": "<operation>", "ok": true,  "result": {...}}`
//!   or        `{"api_version": 1, "op": "<operation>", "ok": false, "error": {...}}`
//!
//! Files travel in the request ([`ProjectInput::files`]); [`handle_with_files`] also reads the
//! files a request does not carry from a [`FileSource`] (the CLI's disk), through the same
//! code path.

mod config_lists;
pub mod lint_config;
mod ops;
pub mod project;

pub use crate::placement::{Inventory, MaintenanceStep};
pub use ops::{
    ConfigOutput, ConfigRequest, ConfigResult, DiagnosticEntry, ExplainRequest, FixEntry,
    LintFormat, LintReport, LintRequest, LintResult, LintSummary, LintTarget, PlanFormat,
    PlanRequest, PlanResult, RelatedEntry, RuleDoc, RuleInfo, RulesResult, TargetEntry, TargetName,
    TimingInput, Tool,
};
pub use ops::{EngineSpecRequest, EngineSpecResult};
pub use project::{FileContent, LoadWarning, ProjectInput, WarningCode};

use crate::source::{FileSource, Location, SourceSet};
use serde::{Deserialize, Serialize};

/// The version of the request/response envelope and of every operation's shape. A change
/// that a consumer could notice raises it.
pub const API_VERSION: u32 = 1;

/// One call into the core. `op` names the operation; the other fields belong to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Request {
    pub api_version: u32,
    #[serde(flatten)]
    pub operation: Operation,
}

/// The operations of the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Operation {
    /// The merged project as `docker compose config` prints it.
    Config(ConfigRequest),
    /// Lint findings for the merged project.
    Lint(LintRequest),
    /// The plan of a deploy, as a plan file.
    Plan(PlanRequest),
    /// The Engine objects `docker stack deploy` would create (the typed Swarm model).
    EngineSpec(EngineSpecRequest),
    /// The documentation of one lint rule.
    Explain(ExplainRequest),
    /// Every lint rule.
    Rules {},
    /// The core's version and the API version it speaks.
    Version {},
}

impl Operation {
    /// The `op` name.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Config(_) => "config",
            Operation::Lint(_) => "lint",
            Operation::Plan(_) => "plan",
            Operation::EngineSpec(_) => "engine-spec",
            Operation::Explain(_) => "explain",
            Operation::Rules {} => "rules",
            Operation::Version {} => "version",
        }
    }
}

/// The answer to one [`Request`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Response {
    pub api_version: u32,
    /// The operation answered (`null` when the request could not be read far enough to know).
    pub op: Option<String>,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Output>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// What an operation returns (the response's `op` says which).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Output {
    // Order matters for reading back (untagged): the most specific shapes first.
    Plan(Box<PlanResult>),
    Lint(Box<LintResult>),
    EngineSpec(Box<EngineSpecResult>),
    Config(ConfigResult),
    Explain(RuleDoc),
    Rules(RulesResult),
    Version(VersionInfo),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VersionInfo {
    /// The core crate's version (`CARGO_PKG_VERSION`).
    pub core_version: String,
    pub api_version: u32,
    /// A hash of the core's sources, fixed at build time (see `core/build.rs`).
    #[serde(default)]
    pub core_build_id: String,
}

/// What kind of failure an [`ApiError`] is. The CLI exits 1 for `invalid-input` and 2 for the
/// others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ApiErrorKind {
    /// The request is not valid JSON, names no known operation, or an option value is wrong
    /// (an unknown scenario, a malformed duration, an unknown rule to explain).
    InvalidRequest,
    /// `api_version` is not one this core speaks.
    UnsupportedVersion,
    /// The files are invalid (syntax, schema, semantics): `location` says where when known.
    InvalidInput,
    /// A file the request needs is missing or cannot be read: `file` names it.
    Io,
    /// A bug: the core could not build its answer.
    Internal,
}

/// A failure, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    pub kind: ApiErrorKind,
    pub message: String,
    /// Where in which file, when the failure is tied to a place in a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The file an `io` error is about (as the request named it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl ApiError {
    pub fn new(kind: ApiErrorKind, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            location: None,
            file: None,
        }
    }

    /// A core error, placed in the file it points into.
    pub(crate) fn from_core(error: &crate::error::Error, sources: Option<&SourceSet>) -> ApiError {
        ApiError {
            kind: project::kind_of(error.kind),
            message: error.message.clone(),
            location: error
                .origin
                .as_ref()
                .and_then(|o| sources.and_then(|s| s.location(o))),
            file: None,
        }
    }

    /// `file:line:column: message`, or the message alone, as the CLI prints it after `error: `.
    pub fn display(&self) -> String {
        match &self.location {
            Some(place) => format!("{}: {}", place.display(), self.message),
            None => self.message.clone(),
        }
    }
}

impl Response {
    fn ok(op: &str, result: Output) -> Response {
        Response {
            api_version: API_VERSION,
            op: Some(op.to_string()),
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    fn failed(op: Option<&str>, error: ApiError) -> Response {
        Response {
            api_version: API_VERSION,
            op: op.map(str::to_string),
            ok: false,
            result: None,
            error: Some(error),
        }
    }
}

/// Answers one typed request from the files it carries.
pub fn handle(request: Request) -> Response {
    handle_in(request, None)
}

/// Answers one typed request; files the request does not carry are read from `files` (the
/// CLI passes the disk, read once per file). Same code path as [`handle`].
pub fn handle_with_files(request: Request, files: &dyn FileSource) -> Response {
    handle_in(request, Some(files))
}

fn handle_in(request: Request, files: Option<&dyn FileSource>) -> Response {
    if request.api_version != API_VERSION {
        return Response::failed(
            None,
            ApiError::new(
                ApiErrorKind::UnsupportedVersion,
                format!(
                    "api_version {} is not supported; this core speaks {API_VERSION}",
                    request.api_version
                ),
            ),
        );
    }
    let op = request.operation.name();
    let result = match request.operation {
        Operation::Config(r) => ops::config(&r, files).map(Output::Config),
        Operation::Lint(r) => ops::lint(&r, files).map(|r| Output::Lint(Box::new(r))),
        Operation::Plan(r) => ops::plan(&r, files).map(|r| Output::Plan(Box::new(r))),
        Operation::EngineSpec(r) => {
            ops::engine_spec(&r, files).map(|r| Output::EngineSpec(Box::new(r)))
        }
        Operation::Explain(r) => ops::explain(&r).map(Output::Explain),
        Operation::Rules {} => Ok(Output::Rules(ops::rules())),
        Operation::Version {} => Ok(Output::Version(version_info())),
    };
    match result {
        Ok(output) => Response::ok(op, output),
        Err(error) => Response::failed(Some(op), error),
    }
}

/// The core's version and build id.
pub fn version_info() -> VersionInfo {
    VersionInfo {
        core_version: env!("CARGO_PKG_VERSION").to_string(),
        api_version: API_VERSION,
        core_build_id: crate::plan::file::CORE_BUILD_ID.to_string(),
    }
}

/// Answers one request given as JSON bytes, with the response as JSON bytes. Never panics:
/// a request that is not valid JSON, or not a known operation, is answered with an error.
pub fn handle_json(request: &[u8]) -> Vec<u8> {
    let response = match serde_json::from_slice::<Request>(request) {
        Ok(request) => handle(request),
        Err(error) => Response::failed(
            None,
            ApiError::new(
                ApiErrorKind::InvalidRequest,
                format!("invalid request: {error}"),
            ),
        ),
    };
    // Serializing these plain data types cannot fail; the fallback keeps the no-panic promise.
    serde_json::to_vec(&response).unwrap_or_else(|_| {
        br#"{"api_version":1,"op":null,"ok":false,"error":{"kind":"internal","message":"response could not be serialized"}}"#.to_vec()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(json: &str) -> Response {
        serde_json::from_slice(&handle_json(json.as_bytes())).expect("response is JSON")
    }

    #[test]
    fn version_round_trips() {
        let bytes = handle_json(br#"{"api_version":1,"op":"version"}"#);
        let response: Response = serde_json::from_slice(&bytes).expect("response is JSON");
        assert!(response.ok, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(response.result, Some(Output::Version(version_info())));
        assert_eq!(version_info().core_version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn garbage_is_answered_not_panicked() {
        for input in [
            &b""[..],
            b"{",
            b"[]",
            b"{\"api_version\":1,\"op\":\"nope\"}",
            b"{\"api_version\":1,\"op\":\"config\",\"project\":{\"nope\":1}}",
            b"{\"api_version\":1,\"op\":\"plan\",\"engine_version\":\"x\"}",
            b"\xff",
        ] {
            let response: Response =
                serde_json::from_slice(&handle_json(input)).expect("response is JSON");
            assert!(!response.ok);
            assert_eq!(
                response.error.map(|e| e.kind),
                Some(ApiErrorKind::InvalidRequest),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn other_versions_are_refused() {
        let response = call(r#"{"api_version":2,"op":"version"}"#);
        assert_eq!(
            response.error.map(|e| e.kind),
            Some(ApiErrorKind::UnsupportedVersion)
        );
    }

    #[test]
    fn config_from_files_in_the_request() {
        let response = call(
            r#"{"api_version":1,"op":"config","project":{"working_directory":"/p",
                "files":{"compose.yml":"services:\n  web:\n    image: nginx:${TAG}\n",".env":"TAG=1.27\n"}},
                "output":"json"}"#,
        );
        assert!(response.ok, "{response:?}");
        let Some(Output::Config(result)) = response.result else {
            panic!("not a config result: {response:?}")
        };
        assert_eq!(result.project_name, "p");
        let output = result.output.unwrap_or_default();
        assert!(output.contains("\"image\": \"nginx:1.27\""), "{output}");
        let names: Vec<&str> = result.inputs.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(names, [".env", "compose.yml"]);
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let response = call(
            r#"{"api_version":1,"op":"config","project":{"working_directory":"/p",
                "files":{"compose.yml":"services:\n  web:\n    extends: {file: base.yml, service: web}\n"}}}"#,
        );
        let error = response.error.expect("an error");
        assert_eq!(error.kind, ApiErrorKind::Io, "{error:?}");
        assert_eq!(error.file.as_deref(), Some("base.yml"), "{error:?}");
        assert!(error.message.contains("base.yml"), "{error:?}");
    }

    #[test]
    fn utf16_files_travel_as_base64() {
        let text = "services:\n  web:\n    image: nginx\n";
        let mut bytes = vec![0xff, 0xfe];
        for unit in text.encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        let request = serde_json::json!({
            "api_version": 1, "op": "config", "output": "service-names",
            "project": {"working_directory": "/p", "compose_files": ["c.yml"],
                "files": {"c.yml": {"base64": project::encode_base64(&bytes)}}}
        });
        let response = call(&request.to_string());
        let Some(Output::Config(result)) = response.result else {
            panic!("{response:?}")
        };
        assert_eq!(result.output.as_deref(), Some("web\n"));
    }

    #[test]
    fn engine_spec_converts_and_places_a_refusal_in_its_file() {
        let response = call(
            r#"{"api_version":1,"op":"engine-spec","stack":"s","project":{"working_directory":"/p",
                "files":{"compose.yml":"services:\n  web:\n    image: nginx\n    secrets: [token]\nsecrets:\n  token: {file: ./t.txt}\n","t.txt":"hunter2"}}}"#,
        );
        let Some(Output::EngineSpec(result)) = response.result else {
            panic!("not an engine-spec result: {response:?}")
        };
        let spec = &result.engine_spec;
        assert_eq!(spec["services"][0]["Spec"]["Name"], "s_web");
        assert_eq!(
            spec["services"][0]["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"][0]["SecretID"],
            "s_token"
        );
        assert_eq!(spec["secrets"][0]["Spec"]["Name"], "s_token");
        assert!(!result.output.contains("hunter2"), "{}", result.output);
        assert!(!result.output.contains("aHVudGVyMg"), "{}", result.output);
        let names: Vec<&str> = result.inputs.iter().map(|i| i.path.as_str()).collect();
        assert!(names.contains(&"t.txt"), "{names:?}");

        let refused = call(
            r#"{"api_version":1,"op":"engine-spec","stack":"s","project":{"working_directory":"/p",
                "files":{"compose.yml":"services:\n  web:\n    image: nginx\n    deploy:\n      mode: global\n      replicas: 2\n"}}}"#,
        );
        let error = refused.error.expect("an error");
        assert_eq!(error.kind, ApiErrorKind::InvalidInput, "{error:?}");
        let location = error.location.expect("a location");
        assert_eq!((location.file.as_str(), location.line), ("compose.yml", 6));
    }

    /// Live services as `docker service inspect` shows a stack deployed from `files`:
    /// the engine-spec conversion with swarmkit's defaults inserted and network IDs for names.
    fn live_of(files: &serde_json::Value, stack: &str) -> Vec<serde_json::Value> {
        let request = serde_json::json!({"api_version": 1, "op": "engine-spec", "stack": stack,
            "project": {"working_directory": "/p", "files": files}});
        let response = call(&request.to_string());
        let Some(Output::EngineSpec(result)) = response.result else {
            panic!("{response:?}")
        };
        let mut out = Vec::new();
        for (i, service) in result.engine_spec["services"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let spec: crate::swarm::ServiceSpec =
                serde_json::from_value(service["Spec"].clone()).expect("spec");
            let mut shown = spec.with_swarm_defaults();
            for n in &mut shown.task_template.networks {
                n.target = format!("id-of-{}", n.target);
            }
            out.push(
                serde_json::json!({"ID": format!("svc{i}"), "Version": {"Index": 10 + i},
                "Spec": shown, "PreviousSpec": spec}),
            );
        }
        out
    }

    fn plan_of(request: serde_json::Value) -> crate::plan::Plan {
        let response = call(&request.to_string());
        let Some(Output::Plan(result)) = response.result else {
            panic!("{response:?}")
        };
        result.plan_file.plan
    }

    #[test]
    fn a_plan_from_live_services_of_the_same_files_is_unchanged() {
        let v1 = serde_json::json!({"compose.yml": "services:\n  api:\n    image: a:1\n    networks: [back]\n  web:\n    image: w:1\n    networks: [back, front]\n    ports: [\"80:8080\"]\n    deploy: {replicas: 2, update_config: {order: start-first}}\nnetworks:\n  back: {}\n  front: {}\n"});
        let live = live_of(&v1, "s");
        let same = plan_of(serde_json::json!({"api_version": 1, "op": "plan",
            "project": {"working_directory": "/p", "files": v1}, "live": live}));
        let actions: Vec<_> = same
            .services
            .iter()
            .map(|s| (s.name.as_str(), s.action))
            .collect();
        use crate::plan::transition::Action;
        assert_eq!(
            actions,
            [("api", Action::Unchanged), ("web", Action::Unchanged)]
        );
        assert!(!same.changes);

        let v2 = serde_json::json!({"compose.yml": v1["compose.yml"].as_str().unwrap().replace("a:1", "a:2")});
        let changed = plan_of(serde_json::json!({"api_version": 1, "op": "plan",
            "project": {"working_directory": "/p", "files": v2}, "live": live}));
        let actions: Vec<_> = changed
            .services
            .iter()
            .map(|s| (s.name.as_str(), s.action))
            .collect();
        assert_eq!(
            actions,
            [("api", Action::RollingUpdate), ("web", Action::Unchanged)]
        );
        let api = &changed.services[0];
        let paths: Vec<&str> = api.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "Labels.com.docker.stack.image",
                "TaskTemplate.ContainerSpec.Image"
            ]
        );
        assert!(!api.simulations.is_empty());
        assert!(changed.changes);

        // A stack name that is not the services' own finds no live service: all are created.
        let other = plan_of(
            serde_json::json!({"api_version": 1, "op": "plan", "stack": "t",
            "project": {"working_directory": "/p", "files": v1}, "live": live}),
        );
        assert!(other.services.iter().all(|s| s.action == Action::Create));
        // Live services and from-files together are refused.
        let both = call(
            &serde_json::json!({"api_version": 1, "op": "plan", "live": live,
            "from_files": ["compose.yml"], "project": {"working_directory": "/p", "files": v1}})
            .to_string(),
        );
        assert_eq!(
            both.error.map(|e| e.kind),
            Some(ApiErrorKind::InvalidRequest)
        );
    }

    #[test]
    fn errors_in_files_carry_their_location() {
        let response = call(
            r#"{"api_version":1,"op":"config","project":{"working_directory":"/p",
                "files":{"compose.yml":"services:\n  web:\n    image: x\n    ports: [\"no:such:port:x\"]\n"}}}"#,
        );
        let error = response.error.expect("an error");
        assert_eq!(error.kind, ApiErrorKind::InvalidInput, "{error:?}");
        let location = error.location.expect("a location");
        assert_eq!((location.file.as_str(), location.line), ("compose.yml", 4));
    }
}

#[cfg(test)]
mod request_tests;
