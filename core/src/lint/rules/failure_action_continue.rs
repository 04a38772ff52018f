#![doc = include_str!("failure_action_continue.md")]

use crate::lint::context::{LintContext, UpdateKind, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP106",
    name: "failure-action-continue",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "failure_action continue disables failure detection entirely",
    doc: include_str!("failure_action_continue.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services().iter().filter(|s| s.is_rolling()) {
        let config = service.update(UpdateKind::Update);
        let Some((_, node)) = config.field("failure_action") else {
            continue;
        };
        if node.as_str() != Some("continue") {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                "`failure_action: continue` disables failure detection entirely: swarmkit does not watch the new tasks, so an update whose tasks all crash still ends `completed`",
            )
            .service(service.name)
            .help("to tolerate some failures keep `rollback` or `pause` and set `max_failure_ratio`")
            .replace("use `failure_action: rollback`", at(node), "rollback"),
        );
    }
}
