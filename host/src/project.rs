//! The Compose files of an `apply`: read from disk once, loaded and converted into the
//! objects `docker stack deploy` sends (the core's `swarm::convert`), and handed to the
//! plugin as an API request that carries exactly the bytes the load read.
//!
//! The conversion runs natively until the plugin's API has an `engine-spec` operation; the
//! plan (rendering, simulations, the plan file with every input's sha256) comes from the
//! plugin, made from the same bytes.

use serde_json::Value;
use stackplan_core::api::{FileContent, ProjectInput};
use stackplan_core::loader;
use stackplan_core::options::{self, ProjectRequest};
use stackplan_core::source::{FileSource, ReadLog};
use stackplan_core::swarm::{self, ApiVersion, ConvertOptions, Stack};

/// The Compose options of the command line (`docker compose`'s global options).
#[derive(Clone, Debug, Default)]
pub struct ComposeOptions {
    pub files: Vec<String>,
    pub project_name: Option<String>,
    pub project_directory: Option<String>,
    pub env_files: Vec<String>,
    pub profiles: Vec<String>,
}

/// Reads files from disk (at most 64 MiB each).
pub struct Disk;

const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl FileSource for Disk {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let meta = std::fs::metadata(path).map_err(|e| describe(path, &e))?;
        if meta.is_dir() {
            return Err(format!("{path} is a directory"));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{path} is {} bytes, over the limit of {MAX_FILE_BYTES}",
                meta.len()
            ));
        }
        std::fs::read(path).map_err(|e| describe(path, &e))
    }
    fn is_file(&self, path: &str) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.is_file())
    }
    fn exists(&self, path: &str) -> bool {
        std::fs::metadata(path).is_ok()
    }
}

fn describe(path: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("open {path}: no such file or directory"),
        _ => format!("open {path}: {e}"),
    }
}

/// A loaded and converted project.
pub struct Desired {
    pub stack: Stack,
    /// The request the plugin gets: the same options and every byte the load read.
    pub input: ProjectInput,
    /// Files read, with their bytes (path relative to the working directory when inside it).
    pub read: Vec<(String, Vec<u8>)>,
}

/// Loads `opts` from `cwd` with the environment `env`, and converts it for stack `stack`
/// and an Engine speaking `api`.
pub fn load(
    opts: &ComposeOptions,
    stack: &str,
    cwd: &str,
    env: indexmap::IndexMap<String, String>,
    api: ApiVersion,
    fs: &dyn FileSource,
) -> Result<Desired, String> {
    let log = ReadLog::new(fs);
    let request = ProjectRequest {
        files: opts.files.clone(),
        project_name: opts.project_name.clone(),
        project_directory: opts.project_directory.clone(),
        env_files: opts.env_files.clone(),
        profiles: opts.profiles.clone(),
        cwd: cwd.to_owned(),
        os_env: env.clone(),
        ..ProjectRequest::default()
    };
    let resolved = options::resolve(&request, &log).map_err(|e| e.message.clone())?;
    let loaded = loader::load(&resolved, &log).map_err(|failure| {
        let at = failure
            .error
            .origin
            .as_ref()
            .and_then(|o| failure.sources.locate(o));
        match at {
            Some(at) => format!("{at}: {}", failure.error.message),
            None => failure.error.message.clone(),
        }
    })?;
    let converted = swarm::convert(&loaded, stack, &log, &ConvertOptions { api_version: api })
        .map_err(|e| e.display(&loaded.sources))?;
    let prefix = format!("{}/", cwd.trim_end_matches('/'));
    let read: Vec<(String, Vec<u8>)> = log
        .files()
        .into_iter()
        .map(|f| {
            let name = f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_owned();
            (name, f.bytes)
        })
        .collect();
    let input = ProjectInput {
        files: read
            .iter()
            .map(|(name, bytes)| (name.clone(), FileContent::from_bytes(bytes)))
            .collect(),
        compose_files: opts.files.clone(),
        env_files: opts.env_files.clone(),
        environment: env,
        project_name: opts.project_name.clone(),
        project_directory: opts.project_directory.clone(),
        profiles: opts.profiles.clone(),
        working_directory: Some(cwd.to_owned()),
        max_file_bytes: None,
    };
    Ok(Desired {
        stack: converted,
        input,
        read,
    })
}

/// The process environment as the loader takes it.
pub fn process_env() -> indexmap::IndexMap<String, String> {
    std::env::vars().collect()
}

/// The plugin's `plan` request for this project: the live services of the stack as the
/// "from" state (the core's `swarm::diff` decides each service's action and simulates the
/// rollouts the deploy starts), with the live network names so nothing is guessed. The host
/// still decides what to send by comparing specs itself (see [`crate::apply`]).
pub fn plan_request(
    input: &ProjectInput,
    stack: &str,
    live: &crate::apply::Live,
    services: &[String],
    engine_version: &str,
) -> Value {
    let mut request = serde_json::json!({
        "api_version": 1,
        "op": "plan",
        "project": input,
        "stack": stack,
        "live": live.services,
        "live_names": live.names_by_id(),
        "services": services,
        "scenarios": [],
        "timing": {},
        "format": "human",
    });
    if let Some(major) = engine_version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
    {
        request["engine_version"] = Value::String(format!("{major}.0"));
    }
    request
}
