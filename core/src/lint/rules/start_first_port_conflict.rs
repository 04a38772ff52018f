#![doc = include_str!("start_first_port_conflict.md")]

use crate::lint::context::{LintContext, Mode, at};
use crate::lint::rules::present_configs;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::Node;

pub static RULE: Rule = Rule {
    id: "SP101",
    name: "start-first-port-conflict",
    family: Family::Rollout,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "start-first with a host-mode port and no free node hangs the update forever",
    doc: include_str!("start_first_port_conflict.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let nodes = cx.nodes();
    for (service, config) in present_configs(cx) {
        if !config.start_first() {
            continue;
        }
        let ports = service.host_ports();
        let Some(port) = ports.first() else { continue };
        let global = service.mode() == Mode::Global;
        let tasks = service.task_count(nodes);
        if !global && tasks < nodes {
            continue;
        }
        let Some((_, order)) = config.field("order") else {
            continue;
        };
        let published = port
            .get("published")
            .and_then(Node::scalar_to_string)
            .unwrap_or_default();
        let why = if global {
            "on a global service the new task is pinned to the old task's node".to_owned()
        } else {
            format!("{tasks} replica(s) on {nodes} node(s) leave no node without the port")
        };
        out.push(
            Diagnostic::new(
                &RULE,
                at(order),
                format!(
                    "`order: start-first` with host-mode port {published}: {why}, so the new task stays Pending (`host-mode port already in use`) while the old one keeps the port, and the {} hangs in `updating` forever",
                    config.kind.noun()
                ),
            )
            .service(service.name)
            .related(
                port.get("mode").and_then(at).or(at(port)),
                format!("port {published} is published in host mode here"),
            )
            .help("stop-first frees the port before the new task starts; a hung update recovers with `docker service update --update-order stop-first SERVICE`")
            .replace("use `order: stop-first`", at(order), "stop-first"),
        );
    }
}
