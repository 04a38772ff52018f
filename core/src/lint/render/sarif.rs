//! SARIF 2.1.0 (OASIS), as GitHub code scanning and IDEs read it: one run whose
//! `tool.driver.rules` carries every rule with its documentation as help text, and one
//! result per diagnostic with a physical location, related locations, fixes where a
//! replacement is known, and a `partialFingerprints` entry that survives line moves.

use super::{Location, SourceLines, locate};
use crate::lint::diagnostic::{Diagnostic, Severity};
use crate::lint::registry::RULES;
use crate::lint::render::json::TargetEntry;
use crate::lint::target::TargetChoice;
use crate::source::SourceSet;
use crate::tree::Origin;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative file name as a URI reference; absolute paths become `file://` URIs.
fn uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// A SARIF region; SARIF's `endColumn` is exclusive.
fn region(loc: &Location, snippet: Option<&str>) -> Value {
    let mut r = json!({
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column + 1,
    });
    if let (Some(text), Some(m)) = (snippet, r.as_object_mut()) {
        m.insert("snippet".into(), json!({ "text": text }));
    }
    r
}

fn physical(lines: &SourceLines<'_>, origin: &Origin) -> Option<Value> {
    let loc = locate(lines.sources(), origin)?;
    let line = lines.line(origin.file, origin.line);
    Some(json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&loc.file) },
            "region": region(&loc, line),
        }
    }))
}

/// FNV-1a, 64 bits: a stable hash with no dependency.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A fingerprint from the rule, file, service, the trimmed source line and the message, so
/// it stays the same when lines move.
fn fingerprint(d: &Diagnostic, lines: &SourceLines<'_>) -> String {
    let (file, line) = match d.origin {
        Some(o) => (
            lines
                .sources()
                .get(o.file)
                .map(|f| f.display_name.clone())
                .unwrap_or_default(),
            lines
                .line(o.file, o.line)
                .unwrap_or_default()
                .trim()
                .to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let key = format!(
        "{}\u{1f}{file}\u{1f}{}\u{1f}{line}\u{1f}{}",
        d.rule,
        d.service.as_deref().unwrap_or_default(),
        d.message
    );
    format!("{:016x}", fnv1a(&key))
}

/// The SARIF log as a JSON value.
pub fn to_value(diagnostics: &[Diagnostic], sources: &SourceSet) -> Value {
    to_value_with_target(diagnostics, sources, None)
}

/// The SARIF log, with the lint target and why in the run's `properties`.
pub fn to_value_with_target(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    target: Option<&TargetChoice>,
) -> Value {
    let lines = SourceLines::new(sources);
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.doc, "markdown": r.doc },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "tags": [r.family.as_str()] },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let mut result = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": message },
                "locations": d.origin.and_then(|o| physical(&lines, &o)).into_iter().collect::<Vec<_>>(),
                "partialFingerprints": { "stackplan/v1": fingerprint(d, &lines) },
            });
            let Some(obj) = result.as_object_mut() else {
                return result;
            };
            if let Some(index) = RULES.iter().position(|r| r.id == d.rule) {
                obj.insert("ruleIndex".into(), json!(index));
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let mut loc = physical(&lines, &r.origin?)?;
                    let m = loc.as_object_mut()?;
                    m.insert("id".into(), json!(i + 1));
                    m.insert("message".into(), json!({ "text": r.message }));
                    Some(loc)
                })
                .collect();
            if !related.is_empty() {
                obj.insert("relatedLocations".into(), json!(related));
            }
            if let Some(fix) = &d.fix
                && let (Some(text), Some(origin)) = (&fix.replacement, fix.origin)
                && let Some(loc) = locate(sources, &origin)
            {
                obj.insert(
                    "fixes".into(),
                    json!([{
                        "description": { "text": fix.description },
                        "artifactChanges": [{
                            "artifactLocation": { "uri": uri(&loc.file) },
                            "replacements": [{
                                "deletedRegion": region(&loc, None),
                                "insertedContent": { "text": text },
                            }],
                        }],
                    }]),
                );
            }
            if let Some(service) = &d.service {
                obj.insert("properties".into(), json!({ "service": service }));
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "stackplan",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/stackplan/stackplan",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": target.map_or_else(
                || json!({}),
                |t| json!({ "target": TargetEntry::new(t, sources) }),
            ),
        }]
    })
}

/// The SARIF log, pretty-printed, ending with a newline.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
    render_with_target(diagnostics, sources, None)
}

/// [`render`], with the lint target and why in the run's `properties`.
pub fn render_with_target(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    target: Option<&TargetChoice>,
) -> String {
    let value = to_value_with_target(diagnostics, sources, target);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "null".to_owned());
    text.push('\n');
    text
}
