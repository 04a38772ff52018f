#![doc = include_str!("stack_deploy_ignored_key.md")]

use crate::lint::context::{LintContext, entry_span};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "SP202",
    name: "stack-deploy-ignored-key",
    family: Family::Swarm,
    severity: Severity::Warning,
    applies: Applies::Swarm,
    summary: "docker stack deploy ignores this key",
    doc: include_str!("stack_deploy_ignored_key.md"),
    check,
};

/// docker/cli `cli/compose/types/types.go` `UnsupportedProperties`, with the Swarm
/// equivalent.
const IGNORED: &[(&str, &str)] = &[
    (
        "build",
        "build and push the image before deploying; the stack only uses `image`",
    ),
    ("cgroupns_mode", "no Swarm equivalent: remove it"),
    ("cgroup_parent", "no Swarm equivalent: remove it"),
    ("devices", "no Swarm equivalent: remove it"),
    ("domainname", "no Swarm equivalent: remove it"),
    (
        "external_links",
        "remove it: services on a shared overlay network resolve each other by service name",
    ),
    ("ipc", "no Swarm equivalent: remove it"),
    (
        "links",
        "remove it: services on a shared overlay network resolve each other by service name",
    ),
    ("mac_address", "no Swarm equivalent: remove it"),
    (
        "network_mode",
        "attach the service to `networks:` (overlay), or to the predefined `host` network",
    ),
    ("pid", "no Swarm equivalent: remove it"),
    (
        "privileged",
        "no Swarm equivalent: grant only the capabilities needed with `cap_add`",
    ),
    ("restart", ""),
    ("security_opt", "no Swarm equivalent: remove it"),
    (
        "shm_size",
        "mount a `tmpfs` volume at `/dev/shm` with `tmpfs.size`",
    ),
    ("userns_mode", "no Swarm equivalent: remove it"),
];

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for service in cx.services() {
        for (key, fix) in IGNORED {
            let Some((k, v)) = cx.written_last(service, &[key]) else {
                continue;
            };
            let origin = entry_span(k, v);
            let d = if *key == "restart" {
                let value = v.scalar_to_string().unwrap_or_default();
                let has_policy = service.get(&["deploy", "restart_policy"]).is_some();
                let policy = restart_policy_for(&value);
                let message = if has_policy {
                    format!(
                        "`docker stack deploy` ignores `restart: {value}`: `deploy.restart_policy` is set and wins"
                    )
                } else if value == "no" || value.is_empty() {
                    format!(
                        "`docker stack deploy` warns that `restart` is unsupported, and `restart: {value}` becomes no restart policy at all, so Swarm's default applies: tasks are restarted on any exit"
                    )
                } else {
                    format!(
                        "`docker stack deploy` warns that `restart` is unsupported, then converts `restart: {value}` into a restart policy ({})",
                        policy
                            .as_deref()
                            .unwrap_or("invalid value: the deploy fails")
                    )
                };
                let fix = match (&policy, has_policy) {
                    (_, true) => "remove `restart`; `deploy.restart_policy` decides".to_owned(),
                    (Some(p), false) => format!("replace it with `deploy.restart_policy: {{{p}}}`"),
                    (None, false) => {
                        "use `deploy.restart_policy.condition` (`any`, `on-failure` or `none`)"
                            .to_owned()
                    }
                };
                Diagnostic::new(&RULE, origin, message).suggest(fix, origin)
            } else {
                Diagnostic::new(
                    &RULE,
                    origin,
                    format!("`docker stack deploy` ignores `{key}` (`Ignoring unsupported options: {key}`): it has no effect on the Swarm"),
                )
                .suggest(*fix, origin)
            };
            out.push(d.service(service.name));
        }
    }
}

/// docker/cli `convertRestartPolicy`'s reading of the legacy `restart` value.
fn restart_policy_for(value: &str) -> Option<String> {
    let (name, count) = match value.split_once(':') {
        Some((n, c)) => (n, c.parse::<u64>().ok()),
        None => (value, None),
    };
    match name {
        "no" | "" => Some("condition: none".to_owned()),
        "always" | "unless-stopped" => Some("condition: any".to_owned()),
        "on-failure" => Some(match count {
            Some(n) if n > 0 => format!("condition: on-failure, max_attempts: {n}"),
            _ => "condition: on-failure".to_owned(),
        }),
        _ => None,
    }
}
