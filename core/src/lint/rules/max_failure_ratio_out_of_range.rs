#![doc = include_str!("max_failure_ratio_out_of_range.md")]

use crate::lint::context::{LintContext, at, float};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::go_format_float;

pub static RULE: Rule = Rule {
    id: "SP112",
    name: "max-failure-ratio-out-of-range",
    family: Family::Rollout,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "max_failure_ratio outside [0, 1] is rejected by Swarm",
    doc: include_str!("max_failure_ratio_out_of_range.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for (service, config) in present_configs(cx) {
        let Some((_, node)) = config.field("max_failure_ratio") else {
            continue;
        };
        let Some(ratio) = float(node) else { continue };
        if (0.0..=1.0).contains(&ratio) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                format!(
                    "`{}.max_failure_ratio: {}` is outside [0, 1]: swarmkit rejects the service (`update-maxfailureratio cannot be less than 0 or bigger than 1`)",
                    config.kind.key(),
                    go_format_float(ratio)
                ),
            )
            .service(service.name)
            .help("the ratio is a fraction of the updated tasks: 0.25 acts when more than a quarter of them fail; 0 acts on the first failure")
            .suggest("use a fraction between 0 and 1", at(node)),
        );
    }
}
