//! The operations behind [`super::handle`]: their request and result types and how each runs.

use super::project::{self, LoadSwitches, LoadWarning, ProjectInput};
use super::{ApiError, ApiErrorKind, config_lists, lint_config};
use crate::fspath;
use crate::lint::{self, Severity};
use crate::loader::Loaded;
use crate::options::EngineVersion;
use crate::plan::file::{self as plan_file, InputFile, PlanFile};
use crate::render::{self, RenderOptions};
use crate::rollout::{Scenario, Timing};
use crate::source::{FileSource, MemoryFiles, ReadLog};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::new(ApiErrorKind::InvalidRequest, message)
}

/// Loads one file set, naming the file of an `io` failure.
fn load_logged(
    input: &ProjectInput,
    files_override: Option<&[String]>,
    switches: LoadSwitches,
    selected: &[String],
    shared: &dyn FileSource,
) -> Result<(Loaded, String, Vec<crate::source::ReadFile>), ApiError> {
    let log = ReadLog::new(shared);
    match project::load(input, files_override, switches, selected, &log) {
        Ok((loaded, name)) => Ok((loaded, name, log.files())),
        Err(mut error) => {
            if error.kind == ApiErrorKind::Io
                && let Some(path) = log.failed().last()
            {
                error.file = Some(input.display_name(path));
            }
            Err(error)
        }
    }
}

fn memory<'a>(
    input: &ProjectInput,
    fallback: Option<&'a dyn FileSource>,
) -> Result<MemoryFiles<'a>, ApiError> {
    input.source(fallback)
}

// ---------------------------------------------------------------------------------- config

/// `config`: the merged project as `docker compose config` prints it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ConfigRequest {
    pub project: ProjectInput,
    /// Only these services and their dependencies (`config SERVICE...`).
    pub services: Vec<String>,
    pub output: ConfigOutput,
    /// Annotate each YAML value with the `file:line` that set it (`--origins`, YAML only).
    pub origins: bool,
    pub no_interpolate: bool,
    pub no_normalize: bool,
    pub no_path_resolution: bool,
    /// Skip the model consistency checks (`--no-consistency`).
    pub no_consistency: bool,
    /// For `hashes`: only these services (empty: every service).
    pub hash_services: Vec<String>,
}

/// What `config` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ConfigOutput {
    /// The canonical YAML (`docker compose config`).
    #[default]
    Yaml,
    /// The same model as JSON (`--format json`).
    Json,
    /// Service names, one per line (`--services`).
    ServiceNames,
    /// Image names, one per line (`--images`).
    Images,
    /// Every profile a service names, sorted, one per line (`--profiles`).
    Profiles,
    /// Volume names, one per line (`--volumes`).
    Volumes,
    /// The variables the files use, with defaults and required marks (`--variables`).
    Variables,
    /// `SERVICE HASH` per service: compose's service config hash (`--hash`).
    Hashes,
    /// Only validate (`--quiet`).
    None,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfigResult {
    /// The project name decided (`-p`, `COMPOSE_PROJECT_NAME`, `name:`, or the folder).
    pub project_name: String,
    /// The text asked for (absent for `none`).
    pub output: Option<String>,
    /// What Compose would print on stderr as `warning: ...`.
    pub warnings: Vec<LoadWarning>,
    /// Every file read, with its sha256.
    pub inputs: Vec<InputFile>,
}

pub(super) fn config(
    request: &ConfigRequest,
    fallback: Option<&dyn FileSource>,
) -> Result<ConfigResult, ApiError> {
    if request.origins && request.output == ConfigOutput::Json {
        return Err(invalid_request("--origins needs the YAML format"));
    }
    let input = &request.project;
    let files = memory(input, fallback)?;
    let switches = LoadSwitches {
        no_interpolate: request.no_interpolate,
        no_normalize: request.no_normalize,
        no_path_resolution: request.no_path_resolution,
        no_consistency: request.no_consistency,
    };
    // Profiles and variables are those of every service, enabled or not; variables are read
    // before interpolation.
    let lists_all = matches!(
        request.output,
        ConfigOutput::Profiles | ConfigOutput::Variables
    );
    let all_profiles;
    let (input, switches) = if lists_all {
        all_profiles = ProjectInput {
            profiles: vec!["*".to_owned()],
            ..input.clone()
        };
        let raw = request.output == ConfigOutput::Variables;
        let switches = LoadSwitches {
            no_interpolate: switches.no_interpolate || raw,
            no_normalize: switches.no_normalize || raw,
            ..switches
        };
        (&all_profiles, switches)
    } else {
        (input, switches)
    };
    let (loaded, project_name, read) =
        load_logged(input, None, switches, &request.services, &files)?;
    let output = match request.output {
        ConfigOutput::None => None,
        ConfigOutput::Profiles => Some(config_lists::profiles(&loaded.project)),
        ConfigOutput::Volumes => Some(config_lists::volumes(&loaded.project)),
        ConfigOutput::Variables => Some(config_lists::variables_table(&config_lists::variables(
            &loaded.project,
        ))),
        ConfigOutput::Hashes => Some(
            config_lists::hashes(&loaded.project, &request.hash_services)
                .map_err(|m| ApiError::new(ApiErrorKind::InvalidInput, m))?,
        ),
        ConfigOutput::ServiceNames => Some(service_names(&loaded)),
        ConfigOutput::Images => Some(images(&loaded, &project_name)),
        ConfigOutput::Yaml | ConfigOutput::Json => {
            let render_opts = RenderOptions {
                escape_dollar: !request.no_interpolate,
                origins: request.origins.then_some(&loaded.sources),
            };
            Some(if request.output == ConfigOutput::Json {
                render::to_json(&loaded.project, &render_opts) + "\n"
            } else {
                loaded.to_yaml(&render_opts)
            })
        }
    };
    Ok(ConfigResult {
        project_name,
        output,
        warnings: project::warnings(&loaded),
        inputs: plan_file::inputs("desired", &read, &|p| input.display_name(p)),
    })
}

fn service_names(loaded: &Loaded) -> String {
    let mut out = String::new();
    if let Some(services) = loaded.project.get("services").and_then(|s| s.as_map()) {
        for name in services.keys() {
            out.push_str(&name.name);
            out.push('\n');
        }
    }
    out
}

fn images(loaded: &Loaded, project: &str) -> String {
    let mut out = String::new();
    if let Some(services) = loaded.project.get("services").and_then(|s| s.as_map()) {
        for (name, service) in services {
            let image = service
                .get("image")
                .and_then(|i| i.as_str())
                .map_or_else(|| format!("{project}-{}", name.name), str::to_owned);
            out.push_str(&image);
            out.push('\n');
        }
    }
    out
}

// ------------------------------------------------------------------------------------ lint

/// `lint`: findings for the merged project.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct LintRequest {
    pub project: ProjectInput,
    /// `swarm` or `compose` (default: detected from the file names and Swarm-only keys; the
    /// result's `report.target` says which and why).
    pub target: Option<LintTarget>,
    /// Docker Engine version on the nodes (default 27.0).
    pub engine_version: Option<EngineVersion>,
    /// Nodes in the Swarm (default 1; at least 1).
    pub nodes: Option<u32>,
    /// SP102's least share of replicas that must keep serving (default 0.5).
    pub capacity_threshold: Option<f64>,
    /// Rules not to run (ids or names), after the config file's.
    pub disable: Vec<String>,
    /// Level per rule (id or name): `error`, `warning`, `info` or `off`, over the config file's.
    pub severity: IndexMap<String, String>,
    /// A `.stackplan.toml` to read (a path among the files).
    pub config_file: Option<String>,
    /// Without `config_file`: look for `.stackplan.toml` from the first Compose file's folder
    /// up to the repository root (the folder holding `.git`).
    pub discover_config: bool,
    /// Also render the findings in this format into `output`.
    pub format: LintFormat,
    /// ANSI colours in the `human` format.
    pub color: bool,
    /// `failed` also on warnings (`--deny warnings`).
    pub deny_warnings: bool,
}

/// What the files are linted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum LintTarget {
    Swarm,
    Compose,
}

/// A rendering of lint findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum LintFormat {
    /// No rendering: the typed `report` only.
    #[default]
    None,
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LintResult {
    /// The target linted for (asked, or detected).
    pub target: LintTarget,
    /// The findings; exactly what `lint --format json` prints.
    pub report: LintReport,
    /// Whether a finding reaches the failing level (error, or warning with `deny_warnings`):
    /// the CLI exits 1.
    pub failed: bool,
    /// The findings rendered in the requested `format`.
    pub output: Option<String>,
    /// The `.stackplan.toml` applied, if any.
    pub config_file: Option<String>,
    pub warnings: Vec<LoadWarning>,
    pub inputs: Vec<InputFile>,
    /// The files did not load (machine formats only: `report` and `output` then hold the
    /// error as their one finding, SP099). The CLI prints it and exits as for any load error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_error: Option<ApiError>,
}

pub use crate::lint::render::json::{
    DiagnosticEntry, FixEntry, LintReport, LintSummary, RelatedEntry, TargetEntry, TargetName, Tool,
};

pub(super) fn lint(
    request: &LintRequest,
    fallback: Option<&dyn FileSource>,
) -> Result<LintResult, ApiError> {
    let input = &request.project;
    let files = memory(input, fallback)?;
    let shared = ReadLog::new(&files);
    let (loaded, _, read) = match load_logged(input, None, LoadSwitches::default(), &[], &shared) {
        Ok(loaded) => loaded,
        Err(error) => return load_failure(request, error, &shared),
    };
    let mut opts = lint::LintOptions::default();
    let config_path = match &request.config_file {
        Some(path) => Some(fspath::absolutize(&input.cwd(), path)),
        None if request.discover_config => loaded
            .sources
            .get(0)
            .and_then(|f| lint_config::discover(&shared, &fspath::dir(&f.path))),
        None => None,
    };
    let mut config_file = None;
    if let Some(path) = &config_path {
        let name = input.display_name(path);
        let bytes = shared.read(path).map_err(|e| ApiError {
            file: Some(name.clone()),
            ..ApiError::new(ApiErrorKind::Io, format!("{name}: {e}"))
        })?;
        let text = String::from_utf8_lossy(&bytes);
        lint_config::apply(&name, &text, &mut opts)
            .map_err(|message| ApiError::new(ApiErrorKind::InvalidRequest, message))?;
        config_file = Some(name);
    }
    if let Some(t) = request.target {
        opts.target = Some(match t {
            LintTarget::Swarm => lint::Target::Swarm,
            LintTarget::Compose => lint::Target::Compose,
        });
        opts.target_source = Some("`--target`".to_owned());
    }
    if let Some(v) = request.engine_version {
        opts.engine_version = (v.major, v.minor);
    }
    if let Some(n) = request.nodes {
        if n == 0 {
            return Err(invalid_request("nodes must be at least 1"));
        }
        opts.nodes = n;
    }
    if let Some(t) = request.capacity_threshold {
        opts.capacity_threshold = t;
    }
    opts.disabled.extend(request.disable.iter().cloned());
    for (rule, level) in &request.severity {
        let parsed = lint::Level::parse(level).ok_or_else(|| {
            invalid_request(format!(
                "severity.{rule} must be error, warning, info or off, not {level:?}"
            ))
        })?;
        opts.severity.insert(rule.clone(), parsed);
    }
    let run = lint::run(&loaded, &opts);
    let target = match run.target.target {
        lint::Target::Swarm => LintTarget::Swarm,
        lint::Target::Compose => LintTarget::Compose,
    };
    let diagnostics = run.diagnostics;
    let sources = &loaded.sources;
    let report = lint::render::json::report(&diagnostics, sources, Some(&run.target));
    let output = match request.format {
        LintFormat::None => None,
        LintFormat::Human => {
            let mut text = lint::render::human::render(
                &diagnostics,
                sources,
                lint::render::human::HumanOptions {
                    color: request.color,
                    summary: true,
                },
            );
            // Which target, and why, on the last line (after the summary).
            text.push_str(&run.target.describe());
            text.push('\n');
            Some(text)
        }
        LintFormat::Json => Some(lint::render::json::render_report(&report)),
        LintFormat::Sarif => Some(lint::render::sarif::render_with_target(
            &diagnostics,
            sources,
            &sarif_root(&shared, sources),
            Some(&run.target),
        )),
        LintFormat::Github => Some(lint::render::github::render(&diagnostics, sources)),
    };
    let floor = if request.deny_warnings {
        Severity::Warning
    } else {
        Severity::Error
    };
    Ok(LintResult {
        target,
        report,
        failed: lint::has_at_least(&diagnostics, floor),
        output,
        config_file,
        warnings: project::warnings(&loaded),
        inputs: plan_file::inputs("desired", &read, &|p| input.display_name(p)),
        load_error: None,
    })
}

/// The files did not load. The machine formats (`json`, `sarif`, `github`) still get a valid
/// report, whose one finding (SP099) is the error at its file:line:column; `load_error` keeps
/// the error, so the caller exits as it would have. Other formats get the error itself.
fn load_failure(
    request: &LintRequest,
    error: ApiError,
    shared: &ReadLog<'_>,
) -> Result<LintResult, ApiError> {
    if !matches!(
        request.format,
        LintFormat::Json | LintFormat::Sarif | LintFormat::Github
    ) || !matches!(error.kind, ApiErrorKind::InvalidInput | ApiErrorKind::Io)
    {
        return Err(error);
    }
    let input = &request.project;
    let read = shared.files();
    let place = error.location.clone().map(|loc| {
        let file = read
            .iter()
            .find(|f| input.display_name(&f.path) == loc.file);
        let path = file.map_or_else(
            || fspath::absolutize(&input.cwd(), &loc.file),
            |f| f.path.clone(),
        );
        let text = file
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default();
        (loc.file.clone(), path, text, loc)
    });
    let message = match (&error.location, &error.file) {
        (None, Some(file)) if !error.message.contains(file.as_str()) => {
            format!("{file}: {}", error.message)
        }
        _ => error.message.clone(),
    };
    let (diagnostic, sources) = lint::rules::load_error::diagnostic(
        &message,
        place.as_ref().map(|(name, path, text, loc)| {
            (name.as_str(), path.as_str(), text.as_str(), loc.clone())
        }),
    );
    let diagnostics = vec![diagnostic];
    let output = match request.format {
        LintFormat::Json => lint::render::json::render(&diagnostics, &sources),
        LintFormat::Sarif => {
            lint::render::sarif::render_in(&diagnostics, &sources, &sarif_root(shared, &sources))
        }
        _ => lint::render::github::render(&diagnostics, &sources),
    };
    Ok(LintResult {
        target: request.target.unwrap_or(LintTarget::Compose),
        report: lint::render::json::report(&diagnostics, &sources, None),
        failed: true,
        output: Some(output),
        config_file: None,
        warnings: Vec::new(),
        inputs: plan_file::inputs("desired", &read, &|p| input.display_name(p)),
        load_error: Some(error),
    })
}

/// SARIF's `%SRCROOT%`: the repository root (the nearest folder holding `.git` above the
/// first Compose file), else that file's folder; never the caller's working directory.
fn sarif_root(fs: &dyn FileSource, sources: &crate::source::SourceSet) -> String {
    let Some(first) = sources.get(0) else {
        return "/".to_owned();
    };
    let start = fspath::dir(&first.path);
    let mut dir = start.clone();
    loop {
        if fs.exists(&fspath::join(&dir, ".git")) {
            return dir;
        }
        let parent = fspath::dir(&dir);
        if parent == dir {
            return start;
        }
        dir = parent;
    }
}

// ------------------------------------------------------------------------------------ plan

/// `plan`: a deploy as a transition from the from-files (or nothing) to the files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PlanRequest {
    /// The desired file set (`project.compose_files`) and everything the run may read.
    pub project: ProjectInput,
    /// The currently deployed file set, in `-f` order, loaded with the same options; empty:
    /// nothing is deployed.
    pub from_files: Vec<String>,
    /// Only these services (all when empty).
    pub services: Vec<String>,
    /// Scenarios to simulate: `healthy`, `unhealthy`, `unhealthy-after=DUR`,
    /// `crash-after=DUR[:CODE]`, `unschedulable`, with modifiers `exit0-on-sigterm`,
    /// `ignore-sigterm`. Default: healthy and unhealthy.
    pub scenarios: Vec<String>,
    pub timing: TimingInput,
    /// Docker Engine version on the nodes (default 27.0).
    pub engine_version: Option<EngineVersion>,
    /// Nodes in the Swarm (default 1; at least 1): that many identical active nodes,
    /// `node1` the only manager. Not with `nodes_file` or `inventory`.
    pub nodes: Option<u32>,
    /// The Swarm's nodes, a path among the files: the JSON array `docker node inspect`
    /// prints, or the TOML inventory (`docs/api.md`). The plan then places the tasks on them.
    pub nodes_file: Option<String>,
    /// The Swarm's nodes, typed (the inventory's own JSON form).
    pub inventory: Option<crate::placement::Inventory>,
    /// Running tasks per service (stack key) per node hostname, as `docker service ps`
    /// shows them. Default: where the scheduler model puts the stack on the nodes.
    pub tasks: Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, u32>>>,
    /// Node maintenance to preview, in order: `{"drain": "node3"}`, `{"activate": …}`,
    /// `{"node_down": …}` (power loss), `{"promote": …}`, `{"demote": …}`.
    pub maintenance: Vec<crate::placement::MaintenanceStep>,
    /// Also render the plan in this format into `output`.
    pub format: PlanFormat,
    /// The services a Swarm runs now: the JSON array `docker service inspect` prints for the
    /// stack's services (or the `GET /services/{id}` objects). When present, the plan starts
    /// from them (not from `from_files`). Services of other stacks are ignored.
    pub live: Option<Vec<crate::swarm::Service>>,
    /// Names of the live objects by ID, for the network IDs live specs reference
    /// (`TaskTemplate.Networks[].Target`): `{"7sxchgc3…": "quotes_backend"}`. IDs not named
    /// here are named by matching the live attachments against the desired ones, where only
    /// one name fits (a warning says so).
    pub live_names: std::collections::BTreeMap<String, String>,
    /// The stack name (`docker stack deploy … STACK`). Default: the live services'
    /// `com.docker.stack.namespace` label; without live services, the project name.
    pub stack: Option<String>,
}

/// The stack a live plan is about: `requested`, else the one namespace label every live
/// service carries.
fn live_stack(
    requested: Option<&str>,
    live: &[crate::swarm::Service],
) -> Result<Option<String>, ApiError> {
    if let Some(stack) = requested {
        check_stack_name(stack)?;
        return Ok(Some(stack.to_owned()));
    }
    let mut labels: Vec<&str> = live
        .iter()
        .filter_map(|s| {
            s.spec
                .labels
                .as_ref()
                .and_then(|l| l.get(crate::swarm::defaults::LABEL_NAMESPACE))
                .map(String::as_str)
        })
        .collect();
    labels.sort_unstable();
    labels.dedup();
    match labels.as_slice() {
        [] if live.is_empty() => Ok(None),
        [] => Err(invalid_request(
            "no live service carries a com.docker.stack.namespace label: name the stack (--stack)",
        )),
        [one] => Ok(Some((*one).to_owned())),
        many => Err(invalid_request(format!(
            "the live services belong to several stacks ({}): name one (--stack)",
            many.join(", ")
        ))),
    }
}

/// The live services of `stack`: those with its namespace label (or, unlabelled, its name
/// prefix), as `docker stack deploy` finds them.
fn of_stack(live: &[crate::swarm::Service], stack: &str) -> Vec<crate::swarm::Service> {
    let prefix = format!("{stack}_");
    live.iter()
        .filter(|s| {
            match s
                .spec
                .labels
                .as_ref()
                .and_then(|l| l.get(crate::swarm::defaults::LABEL_NAMESPACE))
            {
                Some(label) => label == stack,
                None => s.spec.name.starts_with(&prefix),
            }
        })
        .cloned()
        .collect()
}

/// The simulator's latencies, as Go durations (`1s`, `200ms`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct TimingInput {
    /// From placing a new task to its container starting (default 1s).
    pub start_latency: Option<String>,
    /// For an already prepared task to start (default 200ms).
    pub ready_latency: Option<String>,
    /// For the application to exit after SIGTERM (default 100ms).
    pub sigterm_exit: Option<String>,
    /// One healthcheck probe (default 100ms).
    pub probe_duration: Option<String>,
}

impl TimingInput {
    fn resolve(&self) -> Result<Timing, ApiError> {
        let base = Timing::default();
        let ms = |name: &str, text: &Option<String>, default: u64| match text {
            None => Ok(default),
            Some(text) => crate::units::parse_duration_ms(text).map_err(|e| {
                invalid_request(format!(
                    "timing.{name} {text}: not a duration (like 1s, 500ms): {e}"
                ))
            }),
        };
        Ok(Timing {
            start_new_ms: ms("start_latency", &self.start_latency, 1000)?,
            start_ready_ms: ms("ready_latency", &self.ready_latency, 200)?,
            sigterm_exit_ms: ms("sigterm_exit", &self.sigterm_exit, 100)?,
            probe_ms: ms("probe_duration", &self.probe_duration, 100)?,
            ..base
        })
    }
}

/// A rendering of a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PlanFormat {
    /// No rendering: the typed `plan_file` only.
    #[default]
    None,
    Human,
    /// The plan file, pretty-printed.
    Json,
    Markdown,
    Svg,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanResult {
    /// The plan with the sha256 of every input read and the core's fingerprint.
    pub plan_file: PlanFile,
    /// The plan rendered in the requested `format`.
    pub output: Option<String>,
    /// The desired load's warnings.
    pub warnings: Vec<LoadWarning>,
}

impl PartialEq for PlanResult {
    // Plans hold floats and maps; their JSON is their identity.
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

pub(super) fn plan(
    request: &PlanRequest,
    fallback: Option<&dyn FileSource>,
) -> Result<PlanResult, ApiError> {
    let mut scenarios = Vec::new();
    for text in &request.scenarios {
        scenarios.push(
            Scenario::parse(text)
                .map_err(|e| invalid_request(format!("--scenario {text}: {e}")))?,
        );
    }
    let timing = request.timing.resolve()?;
    let nodes = request.nodes.unwrap_or(1);
    if nodes == 0 {
        return Err(invalid_request("nodes must be at least 1"));
    }
    let sources = [
        request.nodes.is_some(),
        request.nodes_file.is_some(),
        request.inventory.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        return Err(invalid_request(
            "give the nodes one way: nodes (a count), nodes_file or inventory",
        ));
    }
    let input = &request.project;
    let files = memory(input, fallback)?;
    // One cache for both loads: a file both read (`.env`, a shared base) is read once.
    let shared = ReadLog::new(&files);
    let nodes_read = ReadLog::new(&shared);
    let inventory = match (&request.nodes_file, &request.inventory) {
        (Some(path), _) => {
            let name = input.display_name(path);
            let bytes = nodes_read
                .read(&fspath::absolutize(&input.cwd(), path))
                .map_err(|e| ApiError {
                    file: Some(name.clone()),
                    ..ApiError::new(ApiErrorKind::Io, format!("{name}: {e}"))
                })?;
            let text = String::from_utf8_lossy(&bytes);
            Some(
                crate::placement::Inventory::parse(&name, &text)
                    .map_err(|m| ApiError::new(ApiErrorKind::InvalidInput, m))?,
            )
        }
        (None, Some(inventory)) => {
            inventory
                .validate()
                .map_err(|m| invalid_request(format!("inventory: {m}")))?;
            Some(inventory.clone())
        }
        (None, None) => None,
    };
    let placed = inventory.is_some() || !request.maintenance.is_empty() || request.tasks.is_some();
    let inventory = inventory.unwrap_or_else(|| crate::placement::Inventory::identical(nodes));
    let (desired, project_name, desired_read) =
        load_logged(input, None, LoadSwitches::default(), &[], &shared)?;
    if request.live.is_some() && !request.from_files.is_empty() {
        return Err(invalid_request(
            "a plan starts from live services or from files, not both",
        ));
    }
    let current = if request.from_files.is_empty() {
        None
    } else {
        Some(load_logged(
            input,
            Some(&request.from_files),
            LoadSwitches::default(),
            &[],
            &shared,
        )?)
    };
    let mut opts = crate::plan::PlanOptions {
        scenarios,
        services: request.services.clone(),
        engine_major_version: request
            .engine_version
            .unwrap_or(EngineVersion::DEFAULT)
            .major,
        nodes,
        timing,
        global_nodes: Default::default(),
        placement_limits: Default::default(),
        placement_check: None,
    };
    let live = request.live.as_deref().unwrap_or_default();
    let stack_name = match live_stack(request.stack.as_deref(), live)? {
        Some(stack) => stack,
        None => project_name.clone(),
    };
    // What `docker stack deploy` would send: a refusal is an error, placed in its file.
    let converted = ReadLog::new(&shared);
    let desired_stack = convert_stack(&desired, &stack_name, &converted, request.engine_version)?;
    let current_stack = match &current {
        Some((loaded, _, _)) => Some(convert_stack(
            loaded,
            &stack_name,
            &shared,
            request.engine_version,
        )?),
        None => None,
    };
    let mut warnings = project::warnings(&desired);
    let live = of_stack(live, &stack_name);
    let mut networks = request.live_names.clone();
    if request.live.is_some() {
        let pairs: Vec<_> = live
            .iter()
            .map(|s| {
                let key = s.spec.name.strip_prefix(&format!("{stack_name}_"));
                (
                    &s.spec,
                    key.and_then(|k| desired_stack.service(k)).map(|d| &d.spec),
                )
            })
            .collect();
        let inferred = crate::swarm::diff::infer_network_names(&pairs, &networks);
        if !inferred.is_empty() {
            let list: Vec<String> = inferred
                .iter()
                .map(|(id, name)| format!("{id} = {name}"))
                .collect();
            warnings.push(LoadWarning {
                code: crate::loader::WarningCode::LiveNetworksInferred,
                message: format!(
                    "live network IDs named by matching the services' attachments with the files ({}); give live_names (--live-networks) to be certain",
                    list.join(", ")
                ),
                location: None,
            });
        }
        networks.extend(inferred);
    }
    let current_state = match (&current, &request.live) {
        (Some((loaded, _, _)), _) => crate::plan::Current::Files {
            loaded,
            stack: current_stack.as_ref(),
        },
        (None, Some(_)) => crate::plan::Current::Live {
            services: &live,
            networks: &networks,
        },
        (None, None) => crate::plan::Current::Nothing,
    };
    let placement = if placed {
        let current_specs: Vec<(String, &crate::swarm::ServiceSpec)> =
            match (&current_stack, request.live.is_some()) {
                (Some(stack), _) => stack
                    .services
                    .iter()
                    .map(|s| (s.key.clone(), &s.spec))
                    .collect(),
                (None, true) => live
                    .iter()
                    .map(|s| {
                        let key = s
                            .spec
                            .name
                            .strip_prefix(&format!("{stack_name}_"))
                            .unwrap_or(&s.spec.name);
                        (key.to_owned(), &s.spec)
                    })
                    .collect(),
                (None, false) => desired_stack
                    .services
                    .iter()
                    .map(|s| (s.key.clone(), &s.spec))
                    .collect(),
            };
        let active = crate::placement::stack::active_nodes(&inventory);
        let force = |spec: &crate::swarm::ServiceSpec| force_update_seconds(spec, active, &opts);
        let current = crate::placement::stack::inputs(&current_specs, &force)
            .map_err(|m| ApiError::new(ApiErrorKind::InvalidInput, m))?;
        let mut desired_demands = std::collections::BTreeMap::new();
        for s in &desired_stack.services {
            desired_demands.insert(
                s.key.clone(),
                crate::placement::Demand::of_spec(&s.key, &s.spec).map_err(|m| {
                    ApiError::new(ApiErrorKind::InvalidInput, format!("{}: {m}", s.key))
                })?,
            );
        }
        let services = crate::placement::stack::StackServices {
            current,
            desired: desired_demands,
        };
        let (cluster, pending) =
            crate::placement::stack::initial(&inventory, &services, request.tasks.as_ref())
                .map_err(invalid_request)?;
        opts.nodes = active;
        for (key, demand) in &services.desired {
            if demand.global {
                opts.global_nodes.insert(
                    key.clone(),
                    crate::placement::stack::global_nodes(&inventory, demand),
                );
            } else {
                let current = services.current.iter().find(|c| &c.demand.service == key);
                if let Some(limit) =
                    crate::placement::stack::limit(&cluster, current.map(|c| &c.demand), demand)
                {
                    opts.placement_limits.insert(key.clone(), limit);
                }
            }
        }
        let check_cluster = cluster.clone();
        let check_services = (services.current.clone(), services.desired.clone());
        opts.placement_check = Some(crate::plan::PlacementCheck(std::sync::Arc::new(
            move |key: &str, plan: &crate::rollout::RolloutPlan| {
                let (current, desired) = &check_services;
                let from = current.iter().find(|c| c.demand.service == key)?;
                let to = desired.get(key)?;
                let slots = crate::placement::stack::slot_nodes(&check_cluster, key);
                crate::placement::rollout::replay(
                    &check_cluster,
                    "",
                    &from.demand,
                    to,
                    &slots,
                    plan,
                )
                .conflict
            },
        )));
        Some((cluster, pending, services))
    } else {
        None
    };
    let mut plan = crate::plan::plan_from(current_state, &desired, Some(&desired_stack), &opts);
    if let Some((cluster, pending, services)) = &placement {
        plan.placement = Some(crate::placement::stack::placement(
            cluster, pending, services, &plan,
        ));
        if !request.maintenance.is_empty() {
            plan.maintenance = Some(
                crate::placement::maintenance::preview(
                    cluster.clone(),
                    &services.current,
                    pending.clone(),
                    &request.maintenance,
                    &stack_name,
                )
                .map_err(invalid_request)?,
            );
        }
    }
    let display = |p: &str| input.display_name(p);
    let mut inputs = plan_file::inputs("desired", &desired_read, &display);
    inputs.extend(plan_file::inputs("nodes", &nodes_read.files(), &display));
    inputs.extend(plan_file::inputs("desired", &converted.files(), &display));
    if let Some((_, _, read)) = &current {
        inputs.extend(plan_file::inputs("current", read, &display));
    }
    if let Some(all) = &request.live {
        inputs.push(InputFile {
            role: "current".to_owned(),
            path: "live services".to_owned(),
            sha256: plan_file::sha256_hex(&serde_json::to_vec(all).unwrap_or_default()),
        });
    }
    let document = plan_file::build(plan, inputs);
    let output = match request.format {
        PlanFormat::None => None,
        PlanFormat::Human => Some(crate::plan::render::human(&document.plan)),
        PlanFormat::Markdown => Some(crate::plan::render::markdown(&document.plan)),
        PlanFormat::Svg => Some(crate::plan::svg::svg(&document.plan)),
        PlanFormat::Json => {
            Some(serde_json::to_string_pretty(&document).unwrap_or_default() + "\n")
        }
    };
    Ok(PlanResult {
        plan_file: document,
        output,
        warnings,
    })
}

/// How long `docker service update --force` of `spec` takes: the simulator's healthy run of
/// a forced update (every task replaced at the service's parallelism), seconds.
fn force_update_seconds(
    spec: &crate::swarm::ServiceSpec,
    nodes: u32,
    opts: &crate::plan::PlanOptions,
) -> Option<f64> {
    let rollout_spec = crate::plan::effective::rollout_spec(spec, nodes);
    let request = crate::rollout::RolloutRequest {
        timing: opts.timing,
        engine_major_version: opts.engine_major_version,
        nodes: Some(nodes),
        ..crate::rollout::RolloutRequest::new(
            rollout_spec.clone(),
            rollout_spec,
            Scenario::default(),
        )
    };
    let plan = crate::rollout::simulate(&request).ok()?;
    plan.finished_at_ms.map(|ms| ms as f64 / 1000.0)
}

// ----------------------------------------------------------------------------- engine-spec

/// `engine-spec`: the Engine objects `docker stack deploy STACK` creates for the files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct EngineSpecRequest {
    pub project: ProjectInput,
    /// The stack name (`docker stack deploy … STACK`): objects are named `<stack>_<key>`.
    pub stack: String,
    /// Docker Engine version the stack goes to (default 27.0): the Engine drops fields newer
    /// than its API (healthcheck `StartInterval` needs Engine 25, `OomScoreAdj` 27).
    pub engine_version: Option<EngineVersion>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EngineSpecResult {
    pub stack: String,
    /// `{"networks": [{"Name", …}], "configs": [{"Spec"}], "secrets": [{"Spec"}],
    /// "services": [{"Spec"}]}`: each `Spec` as the Engine stores it after `docker stack
    /// deploy`, ID fields (network `Target`, `ConfigID`, `SecretID`) holding names. Secret
    /// data is never included.
    pub engine_spec: serde_json::Value,
    /// `engine_spec` pretty-printed, as `stackplan engine-spec` prints it.
    pub output: String,
    /// The load's warnings.
    pub warnings: Vec<LoadWarning>,
    /// Every file read (config and secret files included), with its sha256.
    pub inputs: Vec<InputFile>,
}

/// The API version of the Engine a request names (default: Engine 27).
fn api_version_of(engine: Option<EngineVersion>) -> crate::swarm::ApiVersion {
    crate::swarm::ApiVersion::of_engine_major(engine.unwrap_or(EngineVersion::DEFAULT).major)
}

/// `docker stack deploy`'s own check of a stack name (a valid object-name prefix).
fn check_stack_name(stack: &str) -> Result<(), ApiError> {
    let valid = !stack.is_empty()
        && stack
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && stack.starts_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(invalid_request(format!(
            "stack name {stack:?}: letters, digits, '_', '-' and '.', starting with a letter or digit"
        )))
    }
}

/// Converts a loaded project into a stack, placing a refusal in its file.
fn convert_stack(
    loaded: &Loaded,
    stack: &str,
    files: &dyn FileSource,
    engine: Option<EngineVersion>,
) -> Result<crate::swarm::Stack, ApiError> {
    let opts = crate::swarm::ConvertOptions {
        api_version: api_version_of(engine),
    };
    crate::swarm::convert(loaded, stack, files, &opts).map_err(|e| ApiError {
        location: e.origin.as_ref().and_then(|o| loaded.sources.location(o)),
        ..ApiError::new(ApiErrorKind::InvalidInput, e.message.clone())
    })
}

pub(super) fn engine_spec(
    request: &EngineSpecRequest,
    fallback: Option<&dyn FileSource>,
) -> Result<EngineSpecResult, ApiError> {
    check_stack_name(&request.stack)?;
    let input = &request.project;
    let files = memory(input, fallback)?;
    let shared = ReadLog::new(&files);
    let (loaded, _, _) = load_logged(input, None, LoadSwitches::default(), &[], &shared)?;
    let stack = convert_stack(&loaded, &request.stack, &shared, request.engine_version)?;
    let engine_spec = stack.engine_spec();
    let output = serde_json::to_string_pretty(&engine_spec).unwrap_or_default() + "\n";
    Ok(EngineSpecResult {
        stack: request.stack.clone(),
        engine_spec,
        output,
        warnings: project::warnings(&loaded),
        inputs: plan_file::inputs("desired", &shared.files(), &|p| input.display_name(p)),
    })
}

// ------------------------------------------------------------------------- explain, rules

/// `explain`: one rule's documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ExplainRequest {
    /// A rule id (`SP105`) or name (`failure-action-default-pause`).
    pub rule: String,
}

/// One lint rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    /// `schema`, `swarm`, `rollout` or `hygiene`.
    pub family: String,
    /// The default severity: `error`, `warning` or `info`.
    pub severity: String,
    /// `swarm` (only with the swarm target) or `always`.
    pub applies: String,
    pub summary: String,
}

/// A rule and its documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub rule: RuleInfo,
    /// Markdown: what it does, why it matters, an example, the fix.
    pub doc: String,
    /// What `stackplan explain` prints.
    pub output: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RulesResult {
    pub rules: Vec<RuleInfo>,
    /// What `stackplan lint --list-rules` prints.
    pub output: String,
}

fn lower<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}").to_lowercase()
}

fn rule_info(rule: &lint::Rule) -> RuleInfo {
    RuleInfo {
        id: rule.id.to_owned(),
        name: rule.name.to_owned(),
        family: lower(&rule.family),
        severity: rule.severity.as_str().to_owned(),
        applies: lower(&rule.applies),
        summary: rule.summary.to_owned(),
    }
}

pub(super) fn explain(request: &ExplainRequest) -> Result<RuleDoc, ApiError> {
    let rule = lint::find_rule(&request.rule).ok_or_else(|| {
        invalid_request(format!(
            "no rule {:?} (see `stackplan lint --list-rules`)",
            request.rule
        ))
    })?;
    let output = format!(
        "# {} {} ({:?}, default {:?})\n\n{}\n",
        rule.id,
        rule.name,
        rule.family,
        rule.severity,
        rule.doc.trim_end()
    );
    Ok(RuleDoc {
        rule: rule_info(rule),
        doc: rule.doc.to_owned(),
        output,
    })
}

pub(super) fn rules() -> RulesResult {
    let mut output = String::new();
    for rule in lint::RULES {
        output.push_str(&format!(
            "{}  {:<40} {:<8} {}\n",
            rule.id,
            rule.name,
            rule.severity.as_str(),
            rule.summary
        ));
    }
    RulesResult {
        rules: lint::RULES.iter().map(|r| rule_info(r)).collect(),
        output,
    }
}
