#![doc = include_str!("host_port_replicas_exceed_nodes.md")]

use crate::lint::context::{LintContext, Mode, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::Node;

pub static RULE: Rule = Rule {
    id: "SP205",
    name: "host-port-replicas-exceed-nodes",
    family: Family::Swarm,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "more replicas than nodes with a host-mode port: the extra tasks never start",
    doc: include_str!("host_port_replicas_exceed_nodes.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let nodes = cx.nodes();
    for service in cx.services() {
        if !matches!(service.mode(), Mode::Replicated | Mode::ReplicatedJob) {
            continue;
        }
        let ports = service.host_ports();
        let Some(port) = ports.first() else { continue };
        let Some((replicas, node)) = service.replicas_value() else {
            continue;
        };
        let Ok(replicas) = u64::try_from(replicas) else {
            continue;
        };
        if replicas <= nodes {
            continue;
        }
        let published = port
            .get("published")
            .and_then(Node::scalar_to_string)
            .unwrap_or_default();
        let max_per_node = service
            .get(&["deploy", "placement", "max_replicas_per_node"])
            .and_then(crate::lint::context::int)
            .filter(|m| *m > 0);
        let note = match max_per_node {
            Some(m) if m > 1 => {
                format!(" (`max_replicas_per_node: {m}` does not help: the port allows one)")
            }
            _ => String::new(),
        };
        out.push(
            Diagnostic::new(
                &RULE,
                at(node),
                format!(
                    "`replicas: {replicas}` with host-mode port {published} on {nodes} node(s): each node can run one task, so {} task(s) stay Pending (`host-mode port already in use`){note}",
                    replicas - nodes
                ),
            )
            .service(service.name)
            .related(port.get("mode").and_then(at).or(at(port)), format!("port {published} is published in host mode here"))
            .help("set the `nodes` option to the size of your Swarm if it has more than one node")
            .replace(format!("use `replicas: {nodes}`, `mode: global`, or an ingress-mode port"), at(node), nodes.to_string()),
        );
    }
}
