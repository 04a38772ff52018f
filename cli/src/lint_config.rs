//! `.stackplan.toml`: per-project lint settings, discovered upward from the first Compose file
//! to the repository root (the folder holding `.git`), or named with `--config`.
//!
//! ```toml
//! [lint]
//! target = "swarm"                 # or "compose"; default: swarm when any service has `deploy`
//! disable = ["image-not-pinned"]   # rule ids or names
//!
//! [lint.severity]                  # error | warning | info | off
//! SP105 = "error"
//! no-resource-limits = "off"
//!
//! [lint.options]
//! capacity-threshold = 0.5         # SP102: least share of replicas that must keep serving
//! engine-version = "27.0"          # Docker Engine on the nodes
//! nodes = 3                        # nodes in the Swarm
//! ```

use serde::Deserialize;
use stackplan_core::lint::{Level, LintOptions, Target};
use std::path::{Path, PathBuf};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    lint: LintSection,
    /// `[pre-commit] sets = [[...]]`: the file sets the pre-commit hook lints together; read
    /// by the hook (hook/main.rs), accepted here.
    #[serde(default, rename = "pre-commit")]
    _pre_commit: Option<toml::Table>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LintSection {
    target: Option<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    options: Options,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Options {
    capacity_threshold: Option<f64>,
    engine_version: Option<String>,
    nodes: Option<u32>,
}

/// Finds `.stackplan.toml` from `start` upward, stopping at the repository root.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(".stackplan.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// Reads a config file into lint options; the error names the file (and line for TOML errors).
pub fn load(path: &Path, opts: &mut LintOptions) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| {
        let place = e
            .span()
            .map(|s| {
                let line = 1 + text[..s.start.min(text.len())].matches('\n').count();
                format!(":{line}")
            })
            .unwrap_or_default();
        format!("{}{place}: {}", path.display(), e.message())
    })?;
    let name = path.display().to_string();
    let lint = file.lint;
    if let Some(t) = lint.target {
        opts.target =
            Some(Target::parse(&t).ok_or_else(|| {
                format!("{name}: lint.target must be swarm or compose, not {t:?}")
            })?);
    }
    opts.disabled.extend(lint.disable);
    for (rule, level) in lint.severity {
        let parsed = Level::parse(&level).ok_or_else(|| {
            format!(
                "{name}: lint.severity.{rule} must be error, warning, info or off, not {level:?}"
            )
        })?;
        opts.severity.insert(rule, parsed);
    }
    if let Some(t) = lint.options.capacity_threshold {
        opts.capacity_threshold = t;
    }
    if let Some(v) = lint.options.engine_version {
        opts.engine_version = parse_engine_version(&v).ok_or_else(|| {
            format!("{name}: lint.options.engine-version must look like 27.0, not {v:?}")
        })?;
    }
    if let Some(n) = lint.options.nodes {
        opts.nodes = n.max(1);
    }
    // Unknown rule ids in the file are reported by the linter as SP000, naming this file.
    opts.config_name = Some(name);
    Ok(())
}

pub fn parse_engine_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}
