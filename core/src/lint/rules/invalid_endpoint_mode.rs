#![doc = include_str!("invalid_endpoint_mode.md")]

use crate::lint::context::{LintContext, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP005",
    name: "invalid-endpoint-mode",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "deploy.endpoint_mode must be vip or dnsrr",
    doc: include_str!("invalid_endpoint_mode.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        let Some(node) = service.get(&["deploy", "endpoint_mode"]) else {
            continue;
        };
        let Some(value) = node.as_str() else { continue };
        let lower = value.to_ascii_lowercase();
        if lower.is_empty() || lower == "vip" || lower == "dnsrr" {
            continue;
        }
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!("`deploy.endpoint_mode: {value}` is not a Swarm endpoint mode: the engine rejects the service (`invalid resolution mode`)"),
        )
        .service(service.name)
        .help("use `vip` (the default: one virtual IP, load-balanced) or `dnsrr` (DNS round-robin)");
        if lower.starts_with("dns") {
            d = d.replace("use `dnsrr`", at(node), "dnsrr");
        }
        out.push(d);
    }
}
