#![doc = include_str!("rollback_failure_action_rollback.md")]

use crate::lint::context::{LintContext, UpdateKind, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP107",
    name: "rollback-failure-action-rollback",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "failure_action rollback inside rollback_config acts as a pause that reports completed",
    doc: include_str!("rollback_failure_action_rollback.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services().iter().filter(|s| s.is_rolling()) {
        let config = service.update(UpdateKind::Rollback);
        let Some((_, node)) = config.field("failure_action") else {
            continue;
        };
        if node.as_str() != Some("rollback") {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                "`failure_action: rollback` in `rollback_config`: Swarm never rolls back a rollback, it pauses it (`rollback_paused`) and, since that path keeps the updater running, then reports `completed` although the rollback stopped half-way",
            )
            .service(service.name)
            .help("`pause` stops the rollback visibly; `continue` finishes restoring the old version whatever fails")
            .replace("use `failure_action: pause`", at(node), "pause"),
        );
    }
}
