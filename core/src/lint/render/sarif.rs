//! SARIF 2.1.0 (OASIS), as GitHub code scanning and IDEs read it: one run whose
//! `tool.driver.rules` carries every rule with its documentation as help text, and one
//! result per diagnostic with a physical location, related locations, fixes where a
//! replacement is known, and a `partialFingerprints` entry that survives line moves.
//!
//! Paths do not depend on where the tool was called from: every artifact URI is relative to
//! the base `%SRCROOT%` (`originalUriBaseIds`), the repository root (the folder holding
//! `.git`, found by the caller) or else the folder of the first Compose file. A file outside
//! that root is an absolute `file://` URI. Fingerprints use the same root-relative path.

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

/// The base every artifact URI is relative to: an absolute folder, without a trailing `/`.
struct Root<'a> {
    dir: &'a str,
}

impl Root<'_> {
    /// The file's path relative to the root, or `None` when it lies outside.
    fn relative<'p>(&self, path: &'p str) -> Option<&'p str> {
        let dir = self.dir.trim_end_matches('/');
        path.strip_prefix(dir)?.strip_prefix('/')
    }

    /// The artifact location of the file `id`: relative to `%SRCROOT%`, or absolute.
    fn artifact(&self, sources: &SourceSet, id: crate::tree::FileId) -> Value {
        let Some(file) = sources.get(id) else {
            return json!({ "uri": "" });
        };
        match self.relative(&file.path) {
            Some(rel) => json!({ "uri": uri(rel), "uriBaseId": SRCROOT }),
            None => json!({ "uri": uri(&file.path) }),
        }
    }

    /// The stable name of the file `id` (for fingerprints).
    fn name(&self, sources: &SourceSet, id: crate::tree::FileId) -> String {
        sources.get(id).map_or_else(String::new, |f| {
            self.relative(&f.path).unwrap_or(&f.path).to_owned()
        })
    }
}

const SRCROOT: &str = "%SRCROOT%";

fn physical(lines: &SourceLines<'_>, root: &Root<'_>, origin: &Origin) -> Option<Value> {
    let sources = lines.sources();
    let loc = locate(sources, origin)?;
    let line = lines.line(origin.file, origin.line);
    Some(json!({
        "physicalLocation": {
            "artifactLocation": root.artifact(sources, origin.file),
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
fn fingerprint(d: &Diagnostic, lines: &SourceLines<'_>, root: &Root<'_>) -> String {
    let (file, line) = match d.origin {
        Some(o) => (
            root.name(lines.sources(), o.file),
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

/// The folder of the first file loaded: the root when the caller knows no repository root.
fn default_root(sources: &SourceSet) -> String {
    sources
        .get(0)
        .map_or_else(|| "/".to_owned(), |f| crate::fspath::dir(&f.path))
}

/// The SARIF log as a JSON value, paths relative to the first file's folder.
pub fn to_value(diagnostics: &[Diagnostic], sources: &SourceSet) -> Value {
    to_value_in(diagnostics, sources, &default_root(sources))
}

/// The SARIF log as a JSON value, paths relative to `root` (an absolute folder: the
/// repository root or the project directory).
pub fn to_value_in(diagnostics: &[Diagnostic], sources: &SourceSet, root: &str) -> Value {
    to_value_with_target(diagnostics, sources, root, None)
}

/// [`to_value_in`], with the lint target and why in the run's `properties`.
pub fn to_value_with_target(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    root: &str,
    target: Option<&TargetChoice>,
) -> Value {
    let lines = SourceLines::new(sources);
    let root_dir = crate::fspath::clean(root);
    let root = Root { dir: &root_dir };
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
                "locations": d.origin.and_then(|o| physical(&lines, &root, &o)).into_iter().collect::<Vec<_>>(),
                "partialFingerprints": { "stackplan/v1": fingerprint(d, &lines, &root) },
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
                    let mut loc = physical(&lines, &root, &r.origin?)?;
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
                            "artifactLocation": root.artifact(sources, origin.file),
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
            "originalUriBaseIds": {
                SRCROOT: {
                    "uri": format!("{}/", uri(root_dir.trim_end_matches('/'))),
                    "description": { "text": "The repository root (or, outside a repository, the folder of the first Compose file)" },
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            // The target without its reason: the reason names files by their display name,
            // which depends on the working directory, and SARIF must not.
            "properties": target.map_or_else(
                || json!({}),
                |t| {
                    let entry = TargetEntry::new(t, sources);
                    json!({ "target": { "name": entry.name, "basis": entry.basis, "guessed": entry.guessed } })
                },
            ),
        }]
    })
}

/// The SARIF log, pretty-printed, ending with a newline; paths relative to the first file's
/// folder.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
    render_in(diagnostics, sources, &default_root(sources))
}

/// [`render`] with paths relative to `root` (see [`to_value_in`]).
pub fn render_in(diagnostics: &[Diagnostic], sources: &SourceSet, root: &str) -> String {
    render_with_target(diagnostics, sources, root, None)
}

/// [`render_in`], with the lint target and why in the run's `properties`.
pub fn render_with_target(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    root: &str,
    target: Option<&TargetChoice>,
) -> String {
    let value = to_value_with_target(diagnostics, sources, root, target);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "null".to_owned());
    text.push('\n');
    text
}
