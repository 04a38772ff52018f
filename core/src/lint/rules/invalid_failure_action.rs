#![doc = include_str!("invalid_failure_action.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP002",
    name: "invalid-failure-action",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "failure_action must be pause, continue or rollback",
    doc: include_str!("invalid_failure_action.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for (service, config) in present_configs(cx) {
        let Some((_, node)) = config.field("failure_action") else {
            continue;
        };
        let Some(value) = node.as_str() else { continue };
        if value.is_empty() || matches!(value, "pause" | "continue" | "rollback") {
            continue;
        }
        let lower = value.to_ascii_lowercase();
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!(
                "`{}.failure_action: {value}` is not a Swarm failure action: the engine rejects the service (`unrecognized update failure action`)",
                config.kind.key()
            ),
        )
        .service(service.name)
        .help("Swarm accepts `pause`, `continue` or `rollback` (lower case)");
        if matches!(lower.as_str(), "pause" | "continue" | "rollback") {
            d = d.replace(format!("use `{lower}`"), at(node), lower.clone());
        }
        out.push(d);
    }
}
