//! `stackplan plan`: a deploy as a transition from the current state (nothing, or a previous
//! file set) to the desired one. Per service: the action and field diff, the effective Swarm
//! spec with the source of every rollout setting, the warnings only a transition can give,
//! and for rolling updates one simulated rollout per scenario ([`crate::rollout`]).

pub mod effective;
pub mod file;
pub mod maintenance;
pub mod render;
pub mod svg;
pub mod transition;

use crate::loader::Loaded;
use crate::rollout::{self, RolloutPlan, RolloutRequest, Scenario, Timing};
use crate::swarm::{self, Stack, diff::NamesById};
use crate::tree::Node;
use effective::{EffectiveService, effective_service};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use transition::{Action, FieldChange};

pub use file::{InputFile, PlanFile};

/// What to plan and how to simulate.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Scenarios to simulate for each rolling update (default: healthy and unhealthy).
    pub scenarios: Vec<Scenario>,
    /// Only these services (all when empty).
    pub services: Vec<String>,
    pub timing: Timing,
    /// Docker Engine major version on the nodes (decides the `start_interval` default).
    pub engine_major_version: u32,
    /// Nodes in the Swarm (global services run one task per node).
    pub nodes: u32,
    /// With a node inventory: the nodes each global service runs on (default `nodes`).
    pub global_nodes: std::collections::BTreeMap<String, u32>,
    /// With a node inventory: the room the nodes have for each service's new tasks
    /// ([`crate::placement`]); an update beyond it hangs.
    pub placement_limits: std::collections::BTreeMap<String, rollout::PlacementLimit>,
    /// With a node inventory: replays a simulated rollout of a service over the nodes and
    /// returns a tighter limit when a task the simulator placed fits no node at that moment
    /// (the simulation is then run again with it).
    pub placement_check: Option<PlacementCheck>,
}

/// The replay behind [`PlanOptions::placement_check`]: (service, simulated rollout) → a
/// tighter limit, if any.
pub type PlacementReplay =
    dyn Fn(&str, &RolloutPlan) -> Option<rollout::PlacementLimit> + Send + Sync;

/// See [`PlanOptions::placement_check`].
#[derive(Clone)]
pub struct PlacementCheck(pub std::sync::Arc<PlacementReplay>);

impl std::fmt::Debug for PlacementCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlacementCheck")
    }
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            scenarios: Vec::new(),
            services: Vec::new(),
            timing: Timing::default(),
            engine_major_version: 27,
            nodes: 1,
            global_nodes: Default::default(),
            placement_limits: Default::default(),
            placement_check: None,
        }
    }
}

/// The plan of a whole stack.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Plan {
    /// Whether the deploy changes anything (drives `--detailed-exitcode`).
    pub changes: bool,
    pub services: Vec<ServicePlan>,
    /// Where the tasks run on the node inventory, and where rolling updates put the new
    /// ones (plans given an inventory or maintenance steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<crate::placement::StackPlacement>,
    /// The maintenance steps previewed (`--drain`, `--node-down`, `--promote`, `--demote`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<crate::placement::MaintenancePreview>,
}

/// The plan of one service.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServicePlan {
    pub name: String,
    pub action: Action,
    /// What changes, in the inputs' own terms: Compose paths between two file sets, Engine
    /// paths (`TaskTemplate.ContainerSpec.Image`) from a live Swarm.
    pub changes: Vec<FieldChange>,
    /// What changes in the Engine spec `docker stack deploy` sends (Engine paths); the action
    /// is decided on these, with swarmkit's rule for what replaces a task.
    #[serde(default)]
    pub spec_changes: Vec<FieldChange>,
    /// The effective spec being deployed (absent for a removal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<EffectiveService>,
    pub warnings: Vec<String>,
    /// One simulated rollout per scenario, for rolling updates.
    pub simulations: Vec<Simulation>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Simulation {
    pub scenario: String,
    #[serde(flatten)]
    pub result: SimulationResult,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum SimulationResult {
    Plan(Box<RolloutPlan>),
    Refused { error: String },
}

/// The services of a loaded project by name (the first of a name wins, as a search would).
fn services_of(loaded: Option<&Loaded>) -> HashMap<&str, &Node> {
    let mut out = HashMap::new();
    if let Some(map) = loaded
        .and_then(|l| l.project.get("services"))
        .and_then(Node::as_map)
    {
        for (k, v) in map {
            out.entry(k.name.as_str()).or_insert(v);
        }
    }
    out
}

/// The services of a converted stack by key (the first of a key wins).
fn specs_of(stack: Option<&Stack>) -> HashMap<&str, &swarm::ServiceSpec> {
    let mut out = HashMap::new();
    for s in stack.map_or(&[][..], |s| &s.services) {
        out.entry(s.key.as_str()).or_insert(&s.spec);
    }
    out
}

/// What a plan starts from.
#[derive(Clone, Copy, Debug)]
pub enum Current<'a> {
    /// Nothing is deployed.
    Nothing,
    /// The stack deployed from these files (converted like the desired ones).
    Files {
        loaded: &'a Loaded,
        stack: Option<&'a Stack>,
    },
    /// What a Swarm runs: the stack's services as `docker service inspect` prints them,
    /// and the names of the network IDs they reference.
    Live {
        services: &'a [swarm::Service],
        networks: &'a NamesById,
    },
}

/// A FileSource for a conversion that only needs the service specs (config and secret data
/// do not enter a service spec).
struct NoData;

impl crate::source::FileSource for NoData {
    fn read(&self, _: &str) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
    fn is_file(&self, _: &str) -> bool {
        true
    }
}

/// The stack a plan converts files into, for comparison (the name is the same on both sides).
fn typed(loaded: &Loaded, opts: &PlanOptions) -> Option<Stack> {
    let convert = swarm::ConvertOptions {
        api_version: swarm::ApiVersion::of_engine_major(opts.engine_major_version),
    };
    swarm::convert(loaded, PLAN_STACK, &NoData, &convert).ok()
}

/// The stack name files-to-files plans convert under (any name: both sides use it).
const PLAN_STACK: &str = "stack";

/// Plans the transition from `current` (None: nothing deployed) to `desired`.
pub fn plan(current: Option<&Loaded>, desired: &Loaded, opts: &PlanOptions) -> Plan {
    let desired_stack = typed(desired, opts);
    let current_stack = current.and_then(|l| typed(l, opts));
    let current = match current {
        None => Current::Nothing,
        Some(loaded) => Current::Files {
            loaded,
            stack: current_stack.as_ref(),
        },
    };
    plan_from(current, desired, desired_stack.as_ref(), opts)
}

/// One side of a service's transition.
#[derive(Clone, Copy, Default)]
struct Side<'a> {
    tree: Option<&'a Node>,
    spec: Option<&'a swarm::ServiceSpec>,
    /// The live service (its `PreviousSpec`).
    live: Option<&'a swarm::Service>,
}

/// Plans the transition from `current` to `desired`, whose conversion is `desired_stack`
/// (the action per service comes from the typed specs; without them, from the printed
/// models).
pub fn plan_from(
    current: Current<'_>,
    desired: &Loaded,
    desired_stack: Option<&Stack>,
    opts: &PlanOptions,
) -> Plan {
    let old_trees = match current {
        Current::Files { loaded, .. } => services_of(Some(loaded)),
        _ => HashMap::new(),
    };
    let new_trees = services_of(Some(desired));
    let (live_services, networks, live_prefix) = match current {
        Current::Live { services, networks } => {
            let prefix = desired_stack
                .map(|s| format!("{}_", s.name))
                .unwrap_or_default();
            (services, networks.clone(), prefix)
        }
        _ => (&[][..], NamesById::new(), String::new()),
    };
    let live_key = |s: &swarm::Service| {
        s.spec
            .name
            .strip_prefix(&live_prefix)
            .unwrap_or(&s.spec.name)
            .to_owned()
    };
    // Lookups by name are maps: a search per service made plans quadratic in the services.
    let mut live_by_key: HashMap<String, &swarm::Service> = HashMap::new();
    for s in live_services {
        live_by_key.entry(live_key(s)).or_insert(s);
    }
    let mut names: Vec<String> = old_trees
        .keys()
        .chain(new_trees.keys())
        .map(|n| (*n).to_owned())
        .chain(live_services.iter().map(live_key))
        .collect();
    names.sort();
    names.dedup();
    if !opts.services.is_empty() {
        names.retain(|n| opts.services.contains(n));
    }
    let scenarios = if opts.scenarios.is_empty() {
        vec![
            Scenario::default(),
            Scenario {
                health: rollout::HealthBehavior::Unhealthy,
                ..Scenario::default()
            },
        ]
    } else {
        opts.scenarios.clone()
    };
    let current_stack = match current {
        Current::Files { stack, .. } => stack,
        _ => None,
    };
    let (current_specs, desired_specs) = (specs_of(current_stack), specs_of(desired_stack));
    let mut services = Vec::with_capacity(names.len());
    for name in names {
        let live = live_by_key.get(name.as_str()).copied();
        let from_spec = match current {
            Current::Live { .. } => live.map(|s| &s.spec),
            _ => current_specs.get(name.as_str()).copied(),
        };
        let from = Side {
            tree: old_trees.get(name.as_str()).copied(),
            spec: from_spec,
            live,
        };
        let to = Side {
            tree: new_trees.get(name.as_str()).copied(),
            spec: desired_specs.get(name.as_str()).copied(),
            live: None,
        };
        let typed = match current {
            Current::Nothing => true,
            Current::Files { stack, .. } => stack.is_some() && desired_stack.is_some(),
            Current::Live { .. } => desired_stack.is_some(),
        };
        services.push(plan_service(
            &name, from, to, typed, &networks, desired, opts, &scenarios,
        ));
    }
    Plan {
        changes: services.iter().any(|s| s.action != Action::Unchanged),
        services,
        placement: None,
        maintenance: None,
    }
}

fn action_of(class: swarm::diff::Class) -> Action {
    use swarm::diff::Class;
    match class {
        Class::Create => Action::Create,
        Class::Rolling => Action::RollingUpdate,
        Class::InPlace => Action::InPlaceUpdate,
        Class::Scale => Action::Scale,
        Class::Remove => Action::Remove,
        Class::Unchanged => Action::Unchanged,
    }
}

fn field_change(c: &swarm::diff::SpecChange) -> FieldChange {
    FieldChange {
        kind: match (&c.from, &c.to) {
            (None, _) => transition::ChangeKind::Added,
            (_, None) => transition::ChangeKind::Removed,
            _ => transition::ChangeKind::Changed,
        },
        path: c.path.clone(),
        from: c.from.clone(),
        to: c.to.clone(),
        replaces_tasks: c.region.dirties_tasks(),
    }
}

fn image_of(spec: &swarm::ServiceSpec) -> &str {
    spec.task_template
        .container_spec
        .as_ref()
        .map_or("", |c| c.image.as_str())
}

#[allow(clippy::too_many_arguments)]
fn plan_service(
    name: &str,
    from: Side<'_>,
    to: Side<'_>,
    typed: bool,
    networks: &NamesById,
    desired: &Loaded,
    opts: &PlanOptions,
    scenarios: &[Scenario],
) -> ServicePlan {
    let present = |s: &Side<'_>| s.tree.is_some() || s.spec.is_some();
    let (action, spec_changes, regions) = if typed {
        let d = swarm::diff::diff(
            from.spec.filter(|_| present(&from)),
            to.spec.filter(|_| present(&to)),
            networks,
        );
        let regions: Vec<swarm::diff::Region> = d.changes.iter().map(|c| c.region).collect();
        (
            action_of(d.class),
            d.changes.iter().map(field_change).collect::<Vec<_>>(),
            regions,
        )
    } else {
        let changes = match (from.tree, to.tree) {
            (Some(a), Some(b)) => transition::diff(a, b),
            _ => Vec::new(),
        };
        (
            transition::classify(from.tree, to.tree, &changes),
            Vec::new(),
            Vec::new(),
        )
    };
    // In the inputs' own language: Compose paths between two file sets, Engine paths from a
    // live Swarm.
    let changes = match (from.tree, to.tree) {
        (Some(a), Some(b)) => transition::diff(a, b),
        _ => spec_changes.clone(),
    };
    let mut warnings = Vec::new();
    let nodes = opts.global_nodes.get(name).copied().unwrap_or(opts.nodes);
    let effective_to = to.tree.map(|s| {
        let mut e = effective_service(name, s, nodes);
        e.locate(&desired.sources, &desired.written);
        if let Some(spec) = to.spec {
            e.spec = effective::rollout_spec(spec, nodes);
        }
        e
    });
    let effective_from = match (from.tree, from.spec) {
        (Some(tree), spec) => {
            let mut e = effective_service(name, tree, nodes);
            if let Some(spec) = spec {
                e.spec = effective::rollout_spec(spec, nodes);
            }
            Some(e)
        }
        (None, Some(spec)) => Some(EffectiveService {
            name: name.to_owned(),
            spec: effective::rollout_spec(spec, nodes),
            fields: Vec::new(),
            healthcheck_from_image_unknown: false,
        }),
        (None, None) => None,
    };
    let has = |node: Option<&Node>, block: &str| {
        node.and_then(|s| s.get("deploy"))
            .and_then(|d| d.get(block))
            .is_some()
    };
    for block in ["update_config", "rollback_config"] {
        let before = match (from.tree, from.live) {
            (Some(_), _) => has(from.tree, block),
            // A live spec always shows both blocks (swarmkit's defaults inserted): it is
            // "set" when it differs from them.
            (None, Some(live)) => {
                let shown = live.spec.with_swarm_defaults();
                let defaults = swarm::ServiceSpec::default().with_swarm_defaults();
                if block == "update_config" {
                    shown.update_config != defaults.update_config
                } else {
                    shown.rollback_config != defaults.rollback_config
                }
            }
            (None, None) => false,
        };
        if before && to.tree.is_some() && !has(to.tree, block) {
            warnings.push(format!(
                "this deploy resets {block} to Swarm's defaults because no file sets it any more (docker stack deploy sends the whole spec)"
            ));
        }
    }
    let previous = from.live.and_then(|l| l.previous_spec.as_ref());
    if action == Action::Unchanged {
        warnings.push(
            "unchanged, but docker stack deploy sends the spec again: Swarm clears the service's UpdateStatus and sets PreviousSpec to this same spec, so a later rollback has nothing to return to".into(),
        );
        if let Some(previous) = previous {
            warnings.push(format!(
                "today `docker service rollback` would return to the live PreviousSpec (image {}); after this deploy it no longer can",
                image_of(previous)
            ));
        }
    }
    if regions.contains(&swarm::diff::Region::Mode) {
        warnings.push(
            "the service's mode changes (replicated, global, jobs): the Engine refuses this update, so docker stack deploy fails for this service; remove it first".into(),
        );
    }
    if action == Action::InPlaceUpdate && regions.contains(&swarm::diff::Region::Constraints) {
        warnings.push(
            "only the placement constraints change: tasks on nodes that still satisfy them stay; a task on a node that does not is replaced".into(),
        );
    }
    if let Some(e) = &effective_to
        && e.healthcheck_from_image_unknown
    {
        warnings.push(match e.spec.healthcheck {
                None => "no healthcheck in the files: the simulation assumes the image has none (a task counts as running as soon as its container starts)".into(),
                Some(_) => "the healthcheck test comes from the image (no file sets `test`): the simulation assumes the image defines one".into(),
            });
    }
    let timing = service_timing(desired, name, opts.timing, &mut warnings);
    let mut simulations = Vec::new();
    if action == Action::RollingUpdate
        && let (Some(f), Some(t)) = (&effective_from, &effective_to)
    {
        let restored = rollout::EffectiveUpdateConfig::resolve(f.spec.rollback_config.as_ref());
        let note = if from.live.is_some() {
            " (the live spec's RollbackConfig)"
        } else if f.spec.rollback_config.is_none() {
            " (Swarm defaults: no rollback_config in the current files)"
        } else {
            ""
        };
        warnings.push(format!(
                "a rollback of this change runs with the rollback_config of the spec being replaced: parallelism {}, failure_action {}, order {}, monitor {}{note}",
                restored.parallelism,
                serde_json::to_value(restored.failure_action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                serde_json::to_value(restored.order).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                crate::units::format_duration(i64::try_from(restored.monitor_ms).unwrap_or(i64::MAX).saturating_mul(1_000_000)),
            ));
        if let Some(previous) = previous {
            warnings.push(format!(
                "the live PreviousSpec (image {}) is dropped: after this deploy a rollback restores the spec running now (image {}), never the one before it",
                image_of(previous),
                from.spec.map_or("", image_of)
            ));
        }
        for scenario in scenarios {
            let request = RolloutRequest {
                from: f.spec.clone(),
                to: t.spec.clone(),
                operation: rollout::Operation::Update,
                scenario: *scenario,
                from_behavior: Scenario::default(),
                timing,
                engine_major_version: opts.engine_major_version,
                nodes: Some(opts.nodes),
                task_spec_changed: true,
            };
            let mut limit = opts.placement_limits.get(name).cloned();
            let mut simulated = rollout::simulate_placed(&request, limit.as_ref());
            // Each round lowers the limit, so this ends after at most `replicas` rounds.
            while let (Ok(plan), Some(check)) = (&simulated, &opts.placement_check) {
                match check.0(name, plan) {
                    Some(tighter)
                        if limit
                            .as_ref()
                            .is_none_or(|l| tighter.placeable < l.placeable) =>
                    {
                        limit = Some(tighter);
                        simulated = rollout::simulate_placed(&request, limit.as_ref());
                    }
                    _ => break,
                }
            }
            let result = match simulated {
                Ok(plan) => SimulationResult::Plan(Box::new(plan)),
                Err(e) => SimulationResult::Refused {
                    error: e.to_string(),
                },
            };
            simulations.push(Simulation {
                scenario: scenario.to_string(),
                result,
            });
        }
    }
    ServicePlan {
        name: name.to_owned(),
        action,
        changes,
        spec_changes,
        effective: effective_to,
        warnings,
        simulations,
    }
}

/// Timing assumptions for one service: the global ones, overridden by
/// `x-stackplan: {timing: {start: 1s, ready: 200ms, gossip: 2s, sigterm_exit: 100ms, probe: 100ms}}`.
fn service_timing(
    desired: &Loaded,
    name: &str,
    base: Timing,
    warnings: &mut Vec<String>,
) -> Timing {
    let mut timing = base;
    let Some(table) = desired
        .service_extensions
        .get(name)
        .and_then(|x| x.get("x-stackplan"))
        .and_then(|x| x.get("timing"))
        .and_then(Node::as_map)
    else {
        return timing;
    };
    for (key, value) in table {
        let ms = value
            .as_str()
            .and_then(|t| crate::loader::project::parse_compose_duration(t).ok())
            .and_then(|ns| u64::try_from(ns / 1_000_000).ok());
        let Some(ms) = ms else {
            warnings.push(format!(
                "x-stackplan.timing.{}: not a duration, ignored",
                key.name
            ));
            continue;
        };
        match key.name.as_str() {
            "start" => timing.start_new_ms = ms,
            "ready" => timing.start_ready_ms = ms,
            "gossip" => timing.gossip_delay_ms = ms,
            "sigterm_exit" => timing.sigterm_exit_ms = ms,
            "probe" => timing.probe_ms = ms,
            other => warnings.push(format!(
                "x-stackplan.timing.{other}: unknown (start, ready, gossip, sigterm_exit, probe), ignored"
            )),
        }
    }
    timing
}
