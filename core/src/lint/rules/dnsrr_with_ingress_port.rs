#![doc = include_str!("dnsrr_with_ingress_port.md")]

use crate::lint::context::{LintContext, at, key_at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::Node;

pub static RULE: Rule = Rule {
    id: "SP006",
    name: "dnsrr-with-ingress-port",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "an ingress-mode port cannot be used with endpoint_mode dnsrr",
    doc: include_str!("dnsrr_with_ingress_port.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let Some((mode_key, mode)) = service.entry(&["deploy", "endpoint_mode"]) else {
            continue;
        };
        if !mode
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("dnsrr"))
        {
            continue;
        }
        let Some(ports) = service.get(&["ports"]).and_then(Node::as_seq) else {
            continue;
        };
        for port in ports {
            let port_mode = port.get("mode").and_then(Node::as_str).unwrap_or("ingress");
            if !port_mode.eq_ignore_ascii_case("ingress") && !port_mode.is_empty() {
                continue;
            }
            let origin = port
                .get("mode")
                .and_then(at)
                .or_else(|| port.get("target").and_then(at))
                .or(at(port));
            out.push(
                Diagnostic::new(
                    &RULE,
                    origin,
                    "ingress-mode port on a `dnsrr` service: swarmkit rejects the service (`port published with ingress mode can't be used with dnsrr mode`)",
                )
                .service(service.name)
                .related(key_at(mode_key), "`endpoint_mode: dnsrr` is set here")
                .help("the routing mesh needs the service's virtual IP; publish the port with `mode: host` or use `endpoint_mode: vip`")
                .suggest("publish the port with `mode: host`", origin),
            );
        }
    }
}
