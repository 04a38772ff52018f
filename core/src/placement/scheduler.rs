//! A model of swarmkit's scheduler (moby/swarmkit `manager/scheduler`): which node a new task
//! of a service lands on, or why it stays pending.
//!
//! Facts modelled (read from swarmkit's sources, not copied):
//! - Filters, in swarmkit's order, the first failing one counted per node (`Pipeline.Process`):
//!   ready and active (`ReadyFilter`), reservations within the node's free CPUs and memory
//!   (`ResourceFilter`), constraints (`ConstraintFilter`: `node.id`, `node.hostname`,
//!   `node.role`, `node.platform.os`/`.arch`, `node.labels.*`, `engine.labels.*`, `==`/`!=`,
//!   case-insensitive values), platforms (`PlatformFilter`), host-mode published ports, one
//!   holder per node and port (`HostPortFilter`), `max_replicas_per_node`
//!   (`MaxReplicasFilter`). A task no node passes stays pending with
//!   `no suitable node (<explanations, most failures first>)`.
//! - Among the nodes that pass: spread over each placement preference's label values first
//!   (the value with the fewest tasks of the service), then the node with the fewest tasks of
//!   the service, then the fewest tasks in total (`scheduleTaskGroup`'s `nodeLess`). Tasks
//!   told to shut down no longer count (`NodeInfo.addTask`), but keep their port and
//!   reservations until they have exited.
//! - Global services: one task per node that is ready, not drained and meets the constraints
//!   (the global orchestrator's node set); such a task is pinned and only that node is
//!   checked (`taskFitNode`), so its pending message carries no "no suitable node".
//!
//! Deliberate simplifications: swarmkit breaks ties by map order (random); here the node
//! listed first wins. Tasks are placed one at a time (swarmkit places a batch of equal tasks
//! in one pass, which can put two tasks of one wave on one node when the nodes tie). The
//! recent-failures down-weighting (`maxFailures`) and generic resources are not modelled.

use super::inventory::{Availability, Inventory, NodeInfo, NodeState, Role};
use crate::swarm;
use std::collections::{BTreeMap, BTreeSet};

/// One placement constraint (`node.labels.zone==a`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    key: String,
    equal: bool,
    value: String,
}

impl Constraint {
    /// Parses one constraint as swarmkit does: `key==value` or `key!=value`.
    pub fn parse(text: &str) -> Result<Self, String> {
        for (op, equal) in [("==", true), ("!=", false)] {
            if let Some((key, value)) = text.split_once(op) {
                let key = key.trim();
                let value = value.trim();
                if key.is_empty() || value.is_empty() {
                    return Err(format!("constraint {text:?}: key and value required"));
                }
                return Ok(Constraint {
                    key: key.to_owned(),
                    equal,
                    value: value.to_owned(),
                });
            }
        }
        Err(format!(
            "constraint {text:?}: expected one operator from ==, !="
        ))
    }

    /// Whether `node` satisfies it (`constraint.NodeMatches`).
    pub fn matches(&self, node: &NodeInfo) -> bool {
        let key = self.key.to_ascii_lowercase();
        let role = match node.role {
            Role::Manager => "manager",
            Role::Worker => "worker",
        };
        let what: String = match key.as_str() {
            "node.id" => node.id.clone(),
            "node.hostname" => node.hostname.clone(),
            "node.role" => role.to_owned(),
            "node.platform.os" => node.os.clone(),
            "node.platform.arch" => node.arch.clone(),
            _ if key.starts_with("node.labels.") && key.len() > "node.labels.".len() => node
                .labels
                .get(&self.key["node.labels.".len()..])
                .cloned()
                .unwrap_or_default(),
            _ if key.starts_with("engine.labels.") && key.len() > "engine.labels.".len() => node
                .engine_labels
                .get(&self.key["engine.labels.".len()..])
                .cloned()
                .unwrap_or_default(),
            // swarmkit ignores keys it does not know (node.ip is not modelled).
            _ => return true,
        };
        what.eq_ignore_ascii_case(&self.value) == self.equal
    }
}

/// What one service asks of the scheduler.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    /// The service's name (the stack key in a plan).
    pub service: String,
    pub global: bool,
    /// Replicas (replicated services).
    pub replicas: u32,
    pub constraints: Vec<Constraint>,
    /// `Placement.Preferences[].Spread.SpreadDescriptor`, in order.
    pub spread: Vec<String>,
    /// `Placement.MaxReplicas` (0: no limit).
    pub max_per_node: u64,
    pub nano_cpus: i64,
    pub memory_bytes: i64,
    /// Host-mode published ports: (protocol, port).
    pub host_ports: Vec<(String, u32)>,
    /// `Placement.Platforms`: (os, arch); empty: any.
    pub platforms: Vec<(String, String)>,
}

impl Demand {
    /// The demand of an Engine service spec (as `docker stack deploy` sends it).
    pub fn of_spec(service: &str, spec: &swarm::ServiceSpec) -> Result<Self, String> {
        let template = &spec.task_template;
        let placement = template.placement.clone().unwrap_or_default();
        let mut constraints = Vec::new();
        for c in &placement.constraints {
            constraints.push(Constraint::parse(c)?);
        }
        let reservations = template
            .resources
            .as_ref()
            .and_then(|r| r.reservations.clone())
            .unwrap_or_default();
        let host_ports = spec
            .endpoint_spec
            .as_ref()
            .map(|e| {
                e.ports
                    .iter()
                    .filter(|p| p.publish_mode == "host" && p.published_port != 0)
                    .map(|p| {
                        let proto = if p.protocol.is_empty() {
                            "tcp".to_owned()
                        } else {
                            p.protocol.clone()
                        };
                        (proto, p.published_port)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let global = spec.mode.global.is_some();
        let replicas = spec
            .mode
            .replicated
            .as_ref()
            .and_then(|r| r.replicas)
            .unwrap_or(1);
        Ok(Demand {
            service: service.to_owned(),
            global,
            replicas: u32::try_from(replicas).unwrap_or(u32::MAX),
            constraints,
            spread: placement
                .preferences
                .iter()
                .filter_map(|p| p.spread.as_ref().map(|s| s.spread_descriptor.clone()))
                .collect(),
            max_per_node: placement.max_replicas,
            nano_cpus: reservations.nano_cpus,
            memory_bytes: reservations.memory_bytes,
            host_ports,
            platforms: placement
                .platforms
                .iter()
                .map(|p| (p.os.clone(), p.architecture.clone()))
                .collect(),
        })
    }

    /// A replicated demand with no placement rules (tests, `--nodes N` sketches).
    pub fn replicated(service: &str, replicas: u32) -> Self {
        Demand {
            service: service.to_owned(),
            global: false,
            replicas,
            constraints: Vec::new(),
            spread: Vec::new(),
            max_per_node: 0,
            nano_cpus: 0,
            memory_bytes: 0,
            host_ports: Vec::new(),
            platforms: Vec::new(),
        }
    }

    fn platform_ok(&self, node: &NodeInfo) -> bool {
        self.platforms.is_empty()
            || self.platforms.iter().any(|(os, arch)| {
                (os.is_empty() || os.eq_ignore_ascii_case(&node.os))
                    && (arch.is_empty() || arch_matches(arch, &node.arch))
            })
    }

    /// Whether the global orchestrator creates a task of this service on `node`: ready,
    /// active (a paused node keeps its task but gets no new one; a drained one loses it)
    /// and meeting the constraints.
    pub fn wants_global_task(&self, node: &NodeInfo) -> bool {
        node.state == NodeState::Ready
            && node.availability == Availability::Active
            && self.constraints.iter().all(|c| c.matches(node))
    }
}

/// `x86_64` and `amd64`, `aarch64` and `arm64` are the same architecture to the scheduler.
fn arch_matches(a: &str, b: &str) -> bool {
    let norm = |s: &str| match s.to_ascii_lowercase().as_str() {
        "x86_64" | "amd64" => "amd64".to_owned(),
        "aarch64" | "arm64" => "arm64".to_owned(),
        other => other.to_owned(),
    };
    norm(a) == norm(b)
}

/// The scheduler's view of one node: what runs there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Load {
    by_service: BTreeMap<String, u32>,
    total: u32,
    nano_cpus: i64,
    memory_bytes: i64,
    ports: BTreeSet<(String, u32)>,
}

/// Filters in swarmkit's order, with their `Explain` texts.
const FILTERS: [(&str, &str); 6] = [
    (
        "node not available for new tasks",
        "nodes not available for new tasks",
    ),
    (
        "insufficient resources on 1 node",
        "insufficient resources on {} nodes",
    ),
    (
        "scheduling constraints not satisfied on 1 node",
        "scheduling constraints not satisfied on {} nodes",
    ),
    (
        "unsupported platform on 1 node",
        "unsupported platform on {} nodes",
    ),
    (
        "host-mode port already in use on 1 node",
        "host-mode port already in use on {} nodes",
    ),
    (
        "max replicas per node limit exceed",
        "max replicas per node limit exceed",
    ),
];

fn explain_filter(index: usize, nodes: usize) -> String {
    let (one, many) = FILTERS[index];
    if index == 0 {
        return if nodes == 1 {
            "1 node not available for new tasks".to_owned()
        } else {
            format!("{nodes} {many}")
        };
    }
    if nodes == 1 {
        one.to_owned()
    } else {
        many.replace("{}", &nodes.to_string())
    }
}

/// The nodes and what runs on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub inventory: Inventory,
    loads: Vec<Load>,
}

impl Cluster {
    /// An inventory with nothing running.
    pub fn new(inventory: Inventory) -> Self {
        let loads = vec![Load::default(); inventory.nodes.len()];
        Cluster { inventory, loads }
    }

    pub fn node(&self, index: usize) -> &NodeInfo {
        &self.inventory.nodes[index]
    }

    pub fn node_mut(&mut self, index: usize) -> &mut NodeInfo {
        &mut self.inventory.nodes[index]
    }

    pub fn len(&self) -> usize {
        self.inventory.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inventory.nodes.is_empty()
    }

    /// Tasks of `service` on node `index` that count for spreading.
    pub fn count(&self, index: usize, service: &str) -> u32 {
        self.loads[index]
            .by_service
            .get(service)
            .copied()
            .unwrap_or(0)
    }

    /// Tasks of `service` per hostname (nodes without any left out).
    pub fn counts(&self, service: &str) -> BTreeMap<String, u32> {
        (0..self.len())
            .filter_map(|i| {
                let n = self.count(i, service);
                (n > 0).then(|| (self.node(i).hostname.clone(), n))
            })
            .collect()
    }

    /// A task of `demand` now runs on node `index`.
    pub fn add(&mut self, index: usize, demand: &Demand) {
        let load = &mut self.loads[index];
        *load.by_service.entry(demand.service.clone()).or_insert(0) += 1;
        load.total += 1;
        load.nano_cpus += demand.nano_cpus;
        load.memory_bytes += demand.memory_bytes;
        load.ports.extend(demand.host_ports.iter().cloned());
    }

    /// A task of `demand` on node `index` is gone (told to stop and exited).
    pub fn remove(&mut self, index: usize, demand: &Demand) {
        if self.stop(index, &demand.service) {
            self.release(index, demand);
        }
    }

    /// A task of `service` on node `index` is told to shut down: it no longer counts for
    /// spreading (`NodeInfo.addTask` with desired state > COMPLETED), but keeps its port and
    /// reservations until it has exited. False when the node had none counted.
    pub fn stop(&mut self, index: usize, service: &str) -> bool {
        let load = &mut self.loads[index];
        match load.by_service.get_mut(service) {
            Some(n) if *n > 0 => {
                *n -= 1;
                if *n == 0 {
                    load.by_service.remove(service);
                }
                load.total = load.total.saturating_sub(1);
                true
            }
            _ => false,
        }
    }

    /// A stopped task of `demand` on node `index` has exited: its port and reservations are
    /// free (`Scheduler.updateTask`: observed state > RUNNING).
    pub fn release(&mut self, index: usize, demand: &Demand) {
        let load = &mut self.loads[index];
        load.nano_cpus -= demand.nano_cpus;
        load.memory_bytes -= demand.memory_bytes;
        for port in &demand.host_ports {
            load.ports.remove(port);
        }
    }

    /// The first filter `node` fails for a new task of `demand`, if any.
    fn failed_filter(&self, index: usize, demand: &Demand) -> Option<usize> {
        let node = self.node(index);
        let load = &self.loads[index];
        if node.state != NodeState::Ready || node.availability != Availability::Active {
            return Some(0);
        }
        let cpu_short = node.nano_cpus > 0
            && demand.nano_cpus > 0
            && demand.nano_cpus > node.nano_cpus - load.nano_cpus;
        let mem_short = node.memory_bytes > 0
            && demand.memory_bytes > 0
            && demand.memory_bytes > node.memory_bytes - load.memory_bytes;
        if cpu_short || mem_short {
            return Some(1);
        }
        if !demand.constraints.iter().all(|c| c.matches(node)) {
            return Some(2);
        }
        if !demand.platform_ok(node) {
            return Some(3);
        }
        if demand.host_ports.iter().any(|p| load.ports.contains(p)) {
            return Some(4);
        }
        if demand.max_per_node > 0
            && u64::from(self.count(index, &demand.service)) >= demand.max_per_node
        {
            return Some(5);
        }
        None
    }

    fn explanation(failures: &[usize; 6]) -> String {
        let mut order: Vec<usize> = (0..6).filter(|&i| failures[i] > 0).collect();
        order.sort_by(|a, b| failures[*b].cmp(&failures[*a]).then(a.cmp(b)));
        order
            .iter()
            .map(|&i| explain_filter(i, failures[i]))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The node a new replicated task of `demand` lands on, or Swarm's pending message.
    pub fn pick(&self, demand: &Demand) -> Result<usize, String> {
        let mut failures = [0usize; 6];
        let mut candidates = Vec::new();
        for i in 0..self.len() {
            match self.failed_filter(i, demand) {
                Some(f) => failures[f] += 1,
                None => candidates.push(i),
            }
        }
        if candidates.is_empty() {
            let explanation = Self::explanation(&failures);
            return Err(if explanation.is_empty() {
                "no suitable node".to_owned()
            } else {
                format!("no suitable node ({explanation})")
            });
        }
        // Placement preferences: per level, the tasks of the service over every node whose
        // label values so far are the same (swarmkit's decision tree counts all nodes).
        let value = |i: usize, descriptor: &str| -> String {
            let node = self.node(i);
            let lower = descriptor.to_ascii_lowercase();
            if lower.starts_with("node.labels.") {
                node.labels
                    .get(&descriptor["node.labels.".len()..])
                    .cloned()
                    .unwrap_or_default()
            } else if lower.starts_with("engine.labels.") {
                node.engine_labels
                    .get(&descriptor["engine.labels.".len()..])
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        let key = |i: usize| -> (Vec<u32>, u32, u32, usize) {
            let mut levels = Vec::new();
            for depth in 1..=demand.spread.len() {
                let mine: Vec<String> =
                    demand.spread[..depth].iter().map(|d| value(i, d)).collect();
                let tasks: u32 = (0..self.len())
                    .filter(|&j| {
                        demand.spread[..depth]
                            .iter()
                            .map(|d| value(j, d))
                            .eq(mine.iter().cloned())
                    })
                    .map(|j| self.count(j, &demand.service))
                    .sum();
                levels.push(tasks);
            }
            (
                levels,
                self.count(i, &demand.service),
                self.loads[i].total,
                i,
            )
        };
        Ok(candidates
            .into_iter()
            .min_by_key(|&i| key(i))
            .unwrap_or_default())
    }

    /// Whether a pinned (global) task fits node `index`; the pending message otherwise.
    pub fn fits_pinned(&self, index: usize, demand: &Demand) -> Result<(), String> {
        match self.failed_filter(index, demand) {
            None => Ok(()),
            Some(f) => Err(explain_filter(f, 1)),
        }
    }

    /// Nodes that can take a new task of `demand` now (ignoring what it already runs there
    /// beyond `max_replicas_per_node`).
    pub fn eligible(&self, demand: &Demand) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.failed_filter(i, demand).is_none())
            .collect()
    }
}

/// Where the tasks of each service run, and the ones no node takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placed {
    /// Pending tasks per service, with Swarm's message.
    pub pending: BTreeMap<String, (u32, String)>,
}

/// Places `demands` on an empty cluster, service by service in the given order, as a fresh
/// `docker stack deploy` would.
pub fn place_all(cluster: &mut Cluster, demands: &[Demand]) -> Placed {
    let mut placed = Placed::default();
    for demand in demands {
        if demand.global {
            for i in 0..cluster.len() {
                if !demand.wants_global_task(cluster.node(i)) {
                    continue;
                }
                match cluster.fits_pinned(i, demand) {
                    Ok(()) => cluster.add(i, demand),
                    Err(reason) => note_pending(&mut placed, &demand.service, reason),
                }
            }
        } else {
            for _ in 0..demand.replicas {
                match cluster.pick(demand) {
                    Ok(i) => cluster.add(i, demand),
                    Err(reason) => note_pending(&mut placed, &demand.service, reason),
                }
            }
        }
    }
    placed
}

fn note_pending(placed: &mut Placed, service: &str, reason: String) {
    let entry = placed
        .pending
        .entry(service.to_owned())
        .or_insert((0, String::new()));
    entry.0 += 1;
    entry.1 = reason;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::inventory::Inventory;

    #[test]
    fn replicas_spread_over_the_nodes_with_the_fewest_tasks() {
        let mut cluster = Cluster::new(Inventory::identical(5));
        let web = Demand::replicated("web", 6);
        let placed = place_all(&mut cluster, &[web]);
        assert!(placed.pending.is_empty());
        let mut counts: Vec<u32> = cluster.counts("web").values().copied().collect();
        counts.sort_unstable();
        assert_eq!(counts, vec![1, 1, 1, 1, 2]);
    }

    #[test]
    fn constraints_and_max_replicas_leave_tasks_pending_with_swarms_message() {
        let mut inventory = Inventory::identical(3);
        inventory.nodes[2].labels.insert("zone".into(), "b".into());
        let mut cluster = Cluster::new(inventory);
        let mut db = Demand::replicated("db", 3);
        db.constraints = vec![Constraint::parse("node.labels.zone == b").unwrap()];
        db.max_per_node = 1;
        let placed = place_all(&mut cluster, &[db]);
        assert_eq!(cluster.counts("db"), BTreeMap::from([("node3".into(), 1)]));
        assert_eq!(
            placed.pending.get("db"),
            Some(&(
                2,
                "no suitable node (scheduling constraints not satisfied on 2 nodes; max replicas per node limit exceed)".to_owned()
            ))
        );
    }

    #[test]
    fn a_host_mode_port_takes_one_task_per_node() {
        let mut cluster = Cluster::new(Inventory::identical(2));
        let mut edge = Demand::replicated("edge", 3);
        edge.host_ports = vec![("tcp".into(), 8080)];
        let placed = place_all(&mut cluster, &[edge]);
        assert_eq!(cluster.counts("edge").len(), 2);
        assert_eq!(
            placed.pending.get("edge").map(|p| p.1.as_str()),
            Some("no suitable node (host-mode port already in use on 2 nodes)")
        );
    }

    #[test]
    fn spread_preferences_balance_label_values_before_nodes() {
        let mut inventory = Inventory::identical(3);
        for (i, zone) in ["a", "a", "b"].iter().enumerate() {
            inventory.nodes[i]
                .labels
                .insert("zone".into(), (*zone).into());
        }
        let mut cluster = Cluster::new(inventory);
        let mut api = Demand::replicated("api", 4);
        api.spread = vec!["node.labels.zone".into()];
        place_all(&mut cluster, &[api]);
        // Two per zone: zone b's only node takes two.
        assert_eq!(cluster.counts("api").get("node3"), Some(&2));
    }

    #[test]
    fn global_services_skip_drained_and_down_nodes() {
        let mut inventory = Inventory::identical(4);
        inventory.nodes[1].availability = Availability::Drain;
        inventory.nodes[2].state = NodeState::Down;
        inventory.nodes[3].availability = Availability::Pause;
        let mut cluster = Cluster::new(inventory);
        let mut edge = Demand::replicated("edge", 0);
        edge.global = true;
        place_all(&mut cluster, &[edge]);
        // Paused: no new task (an existing one would keep running).
        assert_eq!(
            cluster.counts("edge").keys().cloned().collect::<Vec<_>>(),
            vec!["node1".to_owned()]
        );
    }

    #[test]
    fn reservations_beyond_a_nodes_resources_are_insufficient_resources() {
        let mut inventory = Inventory::identical(2);
        for n in &mut inventory.nodes {
            n.nano_cpus = 2_000_000_000;
        }
        let mut cluster = Cluster::new(inventory);
        let mut big = Demand::replicated("big", 3);
        big.nano_cpus = 1_500_000_000;
        let placed = place_all(&mut cluster, &[big]);
        assert_eq!(
            placed.pending.get("big").map(|p| p.1.as_str()),
            Some("no suitable node (insufficient resources on 2 nodes)")
        );
    }
}
