//! The files as written: for every file the loader parsed, the few keys of its documents that
//! the printed project cannot show, taken from the parse the loader makes anyway (before
//! interpolation, `extends`, merging and Go's `omitempty`).
//!
//! The printed project drops zero values (`monitor: 0s`, `delay: 0s`, `privileged: false`),
//! keys the loader resolves (`extends`), the top-level `version`, and networks no service
//! uses. Lint rules and the plan's effective settings need to know that such a key was
//! *written*, and where. They used to parse every file a second time for it (≈ 17 % of
//! lint's instructions on a 300-service stack); this keeps a skeleton of each document
//! instead, in the same [`Node`] form, so that a reader walks it like the parsed file:
//!
//! | kept | read by |
//! |---|---|
//! | every top-level key (its value only for `version`, `services`, `networks`) | SP206 `stack-file-version`, SP207 `stack-deploy-unknown-key` |
//! | `services.NAME` keys (the first file's is where a finding about the service points) | SP110 and every rule's anchor |
//! | `services.NAME.{extends, build, restart, privileged, …}` (the keys `docker stack deploy` ignores, rejects or deprecates) | SP201–SP203, the target choice (`extends`) |
//! | `services.NAME.deploy.{update,rollback}_config.*` | SP108 `monitor-zero`, SP206, `plan::effective` (a written `delay: 0s`) |
//! | the keys SP206 checks against the file's version | SP206 |
//! | `networks.NAME.driver` | the target choice (`overlay`) |
//!
//! Scalars are kept as written; a mapping or sequence that is kept as a leaf is kept empty,
//! with its origin, so that a reader can tell the kind (a finding spans a scalar value, or
//! only the key of a block). A path that is not in this table is not in the skeleton: a
//! rule that needs another written key adds it here.

use crate::tree::{FileId, Key, Map, Node, Value};

/// What to keep of a node.
enum Keep {
    /// The node and everything under it.
    All,
    /// A scalar as written; a mapping or sequence empty (its kind and origin).
    Leaf,
    /// The keys of a mapping `keep` names, each by the rule it returns, and every other key
    /// as a stub (its key and origin, the value `null`) when `others` is set. (A `match` on
    /// the name: every service key of every file passes through it.)
    Keys {
        keep: fn(&str) -> Option<&'static Keep>,
        others: bool,
    },
    /// Every key of a mapping, each by the same rule.
    Each(&'static Keep),
}

const fn keys(keep: fn(&str) -> Option<&'static Keep>) -> Keep {
    Keep::Keys {
        keep,
        others: false,
    }
}

fn service_key(name: &str) -> Option<&'static Keep> {
    Some(match name {
        // Rejected by `docker stack deploy` (SP201).
        "extends" | "volume_driver" | "volumes_from" | "cpu_quota" | "cpu_shares" | "cpuset"
        | "mem_limit" | "memswap_limit"
        // Ignored (SP202).
        | "build" | "cgroupns_mode" | "cgroup_parent" | "devices" | "domainname"
        | "external_links" | "ipc" | "links" | "mac_address" | "network_mode" | "pid"
        | "privileged" | "restart" | "security_opt" | "shm_size" | "userns_mode"
        // Deprecated (SP203).
        | "container_name" | "expose"
        // Keys newer than some 3.x versions (SP206).
        | "secrets" | "configs" | "isolation" | "init" | "oom_score_adj" => &Keep::Leaf,
        "credential_spec" => &CREDENTIAL_SPEC,
        "healthcheck" => &HEALTHCHECK,
        "deploy" => &DEPLOY,
        _ => return None,
    })
}

const CREDENTIAL_SPEC: Keep = keys(|name| (name == "config").then_some(&Keep::Leaf));

const HEALTHCHECK: Keep =
    keys(|name| matches!(name, "start_period" | "start_interval").then_some(&Keep::Leaf));

const DEPLOY: Keep = keys(|name| {
    Some(match name {
        "endpoint_mode" => &Keep::Leaf,
        "placement" => &PLACEMENT,
        "update_config" | "rollback_config" => &Keep::All,
        "resources" => &RESOURCES,
        _ => return None,
    })
});

const PLACEMENT: Keep =
    keys(|name| matches!(name, "preferences" | "max_replicas_per_node").then_some(&Keep::Leaf));

const RESOURCES: Keep = keys(|name| match name {
    "reservations" => Some(&RESERVATIONS),
    "limits" => Some(&LIMITS),
    _ => None,
});

const RESERVATIONS: Keep = keys(|name| (name == "generic_resources").then_some(&Keep::Leaf));

const LIMITS: Keep = keys(|name| (name == "pids").then_some(&Keep::Leaf));

const SERVICE: Keep = keys(service_key);

const NETWORK: Keep = keys(|name| (name == "driver").then_some(&Keep::Leaf));

const ROOT: Keep = Keep::Keys {
    keep: |name| {
        Some(match name {
            "version" => &Keep::Leaf,
            "services" => &Keep::Each(&SERVICE),
            "networks" => &Keep::Each(&NETWORK),
            _ => return None,
        })
    },
    others: true,
};

/// The skeletons of every parsed file's documents, by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Written {
    files: Vec<Vec<Node>>,
}

impl Written {
    /// Records the documents of file `id` as parsed.
    pub(crate) fn capture(&mut self, id: FileId, documents: &[Node]) {
        let index = id as usize;
        if self.files.len() <= index {
            self.files.resize_with(index + 1, Vec::new);
        }
        self.files[index] = documents.iter().map(|d| prune(d, &ROOT)).collect();
    }

    /// The documents of every file as written (their skeletons), indexed by [`FileId`]; a
    /// file that was read but not parsed as YAML has none.
    pub fn files(&self) -> &[Vec<Node>] {
        &self.files
    }

    /// `services.NAME` (key and value) in every document that declares it, in load order.
    pub fn service_entries(&self, service: &str) -> impl Iterator<Item = (&Key, &Node)> {
        self.files.iter().flatten().filter_map(move |doc| {
            doc.get("services")
                .and_then(Node::as_map)
                .and_then(|m| m.get_key_value(service))
        })
    }

    /// `services.NAME.PATH` as written in the last file that sets it (which is the value the
    /// merge kept for a scalar), with its key.
    pub fn last(&self, service: &str, path: &[&str]) -> Option<(&Key, &Node)> {
        let entries: Vec<_> = self.service_entries(service).collect();
        entries
            .into_iter()
            .rev()
            .find_map(|(_, node)| entry_at(node, path))
    }
}

/// `node.PATH` as a key and value.
fn entry_at<'n>(node: &'n Node, path: &[&str]) -> Option<(&'n Key, &'n Node)> {
    let (last, parents) = path.split_last()?;
    let mut node = node;
    for segment in parents {
        node = node.get(segment)?;
    }
    node.as_map()?.get_key_value(*last)
}

/// What `keep` keeps of `node`.
fn prune(node: &Node, keep: &Keep) -> Node {
    let value = match (keep, &node.value) {
        (Keep::All, _) => return node.clone(),
        (Keep::Leaf, Value::Map(_)) => Value::Map(Map::default()),
        (Keep::Leaf, Value::Seq(_)) => Value::Seq(Vec::new()),
        (Keep::Leaf, _) => return node.clone(),
        (Keep::Keys { keep, others }, Value::Map(map)) => {
            let mut out = Map::default();
            for (key, value) in map {
                match keep(&key.name) {
                    Some(keep) => {
                        out.insert(key.clone(), prune(value, keep));
                    }
                    None if *others => {
                        out.insert(
                            key.clone(),
                            Node {
                                value: Value::Null,
                                origin: value.origin,
                                tag: value.tag,
                            },
                        );
                    }
                    None => {}
                }
            }
            Value::Map(out)
        }
        (Keep::Each(keep), Value::Map(map)) => Value::Map(
            map.iter()
                .map(|(key, value)| (key.clone(), prune(value, keep)))
                .collect(),
        ),
        // Not a mapping where one is expected: the loader reports it; keep the kind.
        (_, Value::Seq(_)) => Value::Seq(Vec::new()),
        (_, _) => return node.clone(),
    };
    Node {
        value,
        origin: node.origin,
        tag: node.tag,
    }
}
