#![doc = include_str!("stop_first_low_capacity.md")]

use crate::lint::context::{LintContext, Mode, at};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP102",
    name: "stop-first-low-capacity",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "stop-first parallelism leaves fewer than half the replicas serving",
    doc: include_str!("stop_first_low_capacity.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let threshold = cx.options.capacity_threshold;
    for (service, config) in present_configs(cx) {
        if config.start_first() {
            continue;
        }
        let tasks = service.task_count(cx.nodes());
        let parallelism = config.parallelism();
        // All at once is `stop-first-all-at-once`.
        if parallelism == 0 || parallelism >= tasks || tasks < 2 {
            continue;
        }
        let serving = tasks - parallelism;
        if serving as f64 >= threshold * tasks as f64 {
            continue;
        }
        let Some((_, node)) = config.field("parallelism") else {
            continue;
        };
        let suggested = ((tasks as f64 * (1.0 - threshold)).floor() as u64).max(1);
        let what = if service.mode() == Mode::Global {
            format!("{tasks} node(s)")
        } else {
            format!("{tasks} replicas")
        };
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!(
                "stop-first {} with `parallelism: {parallelism}` of {what}: only {serving} task(s) serve while each step replaces {parallelism} (below {}% capacity)",
                config.kind.noun(),
                (threshold * 100.0).round()
            ),
        )
        .service(service.name)
        .help("stop-first stops the old tasks before their replacements start, so `parallelism` tasks are down at every moment of the update");
        if let Some((_, order)) = config.field("order") {
            d = d.related(at(order), "stop-first is set here");
        }
        out.push(d.replace(
            format!("use `parallelism: {suggested}`, or `order: start-first`"),
            at(node),
            suggested.to_string(),
        ));
    }
}
