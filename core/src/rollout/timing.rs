//! Timing assumptions of the simulator (§7 of `swarm-rollout-semantics.md`).
//!
//! Swarm's own timers (restart delay, update delay, monitor, healthcheck intervals, the
//! 60 s old-task timeout) come from the spec. What a spec cannot say, how fast this cluster
//! starts and stops containers, is set here. The defaults were calibrated on a single-node
//! Swarm with a local `FROM scratch` image referenced by ID (no pull).

use serde::{Deserialize, Serialize};

use super::time::{DEFAULT_START_INTERVAL_MS, Millis};

/// Latencies of the cluster and the application, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Timing {
    /// `S_new`: from a task being placed with desired RUNNING to its container starting
    /// (schedule, pull attempt, create, start). Default 1000.
    pub start_new_ms: Millis,
    /// `S_ready`: from desired RUNNING to container start for a task that is already
    /// prepared (stop-first and restart-delayed tasks are prepared in advance). Default 200.
    /// A task is prepared `start_new_ms - start_ready_ms` after it was placed.
    pub start_ready_ms: Millis,
    /// `G`: the sleep before `docker stop` of a task attached to a non-bridge network
    /// (moby/moby `defaultGossipConvergeDelay`). Default 2000; applies only to specs with
    /// `networked: true`.
    pub gossip_delay_ms: Millis,
    /// How long the agent takes to begin stopping a STARTING or RUNNING task the manager
    /// told to stop (an update's old task, a rollback's surplus): it first cancels the task's
    /// wait, treats the cancellation as "retry", and re-runs the controller after a fixed 1 s
    /// (moby/swarmkit `agent/task.go` `taskManager.run`, `time.AfterFunc(time.Second, ...)`;
    /// `agent/exec/controller.go` `Do`/`retry`). Default 1000. Stops the engine starts itself
    /// (an unhealthy container) and stops of never-started tasks do not wait. The semantics
    /// document's §4.4/§7 leave it out; a real Swarm (tests/swarm_e2e.rs) shows it: SIGTERM
    /// 3.18 s after the stop order, not 2.1 s. Set it to 0 to reproduce the document's numbers.
    pub stop_order_delay_ms: Millis,
    /// Minimum spacing between two container starts on one node. The daemon serialises much
    /// of a container start (network attachment, create, start), so containers started in
    /// the same instant come up one after another: measured on the project's single-node
    /// Swarm (docs/fidelity.md), 0.54 s for one container, about 0.25 s more for each one
    /// started with it (1.75 s for the sixth of six). It also spreads "simultaneous"
    /// failures apart as on a real Swarm, so the first one is acted on before the others
    /// arrive. Default 250; 0 starts them all at once (the document's §7 convention).
    pub start_spacing_ms: Millis,
    /// How much longer a container start takes for each other task starting on the same
    /// node at the same time (placed or prepared with desired RUNNING, container not started
    /// yet), added to its latency before `start_spacing_ms` serialises the batch: a batch of
    /// `n` started together has its first container up `(n - 1) × start_concurrent_ms` later
    /// than a container started alone. Measured on the project's machine (issue 10): 0.54 s
    /// alone, 1.0–1.17 s for two at once, 1.75 s for six. Default 0: the defaults keep a flat
    /// `start_new_ms` for the first of a batch (the fidelity verdicts of docs/fidelity.md were
    /// made with it); `stackplan calibrate` measures it for a cluster.
    pub start_concurrent_ms: Millis,
    /// `E`: how long a well-behaved application takes to exit after SIGTERM. Default 100.
    /// An application that ignores SIGTERM is killed after the stop grace period instead.
    pub sigterm_exit_ms: Millis,
    /// `p`: duration of one healthcheck probe. Default 100.
    pub probe_ms: Millis,
    /// How long to keep simulating after the last updater pass has ended, so the output
    /// shows what follows (crash loops, late crashes). Default 30 000.
    pub observe_after_end_ms: Millis,
    /// Simulated time after which the simulation stops even if the update is still
    /// running. Default 3 600 000 (one hour).
    pub horizon_ms: Millis,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            start_new_ms: 1_000,
            start_ready_ms: 200,
            gossip_delay_ms: 2_000,
            stop_order_delay_ms: 1_000,
            start_spacing_ms: 250,
            start_concurrent_ms: 0,
            sigterm_exit_ms: 100,
            probe_ms: 100,
            observe_after_end_ms: 30_000,
            horizon_ms: 3_600_000,
        }
    }
}

impl Timing {
    /// Time from placement to "prepared" (image pulled, container created).
    pub(super) fn prepare_ms(&self) -> Millis {
        self.start_new_ms.saturating_sub(self.start_ready_ms)
    }
}

/// Which healthcheck `start_interval` applies, by engine major version.
///
/// * Engine < 25 has no start interval: probes run every `interval` (moby/moby v24
///   `daemon/health.go`, `monitor`), and the field is cleared for older API clients.
/// * Engine 25–26 defaults it to `interval`.
/// * Engine ≥ 27 defaults it to 5 s (moby/moby PR #47799, commit c514952).
pub(super) fn effective_start_interval(
    engine_major_version: u32,
    configured: Option<Millis>,
    interval_ms: Millis,
) -> Millis {
    let configured = configured.filter(|&ms| ms != 0);
    match engine_major_version {
        0..=24 => interval_ms,
        25 | 26 => configured.unwrap_or(interval_ms),
        _ => configured.unwrap_or(DEFAULT_START_INTERVAL_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_interval_default_depends_on_engine() {
        assert_eq!(effective_start_interval(27, None, 2_000), 5_000);
        assert_eq!(effective_start_interval(26, None, 2_000), 2_000);
        assert_eq!(effective_start_interval(26, Some(1_000), 2_000), 1_000);
        assert_eq!(effective_start_interval(24, Some(1_000), 2_000), 2_000);
        assert_eq!(effective_start_interval(28, Some(0), 2_000), 5_000);
    }

    #[test]
    fn prepare_is_the_difference_of_start_latencies() {
        assert_eq!(Timing::default().prepare_ms(), 800);
        let odd = Timing {
            start_new_ms: 100,
            start_ready_ms: 300,
            ..Timing::default()
        };
        assert_eq!(odd.prepare_ms(), 0);
    }
}
