#![doc = include_str!("update_without_healthcheck.md")]

use crate::lint::context::{LintContext, UpdateKind, at, key_at};
use crate::lint::rules::config_path;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP110",
    name: "update-without-healthcheck",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "update relies on failure detection but the service has no healthcheck",
    doc: include_str!("update_without_healthcheck.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services().iter().filter(|s| s.is_rolling()) {
        let config = service.update(UpdateKind::Update);
        if !config.present() || config.failure_action() == "continue" {
            continue;
        }
        let action = config.failure_action();
        let (relies_on, relies_at) = match config.field("failure_action") {
            Some((_, v)) => (format!("`failure_action: {action}`"), at(v)),
            None => (
                format!(
                    "`{}` (default `pause`)",
                    config_path(service, UpdateKind::Update)
                ),
                config.key_origin(),
            ),
        };
        let health = service.health();
        let d = if let Some((key, value)) = health.disabled_by() {
            let origin = if key.name == "test" {
                at(value)
            } else {
                at(value).or(key_at(key))
            };
            Diagnostic::new(
                &RULE,
                origin,
                format!(
                    "the healthcheck is disabled while the update relies on failure detection ({relies_on}): a new task is RUNNING as soon as its container starts, so only a crash within the monitor window is detected"
                ),
            )
        } else if !health.present() {
            Diagnostic::new(
                &RULE,
                cx.anchor(service),
                format!(
                    "`services.{}` has no `healthcheck` while its update relies on failure detection ({relies_on}): a new task is RUNNING as soon as its container starts, so only a crash within the monitor window is detected",
                    service.name
                ),
            )
        } else {
            continue;
        };
        out.push(
            d.service(service.name)
                .related(relies_at, "the update's failure action")
                .help("an image HEALTHCHECK would apply, but the files do not show one; declare the check here")
                .suggest("add a `healthcheck` (test, interval, timeout, retries) to the service", cx.anchor(service)),
        );
    }
}
