//! Printing a plan: `human` (a summary table and a compact timeline per service), `markdown`
//! (for a pull-request comment: a summary table and one collapsible timeline per service).
//! JSON is the serde form of [`Plan`].
//!
//! Every sentence here is meant for an operator who has not read the simulator: times are
//! seconds after the deploy, tasks are named by what created them (a key is printed once),
//! every scenario's outcome is in the summary with the worst first, outages are marked, and
//! the simulator's internal notes are reworded by kind.

use super::effective::{EffectiveService, Source};
use super::transition::{Action, ChangeKind, FieldChange};
use super::{Plan, ServicePlan, Simulation, SimulationResult};
use crate::rollout::{
    CapacityPoint, Creator, EndState, EventKind, FailureAction, HealthBehavior, HealthTest, Millis,
    Note, NoteKind, Outcome, PassKind, RolloutPlan, Scenario, ServiceMode, SigtermBehavior,
    SpecSide, StopCause, TimelineEvent, UpdateOrder, UpdateState, WarningKind,
};
use std::fmt::Write;

/// Seconds, as short as exact: `0s`, `2.1s`, `14.85s`.
pub(crate) fn seconds(ms: Millis) -> String {
    let whole = ms / 1000;
    let frac = ms % 1000;
    if frac == 0 {
        return format!("{whole}s");
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}s", digits.trim_end_matches('0'))
}

/// `1 container`, `2 containers`.
fn count(n: u32, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Rewrites `NNN ms` in a simulator text as seconds, so that one unit is used throughout.
fn ms_to_seconds(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" ms") {
        let head = &rest[..at];
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let number = &head[head.len() - digits..];
        let boundary_ok = rest[at + 3..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        match (digits > 0, number.parse::<u64>(), boundary_ok) {
            (true, Ok(ms), true) => {
                out.push_str(&head[..head.len() - digits]);
                out.push_str(&seconds(ms));
            }
            _ => {
                out.push_str(head);
                out.push_str(" ms");
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// What the service's action means, in a few words.
fn action_word(service: &ServicePlan) -> &'static str {
    if negative_replicas(service).is_some() && service.action != Action::Remove {
        return "deploy refused";
    }
    if zero_replicas(service) && service.action == Action::RollingUpdate {
        return "update (0 tasks)";
    }
    match service.action {
        Action::Create => "create",
        Action::RollingUpdate => "rolling update",
        Action::InPlaceUpdate => "in-place update",
        Action::Scale => "scale",
        Action::Remove => "remove",
        Action::Unchanged => "unchanged",
    }
}

fn action_explained(service: &ServicePlan) -> String {
    if let Some((value, at)) = negative_replicas(service)
        && service.action != Action::Remove
    {
        return format!(
            "replicas {value}{at} is not a replica count: `docker stack deploy` refuses the file \
             (\"cannot parse 'Deploy.Replicas', {value} overflows uint\"), so nothing is deployed \
             and nothing is simulated"
        );
    }
    if zero_replicas(service) && service.action == Action::RollingUpdate {
        return "the task template changed, but the service runs 0 replicas: no task is replaced"
            .into();
    }
    match service.action {
        Action::Create => "new service: its tasks are started, nothing is replaced".into(),
        Action::RollingUpdate if is_global(service) => {
            "the task template changed, so Swarm replaces the tasks node by node".into()
        }
        Action::RollingUpdate => {
            "the task template changed, so Swarm replaces the tasks slot by slot".into()
        }
        Action::InPlaceUpdate => {
            "only settings outside the task template changed, so no task is replaced".into()
        }
        Action::Scale => {
            "only the replica count changed, so tasks are only added or removed".into()
        }
        Action::Remove => {
            "not in the new files; only `docker stack deploy --prune` removes it".into()
        }
        Action::Unchanged => "no change".into(),
    }
}

fn zero_replicas(service: &ServicePlan) -> bool {
    matches!(
        service.effective.as_ref().map(|e| e.spec.mode),
        Some(ServiceMode::Replicated { replicas: 0 })
    )
}

/// A negative `replicas` as written, with ` (file:line)` when known. Docker's stack loader
/// decodes `replicas` into an unsigned integer and refuses the whole file (checked with
/// `docker stack deploy` of Docker CLI 28.2: "cannot parse 'Deploy.Replicas', -1 overflows uint").
fn negative_replicas(service: &ServicePlan) -> Option<(String, String)> {
    let r = service.effective.as_ref()?.field("replicas")?;
    if !r.value.parse::<i64>().is_ok_and(|n| n < 0) {
        return None;
    }
    let at = match &r.source {
        Source::File { location, .. } if !location.is_empty() => format!(" ({location})"),
        _ => String::new(),
    };
    Some((r.value.clone(), at))
}

/// A simulation worth showing: a zero-replica service has nothing to roll, and a file
/// `docker stack deploy` refuses deploys nothing.
pub(crate) fn shown_simulations(service: &ServicePlan) -> impl Iterator<Item = &Simulation> {
    let skip = zero_replicas(service) || negative_replicas(service).is_some();
    service.simulations.iter().filter(move |_| !skip)
}

/// Outcome words; failures in capitals so they stand out in a table.
fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::NoUpdate => "nothing to replace",
        Outcome::Completed => "completed",
        Outcome::Paused => "PAUSED",
        Outcome::RolledBack => "ROLLED BACK",
        Outcome::RollbackPaused => "ROLLBACK PAUSED",
        Outcome::HangsForever => "HANGS FOREVER",
        Outcome::Stalled => "STALLED",
        Outcome::Unfinished => "UNFINISHED",
    }
}

/// What a scenario assumes about the new version, in words.
fn scenario_explained(name: &str) -> String {
    let Ok(s) = Scenario::parse(name) else {
        return name.to_owned();
    };
    let mut parts = Vec::new();
    match s.health {
        HealthBehavior::Healthy => {
            if s.crash.is_none() && !s.unschedulable {
                parts.push("the new version works".to_owned());
            }
        }
        HealthBehavior::Unhealthy => {
            parts.push("the new version never passes its healthcheck".to_owned());
        }
        HealthBehavior::UnhealthyAfter(ms) => parts.push(format!(
            "the new version fails its healthcheck from {} after it starts",
            seconds(ms)
        )),
    }
    if let Some(c) = s.crash {
        parts.push(format!(
            "{} after it starts, the new version exits with code {}",
            seconds(c.after_ms),
            c.exit_code
        ));
    }
    if s.unschedulable {
        parts.push("no node can run the new version".to_owned());
    }
    match s.on_sigterm {
        SigtermBehavior::Die => {}
        SigtermBehavior::Exit0 => parts.push("it exits 0 on SIGTERM".to_owned()),
        SigtermBehavior::Ignore => {
            parts.push("it ignores SIGTERM (killed after stop_grace_period)".to_owned());
        }
    }
    parts.join("; ")
}

/// Whether the scenario makes the new version unhealthy while the new spec has no
/// healthcheck: Swarm cannot see it, and the run is the healthy one.
fn blind(service: &ServicePlan, scenario: &str) -> bool {
    let unhealthy = Scenario::parse(scenario).is_ok_and(|s| s.health != HealthBehavior::Healthy);
    unhealthy && Known::of(service).new_has_healthcheck == Some(false)
}

/// A scenario's heading words, for this service.
fn scenario_in(service: &ServicePlan, scenario: &str) -> String {
    let mut s = scenario_explained(scenario);
    if blind(service, scenario) {
        s.push_str(
            "; the new spec has no healthcheck, so Swarm cannot see it and this run is the healthy one",
        );
    }
    s
}

/// The summary's reminder that an unhealthy run without a healthcheck looks healthy to Swarm.
fn blind_note(service: &ServicePlan, scenario: &str) -> &'static str {
    if blind(service, scenario) {
        " (no healthcheck: Swarm cannot see the failure)"
    } else {
        ""
    }
}

/// Intervals with no serving replica: `(from, until)`, `until` None if it lasts to the end.
fn outages(plan: &RolloutPlan) -> Vec<(Millis, Option<Millis>)> {
    if plan.target_replicas == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut open: Option<Millis> = None;
    for p in &plan.capacity {
        match (p.healthy == 0, open) {
            (true, None) => open = Some(p.at_ms),
            (false, Some(from)) => {
                out.push((from, Some(p.at_ms)));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push((from, None));
    }
    // A value that holds for an instant only is a point, not an outage anyone notices.
    out.retain(|(from, until)| until.is_none_or(|u| u > *from));
    out
}

fn outage_text(plan: &RolloutPlan) -> Option<String> {
    let list = outages(plan);
    let (from, until) = *list.first()?;
    let first = match until {
        Some(u) => format!(
            "OUTAGE: no replica serving for {} (from {} to {})",
            seconds(u - from),
            seconds(from),
            seconds(u)
        ),
        None => format!(
            "OUTAGE: no replica serving from {} on, to the end",
            seconds(from)
        ),
    };
    Some(if list.len() > 1 {
        format!("{first}, and {} more time(s)", list.len() - 1)
    } else {
        first
    })
}

/// How bad a simulation's result is (higher is worse), to list the worst first.
fn severity(sim: &Simulation) -> u32 {
    match &sim.result {
        SimulationResult::Refused { .. } => 90,
        SimulationResult::Plan(p) => {
            let base = match p.outcome {
                Outcome::HangsForever => 80,
                Outcome::Stalled => 75,
                Outcome::RollbackPaused => 70,
                Outcome::Paused => 60,
                Outcome::Unfinished => 55,
                Outcome::RolledBack => 50,
                Outcome::Completed => 10,
                Outcome::NoUpdate => 0,
            };
            let outage = if outages(p).is_empty() { 0 } else { 5 };
            let below = u32::from(p.min_healthy < p.target_replicas);
            base + outage + below
        }
    }
}

/// Serving capacity in words: `4 of 4 replicas serving throughout`.
fn capacity_text(plan: &RolloutPlan) -> String {
    let target = plan.target_replicas;
    let mut s = if plan.min_healthy >= target {
        format!(
            "{} of {target} serving throughout",
            plan.min_healthy.min(target)
        )
    } else {
        // "at least 0 of 1" says nothing: the lowest point is what matters.
        format!("down to {} of {target} serving", plan.min_healthy)
    };
    if plan.max_healthy > target {
        let _ = write!(s, " (up to {} during the overlap)", plan.max_healthy);
    }
    s
}

/// `(rollback completed, final completion)` when Swarm runs one more update pass after a
/// rollback (the restart replacements of a failed task converge): UpdateStatus then ends
/// `completed`, but the outcome is the rollback.
fn later_pass_after_rollback(plan: &RolloutPlan) -> Option<(Millis, Millis)> {
    let back = plan
        .status_changes
        .iter()
        .find(|c| c.state == UpdateState::RollbackCompleted)?
        .at_ms;
    let done = plan.finished_at_ms?;
    (plan.outcome == Outcome::RolledBack && done > back).then_some((back, done))
}

/// When the outcome was reached: the rollback's completion for a rollback, else the end.
pub(crate) fn outcome_at(plan: &RolloutPlan) -> Option<Millis> {
    later_pass_after_rollback(plan)
        .map(|(back, _)| back)
        .or(plan.finished_at_ms)
}

/// The one-line result of a simulation, for the summary table; `remark` follows the
/// outcome and its time.
fn summary(plan: &RolloutPlan, remark: &str) -> String {
    let mut s = outcome_word(plan.outcome).to_owned();
    let later = later_pass_after_rollback(plan);
    match outcome_at(plan) {
        Some(t) => {
            let _ = write!(s, " after {}", seconds(t));
        }
        None if plan.outcome == Outcome::HangsForever => {
            s.push_str(" (the update waits with no timeout)");
        }
        None => {}
    }
    s.push_str(remark);
    if let Some(d) = &plan.detection {
        let _ = write!(s, ", failure detected at {}", seconds(d.at_ms));
    }
    let _ = write!(s, "; {}", capacity_text(plan));
    if let Some(outage) = outage_text(plan) {
        let _ = write!(s, "; {outage}");
    }
    if let Some((_, done)) = later {
        let _ = write!(
            s,
            "; then one more update pass on the previous version, UpdateStatus `completed` at {}",
            seconds(done)
        );
    }
    s
}

/// The healthy-replica series as a one-line chart, one character per time bucket.
fn sparkline(points: &[CapacityPoint], target: u32, end: Millis, width: usize) -> String {
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if points.is_empty() || end == 0 || target == 0 {
        return String::new();
    }
    let mut out = String::with_capacity(width * 3);
    let mut idx = 0;
    for col in 0..width {
        let t = end * col as u64 / width as u64;
        while idx + 1 < points.len() && points[idx + 1].at_ms <= t {
            idx += 1;
        }
        let healthy = points[idx].healthy.min(target);
        out.push(BARS[(healthy as usize * 8).div_ceil(target as usize).min(8)]);
    }
    out
}

/// What a task label stands for: `N1` → `new task N1`.
pub fn task_kind(label: &str) -> &'static str {
    let prefix: String = label.chars().take_while(char::is_ascii_uppercase).collect();
    match prefix.as_str() {
        "O" => "old task",
        "N" => "new task",
        "R" => "restart replacement",
        "RB" => "rollback task",
        "L" => "task of a later update pass",
        "S" => "scale-up task",
        _ => "task",
    }
}

/// What the renderer knows about the service beyond the events.
#[derive(Clone, Copy, Default)]
struct Known {
    /// Whether the new spec has a healthcheck (None: unknown).
    new_has_healthcheck: Option<bool>,
    /// A global service: its "slots" are nodes.
    global: bool,
}

impl Known {
    fn of(service: &ServicePlan) -> Known {
        Known {
            new_has_healthcheck: service.effective.as_ref().map(has_healthcheck),
            global: is_global(service),
        }
    }

    /// A sentence in this service's terms: a global service runs one task per node, so the
    /// simulator's slots are nodes.
    fn words(self, text: String) -> String {
        if self.global {
            // Swarm replaces a global service's task on each node, not the node.
            text.replace("in slot ", "on node ")
                .replace("slots to replace", "nodes to update")
                .replace("slot to replace", "node to update")
                .replace("every slot is replaced", "every node is updated")
                .replace("slots failed", "nodes' tasks failed")
                .replace("slot", "node")
        } else {
            text
        }
    }
}

fn is_global(service: &ServicePlan) -> bool {
    matches!(
        service.effective.as_ref().map(|e| e.spec.mode),
        Some(ServiceMode::Global { .. })
    )
}

fn has_healthcheck(e: &EffectiveService) -> bool {
    e.spec
        .healthcheck
        .as_ref()
        .is_some_and(|h| h.test == HealthTest::Present)
}

/// Whether a task went through a health gate: from the spec when known, otherwise from the
/// timeline (without a healthcheck a task counts as running the instant it starts).
fn gated(plan: &RolloutPlan, task: &str, known: Known) -> bool {
    let summary = plan.tasks.iter().find(|t| t.task == task);
    if let (Some(t), Some(h)) = (summary, known.new_has_healthcheck)
        && t.spec == SpecSide::To
    {
        return h;
    }
    summary.is_some_and(|t| match (t.started_at_ms, t.running_at_ms) {
        (Some(s), Some(r)) => r > s,
        _ => true,
    })
}

fn version(side: SpecSide) -> &'static str {
    match side {
        SpecSide::From => "previous version",
        SpecSide::To => "new version",
    }
}

fn parallelism_text(parallelism: u64, dirty: u32) -> String {
    match parallelism {
        0 => "all at once (parallelism 0)".to_owned(),
        1 => "one at a time".to_owned(),
        p if u64::from(dirty) <= p => format!("all at once (parallelism {p})"),
        p => format!("{p} at a time"),
    }
}

/// One timeline event in words, or `None` for bookkeeping events not worth a line.
pub fn describe(event: &TimelineEvent) -> Option<String> {
    describe_in(event, None, Known::default())
}

fn describe_in(event: &TimelineEvent, plan: Option<&RolloutPlan>, known: Known) -> Option<String> {
    let config_of = |pass: u32| {
        plan.and_then(|p| p.passes.iter().find(|s| s.pass == pass))
            .map(|s| s.config)
    };
    Some(match &event.kind {
        EventKind::Status { state, message } => {
            format!("UpdateStatus {} \"{message}\"", state.as_str())
        }
        EventKind::UpdaterStarted {
            pass_kind,
            dirty_slots,
            config,
            ..
        } => {
            let order = match config.order {
                UpdateOrder::StartFirst => {
                    "start-first: each replacement starts before the task it replaces stops"
                }
                UpdateOrder::StopFirst => {
                    "stop-first: each task stops before its replacement starts"
                }
            };
            let how = parallelism_text(config.parallelism, *dirty_slots);
            match pass_kind {
                PassKind::Update => format!(
                    "the update starts: {} to replace, {how}; {order}",
                    count(*dirty_slots, "slot")
                ),
                PassKind::Rollback => format!(
                    "the rollback starts with the previous version's rollback_config: {} to restore, {how}; {order}",
                    count(*dirty_slots, "slot")
                ),
                PassKind::LaterPass => format!(
                    "Swarm runs one more update pass (see the note on it below): {} still {} from the service spec, {how}",
                    count(*dirty_slots, "slot"),
                    if *dirty_slots == 1 {
                        "differs"
                    } else {
                        "differ"
                    }
                ),
            }
        }
        EventKind::UpdaterCancelled { .. } => {
            "the update stops: no further slot is replaced".to_owned()
        }
        EventKind::TaskCreated {
            task,
            slot,
            spec,
            by,
            desired_running,
        } => {
            let what = match by {
                Creator::Initial => "existing task".to_owned(),
                Creator::Updater => format!("{}, by the updater", version(*spec)),
                Creator::Restart => {
                    let wait = if *desired_running {
                        ""
                    } else {
                        "; it starts after the restart delay"
                    };
                    format!(
                        "{}, by the restart policy for the task that ended{wait}",
                        version(*spec)
                    )
                }
                Creator::Reconcile => format!("{}, by the orchestrator", version(*spec)),
            };
            let held = if *by == Creator::Updater && !desired_running {
                "; it starts once the old task has stopped"
            } else {
                ""
            };
            format!("{task} created in slot {slot} ({what}{held})")
        }
        EventKind::TaskPending { task, reason } => {
            format!("{task} cannot be placed on any node: {reason}")
        }
        EventKind::TaskPlaced { task } => format!("{task} placed on a node"),
        EventKind::TaskStartRequested { task } => format!("{task} may start now"),
        EventKind::TaskStarted { task } => {
            if plan.is_some_and(|p| gated(p, task, known)) {
                format!("{task} container started; Swarm waits for its healthcheck")
            } else {
                format!("{task} container started")
            }
        }
        EventKind::TaskRunning { task } => {
            if plan.is_none_or(|p| gated(p, task, known)) {
                format!("{task} passed its healthcheck: running and serving")
            } else {
                format!("{task} running and serving (no healthcheck: as soon as it started)")
            }
        }
        EventKind::TaskUnhealthy { task } => {
            format!("{task} failed its healthcheck (all retries): Swarm stops it")
        }
        EventKind::TaskStopRequested { task, by } => {
            let summary = plan.and_then(|p| p.tasks.iter().find(|t| t.task == *task));
            // A task that ran before the deploy (O1) served from the start: the simulation
            // records no start or running instant for it.
            let before = summary.is_some_and(|t| t.created_by == Creator::Initial);
            let served =
                before || summary.is_none_or(|t| t.running_at_ms.is_some_and(|r| r <= event.at_ms));
            let started =
                before || summary.is_none_or(|t| t.started_at_ms.is_some_and(|s| s <= event.at_ms));
            let why = match by {
                StopCause::Updater => "",
                StopCause::Reconcile => " (scale-down)",
            };
            if served {
                format!("{task} taken out of service and told to stop{why}")
            } else if started {
                format!("{task} told to stop before it ever served{why}")
            } else {
                format!("{task} cancelled before its container started{why}")
            }
        }
        EventKind::TaskEnded {
            task,
            state,
            exit_code,
            error,
        } => match state {
            EndState::Shutdown => match exit_code {
                Some(143) => format!("{task} stopped (exit 143: ended by SIGTERM)"),
                Some(137) => format!("{task} stopped (exit 137: killed after stop_grace_period)"),
                Some(code) => format!("{task} stopped (exit {code})"),
                None => format!("{task} removed (its container had not started)"),
            },
            EndState::Failed => match error {
                Some(e) => format!("{task} FAILED: {e}"),
                None => format!("{task} FAILED (exit {})", exit_code.unwrap_or(-1)),
            },
            EndState::Complete => format!(
                "{task} exited 0 on its own (Swarm counts an early exit as a failure of the update)"
            ),
        },
        EventKind::FailureCounted {
            pass,
            task,
            failures,
            dirty_slots,
            ..
        } => {
            let ratio = f64::from(*failures) / f64::from((*dirty_slots).max(1));
            match config_of(*pass) {
                Some(c) if ratio > f64::from(c.max_failure_ratio) => {
                    let action = match c.failure_action {
                        FailureAction::Pause => "pause",
                        FailureAction::Rollback => "rollback",
                        FailureAction::Continue => "continue",
                    };
                    format!(
                        "Swarm counts the failure of {task}: {failures} of {dirty_slots} slots failed, more than max_failure_ratio {} allows, so failure_action {action} applies",
                        crate::tree::go_format_float(f64::from(c.max_failure_ratio))
                    )
                }
                Some(c) => format!(
                    "Swarm counts the failure of {task}: {failures} of {dirty_slots} slots failed, within max_failure_ratio {}: the update goes on",
                    crate::tree::go_format_float(f64::from(c.max_failure_ratio))
                ),
                None => format!(
                    "Swarm counts the failure of {task} ({failures} of {dirty_slots} slots)"
                ),
            }
        }
        EventKind::FailureIgnored {
            task,
            observed_at_ms,
            seen_running_at_ms,
            window_ms,
            ..
        } => format!(
            "the failure of {task} is not counted: it came {} after it started serving, later than monitor {}",
            seconds(observed_at_ms.saturating_sub(*seen_running_at_ms)),
            seconds(*window_ms)
        ),
        EventKind::SlotFailed { slot, error, .. } => format!("slot {slot} skipped: {error}"),
        EventKind::SlotTaken { .. } | EventKind::SlotDone { .. } => return None,
    })
}

/// Steps the events do not show: the workers' `delay` after the last slot and the final
/// monitor period before each `completed` / `rollback_completed`. The second number orders
/// steps of one instant: a completion (0) comes before the events of its instant (1), so a
/// later pass starting then follows it; the other derived steps (2) come after them.
fn derived_steps(plan: &RolloutPlan) -> Vec<(Millis, u8, String)> {
    let mut out = Vec::new();
    for pass in &plan.passes {
        let Some(end) = pass.ended_at_ms else {
            continue;
        };
        let completion = plan.status_changes.iter().find(|s| {
            s.at_ms == end
                && matches!(
                    s.state,
                    UpdateState::Completed | UpdateState::RollbackCompleted
                )
        });
        let Some(completion) = completion else {
            continue;
        };
        // swarmkit: "if a delay is set we need to monitor for a period longer than the delay"
        let c = pass.config;
        let wait = if c.delay_ms >= c.monitor_ms && c.delay_ms > 0 {
            c.delay_ms + 1_000
        } else {
            c.monitor_ms
        };
        let Some(watch_from) = end.checked_sub(wait) else {
            continue;
        };
        let last_slot_done = plan
            .events
            .iter()
            .filter(|e| {
                matches!(e.kind, EventKind::SlotDone { pass: p, .. } if p == pass.pass)
                    && e.at_ms <= watch_from
            })
            .map(|e| e.at_ms)
            .max();
        if let Some(done) = last_slot_done
            && c.delay_ms > 0
            && done < watch_from
        {
            out.push((
                done,
                2,
                format!(
                    "every slot is done; Swarm still waits the update delay {} after the last one",
                    seconds(c.delay_ms)
                ),
            ));
        }
        let what = if completion.state == UpdateState::RollbackCompleted {
            "rollback"
        } else {
            "update"
        };
        let reason = if wait == c.monitor_ms {
            format!("monitor {}", seconds(c.monitor_ms))
        } else {
            format!(
                "delay {} + 1s, because delay is not shorter than monitor {}",
                seconds(c.delay_ms),
                seconds(c.monitor_ms)
            )
        };
        out.push((
            watch_from,
            2,
            if what == "rollback" {
                format!("every slot is restored; Swarm waits {reason} before it reports the rollback complete")
            } else if pass.kind == PassKind::LaterPass {
                format!("the extra pass is done; Swarm waits {reason} before it reports the update complete")
            } else {
                format!("every slot is replaced; Swarm keeps watching the new tasks for failures for {reason} before it reports the update complete")
            },
        ));
        out.push((
            end,
            if wait == 0 { 3 } else { 0 },
            format!(
                "{what} complete (UpdateStatus {})",
                completion.state.as_str()
            ),
        ));
    }
    out
}

/// The ordered steps of a simulation, at most `limit` lines.
fn step_lines(plan: &RolloutPlan, known: Known, out: &mut String, indent: &str, limit: usize) {
    let mut steps: Vec<(Millis, u8, String)> = plan
        .events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Status { .. }))
        .filter_map(|e| describe_in(e, Some(plan), known).map(|d| (e.at_ms, 1, d)))
        .collect();
    steps.extend(derived_steps(plan));
    steps.sort_by_key(|(at, order, _)| (*at, *order));
    for (at, _, text) in steps.iter().take(limit) {
        let _ = writeln!(
            out,
            "{indent}{:>7}  {}",
            seconds(*at),
            known.words(text.clone())
        );
    }
    if steps.len() > limit {
        let _ = writeln!(
            out,
            "{indent}... {} more steps (--format json has them all)",
            steps.len() - limit
        );
    }
}

/// The state at the end of the simulation, in one sentence.
fn end_state(plan: &RolloutPlan) -> String {
    let running: Vec<_> = plan
        .tasks
        .iter()
        .filter(|t| t.ended_at_ms.is_none() && t.stop_requested_at_ms.is_none() && !t.pending)
        .collect();
    let on = |side: SpecSide| running.iter().filter(|t| t.spec == side).count() as u32;
    let (new, old) = (on(SpecSide::To), on(SpecSide::From));
    let serving = plan.capacity.last().map_or(0, |p| p.healthy);
    let runs = match plan.final_spec {
        SpecSide::To => "the service spec is the new version",
        SpecSide::From => "the service spec is back to the previous version",
    };
    let status = plan.final_status.as_ref().map_or_else(
        || "no UpdateStatus".to_owned(),
        |s| format!("UpdateStatus `{}`", s.state.as_str()),
    );
    let until = plan.simulated_until_ms;
    let when = match plan.finished_at_ms {
        Some(done) if until > done => format!(
            "at the end ({}, {} after the last UpdateStatus change)",
            seconds(until),
            seconds(until - done)
        ),
        Some(done) => format!("at the end ({})", seconds(done)),
        None if plan.outcome == Outcome::HangsForever => {
            let last = plan.events.last().map_or(0, |e| e.at_ms);
            format!(
                "from {} on, for as long as nobody intervenes",
                seconds(last)
            )
        }
        None => format!("when the simulation stops ({})", seconds(until)),
    };
    let mut s = format!(
        "{when}: {runs}, {status}; {serving} of {} serving",
        plan.target_replicas
    );
    let mut kinds = Vec::new();
    if new > 0 {
        kinds.push(format!("{} of the new version", count(new, "task")));
    }
    if old > 0 {
        kinds.push(format!("{} of the previous version", count(old, "task")));
    }
    if !kinds.is_empty() {
        let _ = write!(s, "; running: {}", kinds.join(", "));
    }
    if let Some(t) = plan.full_capacity_at_ms
        && t > 0
    {
        let _ = write!(s, "; full capacity again from {}", seconds(t));
    }
    s
}

/// A simulator note in an operator's words (the JSON keeps the simulator's own text).
fn note_text(note: &Note) -> String {
    let at = note
        .at_ms
        .map(|t| format!(" at {}", seconds(t)))
        .unwrap_or_default();
    match note.kind {
        NoteKind::SlotOrder => {
            "Swarm picks the slots to replace in random order; the slot numbers above are one possible order".to_owned()
        }
        NoteKind::SimultaneousFailures => format!(
            "several tasks failed{at}; the status message may name any one of them"
        ),
        NoteKind::FailureOrderRace => format!(
            "another new task failed{at}, just after the rollback or pause told it to stop, so it is not replaced; on a real Swarm it depends on which of the two Swarm sees first: if it sees the failure first, it starts one more replacement task"
        ),
        NoteKind::ExtraSlotRace => format!(
            "the failure{at} comes in the instant the update moves on to the next slot: on a real Swarm that slot may get a new task first (removed again), or Swarm may react one health check later"
        ),
        NoteKind::RestartSpecRace => format!(
            "the restart replacements created{at} may run either version: they were created in the same instant the rollback began (shown here with the new version)"
        ),
        NoteKind::Exit0RunningRace => {
            "a task exited 0 right after failing its healthcheck: Swarm may briefly see it running, and then a start-first update stops one more old task".to_owned()
        }
        NoteKind::LaterPassRace => {
            "after the completion Swarm may or may not run one more update pass, and which of two equal tasks it keeps is arbitrary".to_owned()
        }
    }
}

/// The simulator's warnings worth a line of their own: an outage is already in the
/// scenario's heading and in the summary table.
/// When the heading already says that Swarm cannot see the scenario (`blind`), neither is
/// the simulator's warning that says so.
fn shown_warnings(
    plan: &RolloutPlan,
    blind: bool,
) -> impl Iterator<Item = &crate::rollout::Warning> {
    plan.warnings.iter().filter(move |w| {
        w.kind != WarningKind::FullOutage && !(blind && w.kind == WarningKind::ScenarioUndetectable)
    })
}

/// The simulator's notes, each text once (two later-pass races read the same to an operator).
fn shown_notes(plan: &RolloutPlan) -> Vec<&Note> {
    let mut seen = std::collections::BTreeSet::new();
    plan.notes
        .iter()
        .filter(|n| seen.insert(note_text(n)))
        .collect()
}

/// A simulator warning in the renderer's units (outages are printed from their interval).
fn warning_text(w: &crate::rollout::Warning) -> String {
    match (w.kind, w.at_ms, w.until_ms) {
        (WarningKind::FullOutage, Some(from), Some(until)) => format!(
            "full outage: no replica serves from {} to {} ({})",
            seconds(from),
            seconds(until),
            seconds(until - from)
        ),
        (WarningKind::FullOutage, Some(from), None) => format!(
            "full outage: no replica serves from {} to the end of the simulation",
            seconds(from)
        ),
        _ => ms_to_seconds(&w.message),
    }
}

const UNCHANGED_PREFIX: &str = "unchanged, but";
const NO_HEALTHCHECK_PREFIX: &str = "no healthcheck in the files";
const ROLLBACK_PREFIX: &str = "a rollback of this change runs with";

/// The service's own warnings, without the ones printed once per plan, and without the
/// no-healthcheck assumption where nothing is simulated.
fn service_warnings(service: &ServicePlan) -> Vec<String> {
    let simulated = shown_simulations(service).next().is_some();
    // A rollback of a service that runs no task replaces nothing: its settings do not matter.
    let no_tasks = zero_replicas(service) || negative_replicas(service).is_some();
    let mut out: Vec<String> = service
        .warnings
        .iter()
        .filter(|w| !w.starts_with(UNCHANGED_PREFIX))
        .filter(|w| simulated || !w.starts_with(NO_HEALTHCHECK_PREFIX))
        .filter(|w| !(no_tasks && w.starts_with(ROLLBACK_PREFIX)))
        .map(|w| ms_to_seconds(w))
        .collect();
    if let Some(e) = &service.effective
        && let ServiceMode::Global { nodes } = e.spec.mode
        && simulated
    {
        out.push(format!(
            "global service: simulated on {}, one task per node (--nodes N sets the number of nodes)",
            count(nodes, "node")
        ));
    }
    out
}

fn sign(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed => '~',
    }
}

fn change_line(change: &FieldChange) -> String {
    let value = match (&change.from, &change.to) {
        (Some(a), Some(b)) => format!("{a} => {b}"),
        (Some(a), None) => a.clone(),
        (None, Some(b)) => b.clone(),
        (None, None) => String::new(),
    };
    format!("{} {}: {value}", sign(change.kind), change.path)
}

/// Where an effective value comes from, in words.
fn origin(source: &Source) -> String {
    match source {
        Source::File { location, .. } if !location.is_empty() => location.clone(),
        Source::File { .. } => "set in the files".to_owned(),
        Source::Default { layer } => match layer.as_ref() {
            // Where in swarmkit's source the value is set is for the curious; the JSON has it.
            crate::swarm::defaults::LAYER_SWARMKIT => "default: Swarm's built-in default".into(),
            crate::swarm::defaults::LAYER_ENGINE_MONITOR => {
                "default: docker stack deploy sends 0, which Swarm reads as 5s".into()
            }
            crate::swarm::defaults::LAYER_ENGINE_HEALTH => {
                "default: Docker Engine's built-in default".into()
            }
            other => format!("default: {other}"),
        },
    }
}

/// `(name, value, origin)` of the rollout settings of one block.
fn settings(e: &EffectiveService, block: &str) -> Vec<(String, String, String)> {
    e.fields
        .iter()
        .filter(|f| f.field.starts_with(block))
        .map(|f| {
            (
                f.field.rsplit('.').next().unwrap_or_default().to_owned(),
                f.value.clone(),
                origin(&f.source),
            )
        })
        .collect()
}

const BLOCKS: [(&str, &str); 2] = [
    ("update_config", "how this update runs"),
    (
        "rollback_config",
        "sent with this version for a later rollback to it; a rollback of this deploy uses the previous version's, see the warning",
    ),
];

/// `deploy.replicas` before and after, when the diff has them.
fn replica_change(service: &ServicePlan) -> Option<(u64, u64)> {
    let c = service
        .changes
        .iter()
        .find(|c| c.path == "deploy.replicas")?;
    let from = c.from.as_deref().unwrap_or("1").parse().ok()?;
    let to = c.to.as_deref().unwrap_or("1").parse().ok()?;
    Some((from, to))
}

/// The summary's result for a service with no simulation to show.
fn quiet_result(service: &ServicePlan) -> String {
    if let Some((value, _)) = negative_replicas(service)
        && service.action != Action::Remove
    {
        return format!("NOT DEPLOYABLE: `docker stack deploy` refuses replicas {value}");
    }
    match service.action {
        Action::Unchanged => "no change (the spec is sent again, see the note below)".to_owned(),
        Action::Create | Action::Remove => action_explained(service),
        Action::RollingUpdate if zero_replicas(service) => action_explained(service),
        Action::Scale => match replica_change(service) {
            Some((from, to)) if to > from => format!(
                "replicas {from} => {to}: {} started, none replaced",
                count((to - from) as u32, "task")
            ),
            Some((from, to)) => format!(
                "replicas {from} => {to}: {} stopped, none replaced",
                count((from - to) as u32, "task")
            ),
            None => "only the replica count changes: no task replaced".to_owned(),
        },
        _ if (1..=3).contains(&service.changes.len()) => format!(
            "{} changed, no task replaced",
            service
                .changes
                .iter()
                .map(|c| format!("`{}`", c.path))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!(
            "{} changed, no task replaced",
            count(service.changes.len() as u32, "field")
        ),
    }
}

/// Task name prefixes with what they stand for, in the long and the short form.
const TASK_KINDS_HUMAN: [(&str, &str); 6] = [
    ("O", "running before the deploy"),
    ("N", "started by the update"),
    ("R", "restart replacement of a task that ended"),
    ("RB", "started by the rollback"),
    ("L", "a later update pass"),
    ("S", "scale-up"),
];
const TASK_KINDS_MARKDOWN: [(&str, &str); 6] = [
    ("O", "old"),
    ("N", "new"),
    ("R", "restart replacement"),
    ("RB", "rollback"),
    ("L", "later pass"),
    ("S", "scale-up"),
];

/// What a slot is when a global service is simulated too.
fn global_slots(plan: &Plan) -> &'static str {
    if plan
        .services
        .iter()
        .any(|s| is_global(s) && shown_simulations(s).next().is_some())
    {
        " (their node, for a global service)"
    } else {
        ""
    }
}

/// The key to the task names the shown simulations use: `O (…), N (…)`.
fn task_key(plan: &Plan, kinds: [(&str, &str); 6]) -> String {
    let used: std::collections::BTreeSet<String> = plan
        .services
        .iter()
        .flat_map(shown_simulations)
        .filter_map(|sim| match &sim.result {
            SimulationResult::Plan(p) => Some(p),
            SimulationResult::Refused { .. } => None,
        })
        .flat_map(|p| p.tasks.iter())
        .map(|t| {
            t.task
                .chars()
                .take_while(char::is_ascii_uppercase)
                .collect()
        })
        .collect();
    kinds
        .iter()
        .filter(|(prefix, _)| used.contains(*prefix))
        .map(|(prefix, what)| format!("{prefix} ({what})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Human output for a terminal.
pub fn human(plan: &Plan) -> String {
    let mut out = String::new();
    let width = plan
        .services
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "{:<width$}  {:<16}  RESULT (every scenario, worst first)",
        "SERVICE", "ACTION"
    );
    let indent = " ".repeat(width + 2 + 16 + 2);
    for service in &plan.services {
        let mut sims: Vec<&Simulation> = shown_simulations(service).collect();
        sims.sort_by_key(|s| std::cmp::Reverse(severity(s)));
        let mut lines: Vec<String> = sims
            .iter()
            .map(|sim| match &sim.result {
                SimulationResult::Plan(p) => format!(
                    "{}: {}",
                    sim.scenario,
                    summary(p, blind_note(service, &sim.scenario))
                ),
                SimulationResult::Refused { error } => {
                    format!("{}: NOT SIMULATED: {error}", sim.scenario)
                }
            })
            .collect();
        if lines.is_empty() {
            lines.push(quiet_result(service));
        }
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<16}  {line}",
                    service.name,
                    action_word(service)
                );
            } else {
                let _ = writeln!(out, "{indent}{line}");
            }
        }
    }
    let simulated = plan
        .services
        .iter()
        .any(|s| shown_simulations(s).next().is_some());
    if simulated {
        let _ = writeln!(
            out,
            "\nHow to read this: times are seconds after `docker stack deploy` sends the new spec; \
             \"serving\" counts the replicas Swarm routes traffic to (running, and healthy if it \
             has a healthcheck); tasks are named {}, followed by their slot{}.",
            task_key(plan, TASK_KINDS_HUMAN),
            global_slots(plan)
        );
    }
    let unchanged: Vec<&str> = plan
        .services
        .iter()
        .filter(|s| s.action == Action::Unchanged)
        .map(|s| s.name.as_str())
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(
            out,
            "\nnote: unchanged ({}): `docker stack deploy` sends their spec again anyway, so Swarm \
             clears their UpdateStatus and a later `docker service rollback` has no older spec to \
             return to.",
            unchanged.join(", ")
        );
    }
    for service in &plan.services {
        let warnings = service_warnings(service);
        let sims: Vec<&Simulation> = shown_simulations(service).collect();
        if service.changes.is_empty() && sims.is_empty() && warnings.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{} — {}: {}",
            service.name,
            action_word(service),
            action_explained(service)
        );
        for change in &service.changes {
            let _ = writeln!(out, "  {}", change_line(change));
        }
        for warning in &warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
        if let (Some(e), false) = (&service.effective, sims.is_empty()) {
            for (block, meaning) in BLOCKS {
                let rows = settings(e, block);
                let name_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
                let value_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
                let _ = writeln!(out, "  {block} ({meaning}):");
                for (name, value, from) in rows {
                    let _ = writeln!(out, "    {name:<name_w$}  {value:<value_w$}  {from}");
                }
            }
        }
        let known = Known::of(service);
        for sim in sims {
            match &sim.result {
                SimulationResult::Plan(p) => {
                    let _ = writeln!(
                        out,
                        "  scenario {} ({}): {}",
                        sim.scenario,
                        scenario_in(service, &sim.scenario),
                        summary(p, "")
                    );
                    let _ = writeln!(
                        out,
                        "    UpdateStatus, as `docker service inspect` shows it:"
                    );
                    for change in &p.status_changes {
                        let _ = writeln!(
                            out,
                            "    {:>7}  {:<18} {}",
                            seconds(change.at_ms),
                            change.state.as_str(),
                            change.message
                        );
                    }
                    let _ = writeln!(out, "    steps:");
                    step_lines(p, known, &mut out, "    ", 40);
                    let _ = writeln!(out, "    {}", end_state(p));
                    let end = p.finished_at_ms.unwrap_or(p.simulated_until_ms);
                    if end > 0 {
                        let _ = writeln!(
                            out,
                            "    replicas serving over time (full bar = {}): |{}| 0s..{}; up to {} at once",
                            p.target_replicas,
                            sparkline(&p.capacity, p.target_replicas, end, 60),
                            seconds(end),
                            count(p.max_containers, "container")
                        );
                    }
                    for w in shown_warnings(p, blind(service, &sim.scenario)) {
                        let _ = writeln!(out, "    warning: {}", warning_text(w));
                    }
                    for n in shown_notes(p) {
                        let _ = writeln!(out, "    note: {}", known.words(note_text(n)));
                    }
                }
                SimulationResult::Refused { error } => {
                    let _ = writeln!(out, "  scenario {}: not simulated: {error}", sim.scenario);
                }
            }
        }
    }
    out.push_str(&super::maintenance::human(plan));
    out
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn markdown_service(service: &ServicePlan, out: &mut String) {
    let _ = writeln!(
        out,
        "<details><summary><b>{}</b>: {}</summary>\n\n{}.\n",
        service.name,
        action_word(service),
        action_explained(service)
    );
    if !service.changes.is_empty() {
        out.push_str("```diff\n");
        for change in &service.changes {
            let _ = writeln!(out, "{}", change_line(change));
        }
        out.push_str("```\n\n");
    }
    for warning in service_warnings(service) {
        let _ = writeln!(out, "> **warning**: {warning}\n");
    }
    let sims: Vec<&Simulation> = shown_simulations(service).collect();
    if let (Some(e), false) = (&service.effective, sims.is_empty()) {
        for (block, meaning) in BLOCKS {
            let _ = writeln!(
                out,
                "`{block}` ({meaning}):\n\n| setting | value | from |\n|---|---|---|"
            );
            for (name, value, from) in settings(e, block) {
                let _ = writeln!(
                    out,
                    "| {name} | `{}` | {} |",
                    escape_cell(&value),
                    escape_cell(&from)
                );
            }
            out.push('\n');
        }
    }
    let known = Known::of(service);
    for sim in sims {
        match &sim.result {
            SimulationResult::Plan(p) => {
                let _ = writeln!(
                    out,
                    "**{}** ({}): {}\n",
                    sim.scenario,
                    scenario_in(service, &sim.scenario),
                    escape_cell(&summary(p, ""))
                );
                out.push_str("| time | UpdateStatus | message |\n|---:|---|---|\n");
                for change in &p.status_changes {
                    let _ = writeln!(
                        out,
                        "| {} | `{}` | {} |",
                        seconds(change.at_ms),
                        change.state.as_str(),
                        escape_cell(&change.message)
                    );
                }
                let _ = writeln!(out, "\n{}.\n", end_state(p));
                for w in shown_warnings(p, blind(service, &sim.scenario)) {
                    let _ = writeln!(out, "> **warning**: {}\n", warning_text(w));
                }
                out.push_str("<details><summary>steps</summary>\n\n```text\n");
                step_lines(p, known, out, "", 200);
                out.push_str("```\n</details>\n\n");
                // After the steps: the notes speak of "the slot numbers above".
                for n in shown_notes(p) {
                    let _ = writeln!(out, "> note: {}\n", known.words(note_text(n)));
                }
            }
            SimulationResult::Refused { error } => {
                let _ = writeln!(out, "**{}**: not simulated: {error}\n", sim.scenario);
            }
        }
    }
    out.push_str("</details>\n\n");
}

/// The result cell of the Markdown summary: every scenario, the worst first.
fn markdown_result(service: &ServicePlan) -> String {
    let mut sims: Vec<&Simulation> = shown_simulations(service).collect();
    sims.sort_by_key(|s| std::cmp::Reverse(severity(s)));
    let cells: Vec<String> = sims
        .iter()
        .map(|sim| match &sim.result {
            SimulationResult::Plan(p) => {
                let mut cell = format!("{}: {}", sim.scenario, outcome_word(p.outcome));
                if blind(service, &sim.scenario) {
                    cell.push_str(" (no healthcheck: Swarm cannot see the failure)");
                }
                if !outages(p).is_empty() {
                    cell.push_str(" (**OUTAGE**)");
                }
                cell
            }
            SimulationResult::Refused { .. } => format!("{}: not simulated", sim.scenario),
        })
        .collect();
    if !cells.is_empty() {
        return cells.join("; ");
    }
    match service.action {
        Action::Unchanged => "no change (spec sent again)".to_owned(),
        Action::Create => "created".to_owned(),
        Action::Remove => "removed only with `--prune`".to_owned(),
        Action::RollingUpdate if zero_replicas(service) => "no task replaced (0 replicas)".into(),
        _ => quiet_result(service),
    }
}

/// Markdown for a pull-request comment.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::from(
        "### stackplan: rollout plan\n\n| service | action | result (worst first) |\n|---|---|---|\n",
    );
    for service in &plan.services {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            service.name,
            action_word(service),
            escape_cell(&markdown_result(service))
        );
    }
    out.push('\n');
    if plan
        .services
        .iter()
        .any(|s| shown_simulations(s).next().is_some())
    {
        let _ = writeln!(
            out,
            "Times are seconds after the deploy; *serving* counts the replicas in the load \
             balancer (running, and healthy if it has a healthcheck); tasks are named {} and \
             their slot{}.\n",
            task_key(plan, TASK_KINDS_MARKDOWN),
            global_slots(plan)
        );
    }
    let unchanged: Vec<&str> = plan
        .services
        .iter()
        .filter(|s| s.action == Action::Unchanged)
        .map(|s| s.name.as_str())
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(
            out,
            "> note: unchanged ({}): `docker stack deploy` sends their spec again, so Swarm clears \
             their UpdateStatus and a later `docker service rollback` has no older spec to return to.\n",
            unchanged.join(", ")
        );
    }
    for service in plan
        .services
        .iter()
        .filter(|s| s.action != Action::Unchanged || !service_warnings(s).is_empty())
    {
        markdown_service(service, &mut out);
    }
    out.push_str(&super::maintenance::markdown(plan));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact_and_short() {
        assert_eq!(seconds(0), "0s");
        assert_eq!(seconds(2_100), "2.1s");
        assert_eq!(seconds(14_850), "14.85s");
        assert_eq!(seconds(60_000), "60s");
    }

    #[test]
    fn milliseconds_in_simulator_texts_become_seconds() {
        assert_eq!(
            ms_to_seconds("stopped at 9200 ms (horizon), one every 11500 ms"),
            "stopped at 9.2s (horizon), one every 11.5s"
        );
        assert_eq!(ms_to_seconds("no number ms here"), "no number ms here");
        assert_eq!(ms_to_seconds("12 msec"), "12 msec");
    }

    #[test]
    fn task_kinds() {
        assert_eq!(task_kind("O1"), "old task");
        assert_eq!(task_kind("RB12"), "rollback task");
        assert_eq!(task_kind("R1.2"), "restart replacement");
    }
}
