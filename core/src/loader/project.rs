//! From the merged, normalized model to the project `docker compose config` prints.
//!
//! compose-go decodes the model into Go structs (with decoding hooks), applies profiles,
//! checks consistency, resolves `env_file`, and marshals the structs. We do the same, one job
//! per file: the model's shape ([`super::fields`]), decoding ([`super::decode`]), profiles
//! ([`super::profiles`]), consistency checks ([`super::consistency`]), `env_file`
//! ([`super::env_file`]), selection ([`super::select`]) and the unused-resource pruning
//! ([`super::prune`]). Struct fields come out in the Go declaration order and map keys sorted,
//! as Go's encoders print them.

use super::consistency::{MaxWith, check_consistency, check_service_keys};
use super::decode::decode_struct;
use super::env_file::resolve_env_files;
use super::fields::{SERVICE, TOP_LEVEL_KEYS};
use super::profiles::profile_enabled;
use super::prune::finish;
use super::select::select;
use super::{Ctx, ModelScope};
use crate::error::{Error, Result};
use crate::tree::{Key, Map, Node, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Compose parses durations with str2duration, which also knows days (`d`) and weeks (`w`);
/// the crate's one duration parser lives in [`crate::units`].
pub(crate) use crate::units::parse_compose_duration;

/// `modelToProject` + `MarshalJSON`: the project as `config` prints it.
pub(super) fn build(ctx: &mut Ctx<'_>, dict: Node, scope: &ModelScope) -> Result<Node> {
    let opts = ctx.opts;
    if !opts.interpolate {
        // Without interpolation compose prints the model, not the typed project: no
        // defaults such as `command: null`.
        let mut model = dict;
        if let Some(m) = model.as_map_mut()
            && !opts.normalize
        {
            m.shift_remove("name");
            m.insert(
                Key::synthetic("name"),
                Node::synthetic(Value::Str(opts.project_name.clone())),
            );
        }
        return Ok(model);
    }
    let origin = dict.origin;
    let Value::Map(root) = dict.value else {
        return Err(Error::at("Top-level object must be a mapping", origin));
    };
    for (key, value) in &root {
        if !TOP_LEVEL_KEYS.contains(&key.name.as_str()) && !key.name.starts_with("x-") {
            return Err(Error::at(
                format!("(root) Additional property {} is not allowed", key.name),
                key.origin.max_with(value.origin),
            ));
        }
    }
    let mut path: Vec<String> = Vec::new();
    // Services
    let mut services: BTreeMap<String, Node> = BTreeMap::new();
    let mut disabled: BTreeSet<String> = BTreeSet::new();
    if let Some(s) = root.get("services") {
        let Value::Map(m) = &s.value else {
            if s.is_null() {
                return finish(ctx, root, services, origin);
            }
            return Err(Error::at("services must be a mapping", s.origin));
        };
        for (name, service) in m {
            path.clear();
            path.push("services".into());
            path.push(name.name.clone());
            let Value::Map(sm) = &service.value else {
                return Err(Error::at(
                    format!("services.{} must be a mapping", name.name),
                    service.origin,
                ));
            };
            check_service_keys(&name.name, sm)?;
            if !profile_enabled(sm, &opts.profiles) {
                disabled.insert(name.name.clone());
                continue;
            }
            let extensions: Map = sm
                .iter()
                .filter(|(k, _)| k.name.starts_with("x-"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !extensions.is_empty() {
                ctx.service_extensions
                    .insert(name.name.clone(), Node::map(extensions, service.origin));
            }
            let mut decoded =
                decode_struct(SERVICE, service, &mut path, &mut ctx.yaml_extensions)?.node;
            resolve_env_files(ctx, &mut decoded, sm, scope)?;
            services.insert(name.name.clone(), decoded);
        }
    }
    check_consistency(&root, &mut services, &disabled)?;
    select(&mut services, &opts.selected_services)?;
    finish(ctx, root, services, origin)
}
