//! Printing a project: JSON as `config --format json` prints it, and YAML (optionally with the
//! `file:line` each value came from as a trailing comment, for `config --origins`).

use crate::source::SourceSet;
use crate::tree::{Node, Value};
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
        Value::UInt(u) => serde_json::Value::from(*u),
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
            Value::UInt(u) => serializer.serialize_u64(*u),
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

/// YAML exactly as Go's yaml.v3 encoder (indent 2, no line wrapping) prints `node`, in the
/// node's own key order: block mappings and sequences, `[]`/`{}` for empty collections, and each
/// string in the style libyaml's emitter picks for it (plain, single-quoted, double-quoted with
/// escapes, or a literal block with chomping and indentation indicators).
pub fn to_yaml(node: &Node, opts: &RenderOptions<'_>) -> String {
    let mut emitter = Emitter {
        out: String::new(),
        column: 0,
        indention: true,
        whitespace: true,
        opts,
    };
    emitter.node(node, -1, Context::Root);
    // Document end: a final line break unless one was just written.
    emitter.write_indent(0);
    emitter.out
}

/// Where a node is emitted, as libyaml's emitter tracks it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    SequenceItem,
    MappingValue,
    SimpleKey,
    ComplexKey,
}

/// A port of the parts of libyaml's emitter (as vendored in yaml.v3) that block output uses:
/// the column, "indention" and "whitespace" flags decide every space and line break.
struct Emitter<'o, 'r> {
    out: String,
    column: usize,
    indention: bool,
    whitespace: bool,
    opts: &'o RenderOptions<'r>,
}

/// The scalar styles libyaml chooses between.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

impl Emitter<'_, '_> {
    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    fn write(&mut self, text: &str) {
        self.out.push_str(text);
        self.column += text.chars().count();
    }

    /// Writes scalar text, re-escaping `$` as compose does on its output bytes.
    fn write_text(&mut self, text: &str) {
        if self.opts.escape_dollar && text.contains('$') {
            self.write(&text.replace('$', "$$"));
        } else {
            self.write(text);
        }
    }

    fn write_indent(&mut self, indent: i64) {
        let indent = indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.out.push(' ');
            self.column += 1;
        }
        self.whitespace = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.out.push(' ');
            self.column += 1;
        }
        self.write(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// libyaml's `increase_indent` with best_indent 2 (yaml.v3's variant: inside a sequence
    /// item the indent skips the "- ", everything else aligns to multiples of two).
    fn child_indent(parent: i64, context: Context, flow: bool) -> i64 {
        if parent < 0 {
            return if flow { 2 } else { 0 };
        }
        if context == Context::SequenceItem {
            parent + 2
        } else {
            2 * (1 + parent / 2)
        }
    }

    fn origin_comment(&mut self, node: &Node) {
        if let Some(place) = self.opts.origins.and_then(|s| s.locate_line(&node.origin)) {
            self.write(" # ");
            self.write(&place);
        }
    }

    fn node(&mut self, node: &Node, indent: i64, context: Context) {
        match &node.value {
            Value::Map(map) if !map.is_empty() && context != Context::SimpleKey => {
                let inner = Self::child_indent(indent, context, false);
                for (key, value) in map {
                    self.write_indent(inner);
                    let key_node = Node::new(Value::Str(key.name.clone()), key.origin);
                    let text = key.name.as_str();
                    let analysis = analyze(text);
                    if !analysis.multiline && text.len() <= 128 {
                        self.scalar(&key_node, inner, Context::SimpleKey);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.scalar(&key_node, inner, Context::ComplexKey);
                        self.write_indent(inner);
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(value, inner, Context::MappingValue);
                }
            }
            Value::Seq(items) if !items.is_empty() && context != Context::SimpleKey => {
                let inner = Self::child_indent(indent, context, false);
                for item in items {
                    self.write_indent(inner);
                    self.write_indicator("-", true, false, true);
                    self.node(item, inner, Context::SequenceItem);
                }
            }
            Value::Map(_) => {
                self.write_indicator("{", true, true, false);
                self.write_indicator("}", false, false, false);
                self.origin_comment(node);
            }
            Value::Seq(_) => {
                self.write_indicator("[", true, true, false);
                self.write_indicator("]", false, false, false);
                self.origin_comment(node);
            }
            _ => self.scalar(node, indent, context),
        }
    }

    fn scalar(&mut self, node: &Node, indent: i64, context: Context) {
        use std::borrow::Cow;
        let (text, requested): (Cow<'_, str>, Style) = match &node.value {
            Value::Null => (Cow::Borrowed("null"), Style::Plain),
            Value::Bool(b) => (
                Cow::Borrowed(if *b { "true" } else { "false" }),
                Style::Plain,
            ),
            Value::Int(i) => (Cow::Owned(i.to_string()), Style::Plain),
            Value::UInt(u) => (Cow::Owned(u.to_string()), Style::Plain),
            Value::Float(f) => (Cow::Owned(yaml_float(*f)), Style::Plain),
            Value::Str(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else if plain_resolves_to_string(s) {
                    Style::Plain
                } else {
                    Style::DoubleQuoted
                };
                (Cow::Borrowed(s.as_str()), style)
            }
            Value::Seq(_) | Value::Map(_) => return,
        };
        let analysis = analyze(&text);
        let simple_key = context == Context::SimpleKey;
        let style = select_style(requested, &analysis, text.is_empty(), simple_key);
        let scalar_indent = Self::child_indent(indent, context, true);
        match style {
            Style::Plain => {
                if !text.is_empty() && !self.whitespace {
                    self.out.push(' ');
                    self.column += 1;
                }
                self.write_text(&text);
                self.whitespace = false;
                self.indention = false;
            }
            Style::SingleQuoted => {
                self.write_indicator("'", true, false, false);
                self.write_text(&text.replace('\'', "''"));
                self.write_indicator("'", false, false, false);
                self.whitespace = false;
                self.indention = false;
            }
            Style::DoubleQuoted => {
                self.write_indicator("\"", true, false, false);
                self.write_text(&double_quoted_body(&text));
                self.write_indicator("\"", false, false, false);
                self.whitespace = false;
                self.indention = false;
            }
            Style::Literal => {
                self.write_indicator("|", true, false, false);
                let first = text.chars().next();
                if first.is_some_and(|c| c == ' ' || is_break(c)) {
                    self.write_indicator("2", false, false, false);
                }
                let chomp = chomp_indicator(&text);
                if !chomp.is_empty() {
                    self.write_indicator(chomp, false, false, false);
                }
                if !simple_key {
                    self.origin_comment(node);
                }
                self.whitespace = true;
                let mut breaks = true;
                let mut line = String::new();
                for c in text.chars() {
                    if is_break(c) {
                        if !line.is_empty() {
                            self.write_text(&line);
                            line.clear();
                        }
                        if c == '\n' {
                            self.put_break();
                        } else {
                            self.out.push(c);
                            self.column = 0;
                            self.indention = true;
                        }
                        breaks = true;
                    } else {
                        if breaks {
                            self.write_indent(scalar_indent);
                        }
                        line.push(c);
                        self.indention = false;
                        breaks = false;
                    }
                }
                if !line.is_empty() {
                    self.write_text(&line);
                }
                return;
            }
        }
        if !simple_key {
            self.origin_comment(node);
        }
    }
}

/// What libyaml's `yaml_emitter_analyze_scalar` finds out about a scalar.
#[derive(Debug, Default)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (note: characters outside the Basic Multilingual Plane are not).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut tab_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    if value.starts_with("---") || value.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut chars = value.chars().peekable();
    let mut i = 0usize;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let last = next.is_none();
        let followed_by_whitespace = next.is_none_or(|n| n == ' ' || n == '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if c == '\t' {
            tab_characters = true;
        } else if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c);
        i += 1;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || tab_characters || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// libyaml's `yaml_emitter_select_scalar_style` for block context (no tags).
fn select_style(requested: Style, a: &Analysis, empty: bool, simple_key: bool) -> Style {
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (empty && simple_key)) {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !a.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

/// The chomping indicator of a literal block: `-` without a final line break, `+` with more
/// than one (or when the value is a single line break), none for exactly one.
fn chomp_indicator(text: &str) -> &'static str {
    let mut rev = text.chars().rev();
    match (rev.next(), rev.next()) {
        (None, _) => "-",
        (Some(last), _) if !is_break(last) => "-",
        (Some(_), None) => "+",
        (Some(_), Some(before)) if is_break(before) => "+",
        _ => "",
    }
}

/// The body of a double-quoted scalar, escaped like libyaml does.
fn double_quoted_body(text: &str) -> String {
    let starts_with_bom = text.starts_with('\u{feff}');
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
            out.push('\\');
            match c {
                '\0' => out.push('0'),
                '\u{7}' => out.push('a'),
                '\u{8}' => out.push('b'),
                '\t' => out.push('t'),
                '\n' => out.push('n'),
                '\u{b}' => out.push('v'),
                '\u{c}' => out.push('f'),
                '\r' => out.push('r'),
                '\u{1b}' => out.push('e'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '\u{85}' => out.push('N'),
                '\u{a0}' => out.push('_'),
                '\u{2028}' => out.push('L'),
                '\u{2029}' => out.push('P'),
                _ => {
                    let v = u32::from(c);
                    let _ = if v <= 0xFF {
                        write!(out, "x{v:02X}")
                    } else if v <= 0xFFFF {
                        write!(out, "u{v:04X}")
                    } else {
                        write!(out, "U{v:08X}")
                    };
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// yaml.v3's `stringv` test: may this string be written plain, or would a reader resolve it
/// to something else (null, bool, number, timestamp, a YAML 1.1 bool or base-60 number)?
fn plain_resolves_to_string(s: &str) -> bool {
    if !crate::yaml::plain_reads_as_string(s) {
        return false;
    }
    !(is_old_bool(s) || is_base60_float(s) || is_timestamp(s))
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first().is_some_and(|&c| c == b'-' || c == b'+') {
        i = 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // [0-5]?[0-9]: one digit, or two when the first is 0-5.
        match (b.get(i), b.get(i + 1)) {
            (Some(d1), Some(d2)) if (b'0'..=b'5').contains(d1) && d2.is_ascii_digit() => i += 2,
            (Some(d1), _) if d1.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// yaml.v3's `parseTimestamp`: `YYYY-M-D`, optionally followed by `T`/`t`/space, `H:M:S`,
/// a fraction and (not after a space) a zone, as Go's `time.Parse` reads its layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let number = |i: &mut usize, max_digits: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max_digits && b[*i].is_ascii_digit() {
            *i += 1;
        }
        (*i > start).then(|| s[start..*i].parse().unwrap_or(0))
    };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let Some(month) = number(&mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = number(&mut i, 2) else {
        return false;
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let separator = b[i];
    if !matches!(separator, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    for (n, max) in [(0, 24), (1, 60), (2, 60)] {
        let Some(v) = number(&mut i, 2) else {
            return false;
        };
        if v >= max {
            return false;
        }
        if n < 2 {
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
        }
    }
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if separator == b' ' {
        return i == b.len();
    }
    match &b[i..] {
        [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2]
            if (*sign == b'+' || *sign == b'-')
                && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) =>
        {
            true
        }
        _ => false,
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` as yaml.v3 prints floats: exponent form when
/// the decimal exponent is below -4 or at least 6 (shortest precision).
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
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
