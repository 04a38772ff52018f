#![doc = include_str!("stack_deploy_deprecated_key.md")]

use crate::lint::context::{LintContext, entry_span};
use crate::lint::rules::container_name_with_replicas;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP203",
    name: "stack-deploy-deprecated-key",
    family: Family::Swarm,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "docker stack deploy ignores container_name and expose",
    doc: include_str!("stack_deploy_deprecated_key.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        for (key, reason) in [
            (
                "container_name",
                "Setting the container name is not supported.",
            ),
            (
                "expose",
                "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
            ),
        ] {
            // A container name on a multi-task service is reported by SP204 instead.
            if key == "container_name" && container_name_with_replicas::applies(cx, service) {
                continue;
            }
            let Some((k, v)) = cx.written_last(service, &[key]) else {
                continue;
            };
            let origin = entry_span(k, v);
            out.push(
                Diagnostic::new(
                    &RULE,
                    origin,
                    format!("`docker stack deploy` ignores `{key}` as deprecated: {reason}"),
                )
                .service(service.name)
                .replace(format!("remove `{key}`"), origin, ""),
            );
        }
    }
}
