#![doc = include_str!("replicas_with_global_mode.md")]

use crate::lint::context::{LintContext, Mode, at, key_at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP004",
    name: "replicas-with-global-mode",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "replicas cannot be set on a global service",
    doc: include_str!("replicas_with_global_mode.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        if !matches!(service.mode(), Mode::Global | Mode::GlobalJob) {
            continue;
        }
        let Some((count, node)) = service.replicas_value() else {
            continue;
        };
        let (mode_key, mode) = match service.mode_value() {
            Some(m) => m,
            None => continue,
        };
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                format!(
                    "`replicas: {count}` on a `{}` service: `docker stack deploy` fails with `replicas can only be used with replicated or replicated-job mode`",
                    mode.as_str().unwrap_or_default()
                ),
            )
            .service(service.name)
            .related(key_at(mode_key), "the mode is set here")
            .help("a global service runs one task on every eligible node; restrict the nodes with `deploy.placement.constraints`")
            .suggest("remove `replicas`, or use `mode: replicated`", at(node)),
        );
    }
}
