//! The project as compose-go's `MarshalYAML` sees it, built from the printed (JSON-shaped)
//! project and the field table of [`super::fields`].
//!
//! The two encoders the oracle uses disagree in ways users see: `encoding/json` prints the
//! project's top-level keys sorted (it is a map there) and never omits a struct, while yaml.v3
//! walks the `Project` struct (`name`, `services`, `networks`, `volumes`, `secrets`, `configs`,
//! then the extensions), omits a struct value whose fields are all zero (`ipam: {}`,
//! `deploy.resources: {}`), omits a nil `command`/`entrypoint` (`ShellCommand.IsZero`), prints
//! `ulimits` as `{soft, hard}` without `omitempty`, sorts map keys with its own "natural" order
//! (`"9"` before `"10"`), and prints the `x-` keys every struct keeps inline after its fields.

use super::decode::{StructExtensions, extension_path};
use super::fields::{FILE_OBJECT, Field, NETWORK, Presence, SERVICE, Ty, VOLUME};
use crate::tree::{Key, Map, Node, Value};
use std::cmp::Ordering;

/// The YAML-shaped project. `extensions` is `None` for an untyped model (`--no-interpolate`),
/// which compose prints as a plain `map[string]any`: every mapping sorted, nothing omitted.
pub(super) fn view(project: &Node, extensions: Option<&StructExtensions>) -> Node {
    let Some(extensions) = extensions else {
        return generic(project);
    };
    let Some(root) = project.as_map() else {
        return generic(project);
    };
    let mut out = Map::new();
    let mut path = Vec::new();
    if let Some((key, name)) = root.get_key_value("name")
        && name.as_str().is_some_and(|s| !s.is_empty())
    {
        out.insert(key.clone(), name.clone());
    }
    match root.get_key_value("services") {
        Some((key, services)) => {
            path.push("services".to_owned());
            let value = map_of(services, &Ty::Struct(SERVICE), false, &mut path, extensions);
            path.pop();
            out.insert(key.clone(), value);
        }
        None => {
            out.insert(
                Key::synthetic("services"),
                Node::synthetic(Value::Map(Map::new())),
            );
        }
    }
    for (kind, fields) in [
        ("networks", NETWORK),
        ("volumes", VOLUME),
        ("secrets", FILE_OBJECT),
        ("configs", FILE_OBJECT),
    ] {
        if let Some((key, resources)) = root.get_key_value(kind)
            && resources.as_map().is_some_and(|m| !m.is_empty())
        {
            path.push(kind.to_owned());
            let value = map_of(resources, &Ty::Struct(fields), false, &mut path, extensions);
            path.pop();
            out.insert(key.clone(), value);
        }
    }
    append_extensions(&mut out, &path, extensions);
    Node::new(Value::Map(out), project.origin)
}

/// A value of type `ty`, as yaml.v3 prints it.
fn typed(ty: &Ty, node: &Node, path: &mut Vec<String>, ext: &StructExtensions) -> Node {
    match ty {
        Ty::Struct(fields) => structure(fields, node, path, ext),
        Ty::MapOf(inner) => map_of(node, inner, false, path, ext),
        Ty::MapOfNullable(inner) => map_of(node, inner, true, path, ext),
        Ty::ListOf(inner) => match &node.value {
            Value::Seq(items) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        path.push(format!("[{i}]"));
                        let out = typed(inner, item, path, ext);
                        path.pop();
                        out
                    })
                    .collect();
                Node::new(Value::Seq(items), node.origin)
            }
            _ => node.clone(),
        },
        Ty::Ulimits => match &node.value {
            Value::Map(limits) => {
                let mut entries: Vec<(Key, Node)> = limits
                    .iter()
                    .map(|(name, limit)| (name.clone(), ulimit(limit)))
                    .collect();
                entries.sort_by(|a, b| go_yaml_key_order(&a.0.name, &b.0.name));
                Node::new(Value::Map(entries.into_iter().collect()), node.origin)
            }
            _ => node.clone(),
        },
        // Go maps (`Labels`, `Mapping`, `Options`...) and untyped values.
        _ => generic(node),
    }
}

/// `UlimitsConfig.MarshalYAML`: the single number, or `struct{Soft, Hard int}` (both always
/// printed; the JSON side omits zeros).
fn ulimit(limit: &Node) -> Node {
    match &limit.value {
        Value::Map(m) => {
            let mut out = Map::new();
            for name in ["soft", "hard"] {
                match m.get_key_value(name) {
                    Some((k, v)) => out.insert(k.clone(), v.clone()),
                    None => out.insert(Key::synthetic(name), Node::synthetic(Value::Int(0))),
                };
            }
            Node::new(Value::Map(out), limit.origin)
        }
        _ => limit.clone(),
    }
}

fn map_of(
    node: &Node,
    inner: &Ty,
    nullable: bool,
    path: &mut Vec<String>,
    ext: &StructExtensions,
) -> Node {
    let Value::Map(map) = &node.value else {
        return node.clone();
    };
    let mut entries: Vec<(Key, Node)> = map
        .iter()
        .map(|(key, value)| {
            let out = if nullable && value.is_null() {
                value.clone()
            } else {
                path.push(key.name.clone());
                let out = typed(inner, value, path, ext);
                path.pop();
                out
            };
            (key.clone(), out)
        })
        .collect();
    entries.sort_by(|a, b| go_yaml_key_order(&a.0.name, &b.0.name));
    Node::new(Value::Map(entries.into_iter().collect()), node.origin)
}

/// A Go struct: fields in declaration order with yaml.v3's omission rules, then its `x-` keys.
fn structure(
    fields: &[Field],
    node: &Node,
    path: &mut Vec<String>,
    ext: &StructExtensions,
) -> Node {
    let Value::Map(map) = &node.value else {
        return node.clone();
    };
    let mut out = Map::new();
    for field in fields {
        let Some((key, value)) = map.get_key_value(field.json) else {
            continue;
        };
        path.push(field.name.to_owned());
        let printed = typed(&field.ty, value, path, ext);
        path.pop();
        let keep = match field.presence {
            // `ShellCommand` (the only such field type besides `required`) is zero when nil.
            Presence::Always => !(matches!(field.ty, Ty::ShellCommand) && value.is_null()),
            // `omitempty` on a struct value: yaml.v3 drops it when every field is zero.
            Presence::ValueStruct => printed.as_map().is_none_or(|m| !m.is_empty()),
            Presence::Pointer | Presence::OmitZero => true,
        };
        if keep {
            out.insert(Key::new(field.name, key.origin), printed);
        }
    }
    append_extensions(&mut out, path, ext);
    Node::new(Value::Map(out), node.origin)
}

fn append_extensions(out: &mut Map, path: &[String], ext: &StructExtensions) {
    let Some(extensions) = ext.get(&extension_path(path)) else {
        return;
    };
    let mut entries: Vec<(&Key, &Node)> = extensions.iter().collect();
    entries.sort_by(|a, b| go_yaml_key_order(&a.0.name, &b.0.name));
    for (key, value) in entries {
        out.insert(key.clone(), generic(value));
    }
}

/// An untyped value (`map[string]any`): every mapping sorted the yaml.v3 way.
fn generic(node: &Node) -> Node {
    match &node.value {
        Value::Map(map) => {
            let mut entries: Vec<(Key, Node)> =
                map.iter().map(|(k, v)| (k.clone(), generic(v))).collect();
            entries.sort_by(|a, b| go_yaml_key_order(&a.0.name, &b.0.name));
            let mut out = Node::new(Value::Map(entries.into_iter().collect()), node.origin);
            out.tag = node.tag;
            out
        }
        Value::Seq(items) => {
            let mut out = Node::new(Value::Seq(items.iter().map(generic).collect()), node.origin);
            out.tag = node.tag;
            out
        }
        _ => node.clone(),
    }
}

/// yaml.v3's `keyList.Less` for string keys: letters sort before other characters (after
/// them when following a digit), and runs of digits compare as numbers, so `a9` < `a10`.
pub(crate) fn go_yaml_key_order(a: &str, b: &str) -> Ordering {
    if a == b {
        Ordering::Equal
    } else if go_yaml_key_less(a, b) {
        Ordering::Less
    } else if go_yaml_key_less(b, a) {
        Ordering::Greater
    } else {
        a.cmp(b)
    }
}

fn go_yaml_key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut digits = false;
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            digits = ar[i].is_ascii_digit();
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_yaml_v3() {
        // The order the oracle printed these keys of an `x-` mapping in.
        let mut keys = vec![
            "a10", "b", "10", "a9", "9", "A", "_x", "a", "a-b", "ab", "a01", "a1", "é", "z",
        ];
        keys.sort_by(|a, b| go_yaml_key_order(a, b));
        assert_eq!(
            keys,
            [
                "_x", "9", "10", "A", "a", "a-b", "a1", "a01", "a9", "a10", "ab", "b", "z", "é"
            ]
        );
    }
}
