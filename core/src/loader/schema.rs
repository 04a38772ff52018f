//! The parts of the Compose JSON Schema the oracle enforces on every merge step that our
//! typed decoding ([`super::decode`]) cannot see: service-name syntax and `uniqueItems` on
//! lists that Compose appends without de-duplicating.

use crate::error::{Error, Result};
use crate::tree::{Node, Tag, Value};

/// Fields whose schema type does not include null, with the oracle's word for what they must
/// be: an empty `driver_opts:` is `validating <file>: volumes.data.driver_opts must be a
/// mapping`, exit 15 (issue 11 item 3). Recorded from Docker Compose v2.26.1 by writing each
/// field of the model tables (`super::fields`) with an empty value; the only fields it
/// accepts null for are `command`, `entrypoint`, `deploy` and `develop` (and `pid` makes it
/// panic). `*` stands for any service or resource name. A `!reset null` is not a value.
const NULL_NOT_ALLOWED: &[(&[&str], &str)] = &[
    (&["services", "*", "profiles"], "list"),
    (&["services", "*", "annotations"], "mapping"),
    (&["services", "*", "attach"], "boolean or string"),
    (&["services", "*", "build"], "string"),
    (&["services", "*", "blkio_config"], "mapping"),
    (&["services", "*", "cap_add"], "list"),
    (&["services", "*", "cap_drop"], "list"),
    (&["services", "*", "cgroup_parent"], "string"),
    (&["services", "*", "cgroup"], "string"),
    (&["services", "*", "cpu_count"], "string"),
    (&["services", "*", "cpu_percent"], "string"),
    (&["services", "*", "cpu_period"], "number or string"),
    (&["services", "*", "cpu_quota"], "number or string"),
    (&["services", "*", "cpu_rt_period"], "number or string"),
    (&["services", "*", "cpu_rt_runtime"], "number or string"),
    (&["services", "*", "cpus"], "number or string"),
    (&["services", "*", "cpuset"], "string"),
    (&["services", "*", "cpu_shares"], "number or string"),
    (&["services", "*", "configs"], "list"),
    (&["services", "*", "container_name"], "string"),
    (&["services", "*", "credential_spec"], "mapping"),
    (&["services", "*", "depends_on"], "list"),
    (&["services", "*", "restart"], "string"),
    (&["services", "*", "device_cgroup_rules"], "list"),
    (&["services", "*", "devices"], "list"),
    (&["services", "*", "dns"], "string"),
    (&["services", "*", "dns_opt"], "list"),
    (&["services", "*", "dns_search"], "string"),
    (&["services", "*", "domainname"], "string"),
    (&["services", "*", "environment"], "mapping"),
    (&["services", "*", "expose"], "list"),
    (&["services", "*", "external_links"], "list"),
    (&["services", "*", "extra_hosts"], "mapping"),
    (&["services", "*", "group_add"], "list"),
    (&["services", "*", "gpus"], "string"),
    (&["services", "*", "hostname"], "string"),
    (&["services", "*", "healthcheck"], "mapping"),
    (&["services", "*", "init"], "boolean or string"),
    (&["services", "*", "ipc"], "string"),
    (&["services", "*", "isolation"], "string"),
    (&["services", "*", "labels"], "mapping"),
    (&["services", "*", "links"], "list"),
    (&["services", "*", "logging"], "mapping"),
    (&["services", "*", "mem_limit"], "number or string"),
    (&["services", "*", "mem_reservation"], "string or integer"),
    (&["services", "*", "memswap_limit"], "number or string"),
    (&["services", "*", "mem_swappiness"], "integer or string"),
    (&["services", "*", "mac_address"], "string"),
    (&["services", "*", "network_mode"], "string"),
    (&["services", "*", "networks"], "list"),
    (&["services", "*", "oom_kill_disable"], "boolean or string"),
    (&["services", "*", "oom_score_adj"], "string"),
    (&["services", "*", "pids_limit"], "number or string"),
    (&["services", "*", "platform"], "string"),
    (&["services", "*", "ports"], "list"),
    (&["services", "*", "privileged"], "boolean or string"),
    (&["services", "*", "pull_policy"], "string"),
    (&["services", "*", "read_only"], "boolean or string"),
    (&["services", "*", "runtime"], "string"),
    (&["services", "*", "scale"], "integer or string"),
    (&["services", "*", "secrets"], "list"),
    (&["services", "*", "security_opt"], "list"),
    (&["services", "*", "shm_size"], "number or string"),
    (&["services", "*", "stdin_open"], "boolean or string"),
    (&["services", "*", "stop_grace_period"], "string"),
    (&["services", "*", "stop_signal"], "string"),
    (&["services", "*", "storage_opt"], "mapping"),
    (&["services", "*", "sysctls"], "mapping"),
    (&["services", "*", "tmpfs"], "string"),
    (&["services", "*", "tty"], "boolean or string"),
    (&["services", "*", "ulimits"], "mapping"),
    (&["services", "*", "user"], "string"),
    (&["services", "*", "userns_mode"], "string"),
    (&["services", "*", "uts"], "string"),
    (&["services", "*", "volumes"], "list"),
    (&["services", "*", "volumes_from"], "list"),
    (&["services", "*", "working_dir"], "string"),
    (&["services", "*", "post_start"], "list"),
    (&["services", "*", "pre_stop"], "list"),
    (&["services", "*", "deploy", "mode"], "string"),
    (
        &["services", "*", "deploy", "replicas"],
        "integer or string",
    ),
    (&["services", "*", "deploy", "labels"], "mapping"),
    (&["services", "*", "deploy", "update_config"], "mapping"),
    (&["services", "*", "deploy", "rollback_config"], "mapping"),
    (&["services", "*", "deploy", "resources"], "mapping"),
    (&["services", "*", "deploy", "restart_policy"], "mapping"),
    (&["services", "*", "deploy", "placement"], "mapping"),
    (&["services", "*", "deploy", "endpoint_mode"], "string"),
    (&["services", "*", "build", "dockerfile"], "string"),
    (&["services", "*", "build", "dockerfile_inline"], "string"),
    (&["services", "*", "build", "entitlements"], "list"),
    (&["services", "*", "build", "args"], "mapping"),
    (&["services", "*", "build", "ssh"], "mapping"),
    (&["services", "*", "build", "labels"], "mapping"),
    (&["services", "*", "build", "cache_from"], "list"),
    (&["services", "*", "build", "cache_to"], "list"),
    (&["services", "*", "build", "no_cache"], "boolean or string"),
    (
        &["services", "*", "build", "additional_contexts"],
        "mapping",
    ),
    (&["services", "*", "build", "pull"], "boolean or string"),
    (&["services", "*", "build", "extra_hosts"], "mapping"),
    (&["services", "*", "build", "isolation"], "string"),
    (&["services", "*", "build", "network"], "string"),
    (&["services", "*", "build", "target"], "string"),
    (&["services", "*", "build", "secrets"], "list"),
    (&["services", "*", "build", "shm_size"], "integer or string"),
    (&["services", "*", "build", "tags"], "list"),
    (&["services", "*", "build", "ulimits"], "mapping"),
    (&["services", "*", "build", "platforms"], "list"),
    (
        &["services", "*", "build", "privileged"],
        "boolean or string",
    ),
    (&["services", "*", "healthcheck", "timeout"], "string"),
    (&["services", "*", "healthcheck", "interval"], "string"),
    (
        &["services", "*", "healthcheck", "retries"],
        "number or string",
    ),
    (&["services", "*", "healthcheck", "start_period"], "string"),
    (
        &["services", "*", "healthcheck", "start_interval"],
        "string",
    ),
    (
        &["services", "*", "healthcheck", "disable"],
        "boolean or string",
    ),
    (&["networks", "*", "name"], "string"),
    (&["networks", "*", "driver"], "string"),
    (&["networks", "*", "driver_opts"], "mapping"),
    (&["networks", "*", "ipam"], "mapping"),
    (&["networks", "*", "external"], "boolean, string or mapping"),
    (&["networks", "*", "internal"], "boolean or string"),
    (&["networks", "*", "attachable"], "boolean or string"),
    (&["networks", "*", "labels"], "mapping"),
    (&["networks", "*", "enable_ipv4"], "boolean or string"),
    (&["networks", "*", "enable_ipv6"], "boolean or string"),
    (&["volumes", "*", "name"], "string"),
    (&["volumes", "*", "driver"], "string"),
    (&["volumes", "*", "driver_opts"], "mapping"),
    (&["volumes", "*", "external"], "boolean, string or mapping"),
    (&["volumes", "*", "labels"], "mapping"),
    (&["configs", "*", "name"], "string"),
    (&["configs", "*", "environment"], "string"),
    (&["configs", "*", "content"], "string"),
    (&["configs", "*", "external"], "boolean, string or mapping"),
    (&["configs", "*", "labels"], "mapping"),
    (&["configs", "*", "template_driver"], "string"),
    (
        &["services", "*", "deploy", "resources", "limits", "cpus"],
        "number or string",
    ),
    (
        &["services", "*", "deploy", "resources", "limits", "memory"],
        "string",
    ),
    (
        &["services", "*", "deploy", "resources", "limits", "pids"],
        "integer or string",
    ),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        "integer or string",
    ),
    (
        &["services", "*", "deploy", "update_config", "delay"],
        "string",
    ),
    (
        &["services", "*", "deploy", "update_config", "failure_action"],
        "string",
    ),
    (
        &["services", "*", "deploy", "update_config", "monitor"],
        "string",
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        "number or string",
    ),
    (
        &["services", "*", "deploy", "update_config", "order"],
        "string",
    ),
    (&["services", "*", "logging", "options"], "mapping"),
    (&["networks", "*", "ipam", "options"], "mapping"),
    (&["networks", "*", "ipam", "config"], "list"),
    (&["secrets", "*", "labels"], "mapping"),
    (
        &["services", "*", "deploy", "placement", "constraints"],
        "list",
    ),
    (
        &["services", "*", "deploy", "placement", "preferences"],
        "list",
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "devices",
        ],
        "list",
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "generic_resources",
        ],
        "list",
    ),
    (&["secrets", "*", "name"], "string"),
    (&["secrets", "*", "environment"], "string"),
    (&["secrets", "*", "external"], "boolean, string or mapping"),
    (&["secrets", "*", "template_driver"], "string"),
    (&["secrets", "*", "driver"], "string"),
    (&["secrets", "*", "driver_opts"], "mapping"),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "cpus",
        ],
        "number or string",
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "memory",
        ],
        "string",
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "pids",
        ],
        "integer or string",
    ),
];

/// Fields the schema restricts to a list of strings (`enum`), checked on the merged model
/// after every file like the oracle's schema validation, with its words: `validating <file>:
/// services.a.pull_policy services.a.pull_policy must be one of the following: "always", ...`
/// (the path twice, as gojsonschema prints it), exit 15. Read from the schema embedded in
/// Docker Compose v2.26.1 (every `enum` of `compose_spec.json`; `gpus` is `oneOf` the string
/// `all` and a list). `*` is any key of a mapping, `#` any item of a list.
const ENUMS: &[(&[&str], &[&str])] = &[
    (&["services", "*", "cgroup"], &["host", "private"]),
    (
        &["services", "*", "depends_on", "*", "condition"],
        &[
            "service_started",
            "service_healthy",
            "service_completed_successfully",
        ],
    ),
    (
        &["services", "*", "pull_policy"],
        &["always", "never", "if_not_present", "build", "missing"],
    ),
    (
        &["services", "*", "volumes", "#", "bind", "recursive"],
        &["enabled", "disabled", "writable", "readonly"],
    ),
    (
        &["services", "*", "volumes", "#", "bind", "selinux"],
        &["z", "Z"],
    ),
    (
        &["services", "*", "develop", "watch", "#", "action"],
        &["rebuild", "sync", "restart", "sync+restart", "sync+exec"],
    ),
    (
        &["services", "*", "deploy", "rollback_config", "order"],
        &["start-first", "stop-first"],
    ),
    (
        &["services", "*", "deploy", "update_config", "order"],
        &["start-first", "stop-first"],
    ),
    (&["services", "*", "gpus"], &["all"]),
];

/// Keys the schema `required`s of a long-syntax mapping, with the oracle's words
/// (`validating <file>: services.a.volumes.0 type is required`, exit 15). From the same
/// schema; `env_file`'s `path` has its own message (`super::env_file`) and an `extends`
/// mapping without `service` makes the oracle panic, so neither is here.
const REQUIRED: &[(&[&str], &[&str])] = &[
    (&["services", "*", "depends_on", "*"], &["condition"]),
    (&["services", "*", "devices", "#"], &["source"]),
    (&["services", "*", "volumes", "#"], &["type"]),
    (
        &["services", "*", "develop", "watch", "#"],
        &["path", "action"],
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "devices",
            "#",
        ],
        &["capabilities"],
    ),
    (&["services", "*", "ulimits", "*"], &["soft", "hard"]),
];

/// Numbers the schema bounds (`minimum`/`maximum`), with the oracle's words (`validating
/// <file>: services.a.oom_score_adj Must be less than or equal to 1000`, exit 15); 1e30 or
/// 2^63 are out of range here, not wrapped.
const RANGES: &[(&[&str], Option<f64>, Option<f64>)] = &[
    (&["services", "*", "cpu_count"], Some(0.0), None),
    (&["services", "*", "cpu_percent"], Some(0.0), Some(100.0)),
    (
        &["services", "*", "oom_score_adj"],
        Some(-1000.0),
        Some(1000.0),
    ),
    (
        &["services", "*", "volumes", "#", "tmpfs", "size"],
        Some(0.0),
        None,
    ),
];

/// Every node at `pattern` (`*` a mapping key, `#` a list index), in document order, with its
/// path as the schema validator prints it (`services.a.volumes.0`). The recursion is as deep
/// as the pattern, not as the document.
fn nodes_at<'d>(
    node: &'d Node,
    pattern: &[&str],
    at: &mut Vec<String>,
    out: &mut Vec<(String, &'d Node)>,
) {
    let Some((first, rest)) = pattern.split_first() else {
        out.push((at.join("."), node));
        return;
    };
    match (&node.value, *first) {
        (Value::Seq(items), "#") => {
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                nodes_at(item, rest, at, out);
                at.pop();
            }
        }
        (Value::Map(map), "*") => {
            for (key, child) in map {
                at.push(key.name.clone());
                nodes_at(child, rest, at, out);
                at.pop();
            }
        }
        (Value::Map(map), name) if name != "#" => {
            if let Some((key, child)) = map.get_key_value(name) {
                at.push(key.name.clone());
                nodes_at(child, rest, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn check_enums_and_required(dict: &Node, file: &str) -> Result<()> {
    let mut found = Vec::new();
    for (pattern, allowed) in ENUMS {
        found.clear();
        nodes_at(dict, pattern, &mut Vec::new(), &mut found);
        for (path, node) in &found {
            if let Value::Str(s) = &node.value
                && !allowed.contains(&s.as_str())
            {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
                return Err(Error::at(
                    format!(
                        "validating {file}: {path} {path} must be one of the following: {}",
                        quoted.join(", ")
                    ),
                    node.origin,
                ));
            }
        }
    }
    for (pattern, min, max) in RANGES {
        found.clear();
        nodes_at(dict, pattern, &mut Vec::new(), &mut found);
        for (path, node) in &found {
            let number = match node.value {
                Value::Int(i) => i as f64,
                Value::UInt(u) => u as f64,
                Value::Float(f) => f,
                _ => continue,
            };
            let why = match (min, max) {
                (Some(min), _) if number < *min => format!("greater than or equal to {min}"),
                (_, Some(max)) if number > *max => format!("less than or equal to {max}"),
                _ => continue,
            };
            return Err(Error::at(
                format!("validating {file}: {path} Must be {why}"),
                node.origin,
            ));
        }
    }
    for (pattern, keys) in REQUIRED {
        found.clear();
        nodes_at(dict, pattern, &mut Vec::new(), &mut found);
        for (path, node) in &found {
            let Some(map) = node.as_map() else { continue };
            if let Some(key) = keys.iter().find(|k| !map.contains_key(**k)) {
                return Err(Error::at(
                    format!("validating {file}: {path} {key} is required"),
                    node.origin,
                ));
            }
        }
    }
    Ok(())
}

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
    reject_nulls(dict, file)?;
    check_enums_and_required(dict, file)?;
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

fn reject_nulls(dict: &Node, file: &str) -> Result<()> {
    let table = NullTrie::of(NULL_NOT_ALLOWED);
    let mut nulls = Vec::new();
    table.walk(dict, &mut Vec::new(), &mut nulls);
    // The first entry of the table that has a null, and of its nulls the first in the document
    // (a stable minimum keeps document order among equal entries).
    if let Some((entry, at, node)) = nulls.into_iter().min_by_key(|(entry, _, _)| *entry) {
        return Err(Error::at(
            format!(
                "validating {file}: {} must be a {}",
                at.join("."),
                NULL_NOT_ALLOWED[entry].1
            ),
            node.origin,
        ));
    }
    Ok(())
}

/// [`NULL_NOT_ALLOWED`] as a trie, so one walk of the document visits each node under a listed
/// path once. (Walking the document once per table entry was half of `config`'s instructions on
/// stack-300.)
#[derive(Default)]
struct NullTrie<'t> {
    /// The table entry that ends here.
    entry: Option<usize>,
    named: Vec<(&'t str, NullTrie<'t>)>,
    any: Option<Box<NullTrie<'t>>>,
}

impl<'t> NullTrie<'t> {
    fn of(table: &[(&'t [&'t str], &str)]) -> Self {
        let mut root = NullTrie::default();
        for (entry, (path, _)) in table.iter().enumerate() {
            let mut at = &mut root;
            for segment in *path {
                at = if *segment == "*" {
                    at.any.get_or_insert_with(Box::default)
                } else {
                    let i = match at.named.iter().position(|(name, _)| name == segment) {
                        Some(i) => i,
                        None => {
                            at.named.push((segment, NullTrie::default()));
                            at.named.len() - 1
                        }
                    };
                    &mut at.named[i].1
                };
            }
            at.entry.get_or_insert(entry);
        }
        root
    }

    /// Records every untagged null that ends a table path (a `!reset null` is not a value).
    fn walk<'d>(
        &self,
        node: &'d Node,
        at: &mut Vec<&'d str>,
        nulls: &mut Vec<(usize, Vec<&'d str>, &'d Node)>,
    ) {
        if let Some(entry) = self.entry
            && matches!(node.value, Value::Null)
            && node.tag == Tag::None
        {
            nulls.push((entry, at.clone(), node));
        }
        if self.named.is_empty() && self.any.is_none() {
            return;
        }
        let Some(map) = node.as_map() else {
            return;
        };
        for (key, child) in map {
            let named = self
                .named
                .iter()
                .find(|(name, _)| *name == key.name.as_str());
            for next in named.map(|(_, t)| t).into_iter().chain(self.any.as_deref()) {
                at.push(key.name.as_str());
                next.walk(child, at, nulls);
                at.pop();
            }
        }
    }
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
