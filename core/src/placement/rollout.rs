//! Where a rolling update's (or rollback's) new tasks land: the simulator's timeline
//! ([`crate::rollout`]) replayed through the scheduler model over the node inventory.
//!
//! Replayed per event: a task told to stop stops counting for spreading at once and frees
//! its port and reservations when it ends; a new task is placed when the simulator places
//! it (at creation, or when a port it waited for is free). A global task lands on its
//! slot's node. Tasks the simulator never places (no room: [`super::rollout_limit`]) are
//! reported pending with Swarm's message.

use super::maintenance::Pending;
use super::scheduler::{Cluster, Demand};
use crate::rollout::{Creator, EventKind, RolloutPlan, SpecSide};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// New tasks the updater created in one instant, and their nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Wave {
    pub at_ms: u64,
    /// The nodes of its tasks, one entry per task (a node can appear twice).
    pub nodes: Vec<String>,
}

/// Where one simulated rollout's tasks land.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RolloutPlacement {
    pub scenario: String,
    /// Tasks of the service per node before the update.
    pub before: BTreeMap<String, u32>,
    /// The updater's new tasks, grouped by the instant they were created.
    pub waves: Vec<Wave>,
    /// Tasks of the service per node at the end of the simulation (not told to stop).
    pub after: BTreeMap<String, u32>,
    /// New tasks no node takes: the update hangs in `updating` on them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// A new task the simulator placed but no node could take at that moment, and the
    /// `to` tasks holding a node then: the simulation must be re-run with that limit.
    #[serde(skip)]
    pub conflict: Option<crate::rollout::PlacementLimit>,
}

/// Replays `plan` over `cluster` (which holds the service's running tasks, `from` spec).
/// `slot_nodes[slot - 1]` is the node of each initial slot.
pub fn replay(
    cluster: &Cluster,
    scenario: &str,
    from: &Demand,
    to: &Demand,
    slot_nodes: &[usize],
    plan: &RolloutPlan,
) -> RolloutPlacement {
    let mut cluster = cluster.clone();
    let service = from.service.as_str();
    let before = cluster.counts(service);
    // Task label → (node, spec side, still counted).
    let mut at: HashMap<String, (usize, SpecSide, bool)> = HashMap::new();
    for task in &plan.tasks {
        if task.created_by == Creator::Initial
            && let Some(&node) = slot_nodes.get(task.slot.saturating_sub(1) as usize)
        {
            at.insert(task.task.to_string(), (node, SpecSide::From, true));
        }
    }
    // Tasks that wait in pending first (placed later or never).
    let pended: BTreeSet<String> = plan
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskPending { task, .. } => Some(task.to_string()),
            _ => None,
        })
        .collect();
    let mut created: BTreeMap<String, (u32, SpecSide, Creator, u64)> = BTreeMap::new();
    let mut waves: Vec<Wave> = Vec::new();
    let mut pending: Option<Pending> = None;
    let demand = |side: SpecSide| if side == SpecSide::To { to } else { from };
    let mut conflict: Option<crate::rollout::PlacementLimit> = None;
    let mut place = |cluster: &mut Cluster,
                     at: &mut HashMap<String, (usize, SpecSide, bool)>,
                     waves: &mut Vec<Wave>,
                     label: &str,
                     (slot, side, by, when): (u32, SpecSide, Creator, u64)| {
        let d = demand(side);
        let node = if d.global {
            slot_nodes.get(slot.saturating_sub(1) as usize).copied()
        } else {
            match cluster.pick(d) {
                Ok(node) => Some(node),
                Err(reason) => {
                    if side == SpecSide::To && conflict.is_none() {
                        let holding = at.values().filter(|(_, s, _)| *s == SpecSide::To).count();
                        conflict = Some(crate::rollout::PlacementLimit {
                            placeable: u32::try_from(holding).unwrap_or(u32::MAX),
                            reason,
                        });
                    }
                    None
                }
            }
        };
        if let Some(node) = node {
            cluster.add(node, d);
            at.insert(label.to_owned(), (node, side, true));
            if by == Creator::Updater {
                let host = cluster.node(node).hostname.clone();
                match waves.last_mut() {
                    Some(w) if w.at_ms == when => w.nodes.push(host),
                    _ => waves.push(Wave {
                        at_ms: when,
                        nodes: vec![host],
                    }),
                }
            }
        }
    };
    // The scheduler runs after the store changes of an instant are in: a stop-first worker
    // creates the new task and shuts the old one down in one batch, so the old one no
    // longer counts when the new one is placed. Per instant: stops and ends first.
    let mut i = 0;
    while i < plan.events.len() {
        let now = plan.events[i].at_ms;
        let mut j = i;
        while j < plan.events.len() && plan.events[j].at_ms == now {
            j += 1;
        }
        let group = &plan.events[i..j];
        for event in group {
            match &event.kind {
                EventKind::TaskStopRequested { task, .. } => {
                    if let Some((node, _, counted)) = at.get_mut(task.as_str())
                        && *counted
                    {
                        cluster.stop(*node, service);
                        *counted = false;
                    }
                }
                EventKind::TaskEnded { task, .. } => {
                    if let Some((node, side, counted)) = at.remove(task.as_str()) {
                        if counted {
                            cluster.stop(node, service);
                        }
                        cluster.release(node, demand(side));
                    }
                }
                _ => {}
            }
        }
        for event in group {
            match &event.kind {
                EventKind::TaskCreated {
                    task,
                    slot,
                    spec,
                    by,
                    ..
                } => {
                    let info = (*slot, *spec, *by, event.at_ms);
                    let label = task.to_string();
                    if pended.contains(&label) {
                        created.insert(label, info);
                    } else {
                        place(&mut cluster, &mut at, &mut waves, &label, info);
                    }
                }
                EventKind::TaskPlaced { task } => {
                    let label = task.to_string();
                    if let Some(info) = created.remove(&label) {
                        place(&mut cluster, &mut at, &mut waves, &label, info);
                    }
                }
                _ => {}
            }
        }
        i = j;
    }
    for (label, (_, side, _, _)) in &created {
        let reason = plan
            .events
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::TaskPending { task, reason } if task.as_str() == label => {
                    Some(reason.clone())
                }
                _ => None,
            })
            .unwrap_or_default();
        if *side == SpecSide::To {
            let p = pending.get_or_insert(Pending {
                tasks: 0,
                reason: reason.clone(),
            });
            p.tasks += 1;
            p.reason = reason;
        }
    }
    RolloutPlacement {
        scenario: scenario.to_owned(),
        before,
        waves,
        after: cluster.counts(service),
        pending,
        conflict,
    }
}
