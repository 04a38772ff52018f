//! The printed project's top level: only the resources the services use
//! (`WithoutUnnecessaryResources`), and the project's `x-` extensions.

use super::Ctx;
use super::decode::{decode_struct, sorted_map};
use super::fields::{FILE_OBJECT, NETWORK, VOLUME};
use crate::error::Result;
use crate::tree::{Key, Map, Node, Origin, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Prints the resources the services use (`WithoutUnnecessaryResources`) and the project's
/// `x-` extensions.
pub(super) fn finish(
    ctx: &mut Ctx<'_>,
    root: Map,
    services: BTreeMap<String, Node>,
    origin: Origin,
) -> Result<Node> {
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for service in services.values() {
        if let Some(n) = service.get("networks").and_then(Node::as_map) {
            used.entry("networks")
                .or_default()
                .extend(n.keys().map(|k| k.name.clone()));
        }
        for v in service
            .get("volumes")
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            if v.get("type").and_then(Node::as_str) == Some("volume")
                && let Some(s) = v
                    .get("source")
                    .and_then(Node::as_str)
                    .filter(|s| !s.is_empty())
            {
                used.entry("volumes").or_default().insert(s.to_owned());
            }
        }
        for kind in ["secrets", "configs"] {
            for item in service
                .get(kind)
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                if let Some(s) = item.get("source").and_then(Node::as_str) {
                    used.entry(kind).or_default().insert(s.to_owned());
                }
            }
        }
        for item in service
            .get("build")
            .and_then(|b| b.get("secrets"))
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            if let Some(s) = item.get("source").and_then(Node::as_str) {
                used.entry("secrets").or_default().insert(s.to_owned());
            }
        }
    }
    let mut out = Map::new();
    out.insert(
        Key::synthetic("name"),
        Node::synthetic(Value::Str(ctx.opts.project_name.clone())),
    );
    let mut path = Vec::new();
    for (kind, fields) in [
        ("networks", NETWORK),
        ("volumes", VOLUME),
        ("secrets", FILE_OBJECT),
        ("configs", FILE_OBJECT),
    ] {
        let Some(resources) = root.get(kind).and_then(Node::as_map) else {
            continue;
        };
        let wanted = used.get(kind);
        let mut entries = BTreeMap::new();
        for (name, resource) in resources {
            if !wanted.is_some_and(|w| w.contains(&name.name)) {
                continue;
            }
            path.clear();
            path.push(kind.to_owned());
            path.push(name.name.clone());
            let mut decoded =
                decode_struct(fields, resource, &mut path, &mut ctx.yaml_extensions)?.node;
            if (kind == "secrets" || (kind == "configs" && resource.get("environment").is_some()))
                && let Some(m) = decoded.as_map_mut()
            {
                m.shift_remove("content");
            }
            entries.insert(name.name.clone(), decoded);
        }
        if !entries.is_empty() {
            let o = root.get(kind).map_or(origin, |n| n.origin);
            out.insert(Key::synthetic(kind), sorted_map(entries, o));
        }
    }
    let services_origin = root.get("services").map_or(origin, |n| n.origin);
    out.insert(
        Key::synthetic("services"),
        sorted_map(services, services_origin),
    );
    let root_extensions: Map = root
        .iter()
        .filter(|(k, _)| k.name.starts_with("x-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !root_extensions.is_empty() {
        ctx.yaml_extensions.insert(String::new(), root_extensions);
    }
    for (key, mut value) in root {
        if key.name.starts_with("x-") {
            empty_lists_to_null(&mut value);
            out.insert(key, value);
        }
    }
    // Go prints a map[string]any sorted by key.
    out.sort_by(|a, _, b, _| a.name.cmp(&b.name));
    Ok(Node::map(out, origin))
}

/// Extensions pass through Go's mapstructure, which turns an empty list into a nil slice:
/// the oracle prints `x-e: {l: []}` as `{"l": null}`.
fn empty_lists_to_null(node: &mut Node) {
    match &mut node.value {
        Value::Seq(items) if items.is_empty() => node.value = Value::Null,
        Value::Seq(items) => items.iter_mut().for_each(empty_lists_to_null),
        Value::Map(map) => map.values_mut().for_each(empty_lists_to_null),
        _ => {}
    }
}
