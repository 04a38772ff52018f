//! The Compose loader: files in, canonical project model out, in the order
//! `docker compose config` (compose-go) applies its steps:
//!
//! per file and YAML document: parse → collect `!reset`/`!override` → interpolate (with type
//! casts) → `extends` → apply resets to what earlier files built → `include` → merge → enforce
//! unicity → validate → canonical (long) syntax → unicity again; then, once: defaults →
//! semantic validation → relative paths → environment lookups → normalization → the typed
//! project ([`project`]) → profiles → consistency checks → `env_file` resolution.
//!
//! Every value keeps the [`Origin`] it was written at through all of it.

mod canonical;
mod consistency;
mod decode;
mod env_file;
mod extends;
mod fields;
mod include;
mod interp;
mod merge;
pub mod model_schema;
mod normalize;
mod paths;
mod pattern;
mod profiles;
pub(crate) mod project;
mod prune;
mod reset;
mod schema;
mod select;
mod written;
mod yaml_view;

pub use written::Written;

use crate::error::{Error, Result};
use crate::source::{FileSource, SourceSet};
use crate::tree::{FileId, Key, Map, Node, Origin, Value};
use crate::yaml::{self, Limits};
use indexmap::IndexMap;

/// Everything a load needs besides the files' bytes.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Absolute paths of the Compose files, in `-f` order.
    pub files: Vec<String>,
    /// How each file is named in diagnostics (same order as `files`).
    pub display_names: Vec<String>,
    /// The project directory (relative paths resolve against it).
    pub working_dir: String,
    /// The project name, already decided (`-p`, `COMPOSE_PROJECT_NAME`, `name:` or the folder).
    pub project_name: String,
    /// The environment used for interpolation: process environment over `.env`.
    pub environment: IndexMap<String, String>,
    /// Active profiles (`--profile`, `COMPOSE_PROFILES`); `*` enables all.
    pub profiles: Vec<String>,
    pub interpolate: bool,
    pub normalize: bool,
    pub resolve_paths: bool,
    /// Services named on the command line: only they and their dependencies are kept.
    pub selected_services: Vec<String>,
    /// Run the model consistency checks (`config --no-consistency` turns them off).
    pub check_consistency: bool,
    /// The user's home directory (`$HOME` of the process), for `~` in paths.
    pub home_dir: Option<String>,
    pub limits: Limits,
}

impl LoadOptions {
    pub fn new(files: Vec<String>, working_dir: String, project_name: String) -> Self {
        LoadOptions {
            display_names: files.clone(),
            files,
            working_dir,
            project_name,
            environment: IndexMap::new(),
            profiles: Vec::new(),
            interpolate: true,
            normalize: true,
            resolve_paths: true,
            home_dir: None,
            selected_services: Vec::new(),
            check_consistency: true,
            limits: Limits::default(),
        }
    }
}

/// A warning Compose would print on stderr (the load still succeeds).
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// What the warning is about; stable across releases, unlike the message's wording.
    pub code: WarningCode,
    /// The text Compose prints after `warning: `.
    pub message: String,
    pub origin: Option<Origin>,
}

/// The stable code of a load warning (kebab-case in JSON; `docs/api.md` lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// `${NAME}` was interpolated but `NAME` is set nowhere: it became an empty string.
    VariableNotSet,
    /// The top-level `version` attribute, which Compose ignores (and removes).
    ObsoleteVersion,
    /// A path starts with `~` but the environment has no `HOME`: it stays as written.
    HomeNotSet,
    /// A plan from live services named network IDs by matching the services' attachments
    /// with the files (no `live_names` for them).
    LiveNetworksInferred,
}

impl WarningCode {
    /// Every code, in the order `docs/api.md` lists them.
    pub const ALL: &'static [WarningCode] = &[
        WarningCode::VariableNotSet,
        WarningCode::ObsoleteVersion,
        WarningCode::HomeNotSet,
        WarningCode::LiveNetworksInferred,
    ];

    /// The code as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::VariableNotSet => "variable-not-set",
            WarningCode::ObsoleteVersion => "obsolete-version",
            WarningCode::HomeNotSet => "home-not-set",
            WarningCode::LiveNetworksInferred => "live-networks-inferred",
        }
    }
}

/// The result of a load: the project model as `config` prints it, and what was read.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub project: Node,
    pub sources: SourceSet,
    pub warnings: Vec<Warning>,
    /// Each service's `x-` keys (a mapping node per service), which the printed project drops
    /// as compose does, but stackplan reads (`x-stackplan`).
    pub service_extensions: IndexMap<String, Node>,
    /// The `x-` keys of every typed struct (and of the project, at the empty path), for the
    /// YAML output; `None` when the model is printed untyped (`--no-interpolate`).
    pub(crate) yaml_extensions: Option<decode::StructExtensions>,
    /// What the files wrote that the printed project drops (a zero `monitor`, `extends`, the
    /// file's `version`), kept from the loader's own parse for lint and the plan.
    pub written: Written,
}

impl Loaded {
    /// The project as `docker compose config` prints it in YAML (its default format), byte
    /// for byte: Go struct field order, yaml.v3's `omitempty` and key order, the `x-` keys
    /// every struct keeps, libyaml's scalar styles.
    pub fn to_yaml(&self, opts: &crate::render::RenderOptions<'_>) -> String {
        let view = yaml_view::view(&self.project, self.yaml_extensions.as_ref());
        crate::render::to_yaml(&view, opts)
    }
}

/// Files the project-name probe ([`crate::options::resolve_parsed`]) already read and parsed,
/// handed to the loader so that each file is parsed once. The loader takes an entry only
/// where it would parse the same path under the same file id and limits (a file that an
/// `include` or `extends` pushes to a later id is parsed again); the parse is a pure function
/// of text, id and limits, so the result is the same either way.
#[derive(Debug, Default)]
pub struct Preparsed {
    files: Vec<Option<PreparsedFile>>,
}

#[derive(Debug)]
struct PreparsedFile {
    path: String,
    byte_len: usize,
    text: String,
    id: FileId,
    limits: Limits,
    documents: Vec<Node>,
}

impl Preparsed {
    pub(crate) fn push(
        &mut self,
        path: &str,
        byte_len: usize,
        text: String,
        id: FileId,
        limits: Limits,
        documents: Vec<Node>,
    ) {
        self.files.push(Some(PreparsedFile {
            path: path.to_owned(),
            byte_len,
            text,
            id,
            limits,
            documents,
        }));
    }

    /// The entry for `path` parsed as file `id` under `limits`, if there is one.
    fn take(&mut self, path: &str, id: FileId, limits: &Limits) -> Option<PreparsedFile> {
        let slot = self
            .files
            .iter_mut()
            .find(|f| f.as_ref().is_some_and(|f| f.path == path && f.id == id))?;
        let file = slot.as_ref()?;
        let same_limits = file.limits.max_depth == limits.max_depth
            && file.limits.max_nodes == limits.max_nodes
            && file.byte_len <= limits.max_file_bytes
            && file.text.len() <= limits.max_file_bytes;
        if !same_limits {
            return None;
        }
        slot.take()
    }
}

/// Shared state of one load.
struct Ctx<'a> {
    pub fs: &'a dyn FileSource,
    pub opts: &'a LoadOptions,
    pub sources: SourceSet,
    pub warnings: Vec<Warning>,
    pub service_extensions: IndexMap<String, Node>,
    pub yaml_extensions: decode::StructExtensions,
    pub written: Written,
    preparsed: Preparsed,
}

impl Ctx<'_> {
    pub fn warn(&mut self, code: WarningCode, message: impl Into<String>, origin: Option<Origin>) {
        let message = message.into();
        if !self.warnings.iter().any(|w| w.message == message) {
            self.warnings.push(Warning {
                code,
                message,
                origin,
            });
        }
    }

    /// Reads, decodes and parses one file, registering it for diagnostics.
    pub fn parse_file(&mut self, path: &str, display: &str) -> Result<Vec<Node>> {
        let next = self.sources.len() as FileId;
        if let Some(file) = self.preparsed.take(path, next, &self.opts.limits) {
            let id = self
                .sources
                .add(display.to_owned(), path.to_owned(), file.text);
            self.written.capture(id, &file.documents);
            return Ok(file.documents);
        }
        let bytes = self
            .fs
            .read(path)
            .map_err(|e| Error::io(format!("{display}: {e}")))?;
        if bytes.len() > self.opts.limits.max_file_bytes {
            return Err(Error::invalid(
                format!(
                    "{display}: file is {} bytes, over the limit of {} bytes (raise it with --max-file-size)",
                    bytes.len(),
                    self.opts.limits.max_file_bytes
                ),
                None,
            ));
        }
        let id = self.sources.len() as u32;
        let text = match yaml::decode(&bytes, id) {
            Ok(text) => text,
            Err(error) => {
                // Registered (without text) so that the error's place names the file.
                self.sources
                    .add(display.to_owned(), path.to_owned(), String::new());
                return Err(error);
            }
        };
        let id = self.sources.add(display.to_owned(), path.to_owned(), text);
        // Parse the stored text: the source set keeps it for diagnostics, no second copy.
        let stored = self.sources.get(id).map_or("", |f| f.text.as_str());
        let documents = yaml::parse(stored, id, &self.opts.limits)?;
        self.written.capture(id, &documents);
        Ok(documents)
    }
}

/// How one model (the main project, or an included one) is loaded.
#[derive(Clone)]
struct ModelScope {
    pub files: Vec<(String, String)>,
    pub working_dir: String,
    pub environment: IndexMap<String, String>,
    pub interpolate: bool,
    pub resolve_paths: bool,
    pub validate: bool,
    pub extends: bool,
    pub include: bool,
    pub defaults: bool,
    /// Files on the include chain, to detect include cycles.
    pub included: Vec<String>,
}

/// A failed load: the error, and the files read so far (to name the file it points into).
#[derive(Clone, Debug)]
pub struct LoadFailure {
    pub error: Error,
    pub sources: SourceSet,
}

/// Loads a project the way `docker compose config` does.
pub fn load(opts: &LoadOptions, fs: &dyn FileSource) -> Result<Loaded, Box<LoadFailure>> {
    load_preparsed(opts, fs, Preparsed::default())
}

/// [`load`], taking the parses the project-name probe already made
/// ([`crate::options::resolve_parsed`]) instead of parsing those files again.
pub fn load_preparsed(
    opts: &LoadOptions,
    fs: &dyn FileSource,
    preparsed: Preparsed,
) -> Result<Loaded, Box<LoadFailure>> {
    let mut ctx = Ctx {
        preparsed,
        fs,
        opts,
        sources: SourceSet::default(),
        warnings: Vec::new(),
        service_extensions: IndexMap::new(),
        yaml_extensions: decode::StructExtensions::new(),
        written: Written::default(),
    };
    match load_in(&mut ctx) {
        Ok(project) => Ok(Loaded {
            project,
            sources: ctx.sources,
            warnings: ctx.warnings,
            service_extensions: ctx.service_extensions,
            yaml_extensions: opts.interpolate.then_some(ctx.yaml_extensions),
            written: ctx.written,
        }),
        Err(error) => Err(Box::new(LoadFailure {
            error,
            sources: ctx.sources,
        })),
    }
}

fn load_in(ctx: &mut Ctx<'_>) -> Result<Node> {
    let opts = ctx.opts;
    if opts.files.is_empty() {
        return Err(Error::io("no configuration file provided: not found"));
    }
    let mut environment = opts.environment.clone();
    // compose-go sets it to the project name it decided on (`-p` wins over `.env` and the
    // shell), whatever the environment said.
    environment.insert("COMPOSE_PROJECT_NAME".to_owned(), opts.project_name.clone());
    let scope = ModelScope {
        files: opts
            .files
            .iter()
            .cloned()
            .zip(opts.display_names.iter().cloned())
            .collect(),
        working_dir: opts.working_dir.clone(),
        environment,
        interpolate: opts.interpolate,
        resolve_paths: opts.resolve_paths,
        validate: true,
        extends: true,
        include: true,
        defaults: true,
        included: Vec::new(),
    };
    let mut dict = load_model(ctx, &scope)?;
    if dict.as_map().is_none_or(|m| m.is_empty()) {
        // compose says only "empty compose file"; we also say which file(s).
        return Err(Error::invalid(
            format!("{}: empty compose file", opts.display_names.join(", ")),
            None,
        ));
    }
    if opts.normalize {
        if let Some(map) = dict.as_map_mut() {
            map.insert(
                Key::synthetic("name"),
                Node::synthetic(Value::Str(opts.project_name.clone())),
            );
        }
        normalize::normalize(&mut dict, &opts.environment)?;
    }
    project::build(ctx, dict, &scope)
}

/// `loadYamlModel`: merges the files of one model.
fn load_model(ctx: &mut Ctx<'_>, scope: &ModelScope) -> Result<Node> {
    let mut dict = Node::synthetic(Value::Map(Map::default()));
    for (path, display) in &scope.files {
        load_file(ctx, scope, path, display, &mut dict)?;
    }
    if scope.defaults {
        canonical::set_defaults(&mut dict);
    }
    if scope.validate {
        canonical::validate_resources(&dict)?;
    }
    if scope.resolve_paths {
        paths::resolve(ctx, &mut dict, &scope.working_dir)?;
    }
    resolve_environment(&mut dict, &scope.environment);
    Ok(dict)
}

/// `loadYamlFile`: parses one file and merges each of its documents into `dict`.
fn load_file(
    ctx: &mut Ctx<'_>,
    scope: &ModelScope,
    path: &str,
    display: &str,
    dict: &mut Node,
) -> Result<Vec<reset::ResetPaths>> {
    let documents = ctx.parse_file(path, display)?;
    let mut resets = Vec::new();
    for mut doc in documents {
        if doc.as_map().is_none() {
            return Err(Error::at("Top-level object must be a mapping", doc.origin));
        }
        let reset_paths = reset::collect(&mut doc);
        if scope.interpolate {
            interp::interpolate(ctx, &mut doc, &scope.environment)?;
        }
        if scope.extends {
            extends::apply(ctx, scope, &mut doc, path, &reset_paths)?;
        }
        reset_paths.apply(dict);
        if scope.include {
            include::apply(ctx, scope, &mut doc, path)?;
        }
        merge::merge_root(dict, doc)?;
        merge::enforce_unicity(dict)?;
        if scope.validate {
            schema::validate(dict, display)?;
            if let Some(version) = dict.as_map_mut().and_then(|m| m.shift_remove("version")) {
                ctx.warn(
                    WarningCode::ObsoleteVersion,
                    format!(
                        "{display}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"
                    ),
                    Some(version.origin),
                );
            }
        }
        canonical::canonical(dict, !scope.interpolate)?;
        canonical::omit_empty(dict);
        merge::enforce_unicity(dict)?;
        resets.push(reset_paths);
    }
    Ok(resets)
}

/// `ResolveEnvironment`: list-form environment entries without `=` take the value from the
/// environment. (Secret and config contents read from the environment are never printed, so
/// that half of compose-go's step has no visible effect and is left out.)
fn resolve_environment(dict: &mut Node, environment: &IndexMap<String, String>) {
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            if let Some(items) = service.get_mut("environment").and_then(Node::as_seq_mut) {
                for item in items.iter_mut() {
                    if let Value::Str(s) = &item.value
                        && let Some(found) = environment.get(s.as_str())
                    {
                        item.value = Value::Str(format!("{s}={found}"));
                    }
                }
            }
        }
    }
}
