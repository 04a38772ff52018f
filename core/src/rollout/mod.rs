//! Rollout simulator: previews what Docker Swarm does when a service is updated.
//!
//! Given the spec a service runs now, the spec being deployed and a scenario for the new
//! version (`healthy`, `unhealthy`, `crash-after=8s`, ...), [`simulate`] replays swarmkit's
//! updater, restart supervisor, scheduler and the engine's health monitor as a deterministic
//! discrete-event simulation and returns the timeline: task events, UpdateStatus
//! transitions with Swarm's exact messages, capacity over time, the failure that triggered
//! an action, the rollback, and the final state.
//!
//! The model is `swarm-rollout-semantics.md` (§3–§5 for the algorithm, §7 for the
//! simulator's conventions), checked against moby/swarmkit
//! `manager/orchestrator/update/updater.go` and moby/moby `daemon/health.go`. Where Swarm is
//! nondeterministic (slot order, goroutine races) the simulator picks one outcome and says
//! so in [`RolloutPlan::notes`].
//!
//! Architecture invariants: pure (no I/O, clock, threads or randomness); the same request
//! gives the same plan on every platform, wasm32 included; no input makes it panic; the
//! simulated time, event count and updater passes are bounded.
//!
//! ```
//! use stackplan_core::rollout::{simulate, RolloutRequest, Scenario, ServiceMode, ServiceSpec, Outcome};
//!
//! let spec = ServiceSpec { mode: ServiceMode::Replicated { replicas: 3 }, ..ServiceSpec::default() };
//! // The new version exits with code 1 three seconds after it starts.
//! let scenario = Scenario::parse("crash-after=3s:1").expect("valid scenario");
//! let request = RolloutRequest::new(spec.clone(), spec, scenario);
//! let plan = simulate(&request).expect("valid request");
//! // Defaults: one slot at a time, stop-first, pause on failure, monitor 5 s.
//! assert_eq!(plan.outcome, Outcome::Paused);
//! assert_eq!(
//!     plan.final_status.map(|s| s.message).as_deref(),
//!     Some("update paused due to failure or early termination of task N1")
//! );
//! ```

mod duration;
mod events;
mod health;
mod request;
mod scenario;
mod sim;
mod spec;
mod time;
mod timing;

#[cfg(test)]
mod proptests;

use std::fmt;

pub use events::{
    ActionTaken, CapacityPoint, Creator, Detection, EndState, EventKind, Note, NoteKind, Outcome,
    PassKind, PassSummary, RollbackSummary, RolloutPlan, SpecSide, StatusChange, StopCause,
    TaskLabel, TaskSummary, TimelineEvent, UpdateState, Warning, WarningKind,
};
pub use request::{Operation, RolloutRequest};
pub use scenario::{Crash, HealthBehavior, Scenario, ScenarioError, SigtermBehavior};
pub use spec::{
    EffectiveUpdateConfig, FailureAction, HealthTest, Healthcheck, RestartCondition, RestartPolicy,
    ServiceMode, ServiceSpec, UpdateConfig, UpdateOrder,
};
pub use time::{
    DEFAULT_MONITOR_MS, DEFAULT_RESTART_DELAY_MS, DEFAULT_STOP_GRACE_MS, Millis,
    OLD_TASK_TIMEOUT_MS,
};
pub use timing::Timing;

/// Largest replica or node count accepted (keeps memory and time bounded; the simulation
/// also stops after one million events).
pub const MAX_SLOTS: u32 = 20_000;

/// A request the simulator refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutError {
    /// `from` and `to` differ in mode: Swarm cannot change a service's mode in an update.
    ModeChange,
    /// More replicas or nodes than [`MAX_SLOTS`].
    TooManySlots(u32),
}

impl fmt::Display for RolloutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RolloutError::ModeChange => f.write_str(
                "a service cannot change between replicated and global mode in an update",
            ),
            RolloutError::TooManySlots(n) => {
                write!(
                    f,
                    "{n} replicas or nodes is more than the simulator accepts ({MAX_SLOTS})"
                )
            }
        }
    }
}

impl std::error::Error for RolloutError {}

/// Simulates the rollout described by `request`.
///
/// Deterministic: the same request always gives the same plan.
pub fn simulate(request: &RolloutRequest) -> Result<RolloutPlan, RolloutError> {
    simulate_placed(request, None)
}

/// How many tasks of the `to` spec the nodes can hold at once (what the scheduler's filters
/// leave: constraints, reservations, `max_replicas_per_node` over a node inventory); a task
/// created beyond that stays pending with `reason` and is never placed, so an update that
/// needs it hangs in `updating` (crate::placement computes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementLimit {
    /// Tasks of the `to` spec that can hold a node at once.
    pub placeable: u32,
    /// Swarm's pending message for the others (`no suitable node (…)`).
    pub reason: String,
}

/// [`simulate`] with the `to` spec's tasks limited to what the nodes can place.
pub fn simulate_placed(
    request: &RolloutRequest,
    limit: Option<&PlacementLimit>,
) -> Result<RolloutPlan, RolloutError> {
    if request.from.mode.is_global() != request.to.mode.is_global() {
        return Err(RolloutError::ModeChange);
    }
    for mode in [request.from.mode, request.to.mode] {
        if mode.slot_count() > MAX_SLOTS {
            return Err(RolloutError::TooManySlots(mode.slot_count()));
        }
    }
    if let Some(nodes) = request.nodes
        && nodes > MAX_SLOTS
    {
        return Err(RolloutError::TooManySlots(nodes));
    }
    Ok(sim::run(request, limit))
}
