//! What `docker compose` decides before loading: which files, which project directory, which
//! environment (`.env`, `--env-file`, the process environment), which profiles and which
//! project name. Pure: files are probed and read through [`FileSource`].

use crate::dotenv;
use crate::error::{Error, Result};
use crate::fspath;
use crate::loader::{LoadOptions, Preparsed};
use crate::source::FileSource;
use crate::tree::{FileId, Value};
use crate::yaml;
use indexmap::IndexMap;

/// What the user asked for, as flags and environment.
#[derive(Clone, Debug, Default)]
pub struct ProjectRequest {
    /// `-f` values as given (relative to `cwd`); `-` is not supported.
    pub files: Vec<String>,
    pub project_name: Option<String>,
    pub project_directory: Option<String>,
    pub env_files: Vec<String>,
    pub profiles: Vec<String>,
    /// The current directory (absolute).
    pub cwd: String,
    /// The process environment.
    pub os_env: IndexMap<String, String>,
    pub no_interpolate: bool,
    pub no_normalize: bool,
    pub no_path_resolution: bool,
}

/// File names `docker compose` looks for when no `-f` is given, in order.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
const OVERRIDE_FILES: &[&str] = &[
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Resolves a request into [`LoadOptions`].
pub fn resolve(req: &ProjectRequest, fs: &dyn FileSource) -> Result<LoadOptions> {
    resolve_parsed(req, fs).map(|(opts, _)| opts)
}

/// [`resolve`], and the files the project-name probe parsed, for [`crate::loader::load_preparsed`]
/// (so each file is parsed once).
pub fn resolve_parsed(
    req: &ProjectRequest,
    fs: &dyn FileSource,
) -> Result<(LoadOptions, Preparsed)> {
    let mut preparsed = Preparsed::default();
    let cwd = &req.cwd;
    // Files named by -f or by COMPOSE_FILE in the process environment decide the project
    // directory, which decides where `.env` is read; COMPOSE_FILE set only in `.env` is read
    // after it (and, as the oracle does, resolved against the current directory).
    let (mut files, mut display) = (Vec::new(), Vec::new());
    if req.files.is_empty() {
        compose_file_list(&req.os_env, cwd, &mut files, &mut display);
    } else {
        files = req
            .files
            .iter()
            .map(|f| fspath::absolutize(cwd, f))
            .collect();
        display = req.files.clone();
    }
    let mut working_dir = match (&req.project_directory, files.first()) {
        (Some(dir), _) => fspath::absolutize(cwd, dir),
        (None, Some(first)) => fspath::dir(first),
        (None, None) => cwd.clone(),
    };
    let environment = build_environment(req, fs, &working_dir)?;
    if files.is_empty() {
        compose_file_list(&environment, cwd, &mut files, &mut display);
        if files.is_empty() {
            (files, display) = find_default_files(fs, cwd)?;
        }
        if req.project_directory.is_none()
            && let Some(first) = files.first()
        {
            working_dir = fspath::dir(first);
        }
    }
    let profiles = if req.profiles.is_empty() {
        environment
            .get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        req.profiles.clone()
    };
    let project_name = match &req.project_name {
        Some(name) => {
            if normalize_project_name(name) != *name || name.is_empty() {
                return Err(Error::io(format!(
                    "invalid project name {name:?}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
                )));
            }
            name.clone()
        }
        None => match environment
            .get("COMPOSE_PROJECT_NAME")
            .filter(|n| !n.is_empty())
        {
            Some(name) => normalize_project_name(name),
            None => match declared_name(
                fs,
                &files,
                &environment,
                !req.no_interpolate,
                &mut preparsed,
            ) {
                Some(name) => normalize_project_name(&name),
                None => normalize_project_name(&base_name(&working_dir)),
            },
        },
    };
    let mut opts = LoadOptions::new(files, working_dir, project_name);
    opts.display_names = display;
    opts.environment = environment;
    opts.profiles = profiles;
    opts.interpolate = !req.no_interpolate;
    opts.normalize = !req.no_normalize;
    opts.resolve_paths = !req.no_path_resolution;
    opts.home_dir = req.os_env.get("HOME").cloned();
    Ok((opts, preparsed))
}

/// `COMPOSE_FILE`, split on `COMPOSE_PATH_SEPARATOR` (default `:`).
fn compose_file_list(
    env: &IndexMap<String, String>,
    cwd: &str,
    files: &mut Vec<String>,
    display: &mut Vec<String>,
) {
    let Some(list) = env.get("COMPOSE_FILE").filter(|s| !s.is_empty()) else {
        return;
    };
    let separator = env
        .get("COMPOSE_PATH_SEPARATOR")
        .map_or(":", String::as_str);
    for f in list.split(separator).filter(|f| !f.is_empty()) {
        files.push(fspath::absolutize(cwd, f));
        display.push(f.to_owned());
    }
}

/// The process environment over the `.env` file (or the `--env-file`s, applied in order).
fn build_environment(
    req: &ProjectRequest,
    fs: &dyn FileSource,
    working_dir: &str,
) -> Result<IndexMap<String, String>> {
    let env_files: Vec<String> = if req.env_files.is_empty() {
        let default = fspath::join(working_dir, ".env");
        if fs.is_file(&default) {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        req.env_files
            .iter()
            .map(|f| fspath::absolutize(&req.cwd, f))
            .collect()
    };
    let mut from_files: IndexMap<String, String> = IndexMap::new();
    for file in &env_files {
        let bytes = fs
            .read(file)
            .map_err(|e| Error::io(format!("{file}: {e}")))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lookup = |name: &str| {
            req.os_env
                .get(name)
                .cloned()
                .or_else(|| from_files.get(name).cloned())
        };
        let parsed = dotenv::parse(&text, &lookup).map_err(|e| {
            Error::invalid(
                format!("failed to read {file}: line {}: {}", e.line, e.message),
                None,
            )
        })?;
        for (k, v) in parsed {
            if let Some(v) = v {
                from_files.insert(k, v);
            }
        }
    }
    let mut environment = from_files;
    for (k, v) in &req.os_env {
        environment.insert(k.clone(), v.clone());
    }
    Ok(environment)
}

/// Looks for the default file names in `dir` and then its parents, like compose does, and
/// adds the matching override file.
fn find_default_files(fs: &dyn FileSource, dir: &str) -> Result<(Vec<String>, Vec<String>)> {
    let mut current = dir.to_owned();
    loop {
        if let Some(name) = DEFAULT_FILES
            .iter()
            .find(|n| fs.is_file(&fspath::join(&current, n)))
        {
            let mut files = vec![fspath::join(&current, name)];
            let mut shown = vec![(*name).to_owned()];
            if let Some(o) = OVERRIDE_FILES
                .iter()
                .find(|n| fs.is_file(&fspath::join(&current, n)))
            {
                files.push(fspath::join(&current, o));
                shown.push((*o).to_owned());
            }
            return Ok((files, shown));
        }
        let parent = fspath::dir(&current);
        if parent == current {
            return Err(Error::io("no configuration file provided: not found"));
        }
        current = parent;
    }
}

/// The last `name:` a file declares (interpolated), as compose-go's `projectName` reads it.
/// Each file is parsed under the id the loader gives it when no other file comes first
/// (its place in `files`), and kept in `preparsed` for the loader.
fn declared_name(
    fs: &dyn FileSource,
    files: &[String],
    environment: &IndexMap<String, String>,
    interpolate: bool,
    preparsed: &mut Preparsed,
) -> Option<String> {
    let mut name = None;
    let limits = yaml::Limits::default();
    for (index, file) in files.iter().enumerate() {
        let Ok(bytes) = fs.read(file) else { continue };
        let id = index as FileId;
        let Ok(text) = yaml::decode(&bytes, id) else {
            continue;
        };
        let Ok(docs) = yaml::parse(&text, id, &limits) else {
            continue;
        };
        for doc in &docs {
            if let Some(Value::Str(n)) = doc.get("name").map(|n| &n.value) {
                let value = if interpolate {
                    crate::interpolate::interpolate(n, &|k| environment.get(k).cloned())
                        .map(|i| i.value)
                        .unwrap_or_else(|_| n.clone())
                } else {
                    n.clone()
                };
                if !value.is_empty() {
                    name = Some(value);
                }
            }
        }
        preparsed.push(file, bytes.len(), text, id, limits, docs);
    }
    name
}

fn base_name(dir: &str) -> String {
    dir.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// compose-go `NormalizeProjectName`: lower-case, only `[a-z0-9_-]`, starting with a letter
/// or digit.
pub fn normalize_project_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lowered
        .trim_start_matches(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .to_owned()
}

/// A Docker Engine version, `MAJOR` or `MAJOR.MINOR` (`27` and `27.0` are the same). Lint and
/// plan both take it; it decides Engine-version dependent defaults (the healthcheck
/// `start_interval` probing of Engine 25+). Serialized as `"MAJOR.MINOR"`; read from that, from
/// `"MAJOR"` or from a JSON number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EngineVersion {
    pub major: u32,
    pub minor: u32,
}

impl EngineVersion {
    /// What stackplan assumes when nothing is said: Engine 27.0.
    pub const DEFAULT: EngineVersion = EngineVersion {
        major: 27,
        minor: 0,
    };

    /// Parses `27`, `27.0` or `27.3`; anything else is `None`.
    pub fn parse(text: &str) -> Option<EngineVersion> {
        let mut parts = text.trim().split('.');
        let digits = |p: &str| -> Option<u32> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let major = digits(parts.next()?)?;
        let minor = match parts.next() {
            Some(m) => digits(m)?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(EngineVersion { major, minor })
    }
}

impl Default for EngineVersion {
    fn default() -> Self {
        EngineVersion::DEFAULT
    }
}

impl std::fmt::Display for EngineVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl serde::Serialize for EngineVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for EngineVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Number(serde_json::Number),
        }
        let text = match Written::deserialize(d)? {
            Written::Text(t) => t,
            Written::Number(n) => n.to_string(),
        };
        EngineVersion::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "engine version {text:?}: expected MAJOR or MAJOR.MINOR such as 27 or 27.0"
            ))
        })
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for EngineVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EngineVersion".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Docker Engine version: \"MAJOR.MINOR\" or \"MAJOR\" (or a number such as 27 or 27.0).",
            "anyOf": [
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
                {"type": "number", "minimum": 0}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_normalize_like_compose() {
        assert_eq!(normalize_project_name("My App!"), "myapp");
        assert_eq!(normalize_project_name("_x-1"), "x-1");
        assert_eq!(base_name("/home/u/book-ch14/"), "book-ch14");
    }

    #[test]
    fn engine_versions_take_major_or_major_minor() {
        let v27 = EngineVersion {
            major: 27,
            minor: 0,
        };
        assert_eq!(EngineVersion::parse("27"), Some(v27));
        assert_eq!(EngineVersion::parse("27.0"), Some(v27));
        assert_eq!(EngineVersion::parse("24.3").map(|v| v.minor), Some(3));
        for bad in ["", "x", "27.", ".1", "27.0.1", "-1", "27.x"] {
            assert_eq!(EngineVersion::parse(bad), None, "{bad}");
        }
        let from_number: EngineVersion = serde_json::from_str("27").unwrap_or_default();
        assert_eq!(from_number, v27);
        let from_float: EngineVersion =
            serde_json::from_str("25.0").unwrap_or(EngineVersion { major: 0, minor: 9 });
        assert_eq!(from_float.major, 25);
        assert_eq!(
            serde_json::to_string(&v27).ok().as_deref(),
            Some("\"27.0\"")
        );
    }
}
