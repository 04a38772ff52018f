//! `env_file` resolution: the files' variables become `environment` entries.

use super::decode::sorted_map;
use super::fields::{SERVICE, reorder};
use super::{Ctx, ModelScope};
use crate::dotenv;
use crate::error::{Error, Result};
use crate::tree::{Key, Map, Node, Value};
use std::collections::BTreeMap;

/// `WithServicesEnvironmentResolved`: `env_file` contents become `environment` entries
/// (the service's own `environment` wins), and `env_file` is dropped.
pub(super) fn resolve_env_files(
    ctx: &mut Ctx<'_>,
    service: &mut Node,
    model: &Map,
    scope: &ModelScope,
) -> Result<()> {
    let project_env = &ctx.opts.environment;
    let lookup_project = |k: &str| {
        project_env
            .get(k)
            .cloned()
            .or_else(|| scope.environment.get(k).cloned())
    };
    // Keys without value take the project environment's value.
    if let Some(env) = service.get_mut("environment").and_then(Node::as_map_mut) {
        for (k, v) in env.iter_mut() {
            if v.is_null()
                && let Some(found) = lookup_project(&k.name)
            {
                v.value = Value::Str(found);
            }
        }
    }
    let Some(env_files) = model.get("env_file").and_then(Node::as_seq) else {
        return Ok(());
    };
    let mut from_files: BTreeMap<String, Node> = BTreeMap::new();
    for entry in env_files {
        let Some(path) = entry.get("path").and_then(Node::as_str) else {
            continue;
        };
        let required = !matches!(
            entry.get("required").map(|r| &r.value),
            Some(Value::Bool(false))
        );
        if !ctx.fs.is_file(path) {
            if required {
                return Err(Error::at(
                    format!("env file {path} not found"),
                    entry.origin,
                ));
            }
            continue;
        }
        let bytes = ctx
            .fs
            .read(path)
            .map_err(|e| Error::io(format!("{path}: {e}")))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lookup = |name: &str| {
            from_files
                .get(name)
                .and_then(Node::as_str)
                .map(str::to_owned)
                .or_else(|| lookup_project(name))
        };
        let parsed = dotenv::parse(&text, &lookup).map_err(|e| {
            Error::invalid(
                format!("{path}:{}:{}: {}", e.line, e.column, e.message),
                None,
            )
        })?;
        for (k, v) in parsed {
            let node = match v {
                Some(v) => Node::string(v, entry.origin),
                None => Node::null(entry.origin),
            };
            from_files.insert(k, node);
        }
    }
    if from_files.is_empty() {
        return Ok(());
    }
    if let Some(own) = service.get("environment").and_then(Node::as_map) {
        for (k, v) in own {
            from_files.insert(k.name.clone(), v.clone());
        }
    }
    let origin = service.origin;
    if let Some(sm) = service.as_map_mut() {
        let env = sorted_map(from_files, origin);
        // Keep the field where the struct order puts it.
        if let Some(slot) = sm.get_mut("environment") {
            *slot = env;
        } else {
            sm.insert(Key::synthetic("environment"), env);
            reorder(sm, SERVICE);
        }
    }
    Ok(())
}
