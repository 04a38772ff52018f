#![doc = include_str!("invalid_deploy_mode.md")]

use crate::lint::context::{LintContext, Mode, at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP003",
    name: "invalid-deploy-mode",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "deploy.mode must be replicated, global, replicated-job or global-job",
    doc: include_str!("invalid_deploy_mode.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        if service.mode() != Mode::Unknown {
            continue;
        }
        let Some((_, node)) = service.mode_value() else {
            continue;
        };
        let value = node.as_str().unwrap_or_default();
        let lower = value.to_ascii_lowercase();
        let suggestion = match lower.as_str() {
            "replicated" | "replica" | "replicas" => Some("replicated"),
            "global" => Some("global"),
            "replicated-job" | "replicated_job" | "job" => Some("replicated-job"),
            "global-job" | "global_job" => Some("global-job"),
            _ => None,
        };
        let mut d = Diagnostic::new(
            &RULE,
            at(node),
            format!("`deploy.mode: {value}` is not a Swarm service mode: `docker stack deploy` fails with `unknown mode: {value}`"),
        )
        .service(service.name)
        .help("use `replicated` (the default), `global`, `replicated-job` or `global-job`");
        if let Some(s) = suggestion {
            d = d.replace(format!("use `{s}`"), at(node), s);
        }
        out.push(d);
    }
}
