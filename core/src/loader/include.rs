//! `include`: other Compose projects loaded on their own (paths relative to themselves, their
//! own `.env`) whose resources are imported into the including file.

use super::{Ctx, ModelScope};
use crate::dotenv;
use crate::error::{Error, Result};
use crate::fspath;
use crate::tree::{Node, Value};

struct IncludeEntry {
    paths: Vec<String>,
    project_directory: Option<String>,
    env_files: Vec<String>,
    origin: crate::tree::Origin,
}

fn strings(node: &Node) -> Vec<String> {
    match &node.value {
        Value::Str(s) => vec![s.clone()],
        Value::Seq(items) => items.iter().filter_map(Node::scalar_to_string).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn apply(
    ctx: &mut Ctx<'_>,
    scope: &ModelScope,
    doc: &mut Node,
    file: &str,
) -> Result<()> {
    let Some(include) = doc.as_map_mut().and_then(|m| m.shift_remove("include")) else {
        return Ok(());
    };
    if include.is_null() {
        return Ok(());
    }
    let Value::Seq(items) = &include.value else {
        return Err(Error::at("`include` must be a list", include.origin));
    };
    let mut entries = Vec::new();
    for item in items {
        match &item.value {
            Value::Str(s) => entries.push(IncludeEntry {
                paths: vec![s.clone()],
                project_directory: None,
                env_files: Vec::new(),
                origin: item.origin,
            }),
            Value::Map(m) => entries.push(IncludeEntry {
                paths: m.get("path").map(strings).unwrap_or_default(),
                project_directory: m.get("project_directory").and_then(Node::scalar_to_string),
                env_files: m.get("env_file").map(strings).unwrap_or_default(),
                origin: item.origin,
            }),
            _ => return Err(Error::at("invalid include entry", item.origin)),
        }
    }
    let mut included = scope.included.clone();
    included.push(file.to_owned());
    for entry in entries {
        let paths: Vec<String> = entry
            .paths
            .iter()
            .map(|p| fspath::absolutize(&scope.working_dir, p))
            .collect();
        let Some(main) = paths.first() else {
            return Err(Error::at("include entry has no path", entry.origin));
        };
        if included.contains(main) {
            let mut chain = included.clone();
            chain.push(main.clone());
            return Err(Error::at(
                format!(
                    "include cycle detected:\n{}\n include {}",
                    chain[0],
                    chain[1..].join("\n include ")
                ),
                entry.origin,
            ));
        }
        let project_dir = match &entry.project_directory {
            None => fspath::dir(main),
            Some(d) => fspath::absolutize(&scope.working_dir, d),
        };
        let env_files: Vec<String> = if entry.env_files.is_empty() {
            let default = fspath::join(&project_dir, ".env");
            if ctx.fs.is_file(&default) {
                vec![default]
            } else {
                Vec::new()
            }
        } else {
            entry
                .env_files
                .iter()
                .map(|f| fspath::absolutize(&scope.working_dir, f))
                .collect()
        };
        // Variables of the included project's env files do not override the environment.
        let mut environment = scope.environment.clone();
        let mut from_files: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
        for env_file in &env_files {
            let bytes = ctx
                .fs
                .read(env_file)
                .map_err(|e| Error::io(format!("{env_file}: {e}")))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let lookup = |name: &str| {
                from_files
                    .get(name)
                    .cloned()
                    .or_else(|| scope.environment.get(name).cloned())
            };
            let parsed = dotenv::parse(&text, &lookup).map_err(|e| {
                Error::invalid(
                    format!("{env_file}:{}:{}: {}", e.line, e.column, e.message),
                    None,
                )
            })?;
            for (k, v) in parsed {
                if let Some(v) = v {
                    from_files.insert(k, v);
                }
            }
        }
        for (k, v) in from_files {
            environment.entry(k).or_insert(v);
        }
        let sub = ModelScope {
            files: paths
                .iter()
                .cloned()
                .zip(entry.paths.iter().cloned())
                .collect(),
            working_dir: project_dir,
            environment,
            interpolate: scope.interpolate,
            resolve_paths: true,
            validate: scope.validate,
            extends: true,
            include: true,
            defaults: scope.defaults,
            included: included.clone(),
        };
        let imported = super::load_model(ctx, &sub)?;
        import_resources(imported, doc)?;
    }
    Ok(())
}

fn import_resources(imported: Node, target: &mut Node) -> Result<()> {
    let Value::Map(mut source) = imported.value else {
        return Ok(());
    };
    let Some(target) = target.as_map_mut() else {
        return Ok(());
    };
    for kind in ["services", "volumes", "networks", "secrets", "configs"] {
        let Some((key, from)) = source.shift_remove_entry(kind) else {
            continue;
        };
        let Value::Map(from) = from.value else {
            continue;
        };
        let slot = target
            .entry(key)
            .or_insert_with(|| Node::synthetic(Value::Map(Default::default())));
        if slot.is_null() {
            slot.value = Value::Map(Default::default());
        }
        let Some(to) = slot.as_map_mut() else {
            continue;
        };
        for (name, resource) in from {
            if let Some(existing) = to.get(name.name.as_str()) {
                if *existing == resource {
                    continue;
                }
                return Err(Error::at(
                    format!("{kind}.{} conflicts with imported resource", name.name),
                    existing.origin,
                ));
            }
            to.insert(name, resource);
        }
    }
    Ok(())
}
