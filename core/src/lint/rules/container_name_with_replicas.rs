#![doc = include_str!("container_name_with_replicas.md")]

use crate::lint::context::{LintContext, Mode, Service, at, entry_span, key_at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP204",
    name: "container-name-with-replicas",
    family: Family::Swarm,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "container_name on a service with several tasks names none of them",
    doc: include_str!("container_name_with_replicas.md"),
    check,
};

/// Whether the service sets `container_name` and runs (or may run) more than one task.
pub(crate) fn applies(cx: &LintContext<'_>, service: &Service<'_>) -> bool {
    service.get(&["container_name"]).is_some()
        && (matches!(service.mode(), Mode::Global | Mode::GlobalJob)
            || service.task_count(cx.nodes()) > 1)
}

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        if !applies(cx, service) {
            continue;
        }
        let Some((k, v)) = service.entry(&["container_name"]) else {
            continue;
        };
        let tasks = match service.mode() {
            Mode::Global | Mode::GlobalJob => "a global service (one task per node)".to_owned(),
            _ => format!("{} replicas", service.task_count(cx.nodes())),
        };
        let mut d = Diagnostic::new(
            &RULE,
            entry_span(k, v),
            format!(
                "`container_name: {}` on {tasks}: Swarm ignores it and names each task `<stack>_{}.<slot>.<id>`, so nothing is reachable under that name",
                v.as_str().unwrap_or_default(),
                service.name
            ),
        )
        .service(service.name)
        .replace("remove `container_name`", entry_span(k, v), "");
        if let Some((mk, _)) = service.mode_value() {
            d = d.related(key_at(mk), "the mode is set here");
        } else if let Some((_, r)) = service.replicas_value() {
            d = d.related(at(r), "the replica count is set here");
        }
        out.push(d);
    }
}
