#![doc = include_str!("stop_first_single_replica.md")]

use crate::lint::context::{LintContext, Mode, UpdateKind, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::Node;

pub static RULE: Rule = Rule {
    id: "SP104",
    name: "stop-first-single-replica",
    family: Family::Rollout,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "a single replica updated stop-first is down during every update",
    doc: include_str!("stop_first_single_replica.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        if service.mode() != Mode::Replicated || service.task_count(cx.nodes()) != 1 {
            continue;
        }
        let config = service.update(UpdateKind::Update);
        if !config.present() || config.start_first() {
            continue;
        }
        // With a host-mode port on one node start-first would hang; there is nothing better.
        if !service.host_ports().is_empty() && cx.nodes() <= 1 {
            continue;
        }
        // A service that mounts volumes is likely stateful: two instances on the same data
        // are worse than a short outage.
        if service
            .get(&["volumes"])
            .and_then(Node::as_seq)
            .is_some_and(|v| {
                v.iter().any(|m| {
                    matches!(
                        m.get("type").and_then(Node::as_str),
                        Some("volume" | "bind")
                    )
                })
            })
        {
            continue;
        }
        let (origin, how) = match config.field("order") {
            Some((_, order)) => (at(order), "`order: stop-first`"),
            None => (
                config.key_origin(),
                "`update_config` has no `order`, so stop-first",
            ),
        };
        let mut d = Diagnostic::new(
            &RULE,
            origin,
            format!(
                "{how} with a single replica: the only task is stopped before its replacement starts, so the service is down during every update"
            ),
        )
        .service(service.name)
        .help("start-first runs the new task beside the old one until it is healthy; keep stop-first only if the service must never run twice");
        if let Some((_, replicas)) = service.replicas_value() {
            d = d.related(at(replicas), "one replica");
        }
        d = match config.field("order") {
            Some((_, order)) => d.replace("use `order: start-first`", at(order), "start-first"),
            None => d.suggest("add `order: start-first` to `update_config`", origin),
        };
        out.push(d);
    }
}
