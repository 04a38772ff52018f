#![doc = include_str!("stop_first_all_at_once.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP103",
    name: "stop-first-all-at-once",
    family: Family::Rollout,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "stop-first with parallelism 0 (or >= replicas) is a full outage on every update",
    doc: include_str!("stop_first_all_at_once.md"),
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
        if tasks < 2 || (parallelism != 0 && parallelism < tasks) {
            continue;
        }
        let Some((_, node)) = config.field("parallelism") else {
            continue;
        };
        let how = if parallelism == 0 {
            "`parallelism: 0` replaces all tasks at once".to_owned()
        } else {
            format!("`parallelism: {parallelism}` replaces all {tasks} tasks at once")
        };
        let suggested = ((tasks as f64 * (1.0 - threshold)).floor() as u64).max(1);
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!(
                "{how}, and stop-first stops every old task before a new one starts: no task serves during the {} (full outage)",
                config.kind.noun()
            ),
        )
        .service(service.name)
        .help(if parallelism == 0 {
            "0 is not \"the default\": a present update_config is taken literally and 0 means one worker per task".to_owned()
        } else {
            format!("parallelism is how many tasks are replaced together: {parallelism} is at least the {tasks} tasks the service runs, so they all go in the first batch")
        });
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
