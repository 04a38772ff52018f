//! The restart supervisor: replacements for tasks that ended, and delayed starts.
//!
//! Source: moby/swarmkit `manager/orchestrator/restart/restart.go` (`Restart`,
//! `shouldRestart`, `RecordRestartHistory`, `DelayStart`, `StartNow`) and
//! `manager/orchestrator/replicated/tasks.go` (`handleTaskChange`, `tickTasks`).

use super::queue::Event;
use super::{DelayId, DelayedStart, Desired, LabelPrefix, Observed, Sim, TaskId, UpdaterId};
use crate::rollout::events::{Creator, SpecSide};
use crate::rollout::spec::RestartCondition;
use crate::rollout::time::{Millis, OLD_TASK_TIMEOUT_MS};

impl Sim {
    /// A task ended while its desired state was ≤ RUNNING.
    pub(super) fn on_restart_check(&mut self, id: TaskId) {
        let task = &self.tasks[id];
        if task.desired > Desired::Running || !task.observed.has_ended() {
            return;
        }
        self.restart(id);
    }

    /// `Supervisor.Restart`: shut the task down and, if the policy allows, create a
    /// replacement in the same slot (global: same node) from the service's **current** spec,
    /// held at desired READY for the restart delay. The delay and the policy come from the
    /// ended task's own spec. The replacement does not wait for the old task: it is dead.
    fn restart(&mut self, id: TaskId) {
        self.set_desired(id, Desired::Shutdown);
        if !self.should_restart(id) {
            return;
        }
        let slot = self.tasks[id].slot;
        let delay = self.spec(self.tasks[id].spec).restart.delay_ms;
        let current = self.current;
        let replacement = self.create_task(
            slot,
            current,
            Creator::Restart,
            LabelPrefix::Restart,
            Desired::Ready,
        );
        self.record_restart(slot, current);
        self.delay_start(replacement, delay, None, None);
    }

    /// `Supervisor.shouldRestart`: the condition, then `max_attempts` per slot and spec
    /// version, optionally within `window`.
    pub(super) fn should_restart(&self, id: TaskId) -> bool {
        let task = &self.tasks[id];
        let policy = self.spec(task.spec).restart;
        match policy.condition {
            RestartCondition::Any => {}
            RestartCondition::OnFailure if task.observed == Observed::Complete => return false,
            RestartCondition::OnFailure => {}
            RestartCondition::None => return false,
        }
        if policy.max_attempts == 0 {
            return true;
        }
        let Some(history) = self.restart_history.get(task.slot as usize) else {
            return true;
        };
        if history.spec != Some(task.spec) {
            return true;
        }
        if policy.window_ms == 0 {
            return history.total < policy.max_attempts;
        }
        // Restarts strictly inside (ended − window, ended) count.
        let ended = task.ended_at.unwrap_or(self.now);
        let lookback = ended.saturating_sub(policy.window_ms);
        let recent = history
            .instants
            .iter()
            .filter(|&&t| t > lookback && t < ended)
            .count();
        (recent as u64) < policy.max_attempts
    }

    /// `RecordRestartHistory`, which only keeps history when `max_attempts` is set and
    /// clears it when the replacement's spec version differs from the recorded one.
    fn record_restart(&mut self, slot: u32, replacement_spec: SpecSide) {
        let policy = self.spec(replacement_spec).restart;
        if policy.max_attempts == 0 {
            return;
        }
        let now = self.now;
        let Some(history) = self.restart_history.get_mut(slot as usize) else {
            return;
        };
        if history.spec != Some(replacement_spec) {
            *history = Default::default();
            history.spec = Some(replacement_spec);
        }
        history.total += 1;
        if policy.window_ms != 0 {
            history.instants.push(now);
        }
    }

    /// `Supervisor.DelayStart`: after `delay`, and (if `wait_for_old`) after that task has
    /// ended or 60 s have passed since this call, move `task` to desired RUNNING. A new
    /// delayed start for the same task replaces the pending one. Returns true when it
    /// completed immediately.
    pub(super) fn delay_start(
        &mut self,
        task: TaskId,
        delay: Millis,
        wait_for_old: Option<TaskId>,
        waiter: Option<(UpdaterId, usize)>,
    ) -> bool {
        if let Some(previous) = self.tasks[task].delayed_start.take() {
            self.delays[previous].done = true;
        }
        let id: DelayId = self.delays.len();
        // The watch only sees future updates; an old task that already ended cannot be
        // waited for. (The updater never passes one: the restart supervisor has shut such
        // tasks down before any worker reaches them.)
        let waits_for_old = wait_for_old.is_some_and(|old| !self.tasks[old].observed.has_ended());
        self.delays.push(DelayedStart {
            task,
            delay_until: self.now.saturating_add(delay),
            timeout_at: self.now.saturating_add(OLD_TASK_TIMEOUT_MS),
            waits_for_old,
            old_gone: false,
            done: false,
            waiter,
        });
        if delay == 0 && !waits_for_old {
            self.complete_delay(id, false);
            return true;
        }
        self.tasks[task].delayed_start = Some(id);
        if delay > 0 {
            self.queue.push(
                self.now.saturating_add(delay),
                0,
                Event::DelayTimer { delay: id },
            );
        }
        if let Some(old) = wait_for_old.filter(|_| waits_for_old) {
            self.tasks[old].stop_watchers.push(id);
            let timeout = self.delays[id].timeout_at;
            self.queue.push(timeout, 0, Event::DelayTimer { delay: id });
        }
        false
    }

    /// A delay or timeout timer fired, or the awaited old task ended.
    pub(super) fn on_delay_timer(&mut self, id: DelayId, old_task_ended: bool) {
        let delay = &mut self.delays[id];
        if delay.done {
            return;
        }
        if old_task_ended {
            delay.old_gone = true;
        }
        let now = self.now;
        let waited = !delay.waits_for_old || delay.old_gone || now >= delay.timeout_at;
        if now >= delay.delay_until && waited {
            self.complete_delay(id, true);
        }
    }

    fn complete_delay(&mut self, id: DelayId, notify_asynchronously: bool) {
        self.delays[id].done = true;
        let task = self.delays[id].task;
        if self.tasks[task].delayed_start == Some(id) {
            self.tasks[task].delayed_start = None;
        }
        self.start_now(task);
        if notify_asynchronously && let Some((updater, worker)) = self.delays[id].waiter {
            self.queue
                .push(self.now, 0, Event::WorkerStartDone { updater, worker });
        }
    }
}
