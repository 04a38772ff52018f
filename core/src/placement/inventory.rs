//! The node inventory: what the scheduler and the control plane need to know of each node.
//!
//! Read from the JSON array `docker node inspect NODE...` prints (the Engine's `swarm.Node`
//! objects, Engine naming), or from a small hand-written TOML file:
//!
//! ```toml
//! [[node]]
//! hostname = "node1"          # required; `id` defaults to it
//! role = "manager"            # manager | worker (default worker)
//! leader = true               # the Raft leader (one manager at most)
//! availability = "active"     # active | pause | drain (default active)
//! state = "ready"             # ready | down | unknown | disconnected (default ready)
//! reachability = "reachable"  # managers: reachable | unreachable | unknown (default reachable)
//! labels = { zone = "a" }     # node labels (`docker node update --label-add`)
//! engine_labels = {}          # daemon labels (`labels` in daemon.json)
//! os = "linux"                # default linux
//! arch = "x86_64"             # default x86_64
//! cpus = 2                    # NanoCPUs / 1e9 (default: unknown = unlimited)
//! memory = "4GiB"             # bytes, or a size with a unit (default: unknown = unlimited)
//! ```
//!
//! The format is detected from the text: a JSON array of objects (`[{…}]`) is `docker node
//! inspect`'s output, anything else is TOML.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Manager or worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manager,
    #[default]
    Worker,
}

/// `Spec.Availability`: only active nodes take new tasks; a drained one runs none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    #[default]
    Active,
    Pause,
    Drain,
}

/// `Status.State`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    #[default]
    Ready,
    Down,
    Unknown,
    Disconnected,
}

/// `ManagerStatus.Reachability`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Reachability {
    #[default]
    Reachable,
    Unreachable,
    Unknown,
}

/// One node of the inventory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct NodeInfo {
    /// The node ID (`node.id`); the hostname when the file gives none.
    pub id: String,
    /// `Description.Hostname` (`node.hostname`): how the plan names the node.
    pub hostname: String,
    pub role: Role,
    pub availability: Availability,
    pub state: NodeState,
    /// The Raft leader (`ManagerStatus.Leader`).
    pub leader: bool,
    /// Managers only (`ManagerStatus.Reachability`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability: Option<Reachability>,
    /// `Spec.Labels` (`node.labels.*`).
    pub labels: BTreeMap<String, String>,
    /// `Description.Engine.Labels` (`engine.labels.*`).
    pub engine_labels: BTreeMap<String, String>,
    /// `Description.Platform.OS` (`node.platform.os`).
    pub os: String,
    /// `Description.Platform.Architecture` (`node.platform.arch`).
    pub arch: String,
    /// `Description.Resources.NanoCPUs`; 0: unknown (no reservation is refused).
    pub nano_cpus: i64,
    /// `Description.Resources.MemoryBytes`; 0: unknown (no reservation is refused).
    pub memory_bytes: i64,
}

impl NodeInfo {
    /// A manager that counts towards quorum now (not down, not unreachable).
    pub fn is_reachable_manager(&self) -> bool {
        self.role == Role::Manager
            && self.state != NodeState::Down
            && self.reachability != Some(Reachability::Unreachable)
    }
}

/// The nodes of one Swarm, in the order given (which breaks the scheduler's ties).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Inventory {
    pub nodes: Vec<NodeInfo>,
}

impl Inventory {
    /// `--nodes N`: N identical active, ready nodes `node1`..`nodeN`; `node1` is the only
    /// manager and the leader (what `docker swarm init` on one node and `join` of the others
    /// as workers gives).
    pub fn identical(n: u32) -> Self {
        let nodes = (1..=n.max(1))
            .map(|i| {
                let name = format!("node{i}");
                NodeInfo {
                    id: name.clone(),
                    hostname: name,
                    role: if i == 1 { Role::Manager } else { Role::Worker },
                    leader: i == 1,
                    reachability: (i == 1).then_some(Reachability::Reachable),
                    os: "linux".to_owned(),
                    arch: "x86_64".to_owned(),
                    ..NodeInfo::default()
                }
            })
            .collect();
        Inventory { nodes }
    }

    /// Parses `docker node inspect` JSON (an array) or the TOML format; `name` is for errors.
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        // `[{…}]` or `[]` is JSON; `[[node]]` is a TOML table array.
        let json = trimmed
            .strip_prefix('[')
            .is_some_and(|rest| matches!(rest.trim_start().chars().next(), Some('{' | ']')));
        let inventory = if json {
            let nodes: Vec<EngineNode> = serde_json::from_str(trimmed)
                .map_err(|e| format!("{name}: not `docker node inspect` JSON: {e}"))?;
            Inventory {
                nodes: nodes.into_iter().map(EngineNode::into_info).collect(),
            }
        } else {
            let file: TomlFile =
                toml::from_str(text).map_err(|e| format!("{name}: {}", e.message().trim()))?;
            let mut nodes = Vec::new();
            for (i, node) in file.node.into_iter().enumerate() {
                nodes.push(
                    node.into_info()
                        .map_err(|e| format!("{name}: node {}: {e}", i + 1))?,
                );
            }
            Inventory { nodes }
        };
        inventory.validate().map_err(|e| format!("{name}: {e}"))?;
        Ok(inventory)
    }

    /// Checks what the rest of the model relies on: names unique, at most one leader, and
    /// the leader a manager.
    pub fn validate(&self) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("the inventory lists no node".to_owned());
        }
        let mut seen = std::collections::BTreeSet::new();
        for node in &self.nodes {
            if node.hostname.is_empty() {
                return Err(format!("node {:?} has no hostname", node.id));
            }
            if !seen.insert(node.hostname.as_str()) {
                return Err(format!("two nodes are named {:?}", node.hostname));
            }
            if node.leader && node.role != Role::Manager {
                return Err(format!("{} is the leader but not a manager", node.hostname));
            }
        }
        if self.nodes.iter().filter(|n| n.leader).count() > 1 {
            return Err("more than one node is the leader".to_owned());
        }
        Ok(())
    }

    /// The node with this hostname or ID (hostname first).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.hostname == name)
            .or_else(|| self.nodes.iter().position(|n| n.id == name))
    }
}

// ------------------------------------------------------------------- docker node inspect

/// `swarm.Node` as `docker node inspect` prints it (the members the model reads).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineNode {
    #[serde(rename = "ID")]
    id: String,
    spec: EngineNodeSpec,
    description: EngineDescription,
    status: EngineStatus,
    manager_status: Option<EngineManagerStatus>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineNodeSpec {
    #[serde(deserialize_with = "nullable_map")]
    labels: BTreeMap<String, String>,
    role: String,
    availability: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineDescription {
    hostname: String,
    platform: EnginePlatform,
    resources: EngineResources,
    engine: EngineEngine,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EnginePlatform {
    #[serde(rename = "Architecture")]
    architecture: String,
    #[serde(rename = "OS")]
    os: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineResources {
    #[serde(rename = "NanoCPUs")]
    nano_cpus: i64,
    memory_bytes: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineEngine {
    #[serde(deserialize_with = "nullable_map")]
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineStatus {
    state: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct EngineManagerStatus {
    leader: bool,
    reachability: String,
}

fn nullable_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

impl EngineNode {
    fn into_info(self) -> NodeInfo {
        let hostname = if self.description.hostname.is_empty() {
            self.id.clone()
        } else {
            self.description.hostname
        };
        let role = if self.spec.role.eq_ignore_ascii_case("manager") {
            Role::Manager
        } else {
            Role::Worker
        };
        NodeInfo {
            id: if self.id.is_empty() {
                hostname.clone()
            } else {
                self.id
            },
            hostname,
            role,
            availability: match self.spec.availability.to_ascii_lowercase().as_str() {
                "drain" => Availability::Drain,
                "pause" => Availability::Pause,
                _ => Availability::Active,
            },
            state: match self.status.state.to_ascii_lowercase().as_str() {
                "down" => NodeState::Down,
                "unknown" => NodeState::Unknown,
                "disconnected" => NodeState::Disconnected,
                _ => NodeState::Ready,
            },
            leader: self.manager_status.as_ref().is_some_and(|m| m.leader),
            reachability: match (&self.manager_status, role) {
                (Some(m), _) => Some(match m.reachability.to_ascii_lowercase().as_str() {
                    "unreachable" => Reachability::Unreachable,
                    "unknown" => Reachability::Unknown,
                    _ => Reachability::Reachable,
                }),
                (None, Role::Manager) => Some(Reachability::Unknown),
                (None, Role::Worker) => None,
            },
            labels: self.spec.labels,
            engine_labels: self.description.engine.labels,
            os: self.description.platform.os,
            arch: self.description.platform.architecture,
            nano_cpus: self.description.resources.nano_cpus,
            memory_bytes: self.description.resources.memory_bytes,
        }
    }
}

// -------------------------------------------------------------------------------- TOML

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TomlFile {
    node: Vec<TomlNode>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TomlNode {
    id: Option<String>,
    hostname: String,
    role: Role,
    leader: bool,
    availability: Availability,
    state: NodeState,
    reachability: Option<Reachability>,
    labels: BTreeMap<String, String>,
    engine_labels: BTreeMap<String, String>,
    os: Option<String>,
    arch: Option<String>,
    cpus: Option<f64>,
    memory: Option<TomlSize>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TomlSize {
    Bytes(i64),
    Text(String),
}

impl TomlNode {
    fn into_info(self) -> Result<NodeInfo, String> {
        if self.hostname.is_empty() {
            return Err("`hostname` is required".to_owned());
        }
        let nano_cpus = match self.cpus {
            None => 0,
            Some(c) if c.is_finite() && c > 0.0 => (c * 1e9).round() as i64,
            Some(c) => return Err(format!("cpus {c}: a positive number")),
        };
        let memory_bytes = match self.memory {
            None => 0,
            Some(TomlSize::Bytes(b)) if b > 0 => b,
            Some(TomlSize::Bytes(b)) => return Err(format!("memory {b}: a positive size")),
            Some(TomlSize::Text(t)) => {
                crate::units::parse_byte_size(&t).map_err(|e| format!("memory {t:?}: {e}"))?
            }
        };
        let manager = self.role == Role::Manager;
        Ok(NodeInfo {
            id: self.id.unwrap_or_else(|| self.hostname.clone()),
            hostname: self.hostname,
            role: self.role,
            availability: self.availability,
            state: self.state,
            leader: self.leader,
            reachability: if manager {
                Some(self.reachability.unwrap_or_default())
            } else {
                None
            },
            labels: self.labels,
            engine_labels: self.engine_labels,
            os: self.os.unwrap_or_else(|| "linux".to_owned()),
            arch: self.arch.unwrap_or_else(|| "x86_64".to_owned()),
            nano_cpus,
            memory_bytes,
        })
    }
}
