#![doc = include_str!("failure_action_default_pause.md")]

use crate::lint::context::{LintContext, UpdateKind};
use crate::lint::rules::config_path;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP105",
    name: "failure-action-default-pause",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "update_config without failure_action pauses a failed update half-way",
    doc: include_str!("failure_action_default_pause.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services().iter().filter(|s| s.is_rolling()) {
        let config = service.update(UpdateKind::Update);
        if !config.present() {
            continue;
        }
        if config
            .field("failure_action")
            .and_then(|(_, v)| v.as_str())
            .is_some_and(|s| !s.is_empty())
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                config.key_origin(),
                format!(
                    "`{}` has no `failure_action`, so Swarm pauses a failed update: the service stays half-updated, with the failed slots crash-looping the new version, until someone deploys again or rolls back",
                    config_path(service, UpdateKind::Update)
                ),
            )
            .service(service.name)
            .help("the default is `pause`; write it explicitly if that is what you want")
            .suggest(
                "add `failure_action: rollback` (with a `rollback_config`) to `update_config`",
                config.key_origin(),
            ),
        );
    }
}
