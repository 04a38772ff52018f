//! `apply`: what changes between the live stack and the converted Compose files, and the
//! Engine calls that make the change — the ones `docker stack deploy` sends, minus every
//! call for an object that would not change.
//!
//! Reading and deciding are separate from writing: [`changeset`] turns the live objects (as
//! the Engine API returns them) and the converted [`Stack`] into ordered [`Step`]s without
//! I/O, so it is tested on fabricated JSON; [`execute`] sends them.
//!
//! Invariants:
//! - a service whose live `Spec` equals the desired spec (object IDs swapped for names) gets
//!   no call at all; networks that exist and secrets/configs whose spec is unchanged neither;
//! - the order is `docker stack deploy`'s: prune (with `--prune`), networks, secrets,
//!   configs, services (by name);
//! - configs and secrets are never deleted (a removed or renamed one stays until the user
//!   removes it, as with `docker stack deploy`), so nothing a running task uses disappears;
//! - every service update carries the version it was read at (`?version=`): a service that
//!   changed in between is refused by the Engine, never overwritten;
//! - `TaskTemplate.ForceUpdate` is kept as it is live (what `docker stack deploy` does).

use crate::endpoint::{Engine, EngineError};
use crate::swarm::{STACK_LABEL, percent_encode};
use serde_json::{Value, json};
use stackplan_core::swarm::Stack;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The live objects an apply needs: the stack's services and every network, config and
/// secret (external ones are referenced by name too).
#[derive(Clone, Debug, Default)]
pub struct Live {
    pub services: Vec<Value>,
    pub networks: Vec<Value>,
    pub configs: Vec<Value>,
    pub secrets: Vec<Value>,
}

impl Live {
    /// Reads them.
    pub async fn read(engine: &Engine, stack: &str) -> Result<Live, EngineError> {
        let filters =
            percent_encode(&json!({ "label": [format!("{STACK_LABEL}={stack}")] }).to_string());
        let list = |v: Value| v.as_array().cloned().unwrap_or_default();
        Ok(Live {
            services: list(engine.get(&format!("/services?filters={filters}")).await?),
            networks: list(engine.get("/networks").await?),
            configs: list(engine.get("/configs").await?),
            secrets: list(engine.get("/secrets").await?),
        })
    }

    /// Object ID → name, for every network, config and secret.
    pub fn names_by_id(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for n in &self.networks {
            if let (Some(id), Some(name)) = (n["Id"].as_str(), n["Name"].as_str()) {
                out.insert(id.to_owned(), name.to_owned());
            }
        }
        for o in self.configs.iter().chain(&self.secrets) {
            if let (Some(id), Some(name)) = (o["ID"].as_str(), o["Spec"]["Name"].as_str()) {
                out.insert(id.to_owned(), name.to_owned());
            }
        }
        out
    }

    /// (kind, name) → ID, for every network, config and secret.
    pub fn ids(&self) -> Ids {
        let mut out = Ids::default();
        for n in &self.networks {
            // A swarm-scoped network is what a service can attach to; a local network of
            // the same name (e.g. `bridge`) is not.
            if let (Some(id), Some(name)) = (n["Id"].as_str(), n["Name"].as_str())
                && (n["Scope"] == "swarm" || !out.networks.contains_key(name))
            {
                out.networks.insert(name.to_owned(), id.to_owned());
            }
        }
        for (list, map) in [
            (&self.configs, &mut out.configs),
            (&self.secrets, &mut out.secrets),
        ] {
            for o in list {
                if let (Some(id), Some(name)) = (o["ID"].as_str(), o["Spec"]["Name"].as_str()) {
                    map.insert(name.to_owned(), id.to_owned());
                }
            }
        }
        out
    }
}

/// Name → ID of the objects services reference.
#[derive(Clone, Debug, Default)]
pub struct Ids {
    pub networks: BTreeMap<String, String>,
    pub configs: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
}

/// What kind of object a step is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Network,
    Secret,
    Config,
    Service,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Network => "network",
            Kind::Secret => "secret",
            Kind::Config => "config",
            Kind::Service => "service",
        }
    }
}

/// What happens to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Remove,
    /// Nothing is sent.
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Remove => "remove",
            Action::Unchanged => "unchanged",
        }
    }
}

/// One object of the changeset, in execution order.
#[derive(Clone, Debug)]
pub struct Step {
    pub kind: Kind,
    /// The object's full name (`<stack>_web`).
    pub name: String,
    pub action: Action,
    /// The live object's ID (update, remove).
    pub id: Option<String>,
    /// The live object's version (update): sent as `?version=`.
    pub version: Option<u64>,
    /// The body to send, with object *names* where the Engine wants IDs (swapped in by
    /// [`service_body`] when sent, once created objects have IDs).
    pub body: Value,
    /// Field-level changes (`TaskTemplate/ContainerSpec/Image: "a" → "b"`), for updates.
    pub changes: Vec<String>,
    /// A remark shown with the step (e.g. a secret whose data cannot be compared).
    pub note: Option<String>,
}

/// The whole change.
#[derive(Clone, Debug, Default)]
pub struct Changeset {
    pub steps: Vec<Step>,
    /// Reasons the apply cannot happen at all (nothing is sent when there is one).
    pub blockers: Vec<String>,
}

impl Changeset {
    /// Steps that send something.
    pub fn writes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action != Action::Unchanged)
    }

    pub fn is_empty(&self) -> bool {
        self.writes().next().is_none()
    }

    /// The live version of every service, by name (for plan files).
    pub fn service_versions(&self, live: &Live) -> BTreeMap<String, u64> {
        live.services
            .iter()
            .filter_map(|s| {
                Some((
                    s["Spec"]["Name"].as_str()?.to_owned(),
                    s["Version"]["Index"].as_u64()?,
                ))
            })
            .collect()
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Decides, without I/O, what an apply of `desired` onto `live` sends.
pub fn changeset(desired: &Stack, live: &Live, prune: bool) -> Changeset {
    let mut out = Changeset::default();
    let names = live.names_by_id();
    let ids = live.ids();
    let step = |kind, name: &str, action, body| Step {
        kind,
        name: name.to_owned(),
        action,
        id: None,
        version: None,
        body,
        changes: Vec::new(),
        note: None,
    };

    // Prune first, as `docker stack deploy --prune` does.
    if prune {
        for service in &live.services {
            let name = service["Spec"]["Name"].as_str().unwrap_or_default();
            if !desired.services.iter().any(|s| s.spec.name == name) {
                let mut s = step(Kind::Service, name, Action::Remove, Value::Null);
                s.id = service["ID"].as_str().map(str::to_owned);
                out.steps.push(s);
            }
        }
    }

    for external in &desired.external_networks {
        let found = live
            .networks
            .iter()
            .find(|n| n["Name"] == external.as_str());
        match found {
            None => out.blockers.push(format!(
                "network {external:?} is declared as external, but could not be found; create \
                 it with `docker network create --driver=overlay {external}`"
            )),
            Some(n) if n["Scope"] != "swarm" => out.blockers.push(format!(
                "network {external:?} is declared as external, but it is not in the right \
                 scope: {} instead of \"swarm\"",
                n["Scope"]
            )),
            Some(_) => {}
        }
    }

    for network in &desired.networks {
        let exists = live
            .networks
            .iter()
            .any(|n| n["Name"] == network.name.as_str() && n["Scope"] == "swarm");
        // `docker stack deploy` creates the networks that do not exist and leaves the others
        // alone.
        let action = if exists {
            Action::Unchanged
        } else {
            Action::Create
        };
        out.steps.push(step(
            Kind::Network,
            &network.name,
            action,
            to_value(network),
        ));
    }

    for secret in &desired.secrets {
        let mut body = to_value(secret);
        body["Data"] = Value::String(stackplan_core::api::project::encode_base64(&secret.data));
        let live_secret = live
            .secrets
            .iter()
            .find(|s| s["Spec"]["Name"] == secret.name);
        let mut s = step(Kind::Secret, &secret.name, Action::Create, body);
        if let Some(existing) = live_secret {
            s.id = existing["ID"].as_str().map(str::to_owned);
            s.version = existing["Version"]["Index"].as_u64();
            let mut now = existing["Spec"].clone();
            let mut wanted = to_value(secret);
            if let Some(o) = now.as_object_mut() {
                o.remove("Data");
            }
            if let Some(o) = wanted.as_object_mut() {
                o.remove("Data");
            }
            differences(&wanted, &now, "", &mut s.changes);
            s.action = if s.changes.is_empty() {
                Action::Unchanged
            } else {
                Action::Update
            };
            s.note = Some(
                "the Engine never returns a secret's data: a changed secret file is not seen \
                 here; Swarm secrets are immutable, give changed data a new secret name"
                    .into(),
            );
        }
        out.steps.push(s);
    }

    for config in &desired.configs {
        let body = to_value(config);
        let live_config = live
            .configs
            .iter()
            .find(|c| c["Spec"]["Name"] == config.name);
        let mut s = step(Kind::Config, &config.name, Action::Create, body.clone());
        if let Some(existing) = live_config {
            s.id = existing["ID"].as_str().map(str::to_owned);
            s.version = existing["Version"]["Index"].as_u64();
            differences(&body, &existing["Spec"], "", &mut s.changes);
            if s.changes.iter().any(|c| c.starts_with("Data")) {
                out.blockers.push(format!(
                    "config {:?} exists with other data; Swarm configs are immutable (the Engine \
                     answers \"only updates to Labels are allowed\"): give the changed config a \
                     new name (e.g. `name: {}-v2` in the Compose file)",
                    config.name, config.name
                ));
            }
            s.action = if s.changes.is_empty() {
                Action::Unchanged
            } else {
                Action::Update
            };
        }
        out.steps.push(s);
    }

    for service in &desired.services {
        let mut body = to_value(&service.spec);
        let existing = live
            .services
            .iter()
            .find(|s| s["Spec"]["Name"] == service.spec.name.as_str());
        let mut s = step(
            Kind::Service,
            &service.spec.name,
            Action::Create,
            Value::Null,
        );
        if let Some(existing) = existing {
            s.id = existing["ID"].as_str().map(str::to_owned);
            s.version = existing["Version"]["Index"].as_u64();
            // Kept as it is live, like `docker stack deploy` does.
            match existing["Spec"]["TaskTemplate"].get("ForceUpdate") {
                Some(force) => body["TaskTemplate"]["ForceUpdate"] = force.clone(),
                None => {
                    if let Some(t) = body["TaskTemplate"].as_object_mut() {
                        t.remove("ForceUpdate");
                    }
                }
            }
            let mut now = existing["Spec"].clone();
            ids_to_names(&mut now, &names);
            let mut wanted = body.clone();
            order_refs_with_equal_names(&mut now);
            order_refs_with_equal_names(&mut wanted);
            differences(&wanted, &now, "", &mut s.changes);
            s.action = if s.changes.is_empty() {
                Action::Unchanged
            } else {
                Action::Update
            };
        }
        s.body = body;
        out.steps.push(s);
    }
    // A service may only reference objects that exist or are created first.
    for s in out.steps.iter().filter(|s| s.kind == Kind::Service) {
        if let Err(missing) = service_body(&s.body, &planned_ids(&ids, &out.steps)) {
            out.blockers.push(format!("service {}: {missing}", s.name));
        }
    }
    out
}

/// The IDs known now plus a placeholder for every object the changeset creates.
fn planned_ids(ids: &Ids, steps: &[Step]) -> Ids {
    let mut ids = ids.clone();
    for s in steps.iter().filter(|s| s.action == Action::Create) {
        let map = match s.kind {
            Kind::Network => &mut ids.networks,
            Kind::Secret => &mut ids.secrets,
            Kind::Config => &mut ids.configs,
            Kind::Service => continue,
        };
        map.entry(s.name.clone())
            .or_insert_with(|| format!("(new {})", s.name));
    }
    ids
}

/// The service spec to send: network, secret and config names swapped for their IDs.
pub fn service_body(spec: &Value, ids: &Ids) -> Result<Value, String> {
    let mut spec = spec.clone();
    let swap = |v: &mut Value, map: &BTreeMap<String, String>, kind: &str| {
        let name = v.as_str().unwrap_or_default().to_owned();
        match map.get(&name) {
            Some(id) => {
                *v = Value::String(id.clone());
                Ok(())
            }
            None => Err(format!("{kind} {name:?} does not exist")),
        }
    };
    if let Some(nets) = spec
        .pointer_mut("/TaskTemplate/Networks")
        .and_then(Value::as_array_mut)
    {
        for n in nets {
            swap(&mut n["Target"], &ids.networks, "network")?;
        }
    }
    for (list, id, map, kind) in [
        ("Secrets", "SecretID", &ids.secrets, "secret"),
        ("Configs", "ConfigID", &ids.configs, "config"),
    ] {
        let pointer = format!("/TaskTemplate/ContainerSpec/{list}");
        if let Some(refs) = spec.pointer_mut(&pointer).and_then(Value::as_array_mut) {
            for r in refs {
                swap(&mut r[id], map, kind)?;
            }
        }
    }
    Ok(spec)
}

/// The stored spec with object IDs replaced by names (the converted stack's convention).
pub fn ids_to_names(spec: &mut Value, names: &BTreeMap<String, String>) {
    let swap = |v: &mut Value| {
        if let Some(name) = v.as_str().and_then(|id| names.get(id)) {
            *v = Value::String(name.clone());
        }
    };
    if let Some(nets) = spec
        .pointer_mut("/TaskTemplate/Networks")
        .and_then(Value::as_array_mut)
    {
        for n in nets {
            swap(&mut n["Target"]);
        }
    }
    for (list, id) in [("Secrets", "SecretID"), ("Configs", "ConfigID")] {
        let pointer = format!("/TaskTemplate/ContainerSpec/{list}");
        if let Some(refs) = spec.pointer_mut(&pointer).and_then(Value::as_array_mut) {
            for r in refs {
                swap(&mut r[id]);
            }
        }
    }
}

/// References to one secret or config (different targets) come back from the Engine in
/// either order (the CLI orders them by name only): put both sides in one order.
pub fn order_refs_with_equal_names(spec: &mut Value) {
    for (list, name) in [("Secrets", "SecretName"), ("Configs", "ConfigName")] {
        let pointer = format!("/TaskTemplate/ContainerSpec/{list}");
        if let Some(refs) = spec.pointer_mut(&pointer).and_then(Value::as_array_mut) {
            refs.sort_by_key(|r| {
                (
                    r[name].as_str().unwrap_or_default().to_owned(),
                    r.pointer("/File/Name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                )
            });
        }
    }
}

/// Every differing leaf between `wanted` and `now`, as `path: now → wanted`. Numbers are
/// equal when their values are (`0` and `0.0`); everything else must be equal exactly.
pub fn differences(wanted: &Value, now: &Value, path: &str, out: &mut Vec<String>) {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}/{k}")
        }
    };
    match (wanted, now) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    None => out.push(format!("{}: (none) → {}", at(k), short(v))),
                    Some(w) => differences(v, w, &at(k), out),
                }
            }
            for (k, w) in b {
                if !a.contains_key(k) {
                    out.push(format!("{}: {} → (none)", at(k), short(w)));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &at(&i.to_string()), out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        _ if wanted == now => {}
        _ => out.push(format!("{path}: {} → {}", short(now), short(wanted))),
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

/// The human form of a changeset (before the plugin's rollout plan).
pub fn render_changeset(stack: &str, set: &Changeset) -> String {
    let mut out = String::new();
    let count = |a: Action| set.steps.iter().filter(|s| s.action == a).count();
    let _ = writeln!(
        out,
        "stack {stack}: {} to create, {} to update, {} to remove, {} unchanged",
        count(Action::Create),
        count(Action::Update),
        count(Action::Remove),
        count(Action::Unchanged)
    );
    for s in &set.steps {
        let mark = match s.action {
            Action::Create => "+",
            Action::Update => "~",
            Action::Remove => "-",
            Action::Unchanged => "=",
        };
        let _ = writeln!(
            out,
            "  {mark} {:<8} {:<32} {}",
            s.kind.as_str(),
            s.name,
            match s.action {
                Action::Unchanged => "unchanged: nothing is sent".to_owned(),
                Action::Update => format!(
                    "update (version {})",
                    s.version.map_or("?".into(), |v| v.to_string())
                ),
                a => a.as_str().to_owned(),
            }
        );
        for change in s.changes.iter().take(12) {
            let _ = writeln!(out, "        {change}");
        }
        if s.changes.len() > 12 {
            let _ = writeln!(out, "        … and {} more", s.changes.len() - 12);
        }
        if let (Some(note), Action::Unchanged) = (&s.note, s.action) {
            let _ = writeln!(out, "        note: {note}");
        }
    }
    for b in &set.blockers {
        let _ = writeln!(out, "  ! {b}");
    }
    out
}

/// What one sent step did.
#[derive(Clone, Debug)]
pub struct Sent {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    pub id: String,
    /// The Engine's warnings (e.g. an image that could not be resolved).
    pub warnings: Vec<String>,
}

/// Sends the changeset's writes in order; stops at the first failure (what was sent stays
/// sent: a re-run continues from there). `on_sent` is told after each write.
pub async fn execute(
    engine: &Engine,
    set: &Changeset,
    live: &Live,
    interrupted: &dyn Fn() -> bool,
    on_sent: &mut dyn FnMut(&Sent),
) -> Result<Vec<Sent>, (Vec<Sent>, String)> {
    let mut ids = live.ids();
    let mut sent = Vec::new();
    for s in set.writes() {
        if interrupted() {
            return Err((
                sent,
                "interrupted: the remaining steps were not sent (re-run apply to continue)".into(),
            ));
        }
        let fail =
            |e: EngineError| format!("{} {} {}: {e}", s.action.as_str(), s.kind.as_str(), s.name);
        let id_of = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
        let (id, warnings) = match (s.kind, s.action) {
            (Kind::Service, Action::Remove) => {
                let id = s.id.clone().unwrap_or_default();
                if let Err(e) = engine.delete(&format!("/services/{id}")).await {
                    return Err((sent, fail(e)));
                }
                (id, Vec::new())
            }
            (Kind::Network, Action::Create) => match engine.post("/networks/create", &s.body).await
            {
                Ok(v) => {
                    let id = id_of(&v, "Id");
                    ids.networks.insert(s.name.clone(), id.clone());
                    (id, warning_list(&v))
                }
                Err(e) => return Err((sent, fail(e))),
            },
            (Kind::Secret | Kind::Config, Action::Create) => {
                let path = format!("/{}s/create", s.kind.as_str());
                match engine.post(&path, &s.body).await {
                    Ok(v) => {
                        let id = id_of(&v, "ID");
                        let map = if s.kind == Kind::Secret {
                            &mut ids.secrets
                        } else {
                            &mut ids.configs
                        };
                        map.insert(s.name.clone(), id.clone());
                        (id, Vec::new())
                    }
                    Err(e) => return Err((sent, fail(e))),
                }
            }
            (Kind::Secret | Kind::Config, Action::Update) => {
                let id = s.id.clone().unwrap_or_default();
                let path = format!(
                    "/{}s/{id}/update?version={}",
                    s.kind.as_str(),
                    s.version.unwrap_or(0)
                );
                if let Err(e) = engine.post(&path, &s.body).await {
                    return Err((sent, fail(e)));
                }
                (id, Vec::new())
            }
            (Kind::Service, Action::Create) => {
                let body = match service_body(&s.body, &ids) {
                    Ok(b) => b,
                    Err(e) => return Err((sent, format!("service {}: {e}", s.name))),
                };
                match engine.post("/services/create", &body).await {
                    Ok(v) => (id_of(&v, "ID"), warning_list(&v)),
                    Err(e) => return Err((sent, fail(e))),
                }
            }
            (Kind::Service, Action::Update) => {
                let body = match service_body(&s.body, &ids) {
                    Ok(b) => b,
                    Err(e) => return Err((sent, format!("service {}: {e}", s.name))),
                };
                let id = s.id.clone().unwrap_or_default();
                let path = format!("/services/{id}/update?version={}", s.version.unwrap_or(0));
                match engine.post(&path, &body).await {
                    Ok(v) => (id, warning_list(&v)),
                    Err(EngineError::Api { status, message })
                        if message.contains("out of sequence")
                            || message.contains("update out of sequence") =>
                    {
                        return Err((
                            sent,
                            format!(
                                "service {} changed since it was read (version {}): {message} \
                                 (HTTP {status}); nothing was overwritten, re-run apply",
                                s.name,
                                s.version.unwrap_or(0)
                            ),
                        ));
                    }
                    Err(e) => return Err((sent, fail(e))),
                }
            }
            (kind, action) => {
                return Err((
                    sent,
                    format!("cannot {} a {}", action.as_str(), kind.as_str()),
                ));
            }
        };
        let done = Sent {
            kind: s.kind,
            name: s.name.clone(),
            action: s.action,
            id,
            warnings,
        };
        on_sent(&done);
        sent.push(done);
    }
    Ok(sent)
}

fn warning_list(v: &Value) -> Vec<String> {
    v["Warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackplan_core::swarm::{ConfigSpec, NetworkCreate, ServiceSpec, StackService};

    fn stack() -> Stack {
        let spec: ServiceSpec = serde_json::from_value(json!({
            "Name": "s_web",
            "Labels": {"com.docker.stack.namespace": "s"},
            "TaskTemplate": {
                "ContainerSpec": {"Image": "probe:1", "Configs": [
                    {"File": {"Name": "/c", "UID": "0", "GID": "0", "Mode": 292},
                     "ConfigID": "s_conf", "ConfigName": "s_conf"}]},
                "Networks": [{"Target": "s_default", "Aliases": ["web"]}],
                "ForceUpdate": 0
            },
            "Mode": {"Replicated": {"Replicas": 2}},
            "UpdateConfig": {"Parallelism": 1, "MaxFailureRatio": 0.0}
        }))
        .unwrap();
        Stack {
            name: "s".into(),
            networks: vec![NetworkCreate {
                name: "s_default".into(),
                driver: "overlay".into(),
                ..NetworkCreate::default()
            }],
            configs: vec![ConfigSpec {
                name: "s_conf".into(),
                data: b"hello".to_vec(),
                ..ConfigSpec::default()
            }],
            services: vec![StackService {
                key: "web".into(),
                spec,
            }],
            ..Stack::default()
        }
    }

    /// The Engine's answer after the stack was deployed: IDs instead of names, `0` for the
    /// float, a ForceUpdate counter someone raised.
    fn live(image: &str) -> Live {
        // What the Engine returns: the spec as sent, IDs where the stack has names.
        let mut spec = to_value(&stack().services[0].spec);
        spec["TaskTemplate"]["ContainerSpec"]["Image"] = json!(image);
        spec["TaskTemplate"]["ContainerSpec"]["Configs"][0]["ConfigID"] = json!("cfg1");
        spec["TaskTemplate"]["Networks"][0]["Target"] = json!("net1");
        spec["TaskTemplate"]["ForceUpdate"] = json!(3);
        // A float the other side may write as an integer.
        spec["UpdateConfig"]["MaxFailureRatio"] = json!(0.0);
        Live {
            services: vec![json!({"ID": "svc1", "Version": {"Index": 41}, "Spec": spec})],
            networks: vec![
                json!({"Id": "net1", "Name": "s_default", "Scope": "swarm"}),
                json!({"Id": "br", "Name": "bridge", "Scope": "local"}),
            ],
            configs: vec![json!({"ID": "cfg1", "Version": {"Index": 7},
                "Spec": to_value(&stack().configs[0])})],
            secrets: vec![],
        }
    }

    #[test]
    fn an_unchanged_stack_sends_nothing() {
        let set = changeset(&stack(), &live("probe:1"), true);
        assert!(set.blockers.is_empty(), "{:?}", set.blockers);
        let writes: Vec<_> = set.writes().map(|s| s.name.clone()).collect();
        assert!(
            writes.is_empty(),
            "{writes:?}\n{}",
            render_changeset("s", &set)
        );
        assert_eq!(set.steps.len(), 3);
    }

    #[test]
    fn a_changed_image_updates_that_service_with_its_version_and_real_ids() {
        let set = changeset(&stack(), &live("probe:0"), false);
        let writes: Vec<&Step> = set.writes().collect();
        assert_eq!(writes.len(), 1);
        let s = writes[0];
        assert_eq!(
            (s.kind, s.action, s.version),
            (Kind::Service, Action::Update, Some(41))
        );
        assert_eq!(
            s.changes,
            ["TaskTemplate/ContainerSpec/Image: \"probe:0\" → \"probe:1\""]
        );
        let body = service_body(&s.body, &live("x").ids()).unwrap();
        assert_eq!(body["TaskTemplate"]["Networks"][0]["Target"], "net1");
        assert_eq!(
            body["TaskTemplate"]["ContainerSpec"]["Configs"][0]["ConfigID"],
            "cfg1"
        );
        assert_eq!(body["TaskTemplate"]["ForceUpdate"], 3, "kept as it is live");
    }

    #[test]
    fn a_new_stack_is_created_in_stack_deploy_order() {
        let set = changeset(&stack(), &Live::default(), false);
        assert!(set.blockers.is_empty(), "{:?}", set.blockers);
        let order: Vec<(Kind, Action)> = set.writes().map(|s| (s.kind, s.action)).collect();
        assert_eq!(
            order,
            [
                (Kind::Network, Action::Create),
                (Kind::Config, Action::Create),
                (Kind::Service, Action::Create)
            ]
        );
    }

    #[test]
    fn prune_removes_services_no_longer_in_the_files_first() {
        let mut l = live("probe:1");
        l.services
            .push(json!({"ID": "old", "Version": {"Index": 3}, "Spec": {"Name": "s_old"}}));
        let set = changeset(&stack(), &l, true);
        let first = set.writes().next().unwrap();
        assert_eq!(
            (first.kind, first.action, first.name.as_str()),
            (Kind::Service, Action::Remove, "s_old")
        );
        assert_eq!(set.writes().count(), 1);
        let set = changeset(&stack(), &l, false);
        assert_eq!(
            set.writes().count(),
            0,
            "without --prune nothing is removed"
        );
    }

    #[test]
    fn changed_config_data_blocks_the_apply_and_configs_are_never_removed() {
        let mut l = live("probe:1");
        l.configs[0]["Spec"]["Data"] = json!("b3RoZXI=");
        let set = changeset(&stack(), &l, true);
        assert_eq!(set.blockers.len(), 1, "{:?}", set.blockers);
        assert!(set.blockers[0].contains("immutable"), "{:?}", set.blockers);
        assert!(
            !set.steps
                .iter()
                .any(|s| s.kind != Kind::Service && s.action == Action::Remove)
        );
    }

    #[test]
    fn a_missing_external_network_blocks() {
        let mut s = stack();
        s.external_networks = vec!["outside".into()];
        let set = changeset(&s, &live("probe:1"), false);
        assert!(
            set.blockers
                .iter()
                .any(|b| b.contains("\"outside\" is declared as external")),
            "{:?}",
            set.blockers
        );
    }
}
