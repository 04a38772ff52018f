//! Turns the final simulation state into a [`RolloutPlan`]: outcome, summaries, warnings.

use super::{Desired, Observed, Sim, Task, WorkerState};
use crate::rollout::events::{
    Creator, EndState, Outcome, RolloutPlan, SpecSide, TaskSummary, UpdateState, Warning,
    WarningKind,
};
use crate::rollout::scenario::HealthBehavior;
use crate::rollout::time::Millis;

/// At most this many outage intervals are listed one by one.
const MAX_OUTAGE_WARNINGS: usize = 5;

impl Sim {
    pub(super) fn into_plan(mut self) -> RolloutPlan {
        let still_running = self.active.is_some_and(|id| self.updaters[id].is_running());
        let outcome = self.classify(still_running);
        if outcome == Outcome::HangsForever {
            self.warn_hang();
        }
        self.warn_undetectable_scenario();
        self.warn_outages();
        self.warn_crash_loops();
        self.warn_uncounted_failures();
        self.warn_old_tasks_kept(outcome);
        if self.cut_short && outcome == Outcome::Unfinished {
            self.warnings.push(Warning {
                kind: WarningKind::SimulationCut,
                message: format!(
                    "the simulation stopped at {} ms (horizon or event budget) with the update \
                     still running",
                    self.now
                ),
                at_ms: Some(self.now),
                until_ms: None,
            });
        }
        let target_replicas = self.spec(self.current).slots;
        let full_capacity_at_ms = self.full_capacity_at(target_replicas);
        let min_healthy = self.capacity.iter().map(|p| p.healthy).min().unwrap_or(0);
        let max_healthy = self.capacity.iter().map(|p| p.healthy).max().unwrap_or(0);
        let max_containers = self
            .capacity
            .iter()
            .map(|p| p.containers)
            .max()
            .unwrap_or(0);
        let count =
            |creator: Creator| self.tasks.iter().filter(|t| t.creator == creator).count() as u32;
        let tasks_created_by_updater = count(Creator::Updater);
        let tasks_created_by_restart = count(Creator::Restart);
        let tasks_created = self
            .tasks
            .iter()
            .filter(|t| t.creator != Creator::Initial)
            .count() as u32;
        let finished_at_ms = if still_running {
            None
        } else {
            self.status_changes
                .iter()
                .rev()
                .find(|s| is_final(s.state))
                .map(|s| s.at_ms)
        };
        let tasks = self
            .tasks
            .iter()
            .map(|t| TaskSummary {
                task: t.label.clone(),
                slot: t.slot,
                spec: t.spec,
                created_by: t.creator,
                created_at_ms: t.created_at,
                started_at_ms: t.started_at,
                running_at_ms: t.running_at,
                stop_requested_at_ms: t.stop_requested_at,
                ended_at_ms: t.ended_at,
                end_state: t.end_state,
                pending: t.observed == Observed::Pending,
            })
            .collect();
        RolloutPlan {
            outcome,
            final_status: self.status_changes.last().cloned(),
            final_spec: self.current,
            events: self.events,
            status_changes: self.status_changes,
            capacity: self.capacity,
            tasks,
            detection: self.detection,
            rollback: self.rollback,
            passes: self.passes,
            finished_at_ms,
            full_capacity_at_ms,
            target_replicas,
            min_healthy,
            max_healthy,
            max_containers,
            tasks_created,
            tasks_created_by_updater,
            tasks_created_by_restart,
            simulated_until_ms: self.now,
            warnings: self.warnings,
            notes: self.notes,
        }
    }

    fn classify(&self, still_running: bool) -> Outcome {
        if still_running {
            return if self.hang_detected_at.is_some() || self.queue.is_empty() {
                Outcome::HangsForever
            } else {
                Outcome::Unfinished
            };
        }
        if self.rollback_write_failed {
            return Outcome::Stalled;
        }
        let written = |state: UpdateState| self.status_changes.iter().any(|s| s.state == state);
        if written(UpdateState::RollbackPaused) {
            return Outcome::RollbackPaused;
        }
        if written(UpdateState::RollbackCompleted) {
            return Outcome::RolledBack;
        }
        match self.status.as_ref().map(|(state, _)| *state) {
            None => Outcome::NoUpdate,
            Some(UpdateState::Completed) => Outcome::Completed,
            Some(UpdateState::Paused) => Outcome::Paused,
            Some(UpdateState::RollbackPaused) => Outcome::RollbackPaused,
            Some(UpdateState::RollbackCompleted) => Outcome::RolledBack,
            // The updater stopped without a final write (a cancelled pass, a failed write).
            Some(UpdateState::Updating | UpdateState::RollbackStarted) => Outcome::Stalled,
        }
    }

    /// Explains what the updater waits for.
    fn warn_hang(&mut self) {
        let Some(id) = self.active else { return };
        let mut blocked: Vec<String> = Vec::new();
        let mut since: Option<Millis> = None;
        for worker in &self.updaters[id].workers {
            let task = match *worker {
                WorkerState::AwaitingRunning { task, .. }
                | WorkerState::AwaitingStart { task, .. } => task,
                WorkerState::Idle | WorkerState::Sleeping => continue,
            };
            let t = &self.tasks[task];
            let why = match &t.pending_reason {
                Some(reason) => format!("{} stays pending ({reason})", t.label),
                None => format!("{} never reaches RUNNING", t.label),
            };
            since = Some(since.map_or(t.created_at, |s: Millis| s.min(t.created_at)));
            blocked.push(why);
        }
        let state = self
            .status
            .as_ref()
            .map_or("none", |(state, _)| state.as_str());
        let mut message = format!(
            "the updater waits with no timeout: {}; UpdateStatus stays `{state}`",
            if blocked.is_empty() {
                "for its workers".to_owned()
            } else {
                blocked.join(", ")
            }
        );
        let start_first_port = self.spec(self.current).host_ports
            && self.spec(self.current).update.order
                == crate::rollout::spec::UpdateOrder::StartFirst;
        if start_first_port {
            message.push_str(
                "; start-first cannot free a host-mode port: the old task is only stopped once \
                 the new one runs (recover with `docker service update --update-order stop-first`)",
            );
        }
        self.warnings.push(Warning {
            kind: WarningKind::HangsForever,
            message,
            at_ms: since.or(Some(self.now)),
            until_ms: None,
        });
    }

    fn warn_undetectable_scenario(&mut self) {
        for side in [SpecSide::To, SpecSide::From] {
            let spec = self.spec(side);
            let used = self
                .tasks
                .iter()
                .any(|t| t.spec == side && t.creator != Creator::Initial);
            if spec.probe.is_none() && spec.behavior.health != HealthBehavior::Healthy && used {
                let which = if side == SpecSide::To {
                    "new"
                } else {
                    "restored"
                };
                self.warnings.push(Warning {
                    kind: WarningKind::ScenarioUndetectable,
                    message: format!(
                        "the {which} spec has no healthcheck, so Swarm sees its tasks RUNNING as \
                         soon as they start and never detects that they are unhealthy"
                    ),
                    at_ms: None,
                    until_ms: None,
                });
            }
        }
    }

    /// Intervals with no healthy task (only if the service should have some).
    fn warn_outages(&mut self) {
        if self.spec(self.current).slots == 0 {
            return;
        }
        let mut outages: Vec<(Millis, Option<Millis>)> = Vec::new();
        let mut open: Option<Millis> = None;
        for point in &self.capacity {
            match (point.healthy == 0, open) {
                (true, None) => open = Some(point.at_ms),
                (false, Some(start)) => {
                    outages.push((start, Some(point.at_ms)));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            outages.push((start, None));
        }
        let total = outages.len();
        for &(from, until) in outages.iter().take(MAX_OUTAGE_WARNINGS) {
            let message = match until {
                Some(until) => format!(
                    "full outage: no task serves from {from} ms to {until} ms ({} ms)",
                    until - from
                ),
                None => format!(
                    "full outage: no task serves from {from} ms to the end of the simulation"
                ),
            };
            self.warnings.push(Warning {
                kind: WarningKind::FullOutage,
                message,
                at_ms: Some(from),
                until_ms: until,
            });
        }
        if total > MAX_OUTAGE_WARNINGS {
            self.warnings.push(Warning {
                kind: WarningKind::FullOutage,
                message: format!("{} more full outages", total - MAX_OUTAGE_WARNINGS),
                at_ms: None,
                until_ms: None,
            });
        }
    }

    /// A slot whose restart replacement failed again is crash-looping.
    fn warn_crash_loops(&mut self) {
        for side in [SpecSide::To, SpecSide::From] {
            let mut slots: Vec<u32> = Vec::new();
            let mut first: Option<(Millis, &Task)> = None;
            for t in &self.tasks {
                let failed = matches!(t.end_state, Some(EndState::Failed | EndState::Complete))
                    && t.stop_requested_at.is_none();
                if t.creator != Creator::Restart || t.spec != side || !failed {
                    continue;
                }
                slots.push(t.slot);
                let ended = t.ended_at.unwrap_or(self.now);
                if first.is_none_or(|(at, _)| ended < at) {
                    first = Some((ended, t));
                }
            }
            let Some((first_at, first_task)) = first else {
                continue;
            };
            slots.sort_unstable();
            slots.dedup();
            // The cycle: from the failure the first looping replacement replaced to its own.
            let previous_failure = self
                .slot_tasks(first_task.slot as usize - 1)
                .filter_map(|id| self.tasks[id].ended_at)
                .filter(|&ended| ended <= first_task.created_at)
                .max();
            let cycle_text = previous_failure.map_or(String::new(), |p| {
                format!(", one replacement every {} ms", first_at - p)
            });
            let which = if side == SpecSide::To {
                "new"
            } else {
                "previous"
            };
            let listed: Vec<String> = slots.iter().take(12).map(u32::to_string).collect();
            let more = if slots.len() > listed.len() {
                ", ..."
            } else {
                ""
            };
            self.warnings.push(Warning {
                kind: WarningKind::CrashLoop,
                message: format!(
                    "{} slot(s) crash-loop the {which} spec (slots {}{more}){cycle_text}",
                    slots.len(),
                    listed.join(", ")
                ),
                at_ms: Some(first_at),
                until_ms: None,
            });
        }
    }

    /// Failures of updater-created tasks that no updater counted.
    fn warn_uncounted_failures(&mut self) {
        let uncounted: Vec<&Task> = self
            .tasks
            .iter()
            .filter(|t| {
                // Siblings of a failure that already made the updater act do not matter.
                let creator_acted = t
                    .updater_record
                    .is_some_and(|(updater, _)| self.updaters[updater].acted);
                t.creator == Creator::Updater
                    && matches!(t.end_state, Some(EndState::Failed | EndState::Complete))
                    && !t.counted
                    && !creator_acted
            })
            .collect();
        if uncounted.is_empty() {
            return;
        }
        let first = uncounted.iter().filter_map(|t| t.ended_at).min();
        let names: Vec<&str> = uncounted.iter().take(6).map(|t| t.label.as_str()).collect();
        let more = if uncounted.len() > names.len() {
            ", ..."
        } else {
            ""
        };
        let continue_used = self
            .passes
            .iter()
            .any(|p| p.config.failure_action == crate::rollout::spec::FailureAction::Continue);
        let why = if continue_used {
            "failure_action continue creates no failure watch, and failures after the monitor \
             window or after the updater ended are not counted either"
        } else {
            "they ended more than `monitor` after the updater saw them RUNNING, or after the \
             updater had ended"
        };
        self.warnings.push(Warning {
            kind: WarningKind::FailuresNotCounted,
            message: format!(
                "{} failure(s) of tasks the updater created were not counted ({}{more}): {why}",
                uncounted.len(),
                names.join(", ")
            ),
            at_ms: first,
            until_ms: None,
        });
    }

    /// `completed` while old tasks still serve (start-first, new task failed, not counted).
    fn warn_old_tasks_kept(&mut self, outcome: Outcome) {
        if outcome != Outcome::Completed || self.current != SpecSide::To {
            return;
        }
        let kept: Vec<u32> = self
            .tasks
            .iter()
            .filter(|t| t.spec == SpecSide::From && t.desired == Desired::Running)
            .map(|t| t.slot)
            .collect();
        if kept.is_empty() {
            return;
        }
        self.warnings.push(Warning {
            kind: WarningKind::OldTasksKept,
            message: format!(
                "the update reports completed but {} slot(s) still run the previous spec: with \
                 start-first a new task that fails before RUNNING leaves the old task in place, \
                 and the failure was not counted (failure_action continue or max_failure_ratio)",
                kept.len()
            ),
            at_ms: None,
            until_ms: None,
        });
    }

    /// From when on capacity stays at or above `target` until the end.
    fn full_capacity_at(&self, target: u32) -> Option<Millis> {
        let last = self.capacity.last()?;
        if last.healthy < target {
            return None;
        }
        let mut restored = 0;
        for window in self.capacity.windows(2) {
            if window[0].healthy < target && window[1].healthy >= target {
                restored = window[1].at_ms;
            }
        }
        Some(restored)
    }
}

fn is_final(state: UpdateState) -> bool {
    !matches!(state, UpdateState::Updating | UpdateState::RollbackStarted)
}
