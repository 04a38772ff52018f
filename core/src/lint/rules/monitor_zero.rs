#![doc = include_str!("monitor_zero.md")]

use crate::lint::context::{LintContext, at, duration, key_at};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP108",
    name: "monitor-zero",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "monitor 0s is stored as unset and runs as 5s",
    doc: include_str!("monitor_zero.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for (service, config) in present_configs(cx) {
        // The merged model keeps a non-zero monitor; a zero one is dropped (Go's omitempty,
        // and the typed spec cannot tell it from unset either: the engine stores both as
        // unset), so look at what the file that set it last wrote (the loader's record of
        // the files as written, `loader::Written`). An interpolated value the model dropped
        // was zero (or empty) after interpolation.
        let (origin, text) = match config.field("monitor") {
            Some((_, node)) if duration(node) == Some(0) => (at(node), "0s`".to_owned()),
            Some(_) => continue,
            None => {
                let path = ["deploy", config.kind.key(), "monitor"];
                let Some((key, node)) = cx.raw_last(service.name, &path) else {
                    continue;
                };
                let Some(text) = node.scalar_to_string() else {
                    continue;
                };
                let text = if text.contains('$') {
                    format!("{text}` (0s after interpolation)")
                } else if duration(node) == Some(0) {
                    format!("{text}`")
                } else {
                    continue;
                };
                (at(node).or(key_at(key)), text)
            }
        };

        out.push(
            Diagnostic::new(
                &RULE,
                origin,
                format!(
                    "`{}.monitor: {text} is not zero: the engine does not send a zero monitor, so Swarm stores it as unset and uses 5s",
                    config.kind.key()
                ),
            )
            .service(service.name)
            .help("`docker service inspect --pretty` shows `Monitoring Period: 5s`; a monitor cannot be 0 through the Docker API")
            .replace("write the 5s Swarm uses", origin, "5s"),
        );
    }
}
