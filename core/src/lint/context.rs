//! What rules see: the merged project, its services with the effective Swarm settings
//! (defaults applied as `docker stack deploy` and swarmkit apply them), and the files.
//!
//! The printed project drops zero values (`monitor: 0s`, Go's `omitempty`) and resolved keys
//! (`extends`); [`LintContext::raw_last`] looks those up in the files as written, in the
//! skeleton of each file the loader kept from its own parse ([`crate::loader::Written`]):
//! no file is parsed twice.

use super::{LintOptions, Target};
use crate::loader::Loaded;
use crate::loader::project::parse_compose_duration;
use crate::source::SourceSet;
use crate::tree::{Key, Node, Origin, Value};

/// One second in nanoseconds, the unit of every duration here.
// The defaults live in `crate::swarm::defaults` (one table for lint, plan and the simulator).
use crate::swarm::defaults as swarm_defaults;
pub const SECOND: i64 = swarm_defaults::SECOND_NS;
/// swarmkit's default update/rollback `Monitor` (moby/swarmkit `api/defaults/service.go`).
pub const DEFAULT_MONITOR: i64 = swarm_defaults::UPDATE_MONITOR_NS;
/// The engine's default container stop timeout when `stop_grace_period` is unset.
pub const DEFAULT_STOP_GRACE: i64 = swarm_defaults::STOP_GRACE_PERIOD_NS;
/// How long stop-first waits for the old task to exit (moby/swarmkit
/// `manager/orchestrator/restart/restart.go`, `defaultOldTaskTimeout`).
pub const OLD_TASK_TIMEOUT: i64 = swarm_defaults::OLD_TASK_TIMEOUT_NS;
/// The executor's sleep before stopping a networked task (moby/moby
/// `daemon/cluster/executor/container/controller.go`, `defaultGossipConvergeDelay`).
pub const GOSSIP_DELAY: i64 = swarm_defaults::GOSSIP_DELAY_NS;
/// Engine healthcheck defaults (moby/moby `daemon/health.go`).
pub const DEFAULT_HEALTH_INTERVAL: i64 = swarm_defaults::HEALTH_INTERVAL_NS;
pub const DEFAULT_HEALTH_TIMEOUT: i64 = swarm_defaults::HEALTH_TIMEOUT_NS;
pub const DEFAULT_HEALTH_RETRIES: i64 = swarm_defaults::HEALTH_RETRIES;
pub const DEFAULT_START_INTERVAL: i64 = swarm_defaults::HEALTH_START_INTERVAL_NS;

/// Everything a rule's `check` function gets.
pub struct LintContext<'a> {
    pub loaded: &'a Loaded,
    pub options: &'a LintOptions,
    /// The target actually linted for (the option, or the one detected).
    pub target: Target,
    services: Vec<Service<'a>>,
}

impl<'a> LintContext<'a> {
    pub fn new(loaded: &'a Loaded, options: &'a LintOptions, target: Target) -> Self {
        let mut services = Vec::new();
        if let Some(map) = loaded.project.get("services").and_then(Node::as_map) {
            for (key, node) in map {
                if node.as_map().is_some() {
                    services.push(Service {
                        name: &key.name,
                        node,
                    });
                }
            }
        }
        LintContext {
            loaded,
            options,
            target,
            services,
        }
    }

    pub fn services(&self) -> &[Service<'a>] {
        &self.services
    }

    pub fn sources(&self) -> &'a SourceSet {
        &self.loaded.sources
    }

    /// The number of Swarm nodes assumed (option `nodes`, at least 1).
    pub fn nodes(&self) -> u64 {
        u64::from(self.options.nodes.max(1))
    }

    pub fn engine_at_least(&self, major: u32, minor: u32) -> bool {
        self.options.engine_version >= (major, minor)
    }

    /// The documents of every file as written, indexed by file id: the skeletons the
    /// loader kept ([`crate::loader::Written`]), which hold the keys the rules read.
    pub fn raw_files(&self) -> &'a [Vec<Node>] {
        self.loaded.written.files()
    }

    /// The `services.NAME` key as written in the first file that declares it.
    pub fn raw_service_key(&self, service: &str) -> Option<Origin> {
        self.loaded
            .written
            .service_entries(service)
            .next()
            .map(|(k, _)| k.origin)
    }

    /// `services.NAME.PATH` as written in the last file that sets it (which is the value
    /// the merge kept for a scalar), with its key.
    pub fn raw_last(&self, service: &str, path: &[&str]) -> Option<(&'a Key, &'a Node)> {
        self.loaded.written.last(service, path)
    }

    /// `services.NAME.PATH` as the files set it, with the value after interpolation: the
    /// merged model's entry when it kept one (its origin is the `${…}` in the file that set
    /// it), else the entry as written in the last file that sets it (a zero or `false` the
    /// model drops, a key the loader resolves such as `extends`). `None` when no file
    /// writes it.
    pub fn written_last(
        &self,
        service: &Service<'a>,
        path: &[&str],
    ) -> Option<(&'a Key, &'a Node)> {
        let raw = self.raw_last(service.name, path)?;
        Some(service.entry(path).unwrap_or(raw))
    }

    /// The text of `services.NAME.PATH` for messages: as written (`512m`, not the bytes the
    /// model holds), unless it is interpolated, then the value it took.
    pub fn written_text(&self, service: &Service<'a>, path: &[&str]) -> Option<String> {
        let raw = self
            .raw_last(service.name, path)
            .and_then(|(_, v)| v.scalar_to_string());
        match raw {
            Some(text) if !text.contains('$') => Some(text),
            _ => service.get(path).and_then(Node::scalar_to_string),
        }
    }

    /// Where to point for something about the whole service: its key in the first file
    /// that declares it.
    pub fn anchor(&self, service: &Service<'_>) -> Option<Origin> {
        self.raw_service_key(service.name)
            .or(Some(service.node.origin))
            .filter(|o| !o.is_synthetic())
    }

    /// For a key that is missing: the origin of the deepest key of `path` that exists, and
    /// that key's dotted path (`services.web.deploy`), falling back to the service key.
    pub fn nearest(&self, service: &Service<'_>, path: &[&str]) -> (Option<Origin>, String) {
        let mut node = service.node;
        let mut found: Option<(Origin, usize)> = None;
        for (i, segment) in path.iter().enumerate() {
            match node.as_map().and_then(|m| m.get_key_value(*segment)) {
                Some((key, value)) if !key.origin.is_synthetic() => {
                    found = Some((key.origin, i + 1));
                    node = value;
                }
                Some((_, value)) => node = value,
                None => break,
            }
        }
        match found {
            Some((origin, depth)) => (
                Some(origin),
                format!("services.{}.{}", service.name, path[..depth].join(".")),
            ),
            None => (self.anchor(service), format!("services.{}", service.name)),
        }
    }
}

/// `node.PATH` as a key and value.
pub fn entry_at<'n>(node: &'n Node, path: &[&str]) -> Option<(&'n Key, &'n Node)> {
    let (last, parents) = path.split_last()?;
    let mut node = node;
    for segment in parents {
        node = node.get(segment)?;
    }
    node.as_map()?.get_key_value(*last)
}

/// A duration as the printed project spells it (`1m30s`), in nanoseconds.
pub fn duration(node: &Node) -> Option<i64> {
    node.as_str().and_then(|s| parse_compose_duration(s).ok())
}

/// Nanoseconds as a short human duration: `90s` → `1m30s`, `500ms`, `0s`.
pub fn fmt_duration(nanos: i64) -> String {
    crate::units::format_duration(nanos)
}

/// An integer value (the printed project types counts as integers).
pub fn int(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => Some(i),
        Value::Float(f) if f.fract() == 0.0 => Some(f as i64),
        Value::Str(ref s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number value.
pub fn float(node: &Node) -> Option<f64> {
    match node.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        Value::Str(ref s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The origin of a value, unless it is synthetic.
pub fn at(node: &Node) -> Option<Origin> {
    Some(node.origin).filter(|o| !o.is_synthetic())
}

/// The origin of a key, unless it is synthetic.
pub fn key_at(key: &Key) -> Option<Origin> {
    Some(key.origin).filter(|o| !o.is_synthetic())
}

/// A key and its value together: the span from the key to the end of a scalar value (for a
/// mapping or sequence value, the key alone).
pub fn entry_span(key: &Key, value: &Node) -> Option<Origin> {
    let k = key_at(key)?;
    match (&value.value, at(value)) {
        (Value::Map(_) | Value::Seq(_), _) | (_, None) => Some(k),
        (_, Some(v)) if v.file == k.file && (v.end_line, v.end_column) >= (k.line, k.column) => {
            Some(Origin {
                end_line: v.end_line,
                end_column: v.end_column,
                ..k
            })
        }
        _ => Some(k),
    }
}

/// The service's deployment mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Replicated,
    Global,
    ReplicatedJob,
    GlobalJob,
    /// A value `docker stack deploy` rejects.
    Unknown,
}

/// Which of the two rolling-update blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    Update,
    Rollback,
}

impl UpdateKind {
    pub const BOTH: [UpdateKind; 2] = [UpdateKind::Update, UpdateKind::Rollback];

    pub fn key(self) -> &'static str {
        match self {
            UpdateKind::Update => "update_config",
            UpdateKind::Rollback => "rollback_config",
        }
    }

    /// "update" or "rollback", for messages.
    pub fn noun(self) -> &'static str {
        match self {
            UpdateKind::Update => "update",
            UpdateKind::Rollback => "rollback",
        }
    }

    /// "an update" or "a rollback", for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            UpdateKind::Update => "an update",
            UpdateKind::Rollback => "a rollback",
        }
    }
}

/// One service of the merged project.
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub name: &'a str,
    pub node: &'a Node,
}

impl<'a> Service<'a> {
    /// `services.NAME.PATH`.
    pub fn get(&self, path: &[&str]) -> Option<&'a Node> {
        self.entry(path).map(|(_, v)| v)
    }

    /// `services.NAME.PATH` with its key.
    pub fn entry(&self, path: &[&str]) -> Option<(&'a Key, &'a Node)> {
        entry_at(self.node, path)
    }

    /// Whether the service has a `deploy` key.
    pub fn has_deploy(&self) -> bool {
        self.get(&["deploy"]).is_some()
    }

    pub fn mode_value(&self) -> Option<(&'a Key, &'a Node)> {
        self.entry(&["deploy", "mode"])
            .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
    }

    pub fn mode(&self) -> Mode {
        match self.mode_value().and_then(|(_, v)| v.as_str()) {
            None | Some("replicated") => Mode::Replicated,
            Some("global") => Mode::Global,
            Some("replicated-job") => Mode::ReplicatedJob,
            Some("global-job") => Mode::GlobalJob,
            Some(_) => Mode::Unknown,
        }
    }

    /// Whether the service is a long-running service that rolling updates apply to.
    pub fn is_rolling(&self) -> bool {
        matches!(self.mode(), Mode::Replicated | Mode::Global)
    }

    /// `deploy.replicas` (or `scale`) with its node; `None` when unset (1 replica).
    pub fn replicas_value(&self) -> Option<(i64, &'a Node)> {
        self.get(&["deploy", "replicas"])
            .or_else(|| self.get(&["scale"]))
            .and_then(|n| int(n).map(|i| (i, n)))
    }

    /// How many tasks the service runs: its replicas, or one per node for a global service.
    pub fn task_count(&self, nodes: u64) -> u64 {
        match self.mode() {
            Mode::Global | Mode::GlobalJob => nodes,
            _ => self
                .replicas_value()
                .map_or(1, |(r, _)| u64::try_from(r).unwrap_or(0)),
        }
    }

    pub fn update(&self, kind: UpdateKind) -> UpdateConfig<'a> {
        UpdateConfig {
            kind,
            entry: self.entry(&["deploy", kind.key()]),
        }
    }

    pub fn health(&self) -> Health<'a> {
        Health {
            entry: self.entry(&["healthcheck"]),
        }
    }

    /// Published ports in host mode.
    pub fn host_ports(&self) -> Vec<&'a Node> {
        self.get(&["ports"])
            .and_then(Node::as_seq)
            .map(|ports| {
                ports
                    .iter()
                    .filter(|p| {
                        p.get("mode").and_then(Node::as_str) == Some("host")
                            && p.get("published")
                                .and_then(Node::scalar_to_string)
                                .is_some_and(|s| !s.is_empty() && s != "0")
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `stop_grace_period` in nanoseconds, with its node.
    pub fn stop_grace(&self) -> Option<(i64, &'a Node)> {
        self.get(&["stop_grace_period"])
            .and_then(|n| duration(n).map(|d| (d, n)))
    }
}

/// Where a configuration block (`update_config`, `healthcheck`) was keyed, if it is set.
fn block_key_origin(entry: Option<(&Key, &Node)>) -> Option<Origin> {
    entry.and_then(|(k, _)| key_at(k))
}

/// One field of a configuration block, if the block and the field are set.
fn block_field<'a>(entry: Option<(&'a Key, &'a Node)>, name: &str) -> Option<(&'a Key, &'a Node)> {
    entry
        .and_then(|(_, v)| v.as_map())
        .and_then(|m| m.get_key_value(name))
}

/// `deploy.update_config` or `deploy.rollback_config`, with the values `docker stack
/// deploy` and swarmkit use when a field (or the whole block) is missing (semantics §1.1,
/// §1.4: docker/cli `convertUpdateConfig`, moby/moby `updateConfigToGRPC`).
#[derive(Clone, Copy)]
pub struct UpdateConfig<'a> {
    pub kind: UpdateKind,
    /// The block's key and value, when the files set it.
    pub entry: Option<(&'a Key, &'a Node)>,
}

impl<'a> UpdateConfig<'a> {
    pub fn present(&self) -> bool {
        self.entry.is_some()
    }

    pub fn key_origin(&self) -> Option<Origin> {
        block_key_origin(self.entry)
    }

    pub fn field(&self, name: &str) -> Option<(&'a Key, &'a Node)> {
        block_field(self.entry, name)
    }

    /// Parallelism: 1 when unset or when the block is absent; 0 means all at once.
    pub fn parallelism(&self) -> u64 {
        self.field("parallelism")
            .and_then(|(_, v)| int(v))
            .map_or(1, |p| u64::try_from(p).unwrap_or(0))
    }

    /// `stop-first` unless `order: start-first`.
    pub fn start_first(&self) -> bool {
        self.field("order").and_then(|(_, v)| v.as_str()) == Some("start-first")
    }

    /// The failure action as written, `pause` when unset.
    pub fn failure_action(&self) -> &'a str {
        self.field("failure_action")
            .and_then(|(_, v)| v.as_str())
            .filter(|s| !s.is_empty())
            .unwrap_or("pause")
    }

    /// The monitor period as written (the printed project drops `0s`).
    pub fn monitor_written(&self) -> Option<i64> {
        self.field("monitor").and_then(|(_, v)| duration(v))
    }

    /// The monitor period Swarm uses: 5 s when unset or zero.
    pub fn monitor(&self) -> i64 {
        self.monitor_written()
            .filter(|m| *m != 0)
            .unwrap_or(DEFAULT_MONITOR)
    }

    pub fn delay(&self) -> i64 {
        self.field("delay")
            .and_then(|(_, v)| duration(v))
            .unwrap_or(0)
    }
}

/// The service's `healthcheck`. Missing durations fall back to the image's values and then
/// to the engine defaults (moby/moby `daemon/health.go`).
#[derive(Clone, Copy)]
pub struct Health<'a> {
    pub entry: Option<(&'a Key, &'a Node)>,
}

impl<'a> Health<'a> {
    pub fn present(&self) -> bool {
        self.entry.is_some()
    }

    pub fn key_origin(&self) -> Option<Origin> {
        block_key_origin(self.entry)
    }

    pub fn field(&self, name: &str) -> Option<(&'a Key, &'a Node)> {
        block_field(self.entry, name)
    }

    /// The key/value that disables the healthcheck (`disable: true` or `test: [NONE]`).
    pub fn disabled_by(&self) -> Option<(&'a Key, &'a Node)> {
        if let Some((k, v)) = self.field("disable")
            && v.value == Value::Bool(true)
        {
            return Some((k, v));
        }
        let (k, test) = self.field("test")?;
        let first = test.as_seq()?.first()?;
        (first.as_str() == Some("NONE")).then_some((k, test))
    }

    /// Whether the files define a healthcheck that runs (a missing `test` inherits the
    /// image's).
    pub fn active(&self) -> bool {
        self.present() && self.disabled_by().is_none()
    }

    pub fn duration(&self, name: &str) -> Option<(i64, &'a Key, &'a Node)> {
        self.field(name)
            .and_then(|(k, v)| duration(v).map(|d| (d, k, v)))
    }

    pub fn interval(&self) -> i64 {
        self.duration("interval")
            .map(|(d, _, _)| d)
            .filter(|d| *d != 0)
            .unwrap_or(DEFAULT_HEALTH_INTERVAL)
    }

    pub fn timeout(&self) -> i64 {
        self.duration("timeout")
            .map(|(d, _, _)| d)
            .filter(|d| *d != 0)
            .unwrap_or(DEFAULT_HEALTH_TIMEOUT)
    }

    /// Retries Swarm uses: 0 or unset means 3.
    pub fn retries(&self) -> i64 {
        self.field("retries")
            .and_then(|(_, v)| int(v))
            .filter(|r| *r > 0)
            .unwrap_or(DEFAULT_HEALTH_RETRIES)
    }
}
