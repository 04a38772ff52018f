#![doc = include_str!("monitor_shorter_than_detection.md")]

use crate::lint::context::{
    DEFAULT_STOP_GRACE, GOSSIP_DELAY, LintContext, SECOND, at, fmt_duration,
};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP109",
    name: "monitor-shorter-than-detection",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "monitor is shorter than the time a task that breaks after RUNNING needs to be seen failing",
    doc: include_str!("monitor_shorter_than_detection.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for (service, config) in present_configs(cx) {
        if config.failure_action() == "continue" {
            continue;
        }
        let health = service.health();
        if !health.active() {
            continue;
        }
        let retries = health.retries();
        let interval = health.interval();
        let timeout = health.timeout();
        let (grace, grace_text) = match service.stop_grace() {
            Some((g, _)) => (g.max(0), format!("stop_grace_period {}", fmt_duration(g))),
            None => (DEFAULT_STOP_GRACE, "default stop grace 10s".to_owned()),
        };
        let detection = retries * (interval + timeout) + GOSSIP_DELAY + grace;
        let monitor = config.monitor();
        if monitor >= detection {
            continue;
        }
        let suggested = (detection + SECOND - 1) / SECOND * SECOND;
        let written = config
            .field("monitor")
            .filter(|(_, v)| crate::lint::context::duration(v).is_some_and(|d| d != 0));
        let (origin, what) = match written {
            Some((_, node)) => (at(node), format!("`monitor: {}`", fmt_duration(monitor))),
            None => (
                config.key_origin(),
                format!("`{}` has no `monitor`, so 5s, which", config.kind.key()),
            ),
        };
        let d = Diagnostic::new(
            &RULE,
            origin,
            format!(
                "{what} is shorter than the {} a new task needs to be seen failing after it turned RUNNING (retries {retries} × (interval {} + timeout {}) + 2s stop delay + {grace_text}): a task that breaks after its first healthy probe is not counted, and the {} completes",
                fmt_duration(detection),
                fmt_duration(interval),
                fmt_duration(timeout),
                config.kind.noun()
            ),
        )
        .service(service.name)
        .help("monitor is a per-task failure window counted from RUNNING plus one final wait, not a pause between batches");
        let d = match written {
            Some((_, node)) => d.replace(
                format!("use `monitor: {}`", fmt_duration(suggested)),
                at(node),
                fmt_duration(suggested),
            ),
            None => d.suggest(
                format!(
                    "add `monitor: {}` to `{}`",
                    fmt_duration(suggested),
                    config.kind.key()
                ),
                origin,
            ),
        };
        out.push(d);
    }
}
