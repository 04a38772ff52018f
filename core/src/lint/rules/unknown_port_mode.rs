#![doc = include_str!("unknown_port_mode.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::Node;

pub static RULE: Rule = Rule {
    id: "SP007",
    name: "unknown-port-mode",
    family: Family::Schema,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "a port mode other than ingress or host silently becomes ingress",
    doc: include_str!("unknown_port_mode.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let Some(ports) = service.get(&["ports"]).and_then(Node::as_seq) else {
            continue;
        };
        for port in ports {
            let Some(node) = port.get("mode") else {
                continue;
            };
            let Some(value) = node.as_str() else { continue };
            let upper = value.to_ascii_uppercase();
            if value.is_empty() || upper == "INGRESS" || upper == "HOST" {
                continue;
            }
            let mut d = Diagnostic::new(
                &RULE,
                at(node),
                format!("port `mode: {value}` is neither `ingress` nor `host`: the engine silently publishes it in ingress mode (through the routing mesh)"),
            )
            .service(service.name)
            .help("use `host` to publish the port on the node that runs each task, or `ingress` (the default)");
            if upper.starts_with("HOST") {
                d = d.replace("use `host`", at(node), "host");
            }
            out.push(d);
        }
    }
}
