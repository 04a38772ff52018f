//! `extends`: a service starts from a copy of another service (in the same file or another
//! one) and its own values are merged over it, per file, before `-f` merging.

use super::reset::ResetPaths;
use super::{Ctx, ModelScope};
use crate::error::{Error, Result};
use crate::fspath;
use crate::tree::{Key, Map, Node, Value};

/// Services visited on the current `extends` chain, as (file, service).
type Chain = Vec<(String, String)>;

pub(super) fn apply(
    ctx: &mut Ctx<'_>,
    scope: &ModelScope,
    doc: &mut Node,
    file: &str,
    resets: &ResetPaths,
) -> Result<()> {
    let Some(services_node) = doc.get_mut("services") else {
        return Ok(());
    };
    if services_node.is_null() {
        return Ok(());
    }
    let origin = services_node.origin;
    let Some(services) = services_node.as_map_mut() else {
        return Err(Error::at("services must be a mapping", origin));
    };
    let names: Vec<String> = services.keys().map(|k| k.name.clone()).collect();
    let base_dir = scope.working_dir.clone();
    for name in names {
        resolve_service(
            ctx,
            scope,
            services,
            &name,
            file,
            &base_dir,
            Vec::new(),
            std::slice::from_ref(resets),
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn resolve_service(
    ctx: &mut Ctx<'_>,
    scope: &ModelScope,
    services: &mut Map,
    name: &str,
    file: &str,
    base_dir: &str,
    chain: Chain,
    post: &[ResetPaths],
) -> Result<Option<Node>> {
    let Some(service) = services.get(name) else {
        return Ok(None);
    };
    if service.is_null() {
        return Ok(None);
    }
    if service.as_map().is_none() {
        return Err(Error::at(
            format!("services.{name} must be a mapping"),
            service.origin,
        ));
    }
    let Some(extends) = service.get("extends") else {
        return Ok(Some(service.clone()));
    };
    let (reference, other_file) = match &extends.value {
        Value::Str(s) => (s.clone(), None),
        Value::Map(m) => (
            m.get("service")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned(),
            m.get("file").and_then(Node::as_str).map(str::to_owned),
        ),
        _ => {
            return Err(Error::at(
                format!("services.{name}.extends: invalid type"),
                extends.origin,
            ));
        }
    };
    let extends_origin = extends.origin;

    let mut chain = chain;
    let mut post = post.to_vec();
    let base = if let Some(other) = other_file {
        let path = fspath::absolutize(base_dir, &other);
        let (mut other_services, other_resets) =
            load_extended_file(ctx, scope, &path, name, &reference, file, &other)?;
        post.push(other_resets);
        let key = (path.clone(), name.to_owned());
        if chain.contains(&key) {
            return Err(cycle_error(&chain, &path, name, extends_origin));
        }
        chain.push(key);
        let dir = fspath::dir(&path);
        resolve_service(
            ctx,
            scope,
            &mut other_services,
            &reference,
            &path,
            &dir,
            chain,
            &post,
        )?
    } else {
        if !services.contains_key(reference.as_str()) {
            return Err(Error::at(
                format!(
                    "cannot extend service {name:?} in {file}: service {reference:?} not found"
                ),
                extends_origin,
            ));
        }
        let key = (file.to_owned(), name.to_owned());
        if chain.contains(&key) {
            return Err(cycle_error(&chain, file, name, extends_origin));
        }
        chain.push(key);
        resolve_service(
            ctx, scope, services, &reference, file, base_dir, chain, &post,
        )?
    };
    let Some(service) = services.get(name).cloned() else {
        return Ok(None);
    };
    let Some(base) = base else {
        return Ok(Some(service));
    };
    // Resets of the extending files apply to the copy of the base under the child's name.
    let mut wrapper = {
        let mut inner = Map::new();
        inner.insert(Key::synthetic(name), base);
        let mut outer = Map::new();
        outer.insert(
            Key::synthetic("services"),
            Node::synthetic(Value::Map(inner)),
        );
        Node::synthetic(Value::Map(outer))
    };
    for resets in &post {
        resets.apply(&mut wrapper);
    }
    let source = wrapper
        .get_mut("services")
        .and_then(|s| s.as_map_mut())
        .and_then(|m| m.shift_remove(name))
        .unwrap_or_else(|| Node::synthetic(Value::Map(Map::new())));
    let mut merged = super::merge::extend_service(source, service)?;
    if let Some(m) = merged.as_map_mut() {
        m.shift_remove("extends");
    }
    if let Some(slot) = services.get_mut(name) {
        *slot = merged.clone();
    }
    Ok(Some(merged))
}

fn cycle_error(chain: &Chain, file: &str, name: &str, origin: crate::tree::Origin) -> Error {
    let mut steps: Vec<String> = chain.iter().map(|(f, s)| format!("{s} ({f})")).collect();
    steps.push(format!("{name} ({file})"));
    Error::at(
        format!("Circular reference with extends:\n  {}", steps.join(" -> ")),
        origin,
    )
}

/// Loads the file an `extends.file` names, the way compose-go does for it: interpolated, its
/// own resets collected, no `include`/`extends` processing, paths made absolute against the
/// file's own folder.
fn load_extended_file(
    ctx: &mut Ctx<'_>,
    scope: &ModelScope,
    path: &str,
    name: &str,
    reference: &str,
    from_file: &str,
    as_written: &str,
) -> Result<(Map, ResetPaths)> {
    let sub = ModelScope {
        files: vec![(path.to_owned(), as_written.to_owned())],
        working_dir: fspath::dir(path),
        environment: scope.environment.clone(),
        interpolate: scope.interpolate,
        resolve_paths: false,
        validate: false,
        extends: false,
        include: false,
        defaults: false,
        included: Vec::new(),
    };
    let mut dict = Node::synthetic(Value::Map(Map::new()));
    let resets = super::load_file(ctx, &sub, path, as_written, &mut dict)?;
    let mut merged = ResetPaths::default();
    for r in resets {
        merged = merged.union(r);
    }
    let Some(services) = dict.get("services") else {
        return Err(Error::invalid(
            format!("cannot extend service {name:?} in {path}: no services section"),
            None,
        ));
    };
    if !services.as_map().is_some_and(|m| m.contains_key(reference)) {
        return Err(Error::invalid(
            format!(
                "cannot extend service {name:?} in {from_file}: service {reference:?} not found in {as_written}"
            ),
            None,
        ));
    }
    super::paths::resolve(ctx, &mut dict, &fspath::dir(path))?;
    let services = dict
        .get_mut("services")
        .and_then(|s| s.as_map_mut())
        .map(std::mem::take)
        .unwrap_or_default();
    Ok((services, merged))
}
