#![doc = include_str!("invalid_restart_condition.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP001",
    name: "invalid-restart-condition",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "restart_policy.condition must be none, on-failure or any for Swarm",
    doc: include_str!("invalid_restart_condition.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let Some(node) = service.get(&["deploy", "restart_policy", "condition"]) else {
            continue;
        };
        let Some(value) = node.as_str() else { continue };
        if value.is_empty() || matches!(value, "none" | "on-failure" | "any") {
            continue;
        }
        let lower = value.to_ascii_lowercase();
        let suggestion = match lower.as_str() {
            "always" | "unless-stopped" | "unless_stopped" | "any" => Some("any"),
            "no" | "never" | "none" | "false" => Some("none"),
            l if l.starts_with("on-failure") || l.starts_with("on_failure") || l == "onfailure" => {
                Some("on-failure")
            }
            _ => None,
        };
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!(
                "`restart_policy.condition: {value}` is not a Swarm restart condition: the engine rejects the service (`invalid RestartCondition`)"
            ),
        )
        .service(service.name)
        .help("Swarm accepts `none`, `on-failure` or `any`; the service-level `restart:` values do not apply here");
        if let Some(s) = suggestion {
            d = d.replace(format!("use `{s}`"), at(node), s);
        }
        out.push(d);
    }
}
