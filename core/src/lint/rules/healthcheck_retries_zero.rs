#![doc = include_str!("healthcheck_retries_zero.md")]

use crate::lint::context::{LintContext, at, int};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP116",
    name: "healthcheck-retries-zero",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Always,
    summary: "healthcheck retries 0 means the default 3 (or the image's value)",
    doc: include_str!("healthcheck_retries_zero.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let health = service.health();
        if !health.active() {
            continue;
        }
        let Some((_, node)) = health.field("retries") else {
            continue;
        };
        if int(node) != Some(0) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                "healthcheck `retries: 0` is treated as unset: the engine uses the image's value or the default 3, not \"unhealthy at the first failure\"",
            )
            .service(service.name)
            .help("retries is the number of consecutive failed probes that make the task unhealthy")
            .suggest("write the number of failed probes you mean (at least 1), or remove the key", at(node)),
        );
    }
}
