//! Bytes to a spanned [`Node`] tree: text decoding, YAML parsing with a position on every node,
//! anchors and aliases, `<<` merge keys, the `!reset`/`!override` tags, and hard limits.
//!
//! Built on saphyr-parser's event stream (the parsing half of saphyr) rather than on saphyr's
//! `MarkedYaml`, because we need control that the tree loader does not give: a budget on alias
//! expansion (alias bombs), a depth limit checked while parsing, merge keys resolved with Go
//! yaml.v3's precedence, and scalar typing exactly as yaml.v3 resolves plain scalars.

use crate::error::{Error, Result};
use crate::tree::{FileId, Key, Map, Node, Origin, Tag, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// Limits that keep hostile input from exhausting time or memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of sequences and mappings (the document's top mapping is level 1).
    /// yaml.v3 and the oracle accept 10,000 levels (in about two minutes); the loader's passes
    /// recurse over the tree, so we stop at 1,000, which the whole pipeline handles on a 4 MiB
    /// stack in a debug build (`core/tests/parser_limits.rs`).
    pub max_depth: usize,
    /// Most nodes a document may hold, counting every alias expansion (bounds memory).
    pub max_nodes: usize,
}

/// yaml.v3's rule against alias bombs (decode.go, `allowedAliasRatio`), which tells sharing
/// from a bomb by how much of the expanded document comes from aliases: once a document has
/// more than 1,000 nodes and more than 100 of them from aliases, at most 99 % may come from
/// aliases up to 400,000 nodes, scaling down to 10 % at 4,000,000. 2,000 services sharing one
/// 60-key anchor are 96 % aliases (accepted, as by the oracle); ten levels of ten aliases
/// are 99.99 % and fail after about a thousand nodes. Counts are per document, every node
/// (keys too) once, an alias as itself plus the nodes it expands to, as yaml.v3 counts them.
fn excessive_aliasing(decoded: usize, from_aliases: usize) -> bool {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    let allowed = if decoded <= LOW {
        0.99
    } else if decoded >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decoded - LOW) as f64 / (HIGH - LOW) as f64)
    };
    from_aliases > 100 && decoded > 1000 && from_aliases as f64 / decoded as f64 > allowed
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 1_000,
            max_nodes: 1_500_000,
        }
    }
}

/// Turns raw file bytes into text as Compose accepts it: UTF-8 (with or without BOM) or
/// UTF-16 with a BOM. UTF-16 without a BOM is rejected, as the oracle does.
pub fn decode(bytes: &[u8], file: FileId) -> Result<String> {
    let at = |line: u32, column: u32| Origin {
        file,
        line,
        column,
        end_line: line,
        end_column: column,
    };
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8(rest, file);
    }
    let utf16 = |rest: &[u8], little: bool| -> Result<String> {
        if !rest.len().is_multiple_of(2) {
            return Err(Error::at("invalid UTF-16: odd number of bytes", at(1, 1)));
        }
        let units = rest.chunks_exact(2).map(|c| {
            if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| Error::at("invalid UTF-16: unpaired surrogate", at(1, 1)))
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    decode_utf8(bytes, file)
}

fn decode_utf8(bytes: &[u8], file: FileId) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            reject_control_characters(text, file)?;
            Ok(text.to_owned())
        }
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = 1 + good.iter().filter(|&&b| b == b'\n').count() as u32;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = 1 + String::from_utf8_lossy(&good[line_start..]).chars().count() as u32;
            let why = if bytes.len() >= 2 && (bytes[0] == 0 || bytes[1] == 0) {
                " (UTF-16 needs a byte order mark)"
            } else {
                ""
            };
            Err(Error::at(
                format!("invalid UTF-8 at byte {}{why}", e.valid_up_to()),
                Origin {
                    file,
                    line,
                    column,
                    end_line: line,
                    end_column: column,
                },
            ))
        }
    }
}

/// YAML forbids C0/C1 control characters other than tab, LF, CR and NEL; Go's yaml.v3 rejects
/// them, which is also how UTF-16 text without a BOM (full of NUL bytes) fails there.
fn reject_control_characters(text: &str, file: FileId) -> Result<()> {
    let bad = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
            || c == '\u{7f}'
            || (('\u{80}'..='\u{9f}').contains(&c) && c != '\u{85}')
    };
    let Some(index) = text.find(bad) else {
        return Ok(());
    };
    let before = &text[..index];
    let line = 1 + before.matches('\n').count() as u32;
    let column = 1 + before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32;
    let why = if text.as_bytes().get(index) == Some(&0) {
        " (a UTF-16 file needs a byte order mark)"
    } else {
        ""
    };
    Err(Error::at(
        format!("yaml: control characters are not allowed{why}"),
        Origin {
            file,
            line,
            column,
            end_line: line,
            end_column: column,
        },
    ))
}

/// Parses every YAML document of a file. An empty file (or one with only comments) yields no
/// documents.
pub fn parse(text: &str, file: FileId, limits: &Limits) -> Result<Vec<Node>> {
    if text.len() > limits.max_file_bytes {
        return Err(Error::invalid(
            format!(
                "file is {} bytes, over the limit of {} bytes (raise it with --max-file-size)",
                text.len(),
                limits.max_file_bytes
            ),
            None,
        ));
    }
    let mut builder = Builder {
        file,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        nodes: 0,
        alias_nodes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            let origin = point(file, m.line(), m.col());
            Error::at(format!("yaml: {}", e.info()), origin)
        })?;
        if builder.event(event, span)? {
            break;
        }
    }
    Ok(builder.documents)
}

fn point(file: FileId, line: usize, col0: usize) -> Origin {
    let line = line as u32;
    let column = col0 as u32 + 1;
    Origin {
        file,
        line,
        column,
        end_line: line,
        end_column: column,
    }
}

fn span_origin(file: FileId, span: &Span) -> Origin {
    Origin {
        file,
        line: span.start.line() as u32,
        column: span.start.col() as u32 + 1,
        end_line: span.end.line() as u32,
        end_column: (span.end.col() as u32).max(1),
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        origin: Origin,
        tag: Tag,
        anchor: usize,
        size: usize,
    },
    Map {
        map: Map,
        origin: Origin,
        tag: Tag,
        anchor: usize,
        size: usize,
        key: Option<(Key, bool)>,
        /// Mappings pulled in with `<<`, applied at the end so explicit keys always win.
        merges: Vec<Node>,
    },
}

struct Builder<'l> {
    file: FileId,
    limits: &'l Limits,
    stack: Vec<Frame>,
    /// Anchored nodes with their subtree sizes (the cost of expanding an alias to them).
    anchors: HashMap<usize, (Node, usize)>,
    documents: Vec<Node>,
    nodes: usize,
    alias_nodes: usize,
}

impl Builder<'_> {
    /// Feeds one event; returns true at the end of the stream.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool> {
        let origin = span_origin(self.file, &span);
        match event {
            Event::StreamEnd => return Ok(true),
            Event::DocumentStart(_) => {
                self.nodes = 0;
                self.alias_nodes = 0;
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(Error::at("yaml: unknown anchor referenced", origin));
                };
                // Count before cloning, so a bomb is refused before it is built.
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                self.count(size + 1, origin)?;
                if excessive_aliasing(self.nodes, self.alias_nodes) {
                    return Err(Error::at(
                        "yaml: document contains excessive aliasing (an alias bomb?)",
                        origin,
                    ));
                }
                let Some(mut node) = self.anchors.get(&id).map(|(node, _)| node.clone()) else {
                    return Err(Error::at("yaml: unknown anchor referenced", origin));
                };
                // The value is the anchored one; keep its own position (the anchor definition)
                // so diagnostics point where the value was written.
                node.tag = Tag::None;
                self.push_value(node, size, false)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, origin)?;
                let tag_name = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix));
                let is_merge_key = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                let (value, compose_tag) = resolve_scalar(text, style, tag_name.as_deref());
                let mut node = Node::new(value, origin);
                node.tag = compose_tag;
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.push_value(node, 1, is_merge_key)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.enter(origin)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    origin,
                    tag: compose_tag(tag.as_ref().map(|t| (t.handle.as_str(), t.suffix.as_str()))),
                    anchor,
                    size: 1,
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.enter(origin)?;
                self.stack.push(Frame::Map {
                    map: Map::default(),
                    origin,
                    tag: compose_tag(tag.as_ref().map(|t| (t.handle.as_str(), t.suffix.as_str()))),
                    anchor,
                    size: 1,
                    key: None,
                    merges: Vec::new(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(Error::at("yaml: unbalanced collection", origin));
                };
                let (node, anchor, size) = match frame {
                    Frame::Seq {
                        items,
                        origin,
                        tag,
                        anchor,
                        size,
                    } => {
                        let mut node = Node::seq(items, origin);
                        node.tag = tag;
                        (node, anchor, size)
                    }
                    Frame::Map {
                        mut map,
                        origin,
                        tag,
                        anchor,
                        size,
                        merges,
                        ..
                    } => {
                        for source in merges {
                            apply_merge(&mut map, source)?;
                        }
                        let mut node = Node::map(map, origin);
                        node.tag = tag;
                        (node, anchor, size)
                    }
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                self.push_value(node, size, false)?;
            }
        }
        Ok(false)
    }

    fn enter(&mut self, origin: Origin) -> Result<()> {
        self.count(1, origin)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error::at(
                format!(
                    "yaml: nesting deeper than {} levels is not supported",
                    self.limits.max_depth
                ),
                origin,
            ));
        }
        Ok(())
    }

    fn count(&mut self, nodes: usize, origin: Origin) -> Result<()> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.max_nodes {
            return Err(Error::at(
                format!(
                    "yaml: document has more than {} nodes",
                    self.limits.max_nodes
                ),
                origin,
            ));
        }
        Ok(())
    }

    /// Places a finished node into its parent (or as a new document).
    fn push_value(&mut self, node: Node, size: usize, is_merge_key: bool) -> Result<()> {
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq {
                items, size: total, ..
            }) => {
                *total += size;
                items.push(node);
            }
            Some(Frame::Map {
                map,
                key,
                merges,
                size: total,
                ..
            }) => {
                *total += size;
                match key.take() {
                    None => {
                        // The key node is dropped: its string moves into the key.
                        let name = match node.value {
                            Value::Str(s) => s,
                            Value::Null => "null".to_owned(),
                            Value::Seq(_) | Value::Map(_) => {
                                return Err(Error::at(
                                    "yaml: complex mapping keys are not supported",
                                    node.origin,
                                ));
                            }
                            _ => node.scalar_to_string().unwrap_or_default(),
                        };
                        *key = Some((Key::new(name, node.origin), is_merge_key));
                    }
                    Some((k, true)) => match &node.value {
                        Value::Map(_) => merges.push(node),
                        Value::Seq(items) => {
                            for item in items {
                                if !matches!(item.value, Value::Map(_)) {
                                    return Err(Error::at(
                                        "yaml: map merge requires map or sequence of maps as the value",
                                        item.origin,
                                    ));
                                }
                            }
                            merges.extend(items.iter().cloned());
                        }
                        _ => {
                            return Err(Error::at(
                                "yaml: map merge requires map or sequence of maps as the value",
                                k.origin,
                            ));
                        }
                    },
                    Some((k, false)) => {
                        if let Some((existing, _)) = map.get_key_value(k.name.as_str()) {
                            return Err(Error::at(
                                format!(
                                    "yaml: mapping key {:?} already defined at line {}",
                                    k.name, existing.origin.line
                                ),
                                k.origin,
                            ));
                        }
                        map.insert(k, node);
                    }
                }
            }
        }
        Ok(())
    }
}

/// yaml.v3 merge semantics: keys already in the mapping (written explicitly, or by an earlier
/// merge source) win.
fn apply_merge(map: &mut Map, source: Node) -> Result<()> {
    if let Value::Map(entries) = source.value {
        for (k, mut v) in entries {
            match map.get_mut(k.name.as_str()) {
                None => {
                    map.insert(k, v);
                }
                Some(existing) if existing.tag == Tag::Reset => {
                    v.tag = Tag::ResetThenMerged;
                    *existing = v;
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn compose_tag(tag: Option<(&str, &str)>) -> Tag {
    match tag {
        Some(("!", "reset")) => Tag::Reset,
        Some(("!", "override")) => Tag::Override,
        _ => Tag::None,
    }
}

/// Resolves a scalar to a typed value the way Go's yaml.v3 does when decoding into `any`
/// (YAML 1.2 core schema: `yes`/`on` stay strings; ints in base 10, 0x, 0o, 0b and legacy
/// leading-zero octal; underscores ignored).
fn resolve_scalar(
    text: std::borrow::Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&str>,
) -> (Value, Tag) {
    let compose = match tag {
        Some("!reset") => Tag::Reset,
        Some("!override") => Tag::Override,
        _ => Tag::None,
    };
    let forced = match tag {
        Some("tag:yaml.org,2002:str") | Some("!!str") => Some("str"),
        Some("tag:yaml.org,2002:int") | Some("!!int") => Some("int"),
        Some("tag:yaml.org,2002:float") | Some("!!float") => Some("float"),
        Some("tag:yaml.org,2002:bool") | Some("!!bool") => Some("bool"),
        Some("tag:yaml.org,2002:null") | Some("!!null") => Some("null"),
        _ => None,
    };
    if forced == Some("str") || (style != ScalarStyle::Plain && forced.is_none()) {
        return (Value::Str(exact_string(text)), compose);
    }
    let value = resolve_plain_typed(&text).unwrap_or_else(|| Value::Str(exact_string(text)));
    (value, compose)
}

/// The parser's text as a `String` without spare capacity: moved when the scanner's buffer is
/// exactly full, copied otherwise (keeping its spare capacity cost 2.4 MB of peak memory on
/// stack-300).
fn exact_string(text: std::borrow::Cow<'_, str>) -> String {
    match text {
        std::borrow::Cow::Owned(s) if s.len() == s.capacity() => s,
        other => other.as_ref().to_owned(),
    }
}

#[cfg(test)]
fn resolve_plain(text: &str) -> Value {
    resolve_plain_typed(text).unwrap_or_else(|| Value::Str(text.to_owned()))
}

/// [`resolve_plain`] without the string case (`None`), so that callers holding the text need
/// not copy it.
fn resolve_plain_typed(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    let plain = without_underscores(text);
    if let Some(i) = go_parse_int(&plain) {
        return Some(Value::Int(i));
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Some(Value::UInt(u));
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

/// `text` with its `_` removed (borrowed when it has none).
fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') {
        std::borrow::Cow::Owned(text.chars().filter(|&c| c != '_').collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Whether yaml.v3 would read `text`, written plain, back as a string, for deciding whether
/// output must quote it ([`resolve_plain_typed`] says string: not null, bool, int, uint, float).
pub(crate) fn plain_reads_as_string(text: &str) -> bool {
    resolve_plain_typed(text).is_none()
}

/// Go's `strconv.ParseUint(s, 0, 64)`, which yaml.v3 tries after `ParseInt` (no sign).
fn go_parse_uint(s: &str) -> Option<u64> {
    if s.starts_with(['-', '+']) {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let (radix, body) = go_radix_digits(&lower)?;
    u64::from_str_radix(body, radix).ok()
}

/// Go's base-0 prefix rules for an unsigned, lower-cased literal: `0x`, `0o`, `0b`, a leading
/// `0` (octal) or decimal; `None` when the digits do not belong to that base.
fn go_radix_digits(lower: &str) -> Option<(u32, &str)> {
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b)
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower)
    };
    (!body.is_empty() && body.chars().all(|c| c.is_digit(radix))).then_some((radix, body))
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = go_radix_digits(&lower)?;
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// yaml.v3's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse(text, 0, &Limits::default()).expect("parses");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn scalars_resolve_like_yaml_v3() {
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
        assert_eq!(resolve_plain("0x10"), Value::Int(16));
        assert_eq!(resolve_plain("0o17"), Value::Int(15));
        assert_eq!(resolve_plain("017"), Value::Int(15));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("True"), Value::Bool(true));
        assert_eq!(resolve_plain("2001-12-14"), Value::Str("2001-12-14".into()));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
    }

    #[test]
    fn positions_are_one_based() {
        let doc = one("services:\n  web:\n    image: nginx\n");
        let image = doc
            .get("services")
            .and_then(|s| s.get("web"))
            .and_then(|w| w.get("image"))
            .expect("image");
        assert_eq!((image.origin.line, image.origin.column), (3, 12));
    }

    #[test]
    fn merge_keys_let_explicit_keys_win_and_first_source_win() {
        let doc = one("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  x: 9\n  <<: [*a, *b]\n");
        let c = doc.get("c").expect("c");
        assert_eq!(c.get("x").map(|n| &n.value), Some(&Value::Int(9)));
        assert_eq!(c.get("y").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(c.get("z").map(|n| &n.value), Some(&Value::Int(2)));
        assert!(c.get("<<").is_none());
    }

    #[test]
    fn duplicate_keys_are_rejected_with_position() {
        let err = parse("a: 1\nb: 2\na: 3\n", 0, &Limits::default()).expect_err("dup");
        assert!(err.message.contains("already defined at line 1"), "{err:?}");
        assert_eq!(err.origin.map(|o| o.line), Some(3));
    }

    #[test]
    fn tags_are_kept() {
        let doc = one("a: !reset []\nb: !override {x: 1}\nc: !reset null\n");
        assert_eq!(doc.get("a").map(|n| n.tag), Some(Tag::Reset));
        assert_eq!(doc.get("b").map(|n| n.tag), Some(Tag::Override));
        assert_eq!(doc.get("c").map(|n| n.tag), Some(Tag::Reset));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text, 0, &Limits::default()).expect_err("bomb");
        assert!(err.message.contains("alias bomb"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse(&text, 0, &Limits::default()).expect_err("deep");
        assert!(
            err.message.contains("nesting deeper") || err.message.contains("recursion limit"),
            "{err:?}"
        );
    }

    #[test]
    fn utf16_with_bom_decodes_and_without_bom_fails() {
        let mut le = vec![0xFF, 0xFE];
        for u in "a: 1\r\n".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&le, 0).expect("utf16"), "a: 1\r\n");
        assert!(decode(&le[2..], 0).is_err());
    }

    #[test]
    fn multi_document_and_empty() {
        assert_eq!(
            parse("a: 1\n---\nb: 2\n", 0, &Limits::default()).map(|d| d.len()),
            Ok(2)
        );
        assert_eq!(
            parse("# only a comment\n", 0, &Limits::default()).map(|d| d.len()),
            Ok(0)
        );
    }
}
