//! Printing a project: JSON as `config --format json` prints it, and YAML (optionally with the
//! `file:line` each value came from as a trailing comment, for `config --origins`).

use crate::source::SourceSet;
use crate::tree::{Node, Value, go_format_float};
use std::fmt::Write;

/// Options shared by both formats.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions<'a> {
    /// Re-escape `$` as `$$`, as `docker compose config` does after interpolation, so the
    /// output can be fed back to compose.
    pub escape_dollar: bool,
    /// Annotate YAML leaves with their origin.
    pub origins: Option<&'a SourceSet>,
}

fn escaped<'s>(s: &'s str, opts: &RenderOptions<'_>) -> std::borrow::Cow<'s, str> {
    if opts.escape_dollar && s.contains('$') {
        std::borrow::Cow::Owned(s.replace('$', "$$"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Converts to a `serde_json::Value` (object key order preserved).
pub fn to_json_value(node: &Node, opts: &RenderOptions<'_>) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => serde_json::Value::String(escaped(s, opts).into_owned()),
        Value::Seq(items) => {
            serde_json::Value::Array(items.iter().map(|i| to_json_value(i, opts)).collect())
        }
        Value::Map(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (escaped(&k.name, opts).into_owned(), to_json_value(v, opts)))
                .collect(),
        ),
    }
}

/// Two-space indented JSON, like Go's `json.MarshalIndent(v, "", "  ")`.
pub fn to_json(node: &Node, opts: &RenderOptions<'_>) -> String {
    serde_json::to_string_pretty(&JsonView { node, opts }).unwrap_or_default()
}

/// Serializes a [`Node`] straight to JSON, without building a `serde_json::Value` first.
struct JsonView<'n, 'o> {
    node: &'n Node,
    opts: &'n RenderOptions<'o>,
}

impl serde::Serialize for JsonView<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match &self.node.value {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Value::Float(_) => serializer.serialize_unit(),
            Value::Str(s) => serializer.serialize_str(&escaped(s, self.opts)),
            Value::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&JsonView {
                        node: item,
                        opts: self.opts,
                    })?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    out.serialize_entry(
                        &*escaped(&key.name, self.opts),
                        &JsonView {
                            node: value,
                            opts: self.opts,
                        },
                    )?;
                }
                out.end()
            }
        }
    }
}

/// YAML in the layout of Go's yaml.v3 encoder with indent 2.
pub fn to_yaml(node: &Node, opts: &RenderOptions<'_>) -> String {
    let mut out = String::new();
    match &node.value {
        Value::Map(m) if !m.is_empty() => write_map(&mut out, node, 0, opts),
        Value::Seq(s) if !s.is_empty() => write_seq(&mut out, node, 0, opts),
        _ => {
            out.push_str(&scalar(node, opts));
            out.push('\n');
        }
    }
    out
}

fn origin_comment(node: &Node, opts: &RenderOptions<'_>) -> String {
    match opts.origins.and_then(|s| s.locate_line(&node.origin)) {
        Some(place) => format!(" # {place}"),
        None => String::new(),
    }
}

fn write_map(out: &mut String, node: &Node, indent: usize, opts: &RenderOptions<'_>) {
    let Value::Map(map) = &node.value else { return };
    for (key, value) in map {
        let pad = " ".repeat(indent);
        let key_text = quote(&escaped(&key.name, opts));
        match &value.value {
            Value::Map(m) if !m.is_empty() => {
                let _ = writeln!(out, "{pad}{key_text}:");
                write_map(out, value, indent + 2, opts);
            }
            Value::Seq(s) if !s.is_empty() => {
                let _ = writeln!(out, "{pad}{key_text}:");
                write_seq(out, value, indent + 2, opts);
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{pad}{key_text}: {}{}",
                    scalar(value, opts),
                    origin_comment(value, opts)
                );
            }
        }
    }
}

fn write_seq(out: &mut String, node: &Node, indent: usize, opts: &RenderOptions<'_>) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    let pad = " ".repeat(indent);
    for item in items {
        match &item.value {
            Value::Map(m) if !m.is_empty() => {
                // The first key goes on the dash line.
                let mut inner = String::new();
                write_map(&mut inner, item, indent + 2, opts);
                let trimmed = inner.get(indent + 2..).unwrap_or_default();
                let _ = write!(out, "{pad}- {trimmed}");
            }
            Value::Seq(s) if !s.is_empty() => {
                let _ = writeln!(out, "{pad}-");
                write_seq(out, item, indent + 2, opts);
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{pad}- {}{}",
                    scalar(item, opts),
                    origin_comment(item, opts)
                );
            }
        }
    }
}

fn scalar(node: &Node, opts: &RenderOptions<'_>) -> String {
    match &node.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => go_format_float(*f),
        Value::Str(s) => quote(&escaped(s, opts)),
        Value::Seq(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

/// Quotes a string when a YAML reader would not read it back as the same string.
fn quote(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && !matches!(
            crate::yaml::resolve_plain(s),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_)
        )
        && !s.starts_with(|c: char| c.is_whitespace() || "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.ends_with(|c: char| c.is_whitespace() || c == ':')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control() || c == '\u{feff}')
        && !matches!(
            s,
            "y" | "Y"
                | "yes"
                | "Yes"
                | "YES"
                | "n"
                | "N"
                | "no"
                | "No"
                | "NO"
                | "on"
                | "On"
                | "ON"
                | "off"
                | "Off"
                | "OFF"
        );
    if plain_ok {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse};

    #[test]
    fn yaml_round_trips_through_our_parser() {
        let text =
            "a:\n  b: \"1\"\n  c:\n    - x\n    - k: v\n      l: \"\"\n  d: 'yes'\n  e: \"a: b\"\n";
        let doc = parse(text, 0, &Limits::default()).expect("parse").remove(0);
        let rendered = to_yaml(&doc, &RenderOptions::default());
        let again = parse(&rendered, 0, &Limits::default())
            .expect("reparse")
            .remove(0);
        assert_eq!(doc, again, "{rendered}");
    }

    #[test]
    fn dollar_is_reescaped() {
        let doc = parse("a: $x\n", 0, &Limits::default())
            .expect("parse")
            .remove(0);
        let opts = RenderOptions {
            escape_dollar: true,
            origins: None,
        };
        assert_eq!(to_yaml(&doc, &opts), "a: $$x\n");
    }
}
