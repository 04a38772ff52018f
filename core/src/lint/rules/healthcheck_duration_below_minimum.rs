#![doc = include_str!("healthcheck_duration_below_minimum.md")]

use crate::lint::context::{LintContext, at, fmt_duration};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP009",
    name: "healthcheck-duration-below-minimum",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Always,
    summary: "healthcheck durations must be 0 or at least 1ms",
    doc: include_str!("healthcheck_duration_below_minimum.md"),
    check,
};

const MILLISECOND: i64 = 1_000_000;

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let health = service.health();
        for field in ["interval", "timeout", "start_period", "start_interval"] {
            let Some((nanos, _, node)) = health.duration(field) else {
                continue;
            };
            if nanos == 0 || nanos >= MILLISECOND {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    at(node),
                    format!(
                        "healthcheck `{field}: {}` is below 1ms: the service is rejected (`{} in HealthConfig cannot be less than 1ms`)",
                        fmt_duration(nanos),
                        go_field(field)
                    ),
                )
                .service(service.name)
                .help("healthcheck durations must be 0 (use the image's value) or at least 1ms"),
            );
        }
    }
}

fn go_field(field: &str) -> &'static str {
    match field {
        "interval" => "Interval",
        "timeout" => "Timeout",
        "start_period" => "StartPeriod",
        _ => "StartInterval",
    }
}
