//! The request to simulate: the spec running now, the spec being rolled out, what the
//! application does, and timing assumptions. Kept apart from [`super::spec`] so that the
//! spec, scenario and timing modules depend only on [`super::time`], never on each other.

use serde::{Deserialize, Serialize};

use super::scenario::Scenario;
use super::spec::ServiceSpec;
use super::timing::Timing;

/// Everything [`simulate`](super::simulate) needs: the spec running now, the spec being
/// rolled out, what the application does, and timing assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RolloutRequest {
    /// The spec the service's tasks run now (Swarm's current `Spec`).
    pub from: ServiceSpec,
    /// The spec to roll out. For [`Operation::Rollback`] this is the `PreviousSpec` that
    /// `docker service rollback` restores.
    pub to: ServiceSpec,
    /// A normal update (`docker service update`, `docker stack deploy`) or a manual rollback.
    #[serde(default)]
    pub operation: Operation,
    /// How tasks running the `to` spec behave (the scenario being previewed).
    #[serde(default)]
    pub scenario: Scenario,
    /// How tasks running the `from` spec behave when they are (re)created or stopped.
    /// The tasks already running at the start are assumed healthy and stable; only their
    /// reaction to SIGTERM is taken from here. Defaults to `healthy`.
    #[serde(default)]
    pub from_behavior: Scenario,
    /// Latencies of the cluster (§7 of the semantics document).
    #[serde(default)]
    pub timing: Timing,
    /// Major version of the Docker Engine on the nodes. It decides the healthcheck
    /// `start_interval` default: 5 s from Engine 27, `interval` before (moby/moby
    /// `daemon/health.go`, commit c514952, first released in v27.0.0).
    #[serde(default = "default_engine_major")]
    pub engine_major_version: u32,
    /// Nodes a **replicated** service can be placed on. It only matters with host-mode
    /// published ports (one task per node can hold the port). Defaults to 1.
    /// Global services take their node count from [`ServiceMode::Global`].
    #[serde(default)]
    pub nodes: Option<u32>,
    /// Whether the task template differs between `from` and `to` (image, env, healthcheck,
    /// resources, `--force`...). When false no task is dirty, nothing is replaced and Swarm
    /// writes no UpdateStatus (moby/swarmkit `manager/orchestrator/task.go`, `IsTaskDirty`).
    #[serde(default = "default_true")]
    pub task_spec_changed: bool,
}

impl RolloutRequest {
    /// An update from `from` to `to` where the new version behaves as `scenario`, with
    /// default timing, Engine 27, one node, and a changed task template.
    pub fn new(from: ServiceSpec, to: ServiceSpec, scenario: Scenario) -> Self {
        Self {
            from,
            to,
            operation: Operation::Update,
            scenario,
            from_behavior: Scenario::default(),
            timing: Timing::default(),
            engine_major_version: default_engine_major(),
            nodes: None,
            task_spec_changed: true,
        }
    }
}

fn default_engine_major() -> u32 {
    27
}

pub(super) fn default_true() -> bool {
    true
}

/// What starts the rollout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `UpdateService` with a new spec: PreviousSpec = `from`, UpdateStatus reset; the
    /// updater runs with `to`'s `update_config`.
    #[default]
    Update,
    /// `docker service rollback`: Spec and PreviousSpec are swapped, UpdateStatus becomes
    /// `rollback_started` / `manually requested rollback`, and the updater runs with the
    /// restored (`to`) spec's `rollback_config` (moby/swarmkit `controlapi.Server.UpdateService`).
    Rollback,
}
