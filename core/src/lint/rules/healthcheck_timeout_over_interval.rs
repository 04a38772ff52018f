#![doc = include_str!("healthcheck_timeout_over_interval.md")]

use crate::lint::context::{LintContext, at, fmt_duration};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP115",
    name: "healthcheck-timeout-over-interval",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Always,
    summary: "healthcheck timeout longer than its interval delays detection",
    doc: include_str!("healthcheck_timeout_over_interval.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let health = service.health();
        if !health.active() {
            continue;
        }
        let Some((timeout, _, node)) = health.duration("timeout") else {
            continue;
        };
        let interval = health.interval();
        if timeout <= interval {
            continue;
        }
        let interval_text = match health.duration("interval") {
            Some((d, _, _)) if d != 0 => format!("interval {}", fmt_duration(d)),
            _ => "the default interval 30s".to_owned(),
        };
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!(
                "healthcheck `timeout: {}` is longer than {interval_text}: probes do not overlap, so a hanging probe stretches each check cycle to {} and delays detection",
                fmt_duration(timeout),
                fmt_duration(interval + timeout)
            ),
        )
        .service(service.name)
        .help("the next probe starts `interval` after the previous one ended");
        if let Some((_, _, i)) = health.duration("interval") {
            d = d.related(at(i), "the interval is set here");
        }
        out.push(d.suggest(
            format!(
                "keep `timeout` at or below the interval ({})",
                fmt_duration(interval)
            ),
            at(node),
        ));
    }
}
