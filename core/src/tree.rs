//! The spanned value tree every stage of the pipeline works on.
//!
//! Compose merges untyped YAML mappings before it ever looks at types, and so do we: a
//! [`Node`] is a YAML value plus the [`Origin`] (file, line, column) it was written at. The
//! origin survives interpolation, merging and normalization, so a diagnostic about a merged
//! value can point at the override file line that set it.

use indexmap::IndexMap;
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Index of a file in the [`crate::source::SourceSet`] of a load.
pub type FileId = u32;

/// Where a value was written: 1-based line and column of its first and last character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: FileId,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Origin {
    /// A value no file wrote: a default filled in by normalization.
    pub const SYNTHETIC: Origin = Origin {
        file: FileId::MAX,
        line: 0,
        column: 0,
        end_line: 0,
        end_column: 0,
    };

    pub fn is_synthetic(&self) -> bool {
        self.file == FileId::MAX
    }
}

/// The Compose-specific YAML tags a node may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tag {
    #[default]
    None,
    /// `!reset`: remove the value inherited from earlier files.
    Reset,
    /// `!override`: replace the inherited value instead of merging with it.
    Override,
    /// A `!reset` key that a `<<` merge key fills in again: compose-go drops the reset node
    /// before yaml.v3 applies the merge, so the merged value stays while the path is still
    /// reset in earlier files.
    ResetThenMerged,
}

/// A mapping key with the position it was written at. Equality and hashing use the name only,
/// so a [`Map`] can be queried with a plain `&str`.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub origin: Origin,
}

impl Key {
    pub fn new(name: impl Into<String>, origin: Origin) -> Self {
        Key {
            name: name.into(),
            origin,
        }
    }
    pub fn synthetic(name: impl Into<String>) -> Self {
        Key::new(name, Origin::SYNTHETIC)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.name
    }
}

/// A mapping in written order. Hashed with foldhash under a fixed seed (the core has no
/// randomness; `yaml::Limits::max_nodes` bounds what colliding keys could cost). Create one
/// with `Map::default()` (`IndexMap::new` exists only for the std hasher).
pub type Map = IndexMap<Key, Node, foldhash::fast::FixedState>;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer past `i64::MAX` that fits `u64`: yaml.v3 resolves those to Go's `uint64`
    /// (`9223372036854775808`, `0xFFFFFFFFFFFFFFFF`), and Compose prints them exactly.
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub origin: Origin,
    pub tag: Tag,
}

impl PartialEq for Node {
    /// Values compare by content only: two identical entries written in different files are
    /// duplicates for Compose's de-duplication rules.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Node {
    pub fn new(value: Value, origin: Origin) -> Self {
        Node {
            value,
            origin,
            tag: Tag::None,
        }
    }
    pub fn synthetic(value: Value) -> Self {
        Node::new(value, Origin::SYNTHETIC)
    }
    pub fn null(origin: Origin) -> Self {
        Node::new(Value::Null, origin)
    }
    pub fn string(s: impl Into<String>, origin: Origin) -> Self {
        Node::new(Value::Str(s.into()), origin)
    }
    pub fn map(map: Map, origin: Origin) -> Self {
        Node::new(Value::Map(map), origin)
    }
    pub fn seq(items: Vec<Node>, origin: Origin) -> Self {
        Node::new(Value::Seq(items), origin)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    /// A mapping member by key, if this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// The name of this value's YAML type, as Compose's messages spell it.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    /// The scalar rendered as Go's `fmt.Sprint` would, which is how Compose turns typed values
    /// into strings (environment values, labels, `K=V` list entries).
    pub fn scalar_to_string(&self) -> Option<String> {
        match &self.value {
            Value::Null => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::UInt(u) => Some(u.to_string()),
            Value::Float(f) => Some(go_format_float(*f)),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Number of nodes in this subtree (used to bound alias expansion).
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(map) => 1 + map.values().map(Node::size).sum::<usize>(),
            _ => 1,
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` as used by `fmt.Sprint` (`%v`): the shortest
/// representation that round-trips, switching to exponent form for large/small magnitudes.
pub fn go_format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits; derive the exponent from it.
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => return sci,
    };
    // %v uses %g with the shortest precision: exponent form when exp < -4 || exp >= 21.
    if !(-4..21).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        let abs = exp.abs();
        return format!("{mantissa}e{sign}{abs:02}");
    }
    let plain = format!("{f}");
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting_matches_fmt_sprint() {
        assert_eq!(go_format_float(0.5), "0.5");
        assert_eq!(go_format_float(1.0), "1");
        assert_eq!(go_format_float(1e21), "1e+21");
        assert_eq!(go_format_float(123456.0), "123456");
        assert_eq!(go_format_float(0.00001), "1e-05");
        assert_eq!(go_format_float(-2.5), "-2.5");
    }

    #[test]
    fn keys_compare_by_name_only() {
        let mut map = Map::default();
        map.insert(Key::synthetic("a"), Node::synthetic(Value::Int(1)));
        assert!(map.contains_key("a"));
        assert_eq!(map.get("a").map(|n| &n.value), Some(&Value::Int(1)));
    }
}
