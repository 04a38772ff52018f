//! `stackplan lint`: Swarm-aware rules over the merged project, with precise diagnostics.
//!
//! ```text
//! Loaded (merged project + origins + files) ──▶ LintContext ──▶ every Rule::check ──▶
//!   severity overrides ──▶ suppressions (x-stackplan.ignore, `# stackplan: ignore[..]`) ──▶
//!   sorted Vec<Diagnostic> ──▶ render::{human, json, sarif, github}
//! ```
//!
//! Rules live one per file in [`rules`], each with its documentation in a sibling Markdown
//! file (see [`rule::Rule`]); [`registry`] lists them. The rules encode what Swarm really does
//! (`../shared/design/swarm-rollout-semantics.md`), not what the Compose documentation says.
//!
//! Like the rest of the core this does no I/O: the caller loads the files
//! ([`crate::loader::load`]) and passes the [`Loaded`] project, whose
//! [`Loaded::service_extensions`] carries each service's `x-` keys (the printed project drops
//! them, as Compose does).

pub mod context;
pub mod diagnostic;
pub mod registry;
pub mod render;
pub mod rule;
pub mod rules;
mod suppress;
pub mod target;

pub use context::LintContext;
pub use diagnostic::{Diagnostic, Fix, Related, Severity};
pub use registry::{RULES, find_rule};
pub use rule::{Applies, Family, Rule};
pub use target::{TargetBasis, TargetChoice};

use crate::loader::Loaded;
use indexmap::IndexMap;

/// What the files are linted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// `docker stack deploy`: Swarm's value sets, ignored and rejected keys, rollout rules.
    Swarm,
    /// `docker compose up`: only the rules that hold for both.
    Compose,
}

impl Target {
    pub fn parse(text: &str) -> Option<Target> {
        match text {
            "swarm" => Some(Target::Swarm),
            "compose" => Some(Target::Compose),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Swarm => "swarm",
            Target::Compose => "compose",
        }
    }

    /// The target without options: a stack file name or Swarm-only keys make it `Swarm`,
    /// else `Compose` (see [`target`]).
    pub fn detect(loaded: &Loaded) -> Target {
        Target::choose(loaded, &LintOptions::default()).target
    }

    /// The target for these options and files, and why (see [`target`]).
    pub fn choose(loaded: &Loaded, options: &LintOptions) -> TargetChoice {
        target::choose(&LintContext::new(loaded, options, Target::Compose))
    }
}

/// A configured level for a rule: a severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Off,
    Severity(Severity),
}

impl Level {
    /// `off` (or `allow`, `none`), `info`, `warning`, `error`.
    pub fn parse(text: &str) -> Option<Level> {
        match text.to_ascii_lowercase().as_str() {
            "off" | "allow" | "none" | "disabled" => Some(Level::Off),
            other => Severity::parse(other).map(Level::Severity),
        }
    }
}

/// How to lint. `Default` is what `stackplan lint` does without options.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// `None`: detect ([`Target::choose`]).
    pub target: Option<Target>,
    /// Who asked for `target` (`--target`, `.stackplan.toml`), named in the output.
    pub target_source: Option<String>,
    /// Per-rule level, keyed by rule id (`SP101`) or name (`start-first-port-conflict`).
    pub severity: IndexMap<String, Level>,
    /// Rules not to run (ids or names); the same as `Level::Off`.
    pub disabled: Vec<String>,
    /// The share of replicas that must stay in service during a stop-first update
    /// (rule `stop-first-low-capacity`). Default 0.5.
    pub capacity_threshold: f64,
    /// Docker Engine version of the Swarm nodes (decides the healthcheck `start_interval`
    /// default). Default 27.0.
    pub engine_version: (u32, u32),
    /// Number of Swarm nodes that can run the services. Default 1.
    pub nodes: u32,
    /// Where the options came from (e.g. `.stackplan.toml`), named in SP000 messages.
    pub config_name: Option<String>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            target: None,
            target_source: None,
            severity: IndexMap::new(),
            disabled: Vec::new(),
            capacity_threshold: 0.5,
            engine_version: (27, 0),
            nodes: 1,
            config_name: None,
        }
    }
}

/// A lint run: the target and why, and the findings.
#[derive(Clone, Debug)]
pub struct LintRun {
    pub target: TargetChoice,
    /// Sorted like [`lint`]'s result.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lints a loaded project. The result is sorted by file (load order), line, column and rule;
/// findings without a location come last.
pub fn lint(loaded: &Loaded, options: &LintOptions) -> Vec<Diagnostic> {
    run(loaded, options).diagnostics
}

/// Lints a loaded project and says which target it linted for, and why. When the target is
/// Swarm but only guessed ([`TargetChoice::guessed`]), the errors of Swarm-only rules are
/// reported as warnings that say so (unless a level is configured for the rule).
pub fn run(loaded: &Loaded, options: &LintOptions) -> LintRun {
    let mut cx = LintContext::new(loaded, options, Target::Compose);
    let choice = target::choose(&cx);
    let target = choice.target;
    cx.target = target;
    let mut out = Vec::new();

    // Configured levels, validated: unknown rules are SP000 errors.
    let mut levels: IndexMap<&'static str, Level> = IndexMap::new();
    let source = options.config_name.as_deref().unwrap_or("lint options");
    for (rule, level) in &options.severity {
        match find_rule(rule) {
            Some(r) => {
                levels.insert(r.id, *level);
            }
            None => out.push(suppress::unknown_rule(rule, source, None)),
        }
    }
    for rule in &options.disabled {
        match find_rule(rule) {
            Some(r) => {
                levels.insert(r.id, Level::Off);
            }
            None => out.push(suppress::unknown_rule(rule, source, None)),
        }
    }

    let guessed_swarm = target == Target::Swarm && choice.guessed();
    let mut found = Vec::new();
    for rule in RULES {
        if rule.applies == Applies::Swarm && target != Target::Swarm {
            continue;
        }
        let level = levels.get(rule.id).copied();
        if level == Some(Level::Off) {
            continue;
        }
        let start = found.len();
        (rule.check)(&cx, &mut found);
        if let Some(Level::Severity(severity)) = level {
            for d in &mut found[start..] {
                d.severity = severity;
            }
        } else if guessed_swarm && rule.applies == Applies::Swarm {
            for d in found[start..]
                .iter_mut()
                .filter(|d| d.severity == Severity::Error)
            {
                d.severity = Severity::Warning;
                d.message.push_str(
                    " (a warning, not an error: the Swarm target is only guessed; `--target swarm` makes it an error, `--target compose` drops it)",
                );
            }
        }
    }

    let suppressions = suppress::collect(loaded, &mut out);
    found.retain(|d| !suppressions.suppresses(d));
    out.extend(found);

    sort_and_dedup(&mut out);
    LintRun {
        target: choice,
        diagnostics: out,
    }
}

/// Sorts by file, line, column, rule id (origin-less findings last), removing duplicates.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            let o = d.origin;
            (
                o.is_none(),
                o.map(|o| (o.file, o.line, o.column)),
                d.rule,
                d.service.clone(),
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    diagnostics.dedup_by(|a, b| a.rule == b.rule && a.origin == b.origin && a.message == b.message);
}

/// Whether any diagnostic is at least `severity`.
pub fn has_at_least(diagnostics: &[Diagnostic], severity: Severity) -> bool {
    diagnostics.iter().any(|d| d.severity >= severity)
}
