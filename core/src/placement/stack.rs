//! A stack on a node inventory: where each service's tasks run, the room each one has for
//! new tasks (what the rollout simulator is limited to), and where rolling updates put them.

use super::inventory::Inventory;
use super::maintenance::{self, NodeRow, Pending, ServiceInput};
use super::rollout::{self, RolloutPlacement};
use super::scheduler::{Cluster, Demand};
use crate::rollout::PlacementLimit;
use crate::swarm;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One service on the inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ServicePlacement {
    /// `global` or `replicated`.
    pub mode: String,
    /// Running tasks per node now (or, for a new stack, once deployed).
    pub tasks: BTreeMap<String, u32>,
    /// Tasks no node takes, with Swarm's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Nodes its (desired) spec may run on: ready, active, constraints and platform met.
    pub eligible_nodes: Vec<String>,
    /// Per simulated scenario of a rolling update: where the new tasks land.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollouts: Vec<RolloutPlacement>,
}

/// The stack on the inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StackPlacement {
    pub nodes: Vec<NodeRow>,
    pub services: BTreeMap<String, ServicePlacement>,
}

/// The services of a stack, as the placement model sees them.
pub struct StackServices {
    /// What runs now (or is deployed first): the current spec if any, else the desired.
    pub current: Vec<ServiceInput>,
    /// The desired spec of each service still in the stack.
    pub desired: BTreeMap<String, Demand>,
}

/// Demands of `specs` (stack key, spec), with the force-update time of each.
pub fn inputs(
    specs: &[(String, &swarm::ServiceSpec)],
    force_update_s: &dyn Fn(&swarm::ServiceSpec) -> Option<f64>,
) -> Result<Vec<ServiceInput>, String> {
    let mut out = Vec::new();
    for (key, spec) in specs {
        out.push(ServiceInput {
            demand: Demand::of_spec(key, spec).map_err(|e| format!("{key}: {e}"))?,
            parallelism: spec.update_config.as_ref().map_or(1, |u| u.parallelism),
            force_update_s: force_update_s(spec),
        });
    }
    Ok(out)
}

/// Nodes a global service's spec runs on.
pub fn global_nodes(inventory: &Inventory, demand: &Demand) -> u32 {
    inventory
        .nodes
        .iter()
        .filter(|n| demand.wants_global_task(n))
        .count() as u32
}

/// Nodes that take new replicated tasks (ready and active), at least 1.
pub fn active_nodes(inventory: &Inventory) -> u32 {
    let n = inventory
        .nodes
        .iter()
        .filter(|n| {
            n.state == super::NodeState::Ready && n.availability == super::Availability::Active
        })
        .count();
    u32::try_from(n).unwrap_or(u32::MAX).max(1)
}

/// The room `cluster` has for `to`'s tasks once the service's own tasks are gone; `None`
/// when every replica fits.
pub fn limit(cluster: &Cluster, current: Option<&Demand>, to: &Demand) -> Option<PlacementLimit> {
    if to.global {
        return None;
    }
    let mut probe = cluster.clone();
    if let Some(current) = current {
        for i in 0..probe.len() {
            for _ in 0..cluster.count(i, &current.service) {
                probe.remove(i, current);
            }
        }
    }
    let mut placed = 0;
    while placed < to.replicas {
        match probe.pick(to) {
            Ok(i) => {
                probe.add(i, to);
                placed += 1;
            }
            Err(reason) => {
                return Some(PlacementLimit {
                    placeable: placed,
                    reason,
                });
            }
        }
    }
    None
}

/// The node of each slot of `service`'s running tasks: replicated slots fill the nodes in
/// inventory order; a global service's slots are its nodes in order.
pub fn slot_nodes(cluster: &Cluster, service: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for i in 0..cluster.len() {
        for _ in 0..cluster.count(i, service) {
            out.push(i);
        }
    }
    out
}

/// The placement section: tasks per node, pending, eligible nodes, and a replay of every
/// rolling update's simulations.
pub fn placement(
    cluster: &Cluster,
    pending: &BTreeMap<String, Pending>,
    services: &StackServices,
    plan: &crate::plan::Plan,
) -> StackPlacement {
    let state_nodes = (0..cluster.len())
        .map(|i| {
            let n = cluster.node(i);
            NodeRow {
                hostname: n.hostname.clone(),
                role: n.role,
                availability: n.availability,
                state: n.state,
                leader: n.leader && n.is_reachable_manager(),
                tasks: services
                    .current
                    .iter()
                    .map(|s| cluster.count(i, &s.demand.service))
                    .sum(),
            }
        })
        .collect();
    let mut out = BTreeMap::new();
    let keys: std::collections::BTreeSet<&String> = services
        .desired
        .keys()
        .chain(services.current.iter().map(|s| &s.demand.service))
        .collect();
    for key in keys {
        let current = services.current.iter().find(|s| &s.demand.service == key);
        let desired = services.desired.get(key);
        let Some(demand) = desired.or(current.map(|c| &c.demand)) else {
            continue;
        };
        let mut probe = cluster.clone();
        if let Some(c) = current {
            for i in 0..probe.len() {
                for _ in 0..cluster.count(i, key) {
                    probe.remove(i, &c.demand);
                }
            }
        }
        let eligible: Vec<String> = if demand.global {
            (0..probe.len())
                .filter(|&i| demand.wants_global_task(probe.node(i)))
                .map(|i| probe.node(i).hostname.clone())
                .collect()
        } else {
            let mut unlimited = demand.clone();
            unlimited.max_per_node = 0;
            probe
                .eligible(&unlimited)
                .into_iter()
                .map(|i| probe.node(i).hostname.clone())
                .collect()
        };
        let mut rollouts = Vec::new();
        if let (Some(c), Some(to)) = (current, desired)
            && let Some(sp) = plan.services.iter().find(|s| &s.name == key)
        {
            let slots = slot_nodes(cluster, key);
            for sim in &sp.simulations {
                if let crate::plan::SimulationResult::Plan(p) = &sim.result {
                    rollouts.push(rollout::replay(
                        cluster,
                        &sim.scenario,
                        &c.demand,
                        to,
                        &slots,
                        p,
                    ));
                }
            }
        }
        out.insert(
            key.clone(),
            ServicePlacement {
                mode: if demand.global {
                    "global"
                } else {
                    "replicated"
                }
                .to_owned(),
                tasks: cluster.counts(key),
                pending: pending.get(key).cloned(),
                eligible_nodes: eligible,
                rollouts,
            },
        );
    }
    StackPlacement {
        nodes: state_nodes,
        services: out,
    }
}

/// Places the current services (or takes `tasks`), as [`maintenance::initial_cluster`].
pub fn initial(
    inventory: &Inventory,
    services: &StackServices,
    tasks: Option<&BTreeMap<String, BTreeMap<String, u32>>>,
) -> Result<(Cluster, BTreeMap<String, Pending>), String> {
    maintenance::initial_cluster(Cluster::new(inventory.clone()), &services.current, tasks)
}
