#![doc = include_str!("stack_deploy_forbidden_key.md")]

use crate::lint::context::{LintContext, entry_span};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP201",
    name: "stack-deploy-forbidden-key",
    family: Family::Swarm,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "docker stack deploy rejects this key",
    doc: include_str!("stack_deploy_forbidden_key.md"),
    check,
};

/// docker/cli `cli/compose/types/types.go` `ForbiddenProperties`, with its messages, and
/// the Swarm equivalent.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "extends",
        "Support for `extends` is not implemented yet.",
        "deploy the merged output of `stackplan config`, which resolves `extends`",
    ),
    (
        "volume_driver",
        "Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.",
        "define the volume under the top-level `volumes:` with `driver:`",
    ),
    (
        "volumes_from",
        "To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.",
        "mount a named volume in each service that shares it",
    ),
    (
        "cpu_quota",
        "Set resource limits using deploy.resources",
        "use `deploy.resources.limits.cpus`",
    ),
    (
        "cpu_shares",
        "Set resource limits using deploy.resources",
        "use `deploy.resources.reservations.cpus` / `limits.cpus`",
    ),
    (
        "cpuset",
        "Set resource limits using deploy.resources",
        "Swarm cannot pin CPUs: remove it (limit with `deploy.resources.limits.cpus`)",
    ),
    (
        "mem_limit",
        "Set resource limits using deploy.resources",
        "use `deploy.resources.limits.memory`",
    ),
    (
        "memswap_limit",
        "Set resource limits using deploy.resources",
        "Swarm has no swap limit: remove it (limit memory with `deploy.resources.limits.memory`)",
    ),
];

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        for (key, reason, fix) in FORBIDDEN {
            let Some((k, v)) = cx.written_last(service, &[key]) else {
                continue;
            };
            let value = cx.written_text(service, &[key]).unwrap_or_default();
            let fix = if *key == "mem_limit" && !value.is_empty() {
                format!("use `deploy.resources.limits.memory: {value}`")
            } else {
                (*fix).to_owned()
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    entry_span(k, v),
                    format!("`docker stack deploy` rejects `{key}`: {reason}"),
                )
                .service(service.name)
                .help(
                    "docker/cli checks every `-c` file for these keys and refuses the whole stack",
                )
                .suggest(fix, entry_span(k, v)),
            );
        }
    }
}
