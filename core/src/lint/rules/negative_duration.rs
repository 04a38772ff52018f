#![doc = include_str!("negative_duration.md")]

use crate::lint::context::{LintContext, UpdateKind, at, duration, fmt_duration};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP010",
    name: "negative-duration",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "update, rollback and restart durations cannot be negative",
    doc: include_str!("negative_duration.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let mut paths: Vec<([&str; 3], &str)> = Vec::new();
        for kind in UpdateKind::BOTH {
            paths.push((["deploy", kind.key(), "delay"], "update-delay"));
            paths.push((["deploy", kind.key(), "monitor"], "update-monitor"));
        }
        paths.push((["deploy", "restart_policy", "delay"], "restart-delay"));
        paths.push((["deploy", "restart_policy", "window"], "restart-window"));
        for (path, what) in paths {
            let Some(node) = service.get(&path) else {
                continue;
            };
            let Some(nanos) = duration(node) else {
                continue;
            };
            if nanos >= 0 {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    at(node),
                    format!(
                        "`{}.{}: {}` is negative: swarmkit rejects the service (`{what} cannot be negative`)",
                        path[1],
                        path[2],
                        fmt_duration(nanos)
                    ),
                )
                .service(service.name)
                .replace("use the positive duration", at(node), fmt_duration(-nanos)),
            );
        }
    }
}
