//! What a deploy changes in one service, computed on the typed Engine spec, and whether the
//! change makes Swarm replace tasks.
//!
//! The rule for "replaces tasks" is swarmkit's `orchestrator.IsTaskDirty`: a task is dirty
//! when the service's **task template** (`TaskTemplate`, `ForceUpdate` included) or its
//! **endpoint spec** differs from the task's copy, except that a change of the placement
//! constraints alone leaves a task whose node still satisfies them in place. Everything
//! else (`Name`, `Labels`, `UpdateConfig`, `RollbackConfig`, the replica count) is updated
//! without touching a task; a replica count change only adds or removes tasks.
//!
//! Both sides are brought to one form first ([`normalize`]), so that a live spec and the
//! conversion of the files it was deployed from compare **equal**:
//! - swarmkit's defaults as `docker service inspect` shows them ([`ServiceSpec::with_swarm_defaults`]);
//! - object IDs swapped for names (network `Target` through a names-by-ID map; `SecretID` and
//!   `ConfigID` from the reference's own `SecretName`/`ConfigName`);
//! - empty `Resources.Limits`/`Reservations` as absent;
//! - secret and config references in one order (the Engine may reorder equal names);
//! - zero members the model does not know dropped (the docker CLI re-encodes the Engine's
//!   answer with its own, newer types: `Privileges.NoNewPrivileges: false`).
//!
//! And the desired spec is first made what `docker stack deploy` really sends to an existing
//! service ([`as_deployed_over`]): the live `ForceUpdate` is kept (stack deploy has no
//! `--force`), and when the image as written (`com.docker.stack.image`) did not change, the
//! live image (possibly pinned to a digest by an earlier deploy) is kept.

use super::defaults;
use super::types::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Which part of the spec a changed field belongs to (how swarmkit treats a change of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// `TaskTemplate` (except placement constraints) or `EndpointSpec`: tasks are dirty.
    Task,
    /// `TaskTemplate.Placement.Constraints`: tasks stay where their node still satisfies
    /// the new constraints.
    Constraints,
    /// `Mode.Replicated.Replicas`: tasks are added or removed.
    Replicas,
    /// `Mode` otherwise (replicated ↔ global, job settings): the Engine refuses the update.
    Mode,
    /// `Name`, `Labels`, `UpdateConfig`, `RollbackConfig`, …: no task is touched.
    Service,
}

impl Region {
    fn of(path: &str) -> Region {
        let under = |prefix: &str| {
            path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        if under("TaskTemplate.Placement.Constraints") {
            Region::Constraints
        } else if under("TaskTemplate") || under("EndpointSpec") {
            Region::Task
        } else if under("Mode.Replicated.Replicas") {
            Region::Replicas
        } else if under("Mode") {
            Region::Mode
        } else {
            Region::Service
        }
    }

    /// Whether a change here alone replaces tasks (swarmkit `IsTaskDirty`).
    pub fn dirties_tasks(self) -> bool {
        matches!(self, Region::Task | Region::Mode)
    }
}

/// One changed leaf of the Engine spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecChange {
    /// Engine naming: `TaskTemplate.ContainerSpec.Image`, `TaskTemplate.Networks[0].Target`.
    pub path: String,
    /// The leaf as JSON (`"nginx:1"`, `5000000000`); `None`: absent on that side.
    pub from: Option<String>,
    pub to: Option<String>,
    pub region: Region,
}

/// How a deploy changes one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Create,
    /// Tasks are replaced slot by slot.
    Rolling,
    /// The service object changes, no task is replaced.
    InPlace,
    /// Only the replica count changes.
    Scale,
    Remove,
    Unchanged,
}

/// The diff of one service and its class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDiff {
    pub changes: Vec<SpecChange>,
    pub class: Class,
}

/// Object names by ID (networks; secrets and configs need none: their references carry
/// their names).
pub type NamesById = BTreeMap<String, String>;

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn prune(extra: &mut Extra) {
    extra.retain(|_, v| !is_zero(v));
}

/// The one form both sides are compared in (see the module documentation).
pub fn normalize(spec: &ServiceSpec, networks: &NamesById) -> ServiceSpec {
    let mut spec = spec.with_swarm_defaults();
    prune(&mut spec.extra);
    let task = &mut spec.task_template;
    prune(&mut task.extra);
    for attachment in task.networks.iter_mut().chain(spec.networks.iter_mut()) {
        if let Some(name) = networks.get(&attachment.target) {
            attachment.target = name.clone();
        }
    }
    if let Some(resources) = task.resources.as_mut() {
        prune(&mut resources.extra);
        if resources.limits == Some(Limit::default()) {
            resources.limits = None;
        }
        if resources.reservations == Some(Resources::default()) {
            resources.reservations = None;
        }
    }
    if let Some(placement) = task.placement.as_mut() {
        prune(&mut placement.extra);
    }
    if let Some(container) = task.container_spec.as_mut() {
        prune(&mut container.extra);
        if let Some(privileges) = container.privileges.as_mut() {
            prune(&mut privileges.extra);
        }
        for mount in &mut container.mounts {
            prune(&mut mount.extra);
            for extra in [
                mount.bind_options.as_mut().map(|o| &mut o.extra),
                mount.volume_options.as_mut().map(|o| &mut o.extra),
                mount.tmpfs_options.as_mut().map(|o| &mut o.extra),
            ]
            .into_iter()
            .flatten()
            {
                prune(extra);
            }
        }
        for secret in &mut container.secrets {
            if !secret.secret_name.is_empty() {
                secret.secret_id = secret.secret_name.clone();
            }
        }
        for config in &mut container.configs {
            if !config.config_name.is_empty() {
                config.config_id = config.config_name.clone();
            }
        }
        let file = |f: &Option<FileTarget>| f.as_ref().map(|f| f.name.clone()).unwrap_or_default();
        container
            .secrets
            .sort_by(|a, b| (&a.secret_name, file(&a.file)).cmp(&(&b.secret_name, file(&b.file))));
        container
            .configs
            .sort_by(|a, b| (&a.config_name, file(&a.file)).cmp(&(&b.config_name, file(&b.file))));
    }
    spec
}

/// The desired spec as `docker stack deploy` sends it over an existing service: the live
/// `ForceUpdate` is kept, and so is the live image when the image as written did not change
/// (docker/cli `deployServices`, the default `--resolve-image` handling).
pub fn as_deployed_over(desired: &ServiceSpec, live: &ServiceSpec) -> ServiceSpec {
    let mut out = desired.clone();
    out.task_template.force_update = live.task_template.force_update;
    let label = |s: &ServiceSpec| {
        s.labels
            .as_ref()
            .and_then(|l| l.get(defaults::LABEL_IMAGE))
            .cloned()
    };
    if label(desired).is_some()
        && label(desired) == label(live)
        && let (Some(to), Some(from)) = (
            out.task_template.container_spec.as_mut(),
            live.task_template.container_spec.as_ref(),
        )
    {
        to.image = from.image.clone();
    }
    out
}

fn leaves(value: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &format!("{prefix}[{i}]"), out);
            }
        }
        // An empty object or list is no leaf: it reads back as absent (the Engine's
        // protobuf round trip does not keep an empty list apart from none).
        Value::Object(_) | Value::Array(_) => {}
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// Field-level diff of two specs already in the same form.
pub fn changes(from: &ServiceSpec, to: &ServiceSpec) -> Vec<SpecChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    leaves(
        &serde_json::to_value(from).unwrap_or(Value::Null),
        "",
        &mut a,
    );
    leaves(&serde_json::to_value(to).unwrap_or(Value::Null), "", &mut b);
    // `Global: {}` is an empty object: the mode's kind is a leaf of its own.
    for (spec, out) in [(from, &mut a), (to, &mut b)] {
        out.insert("Mode".to_owned(), format!("{:?}", mode_kind(&spec.mode)));
    }
    let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| SpecChange {
            path: p.clone(),
            from: a.get(p).cloned(),
            to: b.get(p).cloned(),
            region: Region::of(p),
        })
        .collect()
}

fn mode_kind(mode: &ServiceMode) -> &'static str {
    if mode.global.is_some() {
        "global"
    } else if mode.replicated_job.is_some() {
        "replicated-job"
    } else if mode.global_job.is_some() {
        "global-job"
    } else {
        "replicated"
    }
}

/// Classifies a change set the way swarmkit acts on it.
pub fn classify(changes: &[SpecChange]) -> Class {
    if changes.is_empty() {
        Class::Unchanged
    } else if changes.iter().any(|c| c.region.dirties_tasks()) {
        Class::Rolling
    } else if changes.iter().all(|c| c.region == Region::Replicas) {
        Class::Scale
    } else {
        Class::InPlace
    }
}

/// The diff of one service: `live` what runs (or the conversion of the old files), `desired`
/// the conversion of the files; either may be absent. `networks` names the network IDs of
/// the live side.
pub fn diff(
    live: Option<&ServiceSpec>,
    desired: Option<&ServiceSpec>,
    networks: &NamesById,
) -> ServiceDiff {
    match (live, desired) {
        (None, _) => ServiceDiff {
            changes: Vec::new(),
            class: Class::Create,
        },
        (_, None) => ServiceDiff {
            changes: Vec::new(),
            class: Class::Remove,
        },
        (Some(live), Some(desired)) => {
            let from = normalize(live, networks);
            let to = normalize(&as_deployed_over(desired, live), &NamesById::new());
            let changes = changes(&from, &to);
            let class = classify(&changes);
            ServiceDiff { changes, class }
        }
    }
}

/// Names the live network IDs that `known` does not name, by matching each live service's
/// attachments against the desired service of the same name: an ID is named when exactly
/// one name fits every service attached to it (and that name is not already taken).
/// Returns the IDs it named; IDs it cannot name stay IDs (and show as changes).
pub fn infer_network_names(
    live: &[(&ServiceSpec, Option<&ServiceSpec>)],
    known: &NamesById,
) -> NamesById {
    let mut candidates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (live, desired) in live {
        let Some(desired) = desired else { continue };
        let wanted: BTreeSet<String> = desired
            .task_template
            .networks
            .iter()
            .map(|n| n.target.clone())
            .collect();
        for attachment in &live.task_template.networks {
            if known.contains_key(&attachment.target) {
                continue;
            }
            let entry = candidates
                .entry(attachment.target.clone())
                .or_insert_with(|| wanted.clone());
            *entry = entry.intersection(&wanted).cloned().collect();
        }
    }
    let mut taken: BTreeSet<String> = known.values().cloned().collect();
    for set in candidates.values_mut() {
        set.retain(|n| !taken.contains(n));
    }
    let mut named = NamesById::new();
    loop {
        let single = candidates
            .iter()
            .find(|(_, set)| set.len() == 1)
            .map(|(id, set)| (id.clone(), set.iter().next().cloned().unwrap_or_default()));
        let Some((id, name)) = single else { break };
        candidates.remove(&id);
        for set in candidates.values_mut() {
            set.remove(&name);
        }
        taken.insert(name.clone());
        named.insert(id, name);
    }
    named
}

#[cfg(test)]
mod tests;
