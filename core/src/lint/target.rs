//! Compose or Swarm? Which target the files are linted for, and why.
//!
//! In order: the target asked for (`--target`, the request, `.stackplan.toml`); a Compose
//! file named like a stack file (`docker-stack.yml`, `stack.prod.yaml`, `*stack*.yml`); keys
//! only Swarm reads (`deploy.update_config`, `deploy.rollback_config`, `deploy.placement`,
//! `deploy.mode: global` and the job modes, `deploy.endpoint_mode`, an `overlay` network).
//! Without any of these the files are linted for Compose. `deploy` alone decides nothing:
//! plain Compose projects use `deploy.resources` (limits, GPU reservations) and
//! `deploy.replicas` all the time.
//!
//! A target read from the keys is a guess when the same files also use what only Compose does
//! (`extends`, `build`, `profiles`, `attach`, `depends_on` conditions, device reservations…):
//! the Swarm rules still run, but what `docker stack deploy` would reject is reported as a
//! warning that says the target was guessed, never as an error.

use super::context::LintContext;
use super::{Target, context};
use crate::tree::{Node, Origin, Value};

/// What decided the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TargetBasis {
    /// Asked for: `--target`, the request, or `.stackplan.toml`.
    Asked,
    /// A Compose file is named like a stack file.
    FileName,
    /// Keys only Swarm reads, and nothing only Compose does.
    SwarmKeys,
    /// Keys only Swarm reads, but also features only Compose has: a guess.
    MixedKeys,
    /// Nothing Swarm-only: Compose, by default.
    NoSwarmKeys,
}

/// The target linted for, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetChoice {
    pub target: Target,
    pub basis: TargetBasis,
    /// One sentence for people: what decided, naming the key and its `file:line` or the file.
    pub reason: String,
    /// The key or value that decided, when one did.
    pub evidence: Option<Origin>,
}

impl TargetChoice {
    /// Whether the target was only guessed from the files (not asked for, no stack file name).
    pub fn guessed(&self) -> bool {
        matches!(
            self.basis,
            TargetBasis::MixedKeys | TargetBasis::NoSwarmKeys
        )
    }

    /// `swarm (deploy.update_config at prod.yml:5 is Swarm-only)`-style summary line.
    pub fn describe(&self) -> String {
        let name = match self.target {
            Target::Swarm => "swarm (`docker stack deploy`)",
            Target::Compose => "compose (`docker compose up`)",
        };
        let how = if self.guessed() { "guessed" } else { "chosen" };
        format!("target: {name}, {how}: {}", self.reason)
    }
}

/// A finding that decides: its path for messages and where it is.
struct Evidence {
    what: String,
    origin: Option<Origin>,
}

/// Decides the target for `cx` (whose own `target` is not read).
pub(crate) fn choose(cx: &LintContext<'_>) -> TargetChoice {
    let options = cx.options;
    if let Some(target) = options.target {
        let source = options
            .target_source
            .clone()
            .unwrap_or_else(|| "the lint options".to_owned());
        return TargetChoice {
            target,
            basis: TargetBasis::Asked,
            reason: format!("asked for by {source}"),
            evidence: None,
        };
    }
    let sources = cx.sources();
    for id in 0..sources.len() {
        let Some(file) = sources.get(id as u32) else {
            continue;
        };
        if is_stack_file_name(&file.display_name) {
            return TargetChoice {
                target: Target::Swarm,
                basis: TargetBasis::FileName,
                reason: format!("{} is named like a stack file", file.display_name),
                evidence: None,
            };
        }
    }
    let place = |e: &Evidence| {
        e.origin
            .and_then(|o| sources.locate_line(&o))
            .map_or_else(|| e.what.clone(), |at| format!("{} ({at})", e.what))
    };
    match (swarm_evidence(cx), compose_evidence(cx)) {
        (Some(swarm), None) => TargetChoice {
            target: Target::Swarm,
            basis: TargetBasis::SwarmKeys,
            reason: format!(
                "{} is only read by `docker stack deploy`",
                place(&swarm)
            ),
            evidence: swarm.origin,
        },
        (Some(swarm), Some(compose)) => TargetChoice {
            target: Target::Swarm,
            basis: TargetBasis::MixedKeys,
            reason: format!(
                "{} is only read by `docker stack deploy`, but {} is Compose-only; use `--target swarm` or `--target compose` (or `[lint] target` in .stackplan.toml) to decide",
                place(&swarm),
                place(&compose)
            ),
            evidence: swarm.origin,
        },
        (None, _) => TargetChoice {
            target: Target::Compose,
            basis: TargetBasis::NoSwarmKeys,
            reason: "no stack file name and no Swarm-only key (update_config, rollback_config, placement, mode: global, endpoint_mode, overlay networks); use `--target swarm` to lint for `docker stack deploy`".to_owned(),
            evidence: None,
        },
    }
}

/// `docker-stack.yml`, `stack.yml`, `prod-stack.yaml`, `stack.prod.yml`: a YAML file whose
/// base name contains `stack`.
pub fn is_stack_file_name(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    (lower.ends_with(".yml") || lower.ends_with(".yaml")) && lower.contains("stack")
}

fn key_origin(node: &Node, key: &str) -> Option<Origin> {
    node.as_map()
        .and_then(|m| m.get_key_value(key))
        .and_then(|(k, _)| context::key_at(k))
}

/// The first key that only Swarm reads, in service order.
fn swarm_evidence(cx: &LintContext<'_>) -> Option<Evidence> {
    for service in cx.services() {
        let Some(deploy) = service.get(&["deploy"]) else {
            continue;
        };
        for key in [
            "update_config",
            "rollback_config",
            "placement",
            "endpoint_mode",
        ] {
            // Written in a file, with something in it (the printed model fills in empty
            // blocks that no file wrote).
            if let Some((k, v)) = deploy.as_map().and_then(|m| m.get_key_value(key))
                && !k.origin.is_synthetic()
                && !v.as_map().is_some_and(|m| m.is_empty())
                && !v.as_str().is_some_and(str::is_empty)
            {
                return Some(Evidence {
                    what: format!("services.{}.deploy.{key}", service.name),
                    origin: context::key_at(k),
                });
            }
        }
        if let Some(node) = deploy.get("mode")
            && !node.origin.is_synthetic()
            && let Some(mode) = node.as_str()
            && matches!(mode, "global" | "replicated-job" | "global-job")
        {
            return Some(Evidence {
                what: format!("services.{}.deploy.mode: {mode}", service.name),
                origin: context::at(node),
            });
        }
    }
    // Networks as written: the merged model drops the ones no service uses.
    for docs in cx.raw_files() {
        for doc in docs {
            let Some(networks) = doc.get("networks").and_then(Node::as_map) else {
                continue;
            };
            for (name, network) in networks {
                if let Some(driver) = network.get("driver")
                    && driver.as_str() == Some("overlay")
                {
                    return Some(Evidence {
                        what: format!("networks.{}.driver: overlay", name.name),
                        origin: context::at(driver),
                    });
                }
            }
        }
    }
    None
}

/// The first feature only Compose has (what `docker stack deploy` rejects or ignores and a
/// Swarm stack would not be written with), in service order.
fn compose_evidence(cx: &LintContext<'_>) -> Option<Evidence> {
    for service in cx.services() {
        let found = |key: &str| {
            Some(Evidence {
                what: format!("services.{}.{key}", service.name),
                origin: key_origin(service.node, key),
            })
        };
        // `extends` is resolved by the loader: look at the files.
        if let Some((k, _)) = cx.raw_last(service.name, &["extends"]) {
            return Some(Evidence {
                what: format!("services.{}.extends", service.name),
                origin: context::key_at(k),
            });
        }
        for key in ["build", "profiles", "develop", "volumes_from"] {
            if service.get(&[key]).is_some() {
                return found(key);
            }
        }
        if let Some(attach) = service.get(&["attach"])
            && attach.value == Value::Bool(false)
        {
            return found("attach");
        }
        if let Some(mode) = service.get(&["network_mode"]).and_then(Node::as_str)
            && mode.starts_with("service:")
        {
            return found("network_mode");
        }
        if let Some(deps) = service.get(&["depends_on"]).and_then(Node::as_map) {
            for (name, dep) in deps {
                if let Some(condition) = dep.get("condition").and_then(Node::as_str)
                    && condition != "service_started"
                {
                    return Some(Evidence {
                        what: format!(
                            "services.{}.depends_on.{}.condition: {condition}",
                            service.name, name.name
                        ),
                        origin: context::at(dep.get("condition")?),
                    });
                }
            }
        }
        if let Some((k, _)) = service.entry(&["deploy", "resources", "reservations", "devices"]) {
            return Some(Evidence {
                what: format!(
                    "services.{}.deploy.resources.reservations.devices",
                    service.name
                ),
                origin: context::key_at(k),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_file_names() {
        for name in [
            "docker-stack.yml",
            "stack.yaml",
            "deploy/prod-stack.yml",
            "Stack.Prod.YML",
        ] {
            assert!(is_stack_file_name(name), "{name}");
        }
        for name in [
            "compose.yml",
            "docker-compose.yml",
            "stack/compose.yml",
            "docker-stack.json",
        ] {
            assert!(!is_stack_file_name(name), "{name}");
        }
    }
}
