#![doc = include_str!("stop_grace_over_old_task_timeout.md")]

use crate::lint::context::{LintContext, OLD_TASK_TIMEOUT, UpdateKind, at, fmt_duration};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP114",
    name: "stop-grace-over-old-task-timeout",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "stop_grace_period over 60s: stop-first starts the new task beside the old one",
    doc: include_str!("stop_grace_over_old_task_timeout.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services().iter().filter(|s| s.is_rolling()) {
        let Some((grace, node)) = service.stop_grace() else {
            continue;
        };
        if grace <= OLD_TASK_TIMEOUT {
            continue;
        }
        let stop_first: Vec<&str> = UpdateKind::BOTH
            .into_iter()
            .filter(|k| !service.update(*k).start_first())
            .map(|k| k.with_article())
            .collect();
        if stop_first.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                format!(
                    "`stop_grace_period: {}` is longer than the 60s stop-first waits for the old task: during {} the new task starts while the old one may still be shutting down",
                    fmt_duration(grace),
                    stop_first.join(" or ")
                ),
            )
            .service(service.name)
            .help("the old and new task then run side by side (same volumes, locks, host ports) for the rest of the grace period")
            .replace("use `stop_grace_period: 60s`", at(node), "60s"),
        );
    }
}
