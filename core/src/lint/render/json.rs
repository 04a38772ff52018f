//! The stable JSON form of a lint run, and its JSON Schema ([`DIAGNOSTICS_SCHEMA`], published
//! as `schemas/diagnostics.schema.json`).
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "stackplan", "version": "0.1.0" },
//!   "summary": { "errors": 0, "warnings": 1, "infos": 0 },
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
use crate::lint::diagnostic::Diagnostic;
use crate::source::SourceSet;
use crate::tree::Origin;
use serde::Serialize;

/// The version of this format (the `version` field).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct Entry<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    service: Option<&'a str>,
    location: Option<Location>,
    help: Option<&'a str>,
    fix: Option<FixEntry<'a>>,
    related: Vec<RelatedEntry<'a>>,
}

#[derive(Serialize)]
struct FixEntry<'a> {
    description: &'a str,
    replacement: Option<&'a str>,
    location: Option<Location>,
}

#[derive(Serialize)]
struct RelatedEntry<'a> {
    message: &'a str,
    location: Option<Location>,
}

/// The report as a JSON value.
pub fn to_value(diagnostics: &[Diagnostic], sources: &SourceSet) -> serde_json::Value {
    let loc = |o: &Option<Origin>| o.as_ref().and_then(|o| locate(sources, o));
    let (errors, warnings, infos) = counts(diagnostics);
    let report = Report {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "stackplan",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            errors,
            warnings,
            infos,
        },
        diagnostics: diagnostics
            .iter()
            .map(|d| Entry {
                rule: d.rule,
                name: d.name,
                severity: d.severity.as_str(),
                message: &d.message,
                service: d.service.as_deref(),
                location: loc(&d.origin),
                help: d.help.as_deref(),
                fix: d.fix.as_ref().map(|f| FixEntry {
                    description: &f.description,
                    replacement: f.replacement.as_deref(),
                    location: loc(&f.origin),
                }),
                related: d
                    .related
                    .iter()
                    .map(|r| RelatedEntry {
                        message: &r.message,
                        location: loc(&r.origin),
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

/// The report as pretty-printed JSON, ending with a newline.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(diagnostics, sources))
        .unwrap_or_else(|_| "null".to_owned());
    text.push('\n');
    text
}

/// JSON Schema (draft 2020-12) of [`render`]'s output.
pub const DIAGNOSTICS_SCHEMA: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://github.com/stackplan/stackplan/schemas/diagnostics.schema.json",
  "title": "stackplan lint diagnostics",
  "description": "Output of `stackplan lint --format json`.",
  "type": "object",
  "required": ["version", "tool", "summary", "diagnostics"],
  "additionalProperties": false,
  "properties": {
    "version": { "const": 1, "description": "Version of this format." },
    "tool": {
      "type": "object",
      "required": ["name", "version"],
      "additionalProperties": false,
      "properties": {
        "name": { "const": "stackplan" },
        "version": { "type": "string" }
      }
    },
    "summary": {
      "type": "object",
      "required": ["errors", "warnings", "infos"],
      "additionalProperties": false,
      "properties": {
        "errors": { "type": "integer", "minimum": 0 },
        "warnings": { "type": "integer", "minimum": 0 },
        "infos": { "type": "integer", "minimum": 0 }
      }
    },
    "diagnostics": {
      "type": "array",
      "items": { "$ref": "#/$defs/diagnostic" }
    }
  },
  "$defs": {
    "diagnostic": {
      "type": "object",
      "required": ["rule", "name", "severity", "message", "service", "location", "help", "fix", "related"],
      "additionalProperties": false,
      "properties": {
        "rule": { "type": "string", "pattern": "^SP[0-9]{3}$", "description": "Stable rule id." },
        "name": { "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "Stable kebab-case rule name." },
        "severity": { "enum": ["error", "warning", "info"] },
        "message": { "type": "string" },
        "service": { "type": ["string", "null"], "description": "The service the finding is about." },
        "location": {
          "oneOf": [{ "$ref": "#/$defs/location" }, { "type": "null" }],
          "description": "The value the finding is about, in the file that set it; null when it is about no file."
        },
        "help": { "type": ["string", "null"] },
        "fix": { "oneOf": [{ "$ref": "#/$defs/fix" }, { "type": "null" }] },
        "related": { "type": "array", "items": { "$ref": "#/$defs/related" } }
      }
    },
    "location": {
      "type": "object",
      "required": ["file", "line", "column", "end_line", "end_column"],
      "additionalProperties": false,
      "properties": {
        "file": { "type": "string", "description": "The file name as given on the command line." },
        "line": { "type": "integer", "minimum": 1 },
        "column": { "type": "integer", "minimum": 1, "description": "1-based, in Unicode characters." },
        "end_line": { "type": "integer", "minimum": 1 },
        "end_column": { "type": "integer", "minimum": 1, "description": "Inclusive." }
      }
    },
    "fix": {
      "type": "object",
      "required": ["description", "replacement", "location"],
      "additionalProperties": false,
      "properties": {
        "description": { "type": "string" },
        "replacement": { "type": ["string", "null"], "description": "Text that replaces `location`; null when the fix is a description only." },
        "location": { "oneOf": [{ "$ref": "#/$defs/location" }, { "type": "null" }] }
      }
    },
    "related": {
      "type": "object",
      "required": ["message", "location"],
      "additionalProperties": false,
      "properties": {
        "message": { "type": "string" },
        "location": { "oneOf": [{ "$ref": "#/$defs/location" }, { "type": "null" }] }
      }
    }
  }
}
"##;
