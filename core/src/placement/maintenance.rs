//! Maintenance previews: what `docker node update --availability drain|active`, a node's
//! power loss, `docker node promote` and `docker node demote` do to a stack's tasks and to
//! the control plane, step by step, with the times measured on the five-node test bed.
//!
//! Facts modelled (swarm-rollout-semantics.md §9, swarmkit's orchestrators, measured in
//! `docs/fidelity/cluster/measured.json`):
//! - **Drain**: a replicated service's tasks on the node are shut down and replaced in their
//!   slots; the scheduler places the replacements on the other nodes (fewest tasks of the
//!   service first). A global service's task there is shut down, not replaced. A drained
//!   manager keeps its Raft vote and can stay leader.
//! - **Activate**: global services get their task back; replicated ones do not move (no
//!   automatic rebalance: the scheduler only places new tasks).
//! - **Power loss** (`node_down`): the node's containers die with it. The managers mark it
//!   Down once its heartbeats expire and then reschedule its replicated tasks; a leader's
//!   loss first needs an election. Without quorum nothing is rescheduled and no API call
//!   that writes works ("The swarm does not have a leader"); running tasks elsewhere keep
//!   running.
//! - **Promote / demote**: the manager count changes; swarmkit refuses a demotion that would
//!   lose quorum and the demotion of the last manager.
//! - Quorum = ⌊managers / 2⌋ + 1 reachable managers; failures tolerated = ⌊(managers − 1) / 2⌋.

use super::inventory::{Availability, NodeState, Reachability, Role};
use super::measured::{self, Measured};
use super::scheduler::{Cluster, Demand};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One maintenance operation on a node (by hostname or ID).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MaintenanceStep {
    /// `docker node update --availability drain NODE`.
    Drain(String),
    /// `docker node update --availability active NODE`.
    Activate(String),
    /// The node loses power (or its network): its tasks die with it.
    NodeDown(String),
    /// `docker node promote NODE`.
    Promote(String),
    /// `docker node demote NODE`.
    Demote(String),
}

impl MaintenanceStep {
    pub fn node(&self) -> &str {
        match self {
            MaintenanceStep::Drain(n)
            | MaintenanceStep::Activate(n)
            | MaintenanceStep::NodeDown(n)
            | MaintenanceStep::Promote(n)
            | MaintenanceStep::Demote(n) => n,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            MaintenanceStep::Drain(_) => "drain",
            MaintenanceStep::Activate(_) => "activate",
            MaintenanceStep::NodeDown(_) => "node down",
            MaintenanceStep::Promote(_) => "promote",
            MaintenanceStep::Demote(_) => "demote",
        }
    }
}

/// One service as the preview sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceInput {
    pub demand: Demand,
    /// `UpdateConfig.Parallelism` (0: all at once).
    pub parallelism: u64,
    /// How long `docker service update --force` takes for it (the rollout simulator's
    /// healthy run), seconds.
    pub force_update_s: Option<f64>,
}

/// Raft's view: managers, quorum, leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ControlPlane {
    pub managers: u32,
    /// Managers up and reachable.
    pub reachable: u32,
    /// Reachable managers needed for a leader: ⌊managers / 2⌋ + 1.
    pub quorum: u32,
    /// Manager failures the swarm survives: ⌊(managers − 1) / 2⌋.
    pub tolerates: u32,
    /// The leader's hostname (none without quorum).
    pub leader: Option<String>,
    /// Managers, in inventory order.
    pub manager_nodes: Vec<String>,
}

impl ControlPlane {
    pub fn has_quorum(&self) -> bool {
        self.managers > 0 && self.reachable >= self.quorum
    }
}

fn control_plane(cluster: &Cluster) -> ControlPlane {
    let nodes = &cluster.inventory.nodes;
    let managers: Vec<&super::NodeInfo> =
        nodes.iter().filter(|n| n.role == Role::Manager).collect();
    let count = u32::try_from(managers.len()).unwrap_or(u32::MAX);
    ControlPlane {
        managers: count,
        reachable: u32::try_from(managers.iter().filter(|n| n.is_reachable_manager()).count())
            .unwrap_or(u32::MAX),
        quorum: count / 2 + 1,
        tolerates: count.saturating_sub(1) / 2,
        leader: nodes
            .iter()
            .find(|n| n.leader && n.is_reachable_manager())
            .map(|n| n.hostname.clone()),
        manager_nodes: managers.iter().map(|n| n.hostname.clone()).collect(),
    }
}

/// A node as the preview shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NodeRow {
    pub hostname: String,
    pub role: Role,
    pub availability: Availability,
    pub state: NodeState,
    pub leader: bool,
    /// Tasks of the stack's services on it.
    pub tasks: u32,
}

/// Tasks no node takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Pending {
    pub tasks: u32,
    /// Swarm's message (`no suitable node (…)`).
    pub reason: String,
}

/// The cluster at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClusterState {
    pub nodes: Vec<NodeRow>,
    pub control_plane: ControlPlane,
    /// Running tasks per service per node.
    pub tasks: BTreeMap<String, BTreeMap<String, u32>>,
    /// Per service, tasks that are pending.
    pub pending: BTreeMap<String, Pending>,
}

/// Tasks of one service leaving one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskMove {
    pub service: String,
    pub from: String,
    /// Where the replacements run: node → tasks (empty: not replaced).
    pub to: BTreeMap<String, u32>,
    pub tasks: u32,
    /// Replacements no node takes, with Swarm's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Why nothing replaces them, when nothing does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Something that happens during a step, at a measured time after it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StepEvent {
    /// None: at once (or not measured).
    pub at: Option<Measured>,
    pub what: String,
}

/// Running tasks of one service through a step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceCapacity {
    pub service: String,
    /// Tasks the service wants (replicas; global: nodes it wants a task on, after the step).
    pub desired: u32,
    pub before: u32,
    /// The fewest running during the step.
    pub lowest: u32,
    pub after: u32,
    /// When `after` is reached (None: at once or never).
    pub settled_at: Option<Measured>,
}

/// One step's effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StepPreview {
    pub step: MaintenanceStep,
    /// The node's hostname.
    pub node: String,
    /// Refused by Swarm (nothing changes), with its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    pub moves: Vec<TaskMove>,
    pub events: Vec<StepEvent>,
    pub capacity: Vec<ServiceCapacity>,
    /// After the step.
    pub control_plane: ControlPlane,
    pub warnings: Vec<String>,
}

/// A forced update that would even out a service left unbalanced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rebalance {
    pub service: String,
    /// `docker service update --force <service>` (stack services: `<stack>_<service>`).
    pub command: String,
    pub parallelism: u64,
    /// Tasks replaced (all of them).
    pub tasks: u32,
    /// Waves of `parallelism` tasks.
    pub waves: u32,
    /// The rollout simulator's healthy forced update, seconds.
    pub simulated_s: Option<f64>,
    /// Where its tasks run afterwards.
    pub after: BTreeMap<String, u32>,
}

/// The whole preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MaintenancePreview {
    pub before: ClusterState,
    pub steps: Vec<StepPreview>,
    pub after: ClusterState,
    /// Services left unbalanced, and what evening them out costs.
    pub rebalance: Vec<Rebalance>,
    pub warnings: Vec<String>,
}

/// Running tasks per service per hostname, given (`tasks`) or as the scheduler places the
/// services on the inventory.
pub fn initial_cluster(
    mut cluster: Cluster,
    services: &[ServiceInput],
    tasks: Option<&BTreeMap<String, BTreeMap<String, u32>>>,
) -> Result<(Cluster, BTreeMap<String, Pending>), String> {
    let mut pending = BTreeMap::new();
    match tasks {
        None => {
            let demands: Vec<Demand> = services.iter().map(|s| s.demand.clone()).collect();
            let placed = super::scheduler::place_all(&mut cluster, &demands);
            for (service, (n, reason)) in placed.pending {
                pending.insert(service, Pending { tasks: n, reason });
            }
        }
        Some(tasks) => {
            for (service, per_node) in tasks {
                let Some(input) = services.iter().find(|s| &s.demand.service == service) else {
                    return Err(format!("tasks: no service {service:?} in the stack"));
                };
                for (node, n) in per_node {
                    let index = cluster
                        .inventory
                        .find(node)
                        .ok_or_else(|| format!("tasks.{service}: no node {node:?}"))?;
                    for _ in 0..*n {
                        cluster.add(index, &input.demand);
                    }
                }
            }
        }
    }
    Ok((cluster, pending))
}

fn state(
    cluster: &Cluster,
    services: &[ServiceInput],
    pending: &BTreeMap<String, Pending>,
) -> ClusterState {
    ClusterState {
        nodes: (0..cluster.len())
            .map(|i| {
                let n = cluster.node(i);
                NodeRow {
                    hostname: n.hostname.clone(),
                    role: n.role,
                    availability: n.availability,
                    state: n.state,
                    leader: n.leader && n.is_reachable_manager(),
                    tasks: services
                        .iter()
                        .map(|s| cluster.count(i, &s.demand.service))
                        .sum(),
                }
            })
            .collect(),
        control_plane: control_plane(cluster),
        tasks: services
            .iter()
            .map(|s| (s.demand.service.clone(), cluster.counts(&s.demand.service)))
            .collect(),
        pending: pending.clone(),
    }
}

fn running(cluster: &Cluster, service: &str) -> u32 {
    cluster.counts(service).values().sum()
}

fn global_desired(cluster: &Cluster, demand: &Demand) -> u32 {
    (0..cluster.len())
        .filter(|&i| {
            let node = cluster.node(i);
            // A paused node keeps its task.
            demand.wants_global_task(node)
                || (node.availability == Availability::Pause
                    && node.state == NodeState::Ready
                    && cluster.count(i, &demand.service) > 0)
        })
        .count() as u32
}

fn desired(cluster: &Cluster, demand: &Demand) -> u32 {
    if demand.global {
        global_desired(cluster, demand)
    } else {
        demand.replicas
    }
}

const NO_LEADER: &str = "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

/// Previews `steps` applied in order to `cluster` (running `services`' tasks).
pub fn preview(
    cluster: Cluster,
    services: &[ServiceInput],
    mut pending: BTreeMap<String, Pending>,
    steps: &[MaintenanceStep],
    stack: &str,
) -> Result<MaintenancePreview, String> {
    let mut cluster = cluster;
    let before = state(&cluster, services, &pending);
    let mut previews = Vec::new();
    let mut warnings = Vec::new();
    if before.control_plane.managers.is_multiple_of(2) && before.control_plane.managers > 0 {
        warnings.push(even_warning(before.control_plane.managers, "before"));
    }
    for step in steps {
        let index = cluster.inventory.find(step.node()).ok_or_else(|| {
            format!(
                "{} {}: no such node in the inventory ({})",
                step.verb(),
                step.node(),
                cluster
                    .inventory
                    .nodes
                    .iter()
                    .map(|n| n.hostname.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let preview = apply(&mut cluster, services, &mut pending, step, index);
        previews.push(preview);
    }
    let after = state(&cluster, services, &pending);
    let rebalance = rebalances(&cluster, services, stack, &after.control_plane);
    for r in &rebalance {
        warnings.push(format!(
            "{}: unbalanced ({}); Swarm never rebalances by itself: `{}` replaces all {} tasks in {} wave{} of {} ({}), ending with {}",
            r.service,
            spread_text(after.tasks.get(&r.service), &cluster),
            r.command,
            r.tasks,
            r.waves,
            if r.waves == 1 { "" } else { "s" },
            r.parallelism,
            match r.simulated_s {
                Some(s) => format!("≈ {s:.1} s simulated"),
                None => "time not simulated".to_owned(),
            },
            spread_text(Some(&r.after), &cluster),
        ));
    }
    Ok(MaintenancePreview {
        before,
        steps: previews,
        after,
        rebalance,
        warnings,
    })
}

fn even_warning(managers: u32, when: &str) -> String {
    format!(
        "{managers} managers {when}: an even number tolerates no more failures than {} (quorum {}); keep an odd number",
        managers - 1,
        managers / 2 + 1
    )
}

fn spread_text(counts: Option<&BTreeMap<String, u32>>, cluster: &Cluster) -> String {
    (0..cluster.len())
        .map(|i| {
            let host = &cluster.node(i).hostname;
            let n = counts.and_then(|c| c.get(host)).copied().unwrap_or(0);
            format!("{host} {n}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn apply(
    cluster: &mut Cluster,
    services: &[ServiceInput],
    pending: &mut BTreeMap<String, Pending>,
    step: &MaintenanceStep,
    index: usize,
) -> StepPreview {
    let host = cluster.node(index).hostname.clone();
    let cp_before = control_plane(cluster);
    let mut out = StepPreview {
        step: step.clone(),
        node: host.clone(),
        refused: None,
        moves: Vec::new(),
        events: Vec::new(),
        capacity: Vec::new(),
        control_plane: cp_before.clone(),
        warnings: Vec::new(),
    };
    let running_before: Vec<u32> = services
        .iter()
        .map(|s| running(cluster, &s.demand.service))
        .collect();
    // Operations through the API need a leader; a power loss does not ask.
    if !matches!(step, MaintenanceStep::NodeDown(_)) && !cp_before.has_quorum() {
        out.refused = Some(NO_LEADER.to_owned());
        return out;
    }
    let mut lowest: Vec<u32> = running_before.clone();
    let mut settled: Vec<Option<Measured>> = vec![None; services.len()];
    match step {
        MaintenanceStep::Drain(_) => {
            let moved_at = measured::time(if cluster.node(index).role == Role::Manager {
                "drain_manager.moved"
            } else {
                "drain_worker.moved"
            });
            if cluster.node(index).availability == Availability::Drain {
                out.warnings
                    .push(format!("{host} is already drained: nothing changes"));
            }
            cluster.node_mut(index).availability = Availability::Drain;
            let mut any = false;
            for (s, input) in services.iter().enumerate() {
                let demand = &input.demand;
                let k = cluster.count(index, &demand.service);
                if k == 0 {
                    continue;
                }
                for _ in 0..k {
                    cluster.remove(index, demand);
                }
                lowest[s] = running_before[s] - k;
                let mv = if demand.global {
                    TaskMove {
                        service: demand.service.clone(),
                        from: host.clone(),
                        to: BTreeMap::new(),
                        tasks: k,
                        pending: None,
                        note: Some(
                            "global service: its task on a drained node is shut down, not replaced"
                                .to_owned(),
                        ),
                    }
                } else {
                    let mv = reschedule(cluster, demand, &host, k, pending, &mut out.warnings);
                    if !mv.to.is_empty() {
                        settled[s] = Some(moved_at.clone());
                        any = true;
                    }
                    mv
                };
                out.moves.push(mv);
            }
            out.events.push(StepEvent {
                at: None,
                what: format!("{host} drained: its tasks are told to shut down"),
            });
            if any {
                out.events.push(StepEvent {
                    at: Some(moved_at),
                    what: "the replacements run on the other nodes".to_owned(),
                });
            }
            if cluster.node(index).role == Role::Manager {
                out.warnings.push(format!(
                    "{host} is a manager: drained, it runs no tasks but keeps its Raft vote{}",
                    if cluster.node(index).leader {
                        " and stays the leader"
                    } else {
                        ""
                    }
                ));
            }
        }
        MaintenanceStep::Activate(_) => {
            let was = cluster.node(index).availability;
            cluster.node_mut(index).availability = Availability::Active;
            let back_at = measured::time("activate.global_back");
            for (s, input) in services.iter().enumerate() {
                let demand = &input.demand;
                if demand.global
                    && cluster.count(index, &demand.service) == 0
                    && demand.wants_global_task(cluster.node(index))
                {
                    match cluster.fits_pinned(index, demand) {
                        Ok(()) => {
                            cluster.add(index, demand);
                            settled[s] = Some(back_at.clone());
                            out.events.push(StepEvent {
                                at: Some(back_at.clone()),
                                what: format!(
                                    "{}: its global task runs on {host} again",
                                    demand.service
                                ),
                            });
                        }
                        Err(reason) => out.warnings.push(format!(
                            "{}: its global task on {host} stays pending ({reason})",
                            demand.service
                        )),
                    }
                }
            }
            if was == Availability::Active {
                out.warnings
                    .push(format!("{host} is already active: nothing changes"));
            } else if services.iter().any(|s| !s.demand.global) {
                out.events.push(StepEvent {
                    at: None,
                    what: format!(
                        "no replicated task moves back to {host}: Swarm does not rebalance by itself"
                    ),
                });
            }
        }
        MaintenanceStep::NodeDown(_) => {
            let was_leader = cluster.node(index).leader;
            let was_manager = cluster.node(index).role == Role::Manager;
            if cluster.node(index).state == NodeState::Down {
                out.warnings
                    .push(format!("{host} is already down: nothing changes"));
            }
            {
                let node = cluster.node_mut(index);
                node.state = NodeState::Down;
                if node.role == Role::Manager {
                    node.reachability = Some(Reachability::Unreachable);
                }
                node.leader = false;
            }
            let cp = control_plane(cluster);
            let quorum = cp.has_quorum();
            out.events.push(StepEvent {
                at: None,
                what: format!("{host} loses power: its containers stop with it"),
            });
            if was_manager {
                if !quorum {
                    out.warnings.push(format!(
                        "losing {host} leaves {} of {} managers, fewer than the quorum of {}: \"{NO_LEADER}\" No deploys, no service or node updates and no rescheduling until enough managers return; running tasks elsewhere keep running",
                        cp.reachable, cp.managers, cp.quorum
                    ));
                    out.events.push(StepEvent {
                        at: Some(measured::time("quorum_loss.no_leader_reported")),
                        what: "API calls fail with \"The swarm does not have a leader\" (before that they time out)".to_owned(),
                    });
                } else if was_leader {
                    let new_leader = (0..cluster.len())
                        .find(|&i| cluster.node(i).is_reachable_manager())
                        .unwrap_or(index);
                    cluster.node_mut(new_leader).leader = true;
                    out.events.push(StepEvent {
                        at: Some(measured::time("leader_loss.election")),
                        what: format!(
                            "a new leader is elected among {} (Raft picks one; the preview names {})",
                            cp.manager_nodes
                                .iter()
                                .filter(|m| **m != host)
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", "),
                            cluster.node(new_leader).hostname
                        ),
                    });
                }
            }
            let (down_at, moved_at) = if was_leader {
                (
                    measured::time("leader_loss.old_leader_down"),
                    measured::time("leader_loss.rescheduled"),
                )
            } else {
                (
                    measured::time("partition.worker_down"),
                    measured::time("partition.rescheduled"),
                )
            };
            if quorum {
                out.events.push(StepEvent {
                    at: Some(down_at),
                    what: format!("{host} shown Down (its heartbeats expired)"),
                });
            }
            let mut any = false;
            for (s, input) in services.iter().enumerate() {
                let demand = &input.demand;
                let k = cluster.count(index, &demand.service);
                if k == 0 {
                    continue;
                }
                for _ in 0..k {
                    cluster.remove(index, demand);
                }
                lowest[s] = running_before[s] - k;
                let mv = if demand.global {
                    TaskMove {
                        service: demand.service.clone(),
                        from: host.clone(),
                        to: BTreeMap::new(),
                        tasks: k,
                        pending: None,
                        note: Some("global service: a down node's task is not replaced".to_owned()),
                    }
                } else if !quorum {
                    TaskMove {
                        service: demand.service.clone(),
                        from: host.clone(),
                        to: BTreeMap::new(),
                        tasks: k,
                        pending: None,
                        note: Some(
                            "no leader: nothing is rescheduled until quorum returns".to_owned(),
                        ),
                    }
                } else {
                    let mv = reschedule(cluster, demand, &host, k, pending, &mut out.warnings);
                    if !mv.to.is_empty() {
                        settled[s] = Some(moved_at.clone());
                        any = true;
                    }
                    mv
                };
                out.moves.push(mv);
            }
            if any {
                out.events.push(StepEvent {
                    at: Some(moved_at),
                    what: format!("{host}'s replicated tasks run on the other nodes"),
                });
            }
        }
        MaintenanceStep::Promote(_) => {
            if cluster.node(index).role == Role::Manager {
                out.warnings
                    .push(format!("{host} is already a manager: nothing changes"));
            } else {
                let node = cluster.node_mut(index);
                node.role = Role::Manager;
                node.reachability = Some(if node.state == NodeState::Ready {
                    Reachability::Reachable
                } else {
                    Reachability::Unreachable
                });
                out.events.push(StepEvent {
                    at: Some(measured::time("promote.reachable")),
                    what: format!("{host} is a Reachable manager"),
                });
            }
        }
        MaintenanceStep::Demote(_) => {
            let node = cluster.node(index);
            if node.role != Role::Manager {
                out.warnings
                    .push(format!("{host} is not a manager: nothing changes"));
            } else if cp_before.managers == 1 {
                out.refused = Some("attempting to demote the last manager of the swarm".to_owned());
            } else {
                let remaining = cp_before.managers - 1;
                let reachable_left = cp_before.reachable - u32::from(node.is_reachable_manager());
                if reachable_left < remaining / 2 + 1 {
                    out.refused = Some(
                        "can't remove member from the raft: this would result in a loss of quorum"
                            .to_owned(),
                    );
                } else {
                    let was_leader = node.leader;
                    let node = cluster.node_mut(index);
                    node.role = Role::Worker;
                    node.reachability = None;
                    node.leader = false;
                    if was_leader
                        && let Some(next) =
                            (0..cluster.len()).find(|&i| cluster.node(i).is_reachable_manager())
                    {
                        cluster.node_mut(next).leader = true;
                        out.warnings.push(format!(
                            "{host} is the leader: the managers elect another one (the preview names {}; not measured on the test bed)",
                            cluster.node(next).hostname
                        ));
                    }
                    out.events.push(StepEvent {
                        at: Some(measured::time("demote.worker")),
                        what: format!("{host} is a worker"),
                    });
                }
            }
        }
    }
    let cp = control_plane(cluster);
    if cp.managers != cp_before.managers && cp.managers.is_multiple_of(2) {
        out.warnings
            .push(even_warning(cp.managers, "after this step"));
    }
    if cp.has_quorum() && cp.reachable == cp.quorum && cp_before.reachable > cp_before.quorum {
        out.warnings.push(format!(
            "{} of {} managers reachable, exactly the quorum: one more manager lost and the swarm has no leader",
            cp.reachable, cp.managers
        ));
    }
    if cp.managers != cp_before.managers || cp.reachable != cp_before.reachable {
        out.events.insert(
            1.min(out.events.len()),
            StepEvent {
                at: None,
                what: format!(
                    "managers {} → {}, reachable {} → {}, quorum {}, tolerates {} failure{}",
                    cp_before.managers,
                    cp.managers,
                    cp_before.reachable,
                    cp.reachable,
                    cp.quorum,
                    cp.tolerates,
                    if cp.tolerates == 1 { "" } else { "s" }
                ),
            },
        );
    }
    out.control_plane = cp;
    for (s, input) in services.iter().enumerate() {
        let after = running(cluster, &input.demand.service);
        if after != running_before[s] || lowest[s] != running_before[s] {
            out.capacity.push(ServiceCapacity {
                service: input.demand.service.clone(),
                desired: desired(cluster, &input.demand),
                before: running_before[s],
                lowest: lowest[s].min(after),
                after,
                settled_at: settled[s].take(),
            });
        }
    }
    out
}

/// Replaces `k` tasks of `demand` that left `from`, placing them with the scheduler.
fn reschedule(
    cluster: &mut Cluster,
    demand: &Demand,
    from: &str,
    k: u32,
    pending: &mut BTreeMap<String, Pending>,
    warnings: &mut Vec<String>,
) -> TaskMove {
    let mut to = BTreeMap::new();
    let mut stuck: Option<Pending> = None;
    for _ in 0..k {
        match cluster.pick(demand) {
            Ok(i) => {
                cluster.add(i, demand);
                *to.entry(cluster.node(i).hostname.clone()).or_insert(0) += 1;
            }
            Err(reason) => {
                let p = stuck.get_or_insert(Pending {
                    tasks: 0,
                    reason: reason.clone(),
                });
                p.tasks += 1;
                p.reason = reason;
            }
        }
    }
    if let Some(p) = &stuck {
        // Could any node run it at all (its own tasks and their limits aside)?
        let mut probe = cluster.clone();
        for i in 0..probe.len() {
            for _ in 0..cluster.count(i, &demand.service) {
                probe.remove(i, demand);
            }
        }
        let mut unlimited = demand.clone();
        unlimited.max_per_node = 0;
        let none_left = probe.eligible(&unlimited).is_empty();
        let entry = pending.entry(demand.service.clone()).or_insert(Pending {
            tasks: 0,
            reason: String::new(),
        });
        entry.tasks += p.tasks;
        entry.reason = p.reason.clone();
        warnings.push(if none_left {
            format!(
                "{}: {from} was the last node that can run it: {} task{} pending ({})",
                demand.service,
                p.tasks,
                if p.tasks == 1 { "" } else { "s" },
                p.reason
            )
        } else {
            format!(
                "{}: no room for {} of its {k} tasks from {from}: pending ({})",
                demand.service, p.tasks, p.reason
            )
        });
    }
    TaskMove {
        service: demand.service.clone(),
        from: from.to_owned(),
        to,
        tasks: k,
        pending: stuck,
        note: None,
    }
}

/// Replicated services whose tasks differ by more than one between the nodes that could
/// take them, with the forced update that evens them out.
fn rebalances(
    cluster: &Cluster,
    services: &[ServiceInput],
    stack: &str,
    cp: &ControlPlane,
) -> Vec<Rebalance> {
    let mut out = Vec::new();
    if !cp.has_quorum() {
        return out;
    }
    for input in services {
        let demand = &input.demand;
        if demand.global {
            continue;
        }
        // Nodes that could run a task of it if the others were not there.
        let mut probe = cluster.clone();
        let total = running(cluster, &demand.service);
        for i in 0..probe.len() {
            for _ in 0..cluster.count(i, &demand.service) {
                probe.remove(i, demand);
            }
        }
        let eligible = probe.eligible(demand);
        if eligible.len() < 2 || total == 0 {
            continue;
        }
        let counts: Vec<u32> = eligible
            .iter()
            .map(|&i| cluster.count(i, &demand.service))
            .collect();
        let (min, max) = (
            counts.iter().copied().min().unwrap_or(0),
            counts.iter().copied().max().unwrap_or(0),
        );
        if max <= min + 1 {
            continue;
        }
        for _ in 0..total {
            if let Ok(i) = probe.pick(demand) {
                probe.add(i, demand);
            }
        }
        let parallelism = input.parallelism;
        let waves = if parallelism == 0 {
            1
        } else {
            u32::try_from(u64::from(total).div_ceil(parallelism)).unwrap_or(u32::MAX)
        };
        let name = if stack.is_empty() {
            demand.service.clone()
        } else {
            format!("{stack}_{}", demand.service)
        };
        out.push(Rebalance {
            service: demand.service.clone(),
            command: format!("docker service update --force {name}"),
            parallelism,
            tasks: total,
            waves,
            simulated_s: input.force_update_s,
            after: probe.counts(&demand.service),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::inventory::Inventory;

    fn testbed() -> Inventory {
        let mut inv = Inventory::identical(5);
        for i in 0..3 {
            inv.nodes[i].role = Role::Manager;
            inv.nodes[i].reachability = Some(Reachability::Reachable);
        }
        inv
    }

    fn services() -> Vec<ServiceInput> {
        let web = Demand::replicated("web", 6);
        let mut edge = Demand::replicated("edge", 0);
        edge.global = true;
        edge.host_ports = vec![("tcp".into(), 8080)];
        vec![
            ServiceInput {
                demand: web,
                parallelism: 2,
                force_update_s: None,
            },
            ServiceInput {
                demand: edge,
                parallelism: 1,
                force_update_s: None,
            },
        ]
    }

    #[test]
    fn draining_two_nodes_moves_their_tasks_and_activation_moves_nothing_back() {
        let services = services();
        let (cluster, pending) = initial_cluster(Cluster::new(testbed()), &services, None).unwrap();
        let steps = [
            MaintenanceStep::Drain("node5".into()),
            MaintenanceStep::Drain("node2".into()),
            MaintenanceStep::Activate("node5".into()),
            MaintenanceStep::Activate("node2".into()),
        ];
        let p = preview(cluster, &services, pending, &steps, "st").unwrap();
        let web = &p.after.tasks["web"];
        assert_eq!(web.values().sum::<u32>(), 6);
        assert!(!web.contains_key("node2") && !web.contains_key("node5"));
        assert_eq!(p.after.tasks["edge"].len(), 5);
        assert_eq!(p.rebalance.len(), 1, "{:?}", p.warnings);
        let after = &p.rebalance[0].after;
        assert_eq!(after.len(), 5);
        assert_eq!(p.rebalance[0].waves, 3);
    }

    #[test]
    fn losing_two_of_three_managers_loses_quorum_and_reschedules_nothing() {
        let services = services();
        let (cluster, pending) = initial_cluster(Cluster::new(testbed()), &services, None).unwrap();
        let steps = [
            MaintenanceStep::NodeDown("node2".into()),
            MaintenanceStep::NodeDown("node3".into()),
            MaintenanceStep::Drain("node4".into()),
        ];
        let p = preview(cluster, &services, pending, &steps, "st").unwrap();
        assert!(p.steps[0].control_plane.has_quorum());
        assert!(!p.steps[1].control_plane.has_quorum());
        assert!(
            p.steps[1]
                .warnings
                .iter()
                .any(|w| w.contains("does not have a leader"))
        );
        assert_eq!(p.steps[2].refused.as_deref(), Some(NO_LEADER));
        // node2's web tasks were rescheduled; node3's were not.
        assert!(p.steps[1].moves.iter().all(|m| m.to.is_empty()));
        assert!(p.after.tasks["web"].values().sum::<u32>() < 6);
    }

    #[test]
    fn promote_to_four_warns_and_a_demotion_that_loses_quorum_is_refused() {
        let services = services();
        let (cluster, pending) = initial_cluster(Cluster::new(testbed()), &services, None).unwrap();
        let steps = [
            MaintenanceStep::Promote("node4".into()),
            MaintenanceStep::NodeDown("node2".into()),
            MaintenanceStep::NodeDown("node3".into()),
        ];
        let p = preview(cluster, &services, pending, &steps, "st").unwrap();
        assert_eq!(p.steps[0].control_plane.managers, 4);
        assert_eq!(p.steps[0].control_plane.quorum, 3);
        assert!(
            p.steps[0]
                .warnings
                .iter()
                .any(|w| w.contains("even number"))
        );
        // 2 of 4 reachable: below quorum 3.
        assert!(!p.steps[2].control_plane.has_quorum());

        let (cluster, pending) = initial_cluster(Cluster::new(testbed()), &services, None).unwrap();
        let steps = [
            MaintenanceStep::NodeDown("node3".into()),
            MaintenanceStep::Demote("node2".into()),
        ];
        let p = preview(cluster, &services, pending, &steps, "st").unwrap();
        assert!(
            p.steps[1]
                .refused
                .as_deref()
                .unwrap()
                .contains("loss of quorum")
        );
    }

    #[test]
    fn draining_the_last_node_a_service_may_use_leaves_it_pending() {
        let mut inv = testbed();
        inv.nodes[4].labels.insert("disk".into(), "ssd".into());
        let mut db = Demand::replicated("db", 1);
        db.constraints =
            vec![super::super::scheduler::Constraint::parse("node.labels.disk==ssd").unwrap()];
        let services = vec![ServiceInput {
            demand: db,
            parallelism: 1,
            force_update_s: None,
        }];
        let (cluster, pending) = initial_cluster(Cluster::new(inv), &services, None).unwrap();
        let p = preview(
            cluster,
            &services,
            pending,
            &[MaintenanceStep::Drain("node5".into())],
            "",
        )
        .unwrap();
        assert!(
            p.steps[0]
                .warnings
                .iter()
                .any(|w| w.contains("last node that can run it")),
            "{:?}",
            p.steps[0].warnings
        );
        assert_eq!(p.after.pending["db"].tasks, 1);
    }
}
