//! Decoding the merged model into the printed project, field by field from the table in
//! [`super::fields`], the way compose-go's mapstructure hooks decode into Go structs: Go's
//! zero values (for `omitempty`), casts, Go's formatting of durations, sizes and floats, and
//! the `x-` keys each struct keeps.

use super::fields::{Field, Presence, Ty};
use crate::error::{Error, Result};
use crate::tree::{Key, Map, Node, Origin, Value};
use crate::units;
use crate::units::parse_compose_duration;
use std::collections::BTreeMap;

/// A decoded value and whether it is Go's zero value (for `omitempty`).
pub(super) struct Decoded {
    pub(super) node: Node,
    pub(super) zero: bool,
}

pub(super) fn decode_error(
    path: &[String],
    detail: impl std::fmt::Display,
    origin: Origin,
) -> Error {
    Error::at(
        format!("error decoding '{}': {detail}", display_path(path)),
        origin,
    )
}

/// `services.web.healthcheck` as mapstructure names it: `services[web].healthcheck`.
pub(super) fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if i == 1 && path.first().is_some_and(|s| s == "services") {
            out.push_str(&format!("[{segment}]"));
        } else {
            // List indexes follow their list directly: `services[a].ports[0].target`.
            if i > 0 && !segment.starts_with('[') {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

pub(super) fn string_of(node: &Node) -> Option<String> {
    node.scalar_to_string()
}

/// `fmt.Sprint` of any value, as Go prints lists and maps in `K=V` conversions.
pub(super) fn go_sprint(node: &Node) -> String {
    match &node.value {
        Value::Null => "<nil>".into(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => {
            let mut parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", k.name, go_sprint(v)))
                .collect();
            parts.sort();
            format!("map[{}]", parts.join(" "))
        }
        _ => node.scalar_to_string().unwrap_or_default(),
    }
}

pub(super) fn sorted_map(entries: BTreeMap<String, Node>, origin: Origin) -> Node {
    let mut m = Map::default();
    for (k, v) in entries {
        let ko = v.origin;
        m.insert(Key::new(k, ko), v);
    }
    Node::map(m, origin)
}

pub(super) fn decode(
    ty: &Ty,
    node: &Node,
    path: &mut Vec<String>,
    ext: &mut StructExtensions,
) -> Result<Decoded> {
    let origin = node.origin;
    let str_out = |s: String| {
        let zero = s.is_empty();
        Decoded {
            node: Node::new(Value::Str(s), origin),
            zero,
        }
    };
    let expected = |what: &str| {
        decode_error(
            path,
            format!("expected type '{what}', got '{}'", node.type_name()),
            origin,
        )
    };
    Ok(match ty {
        Ty::Any => Decoded {
            zero: matches!(node.value, Value::Null),
            node: node.clone(),
        },
        Ty::Str => match &node.value {
            Value::Str(s) => str_out(s.clone()),
            Value::Int(i) => str_out(i.to_string()),
            Value::Null => str_out(String::new()),
            _ => return Err(expected("string")),
        },
        Ty::StrLoose => match &node.value {
            Value::Null => str_out(String::new()),
            Value::Seq(_) | Value::Map(_) => return Err(expected("string")),
            _ => str_out(string_of(node).unwrap_or_default()),
        },
        Ty::Int => {
            let value = match &node.value {
                Value::Int(i) => *i,
                // Go's int64(u) of a uint64 yaml.v3 read (`18446744073709551615` is -1).
                Value::UInt(u) => *u as i64,
                Value::Str(s) => s.trim().parse::<i64>().map_err(|_| {
                    decode_error(
                        path,
                        format!("strconv.Atoi: parsing {s:?}: invalid syntax"),
                        origin,
                    )
                })?,
                // Go's int(f) on amd64: out of range (1e30, 2^64, which yaml.v3 reads as a
                // float) is the "integer indefinite" 0x8000000000000000 = i64::MIN, what the
                // oracle prints for `replicas: 1e30` (issue 11 item 15); Rust's `as` would
                // saturate.
                Value::Float(f) if f.fract() == 0.0 => {
                    if *f >= -9_223_372_036_854_775_808.0 && *f < 9_223_372_036_854_775_808.0 {
                        *f as i64
                    } else {
                        i64::MIN
                    }
                }
                Value::Null => 0,
                _ => return Err(expected("int")),
            };
            Decoded {
                node: Node::new(Value::Int(value), origin),
                zero: value == 0,
            }
        }
        Ty::UInt(bits) => {
            let overflows = |shown: String| {
                Error::at(
                    format!(
                        "cannot parse '{}', {shown} overflows uint",
                        display_path(path)
                    ),
                    origin,
                )
            };
            // mapstructure's decodeUint: a negative number is an error, anything else is
            // Go's uint64(x) (amd64: a float past 2^64, such as 1e30, is 2^63), then stored
            // in a field of `bits` bits, which keeps the low bits (uint32(2^63) is 0).
            let wide: u64 = match &node.value {
                Value::Int(i) if *i < 0 => return Err(overflows(i.to_string())),
                Value::Int(i) => *i as u64,
                Value::UInt(u) => *u,
                Value::Str(s) => match s.trim().parse::<i64>() {
                    Ok(i) if i < 0 => return Err(overflows(i.to_string())),
                    Ok(i) => i as u64,
                    Err(_) => {
                        return Err(decode_error(
                            path,
                            format!("strconv.Atoi: parsing {s:?}: invalid syntax"),
                            origin,
                        ));
                    }
                },
                Value::Float(f) if f.fract() == 0.0 => {
                    if *f < 0.0 {
                        return Err(overflows(format!("{f:.6}")));
                    } else if *f < 18_446_744_073_709_551_616.0 {
                        *f as u64
                    } else {
                        1 << 63
                    }
                }
                Value::Null => 0,
                _ => return Err(expected("int")),
            };
            let value = if *bits >= 64 {
                wide
            } else {
                wide & ((1u64 << bits) - 1)
            };
            let out = match i64::try_from(value) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::UInt(value),
            };
            Decoded {
                node: Node::new(out, origin),
                zero: value == 0,
            }
        }
        Ty::Float | Ty::Cpus => {
            let value = match &node.value {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                Value::Str(s) => s.trim().parse::<f64>().map_err(|_| {
                    decode_error(
                        path,
                        format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"),
                        origin,
                    )
                })?,
                Value::Null => 0.0,
                _ => return Err(expected("float")),
            };
            // Go stores these as float32; print the float32 value's shortest form.
            let value = round_f32(value);
            Decoded {
                node: Node::new(Value::Float(value), origin),
                zero: value == 0.0,
            }
        }
        Ty::Bool => {
            let value = match &node.value {
                Value::Bool(b) => *b,
                Value::Str(s) => match s.to_ascii_lowercase().as_str() {
                    "true" | "y" | "yes" | "on" => true,
                    "false" | "n" | "no" | "off" => false,
                    _ => return Err(decode_error(path, format!("invalid boolean: {s}"), origin)),
                },
                Value::Null => false,
                _ => return Err(expected("bool")),
            };
            Decoded {
                node: Node::new(Value::Bool(value), origin),
                zero: !value,
            }
        }
        Ty::Duration => {
            let text = match &node.value {
                Value::Null => {
                    return Ok(Decoded {
                        node: Node::new(Value::Str("0s".into()), origin),
                        zero: true,
                    });
                }
                Value::Str(s) => s.clone(),
                // The schema types durations as strings: `stop_grace_period: 0` is rejected.
                _ => {
                    return Err(Error::at(
                        format!("{} must be a string", path.join(".")),
                        origin,
                    ));
                }
            };
            let nanos = parse_compose_duration(&text).map_err(|e| decode_error(path, e, origin))?;
            Decoded {
                node: Node::new(Value::Str(units::format_duration(nanos)), origin),
                zero: nanos == 0,
            }
        }
        Ty::Bytes | Ty::BytesString => {
            let bytes = match &node.value {
                Value::Int(i) if matches!(ty, Ty::Bytes) => *i,
                Value::Str(s) => {
                    units::parse_byte_size(s).map_err(|e| decode_error(path, e.message, origin))?
                }
                Value::Null => 0,
                _ if matches!(ty, Ty::BytesString) => {
                    return Err(Error::at(
                        format!("{} must be a string", path.join(".")),
                        origin,
                    ));
                }
                _ => return Err(expected("string")),
            };
            Decoded {
                node: Node::new(Value::Str(bytes.to_string()), origin),
                zero: bytes == 0,
            }
        }
        Ty::Enum(allowed) => match &node.value {
            Value::Str(s) if allowed.contains(&s.as_str()) => str_out(s.clone()),
            Value::Null => str_out(String::new()),
            _ => {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
                return Err(Error::at(
                    format!(
                        "{} must be one of the following: {}",
                        path.join("."),
                        quoted.join(", ")
                    ),
                    origin,
                ));
            }
        },
        Ty::DeviceCount => {
            let count = match &node.value {
                Value::Int(i) => *i,
                Value::Str(s) if s.eq_ignore_ascii_case("all") => -1,
                Value::Str(s) => s.parse::<i64>().map_err(|_| {
                    decode_error(
                        path,
                        format!("invalid value {s:?}, the only value allowed is 'all' or a number"),
                        origin,
                    )
                })?,
                _ => return Err(expected("count")),
            };
            Decoded {
                node: Node::new(Value::Int(count), origin),
                zero: count == 0,
            }
        }
        Ty::FileMode => {
            let mode = match &node.value {
                Value::Int(i) => *i,
                Value::Str(s) => i64::from_str_radix(s, 8)
                    .map_err(|_| decode_error(path, format!("invalid mode {s:?}"), origin))?,
                _ => return Err(expected("mode")),
            };
            // The oracle's compose-go prints the mode as a (decimal) number.
            Decoded {
                node: Node::new(Value::Int(mode), origin),
                zero: false,
            }
        }
        Ty::ShellCommand => match &node.value {
            Value::Null => Decoded {
                node: Node::null(origin),
                zero: true,
            },
            Value::Str(s) => {
                let words = units::split_shell_words(s)
                    .map_err(|e| decode_error(path, e.message, origin))?;
                let items = words.into_iter().map(|w| Node::string(w, origin)).collect();
                Decoded {
                    node: Node::seq(items, origin),
                    zero: false,
                }
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match &item.value {
                        Value::Str(s) => out.push(Node::string(s.clone(), item.origin)),
                        _ => return Err(expected("string")),
                    }
                }
                Decoded {
                    node: Node::seq(out, origin),
                    zero: false,
                }
            }
            _ => return Err(expected("command")),
        },
        Ty::HealthTest => match &node.value {
            Value::Str(s) => Decoded {
                node: Node::seq(
                    vec![
                        Node::string("CMD-SHELL", origin),
                        Node::string(s.clone(), origin),
                    ],
                    origin,
                ),
                zero: false,
            },
            Value::Seq(items) => {
                let out: Vec<Node> = items
                    .iter()
                    .map(|i| Node::string(string_of(i).unwrap_or_default(), i.origin))
                    .collect();
                let zero = out.is_empty();
                Decoded {
                    node: Node::seq(out, origin),
                    zero,
                }
            }
            Value::Null => Decoded {
                node: Node::seq(Vec::new(), origin),
                zero: true,
            },
            _ => {
                return Err(decode_error(
                    path,
                    "unexpected value type for healthcheck.test",
                    origin,
                ));
            }
        },
        Ty::StrList | Ty::StrOrNumList => {
            let loose = matches!(ty, Ty::StrOrNumList);
            let items: Vec<Node> = match &node.value {
                Value::Str(s) => vec![Node::string(s.clone(), origin)],
                Value::Seq(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        match (&item.value, loose) {
                            (Value::Str(s), _) => out.push(Node::string(s.clone(), item.origin)),
                            (Value::Int(_) | Value::Float(_) | Value::Bool(_), true)
                            | (Value::Int(_), false) => out.push(Node::string(
                                string_of(item).unwrap_or_default(),
                                item.origin,
                            )),
                            _ => {
                                return Err(decode_error(
                                    path,
                                    "invalid type for string list",
                                    item.origin,
                                ));
                            }
                        }
                    }
                    out
                }
                Value::Null => Vec::new(),
                _ => return Err(decode_error(path, "invalid type for string list", origin)),
            };
            let zero = items.is_empty();
            Decoded {
                node: Node::seq(items, origin),
                zero,
            }
        }
        Ty::Mapping | Ty::Labels | Ty::Options | Ty::MappingWithEquals => {
            let keep_null = matches!(ty, Ty::MappingWithEquals);
            let mut entries: BTreeMap<String, Node> = BTreeMap::new();
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        let value = match &v.value {
                            Value::Null if keep_null => Node::null(v.origin),
                            Value::Null => Node::string("", v.origin),
                            _ => Node::string(go_sprint(v), v.origin),
                        };
                        entries.insert(k.name.clone(), value);
                    }
                }
                Value::Seq(items) if !matches!(ty, Ty::Options) => {
                    for item in items {
                        let text = go_sprint(item);
                        let (k, v) = match text.split_once('=') {
                            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                            None => (text.clone(), None),
                        };
                        // `A = 1` is the key `A ` with the value ` 1`, as in the oracle
                        // (issue 11 item 5): no trimming, no error.
                        let value = match v {
                            Some(v) => Node::string(v, item.origin),
                            None if keep_null => Node::null(item.origin),
                            None => Node::string("", item.origin),
                        };
                        entries.insert(k, value);
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(decode_error(
                        path,
                        "unexpected value type for mapping",
                        origin,
                    ));
                }
            }
            let zero = entries.is_empty();
            Decoded {
                node: sorted_map(entries, origin),
                zero,
            }
        }
        Ty::HostsList => {
            let mut list: Vec<(String, Origin)> = Vec::new();
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        let ips: Vec<String> = match &v.value {
                            Value::Seq(items) => items.iter().map(go_sprint).collect(),
                            Value::Null => vec![String::new()],
                            _ => vec![go_sprint(v)],
                        };
                        for ip in ips {
                            list.push((units::format_extra_host(&k.name, &ip), v.origin));
                        }
                    }
                }
                Value::Seq(items) => {
                    for item in items {
                        let text = go_sprint(item);
                        let (host, ip) = units::parse_extra_host(&text)
                            .map_err(|e| Error::at(e.message, item.origin))?;
                        list.push((units::format_extra_host(&host, &ip), item.origin));
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(decode_error(
                        path,
                        "unexpected value type for extra_hosts",
                        origin,
                    ));
                }
            }
            list.sort_by(|a, b| a.0.cmp(&b.0));
            let zero = list.is_empty();
            Decoded {
                node: Node::seq(
                    list.into_iter().map(|(s, o)| Node::string(s, o)).collect(),
                    origin,
                ),
                zero,
            }
        }
        Ty::Ulimits => {
            let Value::Map(m) = &node.value else {
                if node.is_null() {
                    return Ok(Decoded {
                        node: Node::map(Map::default(), origin),
                        zero: true,
                    });
                }
                return Err(expected("map"));
            };
            let mut entries = BTreeMap::new();
            for (k, v) in m {
                path.push(k.name.clone());
                let out = match &v.value {
                    Value::Int(i) if *i != 0 => Node::new(Value::Int(*i), v.origin),
                    Value::Int(_) => Node::map(Map::default(), v.origin),
                    Value::Map(limits) => {
                        let mut lm = Map::default();
                        for name in ["soft", "hard"] {
                            if let Some(x) = limits.get(name) {
                                let d = decode(&Ty::Int, x, path, ext)?;
                                if !d.zero {
                                    lm.insert(Key::new(name, x.origin), d.node);
                                }
                            }
                        }
                        Node::map(lm, v.origin)
                    }
                    _ => {
                        path.pop();
                        return Err(decode_error(
                            path,
                            "unexpected value type for ulimit",
                            v.origin,
                        ));
                    }
                };
                path.pop();
                entries.insert(k.name.clone(), out);
            }
            let zero = entries.is_empty();
            Decoded {
                node: sorted_map(entries, origin),
                zero,
            }
        }
        Ty::Struct(fields) => decode_struct(fields, node, path, ext)?,
        Ty::MapOf(inner) | Ty::MapOfNullable(inner) => {
            let nullable = matches!(ty, Ty::MapOfNullable(_));
            let Value::Map(m) = &node.value else {
                if node.is_null() {
                    return Ok(Decoded {
                        node: Node::map(Map::default(), origin),
                        zero: true,
                    });
                }
                return Err(expected("map"));
            };
            let mut entries = BTreeMap::new();
            for (k, v) in m {
                path.push(k.name.clone());
                let out = if v.is_null() && nullable {
                    Node::null(v.origin)
                } else {
                    decode(inner, v, path, ext)?.node
                };
                path.pop();
                entries.insert(k.name.clone(), out);
            }
            let zero = entries.is_empty();
            let out = sorted_map(entries, origin);
            Decoded { node: out, zero }
        }
        Ty::ListOf(inner) => {
            let items = match &node.value {
                Value::Seq(items) => items,
                Value::Null => {
                    return Ok(Decoded {
                        node: Node::seq(Vec::new(), origin),
                        zero: true,
                    });
                }
                _ => return Err(expected("slice")),
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                let d = decode(inner, item, path, ext);
                path.pop();
                out.push(d?.node);
            }
            let zero = out.is_empty();
            Decoded {
                node: Node::seq(out, origin),
                zero,
            }
        }
    })
}

pub(super) fn decode_struct(
    fields: &'static [Field],
    node: &Node,
    path: &mut Vec<String>,
    ext: &mut StructExtensions,
) -> Result<Decoded> {
    let origin = node.origin;
    let empty = Map::default();
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(decode_error(
                path,
                format!("expected a map, got '{}'", node.type_name()),
                origin,
            ));
        }
    };
    let mut out = Map::default();
    for field in fields {
        match map.get_key_value(field.name) {
            Some((key, value)) => {
                if value.is_null() && field.presence == Presence::Pointer {
                    continue;
                }
                path.push(field.name.to_owned());
                let decoded = decode(&field.ty, value, path, ext);
                path.pop();
                let decoded = decoded?;
                let keep = match field.presence {
                    Presence::OmitZero => !decoded.zero,
                    _ => true,
                };
                if keep {
                    out.insert(Key::new(field.json, key.origin), decoded.node);
                }
            }
            None => match field.presence {
                // Values nobody wrote carry no origin, so `--origins` does not claim them.
                Presence::Always => {
                    out.insert(Key::synthetic(field.json), Node::synthetic(Value::Null));
                }
                Presence::ValueStruct => {
                    path.push(field.name.to_owned());
                    let decoded = decode(&field.ty, &Node::synthetic(Value::Null), path, ext);
                    path.pop();
                    out.insert(Key::synthetic(field.json), decoded?.node);
                }
                _ => {}
            },
        }
    }
    let extensions: Map = map
        .iter()
        .filter(|(k, _)| k.name.starts_with("x-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !extensions.is_empty() {
        ext.insert(extension_path(path), extensions);
    }
    Ok(Decoded {
        node: Node::map(out, origin),
        zero: false,
    })
}

/// The `x-` keys of every decoded struct, by path (`services\0web\0deploy`): compose-go
/// keeps them in each struct's `Extensions`, which its YAML output prints (inline, after the
/// fields) and its JSON output leaves out.
pub(crate) type StructExtensions = std::collections::HashMap<String, Map>;

pub(crate) fn extension_path(path: &[String]) -> String {
    path.join("\0")
}

/// Go stores `cpus`, `max_failure_ratio`... as float32: `0.3` prints as `0.3`, but a value with
/// more precision than float32 holds is rounded like Go rounds it.
pub(super) fn round_f32(value: f64) -> f64 {
    let single = value as f32;
    // The shortest decimal that round-trips the f32, read back as f64, is what Go prints.
    format!("{single}").parse::<f64>().unwrap_or(value)
}

/// A short-syntax volume in compose's long syntax.
pub(super) fn volume_to_node(v: &units::VolumeShort, origin: Origin) -> Node {
    let mut m = Map::default();
    let s = |text: &str| Node::string(text, origin);
    m.insert(Key::synthetic("type"), s(v.kind.as_str()));
    if let Some(source) = v.source.as_deref().filter(|x| !x.is_empty()) {
        m.insert(Key::synthetic("source"), s(source));
    }
    m.insert(Key::synthetic("target"), s(&v.target));
    if v.read_only {
        m.insert(
            Key::synthetic("read_only"),
            Node::new(Value::Bool(true), origin),
        );
    }
    if let Some(bind) = &v.bind {
        let mut b = Map::default();
        if let Some(p) = &bind.propagation {
            b.insert(Key::synthetic("propagation"), s(p));
        }
        if let Some(z) = &bind.selinux {
            b.insert(Key::synthetic("selinux"), s(z));
        }
        if bind.create_host_path {
            b.insert(
                Key::synthetic("create_host_path"),
                Node::new(Value::Bool(true), origin),
            );
        }
        m.insert(Key::synthetic("bind"), Node::map(b, origin));
    }
    if let Some(vol) = &v.volume {
        let mut b = Map::default();
        if vol.nocopy {
            b.insert(
                Key::synthetic("nocopy"),
                Node::new(Value::Bool(true), origin),
            );
        }
        m.insert(Key::synthetic("volume"), Node::map(b, origin));
    }
    Node::map(m, origin)
}
