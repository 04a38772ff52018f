//! The project part of a request (files, environment and the Compose options every
//! project-reading operation shares), and how it becomes a loaded project: option resolution
//! ([`crate::options`]) and the loader, both against the request's in-memory files.

use super::ApiError;
use crate::error::ErrorKind;
use crate::fspath;
use crate::loader::{self, Loaded};
use crate::options::{self, ProjectRequest};
use crate::source::{FileSource, Location, MemoryFiles, ReadLog};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The contents of one file: UTF-8 text as a JSON string, or any bytes (UTF-16, a BOM, invalid
/// UTF-8, binary) as `{"base64": "..."}` (standard alphabet, padding optional). The loader
/// decodes the bytes exactly as it decodes a file on disk (BOM, UTF-16 with BOM, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum FileContent {
    Text(String),
    Bytes { base64: String },
}

impl FileContent {
    /// The bytes, or why the base64 is not valid.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            FileContent::Text(text) => Ok(text.as_bytes().to_vec()),
            FileContent::Bytes { base64 } => decode_base64(base64),
        }
    }

    /// Text when the bytes are UTF-8 without a BOM, else base64.
    pub fn from_bytes(bytes: &[u8]) -> FileContent {
        match std::str::from_utf8(bytes) {
            Ok(text) if !text.starts_with('\u{feff}') => FileContent::Text(text.to_owned()),
            _ => FileContent::Bytes {
                base64: encode_base64(bytes),
            },
        }
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64; padding optional, ASCII whitespace ignored.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut padding = false;
    for (i, c) in text.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding = true;
            continue;
        }
        let Some(value) = BASE64.iter().position(|&b| b == c) else {
            return Err(format!(
                "invalid base64 character {:?} at {i}",
                char::from(c)
            ));
        };
        if padding {
            return Err(format!("invalid base64: data after padding at {i}"));
        }
        acc = (acc << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("invalid base64: truncated".to_owned());
    }
    Ok(out)
}

/// The files a run may read, the environment, and the Compose options, as `docker compose`
/// takes them (`-f`, `-p`, `--profile`, `--env-file`, `--project-directory`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ProjectInput {
    /// Every file the run may read, by path (relative paths are relative to
    /// `working_directory`): the Compose files, `.env`, `--env-file`s, `env_file:` files,
    /// `extends`/`include` targets, `.stackplan.toml`. A file the run needs that is not here is
    /// an `io` error naming it.
    pub files: IndexMap<String, FileContent>,
    /// `-f`, in order. Empty: `COMPOSE_FILE`, then `compose.yaml`, `compose.yml`,
    /// `docker-compose.yml`, `docker-compose.yaml` (with the matching override file) in the
    /// working directory or a parent.
    pub compose_files: Vec<String>,
    /// `--env-file`, in order. Empty: `.env` in the project directory, if present.
    pub env_files: Vec<String>,
    /// The process environment (it wins over `.env`).
    pub environment: IndexMap<String, String>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory` (default: the folder of the first Compose file).
    pub project_directory: Option<String>,
    /// `--profile` (empty: `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// The current directory, absolute (default `/`).
    pub working_directory: Option<String>,
    /// Refuse files larger than this (default 64 MiB).
    pub max_file_bytes: Option<u64>,
}

/// The default of `max_file_bytes`.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl ProjectInput {
    pub fn cwd(&self) -> String {
        self.working_directory
            .as_deref()
            .map_or_else(|| "/".to_owned(), |d| fspath::absolutize("/", d))
    }

    /// The request's files as an in-memory source (paths made absolute), over `fallback`.
    pub(crate) fn source<'a>(
        &self,
        fallback: Option<&'a dyn FileSource>,
    ) -> Result<MemoryFiles<'a>, ApiError> {
        let cwd = self.cwd();
        let mut files = MemoryFiles::new();
        if let Some(fallback) = fallback {
            files = files.with_fallback(fallback);
        }
        for (name, content) in &self.files {
            let bytes = content.bytes().map_err(|e| {
                ApiError::new(
                    super::ApiErrorKind::InvalidRequest,
                    format!("files[{name:?}]: {e}"),
                )
            })?;
            files.insert(&fspath::absolutize(&cwd, name), bytes);
        }
        Ok(files)
    }

    /// How a path the run read is named in results: the request's own key when it gave the
    /// file, else relative to the working directory when inside it, else absolute.
    pub(crate) fn display_name(&self, path: &str) -> String {
        let cwd = self.cwd();
        if let Some(key) = self
            .files
            .keys()
            .find(|k| fspath::absolutize(&cwd, k) == path)
        {
            return key.clone();
        }
        let prefix = format!("{}/", cwd.trim_end_matches('/'));
        path.strip_prefix(&prefix).unwrap_or(path).to_owned()
    }
}

/// The switches `config` has besides the project.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LoadSwitches {
    pub no_interpolate: bool,
    pub no_normalize: bool,
    pub no_path_resolution: bool,
}

/// Resolves the options and loads one file set (`compose_files`, or `files_override` such
/// as a plan's from-files) through `fs`.
pub(crate) fn load(
    input: &ProjectInput,
    files_override: Option<&[String]>,
    switches: LoadSwitches,
    selected_services: &[String],
    fs: &ReadLog<'_>,
) -> Result<(Loaded, String), ApiError> {
    let max = input.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES);
    let request = ProjectRequest {
        files: files_override.map_or_else(|| input.compose_files.clone(), <[String]>::to_vec),
        project_name: input.project_name.clone(),
        project_directory: input.project_directory.clone(),
        env_files: input.env_files.clone(),
        profiles: input.profiles.clone(),
        cwd: input.cwd(),
        os_env: input.environment.clone(),
        no_interpolate: switches.no_interpolate,
        no_normalize: switches.no_normalize,
        no_path_resolution: switches.no_path_resolution,
    };
    let sized = SizeLimit { inner: fs, max };
    let mut opts = options::resolve(&request, &sized).map_err(|e| ApiError::from_core(&e, None))?;
    opts.limits.max_file_bytes = usize::try_from(max).unwrap_or(usize::MAX);
    opts.selected_services = selected_services.to_vec();
    let project_name = opts.project_name.clone();
    let loaded = loader::load(&opts, &sized)
        .map_err(|failure| ApiError::from_core(&failure.error, Some(&failure.sources)))?;
    Ok((loaded, project_name))
}

/// Refuses files over the size limit before they reach the loader (the CLI's disk source
/// refuses them before reading; in memory they are already read, but the answer is the same).
struct SizeLimit<'a> {
    inner: &'a dyn FileSource,
    max: u64,
}

impl FileSource for SizeLimit<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let bytes = self.inner.read(path)?;
        if bytes.len() as u64 > self.max {
            return Err(format!(
                "file is {} bytes, over the limit of {} bytes (raise it with --max-file-size)",
                bytes.len(),
                self.max
            ));
        }
        Ok(bytes)
    }
    fn is_file(&self, path: &str) -> bool {
        self.inner.is_file(path)
    }
    fn exists(&self, path: &str) -> bool {
        self.inner.exists(path)
    }
}

pub use crate::loader::WarningCode;

/// A warning the loader gave (Compose prints these on stderr; the run still succeeds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoadWarning {
    /// Stable: programs match on it (the message's wording may change).
    pub code: WarningCode,
    /// The text the CLI prints after `warning: `.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

pub(crate) fn warnings(loaded: &Loaded) -> Vec<LoadWarning> {
    loaded
        .warnings
        .iter()
        .map(|w| LoadWarning {
            code: w.code,
            message: w.message.clone(),
            location: w.origin.as_ref().and_then(|o| loaded.sources.location(o)),
        })
        .collect()
}

/// Maps the core's error kind to the API's.
pub(crate) fn kind_of(kind: ErrorKind) -> super::ApiErrorKind {
    match kind {
        ErrorKind::Invalid => super::ApiErrorKind::InvalidInput,
        ErrorKind::Io => super::ApiErrorKind::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length() {
        for n in 0..20u8 {
            let bytes: Vec<u8> = (0..n)
                .map(|i| i.wrapping_mul(37).wrapping_add(250))
                .collect();
            let text = encode_base64(&bytes);
            assert_eq!(decode_base64(&text).as_deref(), Ok(&bytes[..]), "{text}");
            assert_eq!(
                decode_base64(text.trim_end_matches('=')).as_deref(),
                Ok(&bytes[..])
            );
        }
        assert_eq!(encode_base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode_base64(b"fo"), "Zm8=");
        assert!(decode_base64("Zm9v!").is_err());
        assert!(decode_base64("Z").is_err());
    }
}
