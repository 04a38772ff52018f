//! What a rule reports: a [`Diagnostic`] with its rule, severity, message, the [`Origin`] of
//! the value it is about, and optionally a help text and a suggested [`Fix`].
//!
//! The serialized form (serde) is part of the public contract: field names are stable and
//! every field is always present (`null` when unknown), so consumers can rely on the shape.
//! The renderers in [`super::render`] add file names and snippets on top of it.

use crate::tree::Origin;
use serde::{Serialize, Serializer};

/// How serious a finding is. The order is `Info < Warning < Error`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` (or `warn`) and `info`, case-insensitively.
    pub fn parse(text: &str) -> Option<Severity> {
        match text.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" | "note" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A suggested change. `replacement` replaces the text at `origin` (the span of a value or
/// key); when `replacement` is `None` the fix is a description only (for example "add
/// `update_config.failure_action: rollback`"), and `origin` says where it would go.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fix {
    pub description: String,
    pub replacement: Option<String>,
    #[serde(serialize_with = "ser_origin")]
    pub origin: Option<Origin>,
}

/// A secondary location that explains the finding (for example the host-mode port that
/// makes `start-first` hang).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Related {
    pub message: String,
    #[serde(serialize_with = "ser_origin")]
    pub origin: Option<Origin>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable rule id, e.g. `SP101`.
    pub rule: &'static str,
    /// The rule's kebab-case name, e.g. `start-first-port-conflict`.
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The value (or, when a key is missing, the nearest existing parent) the finding is
    /// about, in the file that set it. `None` for findings about no file (options).
    #[serde(serialize_with = "ser_origin")]
    pub origin: Option<Origin>,
    /// The service the finding is about, if any (used by `x-stackplan.ignore`).
    pub service: Option<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A diagnostic of `rule` with its default severity. Synthetic origins become `None`.
    pub fn new(
        rule: &crate::lint::Rule,
        origin: Option<Origin>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule: rule.id,
            name: rule.name,
            severity: rule.severity,
            message: message.into(),
            origin: origin.filter(|o| !o.is_synthetic()),
            service: None,
            help: None,
            fix: None,
            related: Vec::new(),
        }
    }

    pub fn service(mut self, name: &str) -> Self {
        self.service = Some(name.to_owned());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// A fix that replaces the text at `origin` with `replacement`.
    pub fn replace(
        mut self,
        description: impl Into<String>,
        origin: Option<Origin>,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Fix {
            description: description.into(),
            replacement: Some(replacement.into()),
            origin: origin.filter(|o| !o.is_synthetic()),
        });
        self
    }

    /// A fix described in words only (an edit a tool should not apply blindly).
    pub fn suggest(mut self, description: impl Into<String>, origin: Option<Origin>) -> Self {
        self.fix = Some(Fix {
            description: description.into(),
            replacement: None,
            origin: origin.filter(|o| !o.is_synthetic()),
        });
        self
    }

    pub fn related(mut self, origin: Option<Origin>, message: impl Into<String>) -> Self {
        self.related.push(Related {
            message: message.into(),
            origin: origin.filter(|o| !o.is_synthetic()),
        });
        self
    }
}

/// The serialized shape of an [`Origin`]: `{file, line, column, end_line, end_column}` with
/// `file` the index into the load's source set.
#[derive(Serialize)]
struct OriginRepr {
    file: u32,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

fn ser_origin<S: Serializer>(origin: &Option<Origin>, s: S) -> Result<S::Ok, S::Error> {
    match origin {
        None => s.serialize_none(),
        Some(o) => s.serialize_some(&OriginRepr {
            file: o.file,
            line: o.line,
            column: o.column,
            end_line: o.end_line,
            end_column: o.end_column,
        }),
    }
}
