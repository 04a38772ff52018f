//! Interpolation over a whole document: every string value (never a key) goes through
//! [`crate::interpolate`], then values at typed paths are cast (`replicas: "${N}"` becomes an
//! integer) exactly where compose-go casts them.

use super::Ctx;
use super::pattern::Trie;
use crate::error::{Error, Result};
use crate::interpolate;
use crate::tree::{Node, Value};
use indexmap::IndexMap;

#[derive(Clone, Copy, Debug)]
enum Cast {
    Int,
    Float,
    Bool,
}

/// compose-go's `interpolateTypeCastMapping`.
const CASTS: &[(&[&str], Cast)] = &[
    (&["services", "*", "cpu_count"], Cast::Int),
    (&["services", "*", "cpu_percent"], Cast::Float),
    (&["services", "*", "cpu_period"], Cast::Int),
    (&["services", "*", "cpu_quota"], Cast::Int),
    (&["services", "*", "cpu_rt_period"], Cast::Int),
    (&["services", "*", "cpu_rt_runtime"], Cast::Int),
    (&["services", "*", "cpus"], Cast::Float),
    (&["services", "*", "cpu_shares"], Cast::Int),
    (&["services", "*", "init"], Cast::Bool),
    (&["services", "*", "deploy", "replicas"], Cast::Int),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "rollback_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "rollback_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "restart_policy", "max_attempts"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "placement",
            "max_replicas_per_node",
        ],
        Cast::Int,
    ),
    (&["services", "*", "healthcheck", "retries"], Cast::Int),
    (&["services", "*", "healthcheck", "disable"], Cast::Bool),
    (&["services", "*", "oom_kill_disable"], Cast::Bool),
    (&["services", "*", "oom_score_adj"], Cast::Int),
    (&["services", "*", "pids_limit"], Cast::Int),
    (&["services", "*", "ports", "[]", "target"], Cast::Int),
    (&["services", "*", "privileged"], Cast::Bool),
    (&["services", "*", "read_only"], Cast::Bool),
    (&["services", "*", "scale"], Cast::Int),
    (&["services", "*", "stdin_open"], Cast::Bool),
    (&["services", "*", "tty"], Cast::Bool),
    (&["services", "*", "ulimits", "*"], Cast::Int),
    (&["services", "*", "ulimits", "*", "hard"], Cast::Int),
    (&["services", "*", "ulimits", "*", "soft"], Cast::Int),
    (&["services", "*", "volumes", "[]", "read_only"], Cast::Bool),
    (
        &["services", "*", "volumes", "[]", "volume", "nocopy"],
        Cast::Bool,
    ),
    (&["networks", "*", "external"], Cast::Bool),
    (&["networks", "*", "internal"], Cast::Bool),
    (&["networks", "*", "attachable"], Cast::Bool),
    (&["networks", "*", "enable_ipv4"], Cast::Bool),
    (&["networks", "*", "enable_ipv6"], Cast::Bool),
    (&["volumes", "*", "external"], Cast::Bool),
    (&["secrets", "*", "external"], Cast::Bool),
    (&["configs", "*", "external"], Cast::Bool),
];

pub(super) fn interpolate(
    ctx: &mut Ctx<'_>,
    doc: &mut Node,
    environment: &IndexMap<String, String>,
) -> Result<()> {
    static TRIE: std::sync::OnceLock<Trie<Cast>> = std::sync::OnceLock::new();
    let trie = TRIE.get_or_init(|| Trie::new(CASTS));
    let lookup = |name: &str| environment.get(name).cloned();
    let mut path: Vec<&str> = Vec::new();
    let mut unset = Vec::new();
    walk(doc, Some(trie), &mut path, &lookup, &mut unset)?;
    for name in unset {
        ctx.warn(
            super::WarningCode::VariableNotSet,
            format!("The \"{name}\" variable is not set. Defaulting to a blank string."),
            None,
        );
    }
    Ok(())
}

/// Visits every string; `casts` follows the path in the cast table while one can still apply.
fn walk<'a>(
    node: &'a mut Node,
    casts: Option<&Trie<Cast>>,
    path: &mut Vec<&'a str>,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<()> {
    let origin = node.origin;
    let value: &'a mut Value = &mut node.value;
    match value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                path.push(&key.name);
                let r = walk(
                    child,
                    casts.and_then(|t| t.child(&key.name)),
                    path,
                    lookup,
                    unset,
                );
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            let sub = casts.and_then(Trie::item);
            for item in items.iter_mut() {
                path.push("[]");
                let r = walk(item, sub, path, lookup, unset);
                path.pop();
                r?;
            }
        }
        Value::Str(text) => {
            let cast = casts.and_then(Trie::value);
            if cast.is_none() && !interpolate::needs_interpolation(text) {
                return Ok(());
            }
            let result = interpolate::interpolate(text, lookup)
                .map_err(|e| Error::at(format!("{}: {}", path.join("."), e.message), origin))?;
            for name in result.unset {
                if !unset.contains(&name) {
                    unset.push(name);
                }
            }
            let interpolated = result.value;
            match cast {
                Some(cast) => {
                    *value = apply_cast(&interpolated, cast).ok_or_else(|| {
                        Error::at(
                            format!(
                                "{}: failed to cast to expected type: invalid value {interpolated:?}",
                                path.join(".")
                            ),
                            origin,
                        )
                    })?;
                }
                None => *text = interpolated,
            }
        }
        _ => {}
    }
    Ok(())
}

fn apply_cast(value: &str, cast: Cast) -> Option<Value> {
    match cast {
        Cast::Int => value.parse::<i64>().ok().map(Value::Int),
        Cast::Float => value.parse::<f64>().ok().map(Value::Float),
        Cast::Bool => match value.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Some(Value::Bool(true)),
            "false" | "n" | "no" | "off" => Some(Value::Bool(false)),
            _ => None,
        },
    }
}
