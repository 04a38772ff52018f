#![doc = include_str!("delay_not_below_monitor.md")]

use crate::lint::context::{LintContext, at, fmt_duration};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP113",
    name: "delay-not-below-monitor",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "delay >= monitor: failures late in the delay are not counted",
    doc: include_str!("delay_not_below_monitor.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for (service, config) in present_configs(cx) {
        if config.failure_action() == "continue" {
            continue;
        }
        let delay = config.delay();
        let monitor = config.monitor();
        if delay <= 0 || delay < monitor {
            continue;
        }
        let Some((_, delay_node)) = config.field("delay") else {
            continue;
        };
        let monitor_node = config
            .field("monitor")
            .map(|(_, v)| v)
            .filter(|v| crate::lint::context::duration(v).is_some_and(|d| d != 0));
        let monitor_text = match monitor_node {
            Some(_) => format!("`monitor: {}`", fmt_duration(monitor)),
            None => "the monitor (unset: 5s)".to_owned(),
        };
        let suggested = fmt_duration(delay + monitor.max(5_000_000_000));
        let mut d = Diagnostic::new(
            &RULE,
            at(delay_node),
            format!(
                "`delay: {}` is not shorter than {monitor_text}: each worker waits {} after a task turns RUNNING but counts its failures only for {}, and the final wait becomes delay + 1s",
                fmt_duration(delay),
                fmt_duration(delay),
                fmt_duration(monitor)
            ),
        )
        .service(service.name)
        .help("make `monitor` longer than `delay` so that a task that fails during the pause after it still counts");
        d = match monitor_node {
            Some(m) => d.related(at(m), "the monitor is set here").replace(
                format!("use `monitor: {suggested}`"),
                at(m),
                suggested,
            ),
            None => d.suggest(
                format!("add `monitor: {suggested}` to `{}`", config.kind.key()),
                config.key_origin(),
            ),
        };
        out.push(d);
    }
}
