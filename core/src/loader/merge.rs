//! Merging one file's model into the accumulated one with Compose's per-field rules, and the
//! de-duplication ("unicity") of lists that follows each merge.
//!
//! Rules (compose-go `override/merge.go` and `uncity.go`, confirmed on the conformance corpus):
//! mappings merge recursively, scalars and `x-` keys are replaced, plain sequences are
//! appended; some fields have their own rule ([`special_merger`]).

use super::pattern::Trie;
use crate::error::{Error, Result};
use crate::fspath::matches;
use crate::tree::{Key, Map, Node, Origin, Value};
use crate::units;

pub(super) fn merge_root(dict: &mut Node, doc: Node) -> Result<()> {
    let base = std::mem::replace(dict, Node::synthetic(Value::Null));
    let mut path = Vec::new();
    *dict = merge(base, doc, &mut path)?;
    Ok(())
}

/// `ExtendService`: merges a service over its base as if both were `services.x`.
pub(super) fn extend_service(base: Node, service: Node) -> Result<Node> {
    let mut path = vec!["services".to_owned(), "x".to_owned()];
    merge(base, service, &mut path)
}

#[derive(Clone, Copy)]
enum Special {
    ToSequence,
    Override,
    Build,
    DependsOn,
    Networks,
    ExtraHosts,
    Logging,
    Ulimit,
    IpamConfig,
}

fn special_merger(path: &[&str]) -> Option<Special> {
    use Special::*;
    const TABLE: &[(&[&str], Special)] = &[
        (&["networks", "*", "ipam", "config"], IpamConfig),
        (&["networks", "*", "labels"], ToSequence),
        (&["volumes", "*", "labels"], ToSequence),
        (&["services", "*", "annotations"], ToSequence),
        (&["services", "*", "build"], Build),
        (&["services", "*", "build", "args"], ToSequence),
        (
            &["services", "*", "build", "additional_contexts"],
            ToSequence,
        ),
        (&["services", "*", "build", "extra_hosts"], ExtraHosts),
        (&["services", "*", "build", "labels"], ToSequence),
        (&["services", "*", "command"], Override),
        (&["services", "*", "depends_on"], DependsOn),
        (&["services", "*", "deploy", "labels"], ToSequence),
        (&["services", "*", "dns"], ToSequence),
        (&["services", "*", "dns_opt"], ToSequence),
        (&["services", "*", "dns_search"], ToSequence),
        (&["services", "*", "entrypoint"], Override),
        (&["services", "*", "env_file"], ToSequence),
        (&["services", "*", "label_file"], ToSequence),
        (&["services", "*", "environment"], ToSequence),
        (&["services", "*", "extra_hosts"], ExtraHosts),
        (&["services", "*", "healthcheck", "test"], Override),
        (&["services", "*", "labels"], ToSequence),
        (&["services", "*", "logging"], Logging),
        (&["services", "*", "networks"], Networks),
        (&["services", "*", "sysctls"], ToSequence),
        (&["services", "*", "tmpfs"], ToSequence),
        (&["services", "*", "ulimits", "*"], Ulimit),
    ];
    TABLE
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
        .map(|(_, s)| *s)
}

fn merge(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Some(special) = special_merger(&refs) {
        return merge_special(special, base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let merged = merge_mappings(b, o, path)?;
            Ok(Node::map(merged, over.origin))
        }
        (Value::Seq(mut b), Value::Seq(o)) => {
            b.extend(o);
            Ok(Node::seq(b, over.origin))
        }
        (Value::Map(_) | Value::Seq(_), _) => Err(Error::at(
            format!("cannot override {}", path.join(".")),
            over.origin,
        )),
        (_, value) => Ok(Node {
            value,
            origin: over.origin,
            tag: over.tag,
        }),
    }
}

fn merge_mappings(mut base: Map, over: Map, path: &mut Vec<String>) -> Result<Map> {
    for (key, value) in over {
        let replace = key.name.starts_with("x-") || !base.contains_key(key.name.as_str());
        if replace {
            base.insert(key, value);
            continue;
        }
        let Some(existing) = base.get_mut(key.name.as_str()) else {
            continue;
        };
        let old = std::mem::replace(existing, Node::synthetic(Value::Null));
        path.push(key.name.clone());
        let merged = merge(old, value, path);
        path.pop();
        *existing = merged?;
    }
    Ok(base)
}

fn merge_special(special: Special, base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    match special {
        Special::Override => Ok(over),
        Special::ToSequence => {
            let origin = if over.is_null() {
                base.origin
            } else {
                over.origin
            };
            let mut items = into_sequence(base);
            items.extend(into_sequence(over));
            Ok(Node::seq(items, origin))
        }
        Special::ExtraHosts => {
            let origin = if over.is_null() {
                base.origin
            } else {
                over.origin
            };
            let mut items = into_sequence(base);
            let extra: Vec<Node> = into_sequence(over)
                .into_iter()
                .filter(|n| !items.contains(n))
                .collect();
            items.extend(extra);
            Ok(Node::seq(items, origin))
        }
        Special::Build => {
            let to_build = |n: Node| -> Option<(Map, Origin)> {
                match n.value {
                    Value::Str(_) => {
                        let origin = n.origin;
                        let mut m = Map::new();
                        m.insert(Key::new("context", origin), n);
                        Some((m, origin))
                    }
                    Value::Map(m) => Some((m, n.origin)),
                    _ => None,
                }
            };
            match (to_build(base), to_build(over)) {
                (Some((b, _)), Some((o, origin))) => {
                    Ok(Node::map(merge_mappings(b, o, path)?, origin))
                }
                (Some((b, origin)), None) => Ok(Node::map(b, origin)),
                (None, Some((o, origin))) => Ok(Node::map(o, origin)),
                (None, None) => Ok(Node::synthetic(Value::Null)),
            }
        }
        Special::DependsOn | Special::Networks => {
            let with_defaults = matches!(special, Special::DependsOn);
            let origin = over.origin;
            let b = into_mapping(base, with_defaults);
            let o = into_mapping(over, with_defaults);
            match (b, o) {
                (Some(b), Some(o)) => Ok(Node::map(merge_mappings(b, o, path)?, origin)),
                (Some(b), None) => Ok(Node::map(b, origin)),
                (None, Some(o)) => Ok(Node::map(o, origin)),
                (None, None) => Ok(Node::synthetic(Value::Null)),
            }
        }
        Special::Logging => match (base.value, over.value) {
            (Value::Map(b), Value::Map(o)) => {
                let same_driver = match (b.get("driver"), o.get("driver")) {
                    (Some(x), Some(y)) => x.value == y.value,
                    _ => true,
                };
                if same_driver {
                    Ok(Node::map(merge_mappings(b, o, path)?, over.origin))
                } else {
                    Ok(Node::map(o, over.origin))
                }
            }
            (_, value) => Ok(Node::new(value, over.origin)),
        },
        // compose-go merges the override with itself here: the later ulimit replaces the
        // earlier one whole (so `nofile: 1024` can become `{soft, hard}` and back).
        Special::Ulimit => Ok(over),
        Special::IpamConfig => merge_ipam_config(base, over, path),
    }
}

/// `convertIntoSequence`: a `K: V` mapping becomes sorted `K=V` strings (a null value gives
/// `K` alone); a string becomes a one-element list.
fn into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Map(map) => {
            let mut items: Vec<Node> = Vec::with_capacity(map.len());
            for (key, value) in map {
                match &value.value {
                    Value::Null => items.push(Node::string(key.name, key.origin)),
                    Value::Seq(list) => {
                        for v in list {
                            let text = v.scalar_to_string().unwrap_or_default();
                            items.push(Node::string(format!("{}={text}", key.name), v.origin));
                        }
                    }
                    _ => {
                        let text = value.scalar_to_string().unwrap_or_else(|| "map[]".into());
                        items.push(Node::string(format!("{}={text}", key.name), value.origin));
                    }
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        Value::Seq(items) => items,
        Value::Str(_) => vec![node],
        _ => Vec::new(),
    }
}

/// `convertIntoMapping`: a list of names becomes a mapping (for `depends_on`, each with the
/// default condition).
fn into_mapping(node: Node, with_defaults: bool) -> Option<Map> {
    match node.value {
        Value::Map(map) => Some(map),
        Value::Seq(items) => {
            let mut map = Map::new();
            for item in items {
                let name = item.scalar_to_string().unwrap_or_default();
                let value = if with_defaults {
                    default_dependency(item.origin)
                } else {
                    Node::null(item.origin)
                };
                map.insert(Key::new(name, item.origin), value);
            }
            Some(map)
        }
        _ => None,
    }
}

pub(super) fn default_dependency(origin: Origin) -> Node {
    let mut m = Map::new();
    m.insert(
        Key::synthetic("condition"),
        Node::new(Value::Str("service_started".into()), origin),
    );
    m.insert(
        Key::synthetic("required"),
        Node::new(Value::Bool(true), origin),
    );
    Node::map(m, origin)
}

/// `mergeIPAMConfig`: pools are matched by subnet; compose-go's loop is reproduced as is.
fn merge_ipam_config(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let origin = over.origin;
    let (Value::Seq(originals), Value::Seq(overrides)) = (base.value, over.value) else {
        return Ok(Node::seq(Vec::new(), origin));
    };
    let subnet = |n: &Node| n.get("subnet").map(|s| s.value.clone());
    let mut pools: Vec<Node> = Vec::new();
    for original in originals {
        for override_pool in overrides.iter().cloned() {
            if subnet(&override_pool) != subnet(&original)
                && !pools.iter().any(|p| subnet(p) == subnet(&override_pool))
            {
                pools.push(override_pool);
                continue;
            }
            let (Value::Map(r), Value::Map(l)) = (original.value.clone(), override_pool.value)
            else {
                continue;
            };
            let merged = Node::map(merge_mappings(r, l, path)?, override_pool.origin);
            match pools.iter().position(|p| subnet(p) == subnet(&merged)) {
                Some(i) => pools[i] = merged,
                None => pools.push(merged),
            }
        }
    }
    Ok(Node::seq(pools, origin))
}

// ---------------------------------------------------------------------------------------------
// Unicity

#[derive(Clone, Copy)]
enum Indexer {
    KeyValue,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

use Indexer::*;
const UNIQUE: &[(&[&str], Indexer)] = &[
    (&["networks", "*", "labels"], KeyValue),
    (&["networks", "*", "ipam", "options"], KeyValue),
    (&["services", "*", "annotations"], KeyValue),
    (&["services", "*", "build", "args"], KeyValue),
    (&["services", "*", "build", "additional_contexts"], KeyValue),
    (&["services", "*", "build", "platform"], KeyValue),
    (&["services", "*", "build", "tags"], KeyValue),
    (&["services", "*", "build", "labels"], KeyValue),
    (&["services", "*", "cap_add"], KeyValue),
    (&["services", "*", "cap_drop"], KeyValue),
    (&["services", "*", "devices"], Device),
    (&["services", "*", "configs"], Mount("")),
    (&["services", "*", "deploy", "labels"], KeyValue),
    (&["services", "*", "dns"], KeyValue),
    (&["services", "*", "dns_opt"], KeyValue),
    (&["services", "*", "dns_search"], KeyValue),
    (&["services", "*", "environment"], KeyValue),
    (&["services", "*", "env_file"], EnvFile),
    (&["services", "*", "expose"], Expose),
    (&["services", "*", "labels"], KeyValue),
    (&["services", "*", "links"], KeyValue),
    (&["services", "*", "networks", "*", "aliases"], KeyValue),
    (
        &["services", "*", "networks", "*", "link_local_ips"],
        KeyValue,
    ),
    (&["services", "*", "ports"], Port),
    (&["services", "*", "profiles"], KeyValue),
    (&["services", "*", "secrets"], Mount("/run/secrets")),
    (&["services", "*", "sysctls"], KeyValue),
    (&["services", "*", "tmpfs"], KeyValue),
    (&["services", "*", "volumes"], Volume),
];

pub(super) fn enforce_unicity(dict: &mut Node) -> Result<()> {
    static TRIE: std::sync::OnceLock<Trie<Indexer>> = std::sync::OnceLock::new();
    let trie = TRIE.get_or_init(|| Trie::new(UNIQUE));
    let mut path = Vec::new();
    unicity(dict, trie, &mut path)
}

fn unicity(node: &mut Node, trie: &Trie<Indexer>, path: &mut Vec<String>) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                let Some(sub) = trie.child(&key.name) else {
                    continue;
                };
                path.push(key.name.clone());
                let r = unicity(child, sub, path);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            if let Some(indexer) = trie.value() {
                let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                // Keys borrow from the items; most lists have no duplicate, so find the first
                // occurrence of each key and only rebuild the list when something repeats.
                let first: Vec<usize> = {
                    let keys = items
                        .iter()
                        .map(|item| index_key(indexer, item, &refs))
                        .collect::<Result<Vec<_>>>()?;
                    first_occurrences(&keys)
                };
                if first.iter().enumerate().any(|(i, &f)| i != f) {
                    let mut out: Vec<Option<Node>> = Vec::with_capacity(items.len());
                    let mut slot = vec![usize::MAX; items.len()];
                    for (i, item) in std::mem::take(items).into_iter().enumerate() {
                        if first[i] == i {
                            slot[i] = out.len();
                            out.push(Some(item));
                        } else {
                            // A later duplicate replaces the earlier entry in its position.
                            out[slot[first[i]]] = Some(item);
                        }
                    }
                    *items = out.into_iter().flatten().collect();
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// For each key, the index of its first occurrence.
fn first_occurrences(keys: &[std::borrow::Cow<'_, str>]) -> Vec<usize> {
    if keys.len() <= 32 {
        return (0..keys.len())
            .map(|i| keys[..i].iter().position(|k| *k == keys[i]).unwrap_or(i))
            .collect();
    }
    let mut seen: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(keys.len());
    keys.iter()
        .enumerate()
        .map(|(i, k)| *seen.entry(k.as_ref()).or_insert(i))
        .collect()
}

fn index_key<'n>(
    indexer: Indexer,
    item: &'n Node,
    path: &[&str],
) -> Result<std::borrow::Cow<'n, str>> {
    use std::borrow::Cow;
    // The common shapes borrow their key; the rest build it.
    match (indexer, &item.value) {
        (Indexer::KeyValue, Value::Str(s)) => {
            return Ok(Cow::Borrowed(
                s.split_once('=').map_or(s.as_str(), |(k, _)| k),
            ));
        }
        (Indexer::Volume | Indexer::Device, Value::Map(m)) => {
            if let Some(Value::Str(t)) = m.get("target").map(|t| &t.value) {
                return Ok(Cow::Borrowed(t));
            }
        }
        (Indexer::Expose | Indexer::Port | Indexer::EnvFile, Value::Str(s)) => {
            return Ok(Cow::Borrowed(s));
        }
        _ => {}
    }
    index_key_owned(indexer, item, path).map(Cow::Owned)
}

fn index_key_owned(indexer: Indexer, item: &Node, path: &[&str]) -> Result<String> {
    let unexpected = || {
        Error::at(
            format!("{}: unexpected type {}", path.join("."), item.type_name()),
            item.origin,
        )
    };
    Ok(match indexer {
        Indexer::KeyValue => match &item.value {
            Value::Str(s) => s.split_once('=').map_or(s.as_str(), |(k, _)| k).to_owned(),
            _ => return Err(unexpected()),
        },
        Indexer::Volume => match &item.value {
            Value::Map(m) => match m.get("target").map(|t| &t.value) {
                Some(Value::Str(t)) => t.clone(),
                _ => {
                    return Err(Error::at(
                        format!(
                            "service volume {} is missing a mount target",
                            path.join(".")
                        ),
                        item.origin,
                    ));
                }
            },
            Value::Str(s) => {
                units::parse_volume_short(s)
                    .map_err(|e| Error::at(e.message, item.origin))?
                    .target
            }
            _ => String::new(),
        },
        Indexer::Device => match &item.value {
            Value::Map(m) => match m.get("target").map(|t| &t.value) {
                Some(Value::Str(t)) => t.clone(),
                _ => {
                    return Err(Error::at(
                        format!(
                            "service device {} is missing a mount target",
                            path.join(".")
                        ),
                        item.origin,
                    ));
                }
            },
            Value::Str(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                parts.get(1).copied().unwrap_or(parts[0]).to_owned()
            }
            _ => String::new(),
        },
        Indexer::Expose => match &item.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            _ => return Err(unexpected()),
        },
        Indexer::Mount(prefix) => match &item.value {
            Value::Str(s) => format!("{prefix}/{s}"),
            Value::Map(m) => match m.get("target") {
                Some(t) => t.scalar_to_string().unwrap_or_default(),
                None => format!(
                    "{prefix}/{}",
                    m.get("source")
                        .and_then(Node::scalar_to_string)
                        .unwrap_or_else(|| "%!s(<nil>)".into())
                ),
            },
            _ => return Err(unexpected()),
        },
        Indexer::Port => match &item.value {
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
            Value::Map(m) => {
                let Some(target) = m.get("target") else {
                    return Err(Error::at(
                        format!("service ports {} is missing a target port", path.join(".")),
                        item.origin,
                    ));
                };
                let text = |k: &str, default: &str| {
                    m.get(k)
                        .and_then(Node::scalar_to_string)
                        .unwrap_or_else(|| default.to_owned())
                };
                // compose-go formats this key with `%s:%s:%d/%s`, so a published port written
                // as a YAML integer (`%!s(int=8080)`) never equals one from the short syntax:
                // both entries are kept, as the oracle keeps them.
                let published = match m.get("published").map(|p| &p.value) {
                    Some(Value::Int(i)) => format!("%!s(int={i})"),
                    Some(_) => text("published", ""),
                    None => "%!s(<nil>)".to_owned(),
                };
                let target = match &target.value {
                    Value::Int(i) => i.to_string(),
                    other => format!(
                        "%!d({})",
                        Node::synthetic(other.clone())
                            .scalar_to_string()
                            .unwrap_or_default()
                    ),
                };
                format!(
                    "{}:{published}:{target}/{}",
                    text("host_ip", "0.0.0.0"),
                    text("protocol", "tcp")
                )
            }
            _ => String::new(),
        },
        Indexer::EnvFile => match &item.value {
            Value::Str(s) => s.clone(),
            Value::Map(m) => match m.get("path") {
                Some(p) => p.scalar_to_string().unwrap_or_default(),
                None => {
                    return Err(Error::at(
                        format!("environment path attribute {} is missing", path.join(".")),
                        item.origin,
                    ));
                }
            },
            _ => String::new(),
        },
    })
}
