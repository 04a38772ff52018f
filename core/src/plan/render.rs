//! Printing a plan: `human` (a summary table and a compact timeline per service), `markdown`
//! (for a pull-request comment: a summary table and one collapsible timeline per service).
//! JSON is the serde form of [`Plan`].

use super::transition::{Action, ChangeKind};
use super::{Plan, ServicePlan, SimulationResult};
use crate::rollout::{
    CapacityPoint, EndState, EventKind, Millis, Outcome, RolloutPlan, SpecSide, TimelineEvent,
};
use std::fmt::Write;

fn seconds(ms: Millis) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

fn action_word(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::RollingUpdate => "rolling update",
        Action::InPlaceUpdate => "in-place update",
        Action::Scale => "scale",
        Action::Remove => "remove",
        Action::Unchanged => "unchanged",
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::NoUpdate => "no update",
        Outcome::Completed => "completed",
        Outcome::Paused => "PAUSED",
        Outcome::RolledBack => "ROLLED BACK",
        Outcome::RollbackPaused => "ROLLBACK PAUSED",
        Outcome::HangsForever => "HANGS FOREVER",
        Outcome::Stalled => "STALLED",
        Outcome::Unfinished => "unfinished",
    }
}

/// One line: outcome, duration, capacity.
fn summary(plan: &RolloutPlan) -> String {
    let mut s = outcome_word(plan.outcome).to_owned();
    if let Some(t) = plan.finished_at_ms {
        let _ = write!(s, " after {}", seconds(t));
    }
    let _ = write!(
        s,
        "; healthy {}..{} of {}, up to {} containers, {} tasks created",
        plan.min_healthy,
        plan.max_healthy,
        plan.target_replicas,
        plan.max_containers,
        plan.tasks_created
    );
    if let Some(d) = &plan.detection {
        let _ = write!(s, "; failure detected at {}", seconds(d.at_ms));
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

/// One timeline event in words, or `None` for bookkeeping events not worth a line.
pub fn describe(event: &TimelineEvent) -> Option<String> {
    let spec = |s: &SpecSide| match s {
        SpecSide::From => "current",
        SpecSide::To => "new",
    };
    Some(match &event.kind {
        EventKind::Status { state, message } => {
            format!("UpdateStatus {} \"{message}\"", state.as_str())
        }
        EventKind::UpdaterStarted {
            pass_kind,
            dirty_slots,
            workers,
            ..
        } => format!(
            "{pass_kind:?} updater starts: {dirty_slots} dirty slot(s), {workers} worker(s)"
        )
        .to_lowercase(),
        EventKind::TaskCreated {
            task,
            slot,
            spec: s,
            by,
            ..
        } => {
            format!(
                "{task} created in slot {slot} ({} spec, by the {})",
                spec(s),
                format!("{by:?}").to_lowercase()
            )
        }
        EventKind::TaskPending { task, reason } => format!("{task} pending: {reason}"),
        EventKind::TaskStarted { task } => format!("{task} container started"),
        EventKind::TaskRunning { task } => format!("{task} running (healthy)"),
        EventKind::TaskUnhealthy { task } => format!("{task} unhealthy"),
        EventKind::TaskStopRequested { task, .. } => format!("{task} told to stop"),
        EventKind::TaskEnded {
            task,
            state,
            exit_code,
            ..
        } => {
            let how = match state {
                EndState::Shutdown => "stopped",
                EndState::Failed => "FAILED",
                EndState::Complete => "completed",
            };
            match exit_code {
                Some(code) => format!("{task} {how} (exit {code})"),
                None => format!("{task} {how}"),
            }
        }
        EventKind::FailureCounted {
            task,
            failures,
            dirty_slots,
            ..
        } => {
            format!("failure of {task} counted ({failures}/{dirty_slots} dirty slots)")
        }
        EventKind::FailureIgnored { task, .. } => {
            format!("failure of {task} not counted (outside the monitor window)")
        }
        EventKind::SlotFailed { slot, error, .. } => format!("slot {slot}: {error}"),
        _ => return None,
    })
}

/// The ordered steps of a simulation (UpdateStatus changes are listed on their own), at most
/// `limit` lines.
fn step_lines(plan: &RolloutPlan, out: &mut String, indent: &str, limit: usize) {
    let lines: Vec<String> = plan
        .events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Status { .. }))
        .filter_map(|e| describe(e).map(|d| format!("{indent}{:>7}  {d}", seconds(e.at_ms))))
        .collect();
    for line in lines.iter().take(limit) {
        let _ = writeln!(out, "{line}");
    }
    if lines.len() > limit {
        let _ = writeln!(
            out,
            "{indent}... {} more steps (--format json has them all)",
            lines.len() - limit
        );
    }
}

fn status_lines(plan: &RolloutPlan, out: &mut String, indent: &str) {
    for change in &plan.status_changes {
        let _ = writeln!(
            out,
            "{indent}{:>7}  {:<18} {}",
            seconds(change.at_ms),
            change.state.as_str(),
            change.message
        );
    }
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
    let _ = writeln!(out, "{:<width$}  {:<16}  result", "SERVICE", "ACTION");
    for service in &plan.services {
        let first = service.simulations.first().map(|sim| match &sim.result {
            SimulationResult::Plan(p) => format!("{}: {}", sim.scenario, summary(p)),
            SimulationResult::Refused { error } => format!("{}: {error}", sim.scenario),
        });
        let _ = writeln!(
            out,
            "{:<width$}  {:<16}  {}",
            service.name,
            action_word(service.action),
            first.unwrap_or_else(|| match service.action {
                Action::Create => "new service: tasks are created, nothing is rolled".to_owned(),
                Action::Remove => "only removed by `docker stack deploy --prune`".to_owned(),
                Action::Unchanged => "no change (the spec is sent again)".to_owned(),
                _ => format!(
                    "{} field(s) changed, no task replaced",
                    service.changes.len()
                ),
            })
        );
    }
    for service in &plan.services {
        let nothing_to_add = service.changes.is_empty() && service.simulations.is_empty();
        if matches!(service.action, Action::Unchanged | Action::Create)
            && nothing_to_add
            && service.warnings.len() <= 1
        {
            continue;
        }
        let _ = writeln!(out, "\n{} ({})", service.name, action_word(service.action));
        for change in &service.changes {
            let sign = match change.kind {
                ChangeKind::Added => '+',
                ChangeKind::Removed => '-',
                ChangeKind::Changed => '~',
            };
            let value = match (&change.from, &change.to) {
                (Some(a), Some(b)) => format!("{a} => {b}"),
                (Some(a), None) => a.clone(),
                (None, Some(b)) => b.clone(),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "  {sign} {}: {value}", change.path);
        }
        for warning in &service.warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
        if let (Some(e), true) = (&service.effective, !service.simulations.is_empty()) {
            for block in ["update_config", "rollback_config"] {
                let parts: Vec<String> = e
                    .fields
                    .iter()
                    .filter(|f| f.field.starts_with(block))
                    .map(|f| {
                        let name = f.field.rsplit('.').next().unwrap_or_default();
                        match &f.source {
                            super::effective::Source::File { location, .. } => {
                                format!("{name} {} ({location})", f.value)
                            }
                            super::effective::Source::Default { .. } => {
                                format!("{name} {} (default)", f.value)
                            }
                        }
                    })
                    .collect();
                let _ = writeln!(out, "  {block}: {}", parts.join(", "));
            }
        }
        for sim in &service.simulations {
            match &sim.result {
                SimulationResult::Plan(p) => {
                    let _ = writeln!(out, "  scenario {}: {}", sim.scenario, summary(p));
                    status_lines(p, &mut out, "    ");
                    let _ = writeln!(out, "    steps:");
                    step_lines(p, &mut out, "    ", 24);
                    let end = p.finished_at_ms.unwrap_or(p.simulated_until_ms).max(1);
                    let _ = writeln!(
                        out,
                        "    healthy |{}| 0..{}",
                        sparkline(&p.capacity, p.target_replicas, end, 60),
                        seconds(end)
                    );
                    for w in &p.warnings {
                        let _ = writeln!(out, "    warning: {}", w.message);
                    }
                    for n in &p.notes {
                        let _ = writeln!(out, "    note: {}", n.message);
                    }
                }
                SimulationResult::Refused { error } => {
                    let _ = writeln!(out, "  scenario {}: not simulated: {error}", sim.scenario);
                }
            }
        }
    }
    out
}

fn markdown_service(service: &ServicePlan, out: &mut String) {
    let _ = writeln!(
        out,
        "<details><summary><b>{}</b>: {}</summary>\n",
        service.name,
        action_word(service.action)
    );
    if !service.changes.is_empty() {
        out.push_str("```diff\n");
        for change in &service.changes {
            let line = match (&change.kind, &change.from, &change.to) {
                (ChangeKind::Changed, Some(a), Some(b)) => format!("! {}: {a} => {b}", change.path),
                (ChangeKind::Added, _, Some(b)) => format!("+ {}: {b}", change.path),
                (ChangeKind::Removed, Some(a), _) => format!("- {}: {a}", change.path),
                _ => format!("  {}", change.path),
            };
            let _ = writeln!(out, "{line}");
        }
        out.push_str("```\n\n");
    }
    for warning in &service.warnings {
        let _ = writeln!(out, "> **warning**: {warning}\n");
    }
    for sim in &service.simulations {
        if let SimulationResult::Plan(p) = &sim.result {
            let _ = writeln!(out, "**{}**: {}\n", sim.scenario, summary(p));
            out.push_str("| time | UpdateStatus | message |\n|---:|---|---|\n");
            for change in &p.status_changes {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} |",
                    seconds(change.at_ms),
                    change.state.as_str(),
                    change.message.replace('|', "\\|")
                );
            }
            out.push_str("\n<details><summary>steps</summary>\n\n```text\n");
            step_lines(p, out, "", 200);
            out.push_str("```\n</details>\n\n");
        }
    }
    out.push_str("</details>\n\n");
}

/// Markdown for a pull-request comment.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::from(
        "### stackplan: rollout plan\n\n| service | action | result |\n|---|---|---|\n",
    );
    for service in &plan.services {
        let result = service
            .simulations
            .iter()
            .filter_map(|sim| match &sim.result {
                SimulationResult::Plan(p) => {
                    Some(format!("{}: {}", sim.scenario, outcome_word(p.outcome)))
                }
                SimulationResult::Refused { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            service.name,
            action_word(service.action),
            result
        );
    }
    out.push('\n');
    for service in plan
        .services
        .iter()
        .filter(|s| s.action != Action::Unchanged)
    {
        markdown_service(service, &mut out);
    }
    out
}
