//! The listing outputs of `config` besides service names and images, as Docker Compose
//! v2.26.1 prints them: `--profiles`, `--volumes`, `--variables` and `--hash`.
//!
//! - `--hash`: compose's service config hash, the sha256 of the service's JSON (Go's
//!   `json.Marshal`: the key order of `config --format json`, no whitespace, `<>&` escaped)
//!   without `build`, `pull_policy`, `scale` and `deploy.replicas` (they change no container).
//!   Equal to compose's value wherever our JSON output equals compose's byte for byte.
//! - `--variables`: every `$NAME` / `${NAME...}` in the model's string values, with
//!   compose-go's `ExtractVariables` reading of each (required for `?`, default for `-`,
//!   alternate value for `+`), printed as compose's table; compose prints them in map order
//!   (random), we sort by name.

use crate::tree::{Node, Value};
use indexmap::IndexMap;

/// Every profile any service names (enabled or not), sorted, one per line.
pub(super) fn profiles(project: &Node) -> String {
    let mut all: Vec<&str> = services(project)
        .filter_map(|(_, s)| s.get("profiles").and_then(Node::as_seq))
        .flatten()
        .filter_map(Node::as_str)
        .collect();
    all.sort_unstable();
    all.dedup();
    all.iter().map(|p| format!("{p}\n")).collect()
}

/// The project's volume names (after the loader dropped the unused ones, as compose does).
pub(super) fn volumes(project: &Node) -> String {
    project
        .get("volumes")
        .and_then(Node::as_map)
        .map(|m| m.keys().map(|k| format!("{}\n", k.name)).collect())
        .unwrap_or_default()
}

fn services(project: &Node) -> impl Iterator<Item = (&str, &Node)> {
    project
        .get("services")
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(|m| m.iter().map(|(k, v)| (k.name.as_str(), v)))
}

/// `NAME HASH` per service (`names` empty: every service), sorted by name; an unknown name
/// is an error naming it.
pub(super) fn hashes(project: &Node, names: &[String]) -> Result<String, String> {
    let mut wanted: Vec<String> = if names.is_empty() {
        services(project).map(|(n, _)| n.to_owned()).collect()
    } else {
        names.to_vec()
    };
    wanted.sort();
    let mut out = String::new();
    for name in &wanted {
        let service = services(project)
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
            .ok_or_else(|| format!("no such service: {name}"))?;
        out.push_str(&format!("{name} {}\n", service_hash(service)));
    }
    Ok(out)
}

/// compose's `ServiceHash`.
pub(super) fn service_hash(service: &Node) -> String {
    let mut service = service.clone();
    if let Some(map) = service.as_map_mut() {
        for key in ["build", "pull_policy", "scale"] {
            map.shift_remove(key);
        }
        if let Some(deploy) = map.get_mut("deploy").and_then(Node::as_map_mut) {
            deploy.shift_remove("replicas");
        }
    }
    let opts = crate::render::RenderOptions::default();
    let json =
        serde_json::to_string(&crate::render::to_json_value(&service, &opts)).unwrap_or_default();
    crate::plan::file::sha256_hex(go_escape(&json).as_bytes())
}

/// Go's `json.Marshal` escapes these inside strings (they occur nowhere else in JSON).
fn go_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// One variable as compose-go's `ExtractVariables` reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Variable {
    pub name: String,
    pub required: bool,
    pub default: String,
    pub alternate: String,
}

/// The variables of every string value in `model` (not keys), the last occurrence of a name
/// winning, sorted by name.
pub(super) fn variables(model: &Node) -> Vec<Variable> {
    let mut found: IndexMap<String, Variable> = IndexMap::new();
    walk(model, &mut |text| {
        for v in extract(text) {
            found.insert(v.name.clone(), v);
        }
    });
    let mut all: Vec<Variable> = found.into_values().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

fn walk(node: &Node, f: &mut dyn FnMut(&str)) {
    match &node.value {
        Value::Str(s) => f(s),
        Value::Seq(items) => items.iter().for_each(|i| walk(i, f)),
        Value::Map(map) => map.values().for_each(|v| walk(v, f)),
        _ => {}
    }
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// compose-go's `ExtractVariables` over `text`: its pattern
/// `\$(?:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`
/// (case-insensitive; the operator's `(.*)` is greedy to the last `}` of the line), each
/// braced match cut at its first balancing `}` (the text after it read again), and the
/// default and alternate values read again for the variables inside them.
fn extract(text: &str) -> Vec<Variable> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        let start = i;
        let next = i + 1;
        if b[next] == b'$' {
            i = next + 1;
            continue;
        }
        if is_name_start(b[next]) {
            let end = scan_name(b, next);
            read_value(&text[next..end], &mut out);
            i = end;
            continue;
        }
        if b[next] != b'{' {
            i = next;
            continue;
        }
        // `${`: a braced body, or the empty `invalid` group (no variable).
        let body = next + 1;
        if body >= b.len() || !is_name_start(b[body]) {
            i = body;
            continue;
        }
        let name_end = scan_name(b, body);
        let close = if b.get(name_end) == Some(&b'}') {
            Some(name_end)
        } else {
            operator_match(b, name_end)
        };
        let Some(close) = close else {
            i = body;
            continue;
        };
        let matched = &text[start..=close];
        match first_brace_closing(matched.as_bytes()) {
            Some(cut) if cut > 0 => {
                out.extend(extract(&matched[cut + 1..]));
                read_value(&matched[2..cut], &mut out);
            }
            _ => read_value(&text[body..close], &mut out),
        }
        i = close + 1;
    }
    out
}

fn scan_name(b: &[u8], from: usize) -> usize {
    let mut end = from + 1;
    while end < b.len() && is_name(b[end]) {
        end += 1;
    }
    end
}

/// Where `(?::?[-+?](.*))?}` starting at `at` ends (the index of the closing `}`), when an
/// operator follows the name: the last `}` before the end of the line.
fn operator_match(b: &[u8], at: usize) -> Option<usize> {
    let mut op = at;
    if b.get(op) == Some(&b':') {
        op += 1;
    }
    if !matches!(b.get(op), Some(b'-' | b'+' | b'?')) {
        return None;
    }
    let line_end = b[op..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| op + p);
    b[op + 1..line_end]
        .iter()
        .rposition(|&c| c == b'}')
        .map(|p| op + 1 + p)
}

/// compose-go's `getFirstBraceClosingIndex`: every `{` opens (the byte after it skipped).
fn first_brace_closing(s: &[u8]) -> Option<usize> {
    let mut open = 0i32;
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if s[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// One match's body (`NAME` or `NAME<op>value`): the name is the leading `[A-Za-z0-9_]`
/// run, the operator right after it; default and alternate values are read again.
fn read_value(val: &str, out: &mut Vec<Variable>) {
    let split = val
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|&i| i > 0);
    let mut v = Variable {
        name: val.to_owned(),
        ..Variable::default()
    };
    if let Some(i) = split {
        v.name = val[..i].to_owned();
        let rest = &val[i..];
        if rest.starts_with(":?") || rest.starts_with('?') {
            v.required = true;
        } else if let Some(d) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-')) {
            v.default = d.to_owned();
        } else if let Some(a) = rest.strip_prefix(":+").or_else(|| rest.strip_prefix('+')) {
            v.alternate = a.to_owned();
        }
    }
    let (default, alternate) = (v.default.clone(), v.alternate.clone());
    if !v.name.is_empty() {
        out.push(v);
    }
    out.extend(extract(&default));
    out.extend(extract(&alternate));
}

/// The table `docker compose config --variables` prints (Go's tabwriter: columns at least 20
/// wide, 3 spaces of padding; the last column unpadded).
pub(super) fn variables_table(vars: &[Variable]) -> String {
    let mut rows = vec![[
        "NAME".to_owned(),
        "REQUIRED".to_owned(),
        "DEFAULT VALUE".to_owned(),
        "ALTERNATE VALUE".to_owned(),
    ]];
    for v in vars {
        rows.push([
            v.name.clone(),
            v.required.to_string(),
            v.default.clone(),
            v.alternate.clone(),
        ]);
    }
    let width = |col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count() + 3)
            .max()
            .unwrap_or(0)
            .max(20)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for row in &rows {
        for (cell, w) in row.iter().zip(widths) {
            out.push_str(cell);
            out.push_str(&" ".repeat(w - cell.chars().count()));
        }
        out.push_str(&row[3]);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::type_complexity)]
    fn names(text: &str) -> Vec<(String, bool, String, String)> {
        extract(text)
            .into_iter()
            .map(|v| (v.name, v.required, v.default, v.alternate))
            .collect()
    }

    #[test]
    fn extract_reads_each_form_like_compose_go() {
        let s = |x: &str| x.to_owned();
        let plain = |n: &str| (s(n), false, s(""), s(""));
        assert_eq!(names("$A"), [plain("A")]);
        assert_eq!(names("${A}"), [plain("A")]);
        assert_eq!(names("${A-x}"), [(s("A"), false, s("x"), s(""))]);
        assert_eq!(names("${A:?msg}"), [(s("A"), true, s(""), s(""))]);
        assert_eq!(names("${A?}}"), [(s("A"), true, s(""), s(""))]);
        assert_eq!(names("$$A ${} $1 ${ A} ${A:x}"), []);
        // Recorded from docker compose v2.26.1 `config --variables`: nested values are read
        // again, a braced match is cut at its first balancing brace, the operator is the one
        // right after the name.
        assert_eq!(
            names("${A:-${B}}"),
            [(s("A"), false, s("${B}"), s("")), plain("B")]
        );
        assert_eq!(names("${C:-{x} y}"), [(s("C"), false, s("{x} y"), s(""))]);
        assert_eq!(
            names("${D:+$E}"),
            [(s("D"), false, s(""), s("$E")), plain("E")]
        );
        assert_eq!(names("${L-a:?b}"), [(s("L"), false, s("a:?b"), s(""))]);
        let mut found = names("${F:-x} ${G:?y} ${H} $S");
        found.sort();
        assert_eq!(
            found,
            [
                (s("F"), false, s("x"), s("")),
                (s("G"), true, s(""), s("")),
                plain("H"),
                plain("S"),
            ]
        );
    }

    #[test]
    fn the_table_pads_like_go_tabwriter() {
        let vars = [
            Variable {
                name: "A_VERY_LONG_VARIABLE_NAME_HERE".into(),
                default: "some-long-default-value-x".into(),
                ..Variable::default()
            },
            Variable {
                name: "P".into(),
                required: true,
                ..Variable::default()
            },
        ];
        // Recorded from docker compose v2.26.1 (`config --variables | cat -A`).
        assert_eq!(
            variables_table(&vars),
            "NAME                             REQUIRED            DEFAULT VALUE               ALTERNATE VALUE\n\
             A_VERY_LONG_VARIABLE_NAME_HERE   false               some-long-default-value-x   \n\
             P                                true                                            \n"
        );
    }
}
