//! The `!reset` and `!override` tags: a tagged value removes what earlier files set at its path
//! (`!override` then puts its own value there, so nothing is merged into it).

use crate::tree::{Node, Tag, Value};

/// Model paths (`services.web.ports`) that the current document resets or overrides.
#[derive(Clone, Debug, Default)]
pub(super) struct ResetPaths {
    paths: Vec<Vec<String>>,
}

/// Removes `!reset` values from a document and records the paths of both tags.
pub(super) fn collect(doc: &mut Node) -> ResetPaths {
    let mut out = ResetPaths::default();
    let mut path = Vec::new();
    walk(doc, &mut path, &mut out);
    out
}

fn walk(node: &mut Node, path: &mut Vec<String>, out: &mut ResetPaths) {
    match &mut node.value {
        Value::Map(map) => {
            let mut reset_keys = Vec::new();
            for (key, child) in map.iter_mut() {
                path.push(key.name.clone());
                match child.tag {
                    Tag::Reset => {
                        out.paths.push(path.clone());
                        reset_keys.push(key.name.clone());
                    }
                    Tag::Override | Tag::ResetThenMerged => {
                        out.paths.push(path.clone());
                        child.tag = Tag::None;
                    }
                    Tag::None => walk(child, path, out),
                }
                path.pop();
            }
            for key in reset_keys {
                map.shift_remove(key.as_str());
            }
        }
        Value::Seq(items) => {
            // compose-go records sequence items as `name.0` but matches `name.[0]` when
            // applying, so a tag on a list item only removes that item from this document.
            items.retain(|item| item.tag != Tag::Reset);
            for (index, item) in items.iter_mut().enumerate() {
                item.tag = Tag::None;
                path.push(index.to_string());
                walk(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

impl ResetPaths {
    /// Deletes every recorded path from the model built so far.
    pub(super) fn apply(&self, dict: &mut Node) {
        if self.paths.is_empty() {
            return;
        }
        let mut path = Vec::new();
        self.apply_at(dict, &mut path);
    }

    fn apply_at(&self, node: &mut Node, path: &mut Vec<String>) {
        if let Value::Map(map) = &mut node.value {
            let doomed: Vec<String> = map
                .keys()
                .filter(|k| {
                    self.paths.iter().any(|p| {
                        p.len() == path.len() + 1
                            && p[..path.len()] == path[..]
                            && p[path.len()] == k.name
                    })
                })
                .map(|k| k.name.clone())
                .collect();
            for key in doomed {
                map.shift_remove(key.as_str());
            }
            for (key, child) in map.iter_mut() {
                if self.paths.iter().any(|p| {
                    p.len() > path.len() + 1
                        && p[..path.len()] == path[..]
                        && p[path.len()] == key.name
                }) {
                    path.push(key.name.clone());
                    self.apply_at(child, path);
                    path.pop();
                }
            }
        }
    }
}

impl ResetPaths {
    /// Both sets of paths.
    pub(super) fn union(mut self, other: ResetPaths) -> ResetPaths {
        self.paths.extend(other.paths);
        self
    }
}
