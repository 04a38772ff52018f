//! The stable JSON form of a lint run: [`LintReport`], whose JSON Schema is generated from
//! these types (schemars) into `schemas/diagnostics.schema.json` and drift-tested
//! (`tests/schemas.rs`). The API's lint result carries the same type.
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "stackplan", "version": "0.1.0" },
//!   "summary": { "errors": 0, "warnings": 1, "infos": 0 },
//!   "target": { "name": "swarm", "basis": "swarm-keys", "guessed": false,
//!               "reason": "services.api.deploy.update_config (prod.yml:5) is only read by `docker stack deploy`" },
//!   "diagnostics": [
//!     { "rule": "SP108", "name": "monitor-zero", "severity": "warning",
//!       "message": "...", "service": "api",
//!       "location": { "file": "prod.yml", "line": 8, "column": 18, "end_line": 8, "end_column": 19 },
//!       "help": "...", "fix": { "description": "...", "replacement": "5s", "location": { ... } },
//!       "related": [] }
//!   ]
//! }
//! ```
//!
//! Every field is always present (`null` when unknown); columns are 1-based, in Unicode
//! characters, and `end_column` is inclusive. Fields are only ever added, and `version`
//! changes if one is removed or changes meaning.

use super::{Location, counts, locate};
use crate::lint::diagnostic::{Diagnostic, Severity};
use crate::lint::target::{TargetBasis, TargetChoice};
use crate::source::SourceSet;
use crate::tree::Origin;
use serde::{Deserialize, Serialize};

/// The version of this format (the `version` field).
pub const FORMAT_VERSION: u32 = 1;

/// The stable JSON form of a lint run (`schemas/diagnostics.schema.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(
        title = "stackplan lint diagnostics",
        description = "Output of `stackplan lint --format json`."
    )
)]
#[serde(deny_unknown_fields)]
pub struct LintReport {
    /// Version of this format.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1)))]
    pub version: u32,
    pub tool: Tool,
    pub summary: LintSummary,
    /// The target linted for, and why (absent when the files could not be loaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetEntry>,
    pub diagnostics: Vec<DiagnosticEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LintSummary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// What the files were linted for, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// `swarm` (`docker stack deploy`) or `compose` (`docker compose up`).
    pub name: TargetName,
    /// What decided: `asked`, `file-name`, `swarm-keys`, `mixed-keys` or `no-swarm-keys`.
    pub basis: TargetBasis,
    /// Whether the target was only guessed from the files (`mixed-keys`, `no-swarm-keys`):
    /// then what `docker stack deploy` would reject is a warning, not an error.
    pub guessed: bool,
    /// One sentence: what decided.
    pub reason: String,
    /// The key that decided, when one did.
    pub location: Option<Location>,
}

/// A lint target's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum TargetName {
    Swarm,
    Compose,
}

/// One finding. Every field is always present (`null` when unknown).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DiagnosticEntry {
    /// Stable rule id, e.g. `SP101`.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^SP[0-9]{3}$")))]
    pub rule: String,
    /// The rule's stable kebab-case name.
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))
    )]
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// The service the finding is about.
    pub service: Option<String>,
    /// The value the finding is about, in the file that set it; null when it is about no file.
    pub location: Option<Location>,
    pub help: Option<String>,
    pub fix: Option<FixEntry>,
    pub related: Vec<RelatedEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FixEntry {
    pub description: String,
    /// Text that replaces `location`; null when the fix is a description only.
    pub replacement: Option<String>,
    pub location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RelatedEntry {
    pub message: String,
    pub location: Option<Location>,
}

impl TargetEntry {
    pub fn new(choice: &TargetChoice, sources: &SourceSet) -> TargetEntry {
        TargetEntry {
            name: match choice.target {
                crate::lint::Target::Swarm => TargetName::Swarm,
                crate::lint::Target::Compose => TargetName::Compose,
            },
            basis: choice.basis,
            guessed: choice.guessed(),
            reason: choice.reason.clone(),
            location: choice.evidence.and_then(|o| locate(sources, &o)),
        }
    }
}

/// The report of `diagnostics`, with the target when known.
pub fn report(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    target: Option<&TargetChoice>,
) -> LintReport {
    let loc = |o: &Option<Origin>| o.as_ref().and_then(|o| locate(sources, o));
    let (errors, warnings, infos) = counts(diagnostics);
    LintReport {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "stackplan".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        summary: LintSummary {
            errors,
            warnings,
            infos,
        },
        target: target.map(|t| TargetEntry::new(t, sources)),
        diagnostics: diagnostics
            .iter()
            .map(|d| DiagnosticEntry {
                rule: d.rule.to_owned(),
                name: d.name.to_owned(),
                severity: d.severity,
                message: d.message.clone(),
                service: d.service.clone(),
                location: loc(&d.origin),
                help: d.help.clone(),
                fix: d.fix.as_ref().map(|f| FixEntry {
                    description: f.description.clone(),
                    replacement: f.replacement.clone(),
                    location: loc(&f.origin),
                }),
                related: d
                    .related
                    .iter()
                    .map(|r| RelatedEntry {
                        message: r.message.clone(),
                        location: loc(&r.origin),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The report as a JSON value.
pub fn to_value(diagnostics: &[Diagnostic], sources: &SourceSet) -> serde_json::Value {
    serde_json::to_value(report(diagnostics, sources, None)).unwrap_or(serde_json::Value::Null)
}

/// The report as pretty-printed JSON, ending with a newline.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
    render_report(&report(diagnostics, sources, None))
}

/// A report as pretty-printed JSON, ending with a newline.
pub fn render_report(report: &LintReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|_| "null".to_owned());
    text.push('\n');
    text
}
