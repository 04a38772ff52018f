#![doc = include_str!("start_period_without_start_interval.md")]

use crate::lint::context::{DEFAULT_START_INTERVAL, LintContext, at, fmt_duration};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP117",
    name: "start-period-without-start-interval",
    family: Family::Rollout,
    severity: Severity::Info,
    applies: Applies::Always,
    summary: "start_period without start_interval: first probe at +5s on Engine >= 27",
    doc: include_str!("start_period_without_start_interval.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    // moby/moby#47799 (Engine 27.0), backported to 26.1 (moby/moby#48255, 26.1.5).
    if !cx.engine_at_least(26, 1) {
        return;
    }
    for service in cx.services() {
        let health = service.health();
        if !health.active() {
            continue;
        }
        let Some((start_period, _, node)) = health.duration("start_period") else {
            continue;
        };
        if start_period <= 0
            || health
                .duration("start_interval")
                .is_some_and(|(d, _, _)| d != 0)
        {
            continue;
        }
        let interval = health.interval();
        if interval >= DEFAULT_START_INTERVAL {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                format!(
                    "`start_period: {}` without `start_interval`: on Engine >= 26.1 probes during the start period run every 5s, so a new task's first probe is at +5s, not at +{} (the interval)",
                    fmt_duration(start_period),
                    fmt_duration(interval)
                ),
            )
            .service(service.name)
            .help("each new task turns RUNNING later than the interval suggests, which slows every rolling-update step")
            .suggest(
                format!(
                    "add `start_interval: {}` (needs Engine >= 25 and, for `docker stack deploy`, file format 3.12+)",
                    fmt_duration(interval)
                ),
                at(node),
            ),
        );
    }
}
