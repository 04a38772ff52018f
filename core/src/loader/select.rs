//! Service selection (`config web db`): only the named services and what they depend on.

use crate::error::{Error, Result};
use crate::tree::Node;
use std::collections::{BTreeMap, BTreeSet};

/// `WithSelectedServices`: the named services and, transitively, what they depend on.
pub(super) fn select(services: &mut BTreeMap<String, Node>, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(name) = todo.pop() {
        let Some(service) = services.get(&name) else {
            return Err(Error::invalid(format!("no such service: {name}"), None));
        };
        if keep.insert(name.clone())
            && let Some(deps) = service.get("depends_on").and_then(Node::as_map)
        {
            todo.extend(deps.keys().map(|k| k.name.clone()));
        }
    }
    services.retain(|name, _| keep.contains(name));
    Ok(())
}
