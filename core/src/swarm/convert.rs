//! `convert(project, stack)`: the objects `docker stack deploy` sends for a loaded project,
//! in the form the Engine **stores** them (what `GET /services/{id}` returns afterwards).
//!
//! The rules are docker/cli's `cli/compose/convert` (`service.go`, `compose.go`,
//! `volume.go`) followed by the Engine's API ↔ swarmkit round trip (moby/moby
//! `daemon/cluster/convert`), which fills in what the CLI leaves empty: `Isolation`
//! `default`, `Runtime` `container`, endpoint mode `vip`, port protocol `tcp` and publish mode
//! `ingress`, update `FailureAction` `pause` and `Order` `stop-first`, restart `Condition`
//! `any`, one replica for a nil count. Those values come from [`super::defaults`].
//!
//! ID fields (network attachment `Target`, `SecretID`, `ConfigID`) hold the object's
//! **name**; a caller that talks to an Engine swaps in the real IDs.
//!
//! The input is the loader's printed project (compose-go's model). Where compose-go fills in
//! a value docker/cli's own loader would not (a network's or config's `name`, a secret's
//! `/run/secrets/<source>` target), the key's [`Origin`] tells them apart: the loader marks
//! what it synthesised.

use super::defaults;
use super::types::*;
use crate::loader::Loaded;
use crate::source::{FileSource, SourceSet};
use crate::tree::{Key, Map, Node, Origin, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// A Docker Engine API version (`1.41` for Engine 20.10, `1.47` for Engine 27).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        ApiVersion { major, minor }
    }

    /// `"1.41"` → 1.41.
    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(ApiVersion::new(major.parse().ok()?, minor.parse().ok()?))
    }

    /// The API version an Engine major version speaks at most.
    pub fn of_engine_major(major: u32) -> Self {
        match major {
            0..=20 => ApiVersion::new(1, 41),
            21..=23 => ApiVersion::new(1, 43),
            24 => ApiVersion::new(1, 43),
            25 => ApiVersion::new(1, 44),
            26 => ApiVersion::new(1, 45),
            27 => ApiVersion::new(1, 47),
            _ => ApiVersion::new(1, 48),
        }
    }
}

/// How to convert.
#[derive(Clone, Copy, Debug)]
pub struct ConvertOptions {
    /// The API version of the Engine the stack goes to: the Engine drops fields newer than
    /// its API (healthcheck `StartInterval` needs 1.44, `OomScoreAdj` 1.46).
    pub api_version: ApiVersion,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            api_version: ApiVersion::of_engine_major(27),
        }
    }
}

/// One service of a converted stack.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StackService {
    /// The service's key in the Compose files (`api`); the spec's `Name` is `<stack>_api`.
    pub key: String,
    pub spec: ServiceSpec,
}

/// Everything `docker stack deploy` creates or updates for a project.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Stack {
    pub name: String,
    /// Networks the stack creates (those its services use), sorted by name.
    pub networks: Vec<NetworkCreate>,
    /// External networks the services use (must exist, swarm scope).
    pub external_networks: Vec<String>,
    pub configs: Vec<ConfigSpec>,
    pub secrets: Vec<SecretSpec>,
    /// Sorted by key.
    pub services: Vec<StackService>,
    /// Where each converted field came from: `services.api.TaskTemplate.ContainerSpec.Image`
    /// → the Compose value's position. Fields no file wrote have no entry.
    #[serde(skip)]
    pub origins: BTreeMap<String, Origin>,
}

impl Stack {
    pub fn service(&self, key: &str) -> Option<&StackService> {
        self.services.iter().find(|s| s.key == key)
    }

    /// `file:line` of a converted field, if a file wrote it.
    pub fn origin_of(&self, path: &str, sources: &SourceSet) -> Option<String> {
        self.origins
            .get(path)
            .and_then(|origin| sources.locate_line(origin))
    }

    /// The engine-spec view: `{"networks": [{"Name", …}], "configs": [{"Spec"}],
    /// "secrets": [{"Spec"}], "services": [{"Spec"}]}`, each `Spec` as the Engine stores it
    /// (secret data is never serialized).
    pub fn engine_spec(&self) -> serde_json::Value {
        let spec = |v: serde_json::Value| serde_json::json!({ "Spec": v });
        let to = |v: &dyn erased::Ser| v.value();
        serde_json::json!({
            "networks": self.networks.iter().map(|n| to(n)).collect::<Vec<_>>(),
            "configs": self.configs.iter().map(|c| spec(to(c))).collect::<Vec<_>>(),
            "secrets": self.secrets.iter().map(|s| spec(to(s))).collect::<Vec<_>>(),
            "services": self.services.iter().map(|s| spec(to(&s.spec))).collect::<Vec<_>>(),
        })
    }
}

mod erased {
    /// Serializes any model type to a JSON value (these types cannot fail to serialize).
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

/// Why a project cannot be deployed as a stack (docker/cli refuses it too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError {
    pub message: String,
    pub origin: Option<Origin>,
}

impl ConvertError {
    fn at(message: impl Into<String>, node: Option<&Node>) -> Self {
        ConvertError {
            message: message.into(),
            origin: node.map(|n| n.origin).filter(|o| !o.is_synthetic()),
        }
    }

    /// `file:line:column: message` (or the message alone).
    pub fn display(&self, sources: &SourceSet) -> String {
        match self.origin.as_ref().and_then(|o| sources.locate(o)) {
            Some(at) => format!("{at}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

type Result<T> = std::result::Result<T, ConvertError>;

/// Converts a loaded project into the stack `docker stack deploy <stack_name>` creates.
/// `files` reads the `file:` of configs and secrets (paths as the loader resolved them).
pub fn convert(
    loaded: &Loaded,
    stack_name: &str,
    files: &dyn FileSource,
    opts: &ConvertOptions,
) -> Result<Stack> {
    let mut cx = Cx {
        stack: stack_name,
        project: &loaded.project,
        opts,
        origins: BTreeMap::new(),
    };
    let empty = Map::default();
    let services = loaded
        .project
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or(&empty);
    let mut converted = Vec::new();
    for (key, service) in services {
        let spec = cx.service(&key.name, service)?;
        converted.push(StackService {
            key: key.name.clone(),
            spec,
        });
    }
    converted.sort_by(|a, b| a.key.cmp(&b.key));
    let (networks, external_networks) = cx.networks(services);
    let configs = cx.configs(files)?;
    let secrets = cx.secrets(files)?;
    Ok(Stack {
        name: stack_name.to_owned(),
        networks,
        external_networks,
        configs,
        secrets,
        services: converted,
        origins: cx.origins,
    })
}

struct Cx<'a> {
    stack: &'a str,
    project: &'a Node,
    opts: &'a ConvertOptions,
    origins: BTreeMap<String, Origin>,
}

fn entry<'n>(map: &'n Map, key: &str) -> Option<(&'n Key, &'n Node)> {
    map.get_key_value(key)
}

/// A `name:` the files wrote (not one compose-go derived from the project name).
fn written_name(object: Option<&Node>) -> Option<String> {
    let (key, value) = entry(object?.as_map()?, "name")?;
    (!key.origin.is_synthetic()).then(|| value.as_str().map(str::to_owned))?
}

fn is_true(node: Option<&Node>) -> bool {
    matches!(node.map(|n| &n.value), Some(Value::Bool(true)))
}

fn string(node: Option<&Node>) -> String {
    node.and_then(Node::scalar_to_string).unwrap_or_default()
}

fn strings(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_to_string).collect(),
        Some(Value::Str(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn string_map(node: Option<&Node>) -> StringMap {
    let mut out = StringMap::new();
    if let Some(map) = node.and_then(Node::as_map) {
        for (k, v) in map {
            out.insert(k.name.clone(), v.scalar_to_string().unwrap_or_default());
        }
    }
    out
}

/// A Go `uint64` field of the printed project (`parallelism`, `max_attempts`,
/// `max_replicas_per_node`): past `i64::MAX` it is a [`Value::UInt`].
fn uint(node: Option<&Node>) -> Option<u64> {
    match node.map(|n| &n.value) {
        Some(Value::UInt(u)) => Some(*u),
        _ => int(node).and_then(|n| u64::try_from(n).ok()),
    }
}

fn int(node: Option<&Node>) -> Option<i64> {
    match node.map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Float(f)) if f.fract() == 0.0 => Some(*f as i64),
        Some(Value::Str(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn duration(node: Option<&Node>) -> Result<Option<i64>> {
    let Some(node) = node else { return Ok(None) };
    let Some(text) = node.as_str() else {
        return Ok(int(Some(node)));
    };
    crate::loader::project::parse_compose_duration(text)
        .map(Some)
        .map_err(|e| ConvertError::at(e, Some(node)))
}

fn cpus(node: Option<&Node>) -> Result<i64> {
    let Some(node) = node else { return Ok(0) };
    let value = match &node.value {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| ConvertError::at(format!("invalid cpus {s:?}"), Some(node)))?,
        _ => return Err(ConvertError::at("invalid cpus", Some(node))),
    };
    // docker/cli `opts.ParseCPUs`: an exact number of nano CPUs.
    Ok((value * 1e9).round() as i64)
}

impl Cx<'_> {
    fn scope(&self, name: &str) -> String {
        format!("{}_{name}", self.stack)
    }

    fn note(&mut self, path: String, node: Option<&Node>) {
        if let Some(node) = node.filter(|n| !n.origin.is_synthetic()) {
            self.origins.insert(path, node.origin);
        }
    }

    fn top(&self, kind: &str, name: &str) -> Option<&Node> {
        self.project.get(kind).and_then(|m| m.get(name))
    }

    fn stack_labels(&self, labels: Option<&Node>) -> StringMap {
        let mut out = string_map(labels);
        out.insert(defaults::LABEL_NAMESPACE.to_owned(), self.stack.to_owned());
        out
    }

    fn service(&mut self, key: &str, svc: &Node) -> Result<ServiceSpec> {
        let deploy = svc.get("deploy");
        let d = |name: &str| deploy.and_then(|d| d.get(name));
        let p = |field: &str| format!("services.{key}.{field}");
        let image = string(svc.get("image"));
        self.note(p("TaskTemplate.ContainerSpec.Image"), svc.get("image"));

        let mut labels = self.stack_labels(d("labels"));
        labels.insert(defaults::LABEL_IMAGE.to_owned(), image.clone());

        let mut env: Vec<String> = svc
            .get("environment")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| match v.scalar_to_string() {
                        Some(value) => format!("{}={value}", k.name),
                        None => k.name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        env.sort();

        let stop_grace_period = duration(svc.get("stop_grace_period"))?;
        self.note(
            p("TaskTemplate.ContainerSpec.StopGracePeriod"),
            svc.get("stop_grace_period"),
        );
        let healthcheck = self.healthcheck(svc.get("healthcheck"))?;
        self.note(
            p("TaskTemplate.ContainerSpec.Healthcheck"),
            svc.get("healthcheck"),
        );

        let dns = svc.get("dns").filter(|n| !n.is_null());
        let dns_search = svc.get("dns_search").filter(|n| !n.is_null());
        let dns_config = (dns.is_some() || dns_search.is_some()).then(|| DnsConfig {
            nameservers: strings(dns),
            search: strings(dns_search),
            options: Vec::new(),
        });

        let (secrets, configs) = (self.secret_refs(svc)?, self.config_refs(svc)?);

        let mut capability_add = strings(svc.get("cap_add"));
        let mut capability_drop = strings(svc.get("cap_drop"));
        effective_caps(&mut capability_add, &mut capability_drop);

        let container = ContainerSpec {
            image: tagged_image(&image),
            labels: self.stack_labels(svc.get("labels")),
            command: strings(svc.get("entrypoint")),
            args: strings(svc.get("command")),
            hostname: string(svc.get("hostname")),
            env,
            dir: string(svc.get("working_dir")),
            user: string(svc.get("user")),
            groups: Vec::new(),
            privileges: Some(Privileges {
                credential_spec: credential_spec(svc.get("credential_spec"), &configs),
                selinux_context: None,
                extra: Extra::new(),
            }),
            init: match svc.get("init").map(|n| &n.value) {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
            stop_signal: string(svc.get("stop_signal")),
            tty: is_true(svc.get("tty")),
            open_stdin: is_true(svc.get("stdin_open")),
            read_only: is_true(svc.get("read_only")),
            mounts: self.mounts(svc.get("volumes"))?,
            stop_grace_period,
            healthcheck,
            hosts: extra_hosts(svc.get("extra_hosts")),
            dns_config,
            secrets,
            configs,
            isolation: match string(svc.get("isolation")) {
                s if s.is_empty() => defaults::ISOLATION.to_owned(),
                s => s,
            },
            sysctls: string_map(svc.get("sysctls")),
            capability_add,
            capability_drop,
            ulimits: ulimits(svc.get("ulimits")),
            oom_score_adj: if self.opts.api_version >= ApiVersion::new(1, 46) {
                int(svc.get("oom_score_adj")).unwrap_or(0)
            } else {
                0
            },
            extra: Extra::new(),
        };

        let log_driver = svc.get("logging").filter(|n| !n.is_null()).map(|l| Driver {
            name: string(l.get("driver")),
            options: string_map(l.get("options")),
        });

        let placement = d("placement");
        let placement = Placement {
            constraints: strings(placement.and_then(|p| p.get("constraints"))),
            preferences: placement
                .and_then(|p| p.get("preferences"))
                .and_then(Node::as_seq)
                .map(|prefs| {
                    prefs
                        .iter()
                        .map(|pref| PlacementPreference {
                            spread: Some(SpreadOver {
                                spread_descriptor: string(pref.get("spread")),
                            }),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            max_replicas: uint(placement.and_then(|p| p.get("max_replicas_per_node"))).unwrap_or(0),
            platforms: Vec::new(),
            extra: Extra::new(),
        };

        let mode = self.mode(d("mode"), d("replicas"))?;
        self.note(p("Mode"), d("replicas").or(d("mode")));
        let update_config = self.update_config(d("update_config"), &p("UpdateConfig"))?;
        let rollback_config = self.update_config(d("rollback_config"), &p("RollbackConfig"))?;

        let task = TaskSpec {
            container_spec: Some(container),
            resources: Some(self.resources(d("resources"))?),
            restart_policy: self.restart_policy(svc.get("restart"), d("restart_policy"))?,
            placement: Some(placement),
            networks: self.attachments(key, svc.get("networks")),
            log_driver,
            force_update: 0,
            runtime: defaults::RUNTIME.to_owned(),
            extra: Extra::new(),
        };
        self.note(
            p("TaskTemplate.RestartPolicy"),
            d("restart_policy").or(svc.get("restart")),
        );
        Ok(ServiceSpec {
            name: self.scope(key),
            labels: Some(labels),
            task_template: task,
            mode,
            update_config,
            rollback_config,
            networks: Vec::new(),
            endpoint_spec: Some(endpoint_spec(d("endpoint_mode"), svc.get("ports"))),
            extra: Extra::new(),
        })
    }

    fn healthcheck(&self, node: Option<&Node>) -> Result<Option<HealthConfig>> {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Ok(None);
        };
        if is_true(node.get("disable")) {
            return Ok(Some(HealthConfig {
                test: vec!["NONE".to_owned()],
                ..HealthConfig::default()
            }));
        }
        let start_interval = if self.opts.api_version >= ApiVersion::new(1, 44) {
            duration(node.get("start_interval"))?.unwrap_or(0)
        } else {
            0
        };
        Ok(Some(HealthConfig {
            test: strings(node.get("test")),
            interval: duration(node.get("interval"))?.unwrap_or(0),
            timeout: duration(node.get("timeout"))?.unwrap_or(0),
            start_period: duration(node.get("start_period"))?.unwrap_or(0),
            start_interval,
            retries: int(node.get("retries")).unwrap_or(0),
        }))
    }

    fn mode(&self, mode: Option<&Node>, replicas: Option<&Node>) -> Result<ServiceMode> {
        let count = int(replicas).and_then(|n| u64::try_from(n).ok());
        let mut out = ServiceMode::default();
        match mode.and_then(Node::as_str).unwrap_or("replicated") {
            "global" | "global-job" if replicas.is_some() => {
                return Err(ConvertError::at(
                    "replicas can only be used with replicated or replicated-job mode",
                    replicas,
                ));
            }
            "global" => out.global = Some(Empty {}),
            "global-job" => out.global_job = Some(Empty {}),
            "replicated-job" => {
                // The Engine stores a nil MaxConcurrent/TotalCompletions as 1.
                let n = count.unwrap_or(defaults::REPLICAS);
                out.replicated_job = Some(ReplicatedJob {
                    max_concurrent: Some(n),
                    total_completions: Some(n),
                });
            }
            "replicated" | "" => {
                out.replicated = Some(ReplicatedService {
                    replicas: Some(count.unwrap_or(defaults::REPLICAS)),
                });
            }
            other => return Err(ConvertError::at(format!("Unknown mode: {other}"), mode)),
        }
        Ok(out)
    }

    fn update_config(&mut self, node: Option<&Node>, path: &str) -> Result<Option<UpdateConfig>> {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Ok(None);
        };
        self.note(path.to_owned(), Some(node));
        let f = |k: &str| node.get(k);
        let parallelism = match uint(f("parallelism")) {
            Some(n) => n,
            None => defaults::CLI_PRESENT_BLOCK_PARALLELISM,
        };
        let enum_or = |n: Option<&Node>, default: &str| match string(n) {
            s if s.is_empty() => default.to_owned(),
            s => s,
        };
        let ratio = match f("max_failure_ratio").map(|n| &n.value) {
            Some(Value::Float(x)) => *x as f32,
            Some(Value::Int(i)) => *i as f32,
            Some(Value::Str(s)) => s.parse().unwrap_or(0.0),
            _ => defaults::UPDATE_MAX_FAILURE_RATIO,
        };
        for field in [
            "parallelism",
            "delay",
            "failure_action",
            "monitor",
            "max_failure_ratio",
            "order",
        ] {
            self.note(format!("{path}.{}", pascal(field)), f(field));
        }
        Ok(Some(UpdateConfig {
            parallelism,
            delay: duration(f("delay"))?.unwrap_or(defaults::UPDATE_DELAY_NS),
            failure_action: enum_or(f("failure_action"), defaults::UPDATE_FAILURE_ACTION),
            // The Engine does not send a zero monitor: it is stored as unset.
            monitor: duration(f("monitor"))?.unwrap_or(0),
            max_failure_ratio: ratio,
            order: enum_or(f("order"), defaults::UPDATE_ORDER),
        }))
    }

    fn resources(&self, node: Option<&Node>) -> Result<ResourceRequirements> {
        let mut out = ResourceRequirements::default();
        let Some(node) = node else { return Ok(out) };
        let bytes = |n: Option<&Node>| int(n).unwrap_or(0);
        if let Some(l) = node.get("limits").filter(|n| !n.is_null()) {
            out.limits = Some(Limit {
                nano_cpus: cpus(l.get("cpus"))?,
                memory_bytes: bytes(l.get("memory")),
                pids: int(l.get("pids")).unwrap_or(0),
            });
        }
        if let Some(r) = node.get("reservations").filter(|n| !n.is_null()) {
            let generic = r
                .get("generic_resources")
                .and_then(Node::as_seq)
                .map(|items| {
                    items
                        .iter()
                        .map(|g| {
                            let d = g.get("discrete_resource_spec");
                            GenericResource {
                                named_resource_spec: None,
                                discrete_resource_spec: d.map(|d| DiscreteGenericResource {
                                    kind: string(d.get("kind")),
                                    value: int(d.get("value")).unwrap_or(0),
                                }),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.reservations = Some(Resources {
                nano_cpus: cpus(r.get("cpus"))?,
                memory_bytes: bytes(r.get("memory")),
                generic_resources: generic,
            });
        }
        Ok(out)
    }

    fn restart_policy(
        &self,
        restart: Option<&Node>,
        policy: Option<&Node>,
    ) -> Result<Option<RestartPolicy>> {
        if let Some(p) = policy.filter(|n| !n.is_null()) {
            return Ok(Some(RestartPolicy {
                condition: match string(p.get("condition")) {
                    c if c.is_empty() => defaults::RESTART_CONDITION.to_owned(),
                    c => c,
                },
                delay: duration(p.get("delay"))?,
                // swarmkit stores MaxAttempts as a value: the Engine always returns it.
                max_attempts: Some(
                    uint(p.get("max_attempts")).unwrap_or(defaults::RESTART_MAX_ATTEMPTS),
                ),
                window: duration(p.get("window"))?,
            }));
        }
        // The legacy service-level `restart:` (docker/cli `convertRestartPolicy`).
        let text = string(restart);
        let (name, count) = match text.split_once(':') {
            Some((n, c)) => (n, Some(c)),
            None => (text.as_str(), None),
        };
        match name {
            "" | "no" => Ok(None),
            "always" | "unless-stopped" => Ok(Some(RestartPolicy {
                condition: "any".to_owned(),
                max_attempts: Some(defaults::RESTART_MAX_ATTEMPTS),
                ..RestartPolicy::default()
            })),
            "on-failure" => {
                let attempts = match count {
                    Some(c) => c.parse::<u64>().map_err(|_| {
                        ConvertError::at(format!("invalid restart policy: {text}"), restart)
                    })?,
                    None => 0,
                };
                Ok(Some(RestartPolicy {
                    condition: "on-failure".to_owned(),
                    max_attempts: Some(attempts),
                    ..RestartPolicy::default()
                }))
            }
            _ => Err(ConvertError::at(
                format!("unknown restart policy: {text}"),
                restart,
            )),
        }
    }

    /// The network a service key refers to, as the stack names it.
    fn network_name(&self, key: &str) -> String {
        written_name(self.top("networks", key)).unwrap_or_else(|| self.scope(key))
    }

    fn attachments(&self, service: &str, networks: Option<&Node>) -> Vec<NetworkAttachmentConfig> {
        let empty = Map::default();
        let map = networks.and_then(Node::as_map).unwrap_or(&empty);
        let default = [(
            Key::synthetic(defaults::DEFAULT_NETWORK),
            Node::synthetic(Value::Null),
        )];
        let entries: Vec<(&Key, &Node)> = if map.is_empty() {
            default.iter().map(|(k, v)| (k, v)).collect()
        } else {
            map.iter().collect()
        };
        let mut out: Vec<NetworkAttachmentConfig> = entries
            .into_iter()
            .map(|(key, cfg)| {
                let target = self.network_name(&key.name);
                let mut aliases = strings(cfg.get("aliases"));
                if is_user_defined(&target) {
                    aliases.push(service.to_owned());
                }
                NetworkAttachmentConfig {
                    target,
                    aliases,
                    driver_opts: string_map(cfg.get("driver_opts")),
                }
            })
            .collect();
        out.sort_by(|a, b| a.target.cmp(&b.target));
        out
    }

    fn mounts(&self, volumes: Option<&Node>) -> Result<Vec<Mount>> {
        let mut out = Vec::new();
        for v in volumes.and_then(Node::as_seq).into_iter().flatten() {
            let kind = string(v.get("type"));
            let source = string(v.get("source"));
            let mut mount = Mount {
                kind: kind.clone(),
                source: source.clone(),
                target: string(v.get("target")),
                read_only: is_true(v.get("read_only")),
                consistency: string(v.get("consistency")),
                ..Mount::default()
            };
            match kind.as_str() {
                "volume" if !source.is_empty() => {
                    let Some(top) = self.top("volumes", &source) else {
                        return Err(ConvertError::at(
                            format!("undefined volume {source:?}"),
                            Some(v),
                        ));
                    };
                    mount.source = written_name(Some(top)).unwrap_or_else(|| self.scope(&source));
                    let mut options = VolumeOptions {
                        no_copy: is_true(v.get("volume").and_then(|o| o.get("nocopy"))),
                        ..VolumeOptions::default()
                    };
                    let external = top.get("external").filter(|e| !e.is_null());
                    if !is_true(external) {
                        options.labels = self.stack_labels(top.get("labels"));
                        let driver = string(top.get("driver"));
                        let opts = top.get("driver_opts").filter(|n| !n.is_null());
                        if !driver.is_empty() || opts.is_some() {
                            options.driver_config = Some(Driver {
                                name: driver,
                                options: string_map(opts),
                            });
                        }
                    }
                    mount.volume_options = Some(options);
                }
                "bind" | "npipe" => {
                    if let Some(b) = v.get("bind").filter(|n| !n.is_null()) {
                        mount.bind_options = Some(BindOptions {
                            propagation: string(b.get("propagation")),
                            ..BindOptions::default()
                        });
                    }
                }
                "tmpfs" => {
                    if let Some(t) = v.get("tmpfs").filter(|n| !n.is_null()) {
                        mount.tmpfs_options = Some(TmpfsOptions {
                            size_bytes: int(t.get("size")).unwrap_or(0),
                            ..TmpfsOptions::default()
                        });
                    }
                }
                _ => {}
            }
            out.push(mount);
        }
        Ok(out)
    }

    /// `(name, file target)` of a service's `secrets:`/`configs:` entry, docker/cli's
    /// `convertFileObject`: target defaults to the source, uid/gid to 0, mode to 0444.
    fn file_ref(&self, kind: &str, entry: &Node) -> Result<(String, FileTarget)> {
        let source = string(entry.get("source"));
        let Some(top) = self.top(kind, &source) else {
            let what = kind.trim_end_matches('s');
            return Err(ConvertError::at(
                format!("undefined {what} {source:?}"),
                Some(entry),
            ));
        };
        let name = written_name(Some(top)).unwrap_or_else(|| self.scope(&source));
        let written = |key: &str| {
            entry
                .as_map()
                .and_then(|m| entry_written(m, key))
                .and_then(Node::scalar_to_string)
        };
        let target = written("target").unwrap_or_else(|| source.clone());
        let mode = int(entry.get("mode"))
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(defaults::FILE_MODE);
        Ok((
            name,
            FileTarget {
                name: target,
                uid: written("uid").unwrap_or_else(|| defaults::FILE_UID.to_owned()),
                gid: written("gid").unwrap_or_else(|| defaults::FILE_GID.to_owned()),
                mode,
            },
        ))
    }

    fn secret_refs(&self, svc: &Node) -> Result<Vec<SecretReference>> {
        let mut out = Vec::new();
        for entry in svc
            .get("secrets")
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            let (name, file) = self.file_ref("secrets", entry)?;
            out.push(SecretReference {
                file: Some(file),
                secret_id: name.clone(),
                secret_name: name,
            });
        }
        out.sort_by(|a, b| a.secret_name.cmp(&b.secret_name));
        Ok(out)
    }

    fn config_refs(&self, svc: &Node) -> Result<Vec<ConfigReference>> {
        let mut out = Vec::new();
        for entry in svc
            .get("configs")
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            let (name, file) = self.file_ref("configs", entry)?;
            out.push(ConfigReference {
                file: Some(file),
                runtime: None,
                config_id: name.clone(),
                config_name: name,
            });
        }
        if let Some(config) = svc
            .get("credential_spec")
            .and_then(|c| c.get("config"))
            .and_then(Node::as_str)
        {
            let name =
                written_name(self.top("configs", config)).unwrap_or_else(|| self.scope(config));
            out.push(ConfigReference {
                file: None,
                runtime: Some(serde_json::json!({})),
                config_id: name.clone(),
                config_name: name,
            });
        }
        out.sort_by(|a, b| a.config_name.cmp(&b.config_name));
        Ok(out)
    }

    fn networks(&self, services: &Map) -> (Vec<NetworkCreate>, Vec<String>) {
        let mut used = std::collections::BTreeSet::new();
        for svc in services.values() {
            match svc.get("networks").and_then(Node::as_map) {
                Some(m) if !m.is_empty() => used.extend(m.keys().map(|k| k.name.clone())),
                _ => {
                    used.insert(defaults::DEFAULT_NETWORK.to_owned());
                }
            }
        }
        let mut created = Vec::new();
        let mut external = Vec::new();
        for key in used {
            let nw = self.top("networks", &key);
            let name = self.network_name(&key);
            if is_true(nw.and_then(|n| n.get("external"))) {
                external.push(name);
                continue;
            }
            let f = |k: &str| nw.and_then(|n| n.get(k));
            let ipam_node = f("ipam");
            let ipam_driver = string(ipam_node.and_then(|i| i.get("driver")));
            let ipam_config: Vec<IpamConfig> = ipam_node
                .and_then(|i| i.get("config"))
                .and_then(Node::as_seq)
                .map(|c| {
                    c.iter()
                        .map(|c| IpamConfig {
                            subnet: string(c.get("subnet")),
                            ..IpamConfig::default()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let ipam = (!ipam_driver.is_empty() || !ipam_config.is_empty()).then(|| Ipam {
                driver: ipam_driver,
                options: StringMap::new(),
                config: ipam_config,
            });
            created.push(NetworkCreate {
                name,
                driver: match string(f("driver")) {
                    d if d.is_empty() => defaults::NETWORK_DRIVER.to_owned(),
                    d => d,
                },
                scope: String::new(),
                enable_ipv6: false,
                ipam,
                internal: is_true(f("internal")),
                attachable: is_true(f("attachable")),
                ingress: false,
                options: string_map(f("driver_opts")),
                labels: self.stack_labels(f("labels")),
            });
        }
        created.sort_by(|a, b| a.name.cmp(&b.name));
        external.sort();
        (created, external)
    }

    fn object_data(
        &self,
        kind: &str,
        key: &str,
        obj: &Node,
        files: &dyn FileSource,
    ) -> Result<Vec<u8>> {
        if obj.get("content").is_some() || obj.get("environment").is_some() {
            return Err(ConvertError::at(
                format!(
                    "{kind} {key:?}: docker stack deploy only reads `file:` (content/environment are docker compose features)"
                ),
                obj.get("content").or(obj.get("environment")),
            ));
        }
        let file = string(obj.get("file"));
        files.read(&file).map_err(|e| {
            ConvertError::at(
                format!("{kind} {key:?}: cannot read {file}: {e}"),
                obj.get("file"),
            )
        })
    }

    fn configs(&self, files: &dyn FileSource) -> Result<Vec<ConfigSpec>> {
        let mut out = Vec::new();
        for (key, obj) in self
            .project
            .get("configs")
            .and_then(Node::as_map)
            .into_iter()
            .flatten()
        {
            if is_true(obj.get("external")) {
                continue;
            }
            let template = string(obj.get("template_driver"));
            out.push(ConfigSpec {
                name: written_name(Some(obj)).unwrap_or_else(|| self.scope(&key.name)),
                labels: Some(self.stack_labels(obj.get("labels"))),
                data: self.object_data("config", &key.name, obj, files)?,
                templating: (!template.is_empty()).then(|| Driver {
                    name: template,
                    options: StringMap::new(),
                }),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn secrets(&self, files: &dyn FileSource) -> Result<Vec<SecretSpec>> {
        let mut out = Vec::new();
        for (key, obj) in self
            .project
            .get("secrets")
            .and_then(Node::as_map)
            .into_iter()
            .flatten()
        {
            if is_true(obj.get("external")) {
                continue;
            }
            let driver = string(obj.get("driver"));
            let template = string(obj.get("template_driver"));
            let data = if driver.is_empty() {
                self.object_data("secret", &key.name, obj, files)?
            } else {
                Vec::new()
            };
            out.push(SecretSpec {
                name: written_name(Some(obj)).unwrap_or_else(|| self.scope(&key.name)),
                labels: Some(self.stack_labels(obj.get("labels"))),
                data,
                driver: (!driver.is_empty()).then(|| Driver {
                    name: driver,
                    options: string_map(obj.get("driver_opts")),
                }),
                templating: (!template.is_empty()).then(|| Driver {
                    name: template,
                    options: StringMap::new(),
                }),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// A member the files wrote (compose-go's synthesised defaults, such as a secret's
/// `/run/secrets/<source>` target, are not what docker/cli sends).
fn entry_written<'n>(map: &'n Map, key: &str) -> Option<&'n Node> {
    entry(map, key)
        .filter(|(k, _)| !k.origin.is_synthetic())
        .map(|(_, v)| v)
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// docker/cli `container.NetworkMode.IsUserDefined`: not bridge, host, none, default or
/// `container:…`. Only user-defined networks get the service name as an alias.
fn is_user_defined(name: &str) -> bool {
    !matches!(name, "bridge" | "host" | "none" | "default") && !name.starts_with("container:")
}

/// `host:ip` / `host=ip` entries in SwarmKit's `ip host` notation, in order.
fn extra_hosts(node: Option<&Node>) -> Vec<String> {
    let entries: Vec<String> = match node.map(|n| &n.value) {
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| format!("{}={}", k.name, v.scalar_to_string().unwrap_or_default()))
            .collect(),
        _ => strings(node),
    };
    entries
        .iter()
        .filter_map(|e| {
            let (host, ip) = e.split_once('=').or_else(|| e.split_once(':'))?;
            Some(format!("{ip} {host}"))
        })
        .collect()
}

fn ulimits(node: Option<&Node>) -> Vec<Ulimit> {
    let mut out: Vec<Ulimit> = node
        .and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .map(|(k, v)| match int(Some(v)) {
                    Some(single) if single != 0 => Ulimit {
                        name: k.name.clone(),
                        soft: single,
                        hard: single,
                    },
                    _ => Ulimit {
                        name: k.name.clone(),
                        soft: int(v.get("soft")).unwrap_or(0),
                        hard: int(v.get("hard")).unwrap_or(0),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// docker/cli `opts.EffectiveCapAddCapDrop`: normalised to `CAP_` names, `ALL` wins, and a
/// capability both added and dropped is added.
fn effective_caps(add: &mut Vec<String>, drop: &mut Vec<String>) {
    let norm = |c: &String| {
        let c = c.trim().to_ascii_uppercase();
        if c == "ALL" || c == "RESET" || c.starts_with("CAP_") {
            c
        } else {
            format!("CAP_{c}")
        }
    };
    let mut a: Vec<String> = add.iter().map(norm).collect();
    let mut d: Vec<String> = drop.iter().map(norm).collect();
    if a.iter().any(|c| c == "ALL") {
        a = vec!["ALL".to_owned()];
    }
    if d.iter().any(|c| c == "ALL") {
        d = vec!["ALL".to_owned()];
    }
    d.retain(|c| !a.contains(c) && c != "RESET");
    a.retain(|c| c != "RESET");
    a.sort();
    a.dedup();
    d.sort();
    d.dedup();
    *add = a;
    *drop = d;
}

fn credential_spec(node: Option<&Node>, configs: &[ConfigReference]) -> Option<CredentialSpec> {
    let node = node.filter(|n| !n.is_null())?;
    let spec = CredentialSpec {
        config: string(node.get("config")),
        file: string(node.get("file")),
        registry: string(node.get("registry")),
    };
    if spec.config.is_empty() && spec.file.is_empty() && spec.registry.is_empty() {
        return None;
    }
    if !spec.config.is_empty() {
        let id = configs
            .iter()
            .find(|c| c.runtime.is_some())
            .map(|c| c.config_id.clone())
            .unwrap_or_default();
        return Some(CredentialSpec { config: id, ..spec });
    }
    Some(spec)
}

fn endpoint_spec(mode: Option<&Node>, ports: Option<&Node>) -> EndpointSpec {
    let mut out: Vec<PortConfig> = ports
        .and_then(Node::as_seq)
        .into_iter()
        .flatten()
        .map(|p| {
            let or = |n: Option<&Node>, default: &str| match string(n) {
                s if s.is_empty() => default.to_owned(),
                s => s,
            };
            PortConfig {
                name: string(p.get("name")),
                protocol: or(p.get("protocol"), defaults::PORT_PROTOCOL),
                target_port: int(p.get("target"))
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
                published_port: int(p.get("published"))
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
                publish_mode: or(p.get("mode"), defaults::PORT_PUBLISH_MODE),
            }
        })
        .collect();
    out.sort_by_key(|p| p.published_port);
    EndpointSpec {
        mode: match string(mode).to_ascii_lowercase() {
            m if m.is_empty() => defaults::ENDPOINT_MODE.to_owned(),
            m => m,
        },
        ports: out,
    }
}

/// The image as the Docker client sends it (its `imageWithTagString`): in familiar form
/// (`docker.io/library/` dropped) with `:latest` added to a bare name; a reference with a
/// digest, or one the client cannot parse, is sent as written.
pub fn tagged_image(image: &str) -> String {
    if image.is_empty() || image.contains('@') || image.chars().any(|c| c.is_ascii_uppercase()) {
        return image.to_owned();
    }
    let familiar = image
        .strip_prefix("docker.io/library/")
        .or_else(|| image.strip_prefix("index.docker.io/library/"))
        .or_else(|| image.strip_prefix("docker.io/"))
        .or_else(|| image.strip_prefix("index.docker.io/"))
        .unwrap_or(image);
    let last = familiar.rsplit('/').next().unwrap_or(familiar);
    if last.contains(':') {
        familiar.to_owned()
    } else {
        format!("{familiar}:latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{LoadOptions, load};

    struct Files(Vec<(&'static str, &'static str)>);
    impl FileSource for Files {
        fn read(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.as_bytes().to_vec())
                .ok_or_else(|| format!("{path}: no such file"))
        }
        fn is_file(&self, path: &str) -> bool {
            self.0.iter().any(|(p, _)| *p == path)
        }
    }

    fn stack(yaml: &'static str) -> Stack {
        let files = Files(vec![("/p/compose.yml", yaml), ("/p/app.conf", "x=1\n")]);
        let opts = LoadOptions::new(vec!["/p/compose.yml".into()], "/p".into(), "p".into());
        let loaded = load(&opts, &files).expect("loads");
        convert(&loaded, "st", &files, &ConvertOptions::default()).expect("converts")
    }

    #[test]
    fn names_labels_defaults_and_written_zero() {
        let s = stack(
            "services:\n  web:\n    image: nginx\n    environment: {B: 2, A: 1}\n    configs: [app]\n    deploy:\n      update_config: {order: start-first}\n      rollback_config: {monitor: 0s}\nconfigs:\n  app: {file: ./app.conf}\n",
        );
        let web = &s.service("web").expect("web").spec;
        assert_eq!(web.name, "st_web");
        let labels = web.labels.as_ref().expect("labels");
        assert_eq!(labels[defaults::LABEL_NAMESPACE], "st");
        assert_eq!(labels[defaults::LABEL_IMAGE], "nginx");
        let c = web
            .task_template
            .container_spec
            .as_ref()
            .expect("container");
        assert_eq!(c.image, "nginx:latest");
        assert_eq!(c.env, ["A=1", "B=2"]);
        assert_eq!(c.configs[0].config_id, "st_app");
        assert_eq!(
            c.configs[0].file.as_ref().map(|f| f.name.as_str()),
            Some("app")
        );
        assert_eq!(c.configs[0].file.as_ref().map(|f| f.mode), Some(0o444));
        let update = web.update_config.as_ref().expect("present block");
        assert_eq!(
            (update.parallelism, update.order.as_str()),
            (1, "start-first")
        );
        // Written `monitor: 0s` is stored as unset; inspect shows swarmkit's 5 s.
        assert_eq!(web.rollback_config.as_ref().map(|r| r.monitor), Some(0));
        let shown = web.with_swarm_defaults();
        assert_eq!(
            shown.rollback_config.map(|r| r.monitor),
            Some(defaults::UPDATE_MONITOR_NS)
        );
        assert_eq!(web.task_template.networks[0].target, "st_default");
        assert_eq!(web.task_template.networks[0].aliases, ["web"]);
        assert_eq!(s.networks[0].name, "st_default");
        assert_eq!(s.networks[0].driver, "overlay");
        assert_eq!(s.configs[0].data, b"x=1\n");
        assert!(
            s.origins
                .contains_key("services.web.TaskTemplate.ContainerSpec.Image")
        );
    }

    /// Where the Engine keeps a written zero apart from an absent field (pointers in its
    /// API types), convert does too; where it does not (`omitempty` durations), both are
    /// absent. The expected values are what Engine 20.10.24 stored for the same service
    /// (`docker stack deploy --resolve-image never`, then `GET /services/{id}` on the
    /// socket: `docker service inspect` inserts swarmkit's defaults and shows 5s monitors).
    #[test]
    fn written_zero_and_absent_are_kept_apart_as_the_engine_stores_them() {
        let s = stack(
            "services:\n  zero:\n    image: nginx:1\n    init: false\n    stop_grace_period: 0s\n    healthcheck: {test: [CMD, x], interval: 0s, retries: 0}\n    configs: [{source: app, mode: 0}]\n    deploy:\n      replicas: 0\n      restart_policy: {delay: 0s, window: 0s, max_attempts: 0}\n      update_config: {parallelism: 0, delay: 0s, monitor: 0s, max_failure_ratio: 0}\n      resources: {limits: {}}\n      placement: {max_replicas_per_node: 0}\n  unset:\n    image: nginx:1\n    healthcheck: {test: [CMD, x]}\n    configs: [app]\n    deploy:\n      restart_policy: {condition: any}\n      update_config: {order: stop-first}\nconfigs:\n  app: {file: ./app.conf}\n",
        );
        let spec =
            |key: &str| serde_json::to_value(&s.service(key).expect(key).spec).expect("serializes");
        let (zero, unset) = (spec("zero"), spec("unset"));
        let at = |v: &serde_json::Value, path: &str| v.pointer(path).cloned();
        let json =
            |text: &str| Some(serde_json::from_str::<serde_json::Value>(text).expect("json"));
        // Kept apart.
        for (path, written, absent) in [
            ("/TaskTemplate/ContainerSpec/Init", "false", None),
            ("/TaskTemplate/ContainerSpec/StopGracePeriod", "0", None),
            (
                "/TaskTemplate/ContainerSpec/Configs/0/File/Mode",
                "0",
                Some("292"),
            ),
            ("/Mode/Replicated/Replicas", "0", Some("1")),
            ("/TaskTemplate/RestartPolicy/Delay", "0", None),
            ("/TaskTemplate/RestartPolicy/Window", "0", None),
            ("/TaskTemplate/Resources/Limits", "{}", None),
            ("/UpdateConfig/Parallelism", "0", Some("1")),
        ] {
            assert_eq!(at(&zero, path), json(written), "written {path}");
            assert_eq!(at(&unset, path), absent.and_then(json), "absent {path}");
        }
        // The same either way: the Engine does not send these zeros.
        for path in [
            "/TaskTemplate/ContainerSpec/Healthcheck/Interval",
            "/TaskTemplate/ContainerSpec/Healthcheck/Retries",
            "/UpdateConfig/Delay",
            "/UpdateConfig/Monitor",
            "/TaskTemplate/Placement/MaxReplicas",
        ] {
            assert_eq!(at(&zero, path), None, "{path}");
            assert_eq!(at(&unset, path), None, "{path}");
        }
        assert_eq!(at(&zero, "/UpdateConfig/MaxFailureRatio"), json("0"));
    }

    #[test]
    fn inspect_documents_round_trip() {
        let text = r#"{"ID":"x","Version":{"Index":3},"Spec":{"Name":"st_web","Labels":{"a":"b"},"TaskTemplate":{"ContainerSpec":{"Image":"nginx:latest","Privileges":{"CredentialSpec":null,"SELinuxContext":null,"NoNewPrivileges":false},"Isolation":"default"},"Resources":{},"Placement":{},"ForceUpdate":0,"Runtime":"container","Future":1},"Mode":{"Replicated":{"Replicas":2}},"RollbackConfig":{"Parallelism":0,"FailureAction":"pause","MaxFailureRatio":0,"Order":"stop-first"},"EndpointSpec":{"Mode":"vip"}}}"#;
        let service: Service = serde_json::from_str(text).expect("parses");
        assert_eq!(service.spec.task_template.extra["Future"], 1);
        let back = serde_json::to_value(&service).expect("serializes");
        let original: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(back, original);
    }

    #[test]
    fn image_tagging_matches_the_client() {
        assert_eq!(tagged_image("nginx"), "nginx:latest");
        assert_eq!(tagged_image("docker.io/library/nginx:1"), "nginx:1");
        assert_eq!(tagged_image("reg:5000/a/b"), "reg:5000/a/b:latest");
        assert_eq!(tagged_image("a@sha256:00"), "a@sha256:00");
    }
}
