//! Output: the simulated timeline of one rollout.
//!
//! Every instant is in milliseconds after the update (or rollback) was accepted. Field and
//! variant names are part of the plan-file contract: rename nothing without a schema bump.
//!
//! Task labels stand in for Swarm's random task IDs: `O<slot>` tasks ran before the update,
//! `N<slot>` were created by the update, `RB<slot>` by a rollback, `L<slot>` by a later
//! updater pass, `R<slot>` by the restart supervisor and `S<slot>` by the orchestrator's
//! reconcile (scale-up or a dead slot during a rollback). A second task with the same
//! prefix in the same slot gets a suffix: `R1.2`, `R1.3`, ...

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::spec::EffectiveUpdateConfig;
use super::time::Millis;

/// A task's label (it stands in for Swarm's random task ID). Cheap to clone: events of one
/// task share it. Serialized as a plain string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskLabel(Arc<str>);

impl TaskLabel {
    /// The label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for TaskLabel {
    fn from(text: String) -> Self {
        TaskLabel(text.into())
    }
}

impl From<&str> for TaskLabel {
    fn from(text: &str) -> Self {
        TaskLabel(text.into())
    }
}

impl Deref for TaskLabel {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for TaskLabel {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for TaskLabel {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl Serialize for TaskLabel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TaskLabel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(TaskLabel::from)
    }
}

/// The result of [`simulate`](super::simulate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RolloutPlan {
    /// What the rollout amounts to (see [`Outcome`]).
    pub outcome: Outcome,
    /// The last UpdateStatus written, as `docker service inspect` would show it.
    pub final_status: Option<StatusChange>,
    /// Which spec the service runs at the end.
    pub final_spec: SpecSide,
    /// Ordered timeline.
    pub events: Vec<TimelineEvent>,
    /// Every UpdateStatus write, in order.
    pub status_changes: Vec<StatusChange>,
    /// Healthy-serving tasks and live containers after every change, starting at t = 0.
    /// Several points may share an instant: a value that holds for an instant only counts.
    pub capacity: Vec<CapacityPoint>,
    /// Every task that existed, in creation order (for slot × time charts).
    pub tasks: Vec<TaskSummary>,
    /// The counted failure that made the updater act, if any.
    pub detection: Option<Detection>,
    /// The rollback, automatic or manual, if one started.
    pub rollback: Option<RollbackSummary>,
    /// Each updater pass that ran, in order.
    pub passes: Vec<PassSummary>,
    /// When the last updater pass wrote its final status (completed, paused, ...).
    pub finished_at_ms: Option<Millis>,
    /// From when on at least `target_replicas` tasks serve until the end of the simulation;
    /// 0 if capacity never dropped, `None` if it is below target at the end.
    pub full_capacity_at_ms: Option<Millis>,
    /// Replicas (or nodes) of the spec the service runs at the end.
    pub target_replicas: u32,
    /// Lowest number of healthy-serving tasks (observed RUNNING with desired RUNNING).
    pub min_healthy: u32,
    /// Highest number of healthy-serving tasks.
    pub max_healthy: u32,
    /// Highest number of live containers, stopping ones included.
    pub max_containers: u32,
    /// Tasks created during the simulation, by anyone.
    pub tasks_created: u32,
    /// Tasks created by updater workers (update, rollback and later passes).
    pub tasks_created_by_updater: u32,
    /// Replacement tasks created by the restart supervisor.
    pub tasks_created_by_restart: u32,
    /// The simulation stopped at this instant.
    pub simulated_until_ms: Millis,
    /// Problems a reader should see.
    pub warnings: Vec<Warning>,
    /// Places where Swarm is nondeterministic and the simulator picked one outcome.
    pub notes: Vec<Note>,
}

/// What the rollout amounts to. Classification, from strongest to weakest: an updater
/// still waiting at the end ([`HangsForever`](Outcome::HangsForever),
/// [`Unfinished`](Outcome::Unfinished)); a rollback that paused; a rollback that completed
/// (even if a later pass then wrote `completed`); otherwise the last UpdateStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No task was dirty: nothing was replaced and no UpdateStatus was written.
    NoUpdate,
    /// `completed` / `update completed`.
    Completed,
    /// `paused`: the update stopped handing out slots.
    Paused,
    /// A rollback reached `rollback_completed`.
    RolledBack,
    /// A rollback was paused (`rollback_paused`), whatever was written after it.
    RollbackPaused,
    /// The updater waits forever (a task that can never be placed or never runs); the
    /// status stays `updating` (or `rollback_started`).
    HangsForever,
    /// The failure action `rollback` fired but there was no previous spec; the updater
    /// stopped and the status stays as it was.
    Stalled,
    /// Still running when the simulation hit its horizon or event budget.
    Unfinished,
}

/// One of the two specs of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpecSide {
    /// The spec running before.
    From,
    /// The spec rolled out.
    To,
}

/// Swarm's UpdateStatus states, with the API's names (moby/moby `api/types/swarm/service.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// `updating`
    Updating,
    /// `paused`
    Paused,
    /// `completed`
    Completed,
    /// `rollback_started`
    RollbackStarted,
    /// `rollback_paused`
    RollbackPaused,
    /// `rollback_completed`
    RollbackCompleted,
}

impl UpdateState {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateState::Updating => "updating",
            UpdateState::Paused => "paused",
            UpdateState::Completed => "completed",
            UpdateState::RollbackStarted => "rollback_started",
            UpdateState::RollbackPaused => "rollback_paused",
            UpdateState::RollbackCompleted => "rollback_completed",
        }
    }
}

/// One UpdateStatus write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusChange {
    /// When it was written.
    pub at_ms: Millis,
    /// The new state.
    pub state: UpdateState,
    /// Swarm's exact message.
    pub message: String,
}

/// A sample of capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CapacityPoint {
    /// Instant.
    pub at_ms: Millis,
    /// Tasks observed RUNNING with desired RUNNING (in the load balancer).
    pub healthy: u32,
    /// Started containers that have not exited yet (stopping ones included).
    pub containers: u32,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimelineEvent {
    /// Instant.
    pub at_ms: Millis,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Who created a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Creator {
    /// Existed before the simulation.
    Initial,
    /// An updater worker (update, rollback or later pass).
    Updater,
    /// The restart supervisor, replacing a task that ended.
    Restart,
    /// The orchestrator's reconcile (scale-up, or a dead slot during a rollback).
    Reconcile,
}

/// Who told a task to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    /// An updater worker (stop-first before the new task, start-first after it).
    Updater,
    /// The orchestrator's reconcile (scale-down).
    Reconcile,
}

/// The kind of an updater pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PassKind {
    /// The update itself.
    Update,
    /// A rollback (automatic or manual), run with the restored spec's rollback config.
    Rollback,
    /// A pass started by the reconcile that a completion write triggers (§3.7).
    LaterPass,
}

/// The observed end state of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndState {
    /// Stopped because its desired state was SHUTDOWN.
    Shutdown,
    /// Exited non-zero (or was killed) on its own or after failing its healthcheck.
    Failed,
    /// Exited 0 on its own ("early termination" to the updater).
    Complete,
}

/// What the updater did about a counted failure above the ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionTaken {
    /// `paused` (or `rollback_paused` during a rollback).
    Pause,
    /// `rollback_started`.
    Rollback,
    /// `failure_action: rollback` during a rollback: paused instead ("never roll back a
    /// rollback"), without stopping the updater.
    PauseRollback,
}

/// Timeline steps. Serialized with a `kind` tag in snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// UpdateStatus written.
    Status {
        /// New state.
        state: UpdateState,
        /// Exact message.
        message: String,
    },
    /// An updater pass started.
    UpdaterStarted {
        /// Pass number (1-based).
        pass: u32,
        /// Kind of pass.
        pass_kind: PassKind,
        /// The spec it converges to.
        spec: SpecSide,
        /// Slots that needed work when it started (the failure-ratio denominator).
        dirty_slots: u32,
        /// Worker count.
        workers: u32,
        /// The config it runs with.
        config: EffectiveUpdateConfig,
    },
    /// An updater pass was cancelled because the service spec changed (rollback).
    UpdaterCancelled {
        /// Pass number.
        pass: u32,
    },
    /// A worker took a slot.
    SlotTaken {
        /// Pass number.
        pass: u32,
        /// Slot (node number for global services).
        slot: u32,
    },
    /// A worker finished a slot (before its delay).
    SlotDone {
        /// Pass number.
        pass: u32,
        /// Slot.
        slot: u32,
    },
    /// A worker gave up on a slot: its store batch failed and nothing was created.
    SlotFailed {
        /// Pass number.
        pass: u32,
        /// Slot.
        slot: u32,
        /// swarmkit's error text.
        error: String,
    },
    /// A task was created.
    TaskCreated {
        /// Task label.
        task: TaskLabel,
        /// Slot.
        slot: u32,
        /// Spec it runs.
        spec: SpecSide,
        /// Creator.
        by: Creator,
        /// Created with desired RUNNING (otherwise READY: prepared but held).
        desired_running: bool,
    },
    /// The scheduler could not place a task.
    TaskPending {
        /// Task label.
        task: TaskLabel,
        /// Swarm's explanation.
        reason: String,
    },
    /// A pending task was placed (its node can now take it).
    TaskPlaced {
        /// Task label.
        task: TaskLabel,
    },
    /// A held task's desired state became RUNNING.
    TaskStartRequested {
        /// Task label.
        task: TaskLabel,
    },
    /// The container started (task STARTING when it has a healthcheck).
    TaskStarted {
        /// Task label.
        task: TaskLabel,
    },
    /// The task became RUNNING (healthy, when it has a healthcheck).
    TaskRunning {
        /// Task label.
        task: TaskLabel,
    },
    /// The container became unhealthy; the executor stops it.
    TaskUnhealthy {
        /// Task label.
        task: TaskLabel,
    },
    /// The task's desired state became SHUTDOWN (told to stop).
    TaskStopRequested {
        /// Task label.
        task: TaskLabel,
        /// Who.
        by: StopCause,
    },
    /// The task ended.
    TaskEnded {
        /// Task label.
        task: TaskLabel,
        /// Observed end state.
        state: EndState,
        /// Exit code of its container, if it had one.
        exit_code: Option<i32>,
        /// The task error Swarm shows, if any.
        error: Option<String>,
    },
    /// A failure the updater counted.
    FailureCounted {
        /// Pass number.
        pass: u32,
        /// Task label.
        task: TaskLabel,
        /// When the task ended (evaluation may be later, see §3.3).
        observed_at_ms: Millis,
        /// Failures counted so far.
        failures: u32,
        /// The ratio's denominator.
        dirty_slots: u32,
    },
    /// A failure of a task this updater created that it did not count: it came more than
    /// the monitor period after the worker saw the task RUNNING.
    FailureIgnored {
        /// Pass number.
        pass: u32,
        /// Task label.
        task: TaskLabel,
        /// When the task ended.
        observed_at_ms: Millis,
        /// When the worker saw it RUNNING.
        seen_running_at_ms: Millis,
        /// The window that applied.
        window_ms: Millis,
    },
}

/// Summary of one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TaskSummary {
    /// Label.
    pub task: TaskLabel,
    /// Slot (node for global services).
    pub slot: u32,
    /// Spec.
    pub spec: SpecSide,
    /// Creator.
    pub created_by: Creator,
    /// Creation instant (0 for tasks that existed before).
    pub created_at_ms: Millis,
    /// Container start, if it started during the simulation.
    pub started_at_ms: Option<Millis>,
    /// First time it was RUNNING during the simulation.
    pub running_at_ms: Option<Millis>,
    /// When it was told to stop.
    pub stop_requested_at_ms: Option<Millis>,
    /// When it ended.
    pub ended_at_ms: Option<Millis>,
    /// How it ended.
    pub end_state: Option<EndState>,
    /// Still pending (never placed) at the end.
    pub pending: bool,
}

/// The failure that made the updater act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Detection {
    /// When the updater evaluated it and acted.
    pub at_ms: Millis,
    /// When the task ended.
    pub observed_at_ms: Millis,
    /// Task label.
    pub task: TaskLabel,
    /// Failures counted.
    pub failures: u32,
    /// Denominator.
    pub dirty_slots: u32,
    /// What it did.
    pub action: ActionTaken,
}

/// A rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RollbackSummary {
    /// When it started.
    pub started_at_ms: Millis,
    /// True for `docker service rollback`, false for the automatic failure action.
    pub manual: bool,
    /// The restored spec's rollback config, as run.
    pub config: EffectiveUpdateConfig,
    /// When it wrote its final status.
    pub finished_at_ms: Option<Millis>,
    /// That final status.
    pub final_state: Option<UpdateState>,
    /// Tasks its workers created (slots whose old task survived need none).
    pub tasks_created: u32,
}

/// One updater pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PassSummary {
    /// Pass number (1-based).
    pub pass: u32,
    /// Kind.
    pub kind: PassKind,
    /// Start instant.
    pub started_at_ms: Millis,
    /// Instant it wrote its final status or was cancelled.
    pub ended_at_ms: Option<Millis>,
    /// Dirty slots at start.
    pub dirty_slots: u32,
    /// Failures it counted.
    pub failures_counted: u32,
    /// Config it ran with.
    pub config: EffectiveUpdateConfig,
}

/// A problem worth showing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    /// Machine-readable kind.
    pub kind: WarningKind,
    /// Human text.
    pub message: String,
    /// Start of the problem, if it has one.
    pub at_ms: Option<Millis>,
    /// End of the problem, if it ended.
    pub until_ms: Option<Millis>,
}

/// Warning kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The update waits forever.
    HangsForever,
    /// No task serves for a while.
    FullOutage,
    /// A slot keeps replacing a failing task.
    CrashLoop,
    /// Failures of new tasks were not counted (continue, outside the monitor window, or
    /// after the updater ended).
    FailuresNotCounted,
    /// The update completed, yet some slots still run the old spec: start-first keeps the
    /// old task when the new one fails before RUNNING, and nothing counted that failure.
    OldTasksKept,
    /// The scenario cannot show up in the healthcheck (no healthcheck configured).
    ScenarioUndetectable,
    /// The rollback action had no previous spec to restore.
    RollbackImpossible,
    /// The simulation stopped at its horizon or event budget with work left.
    SimulationCut,
}

/// A nondeterministic point of Swarm and the outcome the simulator chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Note {
    /// Machine-readable kind.
    pub kind: NoteKind,
    /// Human text.
    pub message: String,
    /// Instant it concerns.
    pub at_ms: Option<Millis>,
}

/// Note kinds (§7 "Nondeterminism to surface").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Swarm hands dirty slots out in random order; the simulator uses ascending slots.
    SlotOrder,
    /// A free worker could have taken one more slot before the failure was evaluated.
    ExtraSlotRace,
    /// A restart replacement was built in the same instant as a rollback write.
    RestartSpecRace,
    /// A task exited 0 during its health gate: the manager may or may not see RUNNING.
    Exit0RunningRace,
    /// A pass after a completion write depends on the finished updater having left the
    /// supervisor's map; which of two clean tasks it keeps is arbitrary.
    LaterPassRace,
    /// Several failures were evaluated at one instant; which one is named is arbitrary.
    SimultaneousFailures,
    /// A new task failed after the updater or rollback had already told it to stop, so it
    /// is not replaced; had Swarm seen its failure before that stop order it would be (one
    /// more task created). Which of the two Swarm sees first decides.
    FailureOrderRace,
}

/// A task label is serialized as a plain string.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for TaskLabel {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TaskLabel".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "O1 (old task), N1 (new), R1.2 (restart replacement), RB1 (rollback), L1 (later pass), S1 (scale-up)" })
    }
}
