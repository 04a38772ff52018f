#![doc = include_str!("no_resource_limits.md")]

use crate::lint::context::{LintContext, Mode};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP303",
    name: "no-resource-limits",
    family: Family::Hygiene,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "replicated service without resource limits",
    doc: include_str!("no_resource_limits.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        if service.mode() != Mode::Replicated {
            continue;
        }
        let limits = service.get(&["deploy", "resources", "limits"]);
        if limits.is_some_and(|l| l.get("memory").is_some() || l.get("cpus").is_some()) {
            continue;
        }
        let (origin, parent) = cx.nearest(service, &["deploy", "resources", "limits"]);
        out.push(
            Diagnostic::new(
                &RULE,
                origin,
                format!(
                    "`{parent}` has no `{}`: a task can take all of its node's memory and CPU, starving the other tasks there",
                    missing_tail(&parent)
                ),
            )
            .service(service.name)
            .help("limits make a node's capacity predictable, also while old and new tasks run side by side during an update")
            .suggest(
                "add `deploy.resources.limits` with `memory` (and `cpus`)",
                origin,
            ),
        );
    }
}

/// The part of `deploy.resources.limits` below the existing `parent` path.
fn missing_tail(parent: &str) -> &'static str {
    if parent.ends_with(".limits") {
        "memory` or `cpus"
    } else if parent.ends_with(".resources") {
        "limits"
    } else if parent.ends_with(".deploy") {
        "resources.limits"
    } else {
        "deploy.resources.limits"
    }
}
