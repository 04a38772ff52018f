//! The parts of the Compose JSON Schema the oracle enforces on every merge step that our
//! typed decoding ([`super::project`]) cannot see: service-name syntax and `uniqueItems` on
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
];

pub fn validate(dict: &Node, file: &str) -> Result<()> {
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
            for (j, item) in items.iter().enumerate() {
                if let Some(i) = items[..j].iter().position(|earlier| earlier == item) {
                    return Err(Error::at(
                        format!(
                            "validating {file}: services.{}.{} array items[{i},{j}] must be unique",
                            name.name,
                            path.join(".")
                        ),
                        item.origin,
                    ));
                }
            }
        }
    }
    Ok(())
}
