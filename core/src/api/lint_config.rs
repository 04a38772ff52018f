//! `.stackplan.toml`: per-project lint settings, parsed here from its text (the caller hands
//! the file in like any other; [`discover`] finds it through the [`FileSource`]).
//!
//! ```toml
//! [lint]
//! target = "swarm"                 # or "compose"; default: detected (lint::target)
//! disable = ["image-not-pinned"]   # rule ids or names
//!
//! [lint.severity]                  # error | warning | info | off
//! SP105 = "error"
//! no-resource-limits = "off"
//!
//! [lint.options]
//! capacity-threshold = 0.5         # SP102: least share of replicas that must keep serving
//! engine-version = "27.0"          # Docker Engine on the nodes (27 and 27.0 alike)
//! nodes = 3                        # nodes in the Swarm
//!
//! [timing]                         # plan's latencies (Go durations), as `stackplan calibrate`
//! start-latency = "540ms"          # writes them; see [`TimingSection`]
//! ```
//!
//! A timing profile (`plan --timing FILE`) is a TOML file with the same `[timing]` table and
//! an optional free-form `[calibration]` table (what was measured, where, when).

use crate::fspath;
use crate::lint::{Level, LintOptions, Target};
use crate::options::EngineVersion;
use crate::source::FileSource;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    lint: LintSection,
    /// `[pre-commit] sets = [[...]]`: the file sets the pre-commit hook lints together; read
    /// by the hook (hook/main.rs), accepted here.
    #[serde(default, rename = "pre-commit")]
    _pre_commit: Option<toml::Table>,
    /// Read by `plan` ([`timing_of_config`]); lint ignores it.
    #[serde(default)]
    timing: Option<TimingSection>,
}

/// `[timing]`: the simulator's latencies, each a Go duration (`540ms`, `1.2s`); a key left
/// out keeps the default. Names as in `docs/fidelity.md`'s timing table.
#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimingSection {
    /// Placement → container start of a task starting alone (`--start-latency`).
    pub start_latency: Option<String>,
    /// Extra start latency per other task starting on the node at the same time.
    pub start_concurrent: Option<String>,
    /// Least time between two container starts on one node.
    pub start_spacing: Option<String>,
    /// Old container exit → start of the prepared stop-first replacement (`--ready-latency`).
    pub ready_latency: Option<String>,
    /// Stop order → SIGTERM, without the gossip sleep of networked tasks.
    pub stop_order_delay: Option<String>,
    /// SIGTERM → exit (`--sigterm-exit`).
    pub sigterm_exit: Option<String>,
    /// One healthcheck probe (`--probe-duration`).
    pub probe_duration: Option<String>,
}

impl TimingSection {
    fn input(self) -> super::TimingInput {
        super::TimingInput {
            start_latency: self.start_latency,
            start_concurrent: self.start_concurrent,
            start_spacing: self.start_spacing,
            ready_latency: self.ready_latency,
            stop_order_delay: self.stop_order_delay,
            sigterm_exit: self.sigterm_exit,
            probe_duration: self.probe_duration,
        }
    }
}

/// A timing profile file: `[timing]` and what the calibration recorded about itself.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    timing: TimingSection,
    #[serde(default, rename = "calibration")]
    _calibration: Option<toml::Table>,
}

/// Parses TOML text, naming the file and line of an error.
fn parse_toml<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let place = e
            .span()
            .map(|s| {
                let line = 1 + text[..s.start.min(text.len())].matches('\n').count();
                format!(":{line}")
            })
            .unwrap_or_default();
        format!("{name}{place}: {}", e.message())
    })
}

/// The `[timing]` table of a `.stackplan.toml` (none: every latency keeps its default).
pub fn timing_of_config(name: &str, text: &str) -> Result<super::TimingInput, String> {
    let file: File = parse_toml(name, text)?;
    Ok(file.timing.unwrap_or_default().input())
}

/// The `[timing]` table of a timing profile (`plan --timing FILE`); the table is required.
pub fn timing_of_profile(name: &str, text: &str) -> Result<super::TimingInput, String> {
    let profile: Profile = parse_toml(name, text)?;
    Ok(profile.timing.input())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LintSection {
    target: Option<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    options: Options,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Options {
    capacity_threshold: Option<f64>,
    engine_version: Option<toml::Value>,
    nodes: Option<u32>,
}

/// Finds `.stackplan.toml` from the folder `start` upward, stopping at the repository root
/// (the folder holding `.git`).
pub fn discover(fs: &dyn FileSource, start: &str) -> Option<String> {
    let mut dir = fspath::clean(start);
    loop {
        let candidate = fspath::join(&dir, ".stackplan.toml");
        if fs.is_file(&candidate) {
            return Some(candidate);
        }
        if fs.exists(&fspath::join(&dir, ".git")) {
            return None;
        }
        let parent = fspath::dir(&dir);
        if parent == dir {
            return None;
        }
        dir = parent;
    }
}

/// Applies the text of a config file named `name` to lint options; the error names the file
/// (and the line, for TOML errors).
pub fn apply(name: &str, text: &str, opts: &mut LintOptions) -> Result<(), String> {
    let file: File = parse_toml(name, text)?;
    let lint = file.lint;
    if let Some(t) = lint.target {
        opts.target =
            Some(Target::parse(&t).ok_or_else(|| {
                format!("{name}: lint.target must be swarm or compose, not {t:?}")
            })?);
        opts.target_source = Some(format!("`[lint] target` in {name}"));
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
        let text = match &v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            other => other.type_str().to_owned(),
        };
        let version = EngineVersion::parse(&text).ok_or_else(|| {
            format!("{name}: lint.options.engine-version must look like 27.0, not {text:?}")
        })?;
        opts.engine_version = (version.major, version.minor);
    }
    if let Some(n) = lint.options.nodes {
        opts.nodes = n.max(1);
    }
    // Unknown rule ids in the file are reported by the linter as SP000, naming this file.
    opts.config_name = Some(name.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryFiles;

    #[test]
    fn the_file_sets_every_option() {
        let mut opts = LintOptions::default();
        let text = "[lint]\ntarget = \"compose\"\ndisable = [\"SP101\"]\n[lint.severity]\nSP105 = \"off\"\n[lint.options]\ncapacity-threshold = 0.7\nengine-version = 25\nnodes = 3\n";
        assert_eq!(apply("x.toml", text, &mut opts), Ok(()));
        assert_eq!(opts.target, Some(Target::Compose));
        assert_eq!(opts.disabled, vec!["SP101".to_owned()]);
        assert_eq!(opts.severity.get("SP105"), Some(&Level::Off));
        assert_eq!(opts.engine_version, (25, 0));
        assert_eq!(opts.nodes, 3);
        assert_eq!(opts.config_name.as_deref(), Some("x.toml"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let mut opts = LintOptions::default();
        let err = apply("cfg.toml", "[lint]\n\ntarget = 3\n", &mut opts).unwrap_err();
        assert!(err.starts_with("cfg.toml:3: "), "{err}");
        let err = apply("cfg.toml", "[lint.severity]\nSP1 = \"loud\"\n", &mut opts).unwrap_err();
        assert!(err.contains("lint.severity.SP1"), "{err}");
    }

    #[test]
    fn timing_comes_from_the_config_and_from_profiles() {
        let config = "[lint.options]\nnodes = 2\n[timing]\nstart-latency = \"540ms\"\nstart-concurrent = \"150ms\"\n";
        let timing = timing_of_config(".stackplan.toml", config).unwrap();
        assert_eq!(timing.start_latency.as_deref(), Some("540ms"));
        assert_eq!(timing.start_concurrent.as_deref(), Some("150ms"));
        assert_eq!(timing.ready_latency, None);
        // lint reads the same file and ignores the table
        let mut opts = LintOptions::default();
        assert_eq!(apply(".stackplan.toml", config, &mut opts), Ok(()));
        assert_eq!(opts.nodes, 2);
        assert_eq!(timing_of_config("c", "").unwrap(), Default::default());
        let profile = "[calibration]\nmeasured = \"x\"\n[timing]\nsigterm-exit = \"50ms\"\n";
        let timing = timing_of_profile("p.toml", profile).unwrap();
        assert_eq!(timing.sigterm_exit.as_deref(), Some("50ms"));
        let err = timing_of_profile("p.toml", "[lint]\n").unwrap_err();
        assert!(err.starts_with("p.toml"), "{err}");
        let err = timing_of_profile("p.toml", "[timing]\nstart = \"1s\"\n").unwrap_err();
        assert!(err.starts_with("p.toml:2: "), "{err}");
        assert!(
            timing_of_profile("p.toml", "").is_err(),
            "a profile needs [timing]"
        );
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let fs = MemoryFiles::new()
            .with("/repo/.stackplan.toml", "")
            .with("/repo/.git/HEAD", "")
            .with("/.stackplan.toml", "");
        assert_eq!(
            discover(&fs, "/repo/a/b").as_deref(),
            Some("/repo/.stackplan.toml")
        );
        let fs = MemoryFiles::new()
            .with("/repo/.git/HEAD", "")
            .with("/.stackplan.toml", "");
        assert_eq!(discover(&fs, "/repo/a"), None);
        let fs = MemoryFiles::new().with("/.stackplan.toml", "");
        assert_eq!(
            discover(&fs, "/repo/a").as_deref(),
            Some("/.stackplan.toml")
        );
    }
}
