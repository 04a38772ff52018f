//! What a deploy changes per service: the field-level diff between the current and the
//! desired model, and whether the change replaces tasks (semantics document §3.2).

use crate::tree::{Node, Value};
use serde::{Deserialize, Serialize};

/// How a deploy changes one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// New service: tasks are created, nothing is rolled.
    Create,
    /// The task template changed: Swarm replaces tasks slot by slot.
    RollingUpdate,
    /// Only `update_config`, `rollback_config` or service labels changed: no task is replaced.
    InPlaceUpdate,
    /// Only the replica count changed: tasks are added or removed, none replaced.
    Scale,
    /// In the current state, not in the desired one (`docker stack deploy --prune` removes it).
    Remove,
    /// Nothing changed (but `docker stack deploy` still sends the spec again).
    Unchanged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ChangeKind {
    #[serde(rename = "+")]
    Added,
    #[serde(rename = "-")]
    Removed,
    #[serde(rename = "~")]
    Changed,
}

/// One changed leaf of the service model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldChange {
    pub kind: ChangeKind,
    /// `deploy.update_config.order`, `environment.FOO`, `ports[0].published`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Whether this change alone makes Swarm replace tasks.
    pub replaces_tasks: bool,
}

/// Fields outside the task template: changing them never replaces a task.
const NOT_IN_TASK_SPEC: &[&str] = &[
    "deploy.update_config",
    "deploy.rollback_config",
    "deploy.replicas",
    "deploy.labels",
    "scale",
];

/// Keys `docker stack deploy` ignores or that Swarm does not use (docker/cli
/// `cli/compose/types/types.go` and the converter): changing them changes nothing in Swarm.
const IGNORED_BY_STACK_DEPLOY: &[&str] = &[
    "build",
    "cgroupns_mode",
    "cgroup_parent",
    "container_name",
    "depends_on",
    "devices",
    "domainname",
    "expose",
    "external_links",
    "ipc",
    "links",
    "mac_address",
    "network_mode",
    "pid",
    "privileged",
    "profiles",
    "pull_policy",
    "security_opt",
    "shm_size",
    "userns_mode",
];

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

fn replaces_tasks(path: &str) -> bool {
    !NOT_IN_TASK_SPEC.iter().any(|p| under(path, p))
        && !IGNORED_BY_STACK_DEPLOY.iter().any(|p| under(path, p))
}

/// Flattens a service into `path = value` leaves.
fn leaves(node: &Node, prefix: &str, out: &mut Vec<(String, String)>) {
    match &node.value {
        Value::Map(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.name.clone()
                } else {
                    format!("{prefix}.{}", k.name)
                };
                leaves(v, &path, out);
            }
        }
        Value::Seq(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &format!("{prefix}[{i}]"), out);
            }
        }
        Value::Map(_) => out.push((prefix.to_owned(), "{}".into())),
        Value::Seq(_) => out.push((prefix.to_owned(), "[]".into())),
        Value::Null => out.push((prefix.to_owned(), "null".into())),
        _ => out.push((
            prefix.to_owned(),
            node.scalar_to_string().unwrap_or_default(),
        )),
    }
}

/// Empty blocks that mean the same as no block: the stack loader's model has
/// `deploy.placement: {}` and `deploy.resources: {}` as soon as `deploy` is written, and
/// `docker stack deploy` sends the same spec either way (`stackplan engine-spec` of
/// `image: a:1` with and without `deploy: {replicas: 1}` is identical). (An empty `update_config` or
/// `rollback_config` is not among them: a present block sends zeros.)
fn empty_means_absent(path: &str, value: &str) -> bool {
    value == "{}"
        && matches!(
            path,
            "deploy.placement"
                | "deploy.resources"
                | "deploy.resources.limits"
                | "deploy.resources.reservations"
        )
}

/// The field-level diff of two versions of a service.
pub fn diff(from: &Node, to: &Node) -> Vec<FieldChange> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    leaves(from, "", &mut a);
    leaves(to, "", &mut b);
    a.retain(|(path, value)| !empty_means_absent(path, value));
    b.retain(|(path, value)| !empty_means_absent(path, value));
    let old: std::collections::BTreeMap<_, _> = a.into_iter().collect();
    let new: std::collections::BTreeMap<_, _> = b.into_iter().collect();
    let mut changes = Vec::new();
    for (path, value) in &old {
        match new.get(path) {
            None => changes.push(FieldChange {
                kind: ChangeKind::Removed,
                path: path.clone(),
                from: Some(value.clone()),
                to: None,
                replaces_tasks: replaces_tasks(path),
            }),
            Some(v) if v != value => changes.push(FieldChange {
                kind: ChangeKind::Changed,
                path: path.clone(),
                from: Some(value.clone()),
                to: Some(v.clone()),
                replaces_tasks: replaces_tasks(path),
            }),
            Some(_) => {}
        }
    }
    for (path, value) in &new {
        if !old.contains_key(path) {
            changes.push(FieldChange {
                kind: ChangeKind::Added,
                path: path.clone(),
                from: None,
                to: Some(value.clone()),
                replaces_tasks: replaces_tasks(path),
            });
        }
    }
    changes.sort_by(|x, y| x.path.cmp(&y.path));
    changes
}

/// Classifies a change set.
pub fn classify(from: Option<&Node>, to: Option<&Node>, changes: &[FieldChange]) -> Action {
    match (from, to) {
        (None, _) => Action::Create,
        (_, None) => Action::Remove,
        _ if changes.is_empty() => Action::Unchanged,
        _ if changes.iter().any(|c| c.replaces_tasks) => Action::RollingUpdate,
        _ if changes
            .iter()
            .all(|c| under(&c.path, "deploy.replicas") || under(&c.path, "scale")) =>
        {
            Action::Scale
        }
        _ => Action::InPlaceUpdate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse};

    fn node(text: &str) -> Node {
        parse(text, 0, &Limits::default()).expect("yaml").remove(0)
    }

    #[test]
    fn image_change_rolls_and_config_change_does_not() {
        let a = node("image: a:1\ndeploy: {replicas: 2, update_config: {parallelism: 1}}\n");
        let b = node("image: a:2\ndeploy: {replicas: 2, update_config: {parallelism: 1}}\n");
        let c = node("image: a:1\ndeploy: {replicas: 2, update_config: {parallelism: 2}}\n");
        let d = node("image: a:1\ndeploy: {replicas: 4, update_config: {parallelism: 1}}\n");
        let ab = diff(&a, &b);
        assert_eq!(ab.len(), 1);
        assert_eq!(
            (ab[0].kind, ab[0].path.as_str()),
            (ChangeKind::Changed, "image")
        );
        assert_eq!(classify(Some(&a), Some(&b), &ab), Action::RollingUpdate);
        assert_eq!(
            classify(Some(&a), Some(&c), &diff(&a, &c)),
            Action::InPlaceUpdate
        );
        assert_eq!(classify(Some(&a), Some(&d), &diff(&a, &d)), Action::Scale);
        assert_eq!(
            classify(Some(&a), Some(&a), &diff(&a, &a)),
            Action::Unchanged
        );
        assert_eq!(classify(None, Some(&a), &[]), Action::Create);
    }

    #[test]
    fn keys_stack_deploy_ignores_do_not_replace_tasks() {
        let a = node("image: a\ncontainer_name: x\n");
        let b = node("image: a\ncontainer_name: y\n");
        assert_eq!(
            classify(Some(&a), Some(&b), &diff(&a, &b)),
            Action::InPlaceUpdate
        );
    }
}
