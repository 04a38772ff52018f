//! `checkConsistency` and the key checks: references between services and the top-level
//! resources, mutually exclusive fields, dependency cycles, unknown service keys.

use super::fields::{DEPLOY, SERVICE, SERVICE_KEYS_DROPPED, reorder};
use crate::error::{Error, Result};
use crate::tree::{Key, Map, Node, Origin, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The written position of a value, or of its key when the value is synthetic.
pub(super) trait MaxWith {
    fn max_with(self, other: Origin) -> Origin;
}
impl MaxWith for Origin {
    fn max_with(self, other: Origin) -> Origin {
        if self.is_synthetic() { other } else { self }
    }
}

pub(super) fn check_service_keys(name: &str, service: &Map) -> Result<()> {
    for key in service.keys() {
        let known = SERVICE.iter().any(|f| f.name == key.name)
            || SERVICE_KEYS_DROPPED.contains(&key.name.as_str())
            || key.name.starts_with("x-");
        if !known {
            return Err(Error::at(
                format!(
                    "services.{name} Additional property {} is not allowed",
                    key.name
                ),
                key.origin,
            ));
        }
    }
    Ok(())
}

pub(super) fn check_consistency(
    root: &Map,
    services: &mut BTreeMap<String, Node>,
    disabled: &BTreeSet<String>,
) -> Result<()> {
    let names: BTreeSet<String> = services.keys().cloned().collect();
    let defined = |kind: &str, name: &str| {
        root.get(kind)
            .and_then(Node::as_map)
            .is_some_and(|m| m.contains_key(name))
    };
    for (name, service) in services.iter_mut() {
        let origin = service.origin;
        let s = |k: &str| service.get(k);
        if s("build").is_none() && s("image").is_none() {
            return Err(Error::at(
                format!(
                    "service {name:?} has neither an image nor a build context specified: invalid compose project"
                ),
                origin,
            ));
        }
        if s("network_mode").is_some()
            && service
                .get("networks")
                .and_then(Node::as_map)
                .is_some_and(|m| !m.is_empty())
        {
            return Err(Error::at(
                format!(
                    "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
                ),
                origin,
            ));
        }
        if let Some(networks) = service.get("networks").and_then(Node::as_map) {
            for (network, n) in networks {
                if !defined("networks", &network.name) {
                    return Err(Error::at(
                        format!(
                            "service {name:?} refers to undefined network {}: invalid compose project",
                            network.name
                        ),
                        n.origin.max_with(network.origin),
                    ));
                }
            }
        }
        if let Some(test) = service
            .get("healthcheck")
            .and_then(|h| h.get("test"))
            .and_then(Node::as_seq)
            && let Some(first) = test.first().and_then(Node::as_str)
            && !matches!(first, "CMD" | "CMD-SHELL" | "NONE")
        {
            return Err(Error::at(
                "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
                test[0].origin,
            ));
        }
        if let Some(deps) = service.get("depends_on").and_then(Node::as_map) {
            for (dep, cfg) in deps {
                if !names.contains(&dep.name) {
                    let required = !matches!(
                        cfg.get("required").map(|r| &r.value),
                        Some(Value::Bool(false))
                    );
                    if disabled.contains(&dep.name) && !required {
                        continue;
                    }
                    return Err(Error::at(
                        format!(
                            "service {name:?} depends on undefined service {:?}: invalid compose project",
                            dep.name
                        ),
                        dep.origin.max_with(cfg.origin),
                    ));
                }
            }
        }
        if let Some(shared) = service
            .get("network_mode")
            .and_then(Node::as_str)
            .and_then(|m| m.strip_prefix("service:"))
            && !names.contains(shared)
            && !disabled.contains(shared)
        {
            return Err(Error::at(
                format!("service {shared:?} not found for network_mode 'service:{shared}'"),
                origin,
            ));
        }
        if let Some(volumes) = service.get("volumes").and_then(Node::as_seq) {
            for v in volumes {
                if v.get("type").and_then(Node::as_str) == Some("volume")
                    && let Some(source) = v
                        .get("source")
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                    && !defined("volumes", source)
                {
                    return Err(Error::at(
                        format!(
                            "service {name:?} refers to undefined volume {source}: invalid compose project"
                        ),
                        v.origin,
                    ));
                }
            }
        }
        for (kind, singular) in [("configs", "config"), ("secrets", "secret")] {
            if let Some(items) = service.get(kind).and_then(Node::as_seq) {
                for item in items {
                    let source = item
                        .get("source")
                        .and_then(Node::as_str)
                        .unwrap_or_default();
                    if !defined(kind, source) {
                        return Err(Error::at(
                            format!(
                                "service {name:?} refers to undefined {singular} {source}: invalid compose project"
                            ),
                            item.origin,
                        ));
                    }
                }
            }
        }
        if let Some(secrets) = service
            .get("build")
            .and_then(|b| b.get("secrets"))
            .and_then(Node::as_seq)
        {
            for item in secrets {
                let source = item
                    .get("source")
                    .and_then(Node::as_str)
                    .unwrap_or_default();
                if !defined("secrets", source) {
                    return Err(Error::at(
                        format!(
                            "service {name:?} refers to undefined build secret {source}: invalid compose project"
                        ),
                        item.origin,
                    ));
                }
            }
        }
        let int_of = |n: Option<&Node>| {
            n.and_then(|n| match n.value {
                Value::Int(i) => Some(i),
                _ => None,
            })
        };
        let scale = int_of(service.get("scale"));
        let replicas = int_of(service.get("deploy").and_then(|d| d.get("replicas")));
        if let (Some(scale), Some(deploy)) = (scale, service.get("deploy"))
            && replicas.is_some_and(|r| r != scale)
        {
            return Err(Error::at(
                format!(
                    "services.{name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project"
                ),
                deploy.origin,
            ));
        }
        if let (Some(scale), Some(deploy)) =
            (scale, service.get_mut("deploy").and_then(Node::as_map_mut))
        {
            let o = deploy.get("mode").map_or(origin, |m| m.origin);
            deploy.insert(Key::synthetic("replicas"), Node::new(Value::Int(scale), o));
            reorder(deploy, DEPLOY);
        }
        let limits = service
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"));
        let reservations = service
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("reservations"));
        for (own, deploy_side, field, label) in [
            (
                "cpus",
                limits,
                "cpus",
                "'cpus' and 'deploy.resources.limits.cpus'",
            ),
            (
                "mem_limit",
                limits,
                "memory",
                "'mem_limit' and 'deploy.resources.limits.memory'",
            ),
            (
                "mem_reservation",
                reservations,
                "memory",
                "'mem_reservation' and 'deploy.resources.reservations.memory'",
            ),
            (
                "pids_limit",
                limits,
                "pids",
                "'pids_limit' and 'deploy.resources.limits.pids'",
            ),
        ] {
            let Some(value) = service.get(own) else {
                continue;
            };
            let Some(side) = deploy_side else { continue };
            let other = side.get(field).map(|n| n.value.clone());
            let equal = match (&value.value, &other) {
                (a, Some(b)) => a == b,
                (_, None) => false,
            };
            if !equal {
                return Err(Error::at(
                    format!(
                        "services.{name}: can't set distinct values on {label}: invalid compose project"
                    ),
                    value.origin,
                ));
            }
        }
        let effective_scale = scale.or(replicas).unwrap_or(1);
        if effective_scale > 1 && service.get("container_name").is_some() {
            let attr = if scale.is_some() {
                "scale"
            } else {
                "deploy.replicas"
            };
            return Err(Error::at(
                format!(
                    "services.{attr}: can't set container_name and {name} as container name must be unique: invalid compose project"
                ),
                service.get("container_name").map_or(origin, |c| c.origin),
            ));
        }
    }
    if let Some(secrets) = root.get("secrets").and_then(Node::as_map) {
        for (name, secret) in secrets {
            let external = matches!(
                secret.get("external").map(|e| &e.value),
                Some(Value::Bool(true))
            );
            if !external && secret.get("file").is_none() && secret.get("environment").is_none() {
                return Err(Error::at(
                    format!(
                        "secret {:?} must declare either `file` or `environment`: invalid compose project",
                        name.name
                    ),
                    secret.origin,
                ));
            }
        }
    }
    check_cycles(services)
}

fn check_cycles(services: &BTreeMap<String, Node>) -> Result<()> {
    // Depth-first search over depends_on; a back edge is a cycle.
    fn visit(
        name: &str,
        services: &BTreeMap<String, Node>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Result<()> {
        match state.get(name) {
            Some(2) => return Ok(()),
            Some(1) => {
                let start = stack.iter().position(|s| s == name).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..].to_vec();
                cycle.push(name.to_owned());
                let origin = services.get(name).map_or(Origin::SYNTHETIC, |s| s.origin);
                return Err(Error::at(
                    format!("dependency cycle detected: {}", cycle.join(" -> ")),
                    origin,
                ));
            }
            _ => {}
        }
        state.insert(name.to_owned(), 1);
        stack.push(name.to_owned());
        if let Some(deps) = services
            .get(name)
            .and_then(|s| s.get("depends_on"))
            .and_then(Node::as_map)
        {
            for dep in deps.keys() {
                if services.contains_key(dep.name.as_str()) {
                    visit(&dep.name, services, state, stack)?;
                }
            }
        }
        stack.pop();
        state.insert(name.to_owned(), 2);
        Ok(())
    }
    let mut state = BTreeMap::new();
    for name in services.keys() {
        visit(name, services, &mut state, &mut Vec::new())?;
    }
    Ok(())
}
