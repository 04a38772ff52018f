#![doc = include_str!("rollback_config_missing.md")]

use crate::lint::context::{LintContext, UpdateKind, at, key_at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP111",
    name: "rollback-config-missing",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "failure_action rollback without a rollback_config rolls back with the slow defaults",
    doc: include_str!("rollback_config_missing.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services().iter().filter(|s| s.is_rolling()) {
        let update = service.update(UpdateKind::Update);
        let Some((_, action)) = update.field("failure_action") else {
            continue;
        };
        if action.as_str() != Some("rollback") || service.update(UpdateKind::Rollback).present() {
            continue;
        }
        let deploy_at = service.entry(&["deploy"]).and_then(|(k, _)| key_at(k));
        out.push(
            Diagnostic::new(
                &RULE,
                at(action),
                format!(
                    "`failure_action: rollback` but `services.{}.deploy` has no `rollback_config`: the rollback runs with the defaults (one task at a time, stop-first, pause on failure), and it is the restored spec's rollback_config that governs it, so the block must be in every deploy",
                    service.name
                ),
            )
            .service(service.name)
            .help("every `docker stack deploy` sends the whole spec: a deploy without rollback_config also removes it from the spec a later rollback restores")
            .suggest("add a `rollback_config` to `deploy`, in a file that is part of every deploy", deploy_at),
        );
    }
}
