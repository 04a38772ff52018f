//! The node side of a task: placement, prepare, start, health gate, stop sequence, exit.
//!
//! Sources: moby/swarmkit `agent/exec/controller.go` (`Do`: prepare happens while desired
//! is READY, start needs desired ≥ RUNNING), moby/moby
//! `daemon/cluster/executor/container/controller.go` (`Start` blocks until healthy;
//! `Shutdown` sleeps 2 s for networked tasks, then `docker stop`; `exitError` texts) and
//! moby/swarmkit `manager/scheduler/filter.go` (`HostPortFilter`, `ResourceFilter`).

use super::queue::Event;
use super::{Desired, LabelPrefix, Observed, Sim, StopReason, Task, TaskId};
use crate::rollout::events::{
    Creator, EndState, EventKind, NoteKind, SpecSide, StopCause, TaskLabel,
};
use crate::rollout::health::{HealthStatus, ProbeCursor, next_change};
use crate::rollout::scenario::SigtermBehavior;
use crate::rollout::time::Millis;

impl Sim {
    /// A task of the `from` spec that is already RUNNING (healthy) when the rollout starts.
    pub(super) fn create_initial_task(&mut self, slot: u32) {
        let label = self.next_label(LabelPrefix::Initial, slot);
        let id = self.tasks.len();
        let task = Task::new(
            label,
            slot,
            SpecSide::From,
            Creator::Initial,
            0,
            Desired::Running,
        );
        self.tasks.push(task);
        self.link_into_slot(id);
        self.tasks[id].observed = Observed::Running;
        self.tasks[id].container_alive = true;
        self.healthy += 1;
        self.containers += 1;
        if self.spec(SpecSide::From).host_ports && self.port_is_free(slot) {
            self.take_port(id);
        }
    }

    /// Creates a task and hands it to the scheduler.
    pub(super) fn create_task(
        &mut self,
        slot: u32,
        spec: SpecSide,
        creator: Creator,
        prefix: LabelPrefix,
        desired: Desired,
    ) -> TaskId {
        self.ensure_slot(slot);
        let label = self.next_label(prefix, slot);
        let id = self.tasks.len();
        self.tasks.push(Task::new(
            label.clone(),
            slot,
            spec,
            creator,
            self.now,
            desired,
        ));
        self.link_into_slot(id);
        self.emit(EventKind::TaskCreated {
            task: label,
            slot,
            spec,
            by: creator,
            desired_running: desired == Desired::Running,
        });
        self.place_or_pend(id);
        id
    }

    fn place_or_pend(&mut self, id: TaskId) {
        let (slot, spec) = (self.tasks[id].slot, self.tasks[id].spec);
        let resolved = self.spec(spec);
        let (global, host_ports, unschedulable) = (
            resolved.global,
            resolved.host_ports,
            resolved.behavior.unschedulable,
        );
        let nodes = if global { 1 } else { self.replicated_nodes };
        let plural = if nodes == 1 { "node" } else { "nodes" };
        // A global task is pinned to its node: the scheduler only checks that node and
        // reports the bare explanation (`taskFitNode`); otherwise it says "no suitable node".
        let explain = |what: &str| {
            let explanation = format!("{what} on {nodes} {plural}");
            if global {
                explanation
            } else {
                format!("no suitable node ({explanation})")
            }
        };
        let no_room = spec == SpecSide::To
            && self
                .limit
                .as_ref()
                .is_some_and(|l| self.room_taken >= l.placeable);
        if unschedulable {
            self.tasks[id].never_placeable = true;
            let reason = explain("insufficient resources");
            self.pend(id, reason);
        } else if no_room {
            // The node inventory has no room for it (crate::placement): never placed.
            self.tasks[id].never_placeable = true;
            let reason = self
                .limit
                .as_ref()
                .map(|l| l.reason.clone())
                .unwrap_or_default();
            self.pend(id, reason);
        } else if host_ports && !self.port_is_free(slot) {
            let reason = explain("host-mode port already in use");
            self.pend(id, reason);
            self.port_waiters.push_back(id);
        } else {
            self.place(id);
        }
    }

    fn pend(&mut self, id: TaskId, reason: String) {
        self.tasks[id].pending_reason = Some(reason.clone());
        let task = self.label(id);
        self.emit(EventKind::TaskPending { task, reason });
    }

    fn place(&mut self, id: TaskId) {
        if self.tasks[id].pending_reason.take().is_some() {
            let task = self.label(id);
            self.emit(EventKind::TaskPlaced { task });
        }
        self.set_observed(id, Observed::Assigned);
        if self.limit.is_some() && self.tasks[id].spec == SpecSide::To {
            self.room_taken += 1;
            self.tasks[id].holds_room = true;
        }
        if self.spec(self.tasks[id].spec).host_ports {
            self.take_port(id);
        }
        let at = self.now.saturating_add(self.timing.prepare_ms());
        let generation = self.tasks[id].generation;
        self.queue.push(
            at,
            self.tasks[id].slot,
            Event::Prepared {
                task: id,
                generation,
            },
        );
    }

    // ----- host-mode ports: one holder per node until it has exited -----

    /// Global services: one port per node (= slot). Replicated: `nodes` ports in a pool.
    fn port_is_free(&self, slot: u32) -> bool {
        let index = self.port_index(slot);
        let capacity = if index == 0 { self.replicated_nodes } else { 1 };
        self.port_holders
            .get(index)
            .is_none_or(|&holders| holders < capacity)
    }

    /// The mode cannot change in an update (checked by `simulate`), so `from` decides.
    fn port_index(&self, slot: u32) -> usize {
        if self.spec(SpecSide::From).global {
            slot as usize
        } else {
            0
        }
    }

    /// The node a slot's containers start on, for start spacing: the node itself for a
    /// global service; for a replicated one the scheduler spreads slots over the nodes,
    /// modelled as slot modulo the node count.
    fn start_lane(&self, slot: u32) -> usize {
        if self.spec(SpecSide::From).global {
            slot as usize
        } else {
            (slot.saturating_sub(1) % self.replicated_nodes.max(1)) as usize
        }
    }

    fn take_port(&mut self, id: TaskId) {
        let index = self.port_index(self.tasks[id].slot);
        if let Some(holders) = self.port_holders.get_mut(index) {
            *holders += 1;
            self.tasks[id].holds_port = true;
        }
    }

    /// `Scheduler.updateTask`: a node's port is free again once its holder's observed
    /// state is > RUNNING. Pending tasks are placed in creation order.
    fn release_port(&mut self, id: TaskId) {
        if !std::mem::take(&mut self.tasks[id].holds_port) {
            return;
        }
        let index = self.port_index(self.tasks[id].slot);
        if let Some(holders) = self.port_holders.get_mut(index) {
            *holders = holders.saturating_sub(1);
        }
        let waiting = self.port_waiters.len();
        for _ in 0..waiting {
            let Some(candidate) = self.port_waiters.pop_front() else {
                break;
            };
            let still_pending = self.tasks[candidate].observed == Observed::Pending
                && self.tasks[candidate].desired <= Desired::Running;
            if !still_pending {
                continue;
            }
            if self.port_is_free(self.tasks[candidate].slot) {
                self.place(candidate);
            } else {
                self.port_waiters.push_back(candidate);
            }
        }
    }

    // ----- prepare and start -----

    pub(super) fn on_prepared(&mut self, id: TaskId, generation: u32) {
        let task = &self.tasks[id];
        if task.generation != generation || task.observed != Observed::Assigned {
            return;
        }
        self.set_observed(id, Observed::Ready);
        if self.tasks[id].desired == Desired::Running {
            self.schedule_container_start(id);
        }
    }

    fn schedule_container_start(&mut self, id: TaskId) {
        if std::mem::replace(&mut self.tasks[id].start_scheduled, true) {
            return;
        }
        let (slot, generation) = (self.tasks[id].slot, self.tasks[id].generation);
        let mut at = self.now.saturating_add(self.timing.start_ready_ms);
        // The daemon serialises container starts on a node: one started with others comes
        // up `start_spacing_ms` after the previous one (Timing::start_spacing_ms).
        let spacing = self.timing.start_spacing_ms;
        let lane = self.start_lane(slot);
        if spacing > 0
            && let Some(last) = self.last_start.get(lane).copied().flatten()
        {
            at = at.max(last.saturating_add(spacing));
        }
        if let Some(entry) = self.last_start.get_mut(lane) {
            *entry = Some(entry.map_or(at, |last| last.max(at)));
        }
        self.queue.push(
            at,
            slot,
            Event::ContainerStart {
                task: id,
                generation,
            },
        );
    }

    /// `restart.Supervisor.StartNow`: desired READY → RUNNING, unless the task's desired
    /// state is already RUNNING or beyond (for example it was told to stop meanwhile).
    pub(super) fn start_now(&mut self, id: TaskId) {
        if self.tasks[id].desired >= Desired::Running {
            return;
        }
        self.set_desired(id, Desired::Running);
        let task = self.label(id);
        self.emit(EventKind::TaskStartRequested { task });
        if self.tasks[id].observed == Observed::Ready {
            self.schedule_container_start(id);
        }
    }

    pub(super) fn on_container_start(&mut self, id: TaskId, generation: u32) {
        let task = &self.tasks[id];
        if task.generation != generation
            || task.observed != Observed::Ready
            || task.desired != Desired::Running
        {
            return;
        }
        self.set_observed(id, Observed::Starting);
        self.tasks[id].started_at = Some(self.now);
        self.set_container_alive(id, true);
        let label = self.label(id);
        self.emit(EventKind::TaskStarted { task: label });
        let spec = self.spec(self.tasks[id].spec);
        let (crash, probe, fails_from) = (
            spec.behavior.crash,
            spec.probe,
            spec.behavior.health.fails_from_ms(),
        );
        if let Some(crash) = crash {
            let at = self.now.saturating_add(crash.after_ms);
            self.tasks[id].crash_at = Some(at);
            self.schedule_exit(id, at, crash.exit_code);
        }
        match probe {
            // `controller.Start` without a healthcheck: RUNNING once the container started.
            None => self.become_running(id),
            Some(plan) => {
                let cursor = ProbeCursor::at_start();
                self.schedule_health_change(id, next_change(&plan, fails_from, cursor));
            }
        }
    }

    fn schedule_health_change(
        &mut self,
        id: TaskId,
        change: Option<crate::rollout::health::HealthChange>,
    ) {
        self.tasks[id].next_health = change;
        let (Some(change), Some(started)) = (change, self.tasks[id].started_at) else {
            return;
        };
        let at = started.saturating_add(change.at);
        let (slot, generation) = (self.tasks[id].slot, self.tasks[id].generation);
        self.queue.push(
            at,
            slot,
            Event::HealthChange {
                task: id,
                generation,
            },
        );
    }

    fn become_running(&mut self, id: TaskId) {
        self.set_observed(id, Observed::Running);
        if self.tasks[id].running_at.is_none() {
            self.tasks[id].running_at = Some(self.now);
        }
        let task = self.label(id);
        self.emit(EventKind::TaskRunning { task });
        self.notify_worker(id);
    }

    pub(super) fn on_health_change(&mut self, id: TaskId, generation: u32) {
        let task = &mut self.tasks[id];
        if task.generation != generation || !task.container_alive {
            return;
        }
        let Some(change) = task.next_health.take() else {
            return;
        };
        match change.status {
            HealthStatus::Healthy => {
                // `controller.Start` returns on the healthy event: the task is RUNNING and
                // joins the load balancer. A task told to stop meanwhile stays STARTING.
                if self.tasks[id].observed == Observed::Starting
                    && self.tasks[id].stopping.is_none()
                {
                    self.become_running(id);
                }
                let spec = self.spec(self.tasks[id].spec);
                let (probe, fails_from) = (spec.probe, spec.behavior.health.fails_from_ms());
                if let Some(plan) = probe {
                    self.schedule_health_change(id, next_change(&plan, fails_from, change.cursor));
                }
            }
            HealthStatus::Unhealthy => {
                let task = self.label(id);
                self.emit(EventKind::TaskUnhealthy { task });
                if self.tasks[id].stopping.is_none() {
                    self.begin_stop(id, StopReason::Unhealthy);
                }
            }
            HealthStatus::Starting => {}
        }
    }

    // ----- stop -----

    /// The updater or the reconcile tells a task to stop (desired SHUTDOWN). Returns false
    /// when its desired state was already beyond RUNNING.
    pub(super) fn tell_to_stop(&mut self, id: TaskId, by: StopCause) -> bool {
        if self.tasks[id].desired > Desired::Running {
            return false;
        }
        self.set_desired(id, Desired::Shutdown);
        self.tasks[id].stop_requested_at = Some(self.now);
        let task = self.label(id);
        self.emit(EventKind::TaskStopRequested { task, by });
        match self.tasks[id].observed {
            Observed::Pending => {
                // The scheduler shuts unassigned tasks down at once (`noSuitableNode`).
                self.tasks[id].generation += 1;
                let (slot, generation) = (self.tasks[id].slot, self.tasks[id].generation);
                self.queue.push(
                    self.now,
                    slot,
                    Event::StoppedWithoutContainer {
                        task: id,
                        generation,
                    },
                );
            }
            Observed::Assigned | Observed::Ready => {
                // Prepared but never started: `Shutdown` still sleeps for networked tasks,
                // but there is no process to stop (§7 convention 4).
                self.tasks[id].generation += 1;
                let at = self
                    .now
                    .saturating_add(self.spec(self.tasks[id].spec).gossip_ms);
                let (slot, generation) = (self.tasks[id].slot, self.tasks[id].generation);
                self.queue.push(
                    at,
                    slot,
                    Event::StoppedWithoutContainer {
                        task: id,
                        generation,
                    },
                );
            }
            Observed::Starting | Observed::Running => {
                if self.tasks[id].stopping.is_none() {
                    self.begin_stop(id, StopReason::Told);
                }
            }
            Observed::Complete | Observed::Shutdown | Observed::Failed => {}
        }
        true
    }

    /// `controller.Shutdown`: 2 s gossip sleep (networked), SIGTERM, SIGKILL after the grace
    /// period. An earlier crash of the process ends the container sooner.
    fn begin_stop(&mut self, id: TaskId, reason: StopReason) {
        self.tasks[id].stopping = Some(reason);
        let spec = self.spec(self.tasks[id].spec);
        let grace = spec.stop_grace_ms;
        let term = self.timing.sigterm_exit_ms;
        let (after_signal, code) = match spec.behavior.on_sigterm {
            SigtermBehavior::Die if term <= grace => (term, 143),
            SigtermBehavior::Exit0 if term <= grace => (term, 0),
            _ => (grace, 137),
        };
        // A stop the manager ordered waits for the agent's 1 s retry before the shutdown
        // begins; a stop the engine starts (unhealthy) does not.
        let order_delay = match reason {
            StopReason::Told => self.timing.stop_order_delay_ms,
            _ => 0,
        };
        let stop_exit = self
            .now
            .saturating_add(order_delay)
            .saturating_add(spec.gossip_ms)
            .saturating_add(after_signal);
        let (at, code) = match (self.tasks[id].crash_at, spec.behavior.crash) {
            (Some(crash_at), Some(crash)) if crash_at < stop_exit => (crash_at, crash.exit_code),
            _ => (stop_exit, code),
        };
        self.tasks[id].generation += 1;
        self.schedule_exit(id, at, code);
    }

    fn schedule_exit(&mut self, id: TaskId, at: Millis, code: i32) {
        self.tasks[id].exit_code = Some(code);
        let (slot, generation) = (self.tasks[id].slot, self.tasks[id].generation);
        self.queue.push(
            at,
            slot,
            Event::ContainerExit {
                task: id,
                generation,
            },
        );
    }

    pub(super) fn on_container_exit(&mut self, id: TaskId, generation: u32) {
        let task = &self.tasks[id];
        if task.generation != generation || !task.container_alive {
            return;
        }
        let Some(code) = task.exit_code else {
            return;
        };
        let was_starting = task.observed == Observed::Starting;
        let (state, error) = if task.stopping == Some(StopReason::Unhealthy) && code != 0 {
            // The executor's own stop of an unhealthy container ends the task FAILED even
            // when the manager told it to stop meanwhile (a rollback that overtook it):
            // observed on a real Swarm as FAILED with desired SHUTDOWN (docs/fidelity.md S2).
            (
                EndState::Failed,
                Some(format!(
                    "task: non-zero exit ({code}): dockerexec: unhealthy container"
                )),
            )
        } else if task.desired == Desired::Shutdown {
            (EndState::Shutdown, None)
        } else if code == 0 {
            // Exit 0 while STARTING after an unhealthy event: `Start` returns success and
            // the agent reports RUNNING then COMPLETE at once. The manager usually sees
            // only COMPLETE (§7 convention 1).
            if was_starting && task.stopping == Some(StopReason::Unhealthy) {
                self.note(
                    NoteKind::Exit0RunningRace,
                    "a task exited 0 after failing its healthcheck: the agent reports RUNNING \
                     and COMPLETE back to back; the simulator assumes the manager sees only \
                     COMPLETE (if it sees RUNNING, a start-first worker stops the old task)"
                        .to_owned(),
                );
            }
            (EndState::Complete, None)
        } else {
            (
                EndState::Failed,
                Some(format!("task: non-zero exit ({code})")),
            )
        };
        // Observed state first: a task must never count as healthy without a container.
        self.end_task(id, state, Some(code), error);
        self.set_container_alive(id, false);
    }

    pub(super) fn on_stopped_without_container(&mut self, id: TaskId, generation: u32) {
        let task = &self.tasks[id];
        if task.generation != generation || task.observed.has_ended() || task.container_alive {
            return;
        }
        self.end_task(id, EndState::Shutdown, None, None);
    }

    /// The task's observed state goes beyond RUNNING: free its port and tell everyone who
    /// watches task updates (the waiting worker, delayed starts, the restart supervisor and
    /// the updater's failure watch).
    fn end_task(
        &mut self,
        id: TaskId,
        state: EndState,
        exit_code: Option<i32>,
        error: Option<String>,
    ) {
        let observed = match state {
            EndState::Shutdown => Observed::Shutdown,
            EndState::Failed => Observed::Failed,
            EndState::Complete => Observed::Complete,
        };
        if state == EndState::Failed
            && self.tasks[id].creator == Creator::Updater
            && self.tasks[id].desired == Desired::Shutdown
            && let Some(ordered) = self.tasks[id].stop_requested_at
        {
            // It was already failing (unhealthy or crashing) when the updater or rollback
            // told it to stop: its failure reaches the manager after that order, so the
            // restart supervisor leaves it alone. A real Swarm serialises these events, and
            // the other order (failure seen first: replaced) also happens (docs/fidelity.md).
            let label = self.label(id);
            let margin = self.now.saturating_sub(ordered);
            self.note(
                NoteKind::FailureOrderRace,
                format!(
                    "{label} failed {margin} ms after it was told to stop, so it is not \
                     replaced; this depends on which of its failure and the stop order Swarm \
                     sees first: seen before the order, the restart supervisor replaces it \
                     (one more task created)"
                ),
            );
        }
        self.set_observed(id, observed);
        self.tasks[id].ended_at = Some(self.now);
        self.tasks[id].end_state = Some(state);
        self.tasks[id].generation += 1;
        let task = self.label(id);
        self.emit(EventKind::TaskEnded {
            task,
            state,
            exit_code,
            error,
        });
        self.release_port(id);
        if std::mem::take(&mut self.tasks[id].holds_room) {
            self.room_taken = self.room_taken.saturating_sub(1);
        }
        self.notify_worker(id);
        for delay in std::mem::take(&mut self.tasks[id].stop_watchers) {
            self.queue.push(self.now, 0, Event::OldTaskGone { delay });
        }
        if self.tasks[id].desired <= Desired::Running {
            // `replicated/tasks.go` `handleTaskChange` → `restartTasks` → `Restart`.
            self.queue
                .push(self.now, 0, Event::RestartCheck { task: id });
        }
        self.feed_failure_watch(id);
    }

    /// Wakes the worker waiting for this task if it reached ≥ RUNNING.
    fn notify_worker(&mut self, id: TaskId) {
        if self.tasks[id].observed < Observed::Running {
            return;
        }
        if let Some((updater, worker)) = self.tasks[id].awaited_by.take() {
            self.queue.push(
                self.now,
                0,
                Event::WorkerSeesTask {
                    updater,
                    worker,
                    task: id,
                },
            );
        }
    }
}

impl Task {
    fn new(
        label: TaskLabel,
        slot: u32,
        spec: SpecSide,
        creator: Creator,
        at: Millis,
        desired: Desired,
    ) -> Self {
        Self {
            label,
            slot,
            spec,
            creator,
            created_at: at,
            desired,
            observed: Observed::Pending,
            generation: 0,
            never_placeable: false,
            pending_reason: None,
            holds_port: false,
            holds_room: false,
            start_scheduled: false,
            container_alive: false,
            started_at: None,
            running_at: None,
            stop_requested_at: None,
            ended_at: None,
            end_state: None,
            next_health: None,
            crash_at: None,
            stopping: None,
            exit_code: None,
            updater_record: None,
            counted: false,
            awaited_by: None,
            stop_watchers: Vec::new(),
            delayed_start: None,
            next_in_slot: None,
        }
    }
}
