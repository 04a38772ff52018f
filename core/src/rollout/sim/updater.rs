//! The orchestrator's reconcile, the update supervisor and the updater.
//!
//! Sources: moby/swarmkit `manager/orchestrator/update/updater.go` (`Supervisor.Update`,
//! `Updater.Run`, `worker`, `updateTask`, `useExistingTask`, `removeOldTasks`,
//! `pauseUpdate`, `rollbackUpdate`, `completeUpdate`), `replicated/services.go`
//! (`reconcile`, `addTasks`), `replicated/slot.go` (`updatableAndDeadSlots`) and
//! `restart.Supervisor.UpdatableTasksInSlot`.

use std::collections::VecDeque;

use super::queue::Event;
use super::{
    Desired, LabelPrefix, MAX_PASSES, Observed, Phase, Sim, SlotSnapshot, SnapshotTask, TaskId,
    Updater, UpdaterId, WorkerState,
};
use crate::rollout::events::{
    ActionTaken, Creator, Detection, EventKind, NoteKind, PassKind, PassSummary, SpecSide,
    StatusChange, StopCause, UpdateState, Warning, WarningKind,
};
use crate::rollout::spec::{FailureAction, UpdateOrder};

impl Sim {
    // ----- reconcile and update supervisor -----

    /// `Orchestrator.reconcile` after a service write, then `Supervisor.Update`.
    ///
    /// It runs on the spec change that starts the rollout, on a rollback write and on a
    /// completion write (§7 convention 8: the simulator assumes the finished updater has
    /// left the supervisor's map). Reconciles after `updating` and `paused` writes change
    /// nothing and are not simulated.
    pub(super) fn reconcile(&mut self) {
        let status = self.status.as_ref().map(|(state, _)| *state);
        let rollback_started = status == Some(UpdateState::RollbackStarted);
        let target_slots = self.spec(self.current).slots;
        let mut updatable: Vec<SlotSnapshot> = Vec::new();
        for index in 0..self.slots.len() {
            let slot = index as u32 + 1;
            let Some(newest) = self.slots[index].last else {
                continue;
            };
            let keep: Vec<SnapshotTask> = self
                .slot_tasks(index)
                .filter(|&id| self.tasks[id].desired <= Desired::Running)
                .map(|id| self.snapshot_task(id))
                .collect();
            if !keep.is_empty() {
                updatable.push(SlotSnapshot { slot, tasks: keep });
                continue;
            }
            // `UpdatableTasksInSlot`: with nothing runnable left, the newest task is still
            // handed to the updater if it would not be restarted — except during a
            // rollback, where the slot counts as dead and is re-created.
            if !rollback_started && !self.should_restart(newest) {
                updatable.push(SlotSnapshot {
                    slot,
                    tasks: vec![self.snapshot_task(newest)],
                });
            }
        }
        let live = updatable.len() as u32;
        if live < target_slots {
            // `addTasks`: fill the lowest slot numbers without a runnable task, straight
            // from the current spec (no rolling involved).
            let mut occupied = vec![false; self.slots.len().max(target_slots as usize) + 1];
            for snapshot in &updatable {
                occupied[snapshot.slot as usize] = true;
            }
            let missing = (1..)
                .filter(|&slot: &u32| !occupied.get(slot as usize).copied().unwrap_or(false))
                .take((target_slots - live) as usize);
            let current = self.current;
            for slot in missing.collect::<Vec<u32>>() {
                self.create_task(
                    slot,
                    current,
                    Creator::Reconcile,
                    LabelPrefix::Reconcile,
                    Desired::Running,
                );
            }
        } else if live > target_slots {
            // Scale-down keeps running slots, then the lowest slot numbers
            // (`slotsByRunningState`); the rest get desired REMOVE.
            updatable.sort_by_key(|s| {
                let running = s
                    .tasks
                    .iter()
                    .any(|t| self.tasks[t.id].observed == Observed::Running);
                (!running, s.slot)
            });
            let removed: Vec<SlotSnapshot> = updatable.split_off(target_slots as usize);
            for snapshot in removed {
                for task in snapshot.tasks {
                    self.tell_to_stop(task.id, StopCause::Reconcile);
                }
            }
            updatable.sort_by_key(|s| s.slot);
        }
        self.update_supervisor(updatable);
    }

    fn snapshot_task(&self, id: TaskId) -> SnapshotTask {
        SnapshotTask {
            id,
            desired: self.tasks[id].desired,
            observed: self.tasks[id].observed,
        }
    }

    /// `Supervisor.Update` + the start of `Updater.Run`.
    fn update_supervisor(&mut self, slots: Vec<SlotSnapshot>) {
        // A different spec cancels the running updater (its workers stop waiting).
        if let Some(active) = self.active
            && self.updaters[active].phase != Phase::Finished
        {
            self.cancel_updater(active);
        }
        let status = self.status.as_ref().map(|(state, _)| *state);
        if matches!(
            status,
            Some(UpdateState::Paused | UpdateState::RollbackPaused)
        ) {
            return;
        }
        let target = self.current;
        let dirty: Vec<SlotSnapshot> = slots
            .into_iter()
            .filter(|s| s.tasks.len() > 1 || s.tasks.iter().any(|t| self.is_dirty(t.id, target)))
            .collect();
        if dirty.is_empty() {
            if matches!(
                status,
                Some(UpdateState::Updating | UpdateState::RollbackStarted)
            ) {
                self.complete_update();
            }
            return;
        }
        if self.passes.len() as u32 >= MAX_PASSES {
            self.warnings.push(Warning {
                kind: WarningKind::SimulationCut,
                message: format!("stopped after {MAX_PASSES} updater passes"),
                at_ms: Some(self.now),
                until_ms: None,
            });
            return;
        }
        if status.is_none() {
            // `startUpdate`: only when no UpdateStatus exists and a slot is dirty.
            self.write_status(UpdateState::Updating, "update in progress".to_owned());
        }
        let rollback_at_start = status == Some(UpdateState::RollbackStarted);
        let spec = self.spec(target);
        let config = if rollback_at_start {
            spec.rollback
        } else {
            spec.update
        };
        let kind = if rollback_at_start {
            PassKind::Rollback
        } else if self.passes.is_empty() {
            PassKind::Update
        } else {
            PassKind::LaterPass
        };
        let dirty_count = dirty.len();
        let worker_count = if config.parallelism == 0 {
            dirty_count
        } else {
            usize::try_from(config.parallelism)
                .unwrap_or(usize::MAX)
                .min(dirty_count)
        };
        let pass = self.passes.len() as u32 + 1;
        let id: UpdaterId = self.updaters.len();
        self.updaters.push(Updater {
            pass,
            kind,
            spec: target,
            rollback_at_start,
            config,
            dirty,
            next_slot: 0,
            workers: vec![WorkerState::Idle; worker_count],
            idle: (0..worker_count).collect::<VecDeque<usize>>(),
            busy: 0,
            phase: Phase::HandingOut,
            stopped: false,
            cancelled: false,
            acted: false,
            has_watch: config.failure_action != FailureAction::Continue,
            failures: VecDeque::new(),
            total_failures: 0,
            monitor_period: config.monitor_ms,
            handout_scheduled: false,
            ended_at: None,
        });
        self.active = Some(id);
        self.passes.push(PassSummary {
            pass,
            kind,
            started_at_ms: self.now,
            ended_at_ms: None,
            dirty_slots: dirty_count as u32,
            failures_counted: 0,
            config,
        });
        self.emit(EventKind::UpdaterStarted {
            pass,
            pass_kind: kind,
            spec: target,
            dirty_slots: dirty_count as u32,
            workers: worker_count as u32,
            config,
        });
        if worker_count < dirty_count && dirty_count > 1 {
            self.note(
                NoteKind::SlotOrder,
                "Swarm hands dirty slots out in random order (Go map iteration); the simulator \
                 uses ascending slot numbers, so which slots go first is arbitrary"
                    .to_owned(),
            );
        }
        if kind == PassKind::LaterPass {
            self.note(
                NoteKind::LaterPassRace,
                "a later updater pass runs only if the finished updater had already left the \
                 update supervisor's map when the completion write was reconciled; otherwise \
                 nothing happens and the previous status stays"
                    .to_owned(),
            );
        }
        self.schedule_handout(id);
    }

    fn cancel_updater(&mut self, id: UpdaterId) {
        let updater = &mut self.updaters[id];
        updater.cancelled = true;
        updater.phase = Phase::Finished;
        updater.ended_at = Some(self.now);
        let pass = updater.pass;
        if let Some(summary) = self.passes.get_mut(pass as usize - 1)
            && summary.ended_at_ms.is_none()
        {
            summary.ended_at_ms = Some(self.now);
        }
        self.emit(EventKind::UpdaterCancelled { pass });
    }

    // ----- hand-out and workers -----

    fn schedule_handout(&mut self, id: UpdaterId) {
        if !std::mem::replace(&mut self.updaters[id].handout_scheduled, true) {
            self.queue.push(self.now, 0, Event::Handout { updater: id });
        }
    }

    /// The main loop gives the next dirty slot to a free worker (unbuffered channel).
    pub(super) fn on_handout(&mut self, id: UpdaterId) {
        self.updaters[id].handout_scheduled = false;
        let updater = &self.updaters[id];
        if updater.cancelled || updater.phase != Phase::HandingOut {
            return;
        }
        if updater.next_slot < updater.dirty.len()
            && let Some(worker) = self.updaters[id].idle.pop_front()
        {
            let updater = &mut self.updaters[id];
            let slot_index = updater.next_slot;
            updater.next_slot += 1;
            updater.busy += 1;
            let (pass, slot) = (updater.pass, updater.dirty[slot_index].slot);
            self.emit(EventKind::SlotTaken { pass, slot });
            self.process_slot(id, worker, slot_index);
        }
        let updater = &mut self.updaters[id];
        if updater.phase != Phase::HandingOut || updater.cancelled {
            return;
        }
        if updater.next_slot >= updater.dirty.len() {
            // All slots handed out: close the channel and `wg.Wait()`.
            updater.phase = Phase::WaitingWorkers;
            self.check_workers_done(id);
        } else if !updater.idle.is_empty() {
            self.schedule_handout(id);
        }
    }

    /// `Updater.worker` for one slot.
    fn process_slot(&mut self, id: UpdaterId, worker: usize, slot_index: usize) {
        let target = self.updaters[id].spec;
        let snapshot = self.updaters[id].dirty[slot_index].clone();
        let mut running_task = None;
        let mut clean_task = None;
        for t in &snapshot.tasks {
            if !self.is_dirty(t.id, target) {
                if t.desired == Desired::Running {
                    running_task = Some(*t);
                    break;
                }
                if t.desired < Desired::Running {
                    clean_task = Some(*t);
                }
            }
        }
        if let Some(existing) = running_task.or(clean_task) {
            self.use_existing_task(id, worker, slot_index, &snapshot, existing);
            return;
        }
        let order = self.updaters[id].config.order;
        let prefix = match self.updaters[id].kind {
            PassKind::Update => LabelPrefix::Update,
            PassKind::Rollback => LabelPrefix::Rollback,
            PassKind::LaterPass => LabelPrefix::LaterPass,
        };
        match order {
            UpdateOrder::StartFirst => {
                // Created at desired READY, but `DelayStart(nil, nil, id, 0, false)` moves it
                // to RUNNING at once: the simulator creates it RUNNING.
                let new =
                    self.create_updater_task(id, snapshot.slot, target, prefix, Desired::Running);
                self.await_running(id, worker, slot_index, new, true);
            }
            UpdateOrder::StopFirst => {
                // One store batch creates the task and shuts the old ones down; if
                // `removeOldTasks` fails the whole batch is aborted (§3.4 step 4).
                let to_stop = match self.plan_removal(&snapshot.tasks) {
                    Ok(to_stop) => to_stop,
                    Err(error) => {
                        let (pass, slot) = (self.updaters[id].pass, snapshot.slot);
                        self.emit(EventKind::SlotFailed { pass, slot, error });
                        self.finish_slot(id, worker, slot_index);
                        return;
                    }
                };
                let new =
                    self.create_updater_task(id, snapshot.slot, target, prefix, Desired::Ready);
                for &old in &to_stop {
                    self.tell_to_stop(old, StopCause::Updater);
                }
                // `DelayStart(oldTask, waitStop=true)` waits for the last task removed, if
                // its snapshot state was ≤ RUNNING.
                let wait_for = to_stop.last().copied().filter(|old| {
                    snapshot
                        .tasks
                        .iter()
                        .any(|t| t.id == *old && t.observed <= Observed::Running)
                });
                let done = self.delay_start(new, 0, wait_for, Some((id, worker)));
                if done {
                    self.await_running(id, worker, slot_index, new, false);
                } else {
                    self.updaters[id].workers[worker] = WorkerState::AwaitingStart {
                        slot_index,
                        task: new,
                        then_await_running: true,
                    };
                }
            }
        }
    }

    fn create_updater_task(
        &mut self,
        id: UpdaterId,
        slot: u32,
        target: SpecSide,
        prefix: LabelPrefix,
        desired: Desired,
    ) -> TaskId {
        let new = self.create_task(slot, target, Creator::Updater, prefix, desired);
        // `updatedTasks[id] = time.Time{}`: this updater counts its failures.
        self.tasks[new].updater_record = Some((id, None));
        if let Some(rollback) = self.rollback.as_mut()
            && self.updaters[id].kind == PassKind::Rollback
        {
            rollback.tasks_created += 1;
        }
        new
    }

    /// `useExistingTask`: keep the clean task, shut the others down; start a held clean
    /// task once the removed one has stopped. Creates nothing.
    fn use_existing_task(
        &mut self,
        id: UpdaterId,
        worker: usize,
        slot_index: usize,
        snapshot: &SlotSnapshot,
        existing: SnapshotTask,
    ) {
        let others: Vec<SnapshotTask> = snapshot
            .tasks
            .iter()
            .copied()
            .filter(|t| t.id != existing.id)
            .collect();
        let target = self.updaters[id].spec;
        if others
            .iter()
            .any(|t| t.desired == Desired::Running && !self.is_dirty(t.id, target))
        {
            self.note(
                NoteKind::LaterPassRace,
                "a slot holds two clean tasks: which one the updater keeps is arbitrary (store \
                 order); the simulator keeps the older one"
                    .to_owned(),
            );
        }
        let mut removed = None;
        if !others.is_empty() {
            match self.plan_removal(&others) {
                Ok(to_stop) => {
                    for &old in &to_stop {
                        self.tell_to_stop(old, StopCause::Updater);
                    }
                    removed = to_stop.last().copied();
                }
                Err(error) => {
                    let (pass, slot) = (self.updaters[id].pass, snapshot.slot);
                    self.emit(EventKind::SlotFailed { pass, slot, error });
                    self.finish_slot(id, worker, slot_index);
                    return;
                }
            }
        }
        if existing.desired != Desired::Running {
            let wait_for = removed.filter(|old| {
                others
                    .iter()
                    .any(|t| t.id == *old && t.observed <= Observed::Running)
            });
            if !self.delay_start(existing.id, 0, wait_for, Some((id, worker))) {
                self.updaters[id].workers[worker] = WorkerState::AwaitingStart {
                    slot_index,
                    task: existing.id,
                    then_await_running: false,
                };
                return;
            }
        }
        self.finish_slot(id, worker, slot_index);
    }

    /// `removeOldTasks` without side effects: the tasks to shut down, or swarmkit's error
    /// when none could be (every one was already shut down by someone else).
    fn plan_removal(&self, tasks: &[SnapshotTask]) -> Result<Vec<TaskId>, String> {
        let mut to_stop = Vec::new();
        let mut last_error = None;
        for t in tasks {
            // The snapshot copy is checked first, then the live task.
            if t.desired > Desired::Running {
                continue;
            }
            if self.tasks[t.id].desired > Desired::Running {
                last_error = Some(format!(
                    "task {} was already shut down when reached by updater (state: SHUTDOWN)",
                    self.tasks[t.id].label
                ));
            } else {
                to_stop.push(t.id);
            }
        }
        match (to_stop.is_empty(), last_error) {
            (true, Some(error)) => Err(error),
            _ => Ok(to_stop),
        }
    }

    fn await_running(
        &mut self,
        id: UpdaterId,
        worker: usize,
        slot_index: usize,
        task: TaskId,
        start_first: bool,
    ) {
        self.updaters[id].workers[worker] = WorkerState::AwaitingRunning {
            slot_index,
            task,
            start_first,
        };
        if self.tasks[task].never_placeable {
            // The scheduler can never place it: the worker, hence the update, waits forever.
            self.hang_detected_at.get_or_insert(self.now);
        }
        if self.tasks[task].observed >= Observed::Running {
            self.queue.push(
                self.now,
                0,
                Event::WorkerSeesTask {
                    updater: id,
                    worker,
                    task,
                },
            );
        } else {
            self.tasks[task].awaited_by = Some((id, worker));
        }
    }

    /// The worker's watch sees its task at ≥ RUNNING (FAILED and COMPLETE count).
    pub(super) fn on_worker_sees_task(&mut self, id: UpdaterId, worker: usize, task: TaskId) {
        if self.updaters[id].cancelled {
            return;
        }
        let WorkerState::AwaitingRunning {
            slot_index,
            task: awaited,
            start_first,
        } = self.updaters[id].workers[worker]
        else {
            return;
        };
        if awaited != task || self.tasks[task].observed < Observed::Running {
            return;
        }
        if let Some((creator, seen)) = self.tasks[task].updater_record.as_mut()
            && *creator == id
        {
            *seen = Some(self.now);
        }
        // start-first: once the new task is RUNNING the old ones are shut down, without
        // waiting for them. A new task that went straight to FAILED leaves them alone.
        if start_first && self.tasks[task].observed == Observed::Running {
            let snapshot = self.updaters[id].dirty[slot_index].tasks.clone();
            if let Ok(to_stop) = self.plan_removal(&snapshot) {
                for old in to_stop {
                    self.tell_to_stop(old, StopCause::Updater);
                }
            }
        }
        self.finish_slot(id, worker, slot_index);
    }

    pub(super) fn on_worker_start_done(&mut self, id: UpdaterId, worker: usize) {
        if self.updaters[id].cancelled {
            return;
        }
        let WorkerState::AwaitingStart {
            slot_index,
            task,
            then_await_running,
        } = self.updaters[id].workers[worker]
        else {
            return;
        };
        if then_await_running {
            self.await_running(id, worker, slot_index, task, false);
        } else {
            self.finish_slot(id, worker, slot_index);
        }
    }

    /// After a slot the worker sleeps `delay` (also after the last slot), then takes the next.
    fn finish_slot(&mut self, id: UpdaterId, worker: usize, slot_index: usize) {
        let (pass, slot, delay) = (
            self.updaters[id].pass,
            self.updaters[id].dirty[slot_index].slot,
            self.updaters[id].config.delay_ms,
        );
        self.emit(EventKind::SlotDone { pass, slot });
        if delay > 0 {
            self.updaters[id].workers[worker] = WorkerState::Sleeping;
            self.queue.push(
                self.now.saturating_add(delay),
                0,
                Event::WorkerSleepDone {
                    updater: id,
                    worker,
                },
            );
        } else {
            self.worker_idle(id, worker);
        }
    }

    pub(super) fn on_worker_sleep_done(&mut self, id: UpdaterId, worker: usize) {
        if self.updaters[id].cancelled || self.updaters[id].workers[worker] != WorkerState::Sleeping
        {
            return;
        }
        self.worker_idle(id, worker);
    }

    fn worker_idle(&mut self, id: UpdaterId, worker: usize) {
        let updater = &mut self.updaters[id];
        updater.workers[worker] = WorkerState::Idle;
        updater.busy = updater.busy.saturating_sub(1);
        updater.idle.push_back(worker);
        match updater.phase {
            Phase::HandingOut => self.schedule_handout(id),
            Phase::WaitingWorkers | Phase::Stopped => self.check_workers_done(id),
            Phase::FinalMonitor | Phase::Finished => {}
        }
    }

    /// `wg.Wait()` returns once no worker is busy; then the final monitor period starts
    /// (unless the update was stopped).
    fn check_workers_done(&mut self, id: UpdaterId) {
        let updater = &mut self.updaters[id];
        if updater.busy > 0 || updater.cancelled {
            return;
        }
        match updater.phase {
            Phase::WaitingWorkers if !updater.stopped => {
                // "if a delay is set we need to monitor for a period longer than the delay"
                if updater.config.delay_ms >= updater.monitor_period {
                    updater.monitor_period = updater.config.delay_ms.saturating_add(1_000);
                }
                updater.phase = Phase::FinalMonitor;
                let until = self.now.saturating_add(updater.monitor_period);
                self.queue.push(until, 0, Event::MonitorEnd { updater: id });
                // Failures queued during `wg.Wait()` are read as the monitor loop starts.
                self.queue
                    .push(self.now, 0, Event::MainLoopWake { updater: id });
            }
            Phase::WaitingWorkers | Phase::Stopped => {
                updater.phase = Phase::Finished;
                updater.ended_at = Some(self.now);
            }
            _ => {}
        }
    }

    // ----- failure watch and main loop -----

    /// The failure watch (`state.Watch` on tasks of the service with state > RUNNING)
    /// exists only with a failure action other than continue, while `Run` is executing.
    pub(super) fn feed_failure_watch(&mut self, task: TaskId) {
        let Some(id) = self.active else { return };
        let updater = &self.updaters[id];
        if !updater.has_watch || !updater.is_running() {
            return;
        }
        // Only tasks this updater created can count; skipping the rest changes nothing.
        if self.tasks[task]
            .updater_record
            .is_none_or(|(creator, _)| creator != id)
        {
            return;
        }
        self.updaters[id].failures.push_back((task, self.now));
        self.queue
            .push(self.now, 0, Event::MainLoopWake { updater: id });
    }

    /// The main loop reads the failure watch: while blocked on a hand-off, or in the final
    /// monitor loop. During `wg.Wait()` failures stay queued.
    pub(super) fn on_main_loop_wake(&mut self, id: UpdaterId) {
        let updater = &self.updaters[id];
        if updater.cancelled || !matches!(updater.phase, Phase::HandingOut | Phase::FinalMonitor) {
            return;
        }
        while let Some((task, observed_at)) = self.updaters[id].failures.pop_front() {
            if self.failure_triggers_action(id, task, observed_at) {
                self.break_main_loop(id);
                return;
            }
        }
    }

    /// `failureTriggersAction`.
    fn failure_triggers_action(&mut self, id: UpdaterId, task: TaskId, observed_at: u64) -> bool {
        if self.tasks[task].counted {
            return false;
        }
        let Some((creator, seen)) = self.tasks[task].updater_record else {
            return false;
        };
        if creator != id {
            return false;
        }
        let now = self.now;
        let period = self.updaters[id].monitor_period;
        let pass = self.updaters[id].pass;
        if let Some(seen_at) = seen
            && now.saturating_sub(seen_at) > period
        {
            let label = self.label(task);
            self.emit(EventKind::FailureIgnored {
                pass,
                task: label,
                observed_at_ms: observed_at,
                seen_running_at_ms: seen_at,
                window_ms: period,
            });
            return false;
        }
        self.tasks[task].counted = true;
        let updater = &mut self.updaters[id];
        updater.total_failures += 1;
        let failures = updater.total_failures;
        let dirty = updater.dirty.len() as u32;
        let config = updater.config;
        if let Some(summary) = self.passes.get_mut(pass as usize - 1) {
            summary.failures_counted = failures;
        }
        let label = self.label(task);
        self.emit(EventKind::FailureCounted {
            pass,
            task: label.clone(),
            observed_at_ms: observed_at,
            failures,
            dirty_slots: dirty,
        });
        // Go compares float32 values: `float32(failures)/float32(len(dirtySlots)) > ratio`.
        // Written as `>` so that a NaN ratio never triggers, as in Go.
        let over_ratio = failures as f32 / dirty as f32 > config.max_failure_ratio;
        if !over_ratio {
            return false;
        }
        let action = match config.failure_action {
            FailureAction::Continue => return false,
            FailureAction::Pause => {
                self.updaters[id].stopped = true;
                self.pause_update(format!(
                    "update paused due to failure or early termination of task {label}"
                ));
                ActionTaken::Pause
            }
            FailureAction::Rollback if self.updaters[id].rollback_at_start => {
                // "Never roll back a rollback": pause, but without `stopped = true`, so the
                // final monitor period still runs and `completeUpdate` follows.
                self.pause_update(format!(
                    "rollback paused due to failure or early termination of task {label}"
                ));
                ActionTaken::PauseRollback
            }
            FailureAction::Rollback => {
                self.updaters[id].stopped = true;
                ActionTaken::Rollback
            }
        };
        self.updaters[id].acted = true;
        if self.detection.is_none() {
            self.detection = Some(Detection {
                at_ms: now,
                observed_at_ms: observed_at,
                task: label.clone(),
                failures,
                dirty_slots: dirty,
                action,
            });
        }
        let simultaneous = self.updaters[id]
            .failures
            .iter()
            .any(|&(_, at)| at == observed_at);
        if simultaneous {
            self.note(
                NoteKind::SimultaneousFailures,
                format!(
                    "several tasks failed at {observed_at} ms; which one the status message names \
                     is arbitrary (the simulator takes the lowest slot)"
                ),
            );
        }
        let updater = &self.updaters[id];
        if updater.phase == Phase::HandingOut
            && updater.next_slot < updater.dirty.len()
            && !updater.idle.is_empty()
        {
            let next = updater.dirty[updater.next_slot].slot;
            self.note(
                NoteKind::ExtraSlotRace,
                format!(
                    "a worker was free when the failure arrived: Swarm's select may hand it slot \
                     {next} first (one more new task, later removed); if the freed workers win \
                     until every slot is handed out, the main loop waits for them without reading \
                     failures and acts only after they finish (seen on a real Swarm: the rollback \
                     one health gate later); the simulator evaluates the failure first"
                ),
            );
        }
        if action == ActionTaken::Rollback {
            self.rollback_update(format!(
                "update rolled back due to failure or early termination of task {label}"
            ));
        }
        true
    }

    /// Leaves `slotsLoop` or `monitorLoop` after an action.
    fn break_main_loop(&mut self, id: UpdaterId) {
        let updater = &mut self.updaters[id];
        if updater.cancelled {
            return;
        }
        match updater.phase {
            Phase::HandingOut => {
                updater.phase = if updater.stopped {
                    Phase::Stopped
                } else {
                    Phase::WaitingWorkers
                };
                self.check_workers_done(id);
            }
            Phase::FinalMonitor => {
                updater.phase = Phase::Finished;
                updater.ended_at = Some(self.now);
                if !updater.stopped {
                    self.finish_pass(id);
                    self.complete_update();
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_monitor_end(&mut self, id: UpdaterId) {
        let updater = &mut self.updaters[id];
        if updater.cancelled || updater.phase != Phase::FinalMonitor {
            return;
        }
        updater.phase = Phase::Finished;
        updater.ended_at = Some(self.now);
        self.finish_pass(id);
        self.complete_update();
    }

    fn finish_pass(&mut self, id: UpdaterId) {
        let pass = self.updaters[id].pass as usize;
        if let Some(summary) = self.passes.get_mut(pass - 1) {
            summary.ended_at_ms = Some(self.now);
        }
    }

    // ----- UpdateStatus writes -----

    pub(super) fn write_status(&mut self, state: UpdateState, message: String) {
        self.status = Some((state, message.clone()));
        self.status_changes.push(StatusChange {
            at_ms: self.now,
            state,
            message: message.clone(),
        });
        self.emit(EventKind::Status { state, message });
        if matches!(
            state,
            UpdateState::RollbackCompleted | UpdateState::RollbackPaused
        ) && let Some(rollback) = self.rollback.as_mut()
            && rollback.finished_at_ms.is_none()
        {
            rollback.finished_at_ms = Some(self.now);
            rollback.final_state = Some(state);
        }
    }

    /// `pauseUpdate`: PAUSED, or ROLLBACK_PAUSED if the stored state is ROLLBACK_STARTED.
    fn pause_update(&mut self, message: String) {
        let Some((state, _)) = self.status.as_ref() else {
            return;
        };
        let state = if *state == UpdateState::RollbackStarted {
            UpdateState::RollbackPaused
        } else {
            UpdateState::Paused
        };
        self.write_status(state, message);
        if let Some(active) = self.active {
            self.finish_pass(active);
        }
    }

    /// `rollbackUpdate`: ROLLBACK_STARTED, `Spec = PreviousSpec`, `PreviousSpec = nil`; the
    /// spec change cancels this updater and starts the rollback updater at once.
    fn rollback_update(&mut self, message: String) {
        if self.status.is_none() {
            return;
        }
        let Some(previous) = self.previous.take() else {
            // The store transaction fails: nothing is written, the update just stops.
            self.rollback_write_failed = true;
            self.warnings.push(Warning {
                kind: WarningKind::RollbackImpossible,
                message: "failure_action rollback fired but the service has no previous spec \
                          (it was consumed by an earlier automatic rollback): the updater stops \
                          and the status stays as it was"
                    .to_owned(),
                at_ms: Some(self.now),
                until_ms: None,
            });
            return;
        };
        self.write_status(UpdateState::RollbackStarted, message);
        let replaced = self.current;
        self.current = previous;
        let restored_from_restart = self
            .tasks
            .iter()
            .rev()
            .take_while(|t| t.created_at == self.now)
            .any(|t| t.creator == Creator::Restart && t.spec == replaced);
        if restored_from_restart {
            self.note(
                NoteKind::RestartSpecRace,
                "a restart replacement was created in the same instant as the rollback write: the \
                 simulator builds it from the failed spec; built after the write it would run the \
                 restored spec"
                    .to_owned(),
            );
        }
        self.rollback = Some(crate::rollout::events::RollbackSummary {
            started_at_ms: self.now,
            manual: false,
            config: self.spec(previous).rollback,
            finished_at_ms: None,
            final_state: None,
            tasks_created: 0,
        });
        self.reconcile();
    }

    /// `completeUpdate`: ROLLBACK_COMPLETED over ROLLBACK_STARTED, COMPLETED otherwise. The
    /// write triggers a reconcile, which may start a later pass (§3.7).
    fn complete_update(&mut self) {
        let Some((state, _)) = self.status.as_ref() else {
            return;
        };
        if *state == UpdateState::RollbackStarted {
            self.write_status(
                UpdateState::RollbackCompleted,
                "rollback completed".to_owned(),
            );
        } else {
            self.write_status(UpdateState::Completed, "update completed".to_owned());
        }
        self.reconcile();
    }
}
