//! Suppressions: per service `x-stackplan: {ignore: [RULE, ...]}`, and inline comments
//! `# stackplan: ignore[RULE, ...] reason` on the line of the finding or the line before.
//! RULE is an id (`SP101`) or a name (`start-first-port-conflict`); unknown ones are
//! reported as SP000 errors, which cannot themselves be suppressed.

use super::diagnostic::Diagnostic;
use super::registry::find_rule;
use super::rules::invalid_lint_config::RULE as SP000;
use crate::loader::Loaded;
use crate::tree::{FileId, Node, Origin, Value};
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub(super) struct Suppressions {
    /// (file, line of the comment) → rule ids.
    lines: HashMap<(FileId, u32), HashSet<&'static str>>,
    /// service → rule ids.
    services: HashMap<String, HashSet<&'static str>>,
}

impl Suppressions {
    pub(super) fn suppresses(&self, d: &Diagnostic) -> bool {
        if d.rule == SP000.id {
            return false;
        }
        if let Some(service) = &d.service
            && self
                .services
                .get(service)
                .is_some_and(|s| s.contains(d.rule))
        {
            return true;
        }
        if let Some(o) = d.origin {
            for line in [o.line, o.line.saturating_sub(1)] {
                if line > 0
                    && self
                        .lines
                        .get(&(o.file, line))
                        .is_some_and(|s| s.contains(d.rule))
                {
                    return true;
                }
            }
        }
        false
    }
}

pub(super) fn unknown_rule(name: &str, source: &str, origin: Option<Origin>) -> Diagnostic {
    Diagnostic::new(&SP000, origin, format!("unknown rule `{name}` in {source}"))
        .help("`stackplan lint --list-rules` lists the rule ids and names")
}

pub(super) fn collect(loaded: &Loaded, out: &mut Vec<Diagnostic>) -> Suppressions {
    let mut s = Suppressions::default();
    for (service, ext) in &loaded.service_extensions {
        let Some((key, cfg)) = ext.as_map().and_then(|m| m.get_key_value("x-stackplan")) else {
            continue;
        };
        let Some(ignore) = cfg.get("ignore") else {
            continue;
        };
        let items: Vec<&Node> = match &ignore.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Str(_) => vec![ignore],
            Value::Null => Vec::new(),
            _ => {
                out.push(
                    Diagnostic::new(
                        &SP000,
                        Some(ignore.origin).or(Some(key.origin)),
                        format!(
                            "`x-stackplan.ignore` of service `{service}` must be a list of rule ids or names"
                        ),
                    )
                    .service(service),
                );
                continue;
            }
        };
        for item in items {
            let name = item.scalar_to_string().unwrap_or_default();
            match find_rule(&name) {
                Some(rule) => {
                    s.services
                        .entry(service.clone())
                        .or_default()
                        .insert(rule.id);
                }
                None => out.push(
                    unknown_rule(
                        &name,
                        &format!("`x-stackplan.ignore` of service `{service}`"),
                        Some(item.origin),
                    )
                    .service(service),
                ),
            }
        }
    }
    for file in 0..loaded.sources.len() as FileId {
        let Some(source) = loaded.sources.get(file) else {
            continue;
        };
        for (index, line) in source.text.lines().enumerate() {
            let line_no = index as u32 + 1;
            let Some(comment) = comment_start(line) else {
                continue;
            };
            let body = &line[comment + 1..];
            let trimmed = body.trim_start();
            let Some(rest) = trimmed.strip_prefix("stackplan:") else {
                continue;
            };
            let rest_offset = comment + 1 + (body.len() - trimmed.len()) + "stackplan:".len();
            let directive = rest.trim_start();
            let directive_offset = rest_offset + (rest.len() - directive.len());
            let at = |byte: usize, len: usize| {
                let column = line[..byte].chars().count() as u32 + 1;
                let width = line[byte..].chars().take(len).count().max(1) as u32;
                Origin {
                    file,
                    line: line_no,
                    column,
                    end_line: line_no,
                    end_column: column + width - 1,
                }
            };
            let parsed = directive
                .strip_prefix("ignore[")
                .and_then(|r| r.find(']').map(|end| &r[..end]));
            let Some(list) = parsed else {
                out.push(Diagnostic::new(
                    &SP000,
                    Some(at(directive_offset, directive.len())),
                    "malformed stackplan comment: expected `# stackplan: ignore[RULE, ...] reason`",
                ));
                continue;
            };
            let list_offset = directive_offset + "ignore[".len();
            let mut offset = list_offset;
            for part in list.split(',') {
                let name = part.trim();
                let name_offset = offset + (part.len() - part.trim_start().len());
                offset += part.len() + 1;
                if name.is_empty() {
                    continue;
                }
                match find_rule(name) {
                    Some(rule) => {
                        s.lines.entry((file, line_no)).or_default().insert(rule.id);
                    }
                    None => out.push(unknown_rule(
                        name,
                        "a `# stackplan: ignore[...]` comment",
                        Some(at(name_offset, name.len())),
                    )),
                }
            }
        }
    }
    s
}

/// The byte offset of the `#` that starts a YAML comment on this line: at the start or after
/// whitespace, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && prev_space => return Some(i),
            None if (c == '"' || c == '\'') && prev_space_or_indicator(line, i) => quote = Some(c),
            None => {}
        }
        prev_space = c.is_whitespace();
    }
    None
}

/// Whether a quote at `i` opens a quoted scalar (after whitespace, `:`, `-`, `[`, `{`, `,`).
fn prev_space_or_indicator(line: &str, i: usize) -> bool {
    line[..i]
        .chars()
        .next_back()
        .is_none_or(|p| p.is_whitespace() || matches!(p, ':' | '-' | '[' | '{' | ','))
}

#[cfg(test)]
mod tests {
    use super::comment_start;

    #[test]
    fn finds_yaml_comments_only() {
        assert_eq!(comment_start("# x"), Some(0));
        assert_eq!(comment_start("a: b # c"), Some(5));
        assert_eq!(comment_start("a: b#c"), None);
        assert_eq!(comment_start("a: \"b # c\" # d"), Some(11));
        assert_eq!(comment_start("a: 'it''s' # d"), Some(11));
    }
}
