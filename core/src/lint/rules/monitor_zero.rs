#![doc = include_str!("monitor_zero.md")]

use crate::lint::context::{LintContext, at, duration, key_at};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::loader::project::parse_compose_duration;

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
    // Parse the files again only if some `monitor:` is written as zero (or interpolated).
    let maybe_zero = cx
        .text_values("monitor")
        .iter()
        .any(|v| v.contains('$') || parse_compose_duration(v).is_ok_and(|d| d == 0));
    for (service, config) in present_configs(cx) {
        // The printed project keeps a non-zero monitor; a zero one is dropped (omitempty),
        // so look at the file that set it last.
        let (origin, text) = match config.field("monitor") {
            Some((_, node)) if duration(node) == Some(0) => (at(node), "0s".to_owned()),
            Some(_) => continue,
            None if !maybe_zero => continue,
            None => {
                let path = ["deploy", config.kind.key(), "monitor"];
                let Some((key, node)) = cx.raw_last(service.name, &path) else {
                    continue;
                };
                let Some(text) = node.scalar_to_string() else {
                    continue;
                };
                let zero = duration(node) == Some(0) || text.contains('$');
                if !zero {
                    continue;
                }
                (at(node).or(key_at(key)), text)
            }
        };
        out.push(
            Diagnostic::new(
                &RULE,
                origin,
                format!(
                    "`{}.monitor: {text}` is not zero: the engine does not send a zero monitor, so Swarm stores it as unset and uses 5s",
                    config.kind.key()
                ),
            )
            .service(service.name)
            .help("`docker service inspect --pretty` shows `Monitoring Period: 5s`; a monitor cannot be 0 through the Docker API")
            .replace("write the 5s Swarm uses", origin, "5s"),
        );
    }
}
