#![doc = include_str!("stack_deploy_unknown_key.md")]

use crate::lint::context::{LintContext, key_at};
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::tree::{Key, Node};

pub static RULE: Rule = Rule {
    id: "SP207",
    name: "stack-deploy-unknown-key",
    family: Family::Swarm,
    severity: Severity::Error,
    applies: Applies::Swarm,
    summary: "docker stack deploy's 3.x schema has no such key",
    doc: include_str!("stack_deploy_unknown_key.md"),
    check,
};

// The property lists of docker/cli `cli/compose/schema/data/config_schema_v3.13.json`.
const TOP: &[&str] = &[
    "configs", "networks", "secrets", "services", "version", "volumes",
];
const SERVICE: &[&str] = &[
    "build",
    "cap_add",
    "cap_drop",
    "cgroup_parent",
    "cgroupns_mode",
    "command",
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "devices",
    "dns",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "external_links",
    "extra_hosts",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "links",
    "logging",
    "mac_address",
    "network_mode",
    "networks",
    "oom_score_adj",
    "pid",
    "ports",
    "privileged",
    "read_only",
    "restart",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "volumes",
    "working_dir",
];
/// Reported by `stack-deploy-forbidden-key` with a better message.
const FORBIDDEN: &[&str] = &[
    "extends",
    "volume_driver",
    "volumes_from",
    "cpu_quota",
    "cpu_shares",
    "cpuset",
    "mem_limit",
    "memswap_limit",
];
const LIMITS: &[&str] = &["cpus", "memory", "pids"];
const RESERVATIONS: &[&str] = &["cpus", "generic_resources", "memory"];

/// Known Swarm equivalents for common Compose-only keys.
fn instead(path: &str) -> Option<&'static str> {
    Some(match path {
        "name" => "the stack name is the argument of `docker stack deploy`",
        "profiles" => {
            "keep services you do not deploy in a file you do not pass to `docker stack deploy`"
        }
        "cpus" => "use `deploy.resources.limits.cpus`",
        "pids_limit" => "use `deploy.resources.limits.pids`",
        "mem_reservation" => "use `deploy.resources.reservations.memory`",
        "scale" => "use `deploy.replicas`",
        "include" => "deploy the merged output of `stackplan config`, which resolves it",
        _ => return None,
    })
}

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut found: Vec<(Option<&str>, &Key, String)> = Vec::new();
    // Top-level keys as written: the printed project has its own `name`.
    for docs in cx.raw_files() {
        let Some(doc) = docs.first() else { continue };
        if doc.get("services").is_none() {
            continue;
        }
        unknown(doc, TOP, "", None, &mut found);
    }
    // Service keys, from the merged project (keys nobody wrote are synthetic and skipped).
    for service in cx.services() {
        let Some(map) = service.node.as_map() else {
            continue;
        };
        for (k, _) in map {
            if !k.origin.is_synthetic()
                && !SERVICE.contains(&k.name.as_str())
                && !FORBIDDEN.contains(&k.name.as_str())
            {
                found.push((Some(service.name), k, k.name.clone()));
            }
        }
        // The other nested objects of the model have exactly the 3.x keys.
        for (side, allowed) in [("limits", LIMITS), ("reservations", RESERVATIONS)] {
            if let Some(node) = service.get(&["deploy", "resources", side]) {
                let prefix = format!("deploy.resources.{side}");
                unknown(node, allowed, &prefix, Some(service.name), &mut found);
            }
        }
    }
    for (service, key, path) in found {
        let mut d = Diagnostic::new(
            &RULE,
            key_at(key),
            format!(
                "`docker stack deploy` rejects `{path}`: the Compose file format 3.x has no such key (`Additional property {} is not allowed`)",
                key.name
            ),
        );
        if let Some(fix) = instead(&path) {
            d = d.suggest(fix, key_at(key));
        } else {
            d = d.help("docker/cli validates each `-c` file against the 3.x schema; remove the key from files you deploy to a Swarm");
        }
        if let Some(s) = service {
            d = d.service(s);
        }
        out.push(d);
    }
}

fn unknown<'n, 's>(
    node: &'n Node,
    allowed: &[&str],
    prefix: &str,
    service: Option<&'s str>,
    found: &mut Vec<(Option<&'s str>, &'n Key, String)>,
) {
    let Some(map) = node.as_map() else { return };
    for (k, _) in map {
        if allowed.contains(&k.name.as_str()) || k.name.starts_with("x-") || k.origin.is_synthetic()
        {
            continue;
        }
        let path = if prefix.is_empty() {
            k.name.clone()
        } else {
            format!("{prefix}.{}", k.name)
        };
        found.push((service, k, path));
    }
}
