//! `Normalize`: the defaults and implied values the oracle adds after merging: the default
//! network, resource names, implicit `depends_on` from links/`network_mode`/`volumes_from`,
//! environment and build args looked up from the environment.

use crate::error::Result;
use crate::fspath;
use crate::tree::{Key, Map, Node, Origin, Value};
use indexmap::IndexMap;

pub(super) fn normalize(dict: &mut Node, env: &IndexMap<String, String>) -> Result<()> {
    normalize_networks(dict);
    let project_name = dict
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(service) = service.as_map_mut() else {
                continue;
            };
            if let Some(p) = service.get_mut("pull_policy")
                && p.as_str() == Some("if_not_present")
            {
                p.value = Value::Str("missing".into());
            }
            if let Some(build) = service.get_mut("build").and_then(Node::as_map_mut) {
                if build.get("context").is_none_or(Node::is_null) {
                    build.insert(
                        Key::synthetic("context"),
                        Node::synthetic(Value::Str(".".into())),
                    );
                }
                let no_dockerfile = build.get("dockerfile").is_none_or(Node::is_null);
                let no_inline = build.get("dockerfile_inline").is_none_or(Node::is_null);
                if no_dockerfile && no_inline {
                    build.insert(
                        Key::synthetic("dockerfile"),
                        Node::synthetic(Value::Str("Dockerfile".into())),
                    );
                }
                if let Some(args) = build.get_mut("args") {
                    resolve_from_env(args, env, false);
                }
            }
            if let Some(environment) = service.get_mut("environment") {
                resolve_from_env(environment, env, true);
            }
            let mut depends_on = match service.shift_remove("depends_on") {
                Some(Node {
                    value: Value::Map(m),
                    ..
                }) => m,
                _ => Map::new(),
            };
            if let Some(links) = service.get("links").and_then(Node::as_seq) {
                for link in links {
                    let text = link.as_str().unwrap_or_default();
                    let parts: Vec<&str> = text.split(':').collect();
                    let name = if parts.len() == 2 { parts[0] } else { text };
                    add_dependency(&mut depends_on, name, true, link.origin);
                }
            }
            for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
                if let Some(reference) = service.get(namespace)
                    && let Some(shared) =
                        reference.as_str().and_then(|s| s.strip_prefix("service:"))
                {
                    add_dependency(&mut depends_on, shared, true, reference.origin);
                }
            }
            if let Some(volumes) = service.get_mut("volumes").and_then(Node::as_seq_mut) {
                for volume in volumes.iter_mut() {
                    if let Some(target) = volume.get_mut("target")
                        && let Value::Str(t) = &target.value
                    {
                        target.value = Value::Str(fspath::clean(t));
                    }
                }
            }
            if let Some(from) = service.get("volumes_from").and_then(Node::as_seq) {
                for v in from {
                    let text = v.as_str().unwrap_or_default();
                    if !text.starts_with("container:") {
                        let name = text.split(':').next().unwrap_or_default();
                        add_dependency(&mut depends_on, name, false, v.origin);
                    }
                }
            }
            if !depends_on.is_empty() {
                service.insert(
                    Key::synthetic("depends_on"),
                    Node::synthetic(Value::Map(depends_on)),
                );
            }
        }
    }
    set_name_from_key(dict, &project_name);
    Ok(())
}

fn add_dependency(depends_on: &mut Map, name: &str, restart: bool, origin: Origin) {
    if depends_on.contains_key(name) {
        return;
    }
    let mut m = Map::new();
    m.insert(
        Key::synthetic("condition"),
        Node::new(Value::Str("service_started".into()), origin),
    );
    m.insert(
        Key::synthetic("restart"),
        Node::new(Value::Bool(restart), origin),
    );
    m.insert(
        Key::synthetic("required"),
        Node::new(Value::Bool(true), origin),
    );
    depends_on.insert(Key::new(name, origin), Node::map(m, origin));
}

/// `resolve`: mapping entries with a null value, and list entries without `=`, take their
/// value from the environment; unresolved ones are kept (environment) or dropped (build args).
fn resolve_from_env(node: &mut Node, env: &IndexMap<String, String>, keep_empty: bool) {
    match &mut node.value {
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                let Some(text) = item.as_str().map(str::to_owned) else {
                    continue;
                };
                if text.contains('=') {
                    out.push(item);
                } else if let Some(v) = env.get(&text) {
                    item.value = Value::Str(format!("{text}={v}"));
                    out.push(item);
                } else if keep_empty {
                    out.push(item);
                }
            }
            *items = out;
        }
        Value::Map(map) => {
            let keys: Vec<String> = map.keys().map(|k| k.name.clone()).collect();
            for key in keys {
                let Some(value) = map.get_mut(key.as_str()) else {
                    continue;
                };
                if !value.is_null() {
                    continue;
                }
                if let Some(v) = env.get(&key) {
                    value.value = Value::Str(v.clone());
                } else if !keep_empty {
                    map.shift_remove(key.as_str());
                }
            }
        }
        _ => {}
    }
}

fn normalize_networks(dict: &mut Node) {
    let mut uses_default = false;
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(service) = service.as_map_mut() else {
                continue;
            };
            if service.contains_key("network_mode") {
                continue;
            }
            match service.get("networks") {
                Some(Node {
                    value: Value::Map(m),
                    ..
                }) if !m.is_empty() => {
                    if m.contains_key("default") {
                        uses_default = true;
                    }
                }
                _ => {
                    let mut m = Map::new();
                    m.insert(Key::synthetic("default"), Node::synthetic(Value::Null));
                    service.insert(Key::synthetic("networks"), Node::synthetic(Value::Map(m)));
                    uses_default = true;
                }
            }
        }
    }
    let Some(root) = dict.as_map_mut() else {
        return;
    };
    if uses_default {
        let networks = root
            .entry(Key::synthetic("networks"))
            .or_insert_with(|| Node::synthetic(Value::Map(Map::new())));
        if networks.is_null() {
            networks.value = Value::Map(Map::new());
        }
        if let Some(m) = networks.as_map_mut()
            && !m.contains_key("default")
        {
            m.insert(Key::synthetic("default"), Node::synthetic(Value::Null));
        }
    }
}

fn set_name_from_key(dict: &mut Node, project: &str) {
    for kind in ["networks", "volumes", "configs", "secrets"] {
        let Some(resources) = dict.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, resource) in resources.iter_mut() {
            if resource.is_null() {
                resource.value = Value::Map(Map::new());
            }
            let Some(m) = resource.as_map_mut() else {
                continue;
            };
            if m.get("name").is_none_or(Node::is_null) {
                let external = m.get("external").is_some_and(|x| {
                    matches!(x.value, Value::Bool(true)) || x.as_str() == Some("true")
                });
                let name = if external {
                    key.name.clone()
                } else {
                    format!("{project}_{}", key.name)
                };
                m.insert(Key::synthetic("name"), Node::synthetic(Value::Str(name)));
            }
        }
    }
}
