//! `stackplan plan`: a deploy as a transition from the current state (nothing, or a previous
//! file set) to the desired one. Per service: the action and field diff, the effective Swarm
//! spec with the source of every rollout setting, the warnings only a transition can give,
//! and for rolling updates one simulated rollout per scenario ([`crate::rollout`]).

pub mod effective;
pub mod file;
pub mod render;
pub mod svg;
pub mod transition;

use crate::loader::Loaded;
use crate::rollout::{self, RolloutPlan, RolloutRequest, Scenario, Timing};
use crate::tree::Node;
use effective::{EffectiveService, effective_service};
use serde::{Deserialize, Serialize};
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
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            scenarios: Vec::new(),
            services: Vec::new(),
            timing: Timing::default(),
            engine_major_version: 27,
            nodes: 1,
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
}

/// The plan of one service.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServicePlan {
    pub name: String,
    pub action: Action,
    pub changes: Vec<FieldChange>,
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

fn services_of(loaded: Option<&Loaded>) -> Vec<(String, Node)> {
    loaded
        .and_then(|l| l.project.get("services"))
        .and_then(Node::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.name.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Plans the transition from `current` (None: nothing deployed) to `desired`.
pub fn plan(current: Option<&Loaded>, desired: &Loaded, opts: &PlanOptions) -> Plan {
    let old = services_of(current);
    let new = services_of(Some(desired));
    let mut names: Vec<String> = old
        .iter()
        .chain(new.iter())
        .map(|(n, _)| n.clone())
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
    let mut services = Vec::new();
    for name in names {
        let from = old.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
        let to = new.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
        services.push(plan_service(&name, from, to, desired, opts, &scenarios));
    }
    Plan {
        changes: services.iter().any(|s| s.action != Action::Unchanged),
        services,
    }
}

fn plan_service(
    name: &str,
    from: Option<&Node>,
    to: Option<&Node>,
    desired: &Loaded,
    opts: &PlanOptions,
    scenarios: &[Scenario],
) -> ServicePlan {
    let changes = match (from, to) {
        (Some(a), Some(b)) => transition::diff(a, b),
        _ => Vec::new(),
    };
    let action = transition::classify(from, to, &changes);
    let mut warnings = Vec::new();
    let effective_to = to.map(|s| {
        let mut e = effective_service(name, s, opts.nodes);
        e.locate(&desired.sources);
        e
    });
    let effective_from = from.map(|s| effective_service(name, s, opts.nodes));
    let has = |node: Option<&Node>, block: &str| {
        node.and_then(|s| s.get("deploy"))
            .and_then(|d| d.get(block))
            .is_some()
    };
    for block in ["update_config", "rollback_config"] {
        if has(from, block) && to.is_some() && !has(to, block) {
            warnings.push(format!(
                "this deploy resets {block} to Swarm's defaults because no file sets it any more (docker stack deploy sends the whole spec)"
            ));
        }
    }
    if action == Action::Unchanged {
        warnings.push(
            "unchanged, but docker stack deploy sends the spec again: Swarm clears the service's UpdateStatus and sets PreviousSpec to this same spec, so a later rollback has nothing to return to".into(),
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
        warnings.push(format!(
                "a rollback of this change runs with the rollback_config of the spec being replaced: parallelism {}, failure_action {}, order {}, monitor {}{}",
                restored.parallelism,
                serde_json::to_value(restored.failure_action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                serde_json::to_value(restored.order).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                crate::units::format_duration(i64::try_from(restored.monitor_ms).unwrap_or(i64::MAX).saturating_mul(1_000_000)),
                if f.spec.rollback_config.is_none() { " (Swarm defaults: no rollback_config in the current files)" } else { "" }
            ));
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
            let result = match rollout::simulate(&request) {
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
