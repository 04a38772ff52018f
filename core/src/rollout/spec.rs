//! Input: the effective Swarm rollout spec of one service, and the request to simulate.
//!
//! These types describe a service **as swarmkit stores it** (after Docker's API conversion),
//! not as a Compose file spells it. Converting Compose to this shape (for example
//! `monitor: 0s` → unset, a present `update_config` without `parallelism` → 1) is the
//! caller's job; see `swarm-rollout-semantics.md` §1.
//!
//! **Units:** every duration is an integer number of **milliseconds** (`*_ms` fields).
//! Swarm itself counts in nanoseconds, but nothing in a rollout is sensitive below a
//! millisecond, and swarmkit rejects non-zero healthcheck durations under 1 ms anyway
//! (moby/swarmkit `manager/controlapi/service.go`, `validateHealthCheck`).
//! A `None` duration means "not set", which is different from zero where Swarm makes a
//! difference (monitor, restart delay, stop grace period).

use serde::{Deserialize, Serialize};

use super::time::{DEFAULT_MONITOR_MS, DEFAULT_RESTART_DELAY_MS, DEFAULT_STOP_GRACE_MS, Millis};

/// The rollout-relevant part of one Swarm service spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Replicated with a replica count, or global on a number of nodes.
    #[serde(default)]
    pub mode: ServiceMode,
    /// `UpdateConfig`; `None` means the whole swarmkit default block
    /// (parallelism 1, delay 0, pause, monitor 5 s, ratio 0, stop-first).
    #[serde(default)]
    pub update_config: Option<UpdateConfig>,
    /// `RollbackConfig`, same fields and defaults. A rollback runs with the rollback config
    /// of the spec it **restores**, not of the spec that failed.
    #[serde(default)]
    pub rollback_config: Option<UpdateConfig>,
    /// The container's effective healthcheck (service healthcheck merged with the image's).
    /// `None` means no healthcheck: a task is RUNNING as soon as its container starts.
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    /// `StopGracePeriod`. `None` means the engine's container stop timeout (10 s). The
    /// executor truncates it to whole seconds (moby/moby
    /// `daemon/cluster/executor/container/adapter.go`, `shutdown`).
    #[serde(default)]
    pub stop_grace_period_ms: Option<Millis>,
    /// `Task.Restart`; `None` means condition any, delay 5 s, unlimited attempts.
    #[serde(default)]
    pub restart_policy: Option<RestartPolicy>,
    /// Attached to a network other than the default bridge (always true for
    /// `docker stack deploy`). Such tasks sleep 2 s before `docker stop`
    /// (moby/moby `controller.Shutdown`, `defaultGossipConvergeDelay`).
    #[serde(default = "super::request::default_true")]
    pub networked: bool,
    /// Publishes a port in host mode. A node's port stays taken until the task holding it
    /// has exited, so a start-first update on a full node can never place its new task
    /// (moby/swarmkit `manager/scheduler/filter.go`, `HostPortFilter`).
    #[serde(default)]
    pub host_mode_ports: bool,
}

impl Default for ServiceSpec {
    fn default() -> Self {
        Self {
            mode: ServiceMode::default(),
            update_config: None,
            rollback_config: None,
            healthcheck: None,
            stop_grace_period_ms: None,
            restart_policy: None,
            networked: true,
            host_mode_ports: false,
        }
    }
}

/// Replicated or global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServiceMode {
    /// `replicas` tasks in slots 1..=replicas.
    Replicated {
        /// Number of replicas.
        replicas: u32,
    },
    /// One task per eligible node; the simulator numbers the nodes 1..=nodes and uses the
    /// node number as the slot.
    Global {
        /// Number of nodes the service runs on (active, not drained or paused).
        nodes: u32,
    },
}

impl Default for ServiceMode {
    fn default() -> Self {
        ServiceMode::Replicated { replicas: 1 }
    }
}

impl ServiceMode {
    /// Number of slots (replicas, or nodes for a global service).
    pub fn slot_count(self) -> u32 {
        match self {
            ServiceMode::Replicated { replicas } => replicas,
            ServiceMode::Global { nodes } => nodes,
        }
    }

    /// True for global services.
    pub fn is_global(self) -> bool {
        matches!(self, ServiceMode::Global { .. })
    }
}

/// `UpdateConfig` / `RollbackConfig` as swarmkit stores it.
///
/// Field defaults (when a field is missing from the JSON) are those of a present block
/// written by the Docker CLI or `docker stack deploy`: parallelism 1, everything else zero
/// or unset. Write `"parallelism": 0` to get swarmkit's "all dirty slots at once".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateConfig {
    /// Number of workers; 0 means one per dirty slot (moby/swarmkit `Updater.Run`).
    #[serde(default = "default_parallelism")]
    pub parallelism: u64,
    /// Sleep of each worker after each slot, including the last one.
    #[serde(default)]
    pub delay_ms: Millis,
    /// What a counted failure above the ratio does.
    #[serde(default)]
    pub failure_action: FailureAction,
    /// Failure window per task and final wait; `None` (nil) means 5 s. Docker cannot send
    /// 0 (it becomes nil), so `Some(0)` is only reachable through swarmkit's own API.
    #[serde(default)]
    pub monitor_ms: Option<Millis>,
    /// The action fires when `failures / dirty_slots > max_failure_ratio` (strictly).
    #[serde(default)]
    pub max_failure_ratio: f32,
    /// stop-first or start-first.
    #[serde(default)]
    pub order: UpdateOrder,
}

fn default_parallelism() -> u64 {
    crate::swarm::defaults::CLI_PRESENT_BLOCK_PARALLELISM
}

impl Default for UpdateConfig {
    /// swarmkit's `defaults.Service.Update` (identical to `defaults.Service.Rollback`).
    fn default() -> Self {
        Self {
            parallelism: 1,
            delay_ms: 0,
            failure_action: FailureAction::Pause,
            monitor_ms: None,
            max_failure_ratio: 0.0,
            order: UpdateOrder::StopFirst,
        }
    }
}

/// `failure_action`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    /// Stop handing out slots and write `paused`.
    #[default]
    Pause,
    /// No failure watch at all: failures are neither detected nor counted.
    Continue,
    /// Restore the previous spec and roll back with its rollback config.
    Rollback,
}

/// `order`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// Stop the old task, wait (at most 60 s) for it to exit, then start the new one.
    #[default]
    StopFirst,
    /// Start the new task; stop the old one once the new one is RUNNING.
    StartFirst,
}

/// The effective healthcheck of the container. `None` / `0` durations and retries mean the
/// engine defaults (moby/moby `daemon/health.go`): interval 30 s, timeout 30 s, retries 3,
/// start_period 0, start_interval 5 s (Engine ≥ 27) or `interval` (older engines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    /// `present` (a CMD or CMD-SHELL test) or `none` (`test: ["NONE"]`, disabled).
    #[serde(default)]
    pub test: HealthTest,
    /// Wait between probes (from the end of one to the start of the next).
    #[serde(default)]
    pub interval_ms: Option<Millis>,
    /// A probe running longer than this fails.
    #[serde(default)]
    pub timeout_ms: Option<Millis>,
    /// Consecutive counted failures that make the container unhealthy.
    #[serde(default)]
    pub retries: Option<u32>,
    /// Failures of probes started within this period after container start are ignored
    /// while the container has never been healthy.
    #[serde(default)]
    pub start_period_ms: Option<Millis>,
    /// Wait between probes during the start period (API ≥ 1.44 / Engine ≥ 25).
    #[serde(default)]
    pub start_interval_ms: Option<Millis>,
}

/// Whether the healthcheck has a test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthTest {
    /// A probe command is configured.
    #[default]
    Present,
    /// `NONE`: the healthcheck is disabled.
    None,
}

/// `Task.Restart`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RestartPolicy {
    /// When a task that ended is replaced.
    #[serde(default)]
    pub condition: RestartCondition,
    /// Delay before the replacement is started; `None` (nil) means 5 s.
    #[serde(default)]
    pub delay_ms: Option<Millis>,
    /// Maximum replacements per slot and spec version; 0 means unlimited.
    #[serde(default)]
    pub max_attempts: u64,
    /// Only replacements within this window count towards `max_attempts`; 0 means all.
    #[serde(default)]
    pub window_ms: Millis,
}

/// `restart_policy.condition`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RestartCondition {
    /// Replace every task that ends.
    #[default]
    Any,
    /// Do not replace tasks that exited 0 (COMPLETE).
    OnFailure,
    /// Never replace.
    None,
}

/// An `UpdateConfig` with swarmkit's defaults applied, as `Updater.Run` uses it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EffectiveUpdateConfig {
    /// Literal parallelism (0 = one worker per dirty slot).
    pub parallelism: u64,
    /// Delay after each slot.
    pub delay_ms: Millis,
    /// Failure action.
    pub failure_action: FailureAction,
    /// Monitor period (nil → 5 s).
    pub monitor_ms: Millis,
    /// Failure ratio threshold.
    pub max_failure_ratio: f32,
    /// Update order.
    pub order: UpdateOrder,
}

impl EffectiveUpdateConfig {
    /// A nil block takes the whole default block; a present block is taken literally except
    /// `Monitor == nil → 5 s` (moby/swarmkit `manager/orchestrator/update/updater.go`, `Run`).
    pub fn resolve(config: Option<&UpdateConfig>) -> Self {
        let config = config.copied().unwrap_or_default();
        Self {
            parallelism: config.parallelism,
            delay_ms: config.delay_ms,
            failure_action: config.failure_action,
            monitor_ms: config.monitor_ms.unwrap_or(DEFAULT_MONITOR_MS),
            max_failure_ratio: config.max_failure_ratio,
            order: config.order,
        }
    }
}

impl ServiceSpec {
    /// The stop timeout `docker stop` gets: the grace period truncated to whole seconds.
    pub(super) fn effective_stop_grace_ms(&self) -> Millis {
        match self.stop_grace_period_ms {
            None => DEFAULT_STOP_GRACE_MS,
            Some(ms) => ms / 1_000 * 1_000,
        }
    }

    /// The restart policy with swarmkit's defaults applied.
    pub(super) fn effective_restart(&self) -> EffectiveRestart {
        let policy = self.restart_policy.unwrap_or_default();
        EffectiveRestart {
            condition: policy.condition,
            delay_ms: policy.delay_ms.unwrap_or(DEFAULT_RESTART_DELAY_MS),
            max_attempts: policy.max_attempts,
            window_ms: policy.window_ms,
        }
    }
}

/// A restart policy with defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EffectiveRestart {
    pub(super) condition: RestartCondition,
    pub(super) delay_ms: Millis,
    pub(super) max_attempts: u64,
    pub(super) window_ms: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nil_block_takes_defaults_and_present_block_is_literal() {
        let nil = EffectiveUpdateConfig::resolve(None);
        assert_eq!(nil.parallelism, 1);
        assert_eq!(nil.monitor_ms, 5_000);
        assert_eq!(nil.order, UpdateOrder::StopFirst);
        let zero = UpdateConfig {
            parallelism: 0,
            ..UpdateConfig::default()
        };
        assert_eq!(EffectiveUpdateConfig::resolve(Some(&zero)).parallelism, 0);
        let tiny = UpdateConfig {
            monitor_ms: Some(0),
            ..UpdateConfig::default()
        };
        assert_eq!(EffectiveUpdateConfig::resolve(Some(&tiny)).monitor_ms, 0);
    }

    #[test]
    fn json_defaults_match_the_cli() {
        let spec: ServiceSpec = serde_json::from_str(
            r#"{"mode":{"kind":"replicated","replicas":6},"update_config":{"order":"start-first"}}"#,
        )
        .expect("valid spec");
        let update = spec.update_config.expect("present");
        assert_eq!(update.parallelism, 1);
        assert_eq!(update.failure_action, FailureAction::Pause);
        assert!(spec.networked);
        assert_eq!(spec.mode.slot_count(), 6);
    }

    #[test]
    fn grace_is_truncated_to_seconds() {
        let spec = ServiceSpec {
            stop_grace_period_ms: Some(1_500),
            ..ServiceSpec::default()
        };
        assert_eq!(spec.effective_stop_grace_ms(), 1_000);
        assert_eq!(ServiceSpec::default().effective_stop_grace_ms(), 10_000);
    }
}
