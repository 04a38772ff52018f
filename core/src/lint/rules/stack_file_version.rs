#![doc = include_str!("stack_file_version.md")]

use crate::lint::context::{LintContext, at, entry_at, key_at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::loader::WarningCode;
use crate::tree::{Node, Origin};

pub static RULE: Rule = Rule {
    id: "SP206",
    name: "stack-file-version",
    family: Family::Swarm,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "file version unsupported, mismatched between files, or too old for a key",
    doc: include_str!("stack_file_version.md"),
    check,
};

/// The newest Compose file format docker/cli knows (`schema.defaultVersion`).
const LATEST_MINOR: u32 = 13;

/// Service keys and the 3.x minor version whose schema (docker/cli
/// `cli/compose/schema/data/config_schema_v3.N.json`) first has them.
const SERVICE_KEYS: &[(&[&str], u32)] = &[
    (&["secrets"], 1),
    (&["deploy", "endpoint_mode"], 2),
    (&["configs"], 3),
    (&["credential_spec"], 3),
    (&["deploy", "placement", "preferences"], 3),
    (&["deploy", "update_config", "order"], 4),
    (&["healthcheck", "start_period"], 4),
    (&["isolation"], 5),
    (
        &["deploy", "resources", "reservations", "generic_resources"],
        5,
    ),
    (&["deploy", "rollback_config"], 7),
    (&["init"], 7),
    (&["credential_spec", "config"], 8),
    (&["deploy", "placement", "max_replicas_per_node"], 8),
    (&["cgroupns_mode"], 9),
    (&["deploy", "resources", "limits", "pids"], 9),
    (&["healthcheck", "start_interval"], 12),
    (&["oom_score_adj"], 13),
];

/// Top-level keys and the minor version that introduced them.
const TOP_KEYS: &[(&str, u32)] = &[("secrets", 1), ("configs", 3)];

/// A file's version as docker/cli reads it: `fmt.Sprintf("%v")` of the value, `3` or
/// absent meaning 3.13.
struct FileVersion<'a> {
    text: String,
    /// The minor version when it is a known 3.x.
    minor: Option<u32>,
    node: Option<&'a Node>,
}

fn file_version(doc: &Node) -> FileVersion<'_> {
    let node = doc.get("version");
    let text = node
        .and_then(Node::scalar_to_string)
        .filter(|s| !s.is_empty() && s != "3")
        .unwrap_or_else(|| format!("3.{LATEST_MINOR}"));
    let minor = text
        .strip_prefix("3.")
        .and_then(|m| m.parse::<u32>().ok())
        .filter(|m| *m <= LATEST_MINOR && !text.ends_with('.'));
    FileVersion { text, minor, node }
}

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    // Without any `version` every file is 3.13: nothing to check. The loader warns once per
    // file that has one.
    if !cx
        .loaded
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::ObsoleteVersion)
    {
        return;
    }
    // The first file's version, whether it wrote one, and the file.
    let mut first: Option<(String, bool, usize)> = None;
    for (file, docs) in cx.raw_files().iter().enumerate() {
        let Some(doc) = docs.first().filter(|d| d.get("services").is_some()) else {
            continue;
        };
        let name = |f: usize| {
            cx.sources()
                .get(f as u32)
                .map_or_else(String::new, |s| s.display_name.clone())
        };
        let version = file_version(doc);
        let version_at = version
            .node
            .and_then(at)
            .or_else(|| doc.as_map().and_then(|m| m.keys().next()).and_then(key_at));
        let Some(minor) = version.minor else {
            out.push(
                Diagnostic::new(
                    &RULE,
                    version_at,
                    format!(
                        "`version: {}`: `docker stack deploy` only reads Compose file format 3.0 to 3.{LATEST_MINOR} (`unsupported Compose file version: {}`)",
                        version.text, version.text
                    ),
                )
                .help("remove `version` from every file (no version means 3.13)"),
            );
            continue;
        };
        match &first {
            None => first = Some((version.text.clone(), version.node.is_some(), file)),
            Some((v, first_declared, f)) if *v != version.text => {
                let declared = if version.node.is_some() {
                    format!("declares `version: {}`", version.text)
                } else {
                    format!("has no `version` (so {})", version.text)
                };
                out.push(
                    Diagnostic::new(
                        &RULE,
                        version_at,
                        format!(
                            "this file {declared} but {} {}: `docker stack deploy` refuses the set (`version mismatched between two composefiles : {v} and {}`)",
                            name(*f),
                            if *first_declared {
                                format!("declares {v}")
                            } else {
                                format!("has none (so {v})")
                            },
                            version.text
                        ),
                    )
                    .help("all files given with `-c` must declare the same version; remove `version` from every file at once"),
                );
            }
            Some(_) => {}
        }
        let too_new = |origin: Option<Origin>,
                       key: String,
                       needs: u32,
                       out: &mut Vec<Diagnostic>| {
            let mut d = Diagnostic::new(
                &RULE,
                origin,
                format!(
                    "`{key}` needs Compose file format 3.{needs}, but this file is {}: `docker stack deploy` rejects it (`Additional property {} is not allowed`)",
                    version.text,
                    key.rsplit('.').next().unwrap_or(&key)
                ),
            )
            .help("raise `version` in every file, or remove it from every file (3.13)");
            if let Some(v) = version.node {
                d = d.related(at(v), "the file's version");
            }
            out.push(d);
        };
        for (key, needs) in TOP_KEYS {
            if minor < *needs
                && let Some((k, _)) = doc.as_map().and_then(|m| m.get_key_value(*key))
            {
                too_new(key_at(k), (*key).to_owned(), *needs, out);
            }
        }
        let Some(services) = doc.get("services").and_then(Node::as_map) else {
            continue;
        };
        for (service, node) in services {
            for (path, needs) in SERVICE_KEYS {
                if minor >= *needs {
                    continue;
                }
                if let Some((k, _)) = entry_at(node, path) {
                    let start = out.len();
                    too_new(key_at(k), path.join("."), *needs, out);
                    for d in &mut out[start..] {
                        d.service = Some(service.name.clone());
                    }
                }
            }
        }
    }
}
