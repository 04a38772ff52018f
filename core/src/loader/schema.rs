//! The parts of the Compose JSON Schema the oracle enforces on every merge step that our
//! typed decoding ([`super::decode`]) cannot see: service-name syntax and `uniqueItems` on
//! lists that Compose appends without de-duplicating.

use crate::error::{Error, Result};
use crate::tree::Node;

/// Lists the schema declares `uniqueItems` that merging does not de-duplicate, so the same
/// entry in two files is an error (`group_add`, `external_links`, ... per the corpus).
const UNIQUE_LISTS: &[&[&str]] = &[
    &["external_links"],
    &["group_add"],
    &["security_opt"],
    &["volumes_from"],
    &["device_cgroup_rules"],
    // list_or_dict fields (lists of `K=V`): de-duplicated by key when merged, so a duplicate
    // can only come from one file listing the same entry twice.
    &["environment"],
    &["labels"],
    &["annotations"],
    &["sysctls"],
    &["build", "args"],
    &["build", "labels"],
    &["deploy", "labels"],
];

/// Top-level resources whose `labels` lists are appended without de-duplication.
const RESOURCE_KINDS_WITH_LABELS: &[&str] = &["volumes", "networks", "secrets", "configs"];

pub(super) fn validate(dict: &Node, file: &str) -> Result<()> {
    if let Some(root) = dict.as_map() {
        for (key, value) in root {
            if !super::fields::TOP_LEVEL_KEYS.contains(&key.name.as_str())
                && !key.name.starts_with("x-")
            {
                return Err(Error::at(
                    format!(
                        "validating {file}: (root) Additional property {} is not allowed",
                        key.name
                    ),
                    key.origin,
                ));
            }
            if RESOURCE_KINDS_WITH_LABELS.contains(&key.name.as_str()) {
                for (name, resource) in value.as_map().into_iter().flatten() {
                    if let Some(labels) = resource.get("labels").and_then(Node::as_seq) {
                        unique(labels, file, &format!("{}.{}.labels", key.name, name.name))?;
                    }
                }
            }
        }
    }
    let Some(services) = dict.get("services").and_then(Node::as_map) else {
        return Ok(());
    };
    for (name, service) in services {
        let valid_name = !name.name.is_empty()
            && name
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid_name {
            return Err(Error::at(
                format!(
                    "validating {file}: services Additional property {} is not allowed",
                    name.name
                ),
                name.origin,
            ));
        }
        for path in UNIQUE_LISTS {
            let mut node = Some(service);
            for segment in *path {
                node = node.and_then(|n| n.get(segment));
            }
            let Some(items) = node.and_then(Node::as_seq) else {
                continue;
            };
            unique(
                items,
                file,
                &format!("services.{}.{}", name.name, path.join(".")),
            )?;
        }
        if let Some(m) = service.as_map() {
            super::consistency::check_service_keys(&name.name, m).map_err(|e| {
                Error::at(
                    format!("validating {file}: {}", e.message),
                    e.origin.unwrap_or(name.origin),
                )
            })?;
        }
    }
    Ok(())
}

fn unique(items: &[Node], file: &str, what: &str) -> Result<()> {
    for (j, item) in items.iter().enumerate() {
        if let Some(i) = items[..j].iter().position(|earlier| earlier == item) {
            return Err(Error::at(
                format!("validating {file}: {what} array items[{i},{j}] must be unique"),
                item.origin,
            ));
        }
    }
    Ok(())
}
