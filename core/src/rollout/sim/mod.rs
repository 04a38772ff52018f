//! The discrete-event simulation of one service's rollout.
//!
//! State lives in one [`Sim`]; its behaviour is split by actor, mirroring swarmkit:
//! * [`agent`]: the node: placement, prepare, start, health probes, stop sequences, exits.
//! * [`supervisor`]: the restart supervisor (`restart.Supervisor`) and its delayed starts.
//! * [`updater`]: the update supervisor, updater main loop and workers (`update.Updater`),
//!   the orchestrator's reconcile and the UpdateStatus writes.
//! * [`report`]: turning the final state into a [`RolloutPlan`].
//!
//! Invariants: no clock, no randomness, no hash maps (iteration order must not depend on
//! anything but the input). Every loop is bounded: the event count by `MAX_EVENTS`, the
//! simulated time by the horizon, updater passes by `MAX_PASSES`.

mod agent;
mod queue;
mod report;
mod supervisor;
mod updater;

use std::collections::VecDeque;
use std::fmt::Write as _;

use super::events::{
    CapacityPoint, Creator, Detection, EndState, EventKind, Note, NoteKind, PassKind, PassSummary,
    RollbackSummary, RolloutPlan, SpecSide, StatusChange, TaskLabel, TimelineEvent, UpdateState,
    Warning,
};
use super::health::{HealthChange, ProbePlan};
use super::request::{Operation, RolloutRequest};
use super::scenario::Scenario;
use super::spec::{EffectiveRestart, EffectiveUpdateConfig, ServiceSpec};
use super::time::Millis;
use super::timing::Timing;
use queue::EventQueue;

type TaskId = usize;
type UpdaterId = usize;
type DelayId = usize;

/// Processing more events than this stops the simulation. It bounds time and memory (the
/// timeline grows with it); a 1,000-replica rollout with a crash loop and a rollback needs
/// about 20,000.
const MAX_EVENTS: u64 = 1_000_000;
/// Later passes after completion writes are bounded; each needs a duplicate clean task.
const MAX_PASSES: u32 = 32;

/// The first letters of a task label: who created it (see the `events` module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelPrefix {
    Initial,
    Update,
    Rollback,
    LaterPass,
    Restart,
    Reconcile,
}

impl LabelPrefix {
    const COUNT: usize = 6;

    fn as_str(self) -> &'static str {
        match self {
            LabelPrefix::Initial => "O",
            LabelPrefix::Update => "N",
            LabelPrefix::Rollback => "RB",
            LabelPrefix::LaterPass => "L",
            LabelPrefix::Restart => "R",
            LabelPrefix::Reconcile => "S",
        }
    }
}

/// Observed task state, in swarmkit's order (`api.TaskState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Observed {
    /// Not placed by the scheduler.
    Pending,
    /// Placed; the node is pulling and creating the container.
    Assigned,
    /// Prepared (container created), waiting for desired RUNNING.
    Ready,
    /// Container started, health gate not passed yet.
    Starting,
    Running,
    Complete,
    Shutdown,
    Failed,
}

impl Observed {
    /// `state > RUNNING`: what the failure watch and the restart supervisor react to.
    fn has_ended(self) -> bool {
        self > Observed::Running
    }
}

/// Desired task state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Desired {
    Ready,
    Running,
    Shutdown,
}

/// Why a container is being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopReason {
    /// Desired state SHUTDOWN.
    Told,
    /// The executor reacts to `health_status: unhealthy`.
    Unhealthy,
}

#[derive(Debug, Clone)]
struct Task {
    label: TaskLabel,
    slot: u32,
    spec: SpecSide,
    creator: Creator,
    created_at: Millis,
    desired: Desired,
    observed: Observed,
    /// Bumped whenever the agent events scheduled for this task become stale.
    generation: u32,
    /// The scheduler can never place it (`unschedulable`).
    never_placeable: bool,
    /// Why the scheduler could not place it, while pending.
    pending_reason: Option<String>,
    /// Holds its node's host-mode port (from placement until it ended).
    holds_port: bool,
    /// Counts against the [`super::PlacementLimit`] (a placed `to` task, until it ended).
    holds_room: bool,
    /// A `ContainerStart` event is scheduled.
    start_scheduled: bool,
    container_alive: bool,
    started_at: Option<Millis>,
    running_at: Option<Millis>,
    stop_requested_at: Option<Millis>,
    ended_at: Option<Millis>,
    end_state: Option<EndState>,
    /// The next health status change of the running container.
    next_health: Option<HealthChange>,
    /// When the process exits on its own (`crash-after`).
    crash_at: Option<Millis>,
    stopping: Option<StopReason>,
    /// Exit code of the scheduled container exit.
    exit_code: Option<i32>,
    /// `updatedTasks[id]`: the updater that created the task and when its worker saw it
    /// reach ≥ RUNNING (`None` is Go's zero time).
    updater_record: Option<(UpdaterId, Option<Millis>)>,
    /// Already counted as a failure (`failedTasks`).
    counted: bool,
    /// The worker waiting for this task to reach ≥ RUNNING.
    awaited_by: Option<(UpdaterId, usize)>,
    /// Delayed starts waiting for this task to end.
    stop_watchers: Vec<DelayId>,
    /// The delayed start pending for this task, if any.
    delayed_start: Option<DelayId>,
    /// The next task created in the same slot (slots are linked lists in creation order).
    next_in_slot: Option<TaskId>,
}

/// The tasks of one slot, oldest first, as a linked list through `Task::next_in_slot`.
#[derive(Debug, Clone, Copy, Default)]
struct SlotList {
    first: Option<TaskId>,
    last: Option<TaskId>,
}

/// A spec with every default applied.
#[derive(Debug, Clone)]
struct ResolvedSpec {
    slots: u32,
    global: bool,
    update: EffectiveUpdateConfig,
    rollback: EffectiveUpdateConfig,
    probe: Option<ProbePlan>,
    gossip_ms: Millis,
    stop_grace_ms: Millis,
    restart: EffectiveRestart,
    host_ports: bool,
    behavior: Scenario,
}

impl ResolvedSpec {
    fn new(spec: &ServiceSpec, behavior: Scenario, timing: &Timing, engine: u32) -> Self {
        Self {
            slots: spec.mode.slot_count(),
            global: spec.mode.is_global(),
            update: EffectiveUpdateConfig::resolve(spec.update_config.as_ref()),
            rollback: EffectiveUpdateConfig::resolve(spec.rollback_config.as_ref()),
            probe: ProbePlan::resolve(spec.healthcheck.as_ref(), engine, timing.probe_ms),
            gossip_ms: if spec.networked {
                timing.gossip_delay_ms
            } else {
                0
            },
            stop_grace_ms: spec.effective_stop_grace_ms(),
            restart: spec.effective_restart(),
            host_ports: spec.host_mode_ports,
            behavior,
        }
    }
}

/// One task of a slot as the updater's snapshot saw it (`orchestrator.Slot` holds copies).
#[derive(Debug, Clone, Copy)]
struct SnapshotTask {
    id: TaskId,
    desired: Desired,
    observed: Observed,
}

#[derive(Debug, Clone)]
struct SlotSnapshot {
    slot: u32,
    tasks: Vec<SnapshotTask>,
}

/// What a worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkerState {
    Idle,
    /// Waiting for a delayed start (stop-first: the old task to exit, at most 60 s).
    AwaitingStart {
        slot_index: usize,
        task: TaskId,
        then_await_running: bool,
    },
    /// Waiting, with no timeout, for the new task to reach ≥ RUNNING.
    AwaitingRunning {
        slot_index: usize,
        task: TaskId,
        start_first: bool,
    },
    /// Sleeping `delay` after a slot.
    Sleeping,
}

/// Where the updater's main loop is (`Updater.Run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `slotsLoop`: handing out dirty slots, reading the failure watch while blocked.
    HandingOut,
    /// `wg.Wait()` after the last hand-out: failures are queued, not read.
    WaitingWorkers,
    /// `monitorLoop`: one more monitor period of failure reading.
    FinalMonitor,
    /// The main loop stopped (pause or rollback); in-flight workers may still finish.
    Stopped,
    /// Run returned (or the updater was cancelled).
    Finished,
}

#[derive(Debug, Clone)]
struct Updater {
    pass: u32,
    kind: PassKind,
    spec: SpecSide,
    /// `service.UpdateStatus.State == ROLLBACK_STARTED` when Run began.
    rollback_at_start: bool,
    config: EffectiveUpdateConfig,
    dirty: Vec<SlotSnapshot>,
    next_slot: usize,
    workers: Vec<WorkerState>,
    idle: VecDeque<usize>,
    busy: usize,
    phase: Phase,
    stopped: bool,
    cancelled: bool,
    /// A failure crossed the ratio and the failure action fired.
    acted: bool,
    has_watch: bool,
    failures: VecDeque<(TaskId, Millis)>,
    total_failures: u32,
    monitor_period: Millis,
    handout_scheduled: bool,
    ended_at: Option<Millis>,
}

impl Updater {
    /// The main loop is still working towards a status write.
    fn is_running(&self) -> bool {
        !self.cancelled
            && matches!(
                self.phase,
                Phase::HandingOut | Phase::WaitingWorkers | Phase::FinalMonitor
            )
    }
}

/// `restart.Supervisor.DelayStart`: moves a task to desired RUNNING after a delay and,
/// optionally, after an old task ended (or 60 s passed).
#[derive(Debug, Clone)]
struct DelayedStart {
    task: TaskId,
    delay_until: Millis,
    timeout_at: Millis,
    waits_for_old: bool,
    old_gone: bool,
    done: bool,
    waiter: Option<(UpdaterId, usize)>,
}

/// Restart history of one slot (`instanceRestartInfo`), for `max_attempts`.
#[derive(Debug, Clone, Default)]
struct RestartHistory {
    spec: Option<SpecSide>,
    total: u64,
    instants: Vec<Millis>,
}

/// The simulation.
struct Sim {
    timing: Timing,
    specs: [ResolvedSpec; 2],
    task_spec_changed: bool,
    replicated_nodes: u32,
    now: Millis,
    queue: EventQueue,
    // Service state.
    current: SpecSide,
    previous: Option<SpecSide>,
    status: Option<(UpdateState, String)>,
    // Tasks.
    tasks: Vec<Task>,
    /// First and last task of each slot (index `slot - 1`), linked by `next_in_slot`.
    slots: Vec<SlotList>,
    /// Reused buffer for building labels.
    label_buffer: String,
    /// Tasks labelled so far per slot and [`LabelPrefix`] (indexed by slot; 0 unused).
    label_counts: Vec<[u32; LabelPrefix::COUNT]>,
    /// Tasks holding a host-mode port: per node (= slot) for global services, in entry 0
    /// (a pool of `replicated_nodes`) for replicated ones.
    port_holders: Vec<u32>,
    /// Tasks pending for a host-mode port, in creation order.
    port_waiters: VecDeque<TaskId>,
    /// The latest container start scheduled per node (global: per slot; replicated: slot
    /// modulo the node count), for [`Timing::start_spacing_ms`].
    last_start: Vec<Option<Millis>>,
    /// Restart history per slot (indexed by slot; 0 unused).
    restart_history: Vec<RestartHistory>,
    delays: Vec<DelayedStart>,
    // Updaters.
    updaters: Vec<Updater>,
    active: Option<UpdaterId>,
    // Metrics.
    healthy: u32,
    containers: u32,
    // Output.
    events: Vec<TimelineEvent>,
    status_changes: Vec<StatusChange>,
    capacity: Vec<CapacityPoint>,
    warnings: Vec<Warning>,
    notes: Vec<Note>,
    detection: Option<Detection>,
    rollback: Option<RollbackSummary>,
    passes: Vec<PassSummary>,
    rollback_write_failed: bool,
    hang_detected_at: Option<Millis>,
    cut_short: bool,
    /// The nodes' room for `to` tasks, and the placed `to` tasks holding it.
    limit: Option<super::PlacementLimit>,
    room_taken: u32,
}

/// Runs the simulation for a validated request.
pub(super) fn run(request: &RolloutRequest, limit: Option<&super::PlacementLimit>) -> RolloutPlan {
    let mut sim = Sim::new(request);
    sim.limit = limit.cloned();
    sim.start(request.operation);
    sim.run_loop();
    sim.into_plan()
}

impl Sim {
    fn new(request: &RolloutRequest) -> Self {
        let timing = request.timing;
        let engine = request.engine_major_version;
        let from = ResolvedSpec::new(&request.from, request.from_behavior, &timing, engine);
        let to = ResolvedSpec::new(&request.to, request.scenario, &timing, engine);
        let slot_count = from.slots.max(to.slots) as usize;
        // Typical sizes per slot, capped so huge services do not reserve huge buffers.
        let reserve = |per_slot: usize| slot_count.min(10_000) * per_slot;
        Self {
            timing,
            specs: [from, to],
            task_spec_changed: request.task_spec_changed,
            replicated_nodes: request.nodes.unwrap_or(1).max(1),
            now: 0,
            queue: EventQueue::with_capacity(reserve(8)),
            current: SpecSide::From,
            previous: None,
            status: None,
            tasks: Vec::with_capacity(reserve(5)),
            slots: vec![SlotList::default(); slot_count],
            label_buffer: String::new(),
            label_counts: vec![[0; LabelPrefix::COUNT]; slot_count + 1],
            port_holders: vec![0; slot_count + 1],
            port_waiters: VecDeque::new(),
            last_start: vec![None; slot_count + 1],
            restart_history: vec![RestartHistory::default(); slot_count + 1],
            delays: Vec::with_capacity(reserve(2)),
            updaters: Vec::new(),
            active: None,
            healthy: 0,
            containers: 0,
            events: Vec::with_capacity(reserve(24)),
            status_changes: Vec::new(),
            capacity: Vec::with_capacity(reserve(12)),
            warnings: Vec::new(),
            notes: Vec::new(),
            detection: None,
            rollback: None,
            passes: Vec::new(),
            rollback_write_failed: false,
            hang_detected_at: None,
            cut_short: false,
            limit: None,
            room_taken: 0,
        }
    }

    fn spec(&self, side: SpecSide) -> &ResolvedSpec {
        match side {
            SpecSide::From => &self.specs[0],
            SpecSide::To => &self.specs[1],
        }
    }

    /// Creates the tasks that run before the rollout and applies the spec change.
    fn start(&mut self, operation: Operation) {
        let initial_slots = self.spec(SpecSide::From).slots;
        for slot in 1..=initial_slots {
            self.create_initial_task(slot);
        }
        self.sample_capacity();
        // `Server.UpdateService`: PreviousSpec = the current spec, Spec = the new one.
        // A manual rollback swaps them and writes ROLLBACK_STARTED itself.
        self.current = SpecSide::To;
        self.previous = Some(SpecSide::From);
        if operation == Operation::Rollback {
            self.write_status(
                UpdateState::RollbackStarted,
                "manually requested rollback".to_owned(),
            );
            self.rollback = Some(RollbackSummary {
                started_at_ms: 0,
                manual: true,
                config: self.spec(SpecSide::To).rollback,
                finished_at_ms: None,
                final_state: None,
                tasks_created: 0,
            });
        }
        self.reconcile();
    }

    /// Pops events until the rollout is over (plus the observation window), the queue is
    /// empty, or a bound is hit.
    fn run_loop(&mut self) {
        let mut processed: u64 = 0;
        let mut settle_deadline: Option<Millis> = None;
        loop {
            let running = self.active.is_some_and(|id| self.updaters[id].is_running());
            if let Some(hang_at) = self.hang_detected_at {
                settle_deadline = Some(hang_at.saturating_add(self.timing.observe_after_end_ms));
            } else if running {
                settle_deadline = None;
            } else if settle_deadline.is_none() {
                settle_deadline = Some(self.now.saturating_add(self.timing.observe_after_end_ms));
            }
            let Some(next) = self.queue.peek_time() else {
                break;
            };
            if let Some(deadline) = settle_deadline
                && next > deadline
            {
                self.now = self.now.max(deadline.min(self.timing.horizon_ms));
                break;
            }
            if next > self.timing.horizon_ms || processed >= MAX_EVENTS {
                self.cut_short = true;
                self.now = self.now.max(next.min(self.timing.horizon_ms));
                break;
            }
            let Some((at, event)) = self.queue.pop() else {
                break;
            };
            self.now = at;
            processed += 1;
            self.handle(event);
        }
    }

    fn handle(&mut self, event: queue::Event) {
        use queue::Event as E;
        match event {
            E::Prepared { task, generation } => self.on_prepared(task, generation),
            E::ContainerStart { task, generation } => self.on_container_start(task, generation),
            E::HealthChange { task, generation } => self.on_health_change(task, generation),
            E::ContainerExit { task, generation } => self.on_container_exit(task, generation),
            E::StoppedWithoutContainer { task, generation } => {
                self.on_stopped_without_container(task, generation);
            }
            E::RestartCheck { task } => self.on_restart_check(task),
            E::DelayTimer { delay } => self.on_delay_timer(delay, false),
            E::OldTaskGone { delay } => self.on_delay_timer(delay, true),
            E::WorkerSeesTask {
                updater,
                worker,
                task,
            } => {
                self.on_worker_sees_task(updater, worker, task);
            }
            E::WorkerStartDone { updater, worker } => self.on_worker_start_done(updater, worker),
            E::WorkerSleepDone { updater, worker } => self.on_worker_sleep_done(updater, worker),
            E::MainLoopWake { updater } => self.on_main_loop_wake(updater),
            E::MonitorEnd { updater } => self.on_monitor_end(updater),
            E::Handout { updater } => self.on_handout(updater),
        }
    }

    // ----- task state setters keep the capacity metrics exact -----

    fn is_healthy(task: &Task) -> bool {
        task.observed == Observed::Running && task.desired == Desired::Running
    }

    fn set_observed(&mut self, id: TaskId, observed: Observed) {
        let before = Self::is_healthy(&self.tasks[id]);
        self.tasks[id].observed = observed;
        self.after_health_change(id, before);
    }

    fn set_desired(&mut self, id: TaskId, desired: Desired) {
        let before = Self::is_healthy(&self.tasks[id]);
        self.tasks[id].desired = desired;
        self.after_health_change(id, before);
    }

    fn after_health_change(&mut self, id: TaskId, before: bool) {
        let after = Self::is_healthy(&self.tasks[id]);
        if before != after {
            if after {
                self.healthy += 1;
            } else {
                self.healthy = self.healthy.saturating_sub(1);
            }
            self.sample_capacity();
        }
    }

    fn set_container_alive(&mut self, id: TaskId, alive: bool) {
        if self.tasks[id].container_alive == alive {
            return;
        }
        self.tasks[id].container_alive = alive;
        if alive {
            self.containers += 1;
        } else {
            self.containers = self.containers.saturating_sub(1);
        }
        self.sample_capacity();
    }

    /// Records a capacity point if a value changed (instants with several values all count).
    fn sample_capacity(&mut self) {
        let point = CapacityPoint {
            at_ms: self.now,
            healthy: self.healthy,
            containers: self.containers,
        };
        let unchanged = self.capacity.last().is_some_and(|last| {
            last.healthy == point.healthy && last.containers == point.containers
        });
        if !unchanged {
            self.capacity.push(point);
        }
    }

    // ----- output helpers -----

    fn emit(&mut self, kind: EventKind) {
        self.events.push(TimelineEvent {
            at_ms: self.now,
            kind,
        });
    }

    fn label(&self, id: TaskId) -> TaskLabel {
        self.tasks[id].label.clone()
    }

    fn note(&mut self, kind: NoteKind, message: String) {
        if !self
            .notes
            .iter()
            .any(|n| n.kind == kind && n.message == message)
        {
            self.notes.push(Note {
                kind,
                message,
                at_ms: Some(self.now),
            });
        }
    }

    /// A fresh label `<prefix><slot>`, or `<prefix><slot>.<n>` for the n-th such task.
    fn next_label(&mut self, prefix: LabelPrefix, slot: u32) -> TaskLabel {
        let count = match self.label_counts.get_mut(slot as usize) {
            Some(counts) => {
                counts[prefix as usize] += 1;
                counts[prefix as usize]
            }
            None => 1,
        };
        self.label_buffer.clear();
        self.label_buffer.push_str(prefix.as_str());
        // Writing to a String cannot fail.
        let _ = write!(self.label_buffer, "{slot}");
        if count > 1 {
            let _ = write!(self.label_buffer, ".{count}");
        }
        TaskLabel::from(self.label_buffer.as_str())
    }

    /// Grows the per-slot tables for a slot beyond the initial count (scale-up).
    fn ensure_slot(&mut self, slot: u32) {
        let slot = slot as usize;
        if slot > self.slots.len() {
            self.slots.resize(slot, SlotList::default());
            self.port_holders.resize(slot + 1, 0);
            self.restart_history
                .resize(slot + 1, RestartHistory::default());
            self.label_counts.resize(slot + 1, [0; LabelPrefix::COUNT]);
        }
    }

    /// Appends a new task to its slot's list.
    fn link_into_slot(&mut self, id: TaskId) {
        let slot = self.tasks[id].slot;
        self.ensure_slot(slot);
        let list = &mut self.slots[slot as usize - 1];
        match list.last {
            Some(last) => self.tasks[last].next_in_slot = Some(id),
            None => list.first = Some(id),
        }
        list.last = Some(id);
    }

    /// The tasks of slot `index + 1`, oldest first.
    fn slot_tasks(&self, index: usize) -> impl Iterator<Item = TaskId> + '_ {
        let first = self.slots.get(index).and_then(|list| list.first);
        std::iter::successors(first, |&id| self.tasks[id].next_in_slot)
    }

    fn is_dirty(&self, id: TaskId, target: SpecSide) -> bool {
        self.task_spec_changed && self.tasks[id].spec != target
    }
}
