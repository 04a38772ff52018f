//! Canonical (long) syntax, applied after every merge, and the default values and resource
//! checks applied once all files are merged (compose-go `transform/`, `validation/`).

use super::pattern::Trie;
use crate::error::{Error, Result};
use crate::tree::{Key, Map, Node, Origin, Value};
use crate::units;

#[derive(Clone, Copy)]
enum Transform {
    Service,
    FileMount,
    KeyValue,
    DependsOn,
    EnvFile,
    StringOrList,
    Extends,
    ServiceNetworks,
    VolumeMount,
    DeviceMapping,
    Ports,
    Build,
    Ulimits,
    MaybeExternal,
    Include,
}

use Transform::*;
const TRANSFORMS: &[(&[&str], Transform)] = &[
    (&["services", "*"], Service),
    (&["services", "*", "build", "secrets", "*"], FileMount),
    (&["services", "*", "build", "additional_contexts"], KeyValue),
    (&["services", "*", "depends_on"], DependsOn),
    (&["services", "*", "env_file"], EnvFile),
    (&["services", "*", "label_file"], StringOrList),
    (&["services", "*", "extends"], Extends),
    (&["services", "*", "networks"], ServiceNetworks),
    (&["services", "*", "volumes", "*"], VolumeMount),
    (&["services", "*", "dns"], StringOrList),
    (&["services", "*", "devices", "*"], DeviceMapping),
    (&["services", "*", "secrets", "*"], FileMount),
    (&["services", "*", "configs", "*"], FileMount),
    (&["services", "*", "ports"], Ports),
    (&["services", "*", "build"], Build),
    (&["services", "*", "ulimits", "*"], Ulimits),
    (&["services", "*", "build", "ulimits", "*"], Ulimits),
    (
        &["services", "*", "develop", "watch", "*", "ignore"],
        StringOrList,
    ),
    (
        &["services", "*", "develop", "watch", "*", "include"],
        StringOrList,
    ),
    (&["volumes", "*"], MaybeExternal),
    (&["networks", "*"], MaybeExternal),
    (&["secrets", "*"], MaybeExternal),
    (&["configs", "*"], MaybeExternal),
    (&["include", "*"], Include),
];

/// `transform.Canonical`. `ignore_parse_errors` is set with `--no-interpolate`, where
/// `${PORT}:80` cannot be parsed yet and is kept as written.
pub(super) fn canonical(dict: &mut Node, ignore_parse_errors: bool) -> Result<()> {
    static TRIE: std::sync::OnceLock<Trie<Transform>> = std::sync::OnceLock::new();
    let trie = TRIE.get_or_init(|| Trie::new(TRANSFORMS));
    let mut path = Vec::new();
    walk(dict, trie, &mut path, ignore_parse_errors)
}

fn walk(
    node: &mut Node,
    trie: &Trie<Transform>,
    path: &mut Vec<String>,
    ignore: bool,
) -> Result<()> {
    match trie.value() {
        Some(t) => apply(t, node, trie, path, ignore),
        None => walk_children(node, trie, path, ignore),
    }
}

fn walk_children(
    node: &mut Node,
    trie: &Trie<Transform>,
    path: &mut Vec<String>,
    ignore: bool,
) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                let Some(sub) = trie.child(&key.name) else {
                    continue;
                };
                path.push(key.name.clone());
                let r = walk(child, sub, path, ignore);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            // compose-go names list elements "[]" here, which `*` patterns match.
            let Some(sub) = trie.item() else {
                return Ok(());
            };
            for item in items.iter_mut() {
                path.push("[]".to_owned());
                let r = walk(item, sub, path, ignore);
                path.pop();
                r?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn invalid_type(path: &[String], what: &str, node: &Node) -> Error {
    Error::at(
        format!(
            "{}: invalid type {} for {what}",
            path.join("."),
            node.type_name()
        ),
        node.origin,
    )
}

fn str_node(s: &str, origin: Origin) -> Node {
    Node::string(s, origin)
}

fn apply(
    t: Transform,
    node: &mut Node,
    trie: &Trie<Transform>,
    path: &mut Vec<String>,
    ignore: bool,
) -> Result<()> {
    let origin = node.origin;
    match t {
        Transform::Service | Transform::Extends | Transform::Build | Transform::Include
            if node.as_map().is_some() =>
        {
            walk_children(node, trie, path, ignore)?;
        }
        Transform::Service => {}
        Transform::Extends | Transform::Build | Transform::Include => {
            let key = match t {
                Transform::Extends => "service",
                Transform::Build => "context",
                _ => "path",
            };
            match &node.value {
                Value::Str(_) => {
                    let value = std::mem::replace(node, Node::null(origin));
                    let mut m = Map::new();
                    m.insert(Key::new(key, origin), value);
                    *node = Node::map(m, origin);
                }
                _ if matches!(t, Transform::Include) => {}
                _ => return Err(invalid_type(path, path.last().map_or("", |s| s), node)),
            }
        }
        Transform::FileMount => match &node.value {
            Value::Map(_) => {}
            Value::Str(_) => {
                let value = std::mem::replace(node, Node::null(origin));
                let mut m = Map::new();
                m.insert(Key::new("source", origin), value);
                *node = Node::map(m, origin);
            }
            _ => {
                return Err(Error::at(
                    format!("{}: unsupported type {}", path.join("."), node.type_name()),
                    origin,
                ));
            }
        },
        Transform::KeyValue => match &mut node.value {
            Value::Map(_) => {}
            Value::Seq(items) => {
                let mut m = Map::new();
                for item in items.iter() {
                    let text = item.scalar_to_string().unwrap_or_default();
                    match text.split_once('=') {
                        Some((k, v)) => {
                            m.insert(Key::new(k, item.origin), str_node(v, item.origin));
                        }
                        None if ignore => return Ok(()),
                        None => {
                            return Err(Error::at(
                                format!(
                                    "{}: invalid value {text}, expected key=value",
                                    path.join(".")
                                ),
                                item.origin,
                            ));
                        }
                    }
                }
                node.value = Value::Map(m);
            }
            _ => return Err(invalid_type(path, "key/value", node)),
        },
        Transform::DependsOn => match &mut node.value {
            Value::Map(map) => {
                for (name, dep) in map.iter_mut() {
                    let Some(d) = dep.as_map_mut() else {
                        return Err(Error::at(
                            format!("{}.{}: unsupported value", path.join("."), name.name),
                            dep.origin,
                        ));
                    };
                    if !d.contains_key("condition") {
                        d.insert(
                            Key::synthetic("condition"),
                            Node::synthetic(Value::Str("service_started".into())),
                        );
                    }
                    if !d.contains_key("required") {
                        d.insert(
                            Key::synthetic("required"),
                            Node::synthetic(Value::Bool(true)),
                        );
                    }
                }
            }
            Value::Seq(items) => {
                let mut m = Map::new();
                for item in items.iter() {
                    let name = item.scalar_to_string().unwrap_or_default();
                    m.insert(
                        Key::new(name, item.origin),
                        super::merge::default_dependency(item.origin),
                    );
                }
                node.value = Value::Map(m);
            }
            _ => return Err(invalid_type(path, "depend_on", node)),
        },
        Transform::EnvFile => {
            let entry = |n: Node| -> Node {
                match n.value {
                    Value::Str(_) => {
                        let o = n.origin;
                        let mut m = Map::new();
                        m.insert(Key::new("path", o), n);
                        m.insert(Key::synthetic("required"), Node::new(Value::Bool(true), o));
                        Node::map(m, o)
                    }
                    Value::Map(mut m) => {
                        if !m.contains_key("required") {
                            m.insert(
                                Key::synthetic("required"),
                                Node::new(Value::Bool(true), n.origin),
                            );
                        }
                        Node::map(m, n.origin)
                    }
                    _ => Node::null(n.origin),
                }
            };
            match std::mem::replace(&mut node.value, Value::Null) {
                v @ Value::Str(_) => node.value = Value::Seq(vec![entry(Node::new(v, origin))]),
                Value::Seq(items) => {
                    node.value = Value::Seq(items.into_iter().map(entry).collect())
                }
                other => {
                    node.value = other;
                    return Err(invalid_type(path, "env_file", node));
                }
            }
        }
        Transform::StringOrList => {
            if let Value::Str(_) = node.value {
                let value = std::mem::replace(node, Node::null(origin));
                *node = Node::seq(vec![value], origin);
            }
        }
        Transform::ServiceNetworks => {
            if let Value::Seq(items) = &node.value {
                let mut m = Map::new();
                for item in items {
                    let name = item.scalar_to_string().unwrap_or_default();
                    m.insert(Key::new(name, item.origin), Node::null(item.origin));
                }
                node.value = Value::Map(m);
            }
        }
        Transform::VolumeMount => match &node.value {
            Value::Map(_) => {}
            Value::Str(s) => match units::parse_volume_short(s) {
                Ok(volume) => *node = super::decode::volume_to_node(&volume, origin),
                Err(_) if ignore => {}
                Err(e) => return Err(Error::at(e.message, origin)),
            },
            _ => {
                return Err(Error::at(
                    format!(
                        "{}: invalid type {} for service volume mount",
                        path.join("."),
                        node.type_name()
                    ),
                    origin,
                ));
            }
        },
        Transform::DeviceMapping => match &node.value {
            Value::Map(_) => {}
            Value::Str(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                let (src, dst, perms) = match parts.as_slice() {
                    [a] => (*a, *a, "rwm"),
                    [a, b] => (*a, *b, "rwm"),
                    [a, b, c] => (*a, *b, *c),
                    _ if ignore => (s.as_str(), s.as_str(), "rwm"),
                    _ => {
                        return Err(Error::at(
                            format!("confusing device mapping, please use long syntax: {s}"),
                            origin,
                        ));
                    }
                };
                let dst = if dst.is_empty() { src } else { dst };
                let mut m = Map::new();
                m.insert(Key::synthetic("source"), str_node(src, origin));
                m.insert(Key::synthetic("target"), str_node(dst, origin));
                m.insert(Key::synthetic("permissions"), str_node(perms, origin));
                *node = Node::map(m, origin);
            }
            _ => return Err(invalid_type(path, "service volume mount", node)),
        },
        Transform::Ports => {
            let Value::Seq(items) = &node.value else {
                return Err(invalid_type(path, "port", node));
            };
            let mut ports = Vec::with_capacity(items.len());
            for item in items {
                let spec = match &item.value {
                    Value::Int(i) => i.to_string(),
                    Value::Str(s) => s.clone(),
                    Value::Map(_) => {
                        ports.push(item.clone());
                        continue;
                    }
                    _ => return Err(invalid_type(path, "port", item)),
                };
                match units::parse_port_short(&spec) {
                    Ok(parsed) => ports.extend(parsed.iter().map(|p| port_to_node(p, item.origin))),
                    Err(_) if ignore => return Ok(()),
                    Err(e) => return Err(Error::at(e.message, item.origin)),
                }
            }
            node.value = Value::Seq(ports);
        }
        Transform::Ulimits => match &node.value {
            Value::Map(_) | Value::Int(_) => {}
            _ => return Err(invalid_type(path, "ulimits", node)),
        },
        Transform::MaybeExternal => {
            if node.is_null() {
                return Ok(());
            }
            if node.as_map().is_none() {
                return Err(invalid_type(path, "resource", node));
            }
            walk_children(node, trie, path, ignore)?;
            let Some(map) = node.as_map_mut() else {
                return Ok(());
            };
            let external_name = match map.get("external") {
                Some(Node {
                    value: Value::Map(ext),
                    ..
                }) => Some(ext.get("name").cloned()),
                _ => None,
            };
            if let Some(ext_name) = external_name {
                if let Some(ext) = map.get_mut("external") {
                    ext.value = Value::Bool(true);
                }
                if let Some(ext_name) = ext_name {
                    match map.get("name") {
                        Some(name) if name.value != ext_name.value => {
                            return Err(Error::at(
                                format!(
                                    "{}: name and external.name conflict; only use name",
                                    path.join(".")
                                ),
                                name.origin,
                            ));
                        }
                        Some(_) => {}
                        None => {
                            map.insert(Key::synthetic("name"), ext_name);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

pub(super) fn port_to_node(p: &units::PortConfig, origin: Origin) -> Node {
    let mut m = Map::new();
    m.insert(Key::synthetic("mode"), str_node(&p.mode, origin));
    if let Some(ip) = p.host_ip.as_deref().filter(|s| !s.is_empty()) {
        m.insert(Key::synthetic("host_ip"), str_node(ip, origin));
    }
    m.insert(
        Key::synthetic("target"),
        Node::new(Value::Int(i64::from(p.target)), origin),
    );
    if let Some(published) = p.published.as_deref().filter(|s| !s.is_empty()) {
        m.insert(Key::synthetic("published"), str_node(published, origin));
    }
    m.insert(Key::synthetic("protocol"), str_node(&p.protocol, origin));
    Node::map(m, origin)
}

/// `OmitEmpty`: empty `dns` entries are dropped.
pub(super) fn omit_empty(dict: &mut Node) {
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            if let Some(dns) = service.get_mut("dns").and_then(Node::as_seq_mut) {
                dns.retain(|n| !(n.is_null() || n.as_str() == Some("")));
            }
        }
    }
}

/// `transform.SetDefaultValues`.
pub(super) fn set_defaults(dict: &mut Node) {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return;
    };
    for service in services.values_mut() {
        let Some(service) = service.as_map_mut() else {
            continue;
        };
        if let Some(build) = service.get_mut("build").and_then(Node::as_map_mut)
            && !build.contains_key("context")
        {
            build.insert(
                Key::synthetic("context"),
                Node::synthetic(Value::Str(".".into())),
            );
        }
        if let Some(secrets) = service.get_mut("secrets").and_then(Node::as_seq_mut) {
            for secret in secrets.iter_mut().filter_map(Node::as_map_mut) {
                if !secret.contains_key("target") {
                    let source = secret
                        .get("source")
                        .and_then(Node::scalar_to_string)
                        .unwrap_or_default();
                    secret.insert(
                        Key::synthetic("target"),
                        Node::synthetic(Value::Str(format!("/run/secrets/{source}"))),
                    );
                }
            }
        }
        if let Some(ports) = service.get_mut("ports").and_then(Node::as_seq_mut) {
            for port in ports.iter_mut().filter_map(Node::as_map_mut) {
                if !port.contains_key("protocol") {
                    port.insert(
                        Key::synthetic("protocol"),
                        Node::synthetic(Value::Str("tcp".into())),
                    );
                }
                if !port.contains_key("mode") {
                    port.insert(
                        Key::synthetic("mode"),
                        Node::synthetic(Value::Str("ingress".into())),
                    );
                }
            }
        }
        let devices = service
            .get_mut("deploy")
            .and_then(|d| d.get_mut("resources"))
            .and_then(|r| r.get_mut("reservations"))
            .and_then(|r| r.get_mut("devices"))
            .and_then(Node::as_seq_mut);
        for device in devices.into_iter().flatten().filter_map(Node::as_map_mut) {
            if !device.contains_key("count") && !device.contains_key("device_ids") {
                device.insert(
                    Key::synthetic("count"),
                    Node::synthetic(Value::Str("all".into())),
                );
            }
        }
    }
}

/// `validation.Validate`: top-level resources must be consistent.
pub(super) fn validate_resources(dict: &Node) -> Result<()> {
    for (kind, keys) in [
        ("configs", &["file", "environment", "content"][..]),
        ("secrets", &["file", "environment"][..]),
    ] {
        let Some(objects) = dict.get(kind).and_then(Node::as_map) else {
            continue;
        };
        for (name, object) in objects {
            let Some(m) = object.as_map() else { continue };
            let count = keys.iter().filter(|k| m.contains_key(**k)).count();
            if count > 1 {
                return Err(Error::at(
                    format!(
                        "{kind}.{}: {} attributes are mutually exclusive",
                        name.name,
                        keys.join("|")
                    ),
                    object.origin,
                ));
            }
            if count == 0 && !m.contains_key("driver") && !m.contains_key("external") {
                return Err(Error::at(
                    format!(
                        "{kind}.{}: one of {} must be set",
                        name.name,
                        keys.join("|")
                    ),
                    object.origin,
                ));
            }
        }
    }
    for kind in ["volumes", "networks"] {
        let Some(objects) = dict.get(kind).and_then(Node::as_map) else {
            continue;
        };
        for (name, object) in objects {
            if kind == "volumes" && !object.is_null() && object.as_map().is_none() {
                return Err(Error::at(
                    format!("expected volume, got {}", object.type_name()),
                    object.origin,
                ));
            }
            if kind == "volumes" {
                check_external(kind, &name.name, object)?;
            }
        }
    }
    Ok(())
}

fn check_external(kind: &str, name: &str, object: &Node) -> Result<()> {
    let Some(m) = object.as_map() else {
        return Ok(());
    };
    if !matches!(m.get("external").map(|e| &e.value), Some(Value::Bool(true))) {
        return Ok(());
    }
    for (key, value) in m {
        if key.name == "name" || key.name == "external" || key.name.starts_with("x-") {
            continue;
        }
        return Err(Error::at(
            format!(
                "{kind}.{name}: conflicting parameters \"external\" and {:?} specified",
                key.name
            ),
            value.origin,
        ));
    }
    Ok(())
}
